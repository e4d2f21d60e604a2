//! What a change of the handbook renders for the preview: everything after
//! a full reload; otherwise the document pages that changed first, then the
//! overview pages and exports whose content differs, and `/print/` when
//! asked for. Each step returns a [`Delta`] of files for the served map.

use super::served::{Body, Files};
use super::watch::Notifier;
use crate::context::SiteData;
use crate::diagnostics::{Code, Diagnostic};
use crate::layout::{FileData, MemorySink, Sink, SiteFile};
use crate::model::DocId;
use crate::pages;
use crate::site::Site;
use crate::templates::Templates;
use bytes::Bytes;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

/// An error's identity across rebuilds (lines move while editing).
pub(super) type ErrKey = (Code, Option<PathBuf>, String);

pub(super) fn err_key(d: &Diagnostic) -> ErrKey {
    (d.code, d.file.clone(), d.message.clone())
}

/// The URL path a page is seen at: `x/index.html` → `/x/`.
pub(super) fn url_of(output_path: &str) -> String {
    match output_path.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{output_path}"),
    }
}

/// Reloads name at most this many pages; past it, every page reloads.
pub(super) const MAX_NAMED_PATHS: usize = 500;

/// What the served site was rendered from, to tell what a later state
/// changes.
pub(super) struct Published {
    /// The shared `site` data of the published state: every page embeds it.
    pub(super) shared: SiteData,
    /// Template context of each non-document page.
    pub(super) list_ctx: HashMap<String, OverviewContext>,
    /// Output paths of the document pages.
    pub(super) doc_pages: HashSet<String>,
    /// Output paths of the content assets.
    pub(super) assets: HashSet<String>,
    /// Errors the published state had; a state with others is held back.
    pub(super) errors: HashSet<ErrKey>,
}

