//! The whole handbook as one in-memory structure, assembled in one
//! direction: load → validate → resolve links → coverage → reviews. Page
//! rendering (`render`) reads it; the preview server keeps one and rebuilds
//! it when files change.

use crate::approval::{self, DocumentControl};
use crate::catalogue::Catalogues;
use crate::config::Config;
use crate::content::{self, Asset, Document};
use crate::coverage::{self, Coverage};
use crate::diagnostics::{self, Code, Diagnostic, Severity};
use crate::history::{History, Identity};
use crate::links::{self, DocResolver, Graph, Index};
use crate::markdown::{self, LinkTarget, Rendered};
use crate::model::{DocId, DocType, PerDoc, Status};
use crate::reviews::{self, Review, ReviewInput, ReviewStatus};
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub today: Date,
    /// Include draft documents in the site (default true).
    pub drafts: bool,
}

/// Time spent in each phase, shown with `--verbose`.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    pub fn record(&mut self, name: &'static str, since: Instant) -> Instant {
        let now = Instant::now();
        self.phases.push((name, now - since));
        now
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub(crate) config: Config,
    pub(crate) cats: Catalogues,
    pub(crate) options: BuildOptions,
    pub(crate) docs: PerDoc<Document>,
    /// False for documents left out of the output (`--no-drafts`).
    pub(crate) included: PerDoc<bool>,
    pub(crate) assets: Vec<Asset>,
    pub(crate) index: Index,
    pub(crate) rendered: PerDoc<Rendered>,
    pub(crate) graph: Graph,
    pub(crate) reviews: PerDoc<Review>,
    /// Until when each document is kept (`retention::retain_until`).
    pub(crate) retention: PerDoc<Option<Date>>,
    /// Each configured record series relative to today.
    pub(crate) series: Vec<crate::series::Series>,
    /// Open findings raised in records, by due date.
    pub(crate) findings: Vec<crate::findings::OpenFinding>,
    /// Findings accepted by an exception (taken out of `diags`).
    pub(crate) accepted: Vec<crate::exceptions::Accepted>,
    pub(crate) coverage: Coverage,
    /// The Statement of Applicability's decisions (`[[applicability]]`).
    pub(crate) soa: Vec<crate::soa::Decision>,
    /// Findings of reading and parsing single files (front matter, fields,
    /// I/O, duplicate ids): an update replaces those of the changed files
    /// and derives everything else again.
    pub(crate) file_diags: Vec<Diagnostic>,
    /// Git history (none outside a repository or with `[history] enabled =
    /// false`), shared across preview updates.
    pub(crate) control: Option<Arc<DocumentControl>>,
    /// Which revision the site shows.
    pub(crate) identity: Option<Identity>,
    /// Every finding (the files' and the derived ones), sorted.
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) timings: Timings,
    /// The included documents in register order, and each document's
    /// place in it (for previous/next links).
    order: Vec<DocId>,
    rank: PerDoc<Option<usize>>,
}

/// What reading the files gives, before anything is derived from the
/// documents together.
pub struct Parsed {
    pub docs: PerDoc<Document>,
    pub assets: Vec<Asset>,
    /// A kept link scan per document (`None`: scan its Markdown).
    pub rendered: PerDoc<Option<Rendered>>,
    /// A kept index, when the ids, paths and assets are the same as those
    /// it was built from.
    pub index: Option<Index>,
    pub file_diags: Vec<Diagnostic>,
    pub control: Option<Arc<DocumentControl>>,
    pub identity: Option<Identity>,
}

