//! The template context of every page: the theme API. Each page kind has a
//! typed `Serialize` struct (as Zola's `SerializingPage`); templates see
//! their fields, the preview server compares them (`PartialEq`) to decide
//! what to render again, and snapshot tests pin them. README's theme
//! section lists the fields.

use crate::catalogue::{ClauseRef, RequiredDoc};
use crate::coverage::Totals;
use crate::links::clause_path;
use crate::markdown::TocEntry;
use crate::model::DocId;
use crate::model::{DocType, Status};
use crate::reviews::ReviewStatus;
use crate::site::{natural_key, ReviewCounts, Site};
use serde::Serialize;

/// `site`: what every template receives about the handbook, as seen from
/// the page's directory (`base_url` is the prefix from there to the site
/// root: relative when no base_url is configured).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteData {
    pub title: String,
    pub base_url: String,
    /// The suffix of links to pages (`index.html` when links are relative,
    /// for sites opened from disk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<&'static str>,
    pub language: String,
    pub today: String,
    pub generator: String,
    pub standards: Vec<StandardLink>,
    pub document_count: usize,
    /// The Git revision the site was built from (none outside a
    /// repository): `commit`, `date`, `modified`, `shallow`.
    pub build: Option<crate::history::Identity>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardLink {
    pub id: String,
    pub title: String,
    pub name: String,
    pub url: String,
}

impl SiteData {
    /// The shared part, as configured (`base_url` unadjusted, no `index`).
    pub fn shared(site: &Site) -> SiteData {
        let clauses = site.config.page_link("clauses/");
        SiteData {
            title: site.config.title.clone(),
            base_url: site.config.base_url.clone(),
            index: None,
            language: site.config.language.clone(),
            today: site.options.today.to_string(),
            generator: format!("smsdoc {}", env!("CARGO_PKG_VERSION")),
            standards: site
                .cats
                .list
                .iter()
                .enumerate()
                .map(|(ci, c)| StandardLink {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    name: c.name.clone(),
                    url: if ci == 0 {
                        clauses.clone()
                    } else {
                        format!("{clauses}#{}", c.slug())
                    },
                })
                .collect(),
            document_count: site.included.iter().filter(|&&b| b).count(),
            build: site.identity.clone(),
        }
    }

    /// As seen from a page in site directory `dir`.
    pub fn from_dir(&self, site: &Site, dir: &str) -> SiteData {
        SiteData {
            base_url: site.config.root_from(dir),
            index: Some(site.config.index_suffix()),
            ..self.clone()
        }
    }
}

/// Every page's context: `site`, `current_path` (the page's directory)
/// and the page kind's own fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageContext<T> {
    pub site: SiteData,
    pub current_path: String,
    #[serde(flatten)]
    pub data: T,
}

/// A document as listed on other pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocSummary {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    pub status: &'static str,
    pub owner: Option<String>,
    pub version: Option<String>,
    pub url: String,
    pub next_review: Option<String>,
    pub review_status: &'static str,
    pub review_label: &'static str,
    pub review_days: Option<i64>,
    /// A record (record, report, form): kept until `retain_until`, not
    /// reviewed.
    pub record: bool,
    pub retain_until: Option<String>,
}

impl DocSummary {
    pub fn new(site: &Site, i: DocId) -> DocSummary {
        let d = &site.docs[i];
        let r = &site.reviews[i];
        DocSummary {
            id: d.id.clone(),
            title: d.title.clone(),
            doc_type: d.doc_type.as_str(),
            status: d.status.as_str(),
            owner: d.owner.clone(),
            version: d.version.clone(),
            url: site.config.page_link(&d.url),
            next_review: r.next.map(|n| n.to_string()),
            review_status: r.status.as_str(),
            review_label: r.status.label(),
            review_days: r.days,
            record: d.doc_type.is_record(),
            retain_until: site.retention[i].map(|x| x.to_string()),
        }
    }
}

/// The summaries of the documents in `list` that are in the site.
pub fn summaries(site: &Site, list: &[DocId]) -> Vec<DocSummary> {
    list.iter()
        .filter(|&&j| site.included[j])
        .map(|&j| DocSummary::new(site, j))
        .collect()
}

/// A document's own fields as text: the part of a document every view of
/// it shows (its page, the register export). Flattened into those.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocFields {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    pub owner: Option<String>,
    pub status: &'static str,
    pub version: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    pub last_reviewed: Option<String>,
    pub review_interval: Option<String>,
    /// Computed when not set: `last_reviewed` + the interval.
    pub next_review: Option<String>,
    pub tags: Vec<String>,
    pub confidentiality: &'static str,
    /// Date of the last commit that changed the document (with Git history).
    pub last_changed: Option<String>,
    /// The date the record is of (`date`).
    pub date: Option<String>,
    /// The record series it belongs to (`series`).
    pub series: Option<String>,
    pub retention: Option<String>,
    /// Written, or computed from `retention`.
    pub retain_until: Option<String>,
    pub disposition: Option<String>,
}

