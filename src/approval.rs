//! Approvals an auditor can trust (ISO/IEC 20000-1 7.5.2, 7.5.3): the
//! approval fields must be complete and plausible, and, with Git history,
//! the approved text must be the text in force: a document whose text
//! changed after its approval without a new version (or a closed record
//! that changed at all) is `changed-after-approval`.

use crate::config::Config;
use crate::content::Document;
use crate::diagnostics::{Code, Diagnostic};
use crate::frontmatter::{self, Value};
use crate::history::{Commit, History};
use crate::model::{DocType, PerDoc, Status};
use jiff::civil::Date;
use std::collections::HashMap;
use std::sync::Mutex;

/// Fields whose change is a review, not a change of the approved text.
const REVIEW_FIELDS: [&str; 3] = ["last_reviewed", "next_review", "review_interval"];

/// Fields the document controller keeps up to date after approval: the
/// document's class in the register, its place in a series, its retention,
/// the status of the findings it raised, and where the site lists it
/// (`nav`). Changing them is record-keeping, not a change of the approved
/// text.
const RECORD_KEEPING_FIELDS: [&str; 8] = [
    "type",
    "series",
    "date",
    "retention",
    "retain_until",
    "disposition",
    "findings",
    "nav",
];

/// A review date further than this many intervals from the last review
/// skips reviews.
const MAX_INTERVALS_AHEAD: i32 = 3;

/// Types whose approved documents are closed records: any change to them
/// after approval is a finding, whatever the version.
fn is_record(t: DocType) -> bool {
    matches!(t, DocType::Record | DocType::Report)
}

