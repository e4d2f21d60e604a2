//! Rendering: every file of the site (document pages, `/print/`, overview
//! pages, exports, copied files) from the layout, with the typed contexts
//! of `context` and the theme's templates, into a `Sink`.

use crate::context::{
    ClauseData, ClausesData, CoverageData, DocPage, DocumentData, HomeData, NoData, OverviewData, PageContext,
    PrintData, RegisterData, ReviewsData, SiteData,
};
use crate::diagnostics::Diagnostic;
use crate::layout::{self, CopiedFrom, Export, FileData, Page, Sink, SiteFile, PRINT_PATH};
use crate::model::{DocId, PerDoc};
use crate::site::{Site, Timings};
use crate::templates::{Templates, THEME_STATIC};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;
use tera::Context;

/// Renders every file of the site into `sink`. Documents are rendered in
/// parallel batches in register order; each document's HTML is produced
/// once and used for its own page and its chunk of `/print/`. Each page's
/// context holds its own data plus the small shared `site` object.
/// Returns the time spent in each part (for `--verbose`).
pub fn render_site_into(site: &Site, templates: &Templates, sink: &dyn Sink) -> Result<Timings, Vec<Diagnostic>> {
    let documents = render_documents(site, templates, sink);
    render_rest(site, templates, sink, documents)
}

/// What rendering the document pages leaves for the rest of the site.
pub struct Documents {
    timings: Timings,
    errors: Vec<Diagnostic>,
    /// Each document's share of the search index (by document index).
    search: PerDoc<Option<crate::search::SearchEntry>>,
}

fn note(d: Diagnostic, errors: &mut Vec<Diagnostic>) {
    if !errors.contains(&d) {
        errors.push(d);
    }
}

/// The first part of [`render_site_into`]: every document page and
/// `/print/`. The rest of the site needs no document source after it
/// (`smsdoc build` frees them in between).
pub fn render_documents(site: &Site, templates: &Templates, sink: &dyn Sink) -> Documents {
    let mut timings = Timings::default();
    let t = std::time::Instant::now();
    let shared = SiteData::shared(site);
    let order = site.register_order();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let print_order = site.print_order();
    let print = PrintFrame::new(site, &shared, &print_order);
    // `/print/` starts with its cover and contents (`print.html`), which
    // list every document: rendered beside the first batch of documents
    // rather than ahead of all of them (on one core, it kept the others
    // idle). Its chunks wait for it.
    let mut cover: Option<Result<PrintCover, Diagnostic>> = None;
    let mut print_ok = print.is_ok();
    // Starts `/print/` with the cover: whether it could.
    let put_head = |c: &Result<PrintCover, Diagnostic>| match c {
        Ok(c) => sink
            .put(SiteFile {
                path: PRINT_PATH.into(),
                data: FileData::Bytes(c.head.clone().into_bytes()),
            })
            .is_ok(),
        Err(_) => false,
    };
    // The search index's share of each document comes from the same
    // Markdown pass as its page.
    let mut search: PerDoc<Option<crate::search::SearchEntry>> = site.docs.ids().map(|_| None).collect();
    // Each batch's print chunks are joined and appended to `/print/` while
    // the next batch renders (done between batches, that kept the other
    // cores waiting).
    let mut pending: Vec<String> = Vec::new();
    for batch in order.chunks(256) {
        let earlier = std::mem::take(&mut pending);
        let beside = || {
            let new_cover = match (&print, &cover) {
                (Ok(frame), None) => Some(frame.cover(site, templates, &shared, &print_order)),
                _ => None,
            };
            (new_cover, append_chunks(sink, earlier))
        };
        let render_batch = || -> Vec<Result<(String, crate::search::SearchEntry), Diagnostic>> {
            batch
                .par_iter()
                .map(|&i| {
                    let (html, text) = site.doc_html_and_text(i);
                    let entry = crate::search::entry(site, i, &text);
                    drop(text);
                    let (file, page) = render_doc_page(site, templates, &shared, i, html)?;
                    sink.put(file)?;
                    let chunk = match &print {
                        Ok(p) if p.printed[i] => p.chunk(site, templates, i, page)?,
                        _ => String::new(),
                    };
                    Ok((chunk, entry))
                })
                .collect()
        };
        let ((new_cover, appended), parts) = rayon::join(beside, render_batch);
        if let Err(d) = appended {
            note(d, &mut errors);
            print_ok = false;
        }
        if let Some(c) = new_cover {
            print_ok = put_head(&c);
            cover = Some(c);
        }
        for (&i, p) in batch.iter().zip(parts) {
            match p {
                Ok((c, entry)) => {
                    if print_ok {
                        pending.push(c);
                    }
                    search[i] = Some(entry);
                }
                Err(d) => note(d, &mut errors),
            }
        }
    }
    if print_ok && cover.is_none() {
        // A handbook without documents: the cover alone.
        cover = print
            .as_ref()
            .ok()
            .map(|frame| frame.cover(site, templates, &shared, &print_order));
        print_ok = cover.as_ref().is_some_and(put_head);
    }
    if print_ok {
        if let Err(d) = append_chunks(sink, pending) {
            note(d, &mut errors);
            print_ok = false;
        }
    }
    match (&print, cover) {
        (Ok(_), Some(Ok(c))) if print_ok => {
            if let Err(d) = sink.append(PRINT_PATH, c.tail.as_bytes()) {
                note(d, &mut errors);
            }
        }
        (Err(d), _) => note(d.clone(), &mut errors),
        (_, Some(Err(d))) => note(d, &mut errors),
        _ => {}
    }
    timings.record("document pages", t);
    Documents {
        timings,
        errors,
        search,
    }
}