impl DocFields {
    pub fn new(site: &Site, i: DocId) -> DocFields {
        let d = &site.docs[i];
        let date = |x: Option<jiff::civil::Date>| x.map(|x| x.to_string());
        DocFields {
            id: d.id.clone(),
            title: d.title.clone(),
            doc_type: d.doc_type.as_str(),
            owner: d.owner.clone(),
            status: d.status.as_str(),
            version: d.version.clone(),
            approved_by: d.approved_by.clone(),
            approved_on: date(d.approved_on),
            last_reviewed: date(d.last_reviewed),
            review_interval: d.review_interval.map(|x| x.to_string()),
            next_review: date(site.reviews[i].next),
            tags: d.tags.clone(),
            confidentiality: d.confidentiality.as_str(),
            last_changed: site.last_changed(i),
            date: date(d.date.as_ref().map(|x| x.value)),
            series: d.series.as_ref().map(|s| s.value.clone()),
            retention: d.retention.map(|x| x.to_string()),
            retain_until: date(site.retention[i]),
            disposition: d.disposition.clone(),
        }
    }
}

/// `page` on a document page (`page.html`) and in the print handbook
/// (`print_doc.html`): every front matter field, the body, its table of
/// contents and the documents it is linked with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocPage {
    #[serde(flatten)]
    pub fields: DocFields,
    pub review: ReviewData,
    pub url: String,
    /// Source file, relative to the root.
    pub source: String,
    pub toc: Vec<TocEntry>,
    /// Front matter fields smsdoc does not know, as written.
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub clauses: Vec<CitedClause>,
    pub provides: Vec<Provided>,
    /// The body's HTML, headings from `h2` down.
    pub content: String,
    /// The commits that changed the document, newest first (at most
    /// `[history] max_entries`), and how many there are in all.
    pub history: Vec<crate::history::Commit>,
    pub history_count: usize,
    pub backlinks: Vec<DocSummary>,
    pub related: Vec<DocSummary>,
    pub supersedes: Option<DocSummary>,
    pub superseded_by: Vec<DocSummary>,
    /// A record (record, report, form): kept, not reviewed.
    pub record: bool,
    /// Its type's plural heading ("Procedures"), for breadcrumbs.
    pub type_label: &'static str,
    /// The series it is an instance of.
    pub series_link: Option<SeriesLink>,
    /// The findings it raises (`findings:`), open and closed.
    pub findings: Vec<FindingData>,
    /// The documents before and after it in register order.
    pub prev: Option<DocSummary>,
    pub next: Option<DocSummary>,
}

/// A record series as linked from other pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesLink {
    pub key: String,
    pub title: String,
    pub url: String,
    pub every: String,
    pub status: &'static str,
    pub status_label: &'static str,
    /// The latest record's date.
    pub latest: Option<String>,
    /// When the next record is due (latest + every).
    pub due: Option<String>,
    /// After this (due + grace) the series is overdue.
    pub deadline: Option<String>,
    /// Days from today to `due` (negative when past).
    pub days: Option<i64>,
    pub owner: Option<String>,
    /// Accepted `record-overdue`/`record-missing` finding, if any.
    pub accepted: Option<AcceptedData>,
}

impl SeriesLink {
    pub fn new(site: &Site, k: usize) -> SeriesLink {
        let st = &site.series[k];
        let sc = &site.config.series[st.config];
        let date = |x: Option<jiff::civil::Date>| x.map(|x| x.to_string());
        SeriesLink {
            key: sc.key.clone(),
            title: sc.title.clone(),
            url: site.config.page_link(&crate::layout::series_dir(&sc.key)),
            every: sc.every.to_string(),
            status: st.status.as_str(),
            status_label: st.status.label(),
            latest: date(st.latest.and_then(|i| site.docs[i].date.as_ref().map(|d| d.value))),
            due: date(st.due),
            deadline: date(st.deadline),
            days: st.days,
            owner: sc.owner.clone(),
            accepted: accepted_where(site, |a| {
                matches!(
                    a.finding.code,
                    crate::diagnostics::Code::RecordOverdue | crate::diagnostics::Code::RecordMissing
                ) && a.finding.subject.as_deref() == Some(sc.key.as_str())
            })
            .into_iter()
            .next(),
        }
    }
}

/// A finding raised in a record (`findings:` in its front matter).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingData {
    pub id: String,
    pub clause: String,
    pub clause_url: Option<String>,
    pub status: &'static str,
    pub due: Option<String>,
    pub severity: Option<String>,
    pub overdue: bool,
    /// Days from today to `due` (negative when past).
    pub days: Option<i64>,
    /// The record that raises it.
    pub source: DocSummary,
    pub accepted: Option<AcceptedData>,
}

impl FindingData {
    fn new(site: &Site, doc: DocId, entry: usize) -> FindingData {
        let f = &site.docs[doc].findings[entry];
        let today = site.options.today;
        let days = f.due.and_then(|due| today.until(due).ok()).map(|s| s.get_days() as i64);
        FindingData {
            id: f.id.clone(),
            clause: f.clause_tag.clone(),
            clause_url: f.clause.map(|c| site.config.page_link(&clause_path(&site.cats, c))),
            status: if f.open { "open" } else { "closed" },
            due: f.due.map(|x| x.to_string()),
            severity: f.severity.clone(),
            overdue: f.open && f.due.is_some_and(|d| d < today),
            days,
            source: DocSummary::new(site, doc),
            accepted: accepted_where(site, |a| {
                a.finding.code == crate::diagnostics::Code::FindingOverdue
                    && a.finding.subject.as_deref() == Some(f.id.as_str())
            })
            .into_iter()
            .next(),
        }
    }
}

