//! Machine-readable exports: coverage, register and review calendars as
//! CSV/JSON/Markdown/iCalendar, and the sitemap (the search index is
//! `search`). The same functions feed the site files and `smsdoc export`.

use crate::context::DocFields;
use crate::layout::{Export, SiteFile, FIXED_PAGES};
use crate::model::DocId;
use crate::model::Status;
use crate::reviews::ReviewStatus;
use crate::site::Site;
use serde::Serialize;
use serde_json::{json, Value};

/// The files of one export of the layout. The search index's JSON and
/// script come together from one index ([`Export::SearchIndexJson`]); a
/// build makes them from entries collected while rendering the document
/// pages instead (`search::files_from`).
pub fn files(site: &Site, export: Export) -> Vec<SiteFile> {
    let one = |data: Vec<u8>| vec![SiteFile::bytes(export.path(), data)];
    match export {
        Export::SearchIndexJson => crate::search::files(crate::search::index(site)),
        Export::SearchIndexJs => Vec::new(),
        Export::CoverageJson => one(pretty(&coverage_json(site))),
        Export::CoverageCsv => one(coverage_csv(site).into_bytes()),
        Export::RegisterJson => one(pretty(&register_json(site))),
        Export::RegisterCsv => one(register_csv(site).into_bytes()),
        Export::ReviewsIcs => one(reviews_ics(site).into_bytes()),
        Export::SeriesJson => one(pretty(&series_json(site))),
        Export::SeriesCsv => one(series_csv(site).into_bytes()),
        Export::SoaJson => one(pretty(&soa_json(site))),
        Export::SoaCsv => one(soa_csv(site).into_bytes()),
        Export::Sitemap => one(sitemap(site).into_bytes()),
        Export::DocTree => one(doc_tree_js(site)),
    }
}

/// `doc-tree.js`: the sidebar's document tree, `nav: first` documents
/// under "Start here", then by type in register order; each document as
/// `[id, title, link from the site root, status]`. The page script draws it
/// (and marks the current page), so a page does not carry the whole tree.
pub fn doc_tree_js(site: &Site) -> Vec<u8> {
    let entry = |i: DocId| {
        let d = &site.docs[i];
        json!([d.id, d.title, site.config.page_link(&d.url), d.status.as_str()])
    };
    let order = site.register_order();
    let mut groups = Vec::new();
    let first: Vec<Value> = order
        .iter()
        .copied()
        .filter(|&i| site.docs[i].nav_first)
        .map(entry)
        .collect();
    if !first.is_empty() {
        groups.push(json!({"label": "Start here", "docs": first}));
    }
    for t in crate::model::DocType::ALL {
        let docs: Vec<Value> = order
            .iter()
            .copied()
            .filter(|&i| site.docs[i].doc_type == t && !site.docs[i].nav_first)
            .map(entry)
            .collect();
        if !docs.is_empty() {
            groups.push(json!({"label": t.plural_label(), "type": t.as_str(), "docs": docs}));
        }
    }
    let json = crate::search::html_safe(serde_json::to_vec(&json!({ "groups": groups })).unwrap_or_default());
    let mut js = b"window.SMSDOC_DOC_TREE = ".to_vec();
    js.extend_from_slice(&json);
    js.extend_from_slice(b";\n");
    js
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = crate::search::html_safe(serde_json::to_vec_pretty(v).unwrap_or_default());
    out.push(b'\n');
    out
}

/// A page's URL in exports: absolute (or root-relative) with a configured
/// base_url, otherwise relative to the site root.
fn abs_url(site: &Site, path: &str) -> String {
    if site.config.relative {
        site.config.page_link(path)
    } else {
        format!("{}{}", site.config.base_url, path)
    }
}

/// The documents behind a coverage row (approved first, then drafts) that
/// are part of the site (`--no-drafts` leaves drafts out).
fn in_site<'a>(site: &'a Site, approved: &'a [DocId], drafts: &'a [DocId]) -> impl Iterator<Item = DocId> + 'a {
    approved
        .iter()
        .chain(drafts)
        .copied()
        .filter(move |&i| site.included[i])
}

fn doc_ref(site: &Site, i: DocId) -> Value {
    let d = &site.docs[i];
    json!({ "id": d.id, "title": d.title, "status": d.status.as_str(), "url": abs_url(site, &d.url) })
}

