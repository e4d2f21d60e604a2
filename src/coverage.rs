//! Clause coverage: which approved documents address each clause of each
//! standard in force, and which required documents are present.

use crate::catalogue::{Catalogues, ClauseRef};
use crate::content::Document;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{DocId, PerDoc, Status};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CovStatus {
    /// A control the Statement of Applicability excludes: never a gap, not
    /// counted. First, so a parent takes its other children's status.
    Excluded,
    Covered,
    DraftOnly,
    Gap,
}

impl CovStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CovStatus::Excluded => "excluded",
            CovStatus::Covered => "covered",
            CovStatus::DraftOnly => "draft-only",
            CovStatus::Gap => "gap",
        }
    }
    /// The status of a required document: present, draft-only or missing.
    pub fn required_str(self) -> &'static str {
        match self {
            CovStatus::Excluded => "excluded",
            CovStatus::Covered => "present",
            CovStatus::DraftOnly => "draft-only",
            CovStatus::Gap => "missing",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            CovStatus::Excluded => "Excluded (SoA)",
            CovStatus::Covered => "Covered",
            CovStatus::DraftOnly => "Draft only",
            CovStatus::Gap => "Gap",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub status: CovStatus,
    /// Approved documents citing this clause directly.
    pub approved: Vec<DocId>,
    /// Draft documents citing this clause directly.
    pub drafts: Vec<DocId>,
    /// With `[coverage] crosswalk`: approved documents of the corresponding
    /// clauses of other standards, when none cites this clause itself.
    pub via_crosswalk: Vec<DocId>,
}

#[derive(Debug, Clone)]
pub struct RequiredRow {
    pub status: CovStatus,
    pub approved: Vec<DocId>,
    pub drafts: Vec<DocId>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub clauses: usize,
    pub covered: usize,
    pub draft_only: usize,
    pub gaps: usize,
}

impl Totals {
    fn add(&mut self, s: CovStatus) {
        if s == CovStatus::Excluded {
            return;
        }
        self.clauses += 1;
        match s {
            CovStatus::Excluded => {}
            CovStatus::Covered => self.covered += 1,
            CovStatus::DraftOnly => self.draft_only += 1,
            CovStatus::Gap => self.gaps += 1,
        }
    }
    pub fn percent(&self) -> u32 {
        // Rounded down so 99.6 % never shows as 100 %; nothing to cover is 100 %.
        (self.covered * 100).checked_div(self.clauses).map_or(100, |p| p as u32)
    }
}

#[derive(Debug, Clone)]
pub struct StandardCoverage {
    pub catalogue: usize,
    /// One row per clause, indexed like the catalogue's clauses.
    pub rows: Vec<Row>,
    pub required: Vec<RequiredRow>,
    /// Totals over all clauses below the top level.
    pub totals: Totals,
    /// Totals per top-level clause (group), indexed like the catalogue.
    pub group_totals: Vec<Option<Totals>>,
    /// Explicit required documents (catch-alls not counted).
    pub required_totals: Totals,
    /// Implied ("expected") documents.
    pub expected_totals: Totals,
}

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub standards: Vec<StandardCoverage>,
}

