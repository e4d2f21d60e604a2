//! Retention of records: until when each document is kept (`retain_until`,
//! or `retention` counted from its `date`, else its approval date) and the
//! `retention-expired` notes for those past it. Records (types record,
//! report, form) are kept, not reviewed: `site::review_all` gives them no
//! review date, so they have no review findings.

use crate::content::Document;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{PerDoc, Status};
use jiff::civil::Date;

/// The last day document `d` is to be kept, when it says.
pub fn retain_until(d: &Document) -> Option<Date> {
    d.retain_until.or_else(|| {
        let from = d.date.as_ref().map(|x| x.value).or(d.approved_on)?;
        d.retention?.add_to(from)
    })
}

/// `retention-expired` notes: documents in the site (drafts aside) whose
/// retention ended before `today`, with their disposition. Notes inform;
/// they never fail a run.
pub fn diagnostics(
    docs: &PerDoc<Document>,
    included: &PerDoc<bool>,
    until: &PerDoc<Option<Date>>,
    today: Date,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, d) in docs.iter_enumerated() {
        let Some(end) = until[i] else { continue };
        if !included[i] || d.status == Status::Draft || end >= today {
            continue;
        }
        let pos = d.pos_of(if d.retain_until.is_some() {
            "retain_until"
        } else {
            "retention"
        });
        let disposition = d.disposition.as_deref().map_or_else(
            || "no disposition is recorded".to_string(),
            |x| format!("disposition: {x}"),
        );
        out.push(
            Diagnostic::note(
                Code::RetentionExpired,
                format!(
                    "{} {} was to be kept until {end}; its retention has ended ({disposition})",
                    d.id, d.title
                ),
            )
            .at(d.file.clone(), pos.line, pos.column)
            .about(d.id.clone())
            .help("carry out the disposition (destroy, archive or extend it with a new `retain_until`) and record it"),
        );
    }
    out
}
