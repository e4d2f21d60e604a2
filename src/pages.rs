//! Pages: the template context of every page of the site, and the list of
//! files (rendered pages, exports, static files, assets) that make the site.

use crate::diagnostics::Diagnostic;
use crate::layout::{self, CopiedFrom, Export, FileData, Page, Sink, SiteFile, PRINT_PATH};
use crate::links::clause_path;
use crate::model::{DocType, Status};
use crate::reviews::ReviewStatus;
use crate::site::{Site, Timings};
use crate::templates::{Templates, THEME_STATIC};
use rayon::prelude::*;
use serde_json::{json, Value};
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
    search: Vec<Option<crate::exports::SearchEntry>>,
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
    let shared = site_json(site);
    let order = site.register_order();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let print = PrintFrame::new(site, templates, &shared, &order);
    let mut print_ok = match &print {
        Ok(p) => sink
            .put(SiteFile {
                path: PRINT_PATH.into(),
                data: FileData::Bytes(p.head.clone().into_bytes()),
            })
            .is_ok(),
        Err(_) => false,
    };
    // The search index's share of each document comes from the same
    // Markdown pass as its page.
    let mut search: Vec<Option<crate::exports::SearchEntry>> = (0..site.docs.len()).map(|_| None).collect();
    for batch in order.chunks(256) {
        let parts: Vec<Result<(String, crate::exports::SearchEntry), Diagnostic>> = batch
            .par_iter()
            .map(|&i| {
                let (html, text) = site.doc_html_and_text(i);
                let entry = crate::exports::search_entry(site, i, &text);
                drop(text);
                let (file, page) = render_doc_page(site, templates, &shared, i, html)?;
                sink.put(file)?;
                let chunk = match &print {
                    Ok(p) => p.chunk(site, templates, i, page)?,
                    Err(_) => String::new(),
                };
                Ok((chunk, entry))
            })
            .collect();
        let mut chunk = String::new();
        for (&i, p) in batch.iter().zip(parts) {
            match p {
                Ok((c, entry)) => {
                    chunk.push_str(&c);
                    search[i] = Some(entry);
                }
                Err(d) => note(d, &mut errors),
            }
        }
        if print_ok {
            if let Err(d) = sink.append(PRINT_PATH, chunk.as_bytes()) {
                note(d, &mut errors);
                print_ok = false;
            }
        }
    }
    match &print {
        Ok(p) if print_ok => {
            if let Err(d) = sink.append(PRINT_PATH, p.tail.as_bytes()) {
                note(d, &mut errors);
            }
        }
        Ok(_) => {}
        Err(d) => note(d.clone(), &mut errors),
    }
    timings.record("document pages", t);
    Documents {
        timings,
        errors,
        search,
    }
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
    let shared = site_json(site);
    // Overview pages and exports are independent. The search index
    // (SITE_EXPORTS[0], made here from the entries collected above; itself
    // parallel) runs beside the others, which run one at a time: each is
    // written and dropped as soon as it is ready, so at most two of these
    // large values (contexts holding every document, whole exports) are
    // alive at once.
    let jobs: Vec<Job> = layout::EXPORTS
        .iter()
        .filter(|(e, _)| !matches!(e, Export::SearchIndexJson | Export::SearchIndexJs))
        .map(|&(e, _)| Job::Export(e))
        .chain(overview_pages(site).into_iter().map(Job::Page))
        .collect();
    let run = |job: Job| match job {
        Job::Page(p) => render(templates, p.template, p.context(site, &shared))
            .and_then(|html| {
                sink.put(SiteFile {
                    path: p.path,
                    data: FileData::Bytes(html.into_bytes()),
                })
            })
            .err(),
        Job::Export(e) => crate::exports::files(site, e)
            .into_iter()
            .find_map(|f| sink.put(f).err()),
    };
    let (first, mut others) = rayon::join(
        || {
            crate::exports::search_files_from(site, search)
                .into_iter()
                .find_map(|f| sink.put(f).err())
        },
        || jobs.into_iter().filter_map(run).collect::<Vec<_>>(),
    );
    others.extend(first);
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
    Page(OverviewPage),
    Export(Export),
}