impl Site {
    /// Loads and checks a handbook. `Err` means the run could not proceed
    /// (configuration or catalogue errors: exit code 2); content problems
    /// are diagnostics in the returned site.
    pub fn load(config: Config, options: BuildOptions) -> Result<Site, Vec<Diagnostic>> {
        let mut timings = Timings::default();
        let t = Instant::now();
        let cats = Catalogues::load(&config)?;
        if !config.content_dir.is_dir() {
            // Nothing to check: a configuration error, not an empty handbook.
            return Err(vec![Diagnostic::error(
                Code::Config,
                format!(
                    "content directory {} does not exist",
                    config.rel(&config.content_dir).display()
                ),
            )
            .in_file(crate::config::CONFIG_FILE)
            .help(
                "create it, or set content_dir in smsdoc.toml to the folder holding your Markdown documents",
            )]);
        }
        crate::config::check_theme(&config).map_err(|d| vec![d])?;
        // The Git history does not depend on the documents: it is read
        // beside them (each side is parallel inside; together they keep
        // both cores busy through the other's serial stretches).
        let (content, history) = rayon::join(
            || content::load(&config, &cats),
            || config.history.then(|| History::load(&config.root)),
        );
        let t = timings.record(if config.history { "load + history" } else { "load" }, t);
        let mut file_diags = content.diags;
        let docs: PerDoc<Document> = dedupe_ids(content.docs, &mut file_diags).into();
        timings.record("validate", t);
        let control = match history {
            Some(Ok(Some(history))) => Some(Arc::new(DocumentControl::new(history))),
            Some(Ok(None)) | None => None,
            Some(Err(e)) => {
                file_diags.push(
                    Diagnostic::warning(Code::Io, format!("cannot read the Git history: {}", e.0))
                        .help("change history, approval integrity and the build identity are left out; `[history] enabled = false` turns history off"),
                );
                None
            }
        };
        let mut files: Vec<PathBuf> = Vec::new();
        if control.is_some() {
            files.extend(docs.iter().map(|d| d.source.clone()));
            files.extend(content.assets.iter().map(|a| a.source.clone()));
            files.push(config.config_path());
        }
        let rendered = docs.iter().map(|_| None).collect();
        let parsed = Parsed {
            docs,
            assets: content.assets,
            rendered,
            index: None,
            file_diags,
            control: control.clone(),
            identity: None,
        };
        // The build identity (hashing every file against HEAD) needs
        // nothing the derivation makes: it runs beside it.
        let (root, content_dir) = (config.root.clone(), config.content_dir.clone());
        let ((identity, took), mut site) = rayon::join(
            || {
                let t = Instant::now();
                let identity = control
                    .as_ref()
                    .map(|c| c.history.identity(&root, &content_dir, &files));
                (identity, t.elapsed())
            },
            || Site::derive(config, cats, options, parsed, timings),
        );
        site.identity = identity;
        site.timings.phases.push(("identity (beside)", took));
        Ok(site)
    }

