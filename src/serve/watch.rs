//! Watching the handbook for changes: native file-system events
//! (inotify, FSEvents, ReadDirectoryChangesW) through notify's debouncer,
//! or polling (`--poll`, and automatically when native watching cannot be
//! set up, e.g. on network file systems or when the watch limit is
//! reached).

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};
use notify_debouncer_full::notify::{
    self, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode,
};
use notify_debouncer_full::{
    new_debouncer_opt, DebounceEventResult, Debouncer, NoCache, RecommendedCache,
};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

/// Quiet time after the last event on a path before it is reported. Short:
/// editors finish a save within milliseconds, and every millisecond here
/// is added to the time from save to page.
const DEBOUNCE: Duration = Duration::from_millis(50);
const TICK: Duration = Duration::from_millis(15);
/// Polling interval with `--poll`.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// A message to the rebuild loop.
#[derive(Debug)]
pub enum Msg {
    Changed(Vec<PathBuf>),
    /// Events were lost (e.g. the kernel queue overflowed): reload all.
    Rescan,
    Stop,
}

/// Sends to the rebuild loop and counts what was sent, so that long work
/// there (rendering the print page) can tell that newer changes wait.
#[derive(Clone)]
pub struct Notifier {
    tx: Sender<Msg>,
    sent: Arc<AtomicU64>,
}

impl Notifier {
    pub fn new(tx: Sender<Msg>) -> Notifier {
        Notifier {
            tx,
            sent: Arc::new(AtomicU64::new(0)),
        }
    }
    pub fn send(&self, msg: Msg) {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let _ = self.tx.send(msg);
    }
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

enum Inner {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

pub struct Watcher {
    inner: Inner,
    watched: BTreeSet<(PathBuf, bool)>,
    notifier: Notifier,
}

fn handler(notifier: Notifier) -> impl FnMut(DebounceEventResult) + Send + 'static {
    move |result: DebounceEventResult| match result {
        Ok(events) => {
            let mut paths = Vec::new();
            let mut rescan = false;
            for e in events {
                rescan |= e.need_rescan();
                let relevant = match e.kind {
                    // Reads (including our own, while rebuilding) must
                    // never trigger a rebuild.
                    EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
                    EventKind::Access(_) => false,
                    EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
                    _ => true,
                };
                if relevant {
                    paths.extend(e.event.paths.iter().cloned());
                }
            }
            if rescan {
                notifier.send(Msg::Rescan);
            } else if !paths.is_empty() {
                paths.sort();
                paths.dedup();
                notifier.send(Msg::Changed(paths));
            }
        }
        Err(errors) => {
            // Lost events are recovered by reloading everything.
            for e in &errors {
                eprintln!("warning: file watching: {e}");
            }
            notifier.send(Msg::Rescan);
        }
    }
}

fn native(notifier: &Notifier) -> Result<Inner, notify::Error> {
    new_debouncer_opt::<_, RecommendedWatcher, RecommendedCache>(
        DEBOUNCE,
        Some(TICK),
        handler(notifier.clone()),
        RecommendedCache::new(),
        notify::Config::default(),
    )
    .map(Inner::Native)
}

fn poll(notifier: &Notifier) -> Result<Inner, notify::Error> {
    let config = notify::Config::default()
        .with_poll_interval(POLL_INTERVAL)
        .with_compare_contents(false);
    new_debouncer_opt::<_, PollWatcher, NoCache>(
        DEBOUNCE,
        Some(TICK),
        handler(notifier.clone()),
        NoCache,
        config,
    )
    .map(Inner::Poll)
}

impl Watcher {
    /// A native watcher, or a polling one with `poll` or when native
    /// watching is unavailable (then `warning` says why).
    pub fn new(use_poll: bool, notifier: Notifier) -> Result<(Watcher, Option<String>), String> {
        let (inner, warning) = if use_poll {
            (
                poll(&notifier).map_err(|e| format!("cannot start polling: {e}"))?,
                None,
            )
        } else {
            match native(&notifier) {
                Ok(w) => (w, None),
                Err(e) => (
                    poll(&notifier).map_err(|e| format!("cannot start polling: {e}"))?,
                    Some(format!(
                        "native file watching is unavailable ({e}); polling instead"
                    )),
                ),
            }
        };
        Ok((
            Watcher {
                inner,
                watched: BTreeSet::new(),
                notifier,
            },
            warning,
        ))
    }

    pub fn is_polling(&self) -> bool {
        matches!(self.inner, Inner::Poll(_))
    }

    fn watch_one(&mut self, path: &std::path::Path, recursive: bool) -> Result<(), notify::Error> {
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        match &mut self.inner {
            Inner::Native(d) => d.watch(path, mode),
            Inner::Poll(d) => d.watch(path, mode),
        }
    }

    /// Watches each existing folder of `targets` (path, recursive) not yet
    /// watched. If native watching fails (the watch limit, a file system
    /// without notifications), switches to polling for everything.
    /// Returns a warning to show, if any.
    pub fn watch_all(&mut self, targets: &[(PathBuf, bool)]) -> Option<String> {
        let mut warning = None;
        for (path, recursive) in targets {
            if !path.exists() || self.watched.contains(&(path.clone(), *recursive)) {
                continue;
            }
            match self.watch_one(path, *recursive) {
                Ok(()) => {
                    self.watched.insert((path.clone(), *recursive));
                }
                Err(e) if !self.is_polling() => match poll(&self.notifier) {
                    Ok(p) => {
                        warning = Some(format!(
                            "cannot watch {} ({e}); polling for changes instead",
                            path.display()
                        ));
                        self.inner = p;
                        let again: Vec<(PathBuf, bool)> =
                            std::mem::take(&mut self.watched).into_iter().collect();
                        for (p, r) in again
                            .iter()
                            .chain(std::iter::once(&(path.clone(), *recursive)))
                        {
                            if self.watch_one(p, *r).is_ok() {
                                self.watched.insert((p.clone(), *r));
                            }
                        }
                    }
                    Err(pe) => {
                        warning = Some(format!(
                            "cannot watch {} ({e}) and cannot poll ({pe})",
                            path.display()
                        ))
                    }
                },
                Err(e) => warning = Some(format!("cannot watch {}: {e}", path.display())),
            }
        }
        warning
    }
}