/// Renders `name` with a context built as a JSON value; the value is moved
/// into the context, not copied (pages carry their whole HTML body).
fn render(templates: &Templates, name: &str, ctx: Value) -> Result<String, Diagnostic> {
    templates.render(name, &context(ctx)?)
}

fn context(ctx: Value) -> Result<Context, Diagnostic> {
    Context::from_value(ctx).map_err(|e| Diagnostic::error(crate::diagnostics::Code::Template, e.to_string()))
}

/// The shared `site` object as seen from a page in site directory `dir`:
/// `site.base_url` is the prefix to the site root from there (relative
/// links when no base_url is configured), `site.index` the page-link suffix.
pub fn site_for(site: &Site, shared: &Value, dir: &str) -> Value {
    let mut v = shared.clone();
    if let Some(o) = v.as_object_mut() {
        o.insert("base_url".into(), json!(site.config.root_from(dir)));
        o.insert("index".into(), json!(site.config.index_suffix()));
    }
    v
}

/// Renders one document page (used by the preview server for single pages).
pub fn render_doc(site: &Site, templates: &Templates, shared: &Value, i: usize) -> Result<SiteFile, Diagnostic> {
    render_doc_page(site, templates, shared, i, site.doc_html(i)).map(|(file, _)| file)
}

/// Renders document `i`'s page around its already rendered body, and hands
/// back the page's `page` object so the print chunk reuses it.
fn render_doc_page(
    site: &Site,
    templates: &Templates,
    shared: &Value,
    i: usize,
    html: String,
) -> Result<(SiteFile, Value), Diagnostic> {
    let ctx = context(object([
        ("site", site_for(site, shared, &site.docs[i].url)),
        ("page", doc_json(site, i, html)),
        ("current_path", Value::String(site.docs[i].url.clone())),
    ]))?;
    let out = templates.render("page.html", &ctx)?;
    let mut ctx = ctx;
    let page = ctx.remove("page").unwrap_or_default();
    Ok((
        SiteFile {
            path: format!("{}index.html", site.docs[i].url),
            data: FileData::Bytes(out.into_bytes()),
        },
        page,
    ))
}

/// Marker in `print.html` where the documents go.
const PRINT_MARKER: &str = "<!-- smsdoc:print-documents -->";

/// `/print/`: the cover and contents from `print.html` (split at the
/// marker into head and tail), then every document rendered with
/// `print_doc.html`, in register order. Chunks are appended in batches so a
/// large handbook never holds the whole page in memory.
struct PrintFrame<'a> {
    head: String,
    tail: String,
    /// Site path of each document's page as linked (`procedures/x/` or
    /// `procedures/x/index.html`) → its id, to turn links into anchors.
    by_path: std::collections::HashMap<String, &'a str>,
    /// Prefix from `/print/` to the site root.
    root: String,
    /// The `site` object as seen from `/print/`.
    site: Value,
}

impl<'a> PrintFrame<'a> {
    fn new(site: &'a Site, templates: &Templates, shared: &Value, order: &[usize]) -> Result<Self, Diagnostic> {
        let toc: Vec<Value> = order.iter().map(|&i| doc_summary(site, i)).collect();
        let by_type = site
            .count_by_type()
            .into_iter()
            .map(|(t, n)| json!({ "label": t.plural_label(), "count": n }))
            .collect();
        let ctx = object([
            ("site", site_for(site, shared, "print/")),
            ("current_path", Value::from("print/")),
            ("documents", Value::Array(toc)),
            ("by_type", Value::Array(by_type)),
        ]);
        let page = render(templates, "print.html", ctx)?;
        let (head, tail) = page.split_once(PRINT_MARKER).unwrap_or((&page, ""));
        Ok(PrintFrame {
            head: head.to_string(),
            tail: tail.to_string(),
            by_path: order
                .iter()
                .map(|&i| (site.config.page_link(&site.docs[i].url), site.docs[i].id.as_str()))
                .collect(),
            root: site.config.root_from("print/"),
            site: site_for(site, shared, "print/"),
        })
    }