/// Findings about the approval fields themselves (no Git needed).
pub fn metadata(config: &Config, docs: &PerDoc<Document>, today: Date) -> Vec<Diagnostic> {
    let by_id: HashMap<&str, &Document> = docs.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut out = Vec::new();
    for d in docs {
        let at = |field: &str, diag: Diagnostic| {
            let p = d.pos_of(field);
            diag.at(d.file.clone(), p.line, p.column)
        };
        match d.status {
            Status::Approved => {
                let missing: Vec<&str> = [
                    ("approved_by", d.approved_by.is_none()),
                    ("approved_on", d.approved_on.is_none()),
                ]
                .iter()
                .filter(|(_, m)| *m)
                .map(|(f, _)| *f)
                .collect();
                if !missing.is_empty() {
                    out.push(at(
                        "status",
                        Diagnostic::warning(
                            Code::ApprovalIncomplete,
                            format!(
                                "{} is `approved` but has no {}",
                                d.id,
                                missing
                                    .iter()
                                    .map(|f| format!("`{f}`"))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        )
                        .help("record who approved it and when (`approved_by: …`, `approved_on: YYYY-MM-DD`)"),
                    ));
                }
                if config.warn_self_approval {
                    if let (Some(by), Some(owner)) = (&d.approved_by, &d.owner) {
                        if by.trim().eq_ignore_ascii_case(owner.trim()) {
                            out.push(at(
                                "approved_by",
                                Diagnostic::warning(
                                    Code::SelfApproval,
                                    format!("{} is approved by its own owner ({by})", d.id),
                                )
                                .help("have someone other than the owner approve it (`[check] self_approval = \"off\"` turns this off)"),
                            ));
                        }
                    }
                }
            }
            Status::Draft => {
                let set: Vec<&str> = [
                    ("approved_by", d.approved_by.is_some()),
                    ("approved_on", d.approved_on.is_some()),
                ]
                .iter()
                .filter(|(_, s)| *s)
                .map(|(f, _)| *f)
                .collect();
                if let Some(first) = set.first() {
                    out.push(at(
                        first,
                        Diagnostic::warning(
                            Code::ApprovalOnDraft,
                            format!("{} is a draft but carries approval fields ({})", d.id, set.join(", ")),
                        )
                        .help("set `status: approved` if it was approved, or remove the approval fields"),
                    ));
                }
            }
            Status::Retired => {}
        }
        for (field, date) in [("approved_on", d.approved_on), ("last_reviewed", d.last_reviewed)] {
            if let Some(date) = date.filter(|x| *x > today) {
                out.push(at(
                    field,
                    Diagnostic::warning(
                        Code::DateInFuture,
                        format!("{} has `{field}: {date}`, after today ({today})", d.id),
                    )
                    .help("a date of approval or review is when it happened; correct the date"),
                ));
            }
        }
        if let (Some(reviewed), Some(approved)) = (d.last_reviewed, d.approved_on) {
            if reviewed < approved {
                out.push(at(
                    "last_reviewed",
                    Diagnostic::warning(
                        Code::ReviewBeforeApproval,
                        format!(
                            "{} was last reviewed on {reviewed}, before its approval on {approved}",
                            d.id
                        ),
                    )
                    .help("approval includes a review: set `last_reviewed` to the approval date or later"),
                ));
            }
        }
        if let (Some(next), Some(last)) = (d.next_review, d.last_reviewed) {
            let interval = d.review_interval.unwrap_or(config.default_interval);
            let limit = (0..MAX_INTERVALS_AHEAD).try_fold(last, |date, _| interval.add_to(date));
            if limit.is_some_and(|limit| next > limit) {
                out.push(at(
                    "next_review",
                    Diagnostic::warning(
                        Code::ReviewSkipped,
                        format!(
                            "{} sets `next_review: {next}`, more than {MAX_INTERVALS_AHEAD} review intervals ({interval}) after its last review on {last}",
                            d.id
                        ),
                    )
                    .help("review at the planned interval: remove `next_review`, or set it within the interval"),
                ));
            }
        }
        if let Some(s) = &d.supersedes {
            if let Some(old) = by_id.get(s.value.as_str()) {
                if old.status != Status::Retired && d.status == Status::Approved {
                    out.push(
                        Diagnostic::warning(
                            Code::SupersedesNotRetired,
                            format!("{} supersedes {}, which is still {}", d.id, old.id, old.status.as_str()),
                        )
                        .at(d.file.clone(), s.pos.line, s.pos.column)
                        .help(format!(
                            "set `status: retired` in {} so only one of the two is in force",
                            crate::diagnostics::slash_path(&old.file)
                        )),
                    );
                }
            }
        }
    }
    out
}

/// The text of a document version without its review fields: what an
/// approval approves.
#[derive(PartialEq)]
struct Approvable {
    fields: Vec<(String, serde_json::Value)>,
    body: String,
    version: Option<String>,
}

fn approvable(text: &str) -> Option<Approvable> {
    let split = frontmatter::split(text).ok()??;
    let root = frontmatter::parse(&split).ok()?;
    let Value::Map(entries) = root.value else {
        return None;
    };
    let version = entries
        .iter()
        .find(|(k, _, _)| k == "version")
        .and_then(|(_, _, n)| n.as_text());
    Some(Approvable {
        fields: entries
            .iter()
            .filter(|(k, _, _)| !REVIEW_FIELDS.contains(&k.as_str()) && !RECORD_KEEPING_FIELDS.contains(&k.as_str()))
            .map(|(k, _, n)| (k.clone(), n.to_json()))
            .collect(),
        body: split.body.to_string(),
        version,
    })
}

/// What changed after an approval: the first later commit whose text
/// differs from the approved one (review fields aside).
fn first_change_after(history: &History, changes: &[crate::history::Change], approved_on: Date) -> Check {
    // Newest first: the baseline is the last commit on or before the
    // approval; without one (a handbook moved into Git after its
    // approvals) the file's first commit.
    let baseline = match changes
        .iter()
        .position(|c| history.commits[c.commit].date <= approved_on)
    {
        Some(b) => b,
        None if history.shallow => return Check::Unknown,
        None => changes.len() - 1,
    };
    let Some(base) = changes[baseline]
        .blob
        .and_then(|b| history.text(b))
        .and_then(|t| approvable(&t))
    else {
        return Check::Unknown;
    };
    for c in changes[..baseline].iter().rev() {
        let same = c
            .blob
            .and_then(|b| history.text(b))
            .and_then(|t| approvable(&t))
            .is_some_and(|a| a.fields == base.fields && a.body == base.body);
        if !same {
            return Check::Changed {
                commit: history.commits[c.commit].clone(),
                baseline_version: base.version,
            };
        }
    }
    Check::Unchanged
}

#[derive(Clone)]
enum Check {
    Unchanged,
    Changed {
        commit: Commit,
        baseline_version: Option<String>,
    },
    /// The approved text is not in the available history.
    Unknown,
}

/// `changed-after-approval` for every approved document whose committed
/// text changed after its approval date (uncommitted edits are not judged:
/// the preview is for editing).
pub fn integrity(docs: &PerDoc<Document>, control: &DocumentControl) -> Vec<Diagnostic> {
    let history = &control.history;
    let mut out = Vec::new();
    for d in docs {
        let (Status::Approved, Some(approved_on)) = (d.status, d.approved_on) else {
            continue;
        };
        let changes = history.changes(&d.file);
        if changes.is_empty() {
            continue;
        }
        let Check::Changed {
            commit,
            baseline_version,
        } = control.cached_check(&d.file, approved_on, || {
            first_change_after(history, changes, approved_on)
        })
        else {
            continue;
        };
        let record = is_record(d.doc_type);
        if !record && baseline_version != d.version {
            continue; // a new version: its approval is a matter for the approval fields
        }
        let which = format!(
            "commit {} ({}, {}: {})",
            commit.id, commit.date, commit.author, commit.subject
        );
        let p = d.pos_of("version");
        let diag = if record {
            Diagnostic::warning(
                Code::ChangedAfterApproval,
                format!(
                    "{} is a closed record (approved {approved_on}) but {which} changed it",
                    d.id
                ),
            )
            .help("revert the change, or record the correction in a new record that references this one")
        } else {
            Diagnostic::warning(
                Code::ChangedAfterApproval,
                format!(
                    "{} version {} was approved on {approved_on}, but {which} changed its text without a new version",
                    d.id,
                    d.version.as_deref().unwrap_or("(none)")
                ),
            )
            .help("raise the version and re-approve (`version`, `approved_by`, `approved_on`), or revert the change")
        };
        out.push(diag.at(d.file.clone(), p.line, p.column));
    }
    out
}

/// Git history and the integrity checks made on it, kept as long as the
/// history is (the preview server checks again after every save, and only
/// a commit changes the answer).
pub struct DocumentControl {
    pub history: History,
    checks: Mutex<HashMap<(String, Date), Check>>,
}

impl std::fmt::Debug for DocumentControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.history.fmt(f)
    }
}

impl DocumentControl {
    pub fn new(history: History) -> DocumentControl {
        DocumentControl {
            history,
            checks: Mutex::new(HashMap::new()),
        }
    }

    /// The integrity check of one file at one approval date, computed once.
    fn cached_check(&self, file: &std::path::Path, approved_on: Date, compute: impl FnOnce() -> Check) -> Check {
        let key = (crate::diagnostics::slash_path(file), approved_on);
        if let Some(hit) = self.checks.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let result = compute();
        if let Ok(mut m) = self.checks.lock() {
            m.insert(key, result.clone());
        }
        result
    }
}