/// Document pages affected by changes not yet published (output paths);
/// `all` after a full reload.
#[derive(Default)]
pub(super) struct Pending {
    pub(super) all: bool,
    pub(super) pages: BTreeSet<String>,
    /// Documents or assets came or went since the last publish: the sets
    /// of pages and assets must be compared again.
    pub(super) layout: bool,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Outcome {
    pub(super) blocked: bool,
    /// Pages rendered.
    pub(super) rendered: usize,
    /// Everything was rendered.
    pub(super) full: bool,
    /// Only files served from disk changed: nothing was rendered.
    pub(super) files_only: bool,
}

/// Pages and files a rebuild replaces.
pub(super) struct Delta {
    pub(super) puts: Vec<(String, Body)>,
    pub(super) removes: Vec<String>,
    /// Replace the whole map (a full render).
    pub(super) replace: bool,
    pub(super) rendered: usize,
    /// URLs whose content changed; `None` for all.
    pub(super) changed: Option<BTreeSet<String>>,
}

pub(super) fn to_body(data: FileData) -> Body {
    match data {
        FileData::Bytes(b) => Body::Bytes(Bytes::from(b)),
        FileData::Copy(p) => Body::File(p),
    }
}

/// Renders the whole site (startup, templates or configuration changed,
/// documents added or removed: every page shows the document count).
pub(super) fn render_full(site: &Site, templates: &Templates) -> Result<(Delta, Published), Vec<Diagnostic>> {
    let sink = MemorySink::default();
    pages::render_site_into(site, templates, &sink)?;
    let files = sink.into_files();
    let rendered = files.iter().filter(|f| f.path.ends_with(".html")).count();
    let puts: Vec<(String, Body)> = files.into_iter().map(|f| (f.path, to_body(f.data))).collect();
    let shared = SiteData::shared(site);
    let list_ctx = pages::list_pages(site, &shared)
        .into_iter()
        .map(|(p, _, ctx)| (p, ctx))
        .collect();
    let published = Published {
        shared,
        list_ctx,
        doc_pages: site
            .docs
            .ids()
            .filter(|&i| site.included[i])
            .map(|i| format!("{}index.html", site.docs[i].url))
            .collect(),
        assets: site
            .assets
            .iter()
            .map(|a| crate::diagnostics::slash_path(&a.rel))
            .collect(),
        errors: HashSet::new(),
    };
    Ok((
        Delta {
            puts,
            removes: Vec::new(),
            replace: true,
            rendered,
            changed: None,
        },
        published,
    ))
}

/// The document pages a change can affect: those `pending` names, new
/// ones, and removals; plus content assets added or removed. Overview pages
/// and exports follow in [`render_aggregates`], `/print/` after them: the
/// page being edited is published first.
/// Output paths of the document pages and of the content assets.
pub(super) type Layout = (HashSet<String>, HashSet<String>);

pub(super) fn render_docs(
    site: &Site,
    templates: &Templates,
    published: &Published,
    pending: &Pending,
    files: &Files,
) -> Result<(Delta, Option<Layout>), Vec<Diagnostic>> {
    // Same pages and assets as published: render the pending pages only (a
    // save in a 10,000-document handbook renders one or a few). Otherwise
    // compare the pages and assets with the published ones as well.
    let (todo, mut removes, by_page) = if pending.layout {
        let by_page: HashMap<String, DocId> = site
            .docs
            .ids()
            .filter(|&i| site.included[i])
            .map(|i| (format!("{}index.html", site.docs[i].url), i))
            .collect();
        let mut todo: BTreeSet<DocId> = pending.pages.iter().filter_map(|p| by_page.get(p).copied()).collect();
        todo.extend(
            by_page
                .iter()
                .filter(|(p, _)| !published.doc_pages.contains(*p))
                .map(|(_, &i)| i),
        );
        let removes: Vec<String> = published
            .doc_pages
            .iter()
            .filter(|p| !by_page.contains_key(*p))
            .cloned()
            .collect();
        (todo.into_iter().collect(), removes, Some(by_page))
    } else {
        let by_url: HashMap<&str, DocId> = site.docs.iter_enumerated().map(|(i, d)| (d.url.as_str(), i)).collect();
        let todo: Vec<DocId> = pending
            .pages
            .iter()
            .filter_map(|p| by_url.get(p.strip_suffix("index.html").unwrap_or(p)).copied())
            .filter(|&i| site.included[i])
            .collect();
        (todo, Vec::new(), None)
    };
    let rendered: Vec<Result<SiteFile, Diagnostic>> = todo
        .par_iter()
        .map(|&i| pages::render_doc(site, templates, &published.shared, i))
        .collect();
    let mut changes = Changes::new(files);
    let count = rendered.len();
    changes.take_all(rendered)?;
    let Some(by_page) = by_page else {
        return Ok((changes.finish(removes, count), None));
    };
    let assets: HashSet<String> = site
        .assets
        .iter()
        .map(|a| crate::diagnostics::slash_path(&a.rel))
        .collect();
    for a in &site.assets {
        let key = crate::diagnostics::slash_path(&a.rel);
        if !published.assets.contains(&key) {
            changes.changed.insert(url_of(&key));
            changes.puts.push((key, Body::File(a.source.clone())));
        }
    }
    removes.extend(published.assets.iter().filter(|k| !assets.contains(*k)).cloned());
    let delta = changes.finish(removes, count);
    Ok((delta, Some((by_page.into_keys().collect(), assets))))
}

/// The template context of an overview page.
pub(super) type OverviewContext = crate::context::PageContext<crate::context::OverviewData>;

/// Template contexts of overview pages, by output path.
pub(super) type Contexts = Vec<(String, OverviewContext)>;

/// Overview pages (home, register, coverage, reviews, clause pages …)
/// whose template context differs from the published one, and exports
/// whose bytes differ. Returns the new contexts too.
/// `Ok(None)` when `interrupted` said a change is waiting (checked between
/// steps).
pub(super) fn render_aggregates(
    site: &Site,
    templates: &Templates,
    published: &Published,
    files: &Files,
    interrupted: &mut dyn FnMut() -> bool,
) -> Result<Option<(Delta, Contexts)>, Vec<Diagnostic>> {
    let lists = pages::list_pages(site, &published.shared);
    if interrupted() {
        return Ok(None);
    }
    let list_paths: HashSet<&str> = lists.iter().map(|(p, _, _)| p.as_str()).collect();
    let removes: Vec<String> = published
        .list_ctx
        .keys()
        .filter(|p| !list_paths.contains(p.as_str()))
        .cloned()
        .collect();
    let changed_lists: Vec<(String, &'static str, OverviewContext)> = lists
        .into_iter()
        .filter(|(p, _, ctx)| published.list_ctx.get(p) != Some(ctx))
        .collect();
    let rendered: Vec<Result<SiteFile, Diagnostic>> = changed_lists
        .par_iter()
        .map(|(path, template, ctx)| {
            let ctx = pages::context(ctx)?;
            let html = templates.render(template, &ctx)?;
            Ok(SiteFile {
                path: path.clone(),
                data: FileData::Bytes(html.into_bytes()),
            })
        })
        .collect();
    let mut changes = Changes::new(files);
    let count = rendered.len();
    changes.take_all(rendered)?;
    for (export, _) in crate::layout::EXPORTS {
        if interrupted() {
            return Ok(None);
        }
        for f in crate::exports::files(site, export) {
            changes.take(f);
        }
    }
    let contexts = changed_lists.into_iter().map(|(p, _, ctx)| (p, ctx)).collect();
    Ok(Some((changes.finish(removes, count), contexts)))
}

/// Collects rendered files that differ from the served ones.
struct Changes<'a> {
    files: &'a Files,
    puts: Vec<(String, Body)>,
    changed: BTreeSet<String>,
}

impl<'a> Changes<'a> {
    fn new(files: &'a Files) -> Changes<'a> {
        Changes {
            files,
            puts: Vec::new(),
            changed: BTreeSet::new(),
        }
    }

    fn take(&mut self, f: SiteFile) {
        let same = match (&f.data, self.files.map.get(&f.path)) {
            (FileData::Bytes(new), Some(Body::Bytes(old))) => new.as_slice() == old.as_ref(),
            _ => false,
        };
        if !same {
            self.changed.insert(url_of(&f.path));
            self.puts.push((f.path, to_body(f.data)));
        }
    }

    /// Takes every file, or returns the (distinct) template errors.
    fn take_all(&mut self, rendered: Vec<Result<SiteFile, Diagnostic>>) -> Result<(), Vec<Diagnostic>> {
        let mut errors: Vec<Diagnostic> = Vec::new();
        for r in rendered {
            match r {
                Ok(f) => self.take(f),
                Err(d) if !errors.contains(&d) => errors.push(d),
                Err(_) => {}
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn finish(mut self, removes: Vec<String>, rendered: usize) -> Delta {
        self.changed.extend(removes.iter().map(|k| url_of(k)));
        Delta {
            puts: self.puts,
            removes,
            replace: false,
            rendered,
            changed: Some(self.changed),
        }
    }
}

/// Collects `/print/` in memory and gives up as soon as a newer change
/// waits: the page is rendered again after it anyway.
pub(super) struct PrintSink<'a> {
    pub(super) inner: MemorySink,
    pub(super) notifier: &'a Notifier,
    pub(super) seen: u64,
    pub(super) interrupted: std::sync::atomic::AtomicBool,
}

impl PrintSink<'_> {
    fn check(&self) -> Result<(), Diagnostic> {
        if self.notifier.sent() > self.seen {
            self.interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(Diagnostic::error(Code::Io, "interrupted by a newer change"));
        }
        Ok(())
    }
}

impl Sink for PrintSink<'_> {
    fn put(&self, file: SiteFile) -> Result<(), Diagnostic> {
        self.check()?;
        self.inner.put(file)
    }
    fn append(&self, path: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.check()?;
        self.inner.append(path, bytes)
    }
}