/// Computes coverage; documents excluded from the site (`included[i]` false)
/// and retired documents never count.
/// `excluded`: the controls the Statement of Applicability excludes;
/// `crosswalk`: count documents for the corresponding clauses of the other
/// standards in force too (`[coverage] crosswalk`).
pub fn compute(
    cats: &Catalogues,
    docs: &PerDoc<Document>,
    included: &PerDoc<bool>,
    excluded: &[ClauseRef],
    crosswalk: bool,
) -> Coverage {
    let mut standards = Vec::with_capacity(cats.list.len());
    for (ci, cat) in cats.list.iter().enumerate() {
        let mut rows: Vec<Row> = cat
            .clauses
            .iter()
            .map(|_| Row {
                status: CovStatus::Gap,
                approved: Vec::new(),
                drafts: Vec::new(),
                via_crosswalk: Vec::new(),
            })
            .collect();
        let mut required: Vec<RequiredRow> = cat
            .required
            .iter()
            .map(|_| RequiredRow {
                status: CovStatus::Gap,
                approved: Vec::new(),
                drafts: Vec::new(),
            })
            .collect();
        for (di, doc) in docs.iter_enumerated() {
            if !included[di] || doc.status == Status::Retired {
                continue;
            }
            let mut cited: Vec<usize> = doc
                .clause_refs()
                .filter(|r| r.catalogue == ci)
                .map(|r| r.clause)
                .collect();
            cited.sort_unstable();
            cited.dedup();
            for c in cited {
                let row = &mut rows[c];
                if doc.status == Status::Approved {
                    row.approved.push(di);
                } else {
                    row.drafts.push(di);
                }
            }
            for p in &doc.provides {
                if let crate::catalogue::Provides::Found { catalogue, key: k, .. } = cats.resolve_provides(&p.value) {
                    if catalogue != ci {
                        continue;
                    }
                    let row = &mut required[k];
                    if doc.status == Status::Approved {
                        row.approved.push(di);
                    } else {
                        row.drafts.push(di);
                    }
                }
            }
        }
        // Children come after parents in the catalogue, so walking it
        // backwards settles every child before its parent.
        for i in (0..cat.clauses.len()).rev() {
            let clause = &cat.clauses[i];
            rows[i].status = if excluded.contains(&ClauseRef {
                catalogue: ci,
                clause: i,
            }) {
                CovStatus::Excluded
            } else if clause.children.is_empty() {
                own_status(&rows[i].approved, &rows[i].drafts)
            } else {
                clause
                    .children
                    .iter()
                    .map(|&c| rows[c].status)
                    .max()
                    .unwrap_or(CovStatus::Gap)
            };
        }
        for r in &mut required {
            r.status = own_status(&r.approved, &r.drafts);
        }
        let (totals, group_totals) = clause_totals(cat, &rows);
        // Explicit and implied documents are counted apart; catch-alls
        // not at all.
        let mut required_totals = Totals::default();
        let mut expected_totals = Totals::default();
        for (r, req) in required.iter().zip(&cat.required) {
            if req.is_required() {
                required_totals.add(r.status);
            } else if req.is_expected() {
                expected_totals.add(r.status);
            }
        }
        standards.push(StandardCoverage {
            catalogue: ci,
            rows,
            required,
            totals,
            group_totals,
            required_totals,
            expected_totals,
        });
    }
    let mut coverage = Coverage { standards };
    if crosswalk {
        via_crosswalk(cats, &mut coverage);
    }
    coverage
}

/// Totals over every clause below the top level, and per top-level clause.
fn clause_totals(cat: &crate::catalogue::Catalogue, rows: &[Row]) -> (Totals, Vec<Option<Totals>>) {
    let mut totals = Totals::default();
    let mut group_totals: Vec<Option<Totals>> = vec![None; cat.clauses.len()];
    for (i, clause) in cat.clauses.iter().enumerate() {
        if clause.parent.is_none() {
            group_totals[i] = Some(Totals::default());
            continue;
        }
        totals.add(rows[i].status);
        let mut top = i;
        while let Some(p) = cat.clauses[top].parent {
            top = p;
        }
        if let Some(t) = group_totals[top].as_mut() {
            t.add(rows[i].status);
        }
    }
    (totals, group_totals)
}