/// Required or expected documents: how many are present, draft only, missing.
fn counts(t: &crate::coverage::Totals) -> Value {
    json!({ "present": t.covered, "draft_only": t.draft_only, "missing": t.gaps })
}

/// `coverage.json`: the default standard in the SPEC shape, plus every
/// other standard in force under `standards`.
pub fn coverage_json(site: &Site) -> Value {
    let per_standard: Vec<Value> = site
        .coverage
        .standards
        .iter()
        .map(|sc| {
            let cat = &site.cats.list[sc.catalogue];
            let clauses: Vec<Value> = cat
                .clauses
                .iter()
                .enumerate()
                .filter(|(_, c)| c.parent.is_some())
                .map(|(c, clause)| {
                    let row = &sc.rows[c];
                    let docs: Vec<Value> = in_site(site, &row.approved, &row.drafts).map(|i| doc_ref(site, i)).collect();
                    let via: Vec<Value> = row.via_crosswalk.iter().map(|&i| doc_ref(site, i)).collect();
                    let mut v = json!({ "number": clause.number, "title": clause.title, "status": row.status.as_str(), "documents": docs });
                    if !via.is_empty() {
                        v["via_crosswalk"] = Value::Array(via);
                    }
                    v
                })
                .collect();
            let required: Vec<Value> = cat
                .required
                .iter()
                .zip(&sc.required)
                .map(|(req, row)| {
                    let docs: Vec<Value> = in_site(site, &row.approved, &row.drafts).map(|i| doc_ref(site, i)).collect();
                    json!({
                        "key": req.key, "label": req.label, "basis": req.basis, "clauses": req.clauses,
                        "counted_as": req.counted_as(),
                        "status": if req.informational { "informational" } else { row.status.required_str() },
                        "documents": docs,
                    })
                })
                .collect();
            json!({
                "standard": cat.id,
                "title": cat.title,
                "totals": sc.totals,
                "required": counts(&sc.required_totals),
                "expected": counts(&sc.expected_totals),
                "clauses": clauses,
                "required_documents": required,
            })
        })
        .collect();
    let mut first = per_standard.first().cloned().unwrap_or_else(|| json!({}));
    if let Some(o) = first.as_object_mut() {
        o.insert("standards".into(), Value::Array(per_standard));
        o.insert("build".into(), json!(site.identity));
    }
    first
}

