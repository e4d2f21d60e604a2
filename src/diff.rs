//! `smsdoc diff`: what changes in the handbook between two Git revisions —
//! documents added, removed or retired, status and version changes,
//! approvals, clauses newly covered or losing their last approved
//! document, required documents lost, and new errors. A revision is read
//! from Git into a temporary folder and loaded like any handbook, so both
//! sides are judged by the same rules.

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::DocId;
use crate::model::Status;
use crate::site::{BuildOptions, Site};
use gix::bstr::ByteSlice;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A document as the diff names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DocRef {
    pub id: String,
    pub title: String,
}

/// A field that changed on a document present on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub id: String,
    pub title: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A clause or required document by standard.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Item {
    pub standard: String,
    /// Clause number or required-document key.
    pub key: String,
    pub title: String,
}

/// A finding as the diff reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub code: String,
    pub file: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    pub base: String,
    pub head: String,
    pub added: Vec<DocRef>,
    pub removed: Vec<DocRef>,
    pub retired: Vec<DocRef>,
    pub status: Vec<FieldChange>,
    pub version: Vec<FieldChange>,
    /// Documents newly approved or approved again (`approved_on` changed).
    pub approvals: Vec<FieldChange>,
    pub clauses_covered: Vec<Item>,
    /// Clauses that were covered by an approved document and are not.
    pub clauses_lost: Vec<Item>,
    pub required_lost: Vec<Item>,
    pub new_errors: Vec<Finding>,
}

impl Diff {
    /// Coverage got worse: a clause or a required document lost its last
    /// approved document.
    pub fn loses_coverage(&self) -> bool {
        !self.clauses_lost.is_empty() || !self.required_lost.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.retired.is_empty()
            && self.status.is_empty()
            && self.version.is_empty()
            && self.approvals.is_empty()
            && self.clauses_covered.is_empty()
            && self.clauses_lost.is_empty()
            && self.required_lost.is_empty()
            && self.new_errors.is_empty()
    }
}

/// Why a diff could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffError(pub String);

/// A revision of the handbook at `root`, written out to a temporary folder
/// (the folder lives as long as the returned guard).
pub fn checkout(root: &Path, revision: &str) -> Result<(tempfile::TempDir, PathBuf), DiffError> {
    let repo = gix::discover(root).map_err(|_| DiffError(format!("{} is not in a Git repository", root.display())))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| DiffError("the repository has no work tree".into()))?
        .to_path_buf();
    let prefix = crate::history::relative_prefix(&workdir, root);
    let commit = repo
        .rev_parse_single(revision)
        .map_err(|e| DiffError(format!("unknown revision `{revision}`: {e}")))?
        .object()
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| DiffError(format!("`{revision}` is not a commit: {e}")))?;
    let tree = commit
        .tree()
        .map_err(|e| DiffError(format!("cannot read `{revision}`: {e}")))?;
    let mut rec = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut rec)
        .map_err(|e| DiffError(format!("cannot read `{revision}`: {e}")))?;
    let dir = tempfile::tempdir().map_err(|e| DiffError(format!("cannot create a temporary folder: {e}")))?;
    let mut found_config = false;
    for entry in rec.records.iter().filter(|e| e.mode.is_blob()) {
        let Ok(path) = entry.filepath.to_str() else { continue };
        let Some(rel) = path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        // Only relative, plain paths are written (a tree entry cannot leave
        // the folder).
        let rel_path = Path::new(rel);
        if rel_path
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            continue;
        }
        let blob = repo
            .find_blob(entry.oid)
            .map_err(|e| DiffError(format!("cannot read {path} at `{revision}`: {e}")))?;
        let target = dir.path().join(rel_path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| DiffError(format!("cannot write {}: {e}", parent.display())))?;
        }
        std::fs::write(&target, &blob.data)
            .map_err(|e| DiffError(format!("cannot write {}: {e}", target.display())))?;
        found_config |= rel == crate::config::CONFIG_FILE;
    }
    if !found_config {
        return Err(DiffError(format!(
            "`{revision}` has no {}{}: the handbook did not exist there",
            prefix,
            crate::config::CONFIG_FILE
        )));
    }
    let root = dir.path().to_path_buf();
    Ok((dir, root))
}

