//! Content loading: walking the content directory, reading each document's
//! front matter into a typed `Document`, and validating every field with a
//! diagnostic that points at the offending line.

use crate::catalogue::{Catalogues, ClauseRef, TagResolution};
use crate::config::Config;
use crate::dates::{parse_date, Interval};
use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::frontmatter::{self, Node, Pos, Value};
use crate::model::{Confidentiality, DocType, Status};
use crate::paths::{doc_url, is_ignored_name, normalise, read_text};
use jiff::civil::Date;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A value from front matter with the position it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct ClauseTag {
    pub tag: String,
    pub pos: Pos,
    /// `None` when the tag matched no catalogue (an error was reported).
    pub clause: Option<ClauseRef>,
}

#[derive(Debug, Clone)]
pub struct Document {
    /// Absolute path of the source file.
    pub source: PathBuf,
    /// Path relative to the root, for diagnostics (`docs/x.md`).
    pub file: PathBuf,
    /// Path relative to the content directory.
    pub rel: PathBuf,
    /// Output path relative to the site root, ending in `/` (`procedures/x/`).
    pub url: String,
    pub id: String,
    pub id_pos: Pos,
    pub title: String,
    pub doc_type: DocType,
    pub owner: Option<String>,
    pub status: Status,
    pub version: Option<String>,
    pub clauses: Vec<ClauseTag>,
    pub approved_by: Option<String>,
    pub approved_on: Option<Date>,
    pub last_reviewed: Option<Date>,
    pub review_interval: Option<Interval>,
    pub next_review: Option<Date>,
    /// Where the review date comes from (next_review or last_reviewed),
    /// for review diagnostics; the id's position when there is none.
    pub review_pos: Pos,
    pub provides: Vec<Located<String>>,
    pub related: Vec<Located<String>>,
    pub supersedes: Option<Located<String>>,
    pub tags: Vec<String>,
    pub confidentiality: Confidentiality,
    /// `nav: first`: listed first in the document tree and on the home
    /// page (an about or orientation page).
    pub nav_first: bool,
    /// `retention`: how long a record is kept, from its `date` (else its
    /// approval date).
    pub retention: Option<Interval>,
    /// `retain_until`: the end of retention, when written as a date.
    pub retain_until: Option<Date>,
    /// `disposition`: what happens at the end of retention.
    pub disposition: Option<String>,
    /// `series`: the configured record series this document is an
    /// instance of (checked against `[series.<key>]`).
    pub series: Option<Located<String>>,
    /// `date`: the date the record is of (meeting, audit, period end).
    pub date: Option<Located<Date>>,
    /// `findings`: nonconformities, audit findings or actions raised in
    /// this record.
    pub findings: Vec<FindingEntry>,
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Where each front matter field's value is, for findings about it.
    pub field_pos: Vec<(String, Pos)>,
    /// The whole file text (BOM removed); kept for link positions.
    pub text: String,
    pub body_offset: usize,
}

impl Document {
    pub fn body(&self) -> &str {
        // (Empty once the build has released the sources: `Site::release_sources`.)
        self.text.get(self.body_offset..).unwrap_or_default()
    }
    pub fn clause_refs(&self) -> impl Iterator<Item = ClauseRef> + '_ {
        self.clauses.iter().filter_map(|c| c.clause)
    }
    /// Where front matter field `name` is written; the id's position when
    /// it is not.
    pub fn pos_of(&self, name: &str) -> Pos {
        self.field_pos
            .iter()
            .find(|(k, _)| k == name)
            .map_or(self.id_pos, |(_, p)| *p)
    }
}

/// An entry of `findings:` in front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingEntry {
    pub id: String,
    /// The clause it is raised against (`None`: unknown, reported).
    pub clause: Option<ClauseRef>,
    pub clause_tag: String,
    pub open: bool,
    pub due: Option<Date>,
    pub severity: Option<String>,
    pub pos: Pos,
}

/// A non-Markdown file under the content directory, copied verbatim.
#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    /// Relative to the content directory; also its output path.
    pub rel: PathBuf,
}

#[derive(Debug, Default)]
pub struct Content {
    pub docs: Vec<Document>,
    pub assets: Vec<Asset>,
    pub diags: Vec<Diagnostic>,
}

