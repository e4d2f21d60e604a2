//! The site layout: every file a build writes and what produces it. The one
//! registry of output paths: rendering, the sitemap, the collision check,
//! `output` (which recognises a directory smsdoc built) and the preview
//! server all read it, so adding a page or an export is one entry here and
//! one function where its content is made.

use crate::catalogue::{Catalogues, ClauseRef};
use crate::config::Config;
use crate::content::{Asset, Document};
use crate::diagnostics::{slash_path, Code, Diagnostic};
use crate::model::PerDoc;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A page that is not a document page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    Register,
    NotFound,
    Coverage,
    Reviews,
    Clauses,
    Search,
    /// The whole handbook on one page; rendered with the document pages.
    Print,
    Clause(ClauseRef),
    /// A record series' page (index into `config.series`).
    Series(usize),
    /// The Statement of Applicability, when a standard with controls is in force.
    Soa,
}

/// A fixed page: where it goes, its template, and whether the sitemap
/// lists it. In sitemap and rendering order.
pub struct FixedPage {
    pub page: Page,
    pub path: &'static str,
    pub template: &'static str,
    pub in_sitemap: bool,
}

pub const FIXED_PAGES: [FixedPage; 8] = [
    fixed(Page::Home, "index.html", "index.html", true),
    fixed(Page::Register, "register/index.html", "register.html", true),
    fixed(Page::NotFound, "404.html", "404.html", false),
    fixed(Page::Coverage, "coverage/index.html", "coverage.html", true),
    fixed(Page::Reviews, "reviews/index.html", "reviews.html", true),
    fixed(Page::Clauses, "clauses/index.html", "clauses.html", true),
    fixed(Page::Search, "search/index.html", "search.html", true),
    fixed(Page::Print, PRINT_PATH, "print.html", true),
];

const fn fixed(page: Page, path: &'static str, template: &'static str, in_sitemap: bool) -> FixedPage {
    FixedPage {
        page,
        path,
        template,
        in_sitemap,
    }
}

pub const PRINT_PATH: &str = "print/index.html";
pub const CLAUSE_TEMPLATE: &str = "clause.html";
pub const SERIES_TEMPLATE: &str = "series.html";
pub const SOA_PATH: &str = "soa/index.html";
pub const SOA_TEMPLATE: &str = "soa.html";
pub const DOCUMENT_TEMPLATE: &str = "page.html";

/// A machine-readable file of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    SearchIndexJson,
    /// The search index as a script, for sites opened from disk.
    SearchIndexJs,
    CoverageJson,
    CoverageCsv,
    RegisterJson,
    RegisterCsv,
    ReviewsIcs,
    SeriesJson,
    SeriesCsv,
    SoaJson,
    SoaCsv,
    Sitemap,
    /// The document tree of the sidebar, as a script (one file for every
    /// page instead of the tree in each page).
    DocTree,
}

pub const EXPORTS: [(Export, &str); 13] = [
    (Export::SearchIndexJson, "search-index.json"),
    (Export::SearchIndexJs, "search-index.js"),
    (Export::CoverageJson, "coverage.json"),
    (Export::CoverageCsv, "coverage.csv"),
    (Export::RegisterJson, "register.json"),
    (Export::RegisterCsv, "register.csv"),
    (Export::ReviewsIcs, "reviews.ics"),
    (Export::SeriesJson, "series.json"),
    (Export::SeriesCsv, "series.csv"),
    (Export::SoaJson, "soa.json"),
    (Export::SoaCsv, "soa.csv"),
    (Export::Sitemap, "sitemap.xml"),
    (Export::DocTree, "doc-tree.js"),
];

impl Export {
    pub fn path(self) -> &'static str {
        EXPORTS.iter().find(|(e, _)| *e == self).map_or("", |(_, p)| p)
    }
}

/// Files every build writes at the top of the site, whatever the theme: an
/// existing output directory holding neither was not made by smsdoc.
pub const SITE_MARKERS: [Export; 2] = [Export::Sitemap, Export::SearchIndexJson];

/// Where theme and syntax-highlighting files go.
pub const STATIC_DIR: &str = "static/";
pub const HIGHLIGHT_CSS: &str = "static/highlight.css";

/// The output path of a document's page.
pub fn document_path(doc: &Document) -> String {
    format!("{}index.html", doc.url)
}