    /// Document `i`'s article on the print page, from the `page` object of
    /// its own page (whose content it rewrites for the print page).
    fn chunk(&self, site: &Site, templates: &Templates, i: usize, mut page: Value) -> Result<String, Diagnostic> {
        if let Some(Value::String(content)) = page.get_mut("content") {
            let page_root = site.config.root_from(&site.docs[i].url);
            *content = print_html(content, &site.docs[i].id, &page_root, self);
        }
        render(
            templates,
            "print_doc.html",
            object([("site", self.site.clone()), ("page", page)]),
        )
    }
}

/// Renders `/print/` on its own (the preview server does so after the
/// pages a change affects).
fn render_print(site: &Site, templates: &Templates, shared: &Value, sink: &dyn Sink) -> Result<(), Diagnostic> {
    let order = site.register_order();
    let frame = PrintFrame::new(site, templates, shared, &order)?;
    sink.put(SiteFile {
        path: PRINT_PATH.into(),
        data: FileData::Bytes(frame.head.clone().into_bytes()),
    })?;
    for batch in order.chunks(256) {
        let parts: Vec<Result<String, Diagnostic>> = batch
            .par_iter()
            .map(|&i| frame.chunk(site, templates, i, doc_json(site, i, site.doc_html(i))))
            .collect();
        let mut chunk = String::new();
        for p in parts {
            chunk.push_str(&p?);
        }
        sink.append(PRINT_PATH, chunk.as_bytes())?;
    }
    sink.append(PRINT_PATH, frame.tail.as_bytes())
}