/// Loads a handbook for comparison (history off: each side is judged on
/// its own files).
pub fn load(root: &Path, options: &BuildOptions) -> Result<Site, Vec<Diagnostic>> {
    let mut config: Config = crate::config::load(root)?;
    config.history = false;
    Site::load(config, options.clone())
}

/// What changes from `base` to `head`.
pub fn compare(base: &Site, head: &Site, base_name: &str, head_name: &str) -> Diff {
    let docs =
        |s: &Site| -> BTreeMap<String, DocId> { s.docs.iter_enumerated().map(|(i, d)| (d.id.clone(), i)).collect() };
    let (b, h) = (docs(base), docs(head));
    let doc_ref = |s: &Site, i: DocId| DocRef {
        id: s.docs[i].id.clone(),
        title: s.docs[i].title.clone(),
    };
    let mut diff = Diff {
        base: base_name.to_string(),
        head: head_name.to_string(),
        ..Diff::default()
    };
    for (id, &j) in &h {
        match b.get(id) {
            None => diff.added.push(doc_ref(head, j)),
            Some(&i) => {
                let (old, new) = (&base.docs[i], &head.docs[j]);
                let change = |from: Option<String>, to: Option<String>| FieldChange {
                    id: id.clone(),
                    title: new.title.clone(),
                    from,
                    to,
                };
                if old.status != new.status {
                    if new.status == Status::Retired {
                        diff.retired.push(doc_ref(head, j));
                    } else {
                        diff.status.push(change(
                            Some(old.status.as_str().to_string()),
                            Some(new.status.as_str().to_string()),
                        ));
                    }
                }
                if old.version != new.version {
                    diff.version.push(change(old.version.clone(), new.version.clone()));
                }
                let approved = |d: &crate::content::Document| {
                    (d.status == Status::Approved)
                        .then(|| d.approved_on.map(|x| x.to_string()))
                        .flatten()
                };
                if approved(new).is_some() && approved(old) != approved(new) {
                    diff.approvals.push(change(approved(old), approved(new)));
                }
            }
        }
    }
    for (id, &i) in &b {
        if !h.contains_key(id) {
            diff.removed.push(doc_ref(base, i));
        }
    }
    let clauses = |s: &Site| -> BTreeMap<(String, String), (String, bool)> {
        let mut m = BTreeMap::new();
        for sc in &s.coverage.standards {
            let cat = &s.cats.list[sc.catalogue];
            for (c, row) in sc.rows.iter().enumerate() {
                let clause = &cat.clauses[c];
                if clause.parent.is_some() {
                    m.insert(
                        (cat.id.clone(), clause.number.clone()),
                        (clause.title.clone(), row.status == crate::coverage::CovStatus::Covered),
                    );
                }
            }
        }
        m
    };
    let (bc, hc) = (clauses(base), clauses(head));
    for ((standard, key), (title, covered)) in &hc {
        let was = bc.get(&(standard.clone(), key.clone())).is_some_and(|(_, c)| *c);
        let item = || Item {
            standard: standard.clone(),
            key: key.clone(),
            title: title.clone(),
        };
        if *covered && !was {
            diff.clauses_covered.push(item());
        }
        if !*covered && was {
            diff.clauses_lost.push(item());
        }
    }
    let required = |s: &Site| -> BTreeMap<(String, String), (String, bool)> {
        let mut m = BTreeMap::new();
        for sc in &s.coverage.standards {
            let cat = &s.cats.list[sc.catalogue];
            for (req, row) in cat.required.iter().zip(&sc.required) {
                m.insert(
                    (cat.id.clone(), req.key.clone()),
                    (req.label.clone(), row.status == crate::coverage::CovStatus::Covered),
                );
            }
        }
        m
    };
    let (br, hr) = (required(base), required(head));
    for ((standard, key), (title, present)) in &hr {
        if !*present && br.get(&(standard.clone(), key.clone())).is_some_and(|(_, p)| *p) {
            diff.required_lost.push(Item {
                standard: standard.clone(),
                key: key.clone(),
                title: title.clone(),
            });
        }
    }
    let errors = |s: &Site| -> BTreeSet<Finding> {
        s.diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| Finding {
                code: d.code.as_str().to_string(),
                file: d.file.as_deref().map(crate::diagnostics::slash_path),
                message: d.message.clone(),
            })
            .collect()
    };
    let before = errors(base);
    diff.new_errors = errors(head).into_iter().filter(|f| !before.contains(f)).collect();
    diff
}