    /// Everything derived from the documents together: which are in the
    /// site, the index, link scans not kept, the link graph, reviews,
    /// coverage, output collisions and their findings. [`Site::load`] and
    /// the preview server's incremental update (`rebuild::update`) both
    /// end here, so the two cannot drift apart.
    pub fn derive(
        config: Config,
        cats: Catalogues,
        options: BuildOptions,
        parsed: Parsed,
        mut timings: Timings,
    ) -> Site {
        let t = Instant::now();
        let Parsed {
            docs,
            assets,
            rendered,
            index,
            file_diags,
            control,
            identity,
        } = parsed;
        let mut diags = file_diags.clone();
        diags.extend(crate::layout::collisions(&config, &cats, &docs, &assets));
        let included: PerDoc<bool> = docs
            .iter()
            .map(|d| options.drafts || d.status != Status::Draft)
            .collect();
        let index = index.unwrap_or_else(|| Index::new(&docs, &assets));
        let rendered: PerDoc<Rendered> = rendered
            .into_vec()
            .into_par_iter()
            .enumerate()
            .map(|(i, kept)| {
                let i = DocId::new(i);
                kept.unwrap_or_else(|| {
                    let resolver = resolver(&config, &cats, &docs, &index, i, &config.base_url);
                    markdown::render(docs[i].body(), &docs[i].title, &resolver, false)
                })
            })
            .collect::<Vec<_>>()
            .into();
        let t = timings.record("markdown", t);
        let (graph, link_diags) = links::graph(&docs, &rendered, &index);
        diags.extend(link_diags);
        diags.extend(excluded_link_diagnostics(&docs, &rendered, &included));
        hold_back_links_to_unreadable(&config, &mut diags);
        let t = timings.record("links", t);
        let reviews = review_all(&config, &docs, options.today);
        diags.extend(review_diagnostics(&docs, &reviews));
        let retention: PerDoc<Option<Date>> = docs.iter().map(crate::retention::retain_until).collect();
        diags.extend(crate::retention::diagnostics(
            &docs,
            &included,
            &retention,
            options.today,
        ));
        let (soa, soa_diags) = crate::soa::decisions(&config, &cats);
        diags.extend(soa_diags);
        let excluded: Vec<_> = soa.iter().filter(|d| !d.applicable).map(|d| d.control).collect();
        let coverage = coverage::compute(&cats, &docs, &included, &excluded, config.crosswalk_coverage);
        diags.extend(coverage::diagnostics(&coverage, &cats, &docs));
        diags.extend(approval::metadata(&config, &docs, options.today));
        if let Some(control) = &control {
            diags.extend(approval::integrity(&docs, control));
        }
        let (series, series_diags) = crate::series::compute(&config, &cats, &docs, &included, options.today);
        diags.extend(series_diags);
        let (findings, finding_diags) = crate::findings::compute(&docs, &included, options.today);
        diags.extend(finding_diags);
        // Last: exceptions see every finding.
        let (exceptions, exception_diags) = crate::exceptions::validate(&config, options.today);
        let (accepted, unused) = crate::exceptions::apply(&exceptions, &mut diags, &docs);
        diags.extend(exception_diags);
        diags.extend(unused);
        diagnostics::sort(&mut diags);
        timings.record("coverage+reviews+approvals", t);
        let mut order: Vec<DocId> = docs.ids().filter(|&i| included[i]).collect();
        order.sort_by_cached_key(|&i| (docs[i].doc_type, natural_key(&docs[i].id)));
        let mut rank: PerDoc<Option<usize>> = vec![None; docs.len()].into();
        for (k, &i) in order.iter().enumerate() {
            rank[i] = Some(k);
        }
        Site {
            order,
            rank,
            config,
            cats,
            options,
            docs,
            included,
            assets,
            index,
            rendered,
            graph,
            reviews,
            retention,
            series,
            findings,
            accepted,
            coverage,
            soa,
            file_diags,
            control,
            identity,
            diags,
            timings,
        }
    }

    /// The HTML of document `i`'s body for its own page. Produced on demand
    /// (not kept in the site) so memory stays flat on large handbooks.
    pub fn doc_html(&self, i: DocId) -> String {
        self.doc_html_from(i, &self.docs[i].url)
    }

    /// Frees the document sources (as large as the handbook) once the
    /// document pages are written: nothing after that reads them, and
    /// diagnostics quote files from disk. Bodies render empty afterwards,
    /// so only a build about to finish calls this.
    pub fn release_sources(&mut self) {
        for d in self.docs.iter_mut() {
            d.text = String::new();
        }
    }

    /// The plain text of document `i`'s body, for the search index.
    pub fn doc_text(&self, i: DocId) -> String {
        let doc = &self.docs[i];
        markdown::text(doc.body(), &doc.title, &self.resolver(i, ""))
    }

    fn resolver<'a>(&'a self, i: DocId, base_url: &'a str) -> DocResolver<'a> {
        resolver(&self.config, &self.cats, &self.docs, &self.index, i, base_url)
    }

    /// The HTML of document `i`'s body for a page in site directory `dir`
    /// (relative links depend on where the page is).
    pub fn doc_html_from(&self, i: DocId, dir: &str) -> String {
        let doc = &self.docs[i];
        let root = self.config.root_from(dir);
        let html = markdown::render(doc.body(), &doc.title, &self.resolver(i, &root), true).html;
        self.unlink_excluded(i, &root, html)
    }