/// The files under the content directory, split into Markdown documents and
/// assets, in a stable order.
fn discover(config: &Config) -> (Vec<PathBuf>, Vec<Asset>, Vec<Diagnostic>) {
    let mut md = Vec::new();
    let mut assets = Vec::new();
    let mut diags = Vec::new();
    // `Site::load` refuses a missing content directory before this runs.
    let content = &config.content_dir;
    let root_canon = config.root.canonicalize().unwrap_or_else(|_| config.root.clone());
    let out = normalise(&config.output_dir);
    let content_canon = content.canonicalize().unwrap_or_else(|_| content.clone());
    let mut walker = walkdir::WalkDir::new(content)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || (!is_ignored_name(&name) && normalise(e.path()) != out)
        });
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| config.rel(p).to_path_buf());
                let msg = if e.loop_ancestor().is_some() {
                    "symbolic link loop; the link is skipped".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error().map_or_else(|| e.to_string(), |io| io.to_string())
                    )
                };
                let mut d = Diagnostic::warning(Code::Io, msg)
                    .help("remove the link or point it at a folder that does not contain it");
                if let Some(p) = path {
                    d = d.in_file(p);
                }
                diags.push(d);
                continue;
            }
        };
        if entry.path_is_symlink() && entry.depth() > 0 {
            let inside = entry
                .path()
                .canonicalize()
                .map(|c| c.starts_with(&root_canon) || c.starts_with(&content_canon))
                .unwrap_or(false);
            if !inside {
                diags.push(
                    Diagnostic::warning(Code::Io, "symbolic link points outside the handbook; skipped")
                        .in_file(config.rel(entry.path()))
                        .help("smsdoc follows links only within the handbook root, so a build never publishes files from elsewhere"),
                );
                // A linked folder: skip everything under it too.
                if entry.file_type().is_dir() {
                    walker.skip_current_dir();
                }
                continue;
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.into_path();
        let rel = path.strip_prefix(content).unwrap_or(&path).to_path_buf();
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")) {
            md.push(path);
        } else {
            assets.push(Asset { source: path, rel });
        }
    }
    (md, assets, diags)
}

/// Walks the content directory and loads every document, in parallel.
pub fn load(config: &Config, cats: &Catalogues) -> Content {
    let (files, assets, mut diags) = discover(config);
    let results: Vec<(Option<Document>, Vec<Diagnostic>)> =
        files.par_iter().map(|path| load_document(config, cats, path)).collect();
    let mut docs = Vec::with_capacity(results.len());
    for (doc, d) in results {
        diags.extend(d);
        docs.extend(doc);
    }
    Content { docs, assets, diags }
}

/// Reads and validates one document. `None` when it cannot be used at all
/// (unreadable, no front matter, no id); the reasons are in the diagnostics.
pub fn load_document(config: &Config, cats: &Catalogues, path: &Path) -> (Option<Document>, Vec<Diagnostic>) {
    let file = config.rel(path).to_path_buf();
    let rel = path.strip_prefix(&config.content_dir).unwrap_or(path).to_path_buf();
    let text = match read_text(path, &file) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    parse_document(config, cats, path.to_path_buf(), file, rel, text)
}