/// The open findings (in the site, drafts aside) that `pred` selects, by
/// due date.
fn open_findings(site: &Site, pred: impl Fn(&crate::content::FindingEntry) -> bool) -> Vec<FindingData> {
    site.findings
        .iter()
        .filter(|o| pred(&site.docs[o.doc].findings[o.entry]))
        .map(|o| FindingData::new(site, o.doc, o.entry))
        .collect()
}

/// A finding accepted by an exception: what it was, and who accepted it,
/// until when and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptedData {
    pub code: &'static str,
    pub message: String,
    pub location: String,
    pub target: String,
    pub reason: String,
    pub approved_by: String,
    pub approved_on: String,
    pub until: String,
    /// "accepted until …, by …: reason".
    pub summary: String,
}

/// The accepted findings that `pred` selects.
pub fn accepted_where(site: &Site, pred: impl Fn(&crate::exceptions::Accepted) -> bool) -> Vec<AcceptedData> {
    site.accepted
        .iter()
        .filter(|a| pred(a))
        .map(|a| AcceptedData {
            code: a.finding.code.as_str(),
            message: a.finding.message.clone(),
            location: a.finding.location(),
            target: a.exception.target.clone(),
            reason: a.exception.reason.clone(),
            approved_by: a.exception.approved_by.clone(),
            approved_on: a.exception.approved_on.to_string(),
            until: a.exception.until.to_string(),
            summary: a.exception.summary(),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewData {
    pub status: &'static str,
    pub label: &'static str,
    pub days: Option<i64>,
    pub overdue_days: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitedClause {
    /// As written in front matter.
    pub tag: String,
    pub number: String,
    pub title: String,
    pub standard: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provided {
    pub key: String,
    /// The required document's label, or the key when no catalogue has it.
    pub label: String,
}

impl DocPage {
    pub fn new(site: &Site, i: DocId, content: String) -> DocPage {
        let d = &site.docs[i];
        let rv = &site.reviews[i];
        let g = &site.graph;
        DocPage {
            fields: DocFields::new(site, i),
            review: ReviewData {
                status: rv.status.as_str(),
                label: rv.status.label(),
                days: rv.days,
                overdue_days: rv.days.map(|x| -x),
            },
            url: site.config.page_link(&d.url),
            source: crate::diagnostics::slash_path(&d.file),
            toc: site.rendered[i].toc.clone(),
            extra: d.extra.clone(),
            clauses: d
                .clauses
                .iter()
                .filter_map(|t| {
                    let c = t.clause?;
                    let clause = site.cats.clause(c);
                    Some(CitedClause {
                        tag: t.tag.clone(),
                        number: clause.number.clone(),
                        title: clause.title.clone(),
                        standard: site.cats.list[c.catalogue].title.clone(),
                        url: site.config.page_link(&clause_path(&site.cats, c)),
                    })
                })
                .collect(),
            provides: d
                .provides
                .iter()
                .map(|p| Provided {
                    key: p.value.clone(),
                    label: match site.cats.resolve_provides(&p.value) {
                        crate::catalogue::Provides::Found { catalogue, key, .. } => {
                            site.cats.list[catalogue].required[key].label.clone()
                        }
                        crate::catalogue::Provides::Unknown => p.value.clone(),
                    },
                })
                .collect(),
            content,
            history: site.commits_of(i).take(site.config.history_entries).cloned().collect(),
            history_count: site.commits_of(i).count(),
            backlinks: summaries(site, &g.backlinks[i]),
            related: summaries(site, &g.related[i]),
            supersedes: g.supersedes[i]
                .filter(|&j| site.included[j])
                .map(|j| DocSummary::new(site, j)),
            superseded_by: summaries(site, &g.superseded_by[i]),
            record: d.doc_type.is_record(),
            type_label: d.doc_type.plural_label(),
            series_link: d.series.as_ref().and_then(|s| {
                let k = site
                    .series
                    .iter()
                    .position(|st| site.config.series[st.config].key == s.value)?;
                Some(SeriesLink::new(site, k))
            }),
            findings: (0..d.findings.len()).map(|k| FindingData::new(site, i, k)).collect(),
            prev: site.neighbours(i).0.map(|j| DocSummary::new(site, j)),
            next: site.neighbours(i).1.map(|j| DocSummary::new(site, j)),
        }
    }
}

/// A document page's own fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentData {
    pub page: DocPage,
}

/// `register.html`: `documents`, in register order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterData {
    pub documents: Vec<RegisterRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterRow {
    #[serde(flatten)]
    pub summary: DocSummary,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    pub last_reviewed: Option<String>,
    pub confidentiality: &'static str,
    pub last_changed: Option<String>,
    /// The clauses it cites, as written (`8.6.1`, `iso27001:2022:A.5.24`).
    pub clauses: Vec<String>,
}

impl RegisterData {
    pub fn new(site: &Site) -> RegisterData {
        RegisterData {
            documents: site
                .register_order()
                .into_iter()
                .map(|i| {
                    let d = &site.docs[i];
                    RegisterRow {
                        last_changed: site.last_changed(i),
                        summary: DocSummary::new(site, i),
                        approved_by: d.approved_by.clone(),
                        approved_on: d.approved_on.map(|x| x.to_string()),
                        last_reviewed: d.last_reviewed.map(|x| x.to_string()),
                        confidentiality: d.confidentiality.as_str(),
                        clauses: {
                            let mut tags: Vec<String> = d.clauses.iter().map(|c| c.tag.clone()).collect();
                            tags.dedup();
                            tags
                        },
                    }
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusCount {
    pub status: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageSummary {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub totals: Totals,
    pub percent: u32,
    /// Explicit required documents (catch-alls not counted).
    pub required: Totals,
    pub required_percent: u32,
    /// Implied ("expected") documents.
    pub expected: Totals,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeSection {
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    pub label: &'static str,
    pub documents: Vec<DocSummary>,
}

/// `index.html`: counts, coverage per standard, reviews needing attention,
/// and every document by type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HomeData {
    /// Documents with `nav: first` (an about or orientation page).
    pub start_here: Vec<DocSummary>,
    pub by_type: Vec<TypeCount>,
    pub by_status: Vec<StatusCount>,
    pub coverage: Vec<CoverageSummary>,
    pub reviews: ReviewCounts,
    pub attention: Vec<DocSummary>,
    pub sections: Vec<TypeSection>,
    /// Every record series, with when its next record is due.
    pub series: Vec<SeriesLink>,
    /// Open findings past their due date.
    pub overdue_findings: Vec<FindingData>,
    /// How many findings exceptions accept.
    pub accepted_count: usize,
}

fn by_type(site: &Site) -> Vec<TypeCount> {
    site.count_by_type()
        .into_iter()
        .map(|(t, n)| TypeCount {
            doc_type: t.as_str(),
            label: t.plural_label(),
            count: n,
        })
        .collect()
}

impl HomeData {
    pub fn new(site: &Site) -> HomeData {
        let order = site.register_order();
        HomeData {
            start_here: order
                .iter()
                .filter(|&&i| site.docs[i].nav_first)
                .map(|&i| DocSummary::new(site, i))
                .collect(),
            by_type: by_type(site),
            by_status: site
                .count_by_status()
                .into_iter()
                .map(|(s, n)| StatusCount {
                    status: s.as_str(),
                    count: n,
                })
                .collect(),
            coverage: site
                .coverage
                .standards
                .iter()
                .map(|sc| {
                    let cat = &site.cats.list[sc.catalogue];
                    CoverageSummary {
                        id: cat.id.clone(),
                        slug: cat.slug(),
                        title: cat.title.clone(),
                        totals: sc.totals,
                        percent: sc.totals.percent(),
                        required: sc.required_totals,
                        required_percent: sc.required_totals.percent(),
                        expected: sc.expected_totals,
                    }
                })
                .collect(),
            reviews: site.review_counts(),
            attention: review_list(site, |s| matches!(s, ReviewStatus::Overdue | ReviewStatus::DueSoon)),
            sections: DocType::ALL
                .iter()
                .filter_map(|&t| {
                    let documents: Vec<DocSummary> = order
                        .iter()
                        .filter(|&&i| site.docs[i].doc_type == t)
                        .map(|&i| DocSummary::new(site, i))
                        .collect();
                    (!documents.is_empty()).then(|| TypeSection {
                        doc_type: t.as_str(),
                        label: t.plural_label(),
                        documents,
                    })
                })
                .collect(),
            series: (0..site.series.len()).map(|k| SeriesLink::new(site, k)).collect(),
            overdue_findings: site
                .findings
                .iter()
                .filter(|o| o.overdue)
                .map(|o| FindingData::new(site, o.doc, o.entry))
                .collect(),
            accepted_count: site.accepted.len(),
        }
    }
}

/// Approved documents in the site whose review status matches, by next
/// review date.
fn review_list(site: &Site, pred: impl Fn(ReviewStatus) -> bool) -> Vec<DocSummary> {
    let mut idx: Vec<DocId> = site
        .docs
        .ids()
        .filter(|&i| site.included[i] && pred(site.reviews[i].status) && site.docs[i].status == Status::Approved)
        .collect();
    idx.sort_by_key(|&i| (site.reviews[i].next, natural_key(&site.docs[i].id)));
    idx.into_iter().map(|i| DocSummary::new(site, i)).collect()
}

/// `reviews.html`: the review dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewsData {
    pub counts: ReviewCounts,
    pub sections: Vec<ReviewSection>,
    pub owners: Vec<String>,
    pub due_soon_window: String,
    /// Records at planned intervals: every series and its next due date.
    pub series: Vec<SeriesLink>,
    /// Open findings, by due date.
    pub findings: Vec<FindingData>,
    /// Records past their retention period.
    pub retention_expired: Vec<DocSummary>,
    /// Findings accepted by an exception.
    pub accepted: Vec<AcceptedData>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewSection {
    pub key: &'static str,
    pub title: &'static str,
    pub documents: Vec<DocSummary>,
}

impl ReviewsData {
    pub fn new(site: &Site) -> ReviewsData {
        let today = site.options.today;
        let horizon = crate::dates::Interval::Days(90).add_to(today);
        let included = |i: &DocId| site.included[*i];
        let upcoming = {
            let mut idx: Vec<DocId> = site
                .docs
                .ids()
                .filter(included)
                .filter(|&i| site.docs[i].status == Status::Approved && site.reviews[i].status == ReviewStatus::Ok)
                .filter(|&i| matches!((site.reviews[i].next, horizon), (Some(n), Some(h)) if n <= h))
                .collect();
            idx.sort_by_key(|&i| site.reviews[i].next);
            idx.into_iter().map(|i| DocSummary::new(site, i)).collect()
        };
        let drafts = {
            let mut idx: Vec<DocId> = site
                .docs
                .ids()
                .filter(included)
                .filter(|&i| site.docs[i].status == Status::Draft)
                .collect();
            idx.sort_by_key(|&i| (site.reviews[i].next, natural_key(&site.docs[i].id)));
            idx.into_iter().map(|i| DocSummary::new(site, i)).collect()
        };
        let mut owners: Vec<String> = site
            .docs
            .ids()
            .filter(included)
            .filter_map(|i| site.docs[i].owner.clone())
            .collect();
        owners.sort();
        owners.dedup();
        let section = |key, title, documents| ReviewSection { key, title, documents };
        ReviewsData {
            counts: site.review_counts(),
            sections: vec![
                section(
                    "overdue",
                    "⚠ Overdue",
                    review_list(site, |s| s == ReviewStatus::Overdue),
                ),
                section(
                    "due-soon",
                    "◷ Due soon",
                    review_list(site, |s| s == ReviewStatus::DueSoon),
                ),
                section(
                    "missing",
                    "? No review date",
                    review_list(site, |s| s == ReviewStatus::Missing),
                ),
                section("upcoming", "Upcoming (next 90 days)", upcoming),
                section("drafts", "✎ Drafts (not yet in force)", drafts),
            ],
            owners,
            due_soon_window: site.config.due_soon.to_string(),
            series: (0..site.series.len()).map(|k| SeriesLink::new(site, k)).collect(),
            findings: open_findings(site, |_| true),
            retention_expired: {
                let mut idx: Vec<DocId> = site
                    .docs
                    .ids()
                    .filter(included)
                    .filter(|&i| site.docs[i].status != Status::Draft && site.retention[i].is_some_and(|r| r < today))
                    .collect();
                idx.sort_by_key(|&i| site.retention[i]);
                idx.into_iter().map(|i| DocSummary::new(site, i)).collect()
            },
            accepted: accepted_where(site, |_| true),
        }
    }
}

/// A clause as linked from another clause's page or the coverage page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseLink {
    pub number: String,
    pub title: String,
    pub url: String,
    pub status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardRef {
    pub id: String,
    pub title: String,
}

/// `clause.html`: `clause`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClauseData {
    pub clause: ClausePage,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClausePage {
    pub number: String,
    pub title: String,
    pub standard: StandardRef,
    /// The tag that cites it (`8.6.1`, or qualified for other standards).
    pub tag: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub parent: Option<ClauseLink>,
    pub ancestors: Vec<ClauseLink>,
    pub children: Vec<ClauseLink>,
    pub approved: Vec<DocSummary>,
    pub drafts: Vec<DocSummary>,
    pub required: Vec<RequiredItem>,
    /// Record series that evidence this clause.
    pub series: Vec<SeriesLink>,
    /// Open findings raised against this clause.
    pub findings: Vec<FindingData>,
    /// Findings about this clause accepted by an exception.
    pub accepted: Vec<AcceptedData>,
    /// The clauses of other standards in force on the same topic (the
    /// harmonized-structure crosswalk), with their approved documents.
    pub corresponding: Vec<CorrespondingClause>,
    /// With `[coverage] crosswalk`: the documents that cover it through a
    /// corresponding clause (none cites it itself).
    pub via_crosswalk: Vec<DocSummary>,
}

/// A clause of another standard in force on the same topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrespondingClause {
    pub standard: String,
    pub number: String,
    pub title: String,
    pub url: String,
    pub status: &'static str,
    /// Approved documents citing it directly.
    pub approved: Vec<DocSummary>,
}

/// A required (or expected) document of a catalogue and what provides it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequiredItem {
    pub key: String,
    pub label: String,
    pub basis: String,
    /// "required", "expected" or "informational" (a catch-all: not counted).
    pub counted_as: &'static str,
    pub clauses: Vec<RequiredClause>,
    pub status: &'static str,
    pub approved: Vec<DocSummary>,
    pub drafts: Vec<DocSummary>,
    /// The exception that accepts its absence, if any.
    pub accepted: Option<AcceptedData>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequiredClause {
    pub number: String,
    /// `None` when the catalogue has no such clause.
    pub url: Option<String>,
}

fn clause_url(site: &Site, catalogue: usize, clause: usize) -> String {
    site.config
        .page_link(&clause_path(&site.cats, ClauseRef { catalogue, clause }))
}

impl ClauseData {
    pub fn new(site: &Site, r: ClauseRef) -> ClauseData {
        let cat = &site.cats.list[r.catalogue];
        let clause = &cat.clauses[r.clause];
        let sc = &site.coverage.standards[r.catalogue];
        let row = &sc.rows[r.clause];
        let link = |c: usize| ClauseLink {
            number: cat.clauses[c].number.clone(),
            title: cat.clauses[c].title.clone(),
            url: clause_url(site, r.catalogue, c),
            status: sc.rows[c].status.as_str(),
        };
        let mut ancestors = Vec::new();
        let mut p = clause.parent;
        while let Some(pi) = p {
            ancestors.push(link(pi));
            p = cat.clauses[pi].parent;
        }
        ancestors.reverse();
        ClauseData {
            clause: ClausePage {
                number: clause.number.clone(),
                title: clause.title.clone(),
                standard: StandardRef {
                    id: cat.id.clone(),
                    title: cat.title.clone(),
                },
                tag: crate::coverage::qualified(&site.cats, r.catalogue, &clause.number),
                status: row.status.as_str(),
                status_label: row.status.label(),
                parent: clause.parent.map(link),
                ancestors,
                children: clause.children.iter().map(|&c| link(c)).collect(),
                approved: summaries(site, &row.approved),
                drafts: summaries(site, &row.drafts),
                required: cat
                    .required
                    .iter()
                    .enumerate()
                    .filter(|(_, req)| req.clauses.contains(&clause.number))
                    .map(|(k, req)| RequiredItem::new(site, r.catalogue, k, req))
                    .collect(),
                series: site
                    .series
                    .iter()
                    .enumerate()
                    .filter(|(_, st)| st.clauses.contains(&r))
                    .map(|(k, _)| SeriesLink::new(site, k))
                    .collect(),
                findings: open_findings(site, |f| f.clause == Some(r)),
                accepted: accepted_about_clause(site, r.catalogue, &clause.number),
                via_crosswalk: summaries(site, &site.coverage.standards[r.catalogue].rows[r.clause].via_crosswalk),
                corresponding: site
                    .cats
                    .corresponding(r)
                    .into_iter()
                    .map(|c| {
                        let cl = site.cats.clause(c);
                        let row = &site.coverage.standards[c.catalogue].rows[c.clause];
                        CorrespondingClause {
                            standard: site.cats.list[c.catalogue].title.clone(),
                            number: cl.number.clone(),
                            title: cl.title.clone(),
                            url: clause_url(site, c.catalogue, c.clause),
                            status: row.status.as_str(),
                            approved: summaries(site, &row.approved),
                        }
                    })
                    .collect(),
            },
        }
    }
}

impl RequiredItem {
    pub fn new(site: &Site, catalogue: usize, k: usize, req: &RequiredDoc) -> RequiredItem {
        let row = &site.coverage.standards[catalogue].required[k];
        RequiredItem {
            key: req.key.clone(),
            label: req.label.clone(),
            basis: req.basis.clone(),
            counted_as: req.counted_as(),
            clauses: req
                .clauses
                .iter()
                .map(|c| RequiredClause {
                    number: c.clone(),
                    url: site.cats.list[catalogue]
                        .get(c)
                        .map(|ci| clause_url(site, catalogue, ci)),
                })
                .collect(),
            status: row.status.required_str(),
            approved: summaries(site, &row.approved),
            drafts: summaries(site, &row.drafts),
            accepted: accepted_where(site, |a| {
                a.finding.code == crate::diagnostics::Code::MissingRequiredDocument
                    && a.finding.subject.as_deref() == Some(req.key.as_str())
            })
            .into_iter()
            .next(),
        }
    }
}

/// The accepted `uncovered-clause` finding of a clause, if any.
fn accepted_about_clause(site: &Site, catalogue: usize, number: &str) -> Vec<AcceptedData> {
    let tag = crate::coverage::qualified(&site.cats, catalogue, number);
    accepted_where(site, |a| {
        a.finding.code == crate::diagnostics::Code::UncoveredClause
            && a.finding.subject.as_deref() == Some(tag.as_str())
    })
}

/// `clauses.html`: the clause tree of each standard in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClausesData {
    pub standards: Vec<StandardTree>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardTree {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub name: String,
    pub clauses: Vec<TreeClause>,
    pub totals: Totals,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TreeClause {
    pub number: String,
    pub title: String,
    pub depth: usize,
    pub url: String,
    pub status: &'static str,
    pub status_label: &'static str,
    /// Documents citing it (approved and drafts).
    pub documents: usize,
}

impl ClausesData {
    pub fn new(site: &Site) -> ClausesData {
        ClausesData {
            standards: site
                .cats
                .list
                .iter()
                .enumerate()
                .map(|(ci, cat)| {
                    let sc = &site.coverage.standards[ci];
                    StandardTree {
                        id: cat.id.clone(),
                        slug: cat.slug(),
                        title: cat.title.clone(),
                        name: cat.name.clone(),
                        clauses: cat
                            .clauses
                            .iter()
                            .enumerate()
                            .map(|(c, clause)| {
                                let row = &sc.rows[c];
                                TreeClause {
                                    number: clause.number.clone(),
                                    title: clause.title.clone(),
                                    depth: clause.depth,
                                    url: clause_url(site, ci, c),
                                    status: row.status.as_str(),
                                    status_label: row.status.label(),
                                    documents: row.approved.len() + row.drafts.len(),
                                }
                            })
                            .collect(),
                        totals: sc.totals,
                        percent: sc.totals.percent(),
                    }
                })
                .collect(),
        }
    }
}

/// `coverage.html`: the coverage matrix and the required-documents
/// checklist of each standard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageData {
    pub types: Vec<TypeLabel>,
    pub standards: Vec<StandardCoverageData>,
    /// Coverage findings accepted by an exception (uncovered clauses,
    /// missing required documents).
    pub accepted: Vec<AcceptedData>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeLabel {
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardCoverageData {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub totals: Totals,
    pub percent: u32,
    /// Explicit required documents (catch-alls not counted).
    pub required_totals: Totals,
    pub required_percent: u32,
    /// Implied ("expected") documents.
    pub expected_totals: Totals,
    /// It has controls: the Statement of Applicability (`/soa/`) lists them.
    pub has_controls: bool,
    pub groups: Vec<CoverageGroup>,
    pub required: Vec<RequiredItem>,
}

/// A top-level clause and the rows below it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageGroup {
    pub number: String,
    pub title: String,
    pub url: String,
    pub totals: Totals,
    pub percent: u32,
    pub rows: Vec<CoverageRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    pub number: String,
    pub title: String,
    pub depth: usize,
    pub leaf: bool,
    pub url: String,
    pub status: &'static str,
    pub status_label: &'static str,
    /// The documents that cite it (approved first, then drafts; retired
    /// and excluded documents never), each with its type and status, so
    /// that a covered row always shows its evidence.
    pub documents: Vec<DocSummary>,
    /// Open findings raised against the clause (shown amber, not green).
    pub findings: Vec<FindingData>,
    /// Its accepted `uncovered-clause` finding, if any.
    pub accepted: Option<AcceptedData>,
    /// With `[coverage] crosswalk`: what covers it through a corresponding
    /// clause of another standard (no document cites it itself).
    pub via_crosswalk: Vec<DocSummary>,
}

impl CoverageData {
    pub fn new(site: &Site) -> CoverageData {
        CoverageData {
            types: DocType::ALL
                .iter()
                .map(|t| TypeLabel {
                    doc_type: t.as_str(),
                    label: t.plural_label(),
                })
                .collect(),
            standards: site
                .coverage
                .standards
                .iter()
                .map(|sc| {
                    let ci = sc.catalogue;
                    let cat = &site.cats.list[ci];
                    let row_data = |c: usize| {
                        let clause = &cat.clauses[c];
                        let row = &sc.rows[c];
                        CoverageRow {
                            number: clause.number.clone(),
                            title: clause.title.clone(),
                            depth: clause.depth,
                            leaf: clause.children.is_empty(),
                            url: clause_url(site, ci, c),
                            status: row.status.as_str(),
                            status_label: row.status.label(),
                            documents: row
                                .approved
                                .iter()
                                .chain(&row.drafts)
                                .filter(|&&i| site.included[i])
                                .map(|&i| DocSummary::new(site, i))
                                .collect(),
                            findings: open_findings(site, |f| {
                                f.clause
                                    == Some(ClauseRef {
                                        catalogue: ci,
                                        clause: c,
                                    })
                            }),
                            accepted: accepted_about_clause(site, ci, &clause.number).into_iter().next(),
                            via_crosswalk: summaries(site, &row.via_crosswalk),
                        }
                    };
                    StandardCoverageData {
                        id: cat.id.clone(),
                        slug: cat.slug(),
                        title: cat.title.clone(),
                        totals: sc.totals,
                        percent: sc.totals.percent(),
                        required_totals: sc.required_totals,
                        required_percent: sc.required_totals.percent(),
                        expected_totals: sc.expected_totals,
                        has_controls: cat.clauses.iter().any(|c| c.number.starts_with("A.") && c.depth == 1),
                        groups: cat
                            .clauses
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.parent.is_none())
                            .map(|(g, group)| {
                                let totals = sc.group_totals[g].unwrap_or_default();
                                CoverageGroup {
                                    number: group.number.clone(),
                                    title: group.title.clone(),
                                    url: clause_url(site, ci, g),
                                    totals,
                                    percent: totals.percent(),
                                    rows: cat.subtree(g).into_iter().skip(1).map(row_data).collect(),
                                }
                            })
                            .collect(),
                        required: cat
                            .required
                            .iter()
                            .enumerate()
                            .map(|(k, req)| RequiredItem::new(site, ci, k, req))
                            .collect(),
                    }
                })
                .collect(),
            accepted: accepted_where(site, |a| {
                matches!(
                    a.finding.code,
                    crate::diagnostics::Code::UncoveredClause | crate::diagnostics::Code::MissingRequiredDocument
                )
            }),
        }
    }
}

/// `print.html`: the cover, contents and page setup of the print handbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrintData {
    /// The printed documents, in register order.
    pub documents: Vec<PrintEntry>,
    pub by_type: Vec<TypeLabelCount>,
    /// CSS page size: `A4` or `letter` (`[print] paper`).
    pub paper: &'static str,
    /// The marking on every page ("Uncontrolled when printed"; may be empty).
    pub marking: String,
    /// Drafts and retired documents not printed (`[print] drafts`,
    /// `retired`; `smsdoc pdf --drafts --retired`).
    pub drafts_left_out: usize,
    pub retired_left_out: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrintEntry {
    #[serde(flatten)]
    pub summary: DocSummary,
    /// public, internal or confidential: in the running header of its pages.
    pub confidentiality: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeLabelCount {
    pub label: &'static str,
    pub count: usize,
}

impl PrintData {
    pub fn new(site: &Site, order: &[DocId]) -> PrintData {
        let mut by_type: Vec<TypeLabelCount> = Vec::new();
        for t in DocType::ALL {
            let count = order.iter().filter(|&&i| site.docs[i].doc_type == t).count();
            if count > 0 {
                by_type.push(TypeLabelCount {
                    label: t.plural_label(),
                    count,
                });
            }
        }
        let (drafts_left_out, retired_left_out) = site.left_out_of_print();
        PrintData {
            documents: order
                .iter()
                .map(|&i| PrintEntry {
                    summary: DocSummary::new(site, i),
                    confidentiality: site.docs[i].confidentiality.as_str(),
                })
                .collect(),
            by_type,
            paper: site.config.print.paper.css(),
            marking: site.config.print.marking.clone(),
            drafts_left_out,
            retired_left_out,
        }
    }
}

/// `series.html`: one record series: its plan, its records over time and
/// when the next is due.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesData {
    pub series: SeriesPage,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesPage {
    #[serde(flatten)]
    pub link: SeriesLink,
    pub grace: Option<String>,
    pub clauses: Vec<ClauseLink>,
    /// Newest first.
    pub instances: Vec<SeriesInstance>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesInstance {
    pub date: String,
    /// False for drafts and records dated after today: they are not yet
    /// evidence.
    pub counts: bool,
    pub document: DocSummary,
}

impl SeriesData {
    pub fn new(site: &Site, k: usize) -> SeriesData {
        let st = &site.series[k];
        let sc = &site.config.series[st.config];
        SeriesData {
            series: SeriesPage {
                link: SeriesLink::new(site, k),
                grace: sc.grace.map(|g| g.to_string()),
                clauses: st
                    .clauses
                    .iter()
                    .map(|&r| {
                        let c = site.cats.clause(r);
                        ClauseLink {
                            number: c.number.clone(),
                            title: c.title.clone(),
                            url: clause_url(site, r.catalogue, r.clause),
                            status: site.coverage.standards[r.catalogue].rows[r.clause].status.as_str(),
                        }
                    })
                    .collect(),
                instances: st
                    .instances
                    .iter()
                    .rev()
                    .map(|&i| SeriesInstance {
                        date: site.docs[i]
                            .date
                            .as_ref()
                            .map(|d| d.value.to_string())
                            .unwrap_or_default(),
                        counts: crate::series::counts(&site.docs[i], site.options.today),
                        document: DocSummary::new(site, i),
                    })
                    .collect(),
            },
        }
    }
}

/// `soa.html` (and `soa.json`/`soa.csv`): the Statement of Applicability of
/// each standard in force with controls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoaData {
    pub standards: Vec<SoaStandard>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoaStandard {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub applicable: usize,
    pub excluded: usize,
    /// Controls the Statement of Applicability does not decide.
    pub not_stated: usize,
    pub controls: Vec<SoaRow>,
}

/// One control: whether it applies, why not, who decided, and the
/// documents that implement it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SoaRow {
    pub control: String,
    pub title: String,
    pub url: String,
    /// "yes", "no" or "not stated".
    pub applicable: &'static str,
    pub justification: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<String>,
    /// Coverage status: covered, draft-only, gap or excluded.
    pub status: &'static str,
    pub status_label: &'static str,
    /// Approved documents citing it.
    pub documents: Vec<DocSummary>,
}

impl SoaData {
    pub fn new(site: &Site) -> SoaData {
        let standards = site
            .cats
            .list
            .iter()
            .enumerate()
            .filter_map(|(ci, cat)| {
                let controls: Vec<SoaRow> = cat
                    .clauses
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.number.starts_with("A.") && c.depth == 1)
                    .map(|(i, c)| {
                        let r = crate::catalogue::ClauseRef {
                            catalogue: ci,
                            clause: i,
                        };
                        let decision = site.soa.iter().find(|d| d.control == r);
                        let row = &site.coverage.standards[ci].rows[i];
                        SoaRow {
                            control: c.number.clone(),
                            title: c.title.clone(),
                            url: clause_url(site, ci, i),
                            applicable: match decision {
                                Some(d) if d.applicable => "yes",
                                Some(_) => "no",
                                None => "not stated",
                            },
                            justification: decision.and_then(|d| d.justification.clone()),
                            approved_by: decision.and_then(|d| d.approved_by.clone()),
                            approved_on: decision.and_then(|d| d.approved_on.clone()),
                            status: row.status.as_str(),
                            status_label: row.status.label(),
                            documents: summaries(site, &row.approved),
                        }
                    })
                    .collect();
                if controls.is_empty() {
                    return None;
                }
                let count = |a: &str| controls.iter().filter(|c| c.applicable == a).count();
                Some(SoaStandard {
                    id: cat.id.clone(),
                    slug: cat.slug(),
                    title: cat.title.clone(),
                    applicable: count("yes"),
                    excluded: count("no"),
                    not_stated: count("not stated"),
                    controls,
                })
            })
            .collect();
        SoaData { standards }
    }
}

/// Pages with nothing of their own (`404.html`, `search.html`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoData {}

/// The context of a page other than a document page, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OverviewData {
    Home(HomeData),
    Register(RegisterData),
    Coverage(CoverageData),
    Reviews(ReviewsData),
    Clauses(ClausesData),
    Clause(Box<ClauseData>),
    Series(Box<SeriesData>),
    Soa(SoaData),
    Print(PrintData),
    Empty(NoData),
}
