//! `smsdoc serve`: the preview server, wired together here.
//!
//! The site is built once and held in memory ([`served`]); an HTTP server
//! ([`server`], hyper on a tokio runtime in one background thread, with the
//! rules of `http`) serves it. A watcher (`watch`) reports changed
//! files; the rebuild loop on the calling thread (`preview`) updates the
//! in-memory handbook incrementally (`crate::rebuild`), renders only what
//! can have changed (`render`), swaps it in and tells open pages to
//! reload (`live`). What happens is reported as [`Event`]s; the CLI
//! prints them.

pub mod http;
pub mod live;
mod preview;
mod render;
pub mod served;
pub mod server;
pub mod watch;

use crate::config::{self, Config};
use crate::diagnostics::Diagnostic;
use jiff::civil::Date;
use served::Shared;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use watch::{Msg, Notifier, Watcher};

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Poll for changes instead of native file-system events.
    pub poll: bool,
    /// Also write the site here after every published rebuild (absolute).
    pub out: Option<PathBuf>,
    /// Fixed date for review findings; default: the system date on each
    /// rebuild.
    pub today: Option<Date>,
    pub drafts: bool,
    /// Open connections at most (see [`server::Limits`]).
    pub max_connections: usize,
}

/// What the preview tells its user, as it happens (the CLI prints it).
#[derive(Debug)]
pub enum Event<'a> {
    /// The first build is published. `diagnostics`: all its findings.
    Built {
        documents: usize,
        pages: usize,
        elapsed: Duration,
        errors: usize,
        warnings: usize,
        diagnostics: &'a [Diagnostic],
    },
    /// The first build cannot be rendered; every page shows these errors.
    Unrenderable {
        errors: &'a [Diagnostic],
    },
    /// Listening: the URL to open.
    Serving {
        title: &'a str,
        url: &'a str,
        root: &'a Path,
        polling: bool,
    },
    /// A change was published: `pages` rendered (`full`: all of them).
    Rebuilt {
        reason: &'a str,
        full: bool,
        pages: usize,
        elapsed: Duration,
        /// Errors the handbook still has.
        errors: usize,
        /// Time per step.
        phases: &'a [(&'static str, Duration)],
    },
    /// Only files served from disk changed: open pages reload.
    FilesChanged {
        reason: &'a str,
    },
    /// A change was held back: the last good version stays online.
    HeldBack {
        reason: &'a str,
        errors: &'a [Diagnostic],
    },
    /// An incremental update was not possible.
    FullReload {
        why: &'a str,
    },
    /// The overview pages and exports caught up.
    Overview {
        pages: usize,
        elapsed: Duration,
    },
    /// `/print/` was rendered.
    Print {
        elapsed: Duration,
    },
    /// Errors met after a change was published (overview pages, `/print/`,
    /// writing `--out`).
    Diagnostics(&'a [Diagnostic]),
    Warning(String),
}

/// Why the server could not run.
#[derive(Debug)]
pub enum ServeError {
    /// The configuration or a catalogue is invalid, or `--out` is unusable.
    Invalid(Vec<Diagnostic>),
    /// The address cannot be listened on.
    Bind { addr: SocketAddr, error: std::io::Error },
    /// The server thread or the watcher could not start.
    Internal(String),
}

/// Stops a running preview (from a Ctrl-C handler, say).
#[derive(Clone)]
pub struct Stop(Notifier);

impl Stop {
    pub fn stop(&self) {
        self.0.send(Msg::Stop);
    }
}

/// The channel the rebuild loop listens on, and a handle to stop it.
pub struct Control {
    notifier: Notifier,
    rx: mpsc::Receiver<Msg>,
}

impl Control {
    pub fn new() -> (Control, Stop) {
        let (tx, rx) = mpsc::channel();
        let notifier = Notifier::new(tx);
        (
            Control {
                notifier: notifier.clone(),
                rx,
            },
            Stop(notifier),
        )
    }
}

/// Runs the preview server until stopped. Bad content never stops it; see
/// [`ServeError`] for what does.
pub fn run(
    mut config: Config,
    opts: ServeOptions,
    control: Control,
    report: &mut dyn FnMut(Event<'_>),
) -> Result<(), ServeError> {
    // The preview is served from the site root, whatever base_url says
    // (an absolute base_url would send every link to the real host).
    config.set_base_url("/");
    if let Some(out) = &opts.out {
        config.output_dir = out.clone();
        config::check_output_dir(&config.root, &config.content_dir, &config.output_dir)
            .map_err(|d| ServeError::Invalid(vec![d]))?;
    }
    // Bind before building, so a busy port is reported at once.
    let addr = SocketAddr::new(opts.bind, opts.port);
    let bound = server::bind(addr).map_err(|error| ServeError::Bind { addr, error })?;
    let local = bound.local_addr().unwrap_or(addr);
    if !opts.bind.is_loopback() {
        report(Event::Warning(format!(
            "listening on {} makes the handbook (confidential documents included) readable by anyone \
             who can reach this machine; the preview server has no access control",
            opts.bind
        )));
    }
    let Control { notifier, rx } = control;
    let shared = Arc::new(Shared::new(!opts.bind.is_loopback()));
    let _ = shared.notifier.set(notifier.clone());
    let mut preview = preview::Preview::new(report, &opts, config, Arc::clone(&shared), notifier.clone());
    preview.start().map_err(ServeError::Invalid)?;
    let server = server::start(
        bound,
        Arc::clone(&shared),
        server::Limits {
            max_connections: opts.max_connections,
            ..server::Limits::default()
        },
    )
    .map_err(|e| ServeError::Internal(format!("cannot start the server thread: {e}")))?;
    let (mut watcher, warning) = Watcher::new(opts.poll, notifier.clone())
        .map_err(|e| ServeError::Internal(format!("cannot watch the handbook for changes: {e}")))?;
    let more = watcher.watch_all(&watch_targets(preview.config()));
    let host = match local.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    let url = format!("http://{host}:{}/", local.port());
    {
        let config = preview.config().clone();
        let mut tell = |e: Event<'_>| preview.tell(e);
        for w in warning.into_iter().chain(more) {
            tell(Event::Warning(w));
        }
        tell(Event::Serving {
            title: &config.title,
            url: &url,
            root: &config.root,
            polling: watcher.is_polling(),
        });
    }
    preview.run(&rx, &mut watcher);
    shared.hub.close_all();
    server.stop();
    Ok(())
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
    flat.extend(config.catalogues.iter().filter_map(|c| c.value.parent().map(n)));
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

#[cfg(test)]
mod tests {
    use super::*;

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