/// Builds a `Document` from its text, validating every field. Each group
/// of fields is read by its own function below; every finding is located
/// at the field it is about.
pub fn parse_document(
    config: &Config,
    cats: &Catalogues,
    source: PathBuf,
    file: PathBuf,
    rel: PathBuf,
    text: String,
) -> (Option<Document>, Vec<Diagnostic>) {
    let (entries, body_offset) = match read_front_matter(&text, &file) {
        Ok(read) => read,
        Err(d) => return (None, vec![*d]),
    };
    let mut diags = Vec::new();
    let mut f = Fields {
        file: &file,
        diags: &mut diags,
    };
    let Some(id) = id_field(&mut f, entries.get("id")) else {
        return (None, diags);
    };
    let kind = kind_fields(&mut f, &entries, &id);
    let approval = approval_fields(&mut f, &entries);
    let clauses = clause_tags(config, cats, &mut f, &entries, &id, &kind);
    let provides = provides_keys(cats, &mut f, &entries);
    let (related, supersedes) = references(&mut f, &entries);
    let record = record_fields(config, cats, &mut f, &entries, &id, approval.approved_on);
    let tags = entries
        .get("tags")
        .map(|n| f.list(n, "tags"))
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.value)
        .collect();
    let extra = entries
        .0
        .iter()
        .filter(|(k, _, _)| !KNOWN_FIELDS.contains(&k.as_str()))
        .map(|(k, _, n)| (k.clone(), n.to_json()))
        .collect();
    let review_pos = entries
        .get("next_review")
        .or(entries.get("last_reviewed"))
        .map_or(id.pos, |n| n.pos);
    let field_pos = entries.0.iter().map(|(k, _, n)| (k.clone(), n.pos)).collect();
    let url = doc_url(&rel);
    let doc = Document {
        source,
        file,
        rel,
        url,
        id: id.value,
        id_pos: id.pos,
        title: kind.title,
        doc_type: kind.doc_type,
        owner: kind.owner,
        status: kind.status,
        version: approval.version,
        clauses,
        approved_by: approval.approved_by,
        approved_on: approval.approved_on,
        last_reviewed: approval.last_reviewed,
        review_interval: approval.review_interval,
        next_review: approval.next_review,
        review_pos,
        provides,
        related,
        supersedes,
        tags,
        confidentiality: kind.confidentiality,
        nav_first: kind.nav_first,
        retention: record.retention,
        retain_until: record.retain_until,
        disposition: record.disposition,
        series: record.series,
        date: record.date,
        findings: record.findings,
        extra,
        field_pos,
        text,
        body_offset,
    };
    (Some(doc), diags)
}

/// A front matter's fields in file order: (key, key position, value).
struct Entries(Vec<(String, Pos, Node)>);

impl Entries {
    fn get(&self, name: &str) -> Option<&Node> {
        self.0.iter().find(|(k, _, _)| k == name).map(|(_, _, n)| n)
    }
}

/// Splits off and parses the front matter: its fields and where the body
/// starts, or the one finding that stops the document.
fn read_front_matter(text: &str, file: &Path) -> Result<(Entries, usize), Box<Diagnostic>> {
    // A document whose front matter cannot be read still has an id when a
    // line says so: findings about links to it are then held back
    // (`site::hold_back_links_to_unreadable`) instead of cascading.
    let fm_err = |e: frontmatter::FmError| {
        let d = Diagnostic::error(Code::FrontMatter, e.message)
            .at(file.to_path_buf(), e.pos.line, e.pos.column)
            .help(e.help);
        Box::new(match recover_id(text) {
            Some(id) => d.about(id),
            None => d,
        })
    };
    let split = match frontmatter::split(text) {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(Box::new(
                Diagnostic::error(Code::FrontMatter, "document has no front matter")
                    .at(file.to_path_buf(), 1, 1)
                    .help("start the file with a `---` block holding at least id, title and type"),
            ))
        }
        Err(e) => return Err(fm_err(e)),
    };
    let root = frontmatter::parse(&split).map_err(fm_err)?;
    let Value::Map(entries) = root.value else {
        unreachable!("frontmatter::parse returns a mapping")
    };
    Ok((Entries(entries), split.body_offset))
}

/// `id`: without a valid one there is no document.
fn id_field(f: &mut Fields, node: Option<&Node>) -> Option<Located<String>> {
    let Some(n) = node else {
        f.missing(
            "id",
            Pos { line: 1, column: 1 },
            "add `id: PRO-001` (letters, a dash, then letters/digits)",
        );
        return None;
    };
    match n.as_text() {
        Some(s) if valid_id(&s) => Some(Located { value: s, pos: n.pos }),
        Some(s) => {
            f.invalid(
                n.pos,
                format!("`id` `{s}` is not a valid document id"),
                "ids are uppercase letters, a dash, then uppercase letters, digits, dots or dashes, e.g. POL-001",
            );
            None
        }
        None => {
            f.invalid(
                n.pos,
                format!("`id` must be text, found {}", n.kind()),
                "write e.g. `id: POL-001`",
            );
            None
        }
    }
}

/// What the document is and who owns it.
struct KindFields {
    title: String,
    doc_type: DocType,
    status: Status,
    confidentiality: Confidentiality,
    nav_first: bool,
    owner: Option<String>,
}

