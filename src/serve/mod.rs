//! `smsdoc serve`: the preview server.
//!
//! The site is built once, held in memory and served by a small HTTP
//! server ([`http`]). A watcher ([`watch`]) reports changed files; the
//! rebuild loop (on the calling thread) updates the in-memory handbook
//! incrementally ([`crate::rebuild`]), renders only the pages whose output
//! can have changed, swaps them in and tells open pages to reload
//! ([`live`]).
//!
//! A change that leaves the handbook with an error it did not have before
//! (a broken link, invalid front matter, a template error) is not
//! published: the last good version stays online with an overlay naming
//! the errors, and the next save that fixes them publishes everything
//! pending. Errors already present when the server started do not block,
//! so a handbook with known problems can still be previewed.

pub mod http;
pub mod live;
pub mod watch;

use crate::config::{self, Config};
use crate::context::SiteData;
use crate::diagnostics::{Code, Diagnostic};
use crate::layout::{FileData, MemorySink, Sink, SiteFile};
use crate::pages;
use crate::rebuild::{self, Change};
use crate::report::Terminal;
use crate::site::{BuildOptions, Site};
use crate::templates::Templates;
use http::{Body, Shared};
use jiff::civil::Date;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use watch::{Msg, Notifier, Watcher};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser.
    pub open: bool,
    /// Poll for changes instead of native file-system events.
    pub poll: bool,
    /// Also write the site here after every published rebuild (absolute).
    pub out: Option<PathBuf>,
    /// Fixed date for review findings; default: the system date on each
    /// rebuild.
    pub today: Option<Date>,
    pub drafts: bool,
}

/// After the first change of a burst, wait until no change came for this
/// long (at most `SETTLE_MAX`) before rebuilding: a `git checkout` or a
/// "save all" is one rebuild.
const SETTLE: Duration = Duration::from_millis(20);
const SETTLE_MAX: Duration = Duration::from_millis(500);
/// Overview pages and exports are brought up to date once no change came
/// for this long.
const AGGREGATE_QUIET: Duration = Duration::from_millis(250);

