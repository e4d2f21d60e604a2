//! Cross-references: resolving id links, clause links, relative links and
//! assets to URLs; checking anchors; and the link graph (backlinks, related,
//! supersedes) that document pages show.

use crate::catalogue::{Catalogues, TagResolution};
use crate::content::{Asset, Document};
use crate::diagnostics::{Code, Diagnostic, LineIndex};
use crate::markdown::{LinkResolver, LinkTarget, Rendered, Resolved};
use crate::model::{DocId, PerDoc, Status};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Lookup tables over the loaded content, built once per build (O(n)).
#[derive(Debug, Default, Clone)]
pub struct Index {
    pub by_id: HashMap<String, DocId>,
    /// Normalised path under the content directory → document.
    pub by_path: HashMap<PathBuf, DocId>,
    pub assets: HashSet<PathBuf>,
}

impl Index {
    pub fn new(docs: &PerDoc<Document>, assets: &[Asset]) -> Index {
        Index {
            by_id: docs.iter_enumerated().map(|(i, d)| (d.id.clone(), i)).collect(),
            by_path: docs.iter_enumerated().map(|(i, d)| (d.rel.clone(), i)).collect(),
            assets: assets.iter().map(|a| a.rel.clone()).collect(),
        }
    }
}

/// Above this many documents, "did you mean" for an unknown id or path
/// only tries cheap exact variants: comparing every broken link with every
/// document would make a badly broken large handbook quadratic to check.
const FUZZY_SUGGESTION_LIMIT: usize = 2_000;

impl Index {
    /// A likely intended document id: a different case or zero padding
    /// (`pro-4`, `PRO-4` → `PRO-004`), else, in handbooks of moderate size,
    /// the closest id.
    pub fn suggest_id(&self, id: &str) -> Option<String> {
        let upper = id.trim().to_uppercase();
        if upper != id && self.by_id.contains_key(&upper) {
            return Some(upper);
        }
        if let Some((prefix, number)) = upper.rsplit_once('-') {
            let digits = number.trim_start_matches('0');
            if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
                for width in digits.len()..=6 {
                    let candidate = format!("{prefix}-{digits:0>width$}");
                    if candidate != id && self.by_id.contains_key(&candidate) {
                        return Some(candidate);
                    }
                }
            }
        }
        if self.by_id.len() > FUZZY_SUGGESTION_LIMIT {
            return None;
        }
        crate::diagnostics::did_you_mean(id, self.by_id.keys().map(String::as_str))
    }

    /// The closest document path, in handbooks of moderate size.
    pub fn suggest_path(&self, path: &Path) -> Option<String> {
        if self.by_path.len() > FUZZY_SUGGESTION_LIMIT {
            return None;
        }
        let paths: Vec<_> = self.by_path.keys().map(|p| p.to_string_lossy()).collect();
        crate::diagnostics::did_you_mean(&path.to_string_lossy(), paths.iter().map(|p| p.as_ref()))
    }
}

/// Site URL of a path relative to the site root (`procedures/x/`).
pub fn href(base_url: &str, path: &str) -> String {
    let mut s = String::with_capacity(base_url.len() + path.len());
    s.push_str(base_url);
    s.push_str(path);
    s
}

/// URL of a clause page, relative to the site root.
pub fn clause_path(cats: &Catalogues, r: crate::catalogue::ClauseRef) -> String {
    let number = &cats.clause(r).number;
    if r.catalogue == 0 {
        format!("clauses/{number}/")
    } else {
        format!("clauses/{}/{number}/", cats.list[r.catalogue].slug())
    }
}

/// Resolves the links of one document.
pub struct DocResolver<'a> {
    pub doc: &'a Document,
    pub docs: &'a PerDoc<Document>,
    pub index: &'a Index,
    pub cats: &'a Catalogues,
    /// Prefix from the page being rendered to the site root (`../../`, or
    /// the base URL).
    pub base_url: &'a str,
    /// Appended to page links (`index.html` for relative links).
    pub index_suffix: &'a str,
}

