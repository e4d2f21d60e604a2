//! The whole handbook as one in-memory structure, assembled in one
//! direction: load → validate → resolve links → coverage → reviews. Page
//! rendering (`render`) reads it; the preview server keeps one and rebuilds
//! it when files change.

use crate::catalogue::Catalogues;
use crate::config::Config;
use crate::content::{self, Asset, DocType, Document, Status};
use crate::coverage::{self, Coverage};
use crate::diagnostics::{self, Code, Diagnostic, Severity};
use crate::links::{self, DocResolver, Graph, Index};
use crate::markdown::{self, Rendered};
use crate::reviews::{self, Review, ReviewInput, ReviewStatus};
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::HashMap;
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
    pub config: Config,
    pub cats: Catalogues,
    pub options: BuildOptions,
    pub docs: Vec<Document>,
    /// False for documents left out of the output (`--no-drafts`).
    pub included: Vec<bool>,
    pub assets: Vec<Asset>,
    pub index: Index,
    pub rendered: Vec<Rendered>,
    pub graph: Graph,
    pub reviews: Vec<Review>,
    pub coverage: Coverage,
    /// Every finding, sorted.
    pub diags: Vec<Diagnostic>,
    pub timings: Timings,
}

impl Site {
    /// Loads and checks a handbook. `Err` means the run could not proceed
    /// (configuration or catalogue errors: exit code 2); content problems
    /// are diagnostics in the returned site.
    pub fn load(config: Config, options: BuildOptions) -> Result<Site, Vec<Diagnostic>> {
        let mut timings = Timings::default();
        let t = Instant::now();
        let cats = Catalogues::load(&config)?;
        let content = content::load(&config, &cats);
        let t = timings.record("load", t);
        let mut diags = content.diags;
        let docs = dedupe_ids(content.docs, &mut diags);
        let included: Vec<bool> = docs.iter().map(|d| options.drafts || d.status != Status::Draft).collect();
        let index = Index::new(&docs, &content.assets);
        let t = timings.record("validate", t);
        let rendered: Vec<Rendered> = docs
            .par_iter()
            .map(|doc| {
                let resolver = DocResolver {
                    doc,
                    docs: &docs,
                    index: &index,
                    cats: &cats,
                    base_url: &config.base_url,
                };
                markdown::render(doc.body(), &doc.title, &resolver, false)
            })
            .collect();
        let t = timings.record("markdown", t);
        let (graph, link_diags) = links::graph(&docs, &rendered, &index);
        diags.extend(link_diags);
        let t = timings.record("links", t);
        let reviews = review_all(&config, &docs, options.today);
        diags.extend(review_diagnostics(&docs, &reviews));
        let coverage = coverage::compute(&cats, &docs, &included);
        diags.extend(coverage::diagnostics(&coverage, &cats, &docs));
        diagnostics::sort(&mut diags);
        timings.record("coverage+reviews", t);
        Ok(Site {
            config,
            cats,
            options,
            docs,
            included,
            assets: content.assets,
            index,
            rendered,
            graph,
            reviews,
            coverage,
            diags,
            timings,
        })
    }

    /// The HTML of document `i`'s body. Produced on demand (not kept in
    /// the site) so memory stays flat on large handbooks.
    pub fn doc_html(&self, i: usize) -> String {
        let doc = &self.docs[i];
        let resolver = DocResolver {
            doc,
            docs: &self.docs,
            index: &self.index,
            cats: &self.cats,
            base_url: &self.config.base_url,
        };
        markdown::render(doc.body(), &doc.title, &resolver, true).html
    }

    pub fn errors(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.diags.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    /// Documents in register order: by type (as listed in the SPEC), then id.
    pub fn register_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.docs.len()).filter(|&i| self.included[i]).collect();
        order.sort_by(|&a, &b| {
            let (da, db) = (&self.docs[a], &self.docs[b]);
            (da.doc_type, natural_key(&da.id)).cmp(&(db.doc_type, natural_key(&db.id)))
        });
        order
    }

    pub fn count_by_type(&self) -> Vec<(DocType, usize)> {
        let mut counts: HashMap<DocType, usize> = HashMap::new();
        for (i, d) in self.docs.iter().enumerate() {
            if self.included[i] {
                *counts.entry(d.doc_type).or_default() += 1;
            }
        }
        DocType::ALL.iter().filter_map(|t| counts.get(t).map(|&n| (*t, n))).collect()
    }

    pub fn count_by_status(&self) -> [(Status, usize); 3] {
        let mut c = [(Status::Approved, 0), (Status::Draft, 0), (Status::Retired, 0)];
        for (i, d) in self.docs.iter().enumerate() {
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
        for (i, r) in self.reviews.iter().enumerate() {
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
                .help(format!("give one of the documents a new id (both {} and {} say `{}`)", diagnostics::slash_path(other), diagnostics::slash_path(&d.file), d.id)),
            ),
            None => {
                first.insert(d.id.clone(), d.file.clone());
                out.push(d);
            }
        }
    }
    out
}

pub fn review_all(config: &Config, docs: &[Document], today: Date) -> Vec<Review> {
    docs.iter()
        .map(|d| {
            reviews::review(
                &ReviewInput {
                    next_review: d.next_review,
                    last_reviewed: d.last_reviewed,
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

/// `review-*` warnings for approved documents. Drafts are not yet in force
/// and retired ones no longer are, so neither is reported.
pub fn review_diagnostics(docs: &[Document], reviews: &[Review]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (d, r) in docs.iter().zip(reviews) {
        if d.status != Status::Approved {
            continue;
        }
        let at = |diag: Diagnostic| diag.at(d.file.clone(), d.review_pos.line, d.review_pos.column);
        match (r.status, r.next, r.days) {
            (ReviewStatus::Overdue, Some(next), Some(days)) => out.push(at(Diagnostic::warning(
                Code::ReviewOverdue,
                format!("{} {} was due for review on {next} ({} days overdue)", d.id, d.title, -days),
            )
            .help(format!(
                "review it, then set `last_reviewed` to the review date{}",
                d.owner.as_ref().map(|o| format!(" (owner: {o})")).unwrap_or_default()
            )))),
            (ReviewStatus::DueSoon, Some(next), Some(days)) => out.push(at(Diagnostic::warning(
                Code::ReviewDueSoon,
                format!("{} {} is due for review on {next} (in {days} days)", d.id, d.title),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut ids = vec!["PRO-10", "PRO-2", "POL-1", "PRO-1.5"];
        ids.sort_by_key(|s| natural_key(s));
        assert_eq!(ids, vec!["POL-1", "PRO-1.5", "PRO-2", "PRO-10"]);
    }
}