fn csv_string(rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The clause rows of one standard's coverage (its top-level headings
/// aside), each with the ids of the documents in the site that cite it.
fn clause_rows<'a>(
    site: &'a Site,
    sc: &'a crate::coverage::StandardCoverage,
) -> impl Iterator<Item = (&'a crate::catalogue::Clause, &'a crate::coverage::Row, Vec<&'a str>)> + 'a {
    let cat = &site.cats.list[sc.catalogue];
    cat.clauses
        .iter()
        .zip(&sc.rows)
        .filter(|(clause, _)| clause.parent.is_some())
        .map(move |(clause, row)| {
            let ids = in_site(site, &row.approved, &row.drafts)
                .map(|i| site.docs[i].id.as_str())
                .collect();
            (clause, row, ids)
        })
}

pub fn coverage_csv(site: &Site) -> String {
    let mut rows = vec![vec!["standard", "number", "title", "status", "documents"]
        .into_iter()
        .map(String::from)
        .collect()];
    for sc in &site.coverage.standards {
        let cat = &site.cats.list[sc.catalogue];
        for (clause, row, ids) in clause_rows(site, sc) {
            rows.push(vec![
                cat.id.clone(),
                clause.number.clone(),
                clause.title.clone(),
                row.status.as_str().into(),
                ids.join(" "),
            ]);
        }
    }
    csv_string(rows)
}

pub fn coverage_md(site: &Site) -> String {
    let mut out = String::new();
    for sc in &site.coverage.standards {
        let cat = &site.cats.list[sc.catalogue];
        out.push_str(&format!(
            "## {} coverage: {} of {} clauses covered ({}%)\n\n| Clause | Title | Status | Documents |\n|---|---|---|---|\n",
            cat.title,
            sc.totals.covered,
            sc.totals.clauses,
            sc.totals.percent()
        ));
        for (clause, row, ids) in clause_rows(site, sc) {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                clause.number,
                md_cell(&clause.title),
                row.status.label(),
                ids.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

/// Text for a Markdown table cell: backslash escapes keep it plain text
/// when the export is rendered (`<script>` or `[x](javascript:…)` in a
/// title stays text), and pipes and newlines cannot break the table.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '|' | '<' | '>' | '[' | ']' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A document in `register.json` and `register.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterRecord {
    #[serde(flatten)]
    pub fields: DocFields,
    /// As tagged in front matter.
    pub clauses: Vec<String>,
    pub review_status: &'static str,
    pub provides: Vec<String>,
    pub related: Vec<String>,
    pub supersedes: Option<String>,
    /// Source file, relative to the root.
    pub path: String,
    pub url: String,
}

impl RegisterRecord {
    /// CSV columns, in the order of the fields.
    pub const COLUMNS: [&'static str; 26] = [
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
        "review_status",
        "provides",
        "related",
        "supersedes",
        "tags",
        "confidentiality",
        "path",
        "url",
        "last_changed",
        "date",
        "series",
        "retention",
        "retain_until",
        "disposition",
    ];

    pub fn new(site: &Site, i: DocId) -> RegisterRecord {
        let d = &site.docs[i];
        RegisterRecord {
            fields: DocFields::new(site, i),
            clauses: d.clauses.iter().map(|c| c.tag.clone()).collect(),
            review_status: site.reviews[i].status.as_str(),
            provides: d.provides.iter().map(|p| p.value.clone()).collect(),
            related: d.related.iter().map(|p| p.value.clone()).collect(),
            supersedes: d.supersedes.as_ref().map(|s| s.value.clone()),
            path: crate::diagnostics::slash_path(&d.file),
            url: abs_url(site, &d.url),
        }
    }

    /// The CSV cells, in `COLUMNS` order (lists space-separated).
    pub fn cells(&self) -> Vec<String> {
        let o = |x: &Option<String>| x.clone().unwrap_or_default();
        let f = &self.fields;
        vec![
            f.id.clone(),
            f.title.clone(),
            f.doc_type.to_string(),
            o(&f.owner),
            f.status.to_string(),
            o(&f.version),
            self.clauses.join(" "),
            o(&f.approved_by),
            o(&f.approved_on),
            o(&f.last_reviewed),
            o(&f.review_interval),
            o(&f.next_review),
            self.review_status.to_string(),
            self.provides.join(" "),
            self.related.join(" "),
            o(&self.supersedes),
            f.tags.join(" "),
            f.confidentiality.to_string(),
            self.path.clone(),
            self.url.clone(),
            o(&f.last_changed),
            o(&f.date),
            o(&f.series),
            o(&f.retention),
            o(&f.retain_until),
            o(&f.disposition),
        ]
    }
}

pub fn register_json(site: &Site) -> Value {
    let docs: Vec<RegisterRecord> = site
        .register_order()
        .into_iter()
        .map(|i| RegisterRecord::new(site, i))
        .collect();
    json!({ "title": site.config.title, "generated": site.options.today.to_string(), "build": site.identity, "documents": docs })
}

pub fn register_csv(site: &Site) -> String {
    let mut rows = vec![RegisterRecord::COLUMNS.iter().map(|s| s.to_string()).collect()];
    rows.extend(
        site.register_order()
            .into_iter()
            .map(|i| RegisterRecord::new(site, i).cells()),
    );
    csv_string(rows)
}

pub fn register_md(site: &Site) -> String {
    let mut out = format!(
        "# Document register — {}\n\nGenerated {}.\n\n| ID | Title | Type | Owner | Status | Version | Approved | Last review | Next review |\n|---|---|---|---|---|---|---|---|---|\n",
        md_cell(&site.config.title),
        site.options.today
    );
    for i in site.register_order() {
        let d = &site.docs[i];
        let o = |x: &Option<String>| x.as_deref().map(md_cell).unwrap_or_default();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            d.id,
            md_cell(&d.title),
            d.doc_type.as_str(),
            o(&d.owner),
            d.status.as_str(),
            o(&d.version),
            d.approved_on.map(|x| x.to_string()).unwrap_or_default(),
            d.last_reviewed.map(|x| x.to_string()).unwrap_or_default(),
            site.reviews[i].next.map(|x| x.to_string()).unwrap_or_default(),
        ));
    }
    out
}

/// Documents with a next review date, for the calendar and review exports:
/// approved and draft documents (retired ones are exempt).
fn reviewable(site: &Site) -> Vec<DocId> {
    let mut idx: Vec<DocId> = site
        .docs
        .ids()
        .filter(|&i| site.included[i] && site.docs[i].status != Status::Retired && site.reviews[i].next.is_some())
        .collect();
    idx.sort_by_key(|&i| (site.reviews[i].next, crate::site::natural_key(&site.docs[i].id)));
    idx
}

/// RFC 5545 calendar with one all-day event per next review date.
pub fn reviews_ics(site: &Site) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!("PRODID:-//smsdoc//smsdoc {}//EN", env!("CARGO_PKG_VERSION")),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", ics_text(&format!("{} — reviews", site.config.title))),
    ];
    // DTSTAMP must be a UTC date-time; the build's "today" keeps output
    // deterministic (same input, same calendar).
    let stamp = format!("{}T000000Z", site.options.today.strftime("%Y%m%d"));
    let host = uid_host(&site.config.title);
    // One all-day event; URL takes a URI: only an absolute base URL makes one.
    let mut event = |uid: String, day: jiff::civil::Date, summary: String, desc: &str, category: &str, url: String| {
        let end = day.tomorrow().unwrap_or(day);
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}@{host}"),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{}", day.strftime("%Y%m%d")),
            format!("DTEND;VALUE=DATE:{}", end.strftime("%Y%m%d")),
            format!("SUMMARY:{}", ics_text(&summary)),
            format!("DESCRIPTION:{}", ics_text(desc)),
            format!("CATEGORIES:{}", ics_text(category)),
            "TRANSP:TRANSPARENT".into(),
        ]);
        lines.extend(Some(url).filter(|u| u.contains("://")).map(|u| format!("URL:{u}")));
        lines.push("END:VEVENT".into());
    };
    for i in reviewable(site) {
        let d = &site.docs[i];
        let Some(next) = site.reviews[i].next else { continue };
        let mut desc = format!("Review of {} {} ({}).", d.id, d.title, d.doc_type.as_str());
        if let Some(o) = &d.owner {
            desc.push_str(&format!(" Owner: {o}."));
        }
        if d.status == Status::Draft {
            desc.push_str(" Document is a draft.");
        }
        let category = match site.reviews[i].status {
            ReviewStatus::Overdue => "overdue",
            ReviewStatus::DueSoon => "due-soon",
            _ => "scheduled",
        };
        let summary = format!("Review due: {} {}", d.id, d.title);
        event(
            format!("review-{}", d.id),
            next,
            summary,
            &desc,
            category,
            abs_url(site, &d.url),
        );
    }
    // The next record of each series, on its due date.
    for st in &site.series {
        let sc = &site.config.series[st.config];
        let Some(due) = st.due else { continue };
        let mut desc = format!("Next record of {} (every {}).", sc.title, sc.every);
        if let Some(o) = &sc.owner {
            desc.push_str(&format!(" Owner: {o}."));
        }
        let url = abs_url(site, &crate::layout::series_dir(&sc.key));
        let summary = format!("Record due: {}", sc.title);
        event(
            format!("series-{}", sc.key),
            due,
            summary,
            &desc,
            st.status.as_str(),
            url,
        );
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        fold_ics_line(&l, &mut out);
    }
    out
}

