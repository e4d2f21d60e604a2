//! Incremental rebuild for the preview server: bring an in-memory
//! [`Site`] up to date with a few changed files without loading the whole
//! handbook again.
//!
//! Only the changed documents are read and parsed again, and only the
//! link scans that can differ are redone: those of the changed documents,
//! of documents whose links resolve to them (a `[[PRO-004]]` link shows
//! the target's title, a link to a retired document carries a warning),
//! and, when ids, paths or assets changed, of documents with broken links,
//! which may now resolve. Then the same derivation as a full load runs
//! ([`Site::derive`]: index, graph, reviews, coverage, collisions and
//! their findings, O(documents + links)), with the changed files' own
//! findings replaced.
//!
//! The result says which document pages must be rendered again: the
//! changed documents, those whose Markdown was scanned again, and those
//! listing a changed document (as backlink, related, superseded or
//! superseding) when what they show of it changed, or it came or went.
//! Pages that aggregate every document (home, register, coverage, clause
//! pages, exports) are left to the caller, which compares their template
//! contexts. The test `random_edits_match_a_full_load_and_report_every_changed_page`
//! checks after each of many random edits that the result equals a fresh
//! load and that every page whose HTML changed was reported.

use crate::config::Config;
use crate::content::{self, Document};
use crate::diagnostics::{self, Code, Diagnostic};
use crate::links::Index;
use crate::markdown::{LinkTarget, Rendered};
use crate::model::{DocId, PerDoc};
use crate::site::{Parsed, Site, Timings};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What a changed path is to the handbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `smsdoc.toml`: everything is reloaded.
    Config,
    /// A commit, checkout or reset moved HEAD: history is read again (with
    /// everything else).
    History,
    /// A catalogue file named in the config: everything is reloaded.
    Catalogue,
    /// A template or theme file: everything is rendered again.
    Template,
    /// A Markdown document (or something under the content directory that
    /// may be a folder of them).
    Content(PathBuf),
    /// A file under `static/`, copied to the site root.
    Static(PathBuf),
    /// Not part of the handbook: editor swap and backup files, the output
    /// directory, files elsewhere under the root.
    Ignored,
}

/// Sorts a changed path into a [`Change`]. `output_dirs` are never input
/// (the preview server may write the site there with `--out`).
pub fn classify(config: &Config, output_dirs: &[PathBuf], git_dir: Option<&Path>, path: &Path) -> Change {
    if git_dir.is_some_and(|g| crate::history::moves_head(g, path)) {
        return Change::History;
    }
    let path = crate::paths::normalise(path);
    let root = crate::paths::normalise(&config.root);
    let under = |dir: &Path| -> Option<PathBuf> {
        let dir = crate::paths::normalise(dir);
        path.strip_prefix(&dir).ok().map(Path::to_path_buf)
    };
    // Editors' swap, backup and temp files, and hidden folders such as
    // `.git`, anywhere below the root or the theme.
    let ignored = |rel: &Path| {
        rel.components()
            .any(|c| crate::paths::is_ignored_name(&c.as_os_str().to_string_lossy()))
    };
    if output_dirs.iter().any(|o| path.starts_with(crate::paths::normalise(o))) {
        return Change::Ignored;
    }
    if path == root.join(crate::config::CONFIG_FILE) {
        return Change::Config;
    }
    if config
        .catalogues
        .iter()
        .any(|c| crate::paths::normalise(&c.value) == path)
    {
        return Change::Catalogue;
    }
    if config.theme != "default" {
        if let Some(rel) = under(&config.root.join(&config.theme)) {
            return if ignored(&rel) {
                Change::Ignored
            } else {
                Change::Template
            };
        }
    }
    if let Some(rel) = under(&config.root.join("templates")) {
        return if ignored(&rel) {
            Change::Ignored
        } else {
            Change::Template
        };
    }
    if let Some(rel) = under(&config.root.join("static")) {
        return if ignored(&rel) {
            Change::Ignored
        } else {
            Change::Static(path)
        };
    }
    if let Some(rel) = under(&config.content_dir) {
        return if ignored(&rel) {
            Change::Ignored
        } else {
            Change::Content(path)
        };
    }
    Change::Ignored
}

