//! Open findings on clauses: nonconformities, audit findings and review
//! actions listed in records' front matter (`findings:`). Open ones show on
//! their clause; those past `due` are `finding-overdue` warnings.

use crate::content::Document;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{DocId, PerDoc, Status};
use jiff::civil::Date;

/// An open finding: document `doc`'s entry `entry` of `findings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFinding {
    pub doc: DocId,
    pub entry: usize,
    pub overdue: bool,
    /// Days from today to its due date (negative when past).
    pub days: Option<i64>,
}

/// The open findings of the documents in the site (drafts aside: a draft
/// record raises nothing yet), by due date, and the overdue ones' warnings.
pub fn compute(docs: &PerDoc<Document>, included: &PerDoc<bool>, today: Date) -> (Vec<OpenFinding>, Vec<Diagnostic>) {
    let mut open = Vec::new();
    let mut diags = Vec::new();
    for (i, d) in docs.iter_enumerated() {
        if !included[i] || d.status == Status::Draft {
            continue;
        }
        for (k, f) in d.findings.iter().enumerate() {
            if !f.open {
                continue;
            }
            let overdue = f.due.is_some_and(|due| due < today);
            let days = f.due.and_then(|due| today.until(due).ok()).map(|s| s.get_days() as i64);
            if let (true, Some(due)) = (overdue, f.due) {
                let late = -days.unwrap_or(0);
                diags.push(
                    Diagnostic::warning(
                        Code::FindingOverdue,
                        format!(
                            "finding {} (clause {}{}) raised in {} is open past its due date {due} ({late} day{} overdue)",
                            f.id,
                            f.clause_tag,
                            f.severity.as_ref().map(|s| format!(", {s}")).unwrap_or_default(),
                            d.id,
                            if late == 1 { "" } else { "s" },
                        ),
                    )
                    .at(d.file.clone(), f.pos.line, f.pos.column)
                    .about(f.id.clone())
                    .help("close it (`status: closed`) once the action is done and verified, or agree a new `due` date and record why"),
                );
            }
            open.push(OpenFinding {
                doc: i,
                entry: k,
                overdue,
                days,
            });
        }
    }
    open.sort_by_key(|o| {
        (
            docs[o.doc].findings[o.entry].due.is_none(),
            docs[o.doc].findings[o.entry].due,
        )
    });
    (open, diags)
}