/// A clause no approved document cites is covered "via crosswalk" when a
/// corresponding clause of another standard has approved documents
/// (`[coverage] crosswalk`); parents and totals are settled again.
fn via_crosswalk(cats: &Catalogues, coverage: &mut Coverage) {
    let mut via: Vec<(ClauseRef, Vec<DocId>)> = Vec::new();
    for (ci, sc) in coverage.standards.iter().enumerate() {
        for (i, row) in sc.rows.iter().enumerate() {
            let r = ClauseRef {
                catalogue: ci,
                clause: i,
            };
            if !row.approved.is_empty() || row.status == CovStatus::Excluded {
                continue;
            }
            let mut docs: Vec<DocId> = cats
                .corresponding(r)
                .into_iter()
                .flat_map(|c| coverage.standards[c.catalogue].rows[c.clause].approved.iter().copied())
                .collect();
            docs.sort_unstable();
            docs.dedup();
            if !docs.is_empty() {
                via.push((r, docs));
            }
        }
    }
    // A clause with sub-clauses (27001 9.2 has 9.2.1 and 9.2.2) passes its
    // crosswalk evidence to those of its leaves no document cites.
    for (r, docs) in via {
        let cat = &cats.list[r.catalogue];
        let sc = &mut coverage.standards[r.catalogue];
        sc.rows[r.clause].via_crosswalk = docs.clone();
        for leaf in cat.subtree(r.clause) {
            let row = &mut sc.rows[leaf];
            if cat.clauses[leaf].children.is_empty() && row.approved.is_empty() && row.status != CovStatus::Excluded {
                if row.via_crosswalk.is_empty() {
                    row.via_crosswalk = docs.clone();
                }
                row.status = CovStatus::Covered;
            }
        }
    }
    for (ci, sc) in coverage.standards.iter_mut().enumerate() {
        let cat = &cats.list[ci];
        for i in (0..cat.clauses.len()).rev() {
            let children = &cat.clauses[i].children;
            if !children.is_empty() && sc.rows[i].status != CovStatus::Excluded {
                sc.rows[i].status = children
                    .iter()
                    .map(|&c| sc.rows[c].status)
                    .max()
                    .unwrap_or(CovStatus::Gap);
            }
        }
        (sc.totals, sc.group_totals) = clause_totals(cat, &sc.rows);
    }
}

fn own_status(approved: &[DocId], drafts: &[DocId]) -> CovStatus {
    if !approved.is_empty() {
        CovStatus::Covered
    } else if !drafts.is_empty() {
        CovStatus::DraftOnly
    } else {
        CovStatus::Gap
    }
}

/// `uncovered-clause` and `missing-required-document` warnings. Only leaf
/// clauses are reported: a parent's gap is always one of its children's.
pub fn diagnostics(cov: &Coverage, cats: &Catalogues, docs: &PerDoc<Document>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let ids = |list: &[DocId]| list.iter().map(|&d| docs[d].id.as_str()).collect::<Vec<_>>().join(", ");
    for sc in &cov.standards {
        let cat = &cats.list[sc.catalogue];
        for (i, row) in sc.rows.iter().enumerate() {
            let clause = &cat.clauses[i];
            if !clause.children.is_empty() || clause.parent.is_none() {
                continue;
            }
            let msg = match row.status {
                CovStatus::Covered | CovStatus::Excluded => continue,
                CovStatus::DraftOnly => format!(
                    "{} {} {} is cited only by draft documents ({})",
                    cat.title,
                    clause.number,
                    clause.title,
                    ids(&row.drafts)
                ),
                CovStatus::Gap => format!(
                    "{} {} {} is not cited by any document",
                    cat.title, clause.number, clause.title
                ),
            };
            let tag = qualified(cats, sc.catalogue, &clause.number);
            out.push(
                Diagnostic::warning(Code::UncoveredClause, msg)
                    .help(format!("approve a document that cites `{tag}` in its `clauses`"))
                    .about(tag),
            );
        }
        for (k, row) in sc.required.iter().enumerate() {
            let req = &cat.required[k];
            if req.informational {
                continue;
            }
            let kind = req.counted_as();
            let msg = match row.status {
                CovStatus::Covered | CovStatus::Excluded => continue,
                CovStatus::DraftOnly => format!(
                    "{kind} document `{}` ({}) exists only as draft ({})",
                    req.key,
                    req.label,
                    ids(&row.drafts)
                ),
                CovStatus::Gap => format!("{kind} document `{}` ({}) is missing", req.key, req.label),
            };
            out.push(
                Diagnostic::warning(Code::MissingRequiredDocument, msg)
                    .help(format!(
                        "approve a document with `provides: [{}]` (clauses {})",
                        req.key,
                        req.clauses.join(", ")
                    ))
                    .about(req.key.clone()),
            );
        }
    }
    out
}

/// How a clause is written in front matter: bare for the default standard.
pub fn qualified(cats: &Catalogues, catalogue: usize, number: &str) -> String {
    if catalogue == 0 {
        number.to_string()
    } else {
        format!("{}:{number}", cats.list[catalogue].id)
    }
}