fn kind_fields(f: &mut Fields, entries: &Entries, id: &Located<String>) -> KindFields {
    let title = match entries.get("title").map(|n| (n.as_text(), n)) {
        Some((Some(t), _)) if !t.trim().is_empty() => t.trim().to_string(),
        Some((_, n)) => {
            f.invalid(
                n.pos,
                "`title` must be non-empty text".into(),
                "write e.g. `title: Incident management procedure`",
            );
            id.value.clone()
        }
        None => {
            f.missing("title", id.pos, "add `title: …` with the document's name");
            id.value.clone()
        }
    };
    let doc_type = match entries.get("type") {
        None => {
            f.missing(
                "type",
                id.pos,
                &format!("add `type:` with one of {}", DocType::NAMES.join(", ")),
            );
            DocType::Other
        }
        Some(n) => f
            .one_of(n, "type", &DocType::NAMES, DocType::parse)
            .unwrap_or(DocType::Other),
    };
    let status = entries
        .get("status")
        .and_then(|n| f.one_of(n, "status", &Status::NAMES, Status::parse))
        .unwrap_or(Status::Draft);
    let confidentiality = entries
        .get("confidentiality")
        .and_then(|n| f.one_of(n, "confidentiality", &Confidentiality::NAMES, Confidentiality::parse))
        .unwrap_or(Confidentiality::Internal);
    let nav_first = entries
        .get("nav")
        .and_then(|n| {
            f.one_of(n, "nav", &["first", "default"], |s| match s {
                "first" => Some(true),
                "default" => Some(false),
                _ => None,
            })
        })
        .unwrap_or(false);
    let owner = entries.get("owner").and_then(|n| f.text(n, "owner"));
    if owner.is_none() && doc_type.is_governing() && entries.get("owner").is_none() {
        f.missing(
            "owner",
            id.pos,
            &format!(
                "a {} needs an accountable owner, e.g. `owner: Service Desk Manager`",
                doc_type.as_str()
            ),
        );
    }
    KindFields {
        title,
        doc_type,
        status,
        confidentiality,
        nav_first,
        owner,
    }
}

/// Version, approval and review dates.
struct ApprovalFields {
    version: Option<String>,
    approved_by: Option<String>,
    approved_on: Option<Date>,
    last_reviewed: Option<Date>,
    next_review: Option<Date>,
    review_interval: Option<Interval>,
}

fn approval_fields(f: &mut Fields, entries: &Entries) -> ApprovalFields {
    let version = entries.get("version").and_then(|n| f.text(n, "version"));
    let approved_by = entries.get("approved_by").and_then(|n| f.text(n, "approved_by"));
    let approved_on = entries.get("approved_on").and_then(|n| f.date(n, "approved_on"));
    let last_reviewed = entries.get("last_reviewed").and_then(|n| f.date(n, "last_reviewed"));
    let next_review = entries.get("next_review").and_then(|n| f.date(n, "next_review"));
    let review_interval = entries
        .get("review_interval")
        .and_then(|n| f.interval(n, "review_interval"));
    if let (Some(l), Some(n), Some(node)) = (last_reviewed, next_review, entries.get("next_review")) {
        if n < l {
            f.invalid(
                node.pos,
                format!("`next_review` {n} is before `last_reviewed` {l}"),
                "the next review must come after the last one",
            );
        }
    }
    ApprovalFields {
        version,
        approved_by,
        approved_on,
        last_reviewed,
        next_review,
        review_interval,
    }
}

/// `clauses`, each resolved against the catalogues; types named in
/// `[check] require_clauses` must cite one.
fn clause_tags(
    config: &Config,
    cats: &Catalogues,
    f: &mut Fields,
    entries: &Entries,
    id: &Located<String>,
    kind: &KindFields,
) -> Vec<ClauseTag> {
    let clauses: Vec<ClauseTag> = entries
        .get("clauses")
        .map(|n| f.list(n, "clauses"))
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let clause = resolve_clause(cats, &t.value, t.pos, f.file, f.diags);
            ClauseTag {
                tag: t.value,
                pos: t.pos,
                clause,
            }
        })
        .collect();
    let (doc_type, status) = (kind.doc_type, kind.status);
    if clauses.is_empty() && config.require_clauses.iter().any(|t| t == doc_type.as_str()) && status != Status::Retired
    {
        let d = Diagnostic::new(
            if status == Status::Approved {
                crate::diagnostics::Severity::Error
            } else {
                crate::diagnostics::Severity::Warning
            },
            Code::MissingField,
            format!("a {} must cite at least one clause (`clauses`)", doc_type.as_str()),
        )
        .at(f.file.to_path_buf(), id.pos.line, id.pos.column)
        .help("add e.g. `clauses: [\"8.6.1\"]`; `smsdoc clauses` lists the clause numbers");
        f.diags.push(d);
    }
    clauses
}

