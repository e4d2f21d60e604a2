//! Machine-readable exports: coverage, register and review calendars as
//! CSV/JSON/Markdown/iCalendar, the sitemap and the search index. The same
//! functions feed the site files and `smsdoc export`.

use crate::content::Status;
use crate::coverage::CovStatus;
use crate::pages::{FileData, SiteFile};
use crate::reviews::ReviewStatus;
use crate::site::Site;
use serde_json::{json, Value};

pub fn site_exports(site: &Site) -> Vec<SiteFile> {
    let file = |path: &str, data: Vec<u8>| SiteFile { path: path.into(), data: FileData::Bytes(data) };
    vec![
        file("coverage.json", pretty(&coverage_json(site))),
        file("coverage.csv", coverage_csv(site).into_bytes()),
        file("register.json", pretty(&register_json(site))),
        file("register.csv", register_csv(site).into_bytes()),
        file("reviews.ics", reviews_ics(site).into_bytes()),
        file("sitemap.xml", sitemap(site).into_bytes()),
        file("search-index.json", serde_json::to_vec(&search_index(site)).unwrap_or_default()),
    ]
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

fn abs_url(site: &Site, path: &str) -> String {
    format!("{}{}", site.config.base_url, path)
}

fn doc_ref(site: &Site, i: usize) -> Value {
    let d = &site.docs[i];
    json!({ "id": d.id, "title": d.title, "status": d.status.as_str(), "url": abs_url(site, &d.url) })
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
                    let docs: Vec<Value> = row
                        .approved
                        .iter()
                        .chain(&row.drafts)
                        .filter(|&&i| site.included[i])
                        .map(|&i| doc_ref(site, i))
                        .collect();
                    json!({ "number": clause.number, "title": clause.title, "status": row.status.as_str(), "documents": docs })
                })
                .collect();
            let required: Vec<Value> = cat
                .required
                .iter()
                .zip(&sc.required)
                .map(|(req, row)| {
                    let docs: Vec<Value> = row.approved.iter().chain(&row.drafts).map(|&i| doc_ref(site, i)).collect();
                    json!({
                        "key": req.key, "label": req.label, "basis": req.basis, "clauses": req.clauses,
                        "status": match row.status { CovStatus::Covered => "present", CovStatus::DraftOnly => "draft-only", CovStatus::Gap => "missing" },
                        "documents": docs,
                    })
                })
                .collect();
            json!({
                "standard": cat.id,
                "title": cat.title,
                "totals": sc.totals,
                "clauses": clauses,
                "required_documents": required,
            })
        })
        .collect();
    let mut first = per_standard.first().cloned().unwrap_or_else(|| json!({}));
    if let Some(o) = first.as_object_mut() {
        o.insert("standards".into(), Value::Array(per_standard));
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

pub fn coverage_csv(site: &Site) -> String {
    let mut rows = vec![vec!["standard", "number", "title", "status", "documents"].into_iter().map(String::from).collect()];
    for sc in &site.coverage.standards {
        let cat = &site.cats.list[sc.catalogue];
        for (c, clause) in cat.clauses.iter().enumerate() {
            if clause.parent.is_none() {
                continue;
            }
            let row = &sc.rows[c];
            let ids: Vec<&str> = row
                .approved
                .iter()
                .chain(&row.drafts)
                .filter(|&&i| site.included[i])
                .map(|&i| site.docs[i].id.as_str())
                .collect();
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
        for (c, clause) in cat.clauses.iter().enumerate() {
            if clause.parent.is_none() {
                continue;
            }
            let row = &sc.rows[c];
            let ids: Vec<&str> = row.approved.iter().chain(&row.drafts).map(|&i| site.docs[i].id.as_str()).collect();
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

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub const REGISTER_FIELDS: [&str; 20] = [
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
];

fn register_record(site: &Site, i: usize) -> Vec<(&'static str, Value)> {
    let d = &site.docs[i];
    let r = &site.reviews[i];
    let list = |v: Vec<String>| json!(v);
    vec![
        ("id", json!(d.id)),
        ("title", json!(d.title)),
        ("type", json!(d.doc_type.as_str())),
        ("owner", json!(d.owner)),
        ("status", json!(d.status.as_str())),
        ("version", json!(d.version)),
        ("clauses", list(d.clauses.iter().map(|c| c.tag.clone()).collect())),
        ("approved_by", json!(d.approved_by)),
        ("approved_on", json!(d.approved_on.map(|x| x.to_string()))),
        ("last_reviewed", json!(d.last_reviewed.map(|x| x.to_string()))),
        ("review_interval", json!(d.review_interval.map(|x| x.to_string()))),
        ("next_review", json!(r.next.map(|x| x.to_string()))),
        ("review_status", json!(r.status.as_str())),
        ("provides", list(d.provides.iter().map(|p| p.value.clone()).collect())),
        ("related", list(d.related.iter().map(|p| p.value.clone()).collect())),
        ("supersedes", json!(d.supersedes.as_ref().map(|s| s.value.clone()))),
        ("tags", list(d.tags.clone())),
        ("confidentiality", json!(d.confidentiality.as_str())),
        ("path", json!(crate::diagnostics::slash_path(&d.file))),
        ("url", json!(abs_url(site, &d.url))),
    ]
}

pub fn register_json(site: &Site) -> Value {
    let docs: Vec<Value> = site
        .register_order()
        .into_iter()
        .map(|i| Value::Object(register_record(site, i).into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
        .collect();
    json!({ "title": site.config.title, "generated": site.options.today.to_string(), "documents": docs })
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

pub fn register_csv(site: &Site) -> String {
    let mut rows = vec![REGISTER_FIELDS.iter().map(|s| s.to_string()).collect()];
    for i in site.register_order() {
        rows.push(register_record(site, i).iter().map(|(_, v)| cell(v)).collect());
    }
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
fn reviewable(site: &Site) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..site.docs.len())
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
    for i in reviewable(site) {
        let d = &site.docs[i];
        let Some(next) = site.reviews[i].next else { continue };
        let end = next.tomorrow().unwrap_or(next);
        let url = abs_url(site, &d.url);
        let mut desc = format!("Review of {} {} ({}).", d.id, d.title, d.doc_type.as_str());
        if let Some(o) = &d.owner {
            desc.push_str(&format!(" Owner: {o}."));
        }
        if d.status == Status::Draft {
            desc.push_str(" Document is a draft.");
        }
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:review-{}@{host}", d.id),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART;VALUE=DATE:{}", next.strftime("%Y%m%d")),
            format!("DTEND;VALUE=DATE:{}", end.strftime("%Y%m%d")),
            format!("SUMMARY:{}", ics_text(&format!("Review due: {} {}", d.id, d.title))),
            format!("DESCRIPTION:{}", ics_text(&desc)),
            format!("URL:{url}"),
            format!(
                "CATEGORIES:{}",
                ics_text(match site.reviews[i].status {
                    ReviewStatus::Overdue => "overdue",
                    ReviewStatus::DueSoon => "due-soon",
                    _ => "scheduled",
                })
            ),
            "TRANSP:TRANSPARENT".into(),
            "END:VEVENT".into(),
        ]);
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
        .filter_map(|c| if c.is_ascii_alphanumeric() { Some(c.to_ascii_lowercase()) } else if c == ' ' { Some('-') } else { None })
        .collect();
    format!("{}.smsdoc", if slug.is_empty() { "handbook" } else { slug.trim_matches('-') })
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

pub fn reviews_json(site: &Site) -> Value {
    let docs: Vec<Value> = reviewable(site)
        .into_iter()
        .chain((0..site.docs.len()).filter(|&i| site.included[i] && site.reviews[i].status == ReviewStatus::Missing))
        .map(|i| {
            let d = &site.docs[i];
            let r = &site.reviews[i];
            json!({
                "id": d.id, "title": d.title, "type": d.doc_type.as_str(), "status": d.status.as_str(),
                "owner": d.owner, "next_review": r.next.map(|x| x.to_string()), "review_status": r.status.as_str(),
                "days": r.days, "url": abs_url(site, &d.url),
            })
        })
        .collect();
    json!({ "today": site.options.today.to_string(), "counts": site.review_counts(), "documents": docs })
}

pub fn reviews_csv(site: &Site) -> String {
    let v = reviews_json(site);
    let mut rows = vec!["id,title,type,status,owner,next_review,review_status,days,url".split(',').map(String::from).collect::<Vec<_>>()];
    for d in v["documents"].as_array().into_iter().flatten() {
        rows.push(["id", "title", "type", "status", "owner", "next_review", "review_status", "days", "url"].iter().map(|k| cell(&d[*k])).collect());
    }
    csv_string(rows)
}

pub fn sitemap(site: &Site) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut push = |path: &str| {
        out.push_str("  <url><loc>");
        out.push_str(&xml_escape(&abs_url(site, path)));
        out.push_str("</loc></url>\n");
    };
    for p in ["", "register/", "coverage/", "reviews/", "clauses/", "search/", "print/"] {
        push(p);
    }
    for i in site.register_order() {
        push(&site.docs[i].url);
    }
    out.push_str("</urlset>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Characters of body text kept per document in the search index; enough
/// for snippets and most searches while keeping the index small.
const SEARCH_TEXT_CHARS: usize = 4000;

pub fn search_index(site: &Site) -> Value {
    let docs: Vec<Value> = site
        .register_order()
        .into_iter()
        .map(|i| {
            let d = &site.docs[i];
            let text = &site.rendered[i].text;
            let cut = text.char_indices().nth(SEARCH_TEXT_CHARS).map_or(text.len(), |(b, _)| b);
            json!({
                "id": d.id,
                "title": d.title,
                "type": d.doc_type.as_str(),
                "status": d.status.as_str(),
                "owner": d.owner,
                "clauses": d.clauses.iter().map(|c| c.tag.as_str()).collect::<Vec<_>>(),
                "url": d.url,
                "text": text[..cut].split_whitespace().collect::<Vec<_>>().join(" "),
            })
        })
        .collect();
    json!({ "version": 1, "documents": docs })
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