impl DocResolver<'_> {
    fn broken(&self, dest: &str, code: Code, message: String, help: &str) -> Resolved {
        Resolved {
            href: dest.to_string(),
            text: None,
            target: LinkTarget::Broken,
            anchor: None,
            problem: Some(Diagnostic::error(code, message).help(help.to_string())),
        }
    }

    fn to_doc(&self, target: DocId, anchor: Option<&str>, wiki: bool) -> Resolved {
        let t = &self.docs[target];
        let mut href = href(self.base_url, &t.url);
        href.push_str(self.index_suffix);
        if let Some(a) = anchor {
            href.push('#');
            href.push_str(a);
        }
        // A policy, procedure, plan or process in force that links to a
        // retired document sends its reader to rules no longer in force.
        // Anywhere else (records, reports, registers, the document that
        // replaces it, a retired one) such a link is history.
        let from = self.doc;
        let is_history = from.status == Status::Retired
            || !from.doc_type.is_governing()
            || from.supersedes.as_ref().is_some_and(|s| s.value == t.id);
        let problem = (t.status == Status::Retired && !is_history).then(|| {
            let successors: Vec<String> = self
                .docs
                .iter()
                .filter(|d| d.supersedes.as_ref().is_some_and(|s| s.value == t.id))
                .map(|d| format!("{} {}", d.id, d.title))
                .collect();
            let help = if successors.is_empty() {
                "nothing supersedes it: link to the document now in force instead (or name it in that document's `supersedes`)".to_string()
            } else {
                format!("it is superseded by {}: link to that instead", successors.join(" and "))
            };
            Diagnostic::warning(
                Code::RetiredLink,
                format!("link to retired document {} {}", t.id, t.title),
            )
            .about(t.id.clone())
            .help(help)
        });
        Resolved {
            href,
            text: wiki.then(|| format!("{} ({})", t.title, t.id)),
            target: LinkTarget::Doc(target),
            anchor: anchor.map(str::to_string),
            problem,
        }
    }
}

impl LinkResolver for DocResolver<'_> {
    fn resolve(&self, dest: &str, wiki: bool, image: bool) -> Resolved {
        if wiki {
            let dest = dest.trim();
            if let Some(tag) = dest.strip_prefix("clause:") {
                return match self.cats.resolve(tag) {
                    TagResolution::Found(r) | TagResolution::TooDeep(r) => {
                        let c = self.cats.clause(r);
                        Resolved {
                            href: href(self.base_url, &clause_path(self.cats, r)) + self.index_suffix,
                            text: Some(format!("{} {}", c.number, c.title)),
                            target: LinkTarget::Clause(r),
                            anchor: None,
                            problem: None,
                        }
                    }
                    TagResolution::Unknown { suggestion } => self.broken(
                        dest,
                        Code::BrokenLink,
                        format!("link to unknown clause `{tag}`"),
                        &suggestion.map_or("`smsdoc clauses` lists the clause numbers".into(), |s| {
                            format!("did you mean {s}?")
                        }),
                    ),
                    TagResolution::UnknownStandard { standard, .. } => self.broken(
                        dest,
                        Code::BrokenLink,
                        format!("link to clause `{tag}` of `{standard}`, which is not loaded"),
                        "add the standard to `standards` in smsdoc.toml",
                    ),
                };
            }
            let (id, anchor) = match dest.split_once('#') {
                Some((i, a)) => (i.trim(), Some(a.trim())),
                None => (dest, None),
            };
            return match self.index.by_id.get(id) {
                Some(&t) => self.to_doc(t, anchor, true),
                None => {
                    let help = match self.index.suggest_id(id) {
                        Some(s) => format!("did you mean [[{s}]]?"),
                        None => "check the id in the target's front matter".into(),
                    };
                    let mut r = self.broken(
                        dest,
                        Code::BrokenLink,
                        format!("link to unknown document id `{id}`"),
                        &help,
                    );
                    r.problem = r.problem.map(|d| d.about(id));
                    r
                }
            };
        }
        if let Some(anchor) = dest.strip_prefix('#') {
            return Resolved {
                href: dest.to_string(),
                text: None,
                target: LinkTarget::SelfAnchor,
                anchor: Some(anchor.to_string()),
                problem: None,
            };
        }
        if is_external(dest) {
            return Resolved {
                href: dest.to_string(),
                text: None,
                target: LinkTarget::External,
                anchor: None,
                problem: None,
            };
        }
        let (path_part, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(a)),
            None => (dest, None),
        };
        let path_part = path_part.split('?').next().unwrap_or(path_part);
        let decoded = percent_decode(path_part);
        let base = self.doc.rel.parent().unwrap_or(Path::new(""));
        let joined = crate::paths::normalise(&base.join(decoded.trim_start_matches('/')));
        let joined = if decoded.starts_with('/') {
            crate::paths::normalise(Path::new(decoded.trim_start_matches('/')))
        } else {
            joined
        };
        if joined.starts_with("..") || decoded.contains('\0') {
            return self.broken(
                dest,
                Code::BrokenLink,
                format!("link `{dest}` points outside the content directory"),
                "link only to documents and files inside the content directory",
            );
        }
        if joined.as_os_str().is_empty() {
            return self.broken(
                dest,
                Code::BrokenLink,
                format!("link `{dest}` has no target"),
                "link to a .md file or an asset",
            );
        }
        if let Some(&t) = self.index.by_path.get(&joined) {
            return self.to_doc(t, anchor, false);
        }
        if self.index.assets.contains(&joined) {
            let mut h = href(self.base_url, &encode_path(&joined));
            if let Some(a) = anchor {
                h.push('#');
                h.push_str(a);
            }
            return Resolved {
                href: h,
                text: None,
                target: LinkTarget::Asset,
                anchor: None,
                problem: None,
            };
        }
        let what = if image { "image" } else { "link" };
        let help = match self.index.suggest_path(&joined) {
            Some(s) => format!("did you mean `{s}`? Paths are relative to this document's folder"),
            None => "paths are relative to this document's folder; check the file name".into(),
        };
        let path = crate::diagnostics::slash_path(&joined);
        let mut r = self.broken(
            dest,
            Code::BrokenLink,
            format!("{what} target `{path}` does not exist"),
            &help,
        );
        r.problem = r.problem.map(|d| d.about(path));
        r
    }
}

fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && !dest[..i].contains('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a relative path for use in a URL.
pub fn encode_path(p: &Path) -> String {
    crate::paths::encode_url_path(&crate::diagnostics::slash_path(p))
}

/// The link graph of the whole site.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    /// Documents each document links to (deduplicated, in order).
    pub outgoing: PerDoc<Vec<DocId>>,
    /// Documents that link to each document (sorted).
    pub backlinks: PerDoc<Vec<DocId>>,
    /// `related` in both directions (sorted, deduplicated).
    pub related: PerDoc<Vec<DocId>>,
    pub supersedes: PerDoc<Option<DocId>>,
    pub superseded_by: PerDoc<Vec<DocId>>,
}

/// Builds the graph and the link diagnostics (broken links, anchors,
/// related/supersedes ids). O(documents + links).
pub fn graph(docs: &PerDoc<Document>, rendered: &PerDoc<Rendered>, index: &Index) -> (Graph, Vec<Diagnostic>) {
    let n = docs.len();
    let mut g = Graph {
        outgoing: vec![Vec::new(); n].into(),
        backlinks: vec![Vec::new(); n].into(),
        related: vec![Vec::new(); n].into(),
        supersedes: vec![None; n].into(),
        superseded_by: vec![Vec::new(); n].into(),
    };
    let mut diags = Vec::new();
    // A document has a handful of headings: a linear scan of its anchor list
    // beats building a hash set per document on every (re)build. The rare
    // document with hundreds of headings gets a set, so that checking its
    // links stays linear (20 MB, 78k headings: 0.4 s instead of 8 s).
    let anchors: PerDoc<Anchors> = rendered.iter().map(|r| Anchors::new(&r.anchors)).collect();
    // Per document (in parallel): its link diagnostics and the documents it
    // links to, each once, in order of first link.
    let per_doc: Vec<(Vec<Diagnostic>, Vec<DocId>)> = docs
        .par_iter()
        .zip(rendered.as_slice())
        .enumerate()
        .map(|(i, (doc, r))| {
            let i = DocId::new(i);
            let diags = doc_link_diagnostics(doc, r, i, &anchors, docs);
            let targets = r.links.iter().filter_map(|l| match l.resolved.target {
                LinkTarget::Doc(t) if t != i => Some(t),
                _ => None,
            });
            let mut out: Vec<DocId> = Vec::new();
            if r.links.len() <= 32 {
                for t in targets {
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
            } else {
                let mut seen = HashSet::new();
                out.extend(targets.filter(|&t| seen.insert(t)));
            }
            (diags, out)
        })
        .collect();
    for (i, (d, outgoing)) in docs.ids().zip(per_doc) {
        diags.extend(d);
        for &t in &outgoing {
            g.backlinks[t].push(i);
        }
        g.outgoing[i] = outgoing;
    }
    for (i, doc) in docs.iter_enumerated() {
        for rel in &doc.related {
            match index.by_id.get(&rel.value) {
                Some(&t) if t != i => {
                    g.related[i].push(t);
                    g.related[t].push(i);
                }
                Some(_) => {}
                None => diags.push(unknown_id(doc, "related", &rel.value, rel.pos, index)),
            }
        }
        if let Some(s) = &doc.supersedes {
            match index.by_id.get(&s.value) {
                Some(&t) if t != i => {
                    g.supersedes[i] = Some(t);
                    g.superseded_by[t].push(i);
                }
                Some(_) => {}
                None => diags.push(unknown_id(doc, "supersedes", &s.value, s.pos, index)),
            }
        }
    }
    for list in g
        .backlinks
        .iter_mut()
        .chain(g.related.iter_mut())
        .chain(g.superseded_by.iter_mut())
    {
        list.sort_unstable();
        list.dedup();
    }
    (g, diags)
}

fn unknown_id(doc: &Document, field: &str, id: &str, pos: crate::frontmatter::Pos, index: &Index) -> Diagnostic {
    let help = match index.suggest_id(id) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "use the id from the other document's front matter".into(),
    };
    Diagnostic::error(Code::BrokenLink, format!("`{field}` names unknown document id `{id}`"))
        .at(doc.file.clone(), pos.line, pos.column)
        .about(id)
        .help(help)
}