/// `provides`: required-document keys, each one the catalogues know.
fn provides_keys(cats: &Catalogues, f: &mut Fields, entries: &Entries) -> Vec<Located<String>> {
    let provides = entries
        .get("provides")
        .map(|n| f.list(n, "provides"))
        .unwrap_or_default();
    for p in &provides {
        if let crate::catalogue::Provides::Found { catalogue, also, .. } = cats.resolve_provides(&p.value) {
            if !also.is_empty() {
                let first = &cats.list[catalogue];
                f.diags.push(
                    Diagnostic::warning(
                        Code::AmbiguousProvides,
                        format!(
                            "`{}` is a key of {} standards in force; bare, it counts for {} only",
                            p.value,
                            also.len() + 1,
                            first.title
                        ),
                    )
                    .at(f.file.to_path_buf(), p.pos.line, p.pos.column)
                    .help(format!(
                        "write the qualified spelling for each standard it provides: `{}:{}`, {}",
                        first.id,
                        p.value,
                        also.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                    )),
                );
            }
        } else {
            let keys = cats.list.iter().flat_map(|c| c.required.iter().map(|r| r.key.as_str()));
            let help = match did_you_mean(&p.value, keys) {
                Some(s) => format!("did you mean `{s}`? `smsdoc clauses --required` lists the keys"),
                None => "`smsdoc clauses --required` lists the required-document keys".into(),
            };
            f.diags.push(
                Diagnostic::error(Code::InvalidField, format!("unknown `provides` key `{}`", p.value))
                    .at(f.file.to_path_buf(), p.pos.line, p.pos.column)
                    .help(help),
            );
        }
    }
    provides
}

/// `related` and `supersedes`: other documents, by id (resolved later).
fn references(f: &mut Fields, entries: &Entries) -> (Vec<Located<String>>, Option<Located<String>>) {
    let related = entries.get("related").map(|n| f.list(n, "related")).unwrap_or_default();
    let supersedes = entries
        .get("supersedes")
        .and_then(|n| f.text(n, "supersedes").map(|v| Located { value: v, pos: n.pos }));
    for r in related.iter().chain(supersedes.iter()) {
        if !valid_id(&r.value) {
            f.invalid(
                r.pos,
                format!("`{}` is not a document id", r.value),
                "refer to documents by id, e.g. POL-001",
            );
        }
    }
    (related, supersedes)
}

/// Record keeping: retention, the series a record belongs to, its date,
/// and the findings it raises.
struct RecordFields {
    retention: Option<Interval>,
    retain_until: Option<Date>,
    disposition: Option<String>,
    date: Option<Located<Date>>,
    series: Option<Located<String>>,
    findings: Vec<FindingEntry>,
}

