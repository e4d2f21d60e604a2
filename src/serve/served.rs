//! What the preview serves: the rendered files, the error overlay, the
//! generation open pages compare against, and whether `/print/` is fresh.
//! The rebuild loop writes it; the HTTP server only reads it.

use super::live::Hub;
use super::watch::{Msg, Notifier};
use bytes::Bytes;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

/// One file of the served site.
#[derive(Debug, Clone)]
pub enum Body {
    /// Rendered in memory; `Bytes` so that a response shares the page
    /// instead of copying it.
    Bytes(Bytes),
    /// Read from this source file on request (assets and static files).
    File(PathBuf),
}

/// The files being served; replaced piece by piece by the rebuild loop.
#[derive(Debug, Default)]
pub struct Files {
    /// Output path (`procedures/x/index.html`) → content.
    pub map: HashMap<String, Body>,
    /// The error overlay, injected into every HTML page while set.
    pub overlay: Option<Arc<str>>,
    /// Changes on every publish; pages reload when theirs is older.
    pub generation: Arc<str>,
    /// A site has been rendered at least once.
    pub ready: bool,
    /// Canonical folders `Body::File` sources must be inside.
    pub file_roots: Arc<[PathBuf]>,
}

/// Output path of the one-page print handbook.
pub const PRINT_PAGE: &str = "print/index.html";
/// A request for a stale `/print/` waits this long for it at most.
const PRINT_WAIT: Duration = Duration::from_secs(120);
/// Requests for a stale `/print/` that wait for the fresh one, at most;
/// others get the current one at once (and the page reloads when the fresh
/// one is announced). Rendering waits while changes keep coming.
const MAX_PRINT_WAITERS: usize = 2;

/// `/print/` holds every document; rendering it after every save would
/// keep a core busy on large handbooks, so it is rendered when requested.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PrintState {
    /// The served `/print/` is older than the published documents.
    pub stale: bool,
    /// A request waits for the rebuild loop to render it.
    pub requested: bool,
}

/// State shared between the rebuild loop and the server.
pub struct Shared {
    files: RwLock<Files>,
    pub hub: Hub,
    /// Accept any `Host` header (set when listening beyond loopback).
    pub any_host: bool,
    print: watch::Sender<PrintState>,
    print_waiters: Semaphore,
    /// Asks the rebuild loop to render `/print/`.
    pub notifier: OnceLock<Notifier>,
}

impl Shared {
    pub fn new(any_host: bool) -> Shared {
        Shared {
            files: RwLock::default(),
            hub: Hub::default(),
            any_host,
            print: watch::Sender::new(PrintState::default()),
            print_waiters: Semaphore::new(MAX_PRINT_WAITERS),
            notifier: OnceLock::new(),
        }
    }

    pub fn print_state(&self) -> PrintState {
        *self.print.borrow()
    }

    /// Marks `/print/` fresh or stale; wakes requests waiting for it.
    pub fn set_print_stale(&self, stale: bool) {
        self.print.send_modify(|st| {
            st.stale = stale;
            if !stale {
                st.requested = false;
            }
        });
    }

    /// The rebuild loop is done with a request (rendered it, or cannot).
    pub fn print_request_done(&self) {
        self.print.send_modify(|st| st.requested = false);
    }

    /// Before serving `/print/`: if it is stale, asks the rebuild loop for
    /// it and waits (a few requests at most, for a bounded time).
    pub async fn fresh_print(&self) {
        let ask = self.print.send_if_modified(|st| {
            let ask = st.stale && !st.requested;
            st.requested |= ask;
            ask
        });
        if ask {
            if let Some(n) = self.notifier.get() {
                n.send(Msg::RenderPrint);
            }
        }
        if !self.print_state().requested {
            return;
        }
        let Ok(_waiting) = self.print_waiters.try_acquire() else {
            return;
        };
        let mut rx = self.print.subscribe();
        let _ = tokio::time::timeout(PRINT_WAIT, rx.wait_for(|st| !st.requested)).await;
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Files> {
        self.files.read().unwrap_or_else(|p| p.into_inner())
    }
    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Files> {
        self.files.write().unwrap_or_else(|p| p.into_inner())
    }
}