fn uid_host(title: &str) -> String {
    let slug: String = title
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect();
    format!(
        "{}.smsdoc",
        if slug.is_empty() {
            "handbook"
        } else {
            slug.trim_matches('-')
        }
    )
}

/// TEXT value escaping (RFC 5545 3.3.11).
pub fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a UTF-8 character) and
/// ends it with CRLF.
pub fn fold_ics_line(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// A document in `reviews.json` and `reviews.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRecord {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    pub status: &'static str,
    pub owner: Option<String>,
    pub next_review: Option<String>,
    pub review_status: &'static str,
    /// Days from `--today` to the next review (negative when overdue).
    pub days: Option<i64>,
    pub url: String,
}

impl ReviewRecord {
    /// CSV columns, in the order of the fields.
    pub const COLUMNS: [&'static str; 9] = [
        "id",
        "title",
        "type",
        "status",
        "owner",
        "next_review",
        "review_status",
        "days",
        "url",
    ];

    pub fn new(site: &Site, i: DocId) -> ReviewRecord {
        let d = &site.docs[i];
        let r = &site.reviews[i];
        ReviewRecord {
            id: d.id.clone(),
            title: d.title.clone(),
            doc_type: d.doc_type.as_str(),
            status: d.status.as_str(),
            owner: d.owner.clone(),
            next_review: r.next.map(|x| x.to_string()),
            review_status: r.status.as_str(),
            days: r.days,
            url: abs_url(site, &d.url),
        }
    }