fn record_fields(
    config: &Config,
    cats: &Catalogues,
    f: &mut Fields,
    entries: &Entries,
    id: &Located<String>,
    approved_on: Option<Date>,
) -> RecordFields {
    let retention = entries.get("retention").and_then(|n| f.interval(n, "retention"));
    let retain_until = entries.get("retain_until").and_then(|n| f.date(n, "retain_until"));
    if let (Some(_), Some(n)) = (retention, entries.get("retain_until")) {
        f.invalid(
            n.pos,
            "`retention` and `retain_until` are both set".into(),
            "keep one: `retention: 6 years` (counted from `date`, else `approved_on`) or `retain_until: YYYY-MM-DD`",
        );
    }
    let disposition = entries.get("disposition").and_then(|n| f.text(n, "disposition"));
    let date = entries
        .get("date")
        .and_then(|n| f.date(n, "date").map(|d| Located { value: d, pos: n.pos }));
    let series = entries
        .get("series")
        .and_then(|n| f.text(n, "series").map(|v| Located { value: v, pos: n.pos }));
    if let Some(s) = &series {
        if !config.series.iter().any(|c| c.key == s.value) {
            let help = match did_you_mean(&s.value, config.series.iter().map(|c| c.key.as_str())) {
                Some(k) => format!("did you mean `{k}`?"),
                None if config.series.is_empty() => {
                    "no series is configured: add a `[series.<key>]` table with `every` to smsdoc.toml".into()
                }
                None => format!(
                    "configured series: {}; or add `[series.{}]` to smsdoc.toml",
                    config
                        .series
                        .iter()
                        .map(|c| c.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.value
                ),
            };
            f.diags.push(
                Diagnostic::error(Code::InvalidField, format!("series `{}` is not configured", s.value))
                    .at(f.file.to_path_buf(), s.pos.line, s.pos.column)
                    .help(help),
            );
        }
        if date.is_none() && entries.get("date").is_none() {
            f.diags.push(
                Diagnostic::error(
                    Code::MissingField,
                    format!(
                        "`date` is missing: a record of series `{}` needs the date it is of",
                        s.value
                    ),
                )
                .at(f.file.to_path_buf(), s.pos.line, s.pos.column)
                .help("add `date: YYYY-MM-DD` (the meeting, the audit, or the end of the period reported on)"),
            );
        }
    }
    if retention.is_some() && date.is_none() && approved_on.is_none() {
        let n = entries.get("retention").map_or(id.pos, |n| n.pos);
        f.invalid(
            n,
            "`retention` needs a date to count from".into(),
            "add `date:` (the date the record is of) or `approved_on:`, or write `retain_until: YYYY-MM-DD`",
        );
    }
    let findings = entries
        .get("findings")
        .map(|n| parse_findings(n, cats, f))
        .unwrap_or_default();
    RecordFields {
        retention,
        retain_until,
        disposition,
        date,
        series,
        findings,
    }
}

pub const KNOWN_FIELDS: [&str; 24] = [
    "id",
    "title",
    "type",
    "owner",
    "status",
    "version",
    "clauses",
    "approved_by",
    "approved_on",
    "last_reviewed",
    "review_interval",
    "next_review",
    "provides",
    "related",
    "supersedes",
    "tags",
    "confidentiality",
    "nav",
    "retention",
    "retain_until",
    "disposition",
    "series",
    "date",
    "findings",
];

/// `findings: [{id, clause, status: open|closed, due, severity}]`.
fn parse_findings(n: &Node, cats: &Catalogues, f: &mut Fields) -> Vec<FindingEntry> {
    const HELP: &str =
        "write e.g. `findings: [{id: NC-2026-07, clause: \"8.3.4\", status: open, due: 2026-12-04, severity: minor}]`";
    let items: Vec<&Node> = match &n.value {
        Value::List(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => {
            f.invalid(n.pos, format!("`findings` must be a list, found {}", n.kind()), HELP);
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Map(entries) = &item.value else {
            f.invalid(
                item.pos,
                format!("items of `findings` must be mappings, found {}", item.kind()),
                HELP,
            );
            continue;
        };
        let get = |name: &str| entries.iter().find(|(k, _, _)| k == name).map(|(_, _, n)| n);
        for (k, kpos, _) in entries {
            if !["id", "clause", "status", "due", "severity", "title"].contains(&k.as_str()) {
                f.invalid(
                    *kpos,
                    format!("unknown key `{k}` in a finding"),
                    "a finding has id, clause, status (open or closed), due, severity and optionally title",
                );
            }
        }
        let Some(id) = get("id").and_then(|n| f.text(n, "findings.id")) else {
            f.missing(
                "findings.id",
                item.pos,
                "give each finding an `id`, e.g. `id: NC-2026-07`",
            );
            continue;
        };
        let (clause_tag, clause) = match get("clause").and_then(|n| f.text(n, "findings.clause").map(|t| (t, n.pos))) {
            Some((t, pos)) => {
                let c = resolve_clause(cats, &t, pos, f.file, f.diags);
                (t, c)
            }
            None => {
                f.missing(
                    "findings.clause",
                    item.pos,
                    &format!("name the clause finding {id} is raised against, e.g. `clause: \"9.2\"`"),
                );
                (String::new(), None)
            }
        };
        let open = match get("status") {
            None => true,
            Some(n) => f
                .one_of(n, "findings.status", &["open", "closed"], |s| match s {
                    "open" => Some(true),
                    "closed" => Some(false),
                    _ => None,
                })
                .unwrap_or(true),
        };
        let due = get("due").and_then(|n| f.date(n, "findings.due"));
        let severity = get("severity").and_then(|n| f.text(n, "findings.severity"));
        out.push(FindingEntry {
            id,
            clause,
            clause_tag,
            open,
            due,
            severity,
            pos: item.pos,
        });
    }
    out
}

/// `^[A-Z][A-Z0-9]*-[A-Z0-9.-]+$`
pub fn valid_id(s: &str) -> bool {
    let Some((prefix, rest)) = s.split_once('-') else {
        return false;
    };
    let mut p = prefix.chars();
    p.next().is_some_and(|c| c.is_ascii_uppercase())
        && p.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

fn resolve_clause(
    cats: &Catalogues,
    tag: &str,
    pos: Pos,
    file: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<ClauseRef> {
    let at = |d: Diagnostic| d.at(file.to_path_buf(), pos.line, pos.column);
    match cats.resolve(tag) {
        TagResolution::Found(r) => Some(r),
        TagResolution::TooDeep(r) => {
            let parent = cats.clause(r);
            diags.push(at(Diagnostic::warning(
                Code::ClauseTooDeep,
                format!(
                    "clause `{tag}` is deeper than the catalogue; it counts for {} {}",
                    parent.number, parent.title
                ),
            )
            .help(format!("cite `{}` instead", parent.number))));
            Some(r)
        }
        TagResolution::Unknown { suggestion } => {
            let std = &cats.default_catalogue().title;
            let mut d = Diagnostic::error(Code::UnknownClause, format!("clause `{tag}` is not in {std}"));
            d = d.help(match suggestion {
                Some(s) => format!("did you mean {s}? `smsdoc clauses` lists every clause"),
                None => "`smsdoc clauses` lists every clause; qualify other standards, e.g. iso27001:2022:A.5.1".into(),
            });
            diags.push(at(d));
            None
        }
        TagResolution::UnknownStandard { standard, suggestion } => {
            let loaded: Vec<&str> = cats.list.iter().map(|c| c.id.as_str()).collect();
            let help = match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "standards in force: {}; add it to `standards` in smsdoc.toml",
                    loaded.join(", ")
                ),
            };
            diags.push(at(Diagnostic::error(
                Code::UnknownClause,
                format!("clause `{tag}` names standard `{standard}`, which is not loaded"),
            )
            .help(help)));
            None
        }
    }
}

/// Field readers that report type errors at the value's position.
struct Fields<'a> {
    file: &'a Path,
    diags: &'a mut Vec<Diagnostic>,
}

impl Fields<'_> {
    fn missing(&mut self, field: &str, pos: Pos, help: &str) {
        self.diags.push(
            Diagnostic::error(Code::MissingField, format!("required field `{field}` is missing"))
                .at(self.file.to_path_buf(), pos.line, pos.column)
                .help(help.to_string()),
        );
    }
    fn invalid(&mut self, pos: Pos, message: String, help: &str) {
        self.diags.push(
            Diagnostic::error(Code::InvalidField, message)
                .at(self.file.to_path_buf(), pos.line, pos.column)
                .help(help.to_string()),
        );
    }
    fn text(&mut self, n: &Node, field: &str) -> Option<String> {
        match n.as_text() {
            Some(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            Some(_) => None,
            None if n.value == Value::Null => None,
            None => {
                self.invalid(
                    n.pos,
                    format!("`{field}` must be text, found {}", n.kind()),
                    "write a single value on the same line",
                );
                None
            }
        }
    }
    fn one_of<T>(&mut self, n: &Node, field: &str, names: &[&str], parse: fn(&str) -> Option<T>) -> Option<T> {
        let t = self.text(n, field)?;
        match parse(&t) {
            Some(v) => Some(v),
            None => {
                let help = match did_you_mean(&t, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? Allowed: {}", names.join(", ")),
                    None => format!("allowed: {}", names.join(", ")),
                };
                self.invalid(n.pos, format!("`{field}` `{t}` is not allowed"), &help);
                None
            }
        }
    }
    fn interval(&mut self, n: &Node, field: &str) -> Option<Interval> {
        match n.as_text() {
            Some(t) => match Interval::parse(&t) {
                Ok(i) => Some(i),
                Err(e) => {
                    self.invalid(
                        n.pos,
                        format!("`{field}`: {e}"),
                        "write e.g. `12 months`, `1 year`, `6 weeks` or `90 days`",
                    );
                    None
                }
            },
            None => {
                self.invalid(
                    n.pos,
                    format!("`{field}` must be a duration, found {}", n.kind()),
                    "write e.g. `12 months`",
                );
                None
            }
        }
    }
    fn date(&mut self, n: &Node, field: &str) -> Option<Date> {
        let t = self.text(n, field)?;
        match parse_date(&t) {
            Ok(d) => Some(d),
            Err(e) => {
                self.invalid(
                    n.pos,
                    format!("`{field}`: {e}"),
                    "write dates as YYYY-MM-DD, e.g. 2026-03-31",
                );
                None
            }
        }
    }
    /// A list of text values; a single value is accepted as a one-item list.
    fn list(&mut self, n: &Node, field: &str) -> Vec<Located<String>> {
        match &n.value {
            Value::List(items) => items
                .iter()
                .filter_map(|i| match i.as_text() {
                    Some(t) => Some(Located {
                        value: t.trim().to_string(),
                        pos: i.pos,
                    }),
                    None => {
                        self.invalid(
                            i.pos,
                            format!("items of `{field}` must be text, found {}", i.kind()),
                            "write e.g. [\"8.6.1\", \"8.6.2\"]",
                        );
                        None
                    }
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => match n.as_text() {
                Some(t) => vec![Located {
                    value: t.trim().to_string(),
                    pos: n.pos,
                }],
                None => {
                    self.invalid(
                        n.pos,
                        format!("`{field}` must be a list, found {}", n.kind()),
                        "write e.g. [\"a\", \"b\"]",
                    );
                    Vec::new()
                }
            },
        }
    }
}

/// The `id` a document's front matter names on a line of its own
/// (`id: PRO-002`), read without parsing it: for a file whose front matter
/// does not parse.
pub fn recover_id(text: &str) -> Option<String> {
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let fence = lines.next()?.trim_end();
    if fence != "---" && fence != "+++" {
        return None;
    }
    lines
        .take_while(|l| l.trim_end() != fence)
        .find_map(|l| l.strip_prefix("id").map(str::trim_start))
        .and_then(|rest| rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')))
        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|v| !v.is_empty() && !v.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field the parsing functions read is in `KNOWN_FIELDS` (else it
    /// would also show as an unknown field), and every known field is read.
    #[test]
    fn known_fields_are_the_fields_read() {
        let source = include_str!("content.rs");
        let code = &source[..source.find("#[cfg(test)]").unwrap_or(source.len())];
        let mut read: Vec<&str> = Vec::new();
        let mut rest = code;
        while let Some(at) = rest.find("entries") {
            rest = &rest[at + "entries".len()..];
            let after = rest.trim_start();
            if let Some(name) = after.strip_prefix(".get(\"").and_then(|r| r.split('"').next()) {
                read.push(name);
            }
        }
        read.sort_unstable();
        read.dedup();
        let mut known = KNOWN_FIELDS.to_vec();
        known.sort_unstable();
        assert_eq!(read, known);
    }

    #[test]
    fn ids() {
        for ok in ["POL-001", "PRO-4", "A1-B.2-C", "SVC-HOSTING"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in ["pol-001", "POL001", "POL-", "-001", "1POL-1", "POL-a", "POL 1"] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn urls_and_ignored_names() {
        assert_eq!(
            doc_url(Path::new("procedures/Incident Management.md")),
            "procedures/incident-management/"
        );
        assert_eq!(doc_url(Path::new("a.md")), "a/");
        for n in [".x.md.swp", "x.md~", "#x.md#", "4913", ".hidden.md", "x.md.tmp"] {
            assert!(is_ignored_name(n), "{n}");
        }
        assert!(!is_ignored_name("policy.md"));
        assert_eq!(normalise(Path::new("/a/b/../c/./d")), Path::new("/a/c/d"));
        assert_eq!(normalise(Path::new("../../etc/passwd")), Path::new("../../etc/passwd"));
        assert_eq!(normalise(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(normalise(Path::new("/../x")), Path::new("/x"));
    }
}
