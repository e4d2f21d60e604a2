//! The preview's publishing logic: what the rebuild loop does with each
//! change, as a small state machine. A change that brings errors the served
//! site did not have is held back (the last good version stays online with
//! an overlay naming them); otherwise the changed document pages are
//! published at once and the overview pages, exports and `/print/` follow
//! when the loop is idle.

use super::render::{
    err_key, render_aggregates, render_docs, render_full, to_body, url_of, Delta, ErrKey, Outcome, Pending, PrintSink,
    Published, MAX_NAMED_PATHS,
};
use super::served::{Body, Shared};
use super::watch::{Msg, Notifier, Watcher};
use super::{live, watch_targets, Event, ServeOptions};
use crate::config::{self, Config};
use crate::context::SiteData;
use crate::diagnostics::Diagnostic;
use crate::layout::{FileData, MemorySink, SiteFile};
use crate::pages;
use crate::rebuild::{self, Change};
use crate::site::{BuildOptions, Site, Timings};
use crate::templates::Templates;
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// After the first change of a burst, wait until no change came for this
/// long (at most `SETTLE_MAX`) before rebuilding: a `git checkout` or a
/// "save all" is one rebuild.
const SETTLE: Duration = Duration::from_millis(20);
const SETTLE_MAX: Duration = Duration::from_millis(500);
/// Overview pages and exports are brought up to date once no change came
/// for this long.
const AGGREGATE_QUIET: Duration = Duration::from_millis(150);

/// Where the served site stands against the handbook on disk.
#[derive(Debug)]
enum State {
    /// What is served is the handbook as it is (`/print/` aside: it is
    /// rendered when asked for).
    Current,
    /// The changed document pages are served; overview pages and exports
    /// follow once no change came for [`AGGREGATE_QUIET`].
    DocumentsAhead,
    /// The handbook has errors the served site did not have, or cannot be
    /// rendered (`render_errors`: template errors): the served site is the
    /// last good one, with the overlay.
    HeldBack { render_errors: Vec<Diagnostic> },
}

pub(super) struct Preview<'a> {
    report: &'a mut dyn FnMut(Event<'_>),
    opts: &'a ServeOptions,
    root: PathBuf,
    shared: Arc<Shared>,
    notifier: Notifier,
    /// Messages taken from the channel (compared with `notifier.sent()`).
    received: u64,
    /// The last configuration that loaded (for classifying paths).
    config: Config,
    /// The Git directory whose HEAD and refs reload the history.
    git_dir: Option<PathBuf>,
    /// The handbook as it is on disk; `None` while the configuration or a
    /// catalogue is broken.
    site: Option<Site>,
    templates: Option<Templates>,
    /// Errors that stop anything from rendering: configuration,
    /// catalogues, templates.
    fatal: Vec<Diagnostic>,
    published: Option<Published>,
    pending: Pending,
    state: State,
    print_error: Option<Diagnostic>,
    /// Template errors met rendering the overview pages.
    aggregate_errors: Vec<Diagnostic>,
    overlay: Option<String>,
    instance: String,
    generation: u64,
    /// Files of the last change (relative to the root): their errors are
    /// listed first, they are usually the cause of the others.
    last_changed: HashSet<PathBuf>,
    /// Time per step of the current rebuild, and when the step began.
    phases: Timings,
    step: Instant,
    /// Messages that arrived while background work (overview pages,
    /// exports) was interrupted for them; handled before new ones.
    stash: VecDeque<Msg>,
}