/// The output path of a clause page.
pub fn clause_page_path(cats: &Catalogues, r: ClauseRef) -> String {
    format!("{}index.html", crate::links::clause_path(cats, r))
}

/// The site directory of a record series' page.
pub fn series_dir(key: &str) -> String {
    format!("series/{key}/")
}

/// Every page that is not a document page: the fixed pages, one per
/// clause of each catalogue in force, and one per record series.
pub fn pages(config: &Config, cats: &Catalogues) -> Vec<(String, &'static str, Page)> {
    let mut out: Vec<(String, &'static str, Page)> = FIXED_PAGES
        .iter()
        .map(|p| (p.path.to_string(), p.template, p.page))
        .collect();
    for (ci, cat) in cats.list.iter().enumerate() {
        for c in 0..cat.clauses.len() {
            let r = ClauseRef {
                catalogue: ci,
                clause: c,
            };
            out.push((clause_page_path(cats, r), CLAUSE_TEMPLATE, Page::Clause(r)));
        }
    }
    for (k, s) in config.series.iter().enumerate() {
        out.push((
            format!("{}index.html", series_dir(&s.key)),
            SERIES_TEMPLATE,
            Page::Series(k),
        ));
    }
    if cats.has_controls() {
        out.push((SOA_PATH.to_string(), SOA_TEMPLATE, Page::Soa));
    }
    out
}

/// A file copied into the site rather than rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopiedFrom {
    /// The built-in theme's static file of this name (embedded).
    BuiltinTheme(&'static str),
    /// The syntax-highlighting stylesheet (generated).
    Highlight,
    /// A file of the theme folder's `static/`: replaces the built-in file
    /// of the same name (that is what a theme is for).
    ThemeDir(PathBuf),
    /// A file of the handbook's `static/`, copied to the site root.
    UserStatic(PathBuf),
    /// A non-Markdown file under the content directory.
    Asset(PathBuf),
}

/// The copied files of the site, by output path, in writing order.
pub fn copied_files(config: &Config, assets: &[Asset]) -> Vec<(String, CopiedFrom)> {
    let mut files: Vec<(String, CopiedFrom)> = crate::templates::THEME_STATIC
        .iter()
        .map(|(name, _)| (format!("{STATIC_DIR}{name}"), CopiedFrom::BuiltinTheme(name)))
        .collect();
    files.push((HIGHLIGHT_CSS.to_string(), CopiedFrom::Highlight));
    if let Some(dir) = theme_static_dir(config) {
        for (rel, path) in walk(&dir) {
            let out = format!("{STATIC_DIR}{rel}");
            files.retain(|(p, _)| *p != out);
            files.push((out, CopiedFrom::ThemeDir(path)));
        }
    }
    for (rel, path) in walk(&config.root.join("static")) {
        files.push((rel, CopiedFrom::UserStatic(path)));
    }
    for a in assets {
        files.push((slash_path(&a.rel), CopiedFrom::Asset(a.source.clone())));
    }
    files
}

/// The `static/` folder of a theme folder (the default theme's files are
/// embedded).
pub fn theme_static_dir(config: &Config) -> Option<PathBuf> {
    (config.theme != "default").then(|| config.root.join(&config.theme).join("static"))
}

/// Files below `dir` (relative path with `/`, full path), sorted, editor
/// debris left out.
fn walk(dir: &Path) -> Vec<(String, PathBuf)> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !crate::paths::is_ignored_name(&e.file_name().to_string_lossy()))
        .filter_map(|e| {
            let rel = slash_path(e.path().strip_prefix(dir).ok()?);
            Some((rel, e.path().to_path_buf()))
        })
        .collect()
}