/// The diff as Markdown, ready to post as a pull-request comment.
pub fn markdown(d: &Diff) -> String {
    let mut out = format!("### Handbook changes: `{}` → `{}`\n\n", d.base, d.head);
    if d.is_empty() {
        out.push_str("No change to documents, approvals, coverage or errors.\n");
        return out;
    }
    if d.loses_coverage() || !d.new_errors.is_empty() {
        out.push_str("> **Attention:** this change ");
        let mut why = Vec::new();
        if d.loses_coverage() {
            why.push("loses coverage");
        }
        if !d.new_errors.is_empty() {
            why.push("adds errors");
        }
        out.push_str(&why.join(" and "));
        out.push_str(".\n\n");
    }
    let docs = |out: &mut String, title: &str, list: &[DocRef]| {
        if !list.is_empty() {
            out.push_str(&format!("**{title}** ({})\n\n", list.len()));
            for x in list {
                out.push_str(&format!("- {} {}\n", x.id, x.title));
            }
            out.push('\n');
        }
    };
    let changes = |out: &mut String, title: &str, list: &[FieldChange]| {
        if !list.is_empty() {
            out.push_str(&format!("**{title}** ({})\n\n", list.len()));
            for x in list {
                out.push_str(&format!(
                    "- {} {}: {} → {}\n",
                    x.id,
                    x.title,
                    x.from.as_deref().unwrap_or("—"),
                    x.to.as_deref().unwrap_or("—")
                ));
            }
            out.push('\n');
        }
    };
    let items = |out: &mut String, title: &str, list: &[Item]| {
        if !list.is_empty() {
            out.push_str(&format!("**{title}** ({})\n\n", list.len()));
            for x in list {
                out.push_str(&format!("- {} {} {}\n", x.standard, x.key, x.title));
            }
            out.push('\n');
        }
    };
    docs(&mut out, "Added", &d.added);
    docs(&mut out, "Removed", &d.removed);
    docs(&mut out, "Retired", &d.retired);
    changes(&mut out, "Status changed", &d.status);
    changes(&mut out, "Version changed", &d.version);
    changes(&mut out, "Approved", &d.approvals);
    items(&mut out, "Clauses newly covered", &d.clauses_covered);
    items(
        &mut out,
        "Clauses that lose their last approved document",
        &d.clauses_lost,
    );
    items(&mut out, "Required documents lost", &d.required_lost);
    if !d.new_errors.is_empty() {
        out.push_str(&format!("**New errors** ({})\n\n", d.new_errors.len()));
        for e in &d.new_errors {
            out.push_str(&format!(
                "- `{}` {}{}\n",
                e.code,
                e.file.as_deref().map(|f| format!("{f}: ")).unwrap_or_default(),
                e.message
            ));
        }
        out.push('\n');
    }
    out
}

/// The diff as plain text for a terminal.
pub fn text(d: &Diff) -> String {
    markdown(d)
        .replace("### ", "")
        .replace("**", "")
        .replace("> ", "")
        .replace('`', "")
}