/// The non-document pages: (output path, template, context).
pub fn list_pages(site: &Site, shared: &Value) -> Vec<(String, &'static str, Value)> {
    overview_pages(site)
        .into_iter()
        .map(|p| (p.path.clone(), p.template, p.context(site, shared)))
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
    layout::pages(&site.cats)
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

    pub fn context(&self, site: &Site, shared: &Value) -> Value {
        let extra = match self.page {
            Page::Home => home_json(site),
            Page::Register => object([("documents", Value::Array(register_rows(site)))]),
            Page::NotFound | Page::Search | Page::Print => json!({}),
            Page::Coverage => coverage_json(site),
            Page::Reviews => reviews_json(site),
            Page::Clauses => clauses_json(site),
            Page::Clause(r) => object([("clause", clause_json(site, r))]),
        };
        let current = self.dir();
        let mut v = object([
            ("site", site_for(site, shared, current)),
            ("current_path", Value::String(current.to_string())),
        ]);
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        v
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

/// The shared `site` object every template receives.
pub fn site_json(site: &Site) -> Value {
    json!({
        "title": site.config.title,
        "base_url": site.config.base_url,
        "language": site.config.language,
        "today": site.options.today.to_string(),
        "generator": format!("smsdoc {}", env!("CARGO_PKG_VERSION")),
        "standards": site.cats.list.iter().enumerate().map(|(ci, c)| json!({
            "id": c.id, "title": c.title, "name": c.name,
            "url": if ci == 0 { site.config.page_link("clauses/") } else { format!("{}#{}", site.config.page_link("clauses/"), c.slug()) },
        })).collect::<Vec<_>>(),
        "document_count": site.included.iter().filter(|&&b| b).count(),
    })
}

/// The small description of a document used in lists and links.
pub fn doc_summary(site: &Site, i: usize) -> Value {
    let d = &site.docs[i];
    let r = &site.reviews[i];
    json!({
        "id": d.id,
        "title": d.title,
        "type": d.doc_type.as_str(),
        "status": d.status.as_str(),
        "owner": d.owner,
        "version": d.version,
        "url": site.config.page_link(&d.url),
        "next_review": r.next.map(|n| n.to_string()),
        "review_status": r.status.as_str(),
        "review_label": r.status.label(),
        "review_days": r.days,
    })
}

/// The summaries of the documents in `list` that are in the site.
fn summaries(site: &Site, list: &[usize]) -> Vec<Value> {
    list.iter()
        .filter(|&&j| site.included[j])
        .map(|&j| doc_summary(site, j))
        .collect()
}

fn doc_json(site: &Site, i: usize, content: String) -> Value {
    let d = &site.docs[i];
    let r = &site.rendered[i];
    let rv = &site.reviews[i];
    let g = &site.graph;
    let clauses: Vec<Value> = d
        .clauses
        .iter()
        .filter_map(|t| {
            let c = t.clause?;
            let clause = site.cats.clause(c);
            Some(json!({
                "tag": t.tag,
                "number": clause.number,
                "title": clause.title,
                "standard": site.cats.list[c.catalogue].title,
                "url": site.config.page_link(&clause_path(&site.cats, c)),
            }))
        })
        .collect();
    let provides: Vec<Value> = d
        .provides
        .iter()
        .map(|p| {
            let label = site
                .cats
                .list
                .iter()
                .find_map(|c| c.required_key(&p.value))
                .map(|r| r.label.clone());
            json!({ "key": p.value, "label": label.unwrap_or_else(|| p.value.clone()) })
        })
        .collect();
    let mut page = json!({
        "id": d.id,
        "title": d.title,
        "type": d.doc_type.as_str(),
        "owner": d.owner,
        "status": d.status.as_str(),
        "version": d.version,
        "approved_by": d.approved_by,
        "approved_on": d.approved_on.map(|x| x.to_string()),
        "last_reviewed": d.last_reviewed.map(|x| x.to_string()),
        "review_interval": d.review_interval.map(|x| x.to_string()),
        "next_review": rv.next.map(|x| x.to_string()),
        "review": { "status": rv.status.as_str(), "label": rv.status.label(), "days": rv.days, "overdue_days": rv.days.map(|x| -x) },
        "tags": d.tags,
        "confidentiality": d.confidentiality.as_str(),
        "url": site.config.page_link(&d.url),
        "source": crate::diagnostics::slash_path(&d.file),
        "toc": r.toc,
        "extra": d.extra,
    });
    // Values that are JSON already are moved in: `json!` would copy them.
    if let Some(o) = page.as_object_mut() {
        o.insert("clauses".into(), Value::Array(clauses));
        o.insert("provides".into(), Value::Array(provides));
        o.insert("content".into(), Value::String(content));
        o.insert("backlinks".into(), Value::Array(summaries(site, &g.backlinks[i])));
        o.insert("related".into(), Value::Array(summaries(site, &g.related[i])));
        let supersedes = g.supersedes[i]
            .filter(|&j| site.included[j])
            .map(|j| doc_summary(site, j));
        o.insert("supersedes".into(), supersedes.unwrap_or(Value::Null));
        o.insert(
            "superseded_by".into(),
            Value::Array(summaries(site, &g.superseded_by[i])),
        );
    }
    page
}

/// A JSON object of values that are JSON already, moved in (`json!`
/// serialises every value it is given, which deep-copies a `Value`).
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn register_rows(site: &Site) -> Vec<Value> {
    site.register_order()
        .into_iter()
        .map(|i| {
            let d = &site.docs[i];
            let mut v = doc_summary(site, i);
            if let Some(o) = v.as_object_mut() {
                o.insert("approved_by".into(), json!(d.approved_by));
                o.insert("approved_on".into(), json!(d.approved_on.map(|x| x.to_string())));
                o.insert("last_reviewed".into(), json!(d.last_reviewed.map(|x| x.to_string())));
                o.insert("confidentiality".into(), json!(d.confidentiality.as_str()));
            }
            v
        })
        .collect()
}

fn coverage_summary(site: &Site) -> Vec<Value> {
    site.coverage
        .standards
        .iter()
        .map(|sc| {
            let cat = &site.cats.list[sc.catalogue];
            json!({
                "id": cat.id,
                "slug": cat.slug(),
                "title": cat.title,
                "totals": sc.totals,
                "percent": sc.totals.percent(),
                "required": sc.required_totals,
                "required_percent": sc.required_totals.percent(),
            })
        })
        .collect()
}

fn home_json(site: &Site) -> Value {
    let by_type: Vec<Value> = site
        .count_by_type()
        .into_iter()
        .map(|(t, n)| json!({ "type": t.as_str(), "label": t.plural_label(), "count": n }))
        .collect();
    let by_status: Vec<Value> = site
        .count_by_status()
        .into_iter()
        .map(|(s, n)| json!({ "status": s.as_str(), "count": n }))
        .collect();
    let sections: Vec<Value> = DocType::ALL
        .iter()
        .filter_map(|&t| {
            let docs: Vec<Value> = site
                .register_order()
                .into_iter()
                .filter(|&i| site.docs[i].doc_type == t)
                .map(|i| doc_summary(site, i))
                .collect();
            (!docs.is_empty()).then(|| json!({ "type": t.as_str(), "label": t.plural_label(), "documents": docs }))
        })
        .collect();
    let attention: Vec<Value> = review_list(
        site,
        |s| matches!(s, ReviewStatus::Overdue | ReviewStatus::DueSoon),
        true,
    );
    json!({
        "by_type": by_type,
        "by_status": by_status,
        "coverage": coverage_summary(site),
        "reviews": site.review_counts(),
        "attention": attention,
        "sections": sections,
    })
}

/// Approved (or, with `drafts`, draft) documents whose review status
/// matches, sorted by next review date.
fn review_list(site: &Site, pred: impl Fn(ReviewStatus) -> bool, approved_only: bool) -> Vec<Value> {
    let mut idx: Vec<usize> = (0..site.docs.len())
        .filter(|&i| site.included[i] && pred(site.reviews[i].status))
        .filter(|&i| !approved_only || site.docs[i].status == Status::Approved)
        .collect();
    idx.sort_by_key(|&i| (site.reviews[i].next, crate::site::natural_key(&site.docs[i].id)));
    idx.into_iter().map(|i| doc_summary(site, i)).collect()
}

fn reviews_json(site: &Site) -> Value {
    let today = site.options.today;
    let horizon = crate::dates::Interval::Days(90).add_to(today);
    let approved = |i: usize| site.docs[i].status == Status::Approved;
    let upcoming: Vec<Value> = {
        let mut idx: Vec<usize> = (0..site.docs.len())
            .filter(|&i| site.included[i] && approved(i) && site.reviews[i].status == ReviewStatus::Ok)
            .filter(|&i| matches!((site.reviews[i].next, horizon), (Some(n), Some(h)) if n <= h))
            .collect();
        idx.sort_by_key(|&i| site.reviews[i].next);
        idx.into_iter().map(|i| doc_summary(site, i)).collect()
    };
    let drafts: Vec<Value> = {
        let mut idx: Vec<usize> = (0..site.docs.len())
            .filter(|&i| site.included[i] && site.docs[i].status == Status::Draft)
            .collect();
        idx.sort_by_key(|&i| (site.reviews[i].next, crate::site::natural_key(&site.docs[i].id)));
        idx.into_iter().map(|i| doc_summary(site, i)).collect()
    };
    let mut owners: Vec<String> = site
        .docs
        .iter()
        .enumerate()
        .filter(|(i, _)| site.included[*i])
        .filter_map(|(_, d)| d.owner.clone())
        .collect();
    owners.sort();
    owners.dedup();
    let section =
        |key: &str, title: &str, documents: Vec<Value>| json!({ "key": key, "title": title, "documents": documents });
    json!({
        "counts": site.review_counts(),
        "sections": [
            section("overdue", "⚠ Overdue", review_list(site, |s| s == ReviewStatus::Overdue, true)),
            section("due-soon", "◷ Due soon", review_list(site, |s| s == ReviewStatus::DueSoon, true)),
            section("missing", "? No review date", review_list(site, |s| s == ReviewStatus::Missing, true)),
            section("upcoming", "Upcoming (next 90 days)", upcoming),
            section("drafts", "✎ Drafts (not yet in force)", drafts),
        ],
        "owners": owners,
        "due_soon_window": site.config.due_soon.to_string(),
    })
}

fn clause_json(site: &Site, r: crate::catalogue::ClauseRef) -> Value {
    let cat = &site.cats.list[r.catalogue];
    let clause = &cat.clauses[r.clause];
    let sc = &site.coverage.standards[r.catalogue];
    let row = &sc.rows[r.clause];
    let link = |c: usize| {
        let cr = crate::catalogue::ClauseRef {
            catalogue: r.catalogue,
            clause: c,
        };
        json!({ "number": cat.clauses[c].number, "title": cat.clauses[c].title, "url": site.config.page_link(&clause_path(&site.cats, cr)), "status": sc.rows[c].status.as_str() })
    };
    let mut ancestors = Vec::new();
    let mut p = clause.parent;
    while let Some(pi) = p {
        ancestors.push(link(pi));
        p = cat.clauses[pi].parent;
    }
    ancestors.reverse();
    let required: Vec<Value> = cat
        .required
        .iter()
        .enumerate()
        .filter(|(_, req)| req.clauses.contains(&clause.number))
        .map(|(k, req)| required_json(site, r.catalogue, k, req))
        .collect();
    json!({
        "number": clause.number,
        "title": clause.title,
        "standard": { "id": cat.id, "title": cat.title },
        "tag": crate::coverage::qualified(&site.cats, r.catalogue, &clause.number),
        "status": row.status.as_str(),
        "status_label": row.status.label(),
        "parent": clause.parent.map(link),
        "ancestors": ancestors,
        "children": clause.children.iter().map(|&c| link(c)).collect::<Vec<_>>(),
        "approved": summaries(site, &row.approved),
        "drafts": summaries(site, &row.drafts),
        "required": required,
    })
}

fn required_json(site: &Site, catalogue: usize, k: usize, req: &crate::catalogue::RequiredDoc) -> Value {
    let row = &site.coverage.standards[catalogue].required[k];
    json!({
        "key": req.key,
        "label": req.label,
        "basis": req.basis,
        "clauses": req.clauses.iter().map(|c| {
            let url = site.cats.list[catalogue].get(c).map(|ci| site.config.page_link(&clause_path(&site.cats, crate::catalogue::ClauseRef { catalogue, clause: ci })));
            json!({ "number": c, "url": url })
        }).collect::<Vec<_>>(),
        "status": row.status.required_str(),
        "approved": summaries(site, &row.approved),
        "drafts": summaries(site, &row.drafts),
    })
}

fn clauses_json(site: &Site) -> Value {
    let standards: Vec<Value> = site
        .cats
        .list
        .iter()
        .enumerate()
        .map(|(ci, cat)| {
            let sc = &site.coverage.standards[ci];
            let clauses: Vec<Value> = cat
                .clauses
                .iter()
                .enumerate()
                .map(|(c, clause)| {
                    let row = &sc.rows[c];
                    json!({
                        "number": clause.number,
                        "title": clause.title,
                        "depth": clause.depth,
                        "url": site.config.page_link(&clause_path(&site.cats, crate::catalogue::ClauseRef { catalogue: ci, clause: c })),
                        "status": row.status.as_str(),
                        "status_label": row.status.label(),
                        "documents": row.approved.len() + row.drafts.len(),
                    })
                })
                .collect();
            json!({ "id": cat.id, "slug": cat.slug(), "title": cat.title, "name": cat.name, "clauses": clauses, "totals": sc.totals, "percent": sc.totals.percent() })
        })
        .collect();
    json!({ "standards": standards })
}

fn coverage_json(site: &Site) -> Value {
    let types: Vec<DocType> = DocType::ALL.to_vec();
    let standards: Vec<Value> = site
        .coverage
        .standards
        .iter()
        .map(|sc| {
            let ci = sc.catalogue;
            let cat = &site.cats.list[ci];
            let groups: Vec<Value> = cat
                .clauses
                .iter()
                .enumerate()
                .filter(|(_, c)| c.parent.is_none())
                .map(|(g, group)| {
                    let rows: Vec<Value> = cat
                        .subtree(g)
                        .into_iter()
                        .skip(1)
                        .map(|c| {
                            let clause = &cat.clauses[c];
                            let row = &sc.rows[c];
                            let cells: Vec<Value> = types
                                .iter()
                                .map(|t| {
                                    let docs: Vec<Value> = row
                                        .approved
                                        .iter()
                                        .chain(&row.drafts)
                                        .filter(|&&i| site.included[i] && site.docs[i].doc_type == *t)
                                        .map(|&i| doc_summary(site, i))
                                        .collect();
                                    json!({ "type": t.as_str(), "documents": docs })
                                })
                                .collect();
                            json!({
                                "number": clause.number,
                                "title": clause.title,
                                "depth": clause.depth,
                                "leaf": clause.children.is_empty(),
                                "url": site.config.page_link(&clause_path(&site.cats, crate::catalogue::ClauseRef { catalogue: ci, clause: c })),
                                "status": row.status.as_str(),
                                "status_label": row.status.label(),
                                "cells": cells,
                            })
                        })
                        .collect();
                    let totals = sc.group_totals[g].unwrap_or_default();
                    json!({
                        "number": group.number,
                        "title": group.title,
                        "url": site.config.page_link(&clause_path(&site.cats, crate::catalogue::ClauseRef { catalogue: ci, clause: g })),
                        "totals": totals,
                        "percent": totals.percent(),
                        "rows": rows,
                    })
                })
                .collect();
            let required: Vec<Value> = cat.required.iter().enumerate().map(|(k, req)| required_json(site, ci, k, req)).collect();
            json!({
                "id": cat.id,
                "slug": cat.slug(),
                "title": cat.title,
                "totals": sc.totals,
                "percent": sc.totals.percent(),
                "required_totals": sc.required_totals,
                "required_percent": sc.required_totals.percent(),
                "groups": groups,
                "required": required,
            })
        })
        .collect();
    json!({
        "types": types.iter().map(|t| json!({ "type": t.as_str(), "label": t.plural_label() })).collect::<Vec<_>>(),
        "standards": standards,
    })
}

/// A document's HTML for the one-page print handbook, from the HTML of its
/// own page (whose links start with `page_root`): links to documents in the
/// handbook become in-page anchors (`#doc-<id>`, `#doc-<id>--<heading>`),
/// other site links are re-rooted at `/print/`, and heading ids are prefixed
/// so they stay unique on the combined page.
fn print_html(html: &str, id: &str, page_root: &str, frame: &PrintFrame) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(eq) = rest.find("=\"") {
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
                out.push_str(&format!("doc-{id}--{value}"));
            }
            "href" | "src" if preceded_by_space => {
                if let Some(anchor) = value.strip_prefix('#') {
                    out.push_str(&format!("#doc-{id}--{anchor}"));
                } else if let Some(path) = value
                    .strip_prefix(page_root)
                    .filter(|_| !page_root.is_empty() && !is_absolute_url(value, page_root))
                {
                    let (page, anchor) = path.split_once('#').map_or((path, None), |(p, a)| (p, Some(a)));
                    match (name, frame.by_path.get(page), anchor) {
                        ("href", Some(t), Some(a)) => out.push_str(&format!("#doc-{t}--{a}")),
                        ("href", Some(t), None) => out.push_str(&format!("#doc-{t}")),
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
    render_print(site, templates, &site_json(site), sink)
}

#[cfg(test)]
mod tests {
    use super::demote_headings;

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