/// Appends document chunks to `/print/`, joined into one write.
fn append_chunks(sink: &dyn Sink, chunks: Vec<String>) -> Result<(), Diagnostic> {
    if chunks.is_empty() {
        return Ok(());
    }
    sink.append(PRINT_PATH, chunks.concat().as_bytes())
}

/// The second part of [`render_site_into`]: overview pages, exports and
/// static files.
pub fn render_rest(
    site: &Site,
    templates: &Templates,
    sink: &dyn Sink,
    documents: Documents,
) -> Result<Timings, Vec<Diagnostic>> {
    let Documents {
        mut timings,
        mut errors,
        search,
    } = documents;
    let t = std::time::Instant::now();
    let shared = SiteData::shared(site);
    // Overview pages and exports are independent: one task each, every
    // core busy. The pages and exports that hold every document (the search
    // index, made here from the entries collected above; the register, the
    // home and coverage pages) go first so that no big one starts last
    // while the other cores idle. Each file is written and dropped as soon
    // as it is ready, so at most one such value per thread is alive.
    let mut jobs: Vec<Job> = vec![Job::SearchIndex(search)];
    jobs.extend(overview_pages(site).into_iter().map(Job::Page));
    jobs.extend(
        layout::EXPORTS
            .iter()
            .filter(|(e, _)| !matches!(e, Export::SearchIndexJson | Export::SearchIndexJs))
            .map(|&(e, _)| Job::Export(e)),
    );
    let run = |job: Job| -> Option<Diagnostic> {
        let files = match job {
            Job::SearchIndex(entries) => crate::search::files_from(site, entries),
            Job::Page(p) => match render(templates, p.template, &p.context(site, &shared)) {
                Ok(html) => vec![SiteFile::bytes(p.path, html.into_bytes())],
                Err(d) => return Some(d),
            },
            Job::Export(e) => crate::exports::files(site, e),
        };
        files.into_iter().find_map(|f| sink.put(f).err())
    };
    let others: Vec<Diagnostic> = jobs.into_par_iter().with_max_len(1).filter_map(run).collect();
    for d in others {
        note(d, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let t = timings.record("overview+exports", t);
    for f in static_files(site) {
        sink.put(f).map_err(|d| vec![d])?;
    }
    timings.record("static files", t);
    Ok(timings)
}

/// A file of the site other than a document page.
enum Job {
    /// The search index, from each document's entry.
    SearchIndex(PerDoc<Option<crate::search::SearchEntry>>),
    Page(OverviewPage),
    Export(Export),
}

/// Renders template `name` with a typed context.
fn render(templates: &Templates, name: &str, ctx: &impl Serialize) -> Result<String, Diagnostic> {
    templates.render(name, &context(ctx)?)
}

pub fn context(ctx: &impl Serialize) -> Result<Context, Diagnostic> {
    Context::from_serialize(ctx).map_err(template_error)
}

fn template_error(e: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(crate::diagnostics::Code::Template, e.to_string())
}

/// Renders one document page (used by the preview server for single pages).
pub fn render_doc(site: &Site, templates: &Templates, shared: &SiteData, i: DocId) -> Result<SiteFile, Diagnostic> {
    render_doc_page(site, templates, shared, i, site.doc_html(i)).map(|(file, _)| file)
}

/// Document `i`'s page context around its rendered body `html`.
pub fn document_context(site: &Site, shared: &SiteData, i: DocId, html: String) -> PageContext<DocumentData> {
    let url = &site.docs[i].url;
    PageContext {
        site: shared.from_dir(site, url),
        current_path: url.clone(),
        data: DocumentData {
            page: DocPage::new(site, i, html),
        },
    }
}

/// Renders document `i`'s page around its already rendered body, and hands
/// back the page's `page` object, as the template saw it, for the print
/// chunk (serialising a `DocPage` twice per document was a tenth of the
/// time spent on templates).
fn render_doc_page(
    site: &Site,
    templates: &Templates,
    shared: &SiteData,
    i: DocId,
    html: String,
) -> Result<(SiteFile, Value), Diagnostic> {
    // The body goes into the context by move: serialised with the rest,
    // the page's largest string would be copied once more.
    let mut value = serde_json::to_value(document_context(site, shared, i, String::new())).map_err(template_error)?;
    if let Some(content) = value.get_mut("page").and_then(|p| p.get_mut("content")) {
        *content = Value::String(html);
    }
    let mut ctx = Context::from_value(value).map_err(template_error)?;
    let out = templates.render(layout::DOCUMENT_TEMPLATE, &ctx)?;
    let page = ctx.remove("page").unwrap_or_default();
    Ok((
        SiteFile::bytes(layout::document_path(&site.docs[i]), out.into_bytes()),
        page,
    ))
}

/// Marker in `print.html` where the documents go.
const PRINT_MARKER: &str = "<!-- smsdoc:print-documents -->";

/// `/print/`: the cover and contents from `print.html` (split at the
/// marker into head and tail, see [`PrintCover`]), then every document
/// rendered with `print_doc.html`, in register order. Chunks are appended
/// in batches so a large handbook never holds the whole page in memory.
/// The frame holds what every chunk needs.
struct PrintFrame<'a> {
    /// Site path of each document's page as linked (`procedures/x/` or
    /// `procedures/x/index.html`) → its id, to turn links into anchors.
    by_path: std::collections::HashMap<String, &'a str>,
    /// Prefix from `/print/` to the site root.
    root: String,
    /// The `site` object as seen from `/print/`, serialised once.
    site: Value,
    /// By document index: it is in the print handbook.
    printed: PerDoc<bool>,
}

/// `print.html` rendered and split at [`PRINT_MARKER`]: what goes before
/// the documents (cover, contents) and after them.
struct PrintCover {
    head: String,
    tail: String,
}

impl<'a> PrintFrame<'a> {
    fn new(site: &'a Site, shared: &SiteData, order: &[DocId]) -> Result<Self, Diagnostic> {
        Ok(PrintFrame {
            by_path: order
                .iter()
                .map(|&i| (site.config.page_link(&site.docs[i].url), site.docs[i].id.as_str()))
                .collect(),
            root: site.config.root_from("print/"),
            site: serde_json::to_value(shared.from_dir(site, "print/")).map_err(template_error)?,
            printed: {
                let mut printed: PerDoc<bool> = vec![false; site.docs.len()].into();
                for &i in order {
                    printed[i] = true;
                }
                printed
            },
        })
    }

    /// The cover and contents of the documents in `order`.
    fn cover(
        &self,
        site: &Site,
        templates: &Templates,
        shared: &SiteData,
        order: &[DocId],
    ) -> Result<PrintCover, Diagnostic> {
        let ctx = PageContext {
            site: shared.from_dir(site, "print/"),
            current_path: "print/".to_string(),
            data: PrintData::new(site, order),
        };
        let page = render(templates, "print.html", &ctx)?;
        let (head, tail) = page.split_once(PRINT_MARKER).unwrap_or((&page, ""));
        Ok(PrintCover {
            head: head.to_string(),
            tail: tail.to_string(),
        })
    }

    /// Document `i`'s article on the print page (`print_doc.html`, which
    /// sees `site` and `page`), from the serialised `page` of its own page:
    /// a `DocPage`, whose content is rewritten for the print page.
    fn chunk(&self, site: &Site, templates: &Templates, i: DocId, mut page: Value) -> Result<String, Diagnostic> {
        if let Some(Value::String(content)) = page.get_mut("content") {
            let page_root = site.config.root_from(&site.docs[i].url);
            *content = print_html(content, &site.docs[i].id, &page_root, self);
        }
        let mut ctx = serde_json::Map::new();
        ctx.insert("site".into(), self.site.clone());
        ctx.insert("page".into(), page);
        templates.render(
            "print_doc.html",
            &Context::from_value(Value::Object(ctx)).map_err(template_error)?,
        )
    }
}

/// Renders `/print/` on its own (the preview server does so after the
/// pages a change affects).
fn render_print(site: &Site, templates: &Templates, shared: &SiteData, sink: &dyn Sink) -> Result<(), Diagnostic> {
    let order = site.print_order();
    let frame = PrintFrame::new(site, shared, &order)?;
    let cover = frame.cover(site, templates, shared, &order)?;
    sink.put(SiteFile {
        path: PRINT_PATH.into(),
        data: FileData::Bytes(cover.head.into_bytes()),
    })?;
    for batch in order.chunks(256) {
        let parts: Vec<Result<String, Diagnostic>> = batch
            .par_iter()
            .map(|&i| {
                let page = serde_json::to_value(DocPage::new(site, i, site.doc_html(i))).map_err(template_error)?;
                frame.chunk(site, templates, i, page)
            })
            .collect();
        let mut chunk = String::new();
        for p in parts {
            chunk.push_str(&p?);
        }
        sink.append(PRINT_PATH, chunk.as_bytes())?;
    }
    sink.append(PRINT_PATH, cover.tail.as_bytes())
}

/// The non-document pages: (output path, template, context).
pub fn list_pages(site: &Site, shared: &SiteData) -> Vec<(String, &'static str, PageContext<OverviewData>)> {
    overview_pages(site)
        .into_iter()
        .map(|p| {
            let ctx = p.context(site, shared);
            (p.path, p.template, ctx)
        })
        .collect()
}

/// A page that is not a document page. Its context is built only when it
/// is rendered: the overview contexts of a large handbook hold every
/// document several times over.
pub struct OverviewPage {
    pub path: String,
    pub template: &'static str,
    page: Page,
}

pub fn overview_pages(site: &Site) -> Vec<OverviewPage> {
    layout::pages(&site.config, &site.cats)
        .into_iter()
        // `/print/` is made with the document pages.
        .filter(|(_, _, page)| *page != Page::Print)
        .map(|(path, template, page)| OverviewPage { path, template, page })
        .collect()
}

impl OverviewPage {
    /// Site directory of the page (links from it are relative to it).
    fn dir(&self) -> &str {
        self.path.rfind('/').map_or("", |i| &self.path[..=i])
    }

    pub fn context(&self, site: &Site, shared: &SiteData) -> PageContext<OverviewData> {
        let data = match self.page {
            Page::Home => OverviewData::Home(HomeData::new(site)),
            Page::Register => OverviewData::Register(RegisterData::new(site)),
            Page::NotFound | Page::Search => OverviewData::Empty(NoData {}),
            Page::Print => OverviewData::Print(PrintData::new(site, &site.print_order())),
            Page::Coverage => OverviewData::Coverage(CoverageData::new(site)),
            Page::Reviews => OverviewData::Reviews(ReviewsData::new(site)),
            Page::Clauses => OverviewData::Clauses(ClausesData::new(site)),
            Page::Clause(r) => OverviewData::Clause(Box::new(ClauseData::new(site, r))),
            Page::Series(k) => OverviewData::Series(Box::new(crate::context::SeriesData::new(site, k))),
            Page::Soa => OverviewData::Soa(crate::context::SoaData::new(site)),
        };
        let current = self.dir();
        PageContext {
            site: shared.from_dir(site, current),
            current_path: current.to_string(),
            data,
        }
    }
}

/// The files copied into the site, as the layout lists them.
fn static_files(site: &Site) -> Vec<SiteFile> {
    layout::copied_files(&site.config, &site.assets)
        .into_iter()
        .map(|(path, from)| {
            let data = match from {
                CopiedFrom::BuiltinTheme(name) => FileData::Bytes(
                    THEME_STATIC
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, b)| b.to_vec())
                        .unwrap_or_default(),
                ),
                CopiedFrom::Highlight => FileData::Bytes(crate::markdown::highlight_css().into_bytes()),
                CopiedFrom::ThemeDir(p) | CopiedFrom::UserStatic(p) | CopiedFrom::Asset(p) => FileData::Copy(p),
            };
            SiteFile { path, data }
        })
        .collect()
}