    /// The configuration the site was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }
    /// The clause catalogues in force.
    pub fn cats(&self) -> &Catalogues {
        &self.cats
    }
    pub fn options(&self) -> &BuildOptions {
        &self.options
    }
    /// Every document read, in discovery order (including those left out
    /// of the output: see [`Site::is_included`]).
    pub fn docs(&self) -> &PerDoc<Document> {
        &self.docs
    }
    /// Whether document `i` is in the output (`--no-drafts` leaves drafts out).
    pub fn is_included(&self, i: DocId) -> bool {
        self.included[i]
    }
    /// How many documents are in the output.
    pub fn included_count(&self) -> usize {
        self.included.iter().filter(|&&b| b).count()
    }
    /// Every finding, sorted (those accepted by an exception are in
    /// [`Site::accepted`] instead).
    pub fn diags(&self) -> &[Diagnostic] {
        &self.diags
    }
    /// Findings accepted by an exception in smsdoc.toml.
    pub fn accepted(&self) -> &[crate::exceptions::Accepted] {
        &self.accepted
    }
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }
    /// How long each stage of the load took.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// The document with this id.
    pub fn doc_by_id(&self, id: &str) -> Option<DocId> {
        self.index.by_id.get(id).copied()
    }

    /// Document `i`'s body HTML for its own page, and its plain text.
    pub fn doc_html_and_text(&self, i: DocId) -> (String, String) {
        let doc = &self.docs[i];
        let root = self.config.root_from(&doc.url);
        let (html, text) = markdown::html_and_text(doc.body(), &doc.title, &self.resolver(i, &root));
        (self.unlink_excluded(i, &root, html), text)
    }

    /// Links to documents left out of the site would be dead: keep their
    /// text, drop the href. The scan knows which links those are.
    fn unlink_excluded(&self, i: DocId, root: &str, html: String) -> String {
        let excluded: Vec<String> = self.rendered[i]
            .links
            .iter()
            .filter_map(|l| match l.resolved.target {
                LinkTarget::Doc(j) if !self.included[j] => {
                    Some(format!("{root}{}{}", self.docs[j].url, self.config.index_suffix()))
                }
                _ => None,
            })
            .collect();
        if excluded.is_empty() {
            html
        } else {
            unlink(&html, &excluded)
        }
    }

    /// The commits that changed document `i`, newest first (none without
    /// Git history).
    pub fn commits_of(&self, i: DocId) -> impl Iterator<Item = &crate::history::Commit> {
        self.control.iter().flat_map(move |c| {
            c.history
                .changes(&self.docs[i].file)
                .iter()
                .map(|ch| &c.history.commits[ch.commit])
        })
    }

    /// When document `i` last changed in Git (`YYYY-MM-DD`).
    pub fn last_changed(&self, i: DocId) -> Option<String> {
        self.commits_of(i).next().map(|c| c.date.to_string())
    }

    /// Findings made outside the derivation (templates that do not parse,
    /// found when the caller loads them), kept in order with the others.
    pub fn add_diagnostics(&mut self, extra: Vec<Diagnostic>) {
        self.diags.extend(extra);
        diagnostics::sort(&mut self.diags);
    }

    pub fn errors(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Warning).count()
    }
    pub fn notes(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Note).count()
    }

    /// Documents in register order: by type (as listed in the SPEC), then id.
    pub fn register_order(&self) -> Vec<DocId> {
        self.order.clone()
    }

    /// The documents before and after `i` in register order.
    pub fn neighbours(&self, i: DocId) -> (Option<DocId>, Option<DocId>) {
        match self.rank.get(i).copied().flatten() {
            Some(k) => (k.checked_sub(1).map(|p| self.order[p]), self.order.get(k + 1).copied()),
            None => (None, None),
        }
    }

    /// The documents of the print handbook, in register order: drafts and
    /// retired documents only when `[print]` (or `smsdoc pdf --drafts
    /// --retired`) asks for them, so a printed copy holds what is in force.
    pub fn print_order(&self) -> Vec<DocId> {
        let p = &self.config.print;
        self.register_order()
            .into_iter()
            .filter(|&i| match self.docs[i].status {
                Status::Draft => p.drafts,
                Status::Retired => p.retired,
                _ => true,
            })
            .collect()
    }

    /// Drafts and retired documents of the site that the print handbook
    /// leaves out (see [`Site::print_order`]), for its cover and `smsdoc pdf`.
    pub fn left_out_of_print(&self) -> (usize, usize) {
        let p = &self.config.print;
        let count = |status: Status, printed: bool| {
            if printed {
                return 0;
            }
            self.docs
                .ids()
                .filter(|&i| self.included[i] && self.docs[i].status == status)
                .count()
        };
        (count(Status::Draft, p.drafts), count(Status::Retired, p.retired))
    }

    pub fn count_by_type(&self) -> Vec<(DocType, usize)> {
        let mut counts: HashMap<DocType, usize> = HashMap::new();
        for (i, d) in self.docs.iter_enumerated() {
            if self.included[i] {
                *counts.entry(d.doc_type).or_default() += 1;
            }
        }
        DocType::ALL
            .iter()
            .filter_map(|t| counts.get(t).map(|&n| (*t, n)))
            .collect()
    }

    pub fn count_by_status(&self) -> [(Status, usize); 3] {
        let mut c = [(Status::Approved, 0), (Status::Draft, 0), (Status::Retired, 0)];
        for (i, d) in self.docs.iter_enumerated() {
            if self.included[i] {
                if let Some(e) = c.iter_mut().find(|(s, _)| *s == d.status) {
                    e.1 += 1;
                }
            }
        }
        c
    }

    /// Review counts over approved documents (drafts are reported apart).
    pub fn review_counts(&self) -> ReviewCounts {
        let mut c = ReviewCounts::default();
        for (i, r) in self.reviews.iter_enumerated() {
            if !self.included[i] || self.docs[i].status != Status::Approved {
                continue;
            }
            match r.status {
                ReviewStatus::Overdue => c.overdue += 1,
                ReviewStatus::DueSoon => c.due_soon += 1,
                ReviewStatus::Missing => c.missing += 1,
                ReviewStatus::Ok => c.ok += 1,
                _ => {}
            }
        }
        c
    }
}