/// What [`update`] changed.
#[derive(Debug, Default, Clone)]
pub struct Affected {
    /// Output paths (`procedures/x/index.html`) of the document pages that
    /// must be rendered again, including pages of documents that no longer
    /// exist (the caller drops those).
    pub pages: BTreeSet<String>,
    /// Output paths of assets whose bytes changed (served from disk, so
    /// nothing is rendered, but open pages showing them reload).
    pub assets: BTreeSet<String>,
    /// Documents read and parsed again.
    pub reparsed: usize,
    /// Documents whose Markdown was scanned again.
    pub rerendered: usize,
    /// Documents were added or removed, or an id or path changed.
    pub structural: bool,
    /// The set of document pages may differ (structural change, or a
    /// document left or joined the site).
    pub pages_changed: bool,
}

/// Why an update could not be done incrementally; the caller loads the
/// whole handbook again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsFullReload(pub String);

/// Applies changes to files under the content directory (`changed` as
/// classified [`Change::Content`]) to `site`.
///
/// On `Err` the site is unchanged and the caller must reload it with
/// [`Site::load`]: for duplicate ids (which document wins depends on
/// documents the site no longer holds), new or removed folders, and
/// symbolic links (their safety checks belong to the full scan).
pub fn update(site: &mut Site, changed: &[PathBuf]) -> Result<Affected, NeedsFullReload> {
    let full = |why: &str| Err(NeedsFullReload(why.to_string()));
    if site.diags.iter().any(|d| d.code == Code::DuplicateId) {
        return full("the handbook has duplicate ids");
    }
    let content_dir = crate::paths::normalise(&site.config.content_dir);
    let mut doc_paths: BTreeSet<PathBuf> = BTreeSet::new();
    let mut assets_added: Vec<PathBuf> = Vec::new();
    let mut assets_removed: Vec<PathBuf> = Vec::new();
    let mut affected = Affected::default();
    let source_of_asset: HashMap<&Path, usize> = site
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| (a.source.as_path(), i))
        .collect();
    for p in changed {
        let p = crate::paths::normalise(p);
        let Ok(rel) = p.strip_prefix(&content_dir) else {
            return full("a changed file is outside the content directory");
        };
        if rel.as_os_str().is_empty() {
            return full("the content directory itself changed");
        }
        if rel
            .components()
            .any(|c| crate::paths::is_ignored_name(&c.as_os_str().to_string_lossy()))
        {
            continue;
        }
        let meta = std::fs::symlink_metadata(&p);
        match &meta {
            Ok(m) if m.file_type().is_symlink() => return full("a symbolic link changed"),
            Ok(m) if m.is_dir() => return full("a folder was added or renamed"),
            Ok(_) => {}
            // Gone: if documents or assets lived below it, a folder was
            // removed or renamed.
            Err(_) => {
                if site.docs.iter().any(|d| d.source != p && d.source.starts_with(&p))
                    || site.assets.iter().any(|a| a.source != p && a.source.starts_with(&p))
                {
                    return full("a folder was removed or renamed");
                }
            }
        }
        let exists = meta.is_ok();
        if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")) {
            doc_paths.insert(p);
        } else {
            match (exists, source_of_asset.get(p.as_path())) {
                (true, Some(&i)) => {
                    affected.assets.insert(diagnostics::slash_path(&site.assets[i].rel));
                }
                (true, None) => assets_added.push(p),
                (false, Some(_)) => assets_removed.push(p),
                (false, None) => {}
            }
        }
    }
    let assets_changed = !assets_added.is_empty() || !assets_removed.is_empty();
    if doc_paths.is_empty() && !assets_changed {
        return Ok(affected);
    }

    // Load the new versions (in parallel: a `git checkout` changes many).
    let config = &site.config;
    let cats = &site.cats;
    let loaded: Vec<(PathBuf, Option<Document>, Vec<Diagnostic>)> = doc_paths
        .par_iter()
        .map(|p| {
            if p.is_file() {
                let (doc, diags) = content::load_document(config, cats, p);
                (p.clone(), doc, diags)
            } else {
                (p.clone(), None, Vec::new())
            }
        })
        .collect();
    affected.reparsed = loaded.iter().filter(|(p, _, _)| p.is_file()).count();

    let index_of = |p: &Path| site.index.by_path.get(p.strip_prefix(&content_dir).unwrap_or(p));
    // Old indices of the documents that changed (modified or removed).
    let changed_old: BTreeSet<DocId> = doc_paths.iter().filter_map(|p| index_of(p).copied()).collect();

    // A change is structural when the set of ids or paths changes: then
    // indices shift, and links that were broken may now resolve.
    let mut new_ids: HashSet<&str> = HashSet::new();
    for (_, doc, _) in &loaded {
        if let Some(d) = doc {
            if !new_ids.insert(d.id.as_str()) {
                return full("two changed documents have the same id");
            }
        }
    }
    for (i, d) in site.docs.iter_enumerated() {
        if !changed_old.contains(&i) && new_ids.contains(d.id.as_str()) {
            return full("a changed document took an id already in use");
        }
    }
    let same_docs = loaded.iter().all(|(p, doc, _)| match (doc, index_of(p)) {
        (Some(d), Some(&i)) => site.docs[i].id == d.id,
        _ => false,
    });
    let structural = !same_docs || assets_changed;
    affected.structural = structural;

    // Which unchanged documents need their Markdown scanned again, as old
    // indices: those linking to a changed document whose link text or
    // warning may change (title, status, superseder), and (when ids, paths
    // or assets changed) those with broken links, which may now resolve.
    let g = &site.graph;
    let new_by_source: HashMap<&Path, &Document> = loaded
        .iter()
        .filter_map(|(p, d, _)| d.as_ref().map(|d| (p.as_path(), d)))
        .collect();
    let mut rerender_old: BTreeSet<DocId> = BTreeSet::new();
    let mut page_urls: BTreeSet<String> = BTreeSet::new();
    let mut superseded_ids: HashSet<String> = HashSet::new();
    // How each changed document looked on the pages that show it.
    let mut old_views: HashMap<PathBuf, View> = HashMap::new();
    for &c in &changed_old {
        let old = &site.docs[c];
        let new = new_by_source.get(old.source.as_path()).copied();
        page_urls.insert(old.url.clone());
        old_views.insert(old.source.clone(), view(site, c));
        let sup = |d: &Document| d.supersedes.as_ref().map(|s| s.value.clone());
        if new.is_none_or(|n| n.title != old.title || n.status != old.status || sup(n) != sup(old)) {
            rerender_old.extend(g.backlinks[c].iter().copied());
        }
        if new.is_none_or(|n| n.title != old.title || sup(n) != sup(old)) {
            superseded_ids.extend(sup(old));
            superseded_ids.extend(new.and_then(sup));
        }
    }
    for (p, doc, _) in &loaded {
        if !changed_old.iter().any(|&c| site.docs[c].source == *p) {
            superseded_ids.extend(
                doc.as_ref()
                    .and_then(|d| d.supersedes.as_ref())
                    .map(|s| s.value.clone()),
            );
        }
    }
    for id in &superseded_ids {
        if let Some(&t) = site.index.by_id.get(id) {
            rerender_old.extend(g.backlinks[t].iter().copied());
        }
    }
    if structural {
        for (i, r) in site.rendered.iter_enumerated() {
            let broken = r.links.iter().any(|l| l.resolved.target == LinkTarget::Broken);
            let asset = !assets_removed.is_empty() && r.links.iter().any(|l| l.resolved.target == LinkTarget::Asset);
            if broken || asset {
                rerender_old.insert(i);
            }
        }
    }

    let mut load_diags = Vec::new();
    let changed_files: HashSet<PathBuf> = doc_paths.iter().map(|p| config.rel(p).to_path_buf()).collect();
    let mut fresh_docs: HashMap<PathBuf, Document> = HashMap::new();
    for (p, doc, diags) in loaded {
        load_diags.extend(diags);
        if let Some(d) = doc {
            fresh_docs.insert(p, d);
        }
    }
    let (docs, rendered, index) = if structural {
        assemble(
            site,
            fresh_docs,
            &changed_old,
            &rerender_old,
            assets_added,
            &assets_removed,
            &mut affected,
        )
    } else {
        // Every changed document takes its old place: replace them (and
        // drop the scans to redo) without moving the others; the index
        // still holds.
        let mut docs = std::mem::take(&mut site.docs);
        let mut rendered: PerDoc<Option<Rendered>> = std::mem::take(&mut site.rendered).into_iter().map(Some).collect();
        for &c in &changed_old {
            if let Some(new) = fresh_docs.remove(&docs[c].source) {
                docs[c] = new;
            }
            rendered[c] = None;
        }
        for &r in &rerender_old {
            rendered[r] = None;
        }
        (docs, rendered, std::mem::take(&mut site.index))
    };
    let rescanned: Vec<DocId> = rendered
        .iter_enumerated()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| i)
        .collect();
    affected.rerendered = rescanned.len();
    // The changed files' own findings are replaced; everything derived
    // from the documents together is derived again, as a load does.
    let mut file_diags = std::mem::take(&mut site.file_diags);
    file_diags.retain(|d| !d.file.as_ref().is_some_and(|f| changed_files.contains(f)));
    file_diags.extend(load_diags);
    let old_included = std::mem::take(&mut site.included);
    // The history is read at load (and again after a commit); an edit
    // makes the work tree differ from it.
    let identity = site
        .identity
        .take()
        .map(|i| crate::history::Identity { modified: true, ..i });
    let parsed = Parsed {
        docs,
        assets: std::mem::take(&mut site.assets),
        rendered,
        index: Some(index),
        file_diags,
        control: site.control.take(),
        identity,
    };
    *site = Site::derive(
        site.config.clone(),
        site.cats.clone(),
        site.options.clone(),
        parsed,
        Timings::default(),
    );
    for i in rescanned {
        page_urls.insert(site.docs[i].url.clone());
    }
    affected.pages_changed = structural || site.included != old_included;

    // Pages showing a changed document as a neighbour: all of them when
    // what they show of it changed, else those where it came or went.
    let mut new_views: HashMap<PathBuf, View> = HashMap::new();
    for p in &doc_paths {
        let rel = p.strip_prefix(&content_dir).unwrap_or(p);
        if let Some(&i) = site.index.by_path.get(rel) {
            page_urls.insert(site.docs[i].url.clone());
            new_views.insert(p.clone(), view(site, i));
        }
    }
    for p in &doc_paths {
        match (old_views.get(p), new_views.get(p)) {
            (Some(o), Some(n)) if o.summary == n.summary => {
                page_urls.extend(o.shown_on.symmetric_difference(&n.shown_on).map(|(_, u)| u.clone()));
            }
            (o, n) => {
                page_urls.extend(
                    o.into_iter()
                        .chain(n)
                        .flat_map(|v| v.shown_on.iter().map(|(_, u)| u.clone())),
                );
            }
        }
    }
    affected.pages = page_urls.into_iter().map(|u| format!("{u}index.html")).collect();
    Ok(affected)
}