    /// The CSV cells, in `COLUMNS` order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.id.clone(),
            self.title.clone(),
            self.doc_type.to_string(),
            self.status.to_string(),
            self.owner.clone().unwrap_or_default(),
            self.next_review.clone().unwrap_or_default(),
            self.review_status.to_string(),
            self.days.map(|d| d.to_string()).unwrap_or_default(),
            self.url.clone(),
        ]
    }
}

/// The documents of the review exports: those with a next review date,
/// then those missing one.
fn review_records(site: &Site) -> Vec<ReviewRecord> {
    reviewable(site)
        .into_iter()
        .chain(
            site.docs
                .ids()
                .filter(|&i| site.included[i] && site.reviews[i].status == ReviewStatus::Missing),
        )
        .map(|i| ReviewRecord::new(site, i))
        .collect()
}

pub fn reviews_json(site: &Site) -> Value {
    json!({ "today": site.options.today.to_string(), "build": site.identity, "counts": site.review_counts(), "documents": review_records(site) })
}

pub fn reviews_csv(site: &Site) -> String {
    let mut rows = vec![ReviewRecord::COLUMNS.iter().map(|s| s.to_string()).collect()];
    rows.extend(review_records(site).iter().map(ReviewRecord::cells));
    csv_string(rows)
}

