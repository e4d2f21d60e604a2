//! Watching the handbook for changes: native file-system events
//! (inotify, FSEvents, ReadDirectoryChangesW) through notify's debouncer,
//! or polling (`--poll`, and automatically when native watching cannot be
//! set up, e.g. on network file systems or when the watch limit is
//! reached).

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};
use notify_debouncer_full::notify::{self, EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, Debouncer, RecommendedCache};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Quiet time after the last event on a path before it is reported. Short:
/// editors finish a save within milliseconds, and every millisecond here
/// is added to the time from save to page.
const DEBOUNCE: Duration = Duration::from_millis(20);
const TICK: Duration = Duration::from_millis(5);
/// Polling interval with `--poll`.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
const POLL_SETTLE: Duration = Duration::from_millis(50);

/// A message to the rebuild loop.
#[derive(Debug)]
pub enum Msg {
    Changed(Vec<PathBuf>),
    /// Events were lost (e.g. the kernel queue overflowed): reload all.
    Rescan,
    /// Someone asked for `/print/` while it is stale.
    RenderPrint,
    /// Something the user should know (the watcher reported an error).
    Warning(String),
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
    Poll(Poller),
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
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            notifier.send(Msg::Warning(format!("file watching: {}", text.join("; "))));
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

/// What polling compares: modification time (to the nanosecond where the
/// file system keeps it), size and kind. (notify's own poller compares
/// whole seconds only, so two saves within a second looked like one.)
type Stamp = (Option<std::time::SystemTime>, u64, bool);

#[derive(Default)]
struct PollState {
    targets: Vec<(PathBuf, bool)>,
    seen: HashMap<PathBuf, Stamp>,
}

/// Polls the watched folders with `stat` every [`POLL_INTERVAL`]; for file
/// systems without change notifications (network shares, some container
/// mounts).
struct Poller {
    state: Arc<Mutex<PollState>>,
}

impl Poller {
    fn start(notifier: Notifier) -> std::io::Result<Poller> {
        let state = Arc::new(Mutex::new(PollState::default()));
        let shared = Arc::clone(&state);
        std::thread::Builder::new()
            .name("smsdoc-poll".into())
            .spawn(move || loop {
                std::thread::sleep(POLL_INTERVAL);
                let targets = lock(&shared).targets.clone();
                let mut now = scan(&targets);
                // A file caught mid-save changes again right after: report
                // it once the folders hold still (a few tries at most).
                for _ in 0..5 {
                    if lock(&shared).seen == now {
                        break;
                    }
                    std::thread::sleep(POLL_SETTLE);
                    let again = scan(&targets);
                    if again == now {
                        break;
                    }
                    now = again;
                }
                let mut st = lock(&shared);
                let mut changed: Vec<PathBuf> = now
                    .iter()
                    .filter(|(p, stamp)| st.seen.get(*p) != Some(stamp))
                    .map(|(p, _)| p.clone())
                    .collect();
                changed.extend(st.seen.keys().filter(|p| !now.contains_key(*p)).cloned());
                st.seen = now;
                drop(st);
                if !changed.is_empty() {
                    changed.sort();
                    notifier.send(Msg::Changed(changed));
                }
            })?;
        Ok(Poller { state })
    }

    fn watch(&self, path: &Path, recursive: bool) {
        // The first look is the baseline: what exists now is no change.
        let baseline = scan(&[(path.to_path_buf(), recursive)]);
        let mut st = lock(&self.state);
        st.targets.push((path.to_path_buf(), recursive));
        st.seen.extend(baseline);
    }
}

fn lock(m: &Mutex<PollState>) -> std::sync::MutexGuard<'_, PollState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn scan(targets: &[(PathBuf, bool)]) -> HashMap<PathBuf, Stamp> {
    let mut out = HashMap::new();
    for (root, recursive) in targets {
        let walker = walkdir::WalkDir::new(root)
            .max_depth(if *recursive { usize::MAX } else { 1 })
            .into_iter()
            // Hidden folders (.git) and editor droppings never matter.
            .filter_entry(|e| e.depth() == 0 || !crate::paths::is_ignored_name(&e.file_name().to_string_lossy()));
        for e in walker.flatten() {
            if let Ok(m) = e.metadata() {
                out.insert(e.into_path(), (m.modified().ok(), m.len(), m.is_dir()));
            }
        }
    }
    out
}

impl Watcher {
    /// A native watcher, or a polling one with `poll` or when native
    /// watching is unavailable (then `warning` says why).
    pub fn new(use_poll: bool, notifier: Notifier) -> Result<(Watcher, Option<String>), String> {
        let poll = |n: &Notifier| {
            Poller::start(n.clone())
                .map(Inner::Poll)
                .map_err(|e| format!("cannot start polling: {e}"))
        };
        let (inner, warning) = if use_poll {
            (poll(&notifier)?, None)
        } else {
            match native(&notifier) {
                Ok(w) => (w, None),
                Err(e) => (
                    poll(&notifier)?,
                    Some(format!("native file watching is unavailable ({e}); polling instead")),
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

    fn watch_one(&mut self, path: &Path, recursive: bool) -> Result<(), notify::Error> {
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        match &mut self.inner {
            Inner::Native(d) => d.watch(path, mode),
            Inner::Poll(p) => {
                p.watch(path, recursive);
                Ok(())
            }
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
                Err(e) if !self.is_polling() => match Poller::start(self.notifier.clone()).map(Inner::Poll) {
                    Ok(p) => {
                        warning = Some(format!(
                            "cannot watch {} ({e}); polling for changes instead",
                            path.display()
                        ));
                        self.inner = p;
                        let again: Vec<(PathBuf, bool)> = std::mem::take(&mut self.watched).into_iter().collect();
                        for (p, r) in again.iter().chain(std::iter::once(&(path.clone(), *recursive))) {
                            if self.watch_one(p, *r).is_ok() {
                                self.watched.insert((p.clone(), *r));
                            }
                        }
                    }
                    Err(pe) => warning = Some(format!("cannot watch {} ({e}) and cannot poll ({pe})", path.display())),
                },
                Err(e) => warning = Some(format!("cannot watch {}: {e}", path.display())),
            }
        }
        warning
    }
}