/// Runs the preview server until Ctrl-C. Bad content never stops the
/// server; see [`Stopped`] for what does.
pub fn run(g: &Terminal, mut config: Config, opts: ServeOptions) -> Result<(), Stopped> {
    // The preview is served from the site root, whatever base_url says
    // (an absolute base_url would send every link to the real host).
    config.set_base_url("/");
    if let Some(out) = &opts.out {
        config.output_dir = out.clone();
        if let Err(d) = config::check_output_dir(&config.root, &config.content_dir, &config.output_dir) {
            g.print_diags(&[d], &config.root);
            return Err(Stopped::Unusable);
        }
    }
    // Bind before building, so a busy port is reported at once.
    let listener = match TcpListener::bind(SocketAddr::new(opts.bind, opts.port)) {
        Ok(l) => l,
        Err(e) => {
            let addr = SocketAddr::new(opts.bind, opts.port);
            if e.kind() == std::io::ErrorKind::AddrInUse {
                eprintln!(
                    "error: cannot listen on {addr}: the port is already in use (another `smsdoc serve`?)\n  \
                     help: stop the other server, or pass --port N for another port (--port 0 picks a free one)"
                );
            } else {
                eprintln!("error: cannot listen on {addr}: {e}\n  help: check --bind and --port");
            }
            return Err(Stopped::Unusable);
        }
    };
    let local = listener.local_addr().unwrap_or(SocketAddr::new(opts.bind, opts.port));
    if !opts.bind.is_loopback() {
        eprintln!(
            "warning: listening on {} makes the handbook (confidential documents included) readable by anyone \
             who can reach this machine; the preview server has no access control",
            opts.bind
        );
    }

    let (tx, rx) = mpsc::channel();
    let notifier = Notifier::new(tx);
    let shared = Arc::new(Shared {
        any_host: !opts.bind.is_loopback(),
        ..Shared::default()
    });
    let _ = shared.notifier.set(notifier.clone());
    let started = Instant::now();
    let mut b = Builder::new(g, &opts, config, Arc::clone(&shared), notifier.clone());
    b.reload_all();
    if b.site.is_none() {
        // Configuration or catalogue errors at startup: as for `build`.
        g.print_diags(&b.fatal, &b.root);
        return Err(Stopped::Unusable);
    }
    if let Some(site) = &b.site {
        let shown: Vec<Diagnostic> = site
            .diags
            .iter()
            .filter(|d| d.is_error() || g.verbose)
            .cloned()
            .collect();
        g.print_diags(&shown, &b.root);
    }
    let outcome = b.publish(BTreeSet::new());
    if let Some(site) = &b.site {
        if !g.quiet {
            let docs = site.included.iter().filter(|&&x| x).count();
            eprintln!(
                "built {} document{} ({} pages) in {:.2} s — {} error{}, {} warning{}{}",
                crate::report::thousands(docs),
                if docs == 1 { "" } else { "s" },
                crate::report::thousands(outcome.rendered),
                started.elapsed().as_secs_f64(),
                site.errors(),
                if site.errors() == 1 { "" } else { "s" },
                site.warnings(),
                if site.warnings() == 1 { "" } else { "s" },
                if site.warnings() > 0 && !g.verbose {
                    " (`smsdoc check` lists them)"
                } else {
                    ""
                },
            );
        }
    }
    if outcome.blocked {
        g.print_diags(&b.blocking_errors(), &b.root);
        eprintln!("error: the site cannot be rendered; every page shows the errors until they are fixed");
    }
    b.write_out();

    if let Err(e) = http::start(listener, Arc::clone(&shared)) {
        eprintln!("error: cannot start the server threads: {e}");
        return Err(Stopped::Internal);
    }
    let (mut watcher, warning) = match Watcher::new(opts.poll, notifier.clone()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch the handbook for changes: {e}");
            return Err(Stopped::Internal);
        }
    };
    let more = watcher.watch_all(&watch_targets(&b.config));
    for w in warning.into_iter().chain(more) {
        eprintln!("warning: {w}");
    }
    {
        let shared = Arc::clone(&shared);
        let _ = std::thread::Builder::new()
            .name("smsdoc-heartbeat".into())
            .spawn(move || loop {
                std::thread::sleep(live::HEARTBEAT);
                shared.hub.heartbeat();
            });
    }
    {
        let notifier = notifier.clone();
        if let Err(e) = ctrlc::set_handler(move || notifier.send(Msg::Stop)) {
            eprintln!("warning: cannot handle Ctrl-C ({e}); stop the server by closing the terminal");
        }
    }
    let host = match local.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{host}:{}/", local.port());
    // On stdout, alone on its line, for scripts (and tests) to pick up.
    println!("Serving {} at {url}", b.config.title);
    if !g.quiet {
        eprintln!(
            "watching {} for changes{} — Ctrl-C to stop",
            b.config.root.display(),
            if watcher.is_polling() { " (polling)" } else { "" }
        );
    }
    if opts.open {
        open_browser(&url);
    }

    b.run(&rx, &mut watcher);
    shared.hub.close_all();
    if !g.quiet {
        eprintln!("stopped");
    }
    Ok(())
}

/// Why the server stopped other than by Ctrl-C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The configuration or catalogues were invalid at startup, or the
    /// address could not be bound.
    Unusable,
    /// The server threads or the watcher could not start.
    Internal,
}

/// Folders to watch: the root itself (for smsdoc.toml and folders that
/// appear later), and recursively the content, templates, static and
/// theme folders, plus the folders of catalogue files. The rest of the
/// root (the output directory, `.git`, unrelated files) is not watched.
fn watch_targets(config: &Config) -> Vec<(PathBuf, bool)> {
    let n = crate::paths::normalise;
    let mut recursive = vec![
        n(&config.content_dir),
        n(&config.root.join("templates")),
        n(&config.root.join("static")),
    ];
    if config.theme != "default" {
        recursive.push(n(&config.root.join(&config.theme)));
    }
    let mut out: Vec<(PathBuf, bool)> = Vec::new();
    let covered = |p: &Path, out: &[(PathBuf, bool)]| out.iter().any(|(q, r)| *r && p.starts_with(q));
    for p in recursive {
        if !covered(&p, &out) {
            out.push((p, true));
        }
    }
    let mut flat = vec![n(&config.root)];
    flat.extend(config.catalogues.iter().filter_map(|c| c.parent().map(n)));
    // HEAD and the branches: a commit reloads the history.
    if let Some(git) = config.history.then(|| crate::history::git_dir(&config.root)).flatten() {
        let refs = n(&git.join("refs"));
        if !covered(&refs, &out) {
            out.push((refs, true));
        }
        flat.push(n(&git));
    }
    for p in flat {
        if !covered(&p, &out) && !out.contains(&(p.clone(), false)) {
            out.push((p, false));
        }
    }
    out
}

fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.spawn() {
        // Reap the opener so it does not linger as a zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!("warning: cannot open a browser ({e}); open {url} yourself"),
    }
}

/// Before the rebuild loop waits, gives the memory the last rebuild freed
/// (the pages it replaced, the renderer's scratch space) back to the
/// system. glibc keeps freed memory in its per-thread arenas, so a server
/// that re-rendered a large handbook, or served a burst of requests, would
/// otherwise keep its peak footprint for good.
fn release_memory(worked: &mut bool) {
    if !std::mem::take(worked) {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps
    // to the system; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Time spent in each step of a rebuild, shown with `--verbose`.
struct Phases {
    last: Instant,
    list: Vec<(&'static str, Duration)>,
}

impl Phases {
    fn new() -> Phases {
        Phases {
            last: Instant::now(),
            list: Vec::new(),
        }
    }
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.list.push((name, now - self.last));
        self.last = now;
    }
}

/// An error's identity across rebuilds (lines move while editing).
type ErrKey = (Code, Option<PathBuf>, String);

fn err_key(d: &Diagnostic) -> ErrKey {
    (d.code, d.file.clone(), d.message.clone())
}

/// The URL path a page is seen at: `x/index.html` → `/x/`.
fn url_of(output_path: &str) -> String {
    match output_path.strip_suffix("index.html") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => format!("/{dir}"),
        _ => format!("/{output_path}"),
    }
}

/// Errors printed for a failed rebuild; the first ones are the cause.
const TERMINAL_ERRORS: usize = 5;

/// Reloads name at most this many pages; past it, every page reloads.
const MAX_NAMED_PATHS: usize = 500;

/// What the served site was rendered from, to tell what a later state
/// changes.
struct Published {
    /// The shared `site` data of the published state: every page embeds it.
    shared: SiteData,
    /// Template context of each non-document page.
    list_ctx: HashMap<String, OverviewContext>,
    /// Output paths of the document pages.
    doc_pages: HashSet<String>,
    /// Output paths of the content assets.
    assets: HashSet<String>,
    /// Errors the published state had; a state with others is held back.
    errors: HashSet<ErrKey>,
}

/// Document pages affected by changes not yet published (output paths);
/// `all` after a full reload.
#[derive(Default)]
struct Pending {
    all: bool,
    pages: BTreeSet<String>,
    /// Documents or assets came or went since the last publish: the sets
    /// of pages and assets must be compared again.
    layout: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    blocked: bool,
    /// Pages rendered.
    rendered: usize,
    /// Everything was rendered.
    full: bool,
    /// Only files served from disk changed: nothing was rendered.
    files_only: bool,
}

/// Pages and files a rebuild replaces.
struct Delta {
    puts: Vec<(String, Body)>,
    removes: Vec<String>,
    /// Replace the whole map (a full render).
    replace: bool,
    rendered: usize,
    /// URLs whose content changed; `None` for all.
    changed: Option<BTreeSet<String>>,
}

fn to_body(data: FileData) -> Body {
    match data {
        FileData::Bytes(b) => Body::Bytes(Arc::new(b)),
        FileData::Copy(p) => Body::File(p),
    }
}

/// Renders the whole site (startup, templates or configuration changed,
/// documents added or removed: every page shows the document count).
fn render_full(site: &Site, templates: &Templates) -> Result<(Delta, Published), Vec<Diagnostic>> {
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
        doc_pages: (0..site.docs.len())
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
type Layout = (HashSet<String>, HashSet<String>);

fn render_docs(
    site: &Site,
    templates: &Templates,
    published: &Published,
    pending: &Pending,
    files: &http::Files,
) -> Result<(Delta, Option<Layout>), Vec<Diagnostic>> {
    // Same pages and assets as published: render the pending pages only (a
    // save in a 10,000-document handbook renders one or a few). Otherwise
    // compare the pages and assets with the published ones as well.
    let (todo, mut removes, by_page) = if pending.layout {
        let by_page: HashMap<String, usize> = (0..site.docs.len())
            .filter(|&i| site.included[i])
            .map(|i| (format!("{}index.html", site.docs[i].url), i))
            .collect();
        let mut todo: BTreeSet<usize> = pending.pages.iter().filter_map(|p| by_page.get(p).copied()).collect();
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
        let by_url: HashMap<&str, usize> = site.docs.iter().enumerate().map(|(i, d)| (d.url.as_str(), i)).collect();
        let todo: Vec<usize> = pending
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
type OverviewContext = crate::context::PageContext<crate::context::OverviewData>;

/// Template contexts of overview pages, by output path.
type Contexts = Vec<(String, OverviewContext)>;

/// Overview pages (home, register, coverage, reviews, clause pages …)
/// whose template context differs from the published one, and exports
/// whose bytes differ. Returns the new contexts too.
/// `Ok(None)` when `interrupted` said a change is waiting (checked between
/// steps).
fn render_aggregates(
    site: &Site,
    templates: &Templates,
    published: &Published,
    files: &http::Files,
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
    files: &'a http::Files,
    puts: Vec<(String, Body)>,
    changed: BTreeSet<String>,
}

impl<'a> Changes<'a> {
    fn new(files: &'a http::Files) -> Changes<'a> {
        Changes {
            files,
            puts: Vec::new(),
            changed: BTreeSet::new(),
        }
    }

    fn take(&mut self, f: SiteFile) {
        let same = match (&f.data, self.files.map.get(&f.path)) {
            (FileData::Bytes(new), Some(Body::Bytes(old))) => new == old.as_ref(),
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
struct PrintSink<'a> {
    inner: MemorySink,
    notifier: &'a Notifier,
    seen: u64,
    interrupted: std::sync::atomic::AtomicBool,
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

struct Builder<'a> {
    g: &'a Terminal,
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
    /// Template errors met while rendering the current state.
    render_errors: Vec<Diagnostic>,
    published: Option<Published>,
    pending: Pending,
    /// The current state is held back (errors); the served site is older.
    blocked: bool,
    print_error: Option<Diagnostic>,
    /// Overview pages and exports are older than the published documents.
    aggregates_stale: bool,
    /// Template errors met rendering them.
    aggregate_errors: Vec<Diagnostic>,
    overlay: Option<String>,
    instance: String,
    generation: u64,
    /// Files of the last change (relative to the root): their errors are
    /// listed first, they are usually the cause of the others.
    last_changed: HashSet<PathBuf>,
    phases: Phases,
    /// Messages that arrived while background work (overview pages,
    /// exports) was interrupted for them; handled before new ones.
    stash: std::collections::VecDeque<Msg>,
}

impl<'a> Builder<'a> {
    fn new(
        g: &'a Terminal,
        opts: &'a ServeOptions,
        config: Config,
        shared: Arc<Shared>,
        notifier: Notifier,
    ) -> Builder<'a> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Builder {
            g,
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
            render_errors: Vec::new(),
            published: None,
            pending: Pending::default(),
            blocked: false,
            print_error: None,
            aggregates_stale: false,
            aggregate_errors: Vec::new(),
            overlay: None,
            instance: format!("{:x}{:x}", std::process::id(), nanos),
            generation: 0,
            last_changed: HashSet::new(),
            phases: Phases::new(),
            stash: std::collections::VecDeque::new(),
        }
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
    fn run(&mut self, rx: &Receiver<Msg>, watcher: &mut Watcher) {
        // Work was done since memory was last given back.
        let mut worked = false;
        loop {
            let next = if let Some(m) = self.stash.pop_front() {
                Ok(m)
            } else if self.blocked {
                release_memory(&mut worked);
                rx.recv().map_err(|_| ())
            } else if self.aggregates_stale {
                match rx.recv_timeout(AGGREGATE_QUIET) {
                    Ok(m) => Ok(m),
                    Err(RecvTimeoutError::Timeout) => {
                        self.refresh_aggregates(rx);
                        self.write_out_if_current();
                        worked = true;
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
                        worked = true;
                        continue;
                    }
                    Err(mpsc::TryRecvError::Disconnected) => Err(()),
                }
            } else {
                release_memory(&mut worked);
                rx.recv().map_err(|_| ())
            };
            let Ok(first) = next else { return };
            self.received += 1;
            let mut paths = BTreeSet::new();
            let mut rescan = false;
            let mut stop = false;
            let mut take = |m: Msg| match m {
                Msg::Changed(p) => paths.extend(p),
                Msg::Rescan => rescan = true,
                // Handled once idle (see `print_wanted`).
                Msg::RenderPrint => {}
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
            if stop || disconnected {
                return;
            }
            let started = Instant::now();
            worked = true;
            if let Some((reason, outcome)) = self.apply(&paths, rescan) {
                self.report(&reason, outcome, started);
                // Folders may have appeared (a new templates/ folder, or
                // another content_dir in smsdoc.toml); watching is
                // idempotent.
                if let Some(w) = watcher.watch_all(&watch_targets(&self.config)) {
                    eprintln!("warning: {w}");
                }
                self.write_out_if_current();
            }
            if self.blocked {
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

    fn write_out_if_current(&self) {
        if !self.blocked && !self.aggregates_stale && !self.shared.print_state().stale {
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
        self.phases = Phases::new();
        if self
            .site
            .as_ref()
            .is_some_and(|s| self.opts.today.is_none() && s.options.today != crate::dates::today())
        {
            full = true; // midnight passed: review statuses change everywhere
        }
        if !full && content.is_empty() && self.site.is_some() {
            // Only static files, served from disk: nothing to render.
            self.announce(Some(touched.iter().map(|k| url_of(k)).collect()));
            return Some((
                names.join(", "),
                Outcome {
                    files_only: true,
                    ..Outcome::default()
                },
            ));
        }
        if full || self.site.is_none() {
            self.reload_all();
        } else if !content.is_empty() {
            if let Some(site) = self.site.as_mut() {
                match rebuild::update(site, &content) {
                    Ok(a) if a.pages.is_empty() && a.reparsed == 0 && !a.structural => {
                        // Assets changed in place: served from disk.
                        touched.extend(a.assets);
                        self.announce(Some(touched.iter().map(|k| url_of(k)).collect()));
                        return Some((
                            names.join(", "),
                            Outcome {
                                files_only: true,
                                ..Outcome::default()
                            },
                        ));
                    }
                    Ok(a) => {
                        self.pending.layout |= a.pages_changed;
                        self.pending.pages.extend(a.pages);
                        touched.extend(a.assets);
                    }
                    Err(rebuild::NeedsFullReload(why)) => {
                        if self.g.verbose {
                            eprintln!("  reloading everything: {why}");
                        }
                        self.reload_all();
                    }
                }
            }
        }
        self.phases
            .mark(if self.pending.all { "load everything" } else { "update" });
        let reason = match names.len() {
            0 => "rescan".to_string(),
            1 => names.remove(0),
            n => format!("{} and {} more", names[0], n - 1),
        };
        let outcome = self.publish(touched);
        self.phases.mark("swap + notify");
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

    /// One line per rebuild on the terminal; the errors when it is held back.
    fn report(&self, reason: &str, outcome: Outcome, started: Instant) {
        if outcome.blocked {
            let errors = self.blocking_errors();
            self.g
                .print_diags(&errors[..errors.len().min(TERMINAL_ERRORS)], &self.root);
            if errors.len() > TERMINAL_ERRORS {
                eprintln!(
                    "… and {} more errors (`smsdoc check` lists them all)",
                    errors.len() - TERMINAL_ERRORS
                );
            }
            eprintln!("error: rebuild failed ({reason}) — still serving the last good version; fix it and save again");
            return;
        }
        if self.g.quiet {
            return;
        }
        if outcome.files_only {
            eprintln!("reloading open pages ({reason})");
            return;
        }
        let remaining = self.site.as_ref().map_or(0, Site::errors);
        eprintln!(
            "rebuilt {}{} page{} in {} ms ({reason}){}",
            if outcome.full { "all " } else { "" },
            crate::report::thousands(outcome.rendered),
            if outcome.rendered == 1 { "" } else { "s" },
            started.elapsed().as_millis(),
            match remaining {
                0 => String::new(),
                1 => " — 1 error remains".to_string(),
                n => format!(" — {n} errors remain"),
            }
        );
        if self.g.verbose {
            for (name, d) in &self.phases.list {
                eprintln!("  {name:<18} {:>8.1} ms", d.as_secs_f64() * 1000.0);
            }
        }
    }

    /// Errors that hold the current state back: configuration and
    /// template errors, then new errors in the files just changed (usually
    /// the cause of the rest), other new errors, and known ones last.
    fn blocking_errors(&self) -> Vec<Diagnostic> {
        let mut errs: Vec<Diagnostic> = self.fatal.clone();
        errs.extend(self.render_errors.iter().cloned());
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
                self.aggregates_stale = false;
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
                self.aggregates_stale = true;
                if !delta.changed.as_ref().is_some_and(BTreeSet::is_empty) {
                    self.shared.set_print_stale(true);
                }
                delta
            }
        };
        self.blocked = false;
        self.render_errors.clear();
        self.pending = Pending::default();
        let outcome = Outcome {
            blocked: false,
            rendered: delta.rendered,
            full: delta.replace,
            files_only: false,
        };
        self.phases
            .mark(if outcome.full { "all pages" } else { "document pages" });
        let changed = self.swap(delta).map(|mut c| {
            c.extend(touched.iter().map(|k| url_of(k)));
            c
        });
        self.announce(changed);
        outcome
    }

    /// Keeps serving the published site and shows why in the overlay.
    fn hold_back(&mut self, render_errors: Vec<Diagnostic>) -> Outcome {
        self.render_errors = render_errors;
        self.blocked = true;
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
        files.file_roots = roots;
        delta.changed
    }

    /// Brings overview pages and exports up to date with the published
    /// documents (second step of a rebuild, when nothing else waits).
    fn refresh_aggregates(&mut self, rx: &Receiver<Msg>) {
        self.aggregates_stale = false;
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
                self.aggregates_stale = true;
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
                let rendered = delta.rendered;
                let changed = self.swap(delta);
                if self.g.verbose {
                    eprintln!(
                        "  then {rendered} overview page{} and exports in {:.1} ms",
                        if rendered == 1 { "" } else { "s" },
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                }
                self.aggregate_errors.clear();
                self.announce(changed);
            }
            Err(errors) => {
                // The document pages are published already; the overview
                // pages stay as they were until the next change.
                self.g.print_diags(&errors, &self.root);
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
    fn announce(&mut self, changed: Option<BTreeSet<String>>) {
        let errors = if self.blocked {
            self.blocking_errors()
        } else {
            self.current_errors()
        };
        let overlay = live::overlay(&errors, self.blocked);
        let overlay_changed = overlay != self.overlay;
        if !overlay_changed && changed.as_ref().is_some_and(BTreeSet::is_empty) && self.generation > 0 {
            return;
        }
        self.generation += 1;
        let generation = format!("{}-{}", self.instance, self.generation);
        {
            let mut files = self.shared.write();
            files.overlay = overlay.as_deref().map(Arc::from);
            files.generation = generation.clone();
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
                if self.g.verbose {
                    eprintln!("  /print/ in {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
                }
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
                self.g.print_diags(std::slice::from_ref(&d), &self.root);
                self.print_error = Some(d);
                self.announce(Some(BTreeSet::new()));
            }
        }
        self.shared.set_print_stale(false);
    }

    /// With `--out`, writes the published site there (atomically, as
    /// `build` does).
    fn write_out(&self) {
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
                        Body::Bytes(b) => FileData::Bytes(b.as_ref().clone()),
                        Body::File(p) => FileData::Copy(p.clone()),
                    },
                })
                .collect()
        };
        if let Err(d) = crate::output::write_site(out, &files) {
            self.g.print_diags(&[d], &self.root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_output_paths() {
        assert_eq!(url_of("index.html"), "/");
        assert_eq!(url_of("procedures/x/index.html"), "/procedures/x/");
        assert_eq!(url_of("coverage.json"), "/coverage.json");
        assert_eq!(url_of("static/myindex.html"), "/static/myindex.html");
    }

    #[test]
    fn watch_targets_skip_what_is_covered() {
        let mut c = Config::with_defaults(Path::new("/h"), "T");
        c.content_dir = PathBuf::from("/h/docs");
        let t = watch_targets(&c);
        assert!(t.contains(&(PathBuf::from("/h/docs"), true)));
        assert!(t.contains(&(PathBuf::from("/h"), false)));
        c.content_dir = PathBuf::from("/h/.");
        let t = watch_targets(&c);
        assert_eq!(t.iter().filter(|(p, _)| p == Path::new("/h")).count(), 1, "{t:?}");
    }
}