pub fn sitemap(site: &Site) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut push = |path: &str| {
        out.push_str("  <url><loc>");
        out.push_str(&xml_escape(&abs_url(site, path)));
        out.push_str("</loc></url>\n");
    };
    for p in FIXED_PAGES.iter().filter(|p| p.in_sitemap) {
        push(p.path.trim_end_matches("index.html"));
    }
    for i in site.register_order() {
        push(&site.docs[i].url);
    }
    out.push_str("</urlset>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod record_tests {
    use super::*;

    /// Every field of a record has its CSV column: a field added without a
    /// column (or the other way round) fails here.
    fn columns_match<T: Serialize>(record: &T, columns: &[&str], cells: usize) {
        let json = serde_json::to_value(record).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut columns = columns.to_vec();
        keys.sort_unstable();
        columns.sort_unstable();
        assert_eq!(keys, columns);
        assert_eq!(cells, columns.len());
    }

    #[test]
    fn record_columns_follow_the_fields() {
        let r = ReviewRecord {
            id: "a".into(),
            title: "b".into(),
            doc_type: "policy",
            status: "approved",
            owner: None,
            next_review: None,
            review_status: "ok",
            days: None,
            url: "u".into(),
        };
        columns_match(&r, &ReviewRecord::COLUMNS, r.cells().len());
        let g = RegisterRecord {
            fields: DocFields {
                id: "a".into(),
                title: "b".into(),
                doc_type: "policy",
                owner: None,
                status: "approved",
                version: None,
                approved_by: None,
                approved_on: None,
                last_reviewed: None,
                review_interval: None,
                next_review: None,
                tags: vec![],
                confidentiality: "internal",
                last_changed: None,
                date: None,
                series: None,
                retention: None,
                retain_until: None,
                disposition: None,
            },
            clauses: vec![],
            review_status: "ok",
            provides: vec![],
            related: vec![],
            supersedes: None,
            path: "p".into(),
            url: "u".into(),
        };
        columns_match(&g, &RegisterRecord::COLUMNS, g.cells().len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_and_escape() {
        let mut out = String::new();
        fold_ics_line(&format!("SUMMARY:{}", "é".repeat(60)), &mut out);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert!(out.ends_with("\r\n"));
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}

/// One record series as exported (`series.json` rows and `series.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesRecord {
    pub key: String,
    pub title: String,
    pub every: String,
    pub grace: Option<String>,
    pub owner: Option<String>,
    pub clauses: Vec<String>,
    pub status: &'static str,
    pub latest: Option<String>,
    pub latest_id: Option<String>,
    pub due: Option<String>,
    pub deadline: Option<String>,
    pub records: Vec<String>,
    /// "accepted until …, by …: reason" when an exception accepts its finding.
    pub accepted: Option<String>,
    pub url: String,
}

pub fn series_records(site: &Site) -> Vec<SeriesRecord> {
    let link = |k| crate::context::SeriesLink::new(site, k);
    site.series
        .iter()
        .enumerate()
        .map(|(k, st)| {
            let sc = &site.config.series[st.config];
            let l = link(k);
            SeriesRecord {
                key: sc.key.clone(),
                title: sc.title.clone(),
                every: sc.every.to_string(),
                grace: sc.grace.map(|g| g.to_string()),
                owner: sc.owner.clone(),
                clauses: st
                    .clauses
                    .iter()
                    .map(|&r| crate::coverage::qualified(&site.cats, r.catalogue, &site.cats.clause(r).number))
                    .collect(),
                status: st.status.as_str(),
                latest: l.latest,
                latest_id: st.latest.map(|i| site.docs[i].id.clone()),
                due: l.due,
                deadline: l.deadline,
                records: st.instances.iter().map(|&i| site.docs[i].id.clone()).collect(),
                accepted: l.accepted.map(|a| a.summary),
                url: abs_url(site, &crate::layout::series_dir(&sc.key)),
            }
        })
        .collect()
}

pub fn series_json(site: &Site) -> Value {
    json!({
        "version": 1,
        "today": site.options.today.to_string(),
        "build": site.identity,
        "series": series_records(site),
    })
}

pub fn series_csv(site: &Site) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "key",
        "title",
        "every",
        "grace",
        "owner",
        "clauses",
        "status",
        "latest",
        "latest_id",
        "due",
        "deadline",
        "records",
        "accepted",
        "url",
    ]);
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    for r in series_records(site) {
        let _ = w.write_record([
            r.key.clone(),
            r.title.clone(),
            r.every.clone(),
            opt(&r.grace),
            opt(&r.owner),
            r.clauses.join(" "),
            r.status.to_string(),
            opt(&r.latest),
            opt(&r.latest_id),
            opt(&r.due),
            opt(&r.deadline),
            r.records.join(" "),
            opt(&r.accepted),
            r.url.clone(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `soa.json`: the Statement of Applicability of each standard in force
/// with controls (empty without one).
pub fn soa_json(site: &Site) -> Value {
    json!({
        "version": 1,
        "today": site.options.today.to_string(),
        "build": site.identity,
        "standards": crate::context::SoaData::new(site).standards.iter().map(|s| json!({
            "standard": s.id,
            "title": s.title,
            "applicable": s.applicable,
            "excluded": s.excluded,
            "not_stated": s.not_stated,
            "controls": s.controls.iter().map(|c| json!({
                "control": c.control,
                "title": c.title,
                "applicable": c.applicable,
                "justification": c.justification,
                "approved_by": c.approved_by,
                "approved_on": c.approved_on,
                "status": c.status,
                "documents": c.documents.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// `soa.csv`: one row per control.
pub fn soa_csv(site: &Site) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "standard",
        "control",
        "title",
        "applicable",
        "justification",
        "approved_by",
        "approved_on",
        "status",
        "documents",
    ]);
    for s in crate::context::SoaData::new(site).standards {
        for c in s.controls {
            let docs: Vec<String> = c.documents.iter().map(|d| d.id.clone()).collect();
            let _ = w.write_record([
                s.id.clone(),
                c.control,
                c.title,
                c.applicable.to_string(),
                c.justification.unwrap_or_default(),
                c.approved_by.unwrap_or_default(),
                c.approved_on.unwrap_or_default(),
                c.status.to_string(),
                docs.join(" "),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