impl<'a> Preview<'a> {
    pub(super) fn new(
        report: &'a mut dyn FnMut(Event<'_>),
        opts: &'a ServeOptions,
        config: Config,
        shared: Arc<Shared>,
        notifier: Notifier,
    ) -> Preview<'a> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Preview {
            report,
            opts,
            root: config.root.clone(),
            shared,
            notifier,
            received: 0,
            git_dir: config
                .history
                .then(|| crate::history::git_dir(&config.root))
                .flatten()
                .map(|g| crate::paths::normalise(&g)),
            config,
            site: None,
            templates: None,
            fatal: Vec::new(),
            published: None,
            pending: Pending::default(),
            state: State::Current,
            print_error: None,
            aggregate_errors: Vec::new(),
            overlay: None,
            instance: format!("{:x}{:x}", std::process::id(), nanos),
            generation: 0,
            last_changed: HashSet::new(),
            phases: Timings::default(),
            step: Instant::now(),
            stash: VecDeque::new(),
        }
    }

    /// The first build, published. `Err` with the errors when the
    /// configuration or a catalogue is invalid: there is nothing to serve.
    pub(super) fn start(&mut self) -> Result<(), Vec<Diagnostic>> {
        let started = Instant::now();
        self.reload_all();
        if self.site.is_none() {
            return Err(std::mem::take(&mut self.fatal));
        }
        let outcome = self.publish(BTreeSet::new());
        if let Some(site) = &self.site {
            (self.report)(Event::Built {
                documents: site.included.iter().filter(|&&x| x).count(),
                pages: outcome.rendered,
                elapsed: started.elapsed(),
                errors: site.errors(),
                warnings: site.warnings(),
                diagnostics: &site.diags,
            });
        }
        if outcome.blocked {
            let errors = self.blocking_errors();
            (self.report)(Event::Unrenderable { errors: &errors });
        }
        self.write_out();
        Ok(())
    }

    fn mark(&mut self, step: &'static str) {
        self.step = self.phases.record(step, self.step);
    }

    /// Passes an event on to the user.
    pub(super) fn tell(&mut self, event: Event<'_>) {
        (self.report)(event);
    }

    /// The configuration last loaded.
    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    fn options(&self) -> BuildOptions {
        BuildOptions {
            today: self.opts.today.unwrap_or_else(crate::dates::today),
            drafts: self.opts.drafts,
        }
    }

    /// Output folders are never input: ours (`--out`) and the configured one.
    fn output_dirs(&self) -> Vec<PathBuf> {
        let mut v = vec![self.config.output_dir.clone()];
        v.extend(self.opts.out.clone());
        v
    }

    /// Loads configuration, templates and the whole handbook from disk.
    fn reload_all(&mut self) {
        self.pending.all = true;
        self.fatal.clear();
        let mut config = match config::load(&self.root) {
            Ok(c) => c,
            Err(d) => {
                self.fatal = d;
                self.site = None;
                return;
            }
        };
        config.set_base_url("/");
        if let Some(out) = &self.opts.out {
            config.output_dir = out.clone();
            if let Err(d) = config::check_output_dir(&config.root, &config.content_dir, &config.output_dir) {
                self.fatal = vec![d];
                self.site = None;
                return;
            }
        }
        self.config = config.clone();
        match Templates::load(&config) {
            Ok(t) => self.templates = Some(t),
            Err(d) => {
                self.templates = None;
                self.fatal.extend(d);
            }
        }
        match Site::load(config, self.options()) {
            Ok(s) => self.site = Some(s),
            Err(d) => {
                self.site = None;
                self.fatal.extend(d);
            }
        }
    }

    /// The rebuild loop: waits for changes, lets a burst settle, rebuilds.
    /// While nothing waits it finishes the last change: overview pages and
    /// exports (after a short quiet time, so a burst of saves does not
    /// render them each time), and `/print/` when someone asks for it (or
    /// `--out` writes the site).
    pub(super) fn run(&mut self, rx: &Receiver<Msg>, watcher: &mut Watcher) {
        loop {
            let next = if let Some(m) = self.stash.pop_front() {
                Ok(m)
            } else if matches!(self.state, State::HeldBack { .. }) {
                rx.recv().map_err(|_| ())
            } else if matches!(self.state, State::DocumentsAhead) {
                match rx.recv_timeout(AGGREGATE_QUIET) {
                    Ok(m) => Ok(m),
                    Err(RecvTimeoutError::Timeout) => {
                        self.refresh_aggregates(rx);
                        self.write_out_if_current();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => Err(()),
                }
            } else if self.print_wanted() {
                match rx.try_recv() {
                    Ok(m) => Ok(m),
                    Err(mpsc::TryRecvError::Empty) => {
                        self.render_print();
                        self.write_out_if_current();
                        continue;
                    }
                    Err(mpsc::TryRecvError::Disconnected) => Err(()),
                }
            } else {
                rx.recv().map_err(|_| ())
            };
            let Ok(first) = next else { return };
            self.received += 1;
            let mut paths = BTreeSet::new();
            let mut rescan = false;
            let mut stop = false;
            let mut warnings = Vec::new();
            let mut take = |m: Msg| match m {
                Msg::Changed(p) => paths.extend(p),
                Msg::Rescan => rescan = true,
                // Handled once idle (see `print_wanted`).
                Msg::RenderPrint => {}
                Msg::Warning(w) => warnings.push(w),
                Msg::Stop => stop = true,
            };
            take(first);
            while let Some(m) = self.stash.pop_front() {
                take(m);
            }
            let burst = Instant::now();
            let mut disconnected = false;
            while burst.elapsed() < SETTLE_MAX {
                match rx.recv_timeout(SETTLE) {
                    Ok(m) => {
                        self.received += 1;
                        take(m);
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        disconnected = true;
                        break;
                    }
                }
            }
            for w in warnings {
                (self.report)(Event::Warning(w));
            }
            if stop || disconnected {
                return;
            }
            let started = Instant::now();
            if let Some((reason, outcome)) = self.apply(&paths, rescan) {
                self.report(&reason, outcome, started);
                // Folders may have appeared (a new templates/ folder, or
                // another content_dir in smsdoc.toml); watching is
                // idempotent.
                if let Some(w) = watcher.watch_all(&watch_targets(&self.config)) {
                    (self.report)(Event::Warning(w));
                }
                self.write_out_if_current();
            }
            if matches!(self.state, State::HeldBack { .. }) {
                // A held-back state cannot be printed; waiting requests
                // get the last good /print/.
                self.shared.print_request_done();
            }
        }
    }

    /// `/print/` is stale and wanted now.
    fn print_wanted(&self) -> bool {
        let st = self.shared.print_state();
        st.stale && (st.requested || self.opts.out.is_some())
    }

    fn write_out_if_current(&mut self) {
        if matches!(self.state, State::Current) && !self.shared.print_state().stale {
            self.write_out();
        }
    }

    /// Applies a batch of changed paths: `None` when none of them matters;
    /// otherwise the change is applied and published (or held back).
    /// Returns what triggered it, for the terminal, and the outcome.
    fn apply(&mut self, paths: &BTreeSet<PathBuf>, rescan: bool) -> Option<(String, Outcome)> {
        let outs = self.output_dirs();
        let mut full = rescan;
        let mut content: Vec<PathBuf> = Vec::new();
        let mut touched: BTreeSet<String> = BTreeSet::new();
        let mut names: Vec<String> = Vec::new();
        let mut changed_files = HashSet::new();
        for p in paths {
            let change = rebuild::classify(&self.config, &outs, self.git_dir.as_deref(), p);
            if change == Change::Ignored {
                continue;
            }
            let rel = p.strip_prefix(&self.root).unwrap_or(p);
            names.push(crate::diagnostics::slash_path(rel));
            changed_files.insert(rel.to_path_buf());
            match change {
                Change::Config | Change::Catalogue | Change::Template | Change::History => full = true,
                Change::Content(p) => content.push(p),
                Change::Static(p) => match self.static_key(&p) {
                    // Served from disk: only open pages need to reload.
                    Some(key) if p.is_file() => {
                        touched.insert(key);
                    }
                    _ => full = true,
                },
                Change::Ignored => {}
            }
        }
        if !full && content.is_empty() && touched.is_empty() {
            return None;
        }
        self.last_changed = changed_files;
        self.phases = Timings::default();
        self.step = Instant::now();
        if self
            .site
            .as_ref()
            .is_some_and(|s| self.opts.today.is_none() && s.options.today != crate::dates::today())
        {
            full = true; // midnight passed: review statuses change everywhere
        }
        if !full && content.is_empty() && self.site.is_some() {
            // Only static files, served from disk: nothing to render.
            return Some(self.files_only(&names, &touched));
        }
        if full || self.site.is_none() {
            self.reload_all();
        } else if !content.is_empty() {
            if let Some(site) = self.site.as_mut() {
                match rebuild::update(site, &content) {
                    Ok(a) if a.pages.is_empty() && a.reparsed == 0 && !a.structural => {
                        // Assets changed in place: served from disk.
                        touched.extend(a.assets);
                        return Some(self.files_only(&names, &touched));
                    }
                    Ok(a) => {
                        self.pending.layout |= a.pages_changed;
                        self.pending.pages.extend(a.pages);
                        touched.extend(a.assets);
                    }
                    Err(rebuild::NeedsFullReload(why)) => {
                        (self.report)(Event::FullReload { why: &why });
                        self.reload_all();
                    }
                }
            }
        }
        self.mark(if self.pending.all { "load everything" } else { "update" });
        let reason = match names.len() {
            0 => "rescan".to_string(),
            1 => names.remove(0),
            n => format!("{} and {} more", names[0], n - 1),
        };
        let outcome = self.publish(touched);
        self.mark("swap + notify");
        Some((reason, outcome))
    }

    /// The output path of a served static file with source `p`.
    fn static_key(&self, p: &Path) -> Option<String> {
        let files = self.shared.read();
        files
            .map
            .iter()
            .find(|(_, b)| matches!(b, Body::File(s) if s == p))
            .map(|(k, _)| k.clone())
    }

    /// Tells the terminal what a rebuild did.
    fn report(&mut self, reason: &str, outcome: Outcome, started: Instant) {
        let event = if outcome.blocked {
            let errors = self.blocking_errors();
            (self.report)(Event::HeldBack {
                reason,
                errors: &errors,
            });
            return;
        } else if outcome.files_only {
            Event::FilesChanged { reason }
        } else {
            Event::Rebuilt {
                reason,
                full: outcome.full,
                pages: outcome.rendered,
                elapsed: started.elapsed(),
                errors: self.site.as_ref().map_or(0, Site::errors),
                phases: &self.phases.phases,
            }
        };
        (self.report)(event);
    }

    /// Errors that hold the current state back: configuration and
    /// template errors, then new errors in the files just changed (usually
    /// the cause of the rest), other new errors, and known ones last.
    fn blocking_errors(&self) -> Vec<Diagnostic> {
        let mut errs: Vec<Diagnostic> = self.fatal.clone();
        if let State::HeldBack { render_errors } = &self.state {
            errs.extend(render_errors.iter().cloned());
        }
        if let Some(site) = &self.site {
            let old = self.published.as_ref().map(|p| &p.errors);
            let rank = |d: &Diagnostic| {
                let known = old.is_some_and(|o| o.contains(&err_key(d)));
                let here = d.file.as_ref().is_some_and(|f| self.last_changed.contains(f));
                match (known, here) {
                    (false, true) => 0,
                    (false, false) => 1,
                    (true, _) => 2,
                }
            };
            let mut site_errs: Vec<&Diagnostic> = site.diags.iter().filter(|d| d.is_error()).collect();
            site_errs.sort_by_key(|d| rank(d));
            errs.extend(site_errs.into_iter().cloned());
        }
        // Template errors are both in `fatal` and in the site's findings.
        let mut unique: Vec<Diagnostic> = Vec::with_capacity(errs.len());
        for d in errs {
            if !unique.contains(&d) {
                unique.push(d);
            }
        }
        unique
    }

    /// Errors shown while the current state is published.
    fn current_errors(&self) -> Vec<Diagnostic> {
        let mut errs: Vec<Diagnostic> = self
            .site
            .as_ref()
            .map(|s| s.diags.iter().filter(|d| d.is_error()).cloned().collect())
            .unwrap_or_default();
        errs.extend(self.aggregate_errors.iter().cloned());
        errs.extend(self.print_error.clone());
        errs
    }

    /// Renders the document pages that changed since the last publish and
    /// swaps them in (everything, after a full reload), or holds the state
    /// back when it has errors the served site did not have (or cannot be
    /// rendered at all). Overview pages, exports and `/print/` follow when
    /// the loop is idle.
    fn publish(&mut self, touched: BTreeSet<String>) -> Outcome {
        let (Some(site), Some(templates)) = (&self.site, &self.templates) else {
            return self.hold_back(Vec::new());
        };
        if !self.fatal.is_empty() {
            return self.hold_back(Vec::new());
        }
        let keys: HashSet<ErrKey> = site.diags.iter().filter(|d| d.is_error()).map(err_key).collect();
        if self.published.as_ref().is_some_and(|p| !keys.is_subset(&p.errors)) {
            return self.hold_back(Vec::new());
        }
        let result = match &self.published {
            Some(p) if !self.pending.all && SiteData::shared(site) == p.shared => {
                let files = self.shared.read();
                render_docs(site, templates, p, &self.pending, &files).map(|(delta, layout)| (delta, Err(layout)))
            }
            _ => render_full(site, templates).map(|(delta, p)| (delta, Ok(p))),
        };
        let delta = match result {
            Err(errors) => return self.hold_back(errors),
            Ok((delta, Ok(mut published))) => {
                published.errors = keys;
                self.published = Some(published);
                self.state = State::Current;
                self.aggregate_errors.clear();
                self.shared.set_print_stale(false);
                self.print_error = None;
                delta
            }
            Ok((delta, Err(layout))) => {
                if let Some(p) = self.published.as_mut() {
                    if let Some((pages, assets)) = layout {
                        p.doc_pages = pages;
                        p.assets = assets;
                    }
                    p.errors = keys;
                }
                self.state = State::DocumentsAhead;
                if !delta.changed.as_ref().is_some_and(BTreeSet::is_empty) {
                    self.shared.set_print_stale(true);
                }
                delta
            }
        };
        self.pending = Pending::default();
        let outcome = Outcome {
            blocked: false,
            rendered: delta.rendered,
            full: delta.replace,
            files_only: false,
        };
        self.mark(if outcome.full { "all pages" } else { "document pages" });
        let changed = self.swap(delta).map(|mut c| {
            c.extend(touched.iter().map(|k| url_of(k)));
            c
        });
        self.announce(changed);
        outcome
    }

    /// Keeps serving the published site and shows why in the overlay.
    fn hold_back(&mut self, render_errors: Vec<Diagnostic>) -> Outcome {
        self.state = State::HeldBack { render_errors };
        self.announce(Some(BTreeSet::new()));
        Outcome {
            blocked: true,
            ..Outcome::default()
        }
    }

    /// Applies a delta to the served files; returns the changed URLs.
    fn swap(&mut self, delta: Delta) -> Option<BTreeSet<String>> {
        let roots = self.file_roots();
        let mut files = self.shared.write();
        if delta.replace {
            files.map.clear();
        }
        for k in &delta.removes {
            files.map.remove(k);
        }
        files.map.extend(delta.puts);
        files.ready = true;
        files.file_roots = roots.into();
        delta.changed
    }

    /// Brings overview pages and exports up to date with the published
    /// documents (second step of a rebuild, when nothing else waits).
    fn refresh_aggregates(&mut self, rx: &Receiver<Msg>) {
        self.state = State::Current;
        let (Some(site), Some(templates), Some(published)) = (&self.site, &self.templates, &self.published) else {
            return;
        };
        let started = Instant::now();
        // This work takes seconds on a large handbook; a save arriving
        // meanwhile interrupts it (the edited page comes first) and the
        // overview pages are redone once things are quiet again.
        let stash = &mut self.stash;
        let mut interrupted = || match rx.try_recv() {
            Ok(m) => {
                stash.push_back(m);
                true
            }
            Err(_) => false,
        };
        let result = {
            let files = self.shared.read();
            render_aggregates(site, templates, published, &files, &mut interrupted)
        };
        let result = match result {
            Ok(Some(r)) => Ok(r),
            Ok(None) => {
                self.state = State::DocumentsAhead;
                return;
            }
            Err(e) => Err(e),
        };
        match result {
            Ok((delta, contexts)) => {
                if let Some(p) = self.published.as_mut() {
                    for k in &delta.removes {
                        p.list_ctx.remove(k);
                    }
                    p.list_ctx.extend(contexts);
                }
                let pages = delta.rendered;
                let changed = self.swap(delta);
                (self.report)(Event::Overview {
                    pages,
                    elapsed: started.elapsed(),
                });
                self.aggregate_errors.clear();
                self.announce(changed);
            }
            Err(errors) => {
                // The document pages are published already; the overview
                // pages stay as they were until the next change.
                (self.report)(Event::Diagnostics(&errors));
                self.aggregate_errors = errors;
                self.announce(Some(BTreeSet::new()));
            }
        }
    }

    /// Canonical folders served files may come from: the handbook root
    /// (the build follows links only within it) and the theme's static
    /// folder.
    fn file_roots(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.config.root.clone()];
        if let Some(t) = crate::layout::theme_static_dir(&self.config) {
            dirs.push(t);
        }
        dirs.iter().filter_map(|d| d.canonicalize().ok()).collect()
    }

    /// Updates the overlay and the generation, and tells open pages which
    /// of them to reload (`changed`: their URLs, `None`: all). Nothing
    /// happens when nothing visible changed.
    /// Only files served from disk changed: open pages showing them reload,
    /// nothing is rendered.
    fn files_only(&mut self, names: &[String], touched: &BTreeSet<String>) -> (String, Outcome) {
        self.announce(Some(touched.iter().map(|k| url_of(k)).collect()));
        (
            names.join(", "),
            Outcome {
                files_only: true,
                ..Outcome::default()
            },
        )
    }

    fn announce(&mut self, changed: Option<BTreeSet<String>>) {
        let blocked = matches!(self.state, State::HeldBack { .. });
        let errors = if blocked {
            self.blocking_errors()
        } else {
            self.current_errors()
        };
        let overlay = live::overlay(&errors, blocked);
        let overlay_changed = overlay != self.overlay;
        if !overlay_changed && changed.as_ref().is_some_and(BTreeSet::is_empty) && self.generation > 0 {
            return;
        }
        self.generation += 1;
        let generation = format!("{}-{}", self.instance, self.generation);
        {
            let mut files = self.shared.write();
            files.overlay = overlay.as_deref().map(Arc::from);
            files.generation = Arc::from(generation.as_str());
        }
        self.overlay = overlay;
        let paths = match changed {
            Some(c) if !overlay_changed && c.len() <= MAX_NAMED_PATHS => Some(c),
            _ => None,
        };
        self.shared.hub.send(
            "reload",
            &serde_json::json!({ "generation": generation, "paths": paths }).to_string(),
        );
    }

    /// Renders `/print/` after everything else is published; gives up if
    /// a newer change arrives meanwhile (it is rendered after that one).
    fn render_print(&mut self) {
        let (Some(site), Some(templates)) = (&self.site, &self.templates) else {
            self.shared.print_request_done();
            return;
        };
        let started = Instant::now();
        let sink = PrintSink {
            inner: MemorySink::default(),
            notifier: &self.notifier,
            seen: self.received,
            interrupted: std::sync::atomic::AtomicBool::new(false),
        };
        let result = pages::render_print_page(site, templates, &sink);
        if sink.interrupted.load(std::sync::atomic::Ordering::SeqCst) {
            return; // still stale and wanted: rendered after the change
        }
        let had_error = self.print_error.is_some();
        match result {
            Ok(()) => {
                self.print_error = None;
                let mut changed = BTreeSet::new();
                {
                    let mut files = self.shared.write();
                    for f in sink.inner.into_files() {
                        changed.insert(url_of(&f.path));
                        files.map.insert(f.path, to_body(f.data));
                    }
                }
                (self.report)(Event::Print {
                    elapsed: started.elapsed(),
                });
                // Announce before waking the requests that wait for it, so
                // the page they get carries the new generation (and does
                // not reload once more).
                if had_error || !changed.is_empty() {
                    self.announce(Some(changed));
                }
            }
            Err(d) => {
                // The other pages are published already; show the error
                // (the old /print/ stays).
                (self.report)(Event::Diagnostics(std::slice::from_ref(&d)));
                self.print_error = Some(d);
                self.announce(Some(BTreeSet::new()));
            }
        }
        self.shared.set_print_stale(false);
    }

    /// With `--out`, writes the published site there (atomically, as
    /// `build` does).
    pub(super) fn write_out(&mut self) {
        let Some(out) = &self.opts.out else { return };
        let files: Vec<SiteFile> = {
            let files = self.shared.read();
            if !files.ready {
                return;
            }
            files
                .map
                .iter()
                .map(|(k, b)| SiteFile {
                    path: k.clone(),
                    data: match b {
                        Body::Bytes(b) => FileData::Bytes(b.to_vec()),
                        Body::File(p) => FileData::Copy(p.clone()),
                    },
                })
                .collect()
        };
        if let Err(d) = crate::output::write_site(out, &files) {
            (self.report)(Event::Diagnostics(&[d]));
        }
    }
}