/// A document's HTML for the one-page print handbook, from the HTML of its
/// own page (whose links start with `page_root`): links to documents in the
/// handbook become in-page anchors (`#doc-<id>`, `#doc-<id>--<heading>`),
/// other site links are re-rooted at `/print/`, and heading ids are prefixed
/// so they stay unique on the combined page.
fn print_html(html: &str, id: &str, page_root: &str, frame: &PrintFrame) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(eq) = attribute_value_start(rest) {
        let name_start = rest[..eq]
            .rfind(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .map_or(0, |p| p + 1);
        let name = &rest[name_start..eq];
        out.push_str(&rest[..eq + 2]);
        let after = &rest[eq + 2..];
        let end = after.find('"').unwrap_or(after.len());
        let value = &after[..end];
        rest = &after[end..];
        let preceded_by_space = rest_is_attribute(&out, name.len() + 2);
        match name {
            "id" if preceded_by_space => {
                let _ = write!(out, "doc-{id}--{value}");
            }
            "href" | "src" if preceded_by_space => {
                if let Some(anchor) = value.strip_prefix('#') {
                    let _ = write!(out, "#doc-{id}--{anchor}");
                } else if let Some(path) = value
                    .strip_prefix(page_root)
                    .filter(|_| !page_root.is_empty() && !is_absolute_url(value, page_root))
                {
                    let (page, anchor) = path.split_once('#').map_or((path, None), |(p, a)| (p, Some(a)));
                    match (name, frame.by_path.get(page), anchor) {
                        ("href", Some(t), Some(a)) => {
                            let _ = write!(out, "#doc-{t}--{a}");
                        }
                        ("href", Some(t), None) => {
                            let _ = write!(out, "#doc-{t}");
                        }
                        _ => {
                            out.push_str(&frame.root);
                            out.push_str(path);
                        }
                    }
                } else {
                    out.push_str(value);
                }
            }
            _ => out.push_str(value),
        }
    }
    out.push_str(rest);
    demote_headings(out)
}