#[derive(Debug, Clone, Copy, Default, serde::Serialize, PartialEq, Eq)]
pub struct ReviewCounts {
    pub overdue: usize,
    pub due_soon: usize,
    pub missing: usize,
    pub ok: usize,
}

/// How document `i`'s links resolve, for a page whose links to the site
/// root start with `base_url`.
fn resolver<'a>(
    config: &'a Config,
    cats: &'a Catalogues,
    docs: &'a PerDoc<Document>,
    index: &'a Index,
    i: DocId,
    base_url: &'a str,
) -> DocResolver<'a> {
    DocResolver {
        doc: &docs[i],
        docs,
        index,
        cats,
        base_url,
        index_suffix: config.index_suffix(),
    }
}

/// Sort key that orders `PRO-2` before `PRO-10`.
pub fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for ch in s.chars() {
        if let Some(d) = ch.to_digit(10) {
            num = Some(num.unwrap_or(0).saturating_mul(10).saturating_add(d as u64));
        } else {
            if let Some(n) = num.take() {
                out.push((std::mem::take(&mut text), n));
            }
            text.push(ch);
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

/// Keeps the first document of each id (in path order) and reports the
/// others, naming both files.
fn dedupe_ids(docs: Vec<Document>, diags: &mut Vec<Diagnostic>) -> Vec<Document> {
    let mut first: HashMap<String, std::path::PathBuf> = HashMap::with_capacity(docs.len());
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        match first.get(&d.id) {
            Some(other) => diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("id `{}` is already used by {}", d.id, diagnostics::slash_path(other)),
                )
                .at(d.file.clone(), d.id_pos.line, d.id_pos.column)
                .help(format!(
                    "give one of the documents a new id (both {} and {} say `{}`)",
                    diagnostics::slash_path(other),
                    diagnostics::slash_path(&d.file),
                    d.id
                )),
            ),
            None => {
                first.insert(d.id.clone(), d.file.clone());
                out.push(d);
            }
        }
    }
    out
}