/// Diagnostics for the links inside one document's body.
/// The heading ids of one document, for anchor checks.
struct Anchors<'a> {
    list: &'a [String],
    set: Option<HashSet<&'a str>>,
}

impl<'a> Anchors<'a> {
    const SET_ABOVE: usize = 32;
    fn new(list: &'a [String]) -> Self {
        let set = (list.len() > Self::SET_ABOVE).then(|| list.iter().map(String::as_str).collect());
        Anchors { list, set }
    }
    fn contains(&self, a: &str) -> bool {
        match &self.set {
            Some(s) => s.contains(a),
            None => self.list.iter().any(|x| x == a),
        }
    }
}

/// "Did you mean" costs one string comparison per heading of the target:
/// past this many comparisons in one document, broken anchors get the
/// plain help, so a document with thousands of broken anchors into one
/// with thousands of headings stays fast.
const SUGGESTION_BUDGET: usize = 2_000_000;

fn doc_link_diagnostics(
    doc: &Document,
    r: &Rendered,
    i: DocId,
    anchors: &PerDoc<Anchors>,
    docs: &PerDoc<Document>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut budget = SUGGESTION_BUDGET;
    let mut listings: HashMap<DocId, String> = HashMap::new();
    let mut lines: Option<LineIndex> = None;
    let mut locate = |offset: usize| {
        let idx = lines.get_or_insert_with(|| LineIndex::new(&doc.text));
        idx.line_col(&doc.text, doc.body_offset + offset)
    };
    for l in &r.links {
        if let Some(p) = &l.resolved.problem {
            let (line, col) = locate(l.offset);
            out.push(p.clone().at(doc.file.clone(), line, col));
        }
        let target_anchors = match (&l.resolved.target, &l.resolved.anchor) {
            (LinkTarget::Doc(t), Some(a)) => Some((*t, a)),
            (LinkTarget::SelfAnchor, Some(a)) => Some((i, a)),
            _ => None,
        };
        if let Some((t, a)) = target_anchors {
            if !a.is_empty() && !anchors[t].contains(a) {
                let (line, col) = locate(l.offset);
                let list = anchors[t].list;
                let suggestion = if list.len() <= budget {
                    budget -= list.len();
                    crate::diagnostics::did_you_mean(a, list.iter().map(String::as_str))
                } else {
                    None
                };
                let help = match suggestion {
                    Some(s) => format!("did you mean `#{s}`?"),
                    None if list.is_empty() => "the target has no headings".to_string(),
                    None => listings
                        .entry(t)
                        .or_insert_with(|| {
                            // The first eight in order, without sorting them all.
                            let mut all: Vec<&str> = list.iter().map(String::as_str).collect();
                            let n = all.len().min(8);
                            if all.len() > n {
                                all.select_nth_unstable(n);
                            }
                            all.truncate(n);
                            all.sort_unstable();
                            format!("headings there: {}", all.join(", "))
                        })
                        .clone(),
                };
                let whose = if t == i {
                    "this document".to_string()
                } else {
                    format!("{} {}", docs[t].id, docs[t].title)
                };
                out.push(
                    Diagnostic::error(Code::BrokenAnchor, format!("no heading `#{a}` in {whose}"))
                        .at(doc.file.clone(), line, col)
                        .help(help),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_suggestions_try_case_and_padding_first() {
        let mut index = Index::default();
        for id in ["PRO-004", "PRO-010", "POL-1"] {
            index.by_id.insert(id.to_string(), DocId::new(0));
        }
        assert_eq!(index.suggest_id("pro-004").as_deref(), Some("PRO-004"));
        assert_eq!(index.suggest_id("PRO-4").as_deref(), Some("PRO-004"));
        assert_eq!(index.suggest_id("POL-001").as_deref(), Some("POL-1"));
        assert_eq!(index.suggest_id("PRO-0010").as_deref(), Some("PRO-010"));
        assert_eq!(index.suggest_id("ZZZ-999"), None);
    }

    #[test]
    fn external_links_are_recognised() {
        for e in ["https://x.org", "http://a", "mailto:a@b", "tel:+44", "//cdn.example"] {
            assert!(is_external(e), "{e}");
        }
        for l in ["../a.md", "a.md#x", "dir/a:b.md", "x"] {
            assert!(!is_external(l), "{l}");
        }
    }

    #[test]
    fn paths_encode_and_decode() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%é1"), "%é1");
        assert_eq!(
            encode_path(Path::new("assets/my diagram.png")),
            "assets/my%20diagram.png"
        );
    }
}