/// The new document list after a structural change, in discovery (path)
/// order, moving the unchanged documents and their scans rather than
/// copying; `None` marks a scan to redo. Also applies added and removed
/// assets and builds the new index.
fn assemble(
    site: &mut Site,
    fresh_docs: HashMap<PathBuf, Document>,
    changed_old: &BTreeSet<DocId>,
    rerender_old: &BTreeSet<DocId>,
    assets_added: Vec<PathBuf>,
    assets_removed: &[PathBuf],
    affected: &mut Affected,
) -> (PerDoc<Document>, PerDoc<Option<Rendered>>, Index) {
    let old_n = site.docs.len();
    let old_docs = std::mem::take(&mut site.docs);
    let old_rendered = std::mem::take(&mut site.rendered);
    let mut entries: Vec<(Document, Option<Rendered>, Option<DocId>)> = Vec::with_capacity(old_n + fresh_docs.len());
    for (i, (d, r)) in old_docs.ids().zip(old_docs.into_iter().zip(old_rendered)) {
        if !changed_old.contains(&i) {
            let keep = (!rerender_old.contains(&i)).then_some(r);
            entries.push((d, keep, Some(i)));
        }
    }
    entries.extend(fresh_docs.into_values().map(|d| (d, None, None)));
    // Mostly sorted already, which the standard sort handles in linear time.
    entries.sort_by(|a, b| a.0.source.cmp(&b.0.source));
    let mut old_to_new: PerDoc<Option<DocId>> = vec![None; old_n].into();
    for (n, (_, _, old)) in entries.iter().enumerate() {
        if let Some(o) = old {
            old_to_new[*o] = Some(DocId::new(n));
        }
    }

    let content_dir = crate::paths::normalise(&site.config.content_dir);
    let assets_changed = !assets_added.is_empty() || !assets_removed.is_empty();
    for p in assets_removed {
        site.assets.retain(|a| &a.source != p);
    }
    for p in assets_added {
        let rel = p.strip_prefix(&content_dir).unwrap_or(&p).to_path_buf();
        affected.assets.insert(diagnostics::slash_path(&rel));
        site.assets.push(content::Asset { source: p, rel });
    }
    if assets_changed {
        site.assets.sort_by(|a, b| a.source.cmp(&b.source));
    }

    let mut docs = PerDoc::new();
    let mut rendered: PerDoc<Option<Rendered>> = PerDoc::new();
    for (d, r, _) in entries {
        docs.push(d);
        rendered.push(r);
    }
    let index = Index::new(&docs, &site.assets);
    // Kept scans point at old indices; move them to the new ones.
    for r in rendered.iter_mut() {
        let Some(kept) = r else { continue };
        let mut stale = false;
        for l in &mut kept.links {
            if let LinkTarget::Doc(t) = l.resolved.target {
                match old_to_new.get(t).copied().flatten() {
                    Some(n) => l.resolved.target = LinkTarget::Doc(n),
                    None => stale = true,
                }
            }
        }
        if stale {
            // Cannot happen (such documents are backlinks of a changed one
            // and scanned again anyway), but scanning again is always
            // correct.
            *r = None;
        }
    }
    (docs, rendered, index)
}