/// Where the next `="` is in `html`: looked for as `=` (a fast byte
/// search; a two-byte pattern search took a tenth of the print handbook's
/// time), then checked for the quote.
fn attribute_value_start(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(p) = html[from..].find('=') {
        let eq = from + p;
        if bytes.get(eq + 1) == Some(&b'"') {
            return Some(eq);
        }
        from = eq + 1;
    }
    None
}

/// Moves every heading one level down (h2 → h3 … h5 → h6): on the print
/// page document titles are h2. Document bodies start at h2 (their h1 is
/// the page title), so nothing is lost but the difference between h5 and h6.
fn demote_headings(html: String) -> String {
    let mut bytes = html.into_bytes();
    let mut i = 0;
    while let Some(p) = bytes[i..].iter().position(|&b| b == b'<') {
        let mut t = i + p + 1;
        if bytes.get(t) == Some(&b'/') {
            t += 1;
        }
        if matches!(bytes.get(t), Some(b'h' | b'H'))
            && matches!(bytes.get(t + 1), Some(b'1'..=b'5'))
            && matches!(bytes.get(t + 2), Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/'))
        {
            bytes[t + 1] = (bytes[t + 1] + 1).max(b'3');
        }
        i = t;
    }
    // Only ASCII digits were replaced by ASCII digits.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Whether the attribute just written to `out` (its name and `="` are the
/// last `len` bytes) starts a real attribute, i.e. follows whitespace.
fn rest_is_attribute(out: &str, len: usize) -> bool {
    out[..out.len() - len].ends_with([' ', '\n', '\t'])
}

/// A link that only looks like it starts with the page root: `//host` when
/// the root is `/`.
fn is_absolute_url(value: &str, page_root: &str) -> bool {
    page_root == "/" && value.starts_with("//")
}

/// Renders `/print/` alone into `sink`. The preview server renders it
/// after the pages a change affects, so its cost (it holds every document)
/// never delays them.
pub fn render_print_page(site: &Site, templates: &Templates, sink: &dyn Sink) -> Result<(), Diagnostic> {
    render_print(site, templates, &SiteData::shared(site), sink)
}

#[cfg(test)]
mod tests {
    use super::{attribute_value_start, demote_headings};

    #[test]
    fn attribute_values_are_found_after_an_equals_sign_and_a_quote() {
        assert_eq!(attribute_value_start(r#"<a href="x">"#), Some(7));
        // `=` without a quote (text, unquoted values) is passed over.
        assert_eq!(attribute_value_start(r#"a = b, c=d <p id="q">"#), Some(16));
        assert_eq!(attribute_value_start("x == y; z="), None);
        assert_eq!(attribute_value_start("é=\"1\""), Some(2));
    }

    #[test]
    fn print_headings_move_one_level_down() {
        let html = "<h2 id=\"a\">A</h2><h3>B</h3>\n<h5 class=\"x\">C</h5><h6>D</h6><hr><p>h2 &lt;h2&gt;</p><H4>E</H4>";
        assert_eq!(
            demote_headings(html.to_string()),
            "<h3 id=\"a\">A</h3><h4>B</h4>\n<h6 class=\"x\">C</h6><h6>D</h6><hr><p>h2 &lt;h2&gt;</p><H5>E</H5>"
        );
        // Raw HTML h1 lands at the level of body h2s (below the document title).
        assert_eq!(demote_headings("<h1>T</h1>".into()), "<h3>T</h3>");
    }
}