/// Two sources that would be written to the same output file: the later
/// would silently replace the earlier (with parallel rendering, a different
/// one on each build). Every generated page, export and theme file is
/// claimed first; then documents, the handbook's `static/` files and
/// assets. Each later claim on a taken path is an `io` error naming both.
pub fn collisions(config: &Config, cats: &Catalogues, docs: &PerDoc<Document>, assets: &[Asset]) -> Vec<Diagnostic> {
    /// Who claimed a path; described only when another claims it too (the
    /// preview server runs this after every save).
    enum Claim<'a> {
        Generated(String),
        Document(&'a Document),
        File(PathBuf),
    }
    impl Claim<'_> {
        fn describe(&self) -> String {
            match self {
                Claim::Generated(who) => who.clone(),
                Claim::Document(d) => format!("{} {}", d.id, slash_path(&d.file)),
                Claim::File(f) => slash_path(f),
            }
        }
    }
    let mut taken: HashMap<String, Claim> = HashMap::with_capacity(docs.len() + assets.len() + 512);
    for (path, _, page) in pages(config, cats) {
        let who = match (page, path.strip_suffix("/index.html")) {
            (Page::Clause(_), Some(dir)) => format!("the clause page /{dir}/"),
            (Page::Series(_), Some(dir)) => format!("the record series page /{dir}/"),
            (_, Some(dir)) => format!("the generated /{dir}/ page"),
            // `index.html`, `404.html`
            (_, None) => format!("the generated /{path}"),
        };
        taken.insert(path, Claim::Generated(who));
    }
    for (_, path) in EXPORTS {
        taken.insert(path.to_string(), Claim::Generated(format!("the generated /{path}")));
    }
    let copied = copied_files(config, assets);
    for (path, from) in &copied {
        if matches!(
            from,
            CopiedFrom::BuiltinTheme(_) | CopiedFrom::Highlight | CopiedFrom::ThemeDir(_)
        ) {
            taken.insert(path.clone(), Claim::Generated(format!("the theme's /{path}")));
        }
    }
    let mut diags = Vec::new();
    for d in docs {
        let path = document_path(d);
        match taken.get(&path) {
            Some(other) => diags.push(
                Diagnostic::error(
                    Code::Io,
                    format!(
                        "{} would be published at /{}, the same place as {}",
                        d.id,
                        d.url,
                        other.describe()
                    ),
                )
                .at(d.file.clone(), d.id_pos.line, d.id_pos.column)
                .help("rename or move the file: its path under the content directory gives its URL"),
            ),
            None => {
                taken.insert(path, Claim::Document(d));
            }
        }
    }
    for (path, from) in copied {
        let source = match &from {
            CopiedFrom::UserStatic(p) | CopiedFrom::Asset(p) => p,
            _ => continue,
        };
        let file = config.rel(source).to_path_buf();
        match taken.get(&path) {
            Some(other) => diags.push(
                Diagnostic::error(
                    Code::Io,
                    format!(
                        "this file would be published at /{path}, the same place as {}",
                        other.describe()
                    ),
                )
                .in_file(file)
                .help("rename or move the file"),
            ),
            None => {
                taken.insert(path, Claim::File(file));
            }
        }
    }
    diags
}

/// One file of the built site.
#[derive(Debug, Clone)]
pub struct SiteFile {
    /// Relative to the output root, with `/` separators.
    pub path: String,
    pub data: FileData,
}

#[derive(Debug, Clone)]
pub enum FileData {
    Bytes(Vec<u8>),
    /// Copied from this source file.
    Copy(PathBuf),
}

impl SiteFile {
    pub fn bytes(path: impl Into<String>, data: Vec<u8>) -> SiteFile {
        SiteFile {
            path: path.into(),
            data: FileData::Bytes(data),
        }
    }
}

/// Where rendered files go: a staging directory when building, memory when
/// serving. Pages are handed over as soon as they are rendered, so a build
/// never holds the whole site in memory.
pub trait Sink: Sync {
    fn put(&self, file: SiteFile) -> Result<(), Diagnostic>;
    /// Appends to a file `put` earlier (for pages built in parts).
    fn append(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic>;
}

/// Collects the site in memory.
#[derive(Default)]
pub struct MemorySink {
    files: std::sync::Mutex<(Vec<SiteFile>, HashMap<String, usize>)>,
}

impl MemorySink {
    pub fn into_files(self) -> Vec<SiteFile> {
        self.files
            .into_inner()
            .map(|(f, _)| f)
            .unwrap_or_else(|p| p.into_inner().0)
    }
}

impl Sink for MemorySink {
    fn put(&self, file: SiteFile) -> Result<(), Diagnostic> {
        let mut g = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let (files, index) = &mut *g;
        match index.get(&file.path) {
            Some(&i) => files[i] = file,
            None => {
                index.insert(file.path.clone(), files.len());
                files.push(file);
            }
        }
        Ok(())
    }
    fn append(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        let mut g = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let (files, index) = &mut *g;
        if let Some(FileData::Bytes(b)) = index.get(path).map(|&i| &mut files[i].data) {
            b.extend_from_slice(bytes);
        }
        Ok(())
    }
}
