//! Record series: records expected at planned intervals (`[series.<key>]`
//! in smsdoc.toml; a document joins with `series: <key>` and `date:`).
//! For each series: its instances, the latest, when the next is due, and
//! the `record-missing` / `record-overdue` findings.

use crate::catalogue::{Catalogues, ClauseRef, TagResolution};
use crate::config::{Config, SeriesConfig, CONFIG_FILE};
use crate::content::Document;
use crate::dates::Interval;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{DocId, PerDoc, Status};
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesStatus {
    /// No approved instance dated on or before today.
    Missing,
    /// Past the due date and the grace period.
    Overdue,
    /// Past the due date, within the grace period.
    Grace,
    /// Due within the `due_soon` window.
    DueSoon,
    Ok,
}

impl SeriesStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesStatus::Missing => "missing",
            SeriesStatus::Overdue => "overdue",
            SeriesStatus::Grace => "grace",
            SeriesStatus::DueSoon => "due-soon",
            SeriesStatus::Ok => "ok",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SeriesStatus::Missing => "No record yet",
            SeriesStatus::Overdue => "Overdue",
            SeriesStatus::Grace => "Due (in grace period)",
            SeriesStatus::DueSoon => "Due soon",
            SeriesStatus::Ok => "Current",
        }
    }
}

/// One series relative to `today`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Index into `config.series`.
    pub config: usize,
    pub clauses: Vec<ClauseRef>,
    /// Its documents in the site, by date (oldest first); drafts and
    /// future-dated ones included (they do not count as evidence).
    pub instances: Vec<DocId>,
    /// The latest approved (or retired) instance dated on or before today.
    pub latest: Option<DocId>,
    /// `latest`'s date + `every`.
    pub due: Option<Date>,
    /// `due` + `grace`: after it the series is overdue.
    pub deadline: Option<Date>,
    pub status: SeriesStatus,
    /// Days from today to `due` (negative when past).
    pub days: Option<i64>,
}

/// Whether document `i` counts as an instance: in the site, not a draft,
/// dated on or before today.
pub fn counts(doc: &Document, today: Date) -> bool {
    doc.status != Status::Draft && doc.date.as_ref().is_some_and(|d| d.value <= today)
}

/// Every configured series with its state, and the findings: clauses of a
/// series that no catalogue has, `record-missing` and `record-overdue`.
pub fn compute(
    config: &Config,
    cats: &Catalogues,
    docs: &PerDoc<Document>,
    included: &PerDoc<bool>,
    today: Date,
) -> (Vec<Series>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut members: Vec<Vec<DocId>> = vec![Vec::new(); config.series.len()];
    for (i, d) in docs.iter_enumerated() {
        let Some(key) = &d.series else { continue };
        if !included[i] || d.date.is_none() {
            continue;
        }
        if let Some(k) = config.series.iter().position(|s| s.key == key.value) {
            members[k].push(i);
        }
    }
    let mut out = Vec::with_capacity(config.series.len());
    for (k, (sc, mut instances)) in config.series.iter().zip(members).enumerate() {
        let clauses = sc
            .clauses
            .iter()
            .filter_map(|t| match cats.resolve(&t.value) {
                TagResolution::Found(r) | TagResolution::TooDeep(r) => Some(r),
                TagResolution::Unknown { suggestion } => {
                    diags.push(
                        Diagnostic::error(
                            Code::UnknownClause,
                            format!(
                                "series `{}`: clause `{}` is not in {}",
                                sc.key,
                                t.value,
                                cats.default_catalogue().title
                            ),
                        )
                        .at(CONFIG_FILE, t.line, t.column)
                        .help(suggestion.map_or_else(
                            || "`smsdoc clauses` lists every clause".to_string(),
                            |s| format!("did you mean {s}?"),
                        )),
                    );
                    None
                }
                TagResolution::UnknownStandard { standard, .. } => {
                    diags.push(
                        Diagnostic::error(
                            Code::UnknownClause,
                            format!(
                                "series `{}`: clause `{}` names standard `{standard}`, which is not loaded",
                                sc.key, t.value
                            ),
                        )
                        .at(CONFIG_FILE, t.line, t.column)
                        .help("add the standard to `standards`, or qualify the clause with a loaded one"),
                    );
                    None
                }
            })
            .collect();
        let date = |i: DocId| docs[i].date.as_ref().map(|d| d.value);
        instances.sort_by_key(|&i| (date(i), docs[i].id.clone()));
        let latest = instances.iter().rev().copied().find(|&i| counts(&docs[i], today));
        let due = latest.and_then(|i| sc.every.add_to(date(i)?));
        let deadline = match (due, sc.grace) {
            (Some(d), Some(g)) => g.add_to(d),
            (d, None) => d,
            (None, _) => None,
        };
        let days = due.and_then(|d| today.until(d).ok()).map(|s| s.get_days() as i64);
        let status = match (due, deadline) {
            (None, _) => SeriesStatus::Missing,
            (Some(_), Some(dl)) if today > dl => SeriesStatus::Overdue,
            (Some(d), _) if today > d => SeriesStatus::Grace,
            (Some(d), _) if config.due_soon.add_to(today).is_none_or(|limit| d <= limit) => SeriesStatus::DueSoon,
            _ => SeriesStatus::Ok,
        };
        if let Some(d) = finding(sc, status, latest.map(|i| &docs[i]), due, deadline, today) {
            diags.push(d);
        }
        out.push(Series {
            config: k,
            clauses,
            instances,
            latest,
            due,
            deadline,
            status,
            days,
        });
    }
    (out, diags)
}

fn finding(
    sc: &SeriesConfig,
    status: SeriesStatus,
    latest: Option<&Document>,
    due: Option<Date>,
    deadline: Option<Date>,
    today: Date,
) -> Option<Diagnostic> {
    let owner = sc.owner.as_ref().map(|o| format!(" (owner: {o})")).unwrap_or_default();
    let d = match (status, latest, due, deadline) {
        (SeriesStatus::Missing, ..) => Diagnostic::warning(
            Code::RecordMissing,
            format!("{} (`{}`, every {}) has no record yet", sc.title, sc.key, sc.every),
        )
        .help(format!(
            "publish the record with `series: {}` and `date: YYYY-MM-DD` in its front matter{owner}",
            sc.key
        )),
        (SeriesStatus::Overdue, Some(doc), Some(due), Some(deadline)) => {
            let late = deadline.until(today).map(|s| s.get_days()).unwrap_or(0);
            let grace = sc
                .grace
                .map(|g| format!(" + {} grace", Interval::to_string(&g)))
                .unwrap_or_default();
            Diagnostic::warning(
                Code::RecordOverdue,
                format!(
                    "{} (`{}`, every {}{grace}) is overdue: the latest record is {} of {}, the next was due on {due} ({late} day{} past {})",
                    sc.title,
                    sc.key,
                    sc.every,
                    doc.id,
                    doc.date.as_ref().map(|d| d.value.to_string()).unwrap_or_default(),
                    if late == 1 { "" } else { "s" },
                    if sc.grace.is_some() { "the grace period" } else { "the due date" },
                ),
            )
            .help(format!(
                "hold it and publish the record with `series: {}` and its `date`{owner}",
                sc.key
            ))
        }
        _ => return None,
    };
    Some(d.at(CONFIG_FILE, sc.line, sc.column).about(sc.key.clone()))
}