pub fn review_all(config: &Config, docs: &PerDoc<Document>, today: Date) -> PerDoc<Review> {
    docs.iter()
        .map(|d| {
            // Records are kept, not reviewed: no review date, no findings.
            let record = d.doc_type.is_record();
            reviews::review(
                &ReviewInput {
                    next_review: d.next_review.filter(|_| !record),
                    last_reviewed: d.last_reviewed.filter(|_| !record),
                    interval: d.review_interval,
                    retired: d.status == Status::Retired,
                    requires_review: d.doc_type.is_governing(),
                },
                config.default_interval,
                config.due_soon,
                today,
            )
        })
        .collect()
}

/// `html` with the `href` removed from every `<a>` that points at one of
/// `urls` (or an anchor in it).
fn unlink(html: &str, urls: &[String]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("<a href=\"") {
        let value_start = at + "<a href=\"".len();
        let Some(len) = rest[value_start..].find('"') else {
            break;
        };
        let href = &rest[value_start..value_start + len];
        let page = href.split('#').next().unwrap_or(href);
        if urls.iter().any(|u| u == page) {
            out.push_str(&rest[..at]);
            out.push_str("<a class=\"link-excluded\"");
            rest = &rest[value_start + len + 1..];
        } else {
            out.push_str(&rest[..value_start + len + 1]);
            rest = &rest[value_start + len + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Warnings for links from included documents to ones left out of the
/// site (drafts with `--no-drafts`); such links are shown as plain text.
pub fn excluded_link_diagnostics(
    docs: &PerDoc<Document>,
    rendered: &PerDoc<Rendered>,
    included: &PerDoc<bool>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, doc) in docs.iter_enumerated() {
        if !included[i] {
            continue;
        }
        let r = &rendered[i];
        let mut lines: Option<diagnostics::LineIndex> = None;
        for l in &r.links {
            let markdown::LinkTarget::Doc(t) = l.resolved.target else {
                continue;
            };
            if included[t] {
                continue;
            }
            let idx = lines.get_or_insert_with(|| diagnostics::LineIndex::new(&doc.text));
            let (line, column) = idx.line_col(&doc.text, doc.body_offset + l.offset);
            let target = &docs[t];
            out.push(
                Diagnostic::warning(
                    Code::BrokenLink,
                    format!(
                        "link to draft {} {}, which is left out of the site (--no-drafts); it is shown as plain text",
                        target.id, target.title
                    ),
                )
                .at(doc.file.clone(), line, column)
                .help("approve the draft, or build with drafts included"),
            );
        }
    }
    out
}

/// "1 day", "12 days".
fn days_text(n: i64) -> String {
    format!("{n} day{}", if n == 1 { "" } else { "s" })
}

/// `review-*` warnings for approved documents. Drafts are not yet in force
/// and retired ones no longer are, so neither is reported.
pub fn review_diagnostics(docs: &PerDoc<Document>, reviews: &PerDoc<Review>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (d, r) in docs.iter().zip(reviews) {
        if d.status != Status::Approved {
            continue;
        }
        let at = |diag: Diagnostic| diag.at(d.file.clone(), d.review_pos.line, d.review_pos.column);
        match (r.status, r.next, r.days) {
            (ReviewStatus::Overdue, Some(next), Some(days)) => out.push(at(Diagnostic::warning(
                Code::ReviewOverdue,
                format!(
                    "{} {} was due for review on {next} ({} overdue)",
                    d.id,
                    d.title,
                    days_text(-days)
                ),
            )
            .help(format!(
                "review it, then set `last_reviewed` to the review date{}",
                d.owner.as_ref().map(|o| format!(" (owner: {o})")).unwrap_or_default()
            )))),
            (ReviewStatus::DueSoon, Some(next), Some(days)) => out.push(at(Diagnostic::warning(
                Code::ReviewDueSoon,
                format!(
                    "{} {} is due for review on {next} ({})",
                    d.id,
                    d.title,
                    if days == 0 {
                        "today".to_string()
                    } else {
                        format!("in {}", days_text(days))
                    }
                ),
            )
            .help(format!(
                "plan the review{}",
                d.owner.as_ref().map(|o| format!(" with {o}")).unwrap_or_default()
            )))),
            (ReviewStatus::Missing, _, _) => out.push(at(Diagnostic::warning(
                Code::ReviewMissing,
                format!("{} {} has no review date", d.id, d.title),
            )
            .help("add `last_reviewed: YYYY-MM-DD` (and `review_interval` if not the default) or `next_review`"))),
            _ => {}
        }
    }
    out
}

/// Links to a document whose front matter does not parse are not broken:
/// the document is there, unreadable for now. Their findings (by its
/// recovered id, or by its path) are taken out and reported once, as a
/// note on that file; once it parses they are checked again.
fn hold_back_links_to_unreadable(config: &Config, diags: &mut Vec<Diagnostic>) {
    let content = config.rel(&config.content_dir).to_path_buf();
    // (the unreadable file, its id if recovered, its path in the content dir)
    let unreadable: Vec<(PathBuf, Option<String>, String)> = diags
        .iter()
        .filter(|d| d.code == Code::FrontMatter)
        .filter_map(|d| {
            let file = d.file.clone()?;
            let in_content = diagnostics::slash_path(file.strip_prefix(&content).unwrap_or(&file));
            Some((file, d.subject.clone(), in_content))
        })
        .collect();
    if unreadable.is_empty() {
        return;
    }
    let mut held: Vec<(usize, std::collections::BTreeSet<String>)> = vec![(0, Default::default()); unreadable.len()];
    diags.retain(|d| {
        if d.code != Code::BrokenLink {
            return true;
        }
        let Some(about) = &d.subject else { return true };
        let Some(k) = unreadable
            .iter()
            .position(|(_, id, path)| id.as_deref() == Some(about.as_str()) || path == about)
        else {
            return true;
        };
        held[k].0 += 1;
        held[k]
            .1
            .insert(d.file.as_deref().map(diagnostics::slash_path).unwrap_or_default());
        false
    });
    for ((file, id, _), (links, from)) in unreadable.into_iter().zip(held) {
        if links == 0 {
            continue;
        }
        let what = id.map_or_else(|| "this file".to_string(), |id| format!("{id} (this file)"));
        diags.push(
            Diagnostic::note(
                Code::BrokenLink,
                format!(
                    "{} from {} point to {what}; they are checked once its front matter parses",
                    diagnostics::plural(links, "link"),
                    diagnostics::plural(from.len(), "document"),
                ),
            )
            .at(file, 1, 1)
            .help(format!(
                "linking here: {}",
                from.into_iter().collect::<Vec<_>>().join(", ")
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlink_drops_only_hrefs_to_the_given_pages() {
        let html = r#"<p><a href="/a/">A</a> <a href="/a/#x" title="t">A#x</a> <a href="/ab/">AB</a> <a href="https://x/a/">X</a></p>"#;
        assert_eq!(
            unlink(html, &["/a/".to_string()]),
            r#"<p><a class="link-excluded">A</a> <a class="link-excluded" title="t">A#x</a> <a href="/ab/">AB</a> <a href="https://x/a/">X</a></p>"#
        );
    }

    #[test]
    fn natural_order() {
        let mut ids = vec!["PRO-10", "PRO-2", "POL-1", "PRO-1.5"];
        ids.sort_by_key(|s| natural_key(s));
        assert_eq!(ids, vec!["POL-1", "PRO-1.5", "PRO-2", "PRO-10"]);
    }
}