/// What a list of documents shows of one: what the pages listing it are
/// made of.
#[derive(PartialEq)]
struct Listed {
    id: String,
    title: String,
    doc_type: crate::model::DocType,
    status: crate::model::Status,
    owner: Option<String>,
    version: Option<String>,
    url: String,
    review: crate::reviews::Review,
}

impl Listed {
    fn of(site: &Site, i: DocId) -> Listed {
        let d = &site.docs[i];
        Listed {
            id: d.id.clone(),
            title: d.title.clone(),
            doc_type: d.doc_type,
            status: d.status,
            owner: d.owner.clone(),
            version: d.version.clone(),
            url: d.url.clone(),
            review: site.reviews[i],
        }
    }
}

/// What pages of other documents show of a document.
struct View {
    /// As listed on them (title, status, review …).
    summary: Listed,
    /// (relation, URL) of each document page listing it: as a backlink,
    /// as related, as superseded or as superseding, as previous or next.
    shown_on: BTreeSet<(u8, String)>,
}

fn view(site: &Site, i: DocId) -> View {
    let g = &site.graph;
    let url = |j: &DocId| site.docs[*j].url.clone();
    let mut shown_on = BTreeSet::new();
    shown_on.extend(g.outgoing[i].iter().map(|j| (0, url(j))));
    shown_on.extend(g.related[i].iter().map(|j| (1, url(j))));
    shown_on.extend(g.superseded_by[i].iter().map(|j| (2, url(j))));
    shown_on.extend(g.supersedes[i].iter().map(|j| (3, url(j))));
    // Its neighbours in register order link to it as previous/next.
    let (prev, next) = site.neighbours(i);
    shown_on.extend(prev.iter().chain(next.iter()).map(|j| (4, url(j))));
    View {
        summary: Listed::of(site, i),
        shown_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::BuildOptions;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    fn doc(id: &str, title: &str, body: &str) -> String {
        format!("---\nid: {id}\ntitle: {title}\ntype: record\nstatus: approved\n---\n{body}\n")
    }

    fn handbook() -> (tempfile::TempDir, Site) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "smsdoc.toml", "title = \"T\"\n");
        write(
            root,
            "docs/a.md",
            &doc("REC-A", "Alpha", "See [[REC-B]] and [b](b.md#scope)."),
        );
        write(root, "docs/b.md", &doc("REC-B", "Beta", "## Scope\n\nText."));
        write(root, "docs/c.md", &doc("REC-C", "Gamma", "Nothing here."));
        write(root, "docs/img.png", "png");
        let config = crate::config::load(root).unwrap();
        let today = crate::dates::parse_date("2026-01-01").unwrap();
        let site = Site::load(config, BuildOptions { today, drafts: true }).unwrap();
        (dir, site)
    }

    fn fresh(site: &Site) -> Site {
        Site::load(site.config.clone(), site.options.clone()).unwrap()
    }

    /// The incrementally updated site must equal a fresh load in everything
    /// pages are made of.
    fn assert_same(a: &Site, b: &Site) {
        let ids = |s: &Site| s.docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(a), ids(b));
        for (i, (x, y)) in a
            .rendered
            .iter_enumerated()
            .zip(&b.rendered)
            .map(|((i, x), y)| (i, (x, y)))
        {
            assert_eq!(x.text, y.text);
            assert_eq!(x.anchors, y.anchors);
            assert_eq!(a.doc_html(i), b.doc_html(i));
        }
        assert_eq!(a.graph.backlinks, b.graph.backlinks);
        assert_eq!(a.graph.outgoing, b.graph.outgoing);
        assert_eq!(a.graph.related, b.graph.related);
        assert_eq!(a.graph.supersedes, b.graph.supersedes);
        assert_eq!(a.graph.superseded_by, b.graph.superseded_by);
        let links = |s: &Site| {
            s.rendered
                .iter()
                .map(|r| {
                    r.links
                        .iter()
                        .map(|l| {
                            (
                                l.resolved.target.clone(),
                                l.resolved.href.clone(),
                                l.resolved.text.clone(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(links(a), links(b));
        // `help` is left out: "did you mean" picks among equally close
        // candidates in hash order, which differs between two loads.
        let key = |s: &Site| {
            s.diags
                .iter()
                .map(|d| (d.severity, d.code, d.file.clone(), d.line, d.column, d.message.clone()))
                .collect::<Vec<_>>()
        };
        let (ka, kb) = (key(a), key(b));
        let only_a: Vec<_> = ka.iter().filter(|d| !kb.contains(d)).collect();
        let only_b: Vec<_> = kb.iter().filter(|d| !ka.contains(d)).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty(),
            "only incremental: {only_a:?}\nonly full: {only_b:?}"
        );
        assert_eq!(ka, kb, "same diagnostics, different order");
        assert_eq!(a.included, b.included);
        let assets = |s: &Site| s.assets.iter().map(|x| x.rel.clone()).collect::<Vec<_>>();
        assert_eq!(assets(a), assets(b));
        let cov = |s: &Site| s.coverage.standards.iter().map(|c| c.totals).collect::<Vec<_>>();
        assert_eq!(cov(a), cov(b));
    }

    #[test]
    fn title_change_rerenders_linking_and_neighbouring_documents_only() {
        let (dir, mut site) = handbook();
        let b = dir.path().join("docs/b.md");
        write(dir.path(), "docs/b.md", &doc("REC-B", "Beta two", "## Scope\n\nText."));
        let a = update(&mut site, &[b]).unwrap();
        assert!(!a.structural);
        assert_eq!(a.reparsed, 1);
        assert_eq!(a.rerendered, 2, "b itself and a, which links to it");
        let first = DocId::new(0);
        assert!(
            site.doc_html(first).contains("Beta two (REC-B)"),
            "{}",
            site.doc_html(first)
        );
        // a links to it; a and c are its neighbours in the register, whose
        // previous/next links show its title.
        assert_eq!(
            a.pages,
            ["a/index.html", "b/index.html", "c/index.html"]
                .into_iter()
                .map(String::from)
                .collect()
        );
        assert_same(&site, &fresh(&site));
    }

    #[test]
    fn broken_front_matter_removes_the_document_and_recovers() {
        let (dir, mut site) = handbook();
        let b = dir.path().join("docs/b.md");
        write(dir.path(), "docs/b.md", "---\nid: [unclosed\n---\n");
        let a = update(&mut site, std::slice::from_ref(&b)).unwrap();
        assert!(a.structural);
        assert_eq!(site.docs.len(), 2);
        assert!(site.diags.iter().any(|d| d.code == Code::FrontMatter));
        assert!(
            site.diags.iter().any(|d| d.code == Code::BrokenLink),
            "a's links are now broken"
        );
        assert!(a.pages.contains("b/index.html"));
        assert_same(&site, &fresh(&site));
        write(dir.path(), "docs/b.md", &doc("REC-B", "Beta", "## Scope\n\nText."));
        update(&mut site, &[b]).unwrap();
        assert_eq!(site.docs.len(), 3);
        assert_eq!(site.errors(), 0, "{:?}", site.diags);
        assert_same(&site, &fresh(&site));
    }

    #[test]
    fn added_removed_and_renamed_documents_match_a_full_load() {
        let (dir, mut site) = handbook();
        let root = dir.path();
        write(root, "docs/ab.md", &doc("REC-AB", "Between", "Links to [[REC-C]]."));
        let a = update(&mut site, &[root.join("docs/ab.md")]).unwrap();
        assert!(
            a.pages.contains("ab/index.html") && a.pages.contains("c/index.html"),
            "{:?}",
            a.pages
        );
        assert_same(&site, &fresh(&site));
        std::fs::rename(root.join("docs/c.md"), root.join("docs/d.md")).unwrap();
        update(&mut site, &[root.join("docs/c.md"), root.join("docs/d.md")]).unwrap();
        assert_same(&site, &fresh(&site));
        std::fs::remove_file(root.join("docs/b.md")).unwrap();
        update(&mut site, &[root.join("docs/b.md")]).unwrap();
        assert_same(&site, &fresh(&site));
    }

    #[test]
    fn assets_and_folders() {
        let (dir, mut site) = handbook();
        let root = dir.path();
        write(root, "docs/c.md", &doc("REC-C", "Gamma", "![x](new.png)"));
        update(&mut site, &[root.join("docs/c.md")]).unwrap();
        assert_eq!(site.errors(), 1);
        write(root, "docs/new.png", "png");
        let a = update(&mut site, &[root.join("docs/new.png")]).unwrap();
        assert!(a.assets.contains("new.png"));
        assert_eq!(site.errors(), 0, "{:?}", site.diags);
        assert_same(&site, &fresh(&site));
        let a = update(&mut site, &[root.join("docs/img.png")]).unwrap();
        assert!(a.pages.is_empty() && a.assets.contains("img.png"));
        std::fs::create_dir(root.join("docs/sub")).unwrap();
        assert!(update(&mut site, &[root.join("docs/sub")]).is_err());
    }

    #[test]
    fn duplicate_ids_need_a_full_reload() {
        let (dir, mut site) = handbook();
        write(dir.path(), "docs/c.md", &doc("REC-A", "Gamma", ""));
        assert!(update(&mut site, &[dir.path().join("docs/c.md")]).is_err());
        assert_eq!(site.docs.len(), 3, "unchanged on error");
    }

    /// Random edits: after each, the incremental site equals a fresh load,
    /// and every document page whose HTML changed is among those `update`
    /// reported (when the shared site data is unchanged; otherwise the
    /// server renders everything).
    #[test]
    fn random_edits_match_a_full_load_and_report_every_changed_page() {
        random_edits(0x5eed, true);
        random_edits(0xfeed, false);
        random_edits(0xbeef, true);
    }

    fn random_edits(seed: u64, drafts: bool) {
        let (dir, mut site) = handbook();
        site.options.drafts = drafts;
        site = fresh(&site);
        let root = dir.path().to_path_buf();
        let templates = crate::templates::Templates::load(&site.config).unwrap();
        let pages = |s: &Site| -> (crate::context::SiteData, HashMap<String, String>) {
            let shared = crate::context::SiteData::shared(s);
            let map = s
                .docs
                .ids()
                .filter(|&i| s.included[i])
                .map(|i| {
                    let f = crate::pages::render_doc(s, &templates, &shared, i).unwrap();
                    let crate::layout::FileData::Bytes(b) = f.data else {
                        unreachable!()
                    };
                    (f.path, String::from_utf8(b).unwrap())
                })
                .collect();
            (shared, map)
        };
        // `register` collides with the generated /register/ page.
        let names = ["a", "b", "c", "d", "register"];
        let mut seed = seed;
        let mut rnd = |n: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % n) as usize
        };
        let mut before = pages(&site);
        let mut checked = 0;
        for step in 0..90 {
            let k = rnd(5);
            let mut path = root.join(format!("docs/{}.md", names[k]));
            let id = format!("REC-{}", names[k].to_uppercase());
            let op = rnd(10);
            if op >= 8 {
                // Assets come and go: one a page shows, one in the place
                // of a generated file (an `io` collision).
                path = root.join(if op == 8 {
                    "docs/img2.png"
                } else {
                    "docs/search-index.js"
                });
                if path.exists() {
                    std::fs::remove_file(&path).unwrap();
                } else {
                    std::fs::write(&path, "bytes").unwrap();
                }
            } else if op == 0 {
                let _ = std::fs::remove_file(&path);
            } else if op == 1 {
                std::fs::write(&path, "---\nid: [broken\n---\n").unwrap();
            } else {
                let title = ["Alpha", "Beta", "Gamma"][rnd(3)];
                let status = ["approved", "draft", "retired"][rnd(3)];
                let other = names[rnd(5)];
                let mut fm = format!("---\nid: {id}\ntitle: {title}\ntype: record\nstatus: {status}\n");
                if rnd(2) == 0 {
                    fm.push_str(&format!("related: [REC-{}]\n", names[rnd(5)].to_uppercase()));
                }
                if rnd(3) == 0 {
                    fm.push_str(&format!("supersedes: REC-{}\n", names[rnd(5)].to_uppercase()));
                }
                let body = match rnd(4) {
                    0 => format!("See [[REC-{}]].\n\n## Scope\n", other.to_uppercase()),
                    1 => format!("See [x]({other}.md#scope).\n\n## Scope\n"),
                    2 => format!(
                        "![i](img.png) ![j](img2.png) [[REC-{}#scope|there]]\n",
                        other.to_uppercase()
                    ),
                    _ => "## Other\n\nPlain.\n".to_string(),
                };
                std::fs::write(&path, format!("{fm}---\n{body}")).unwrap();
            }
            let result = update(&mut site, std::slice::from_ref(&path));
            let full = fresh(&site);
            let affected = match result {
                Ok(a) => {
                    assert_same(&site, &full);
                    Some(a)
                }
                Err(_) => {
                    site = full;
                    None
                }
            };
            let after = pages(&site);
            if let Some(a) = affected {
                if after.0 == before.0 {
                    checked += 1;
                    for (p, html) in &after.1 {
                        if before.1.get(p) != Some(html) {
                            assert!(
                                a.pages.contains(p),
                                "step {step}: {p} changed but was not reported ({:?})",
                                a.pages
                            );
                        }
                    }
                }
            }
            before = after;
        }
        assert!(checked > 20, "only {checked} steps compared pages");
    }

    #[test]
    fn classification() {
        let (dir, site) = handbook();
        let root = dir.path();
        let git = root.join(".git");
        let c = |p: &str| classify(&site.config, &[root.join("public")], Some(&git), &root.join(p));
        assert_eq!(c("smsdoc.toml"), Change::Config);
        assert_eq!(c("templates/page.html"), Change::Template);
        assert_eq!(c("templates/.page.html.swp"), Change::Ignored);
        assert_eq!(c("docs/x.md"), Change::Content(root.join("docs/x.md")));
        assert_eq!(c("docs/.x.md.swp"), Change::Ignored);
        assert_eq!(c("docs/x.md~"), Change::Ignored);
        assert_eq!(c("docs/.git/index"), Change::Ignored);
        assert_eq!(c(".git/HEAD"), Change::History);
        assert_eq!(c(".git/refs/heads/main"), Change::History);
        assert_eq!(c(".git/index"), Change::Ignored);
        assert_eq!(c("public/index.html"), Change::Ignored);
        assert_eq!(c("static/site.css"), Change::Static(root.join("static/site.css")));
        assert_eq!(c("static/#site.css#"), Change::Ignored);
        assert_eq!(c("README.md"), Change::Ignored);
    }
}
