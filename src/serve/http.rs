//! A small HTTP/1.1 server for the preview: GET and HEAD of files held in
//! memory, nothing else.
//!
//! It is written on `std::net` rather than on tiny_http because the
//! preview's safety rules need control tiny_http does not give: tiny_http
//! reads request lines and headers without a size limit, has no read
//! timeouts, and starts a thread for every connection without bound.
//!
//! Here one thread accepts connections; one thread collects request heads
//! from all connections at once (non-blocking reads, `poll` on Unix), with
//! a size limit and a deadline, so idle or slow connections (a browser's
//! preconnected sockets, a slowloris) hold no worker; a fixed pool of
//! workers answers complete requests from a bounded queue (a full queue is
//! answered 503 at once). Bodies are refused and every connection serves
//! one request (`Connection: close`).

use super::live::{self, Hub};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Request line plus headers, at most.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Header lines at most.
pub const MAX_HEADERS: usize = 100;
/// Worker threads answering requests.
pub const WORKERS: usize = 8;
/// Complete requests waiting for a worker, at most; past it a request is
/// answered 503 at once. As many as connections whose head may be
/// arriving: a client has one request in flight per connection, so a burst
/// from as many clients is queued (in memory: at most `QUEUE` heads of
/// [`MAX_HEAD_BYTES`]), not refused.
pub const QUEUE: usize = 256;
/// Connections whose request head is still arriving, at most; past it the
/// oldest is closed.
pub const MAX_PENDING: usize = 256;
/// Connections the kernel holds for the accept thread (capped by the
/// system, `net.core.somaxconn` on Linux).
#[cfg(unix)]
const BACKLOG: libc::c_int = 1024;
/// The whole request head must arrive within this time.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// A piece of a response (at most [`WRITE_PIECE`] bytes) that cannot be
/// written within this time drops the connection: the client stopped
/// reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(20);
/// Written in one call at most, so that a call that waits the whole
/// [`WRITE_TIMEOUT`] means a stalled client, not a large write.
const WRITE_PIECE: usize = 64 * 1024;
/// A whole response must be written within [`WRITE_TIMEOUT`] plus its size
/// at this rate (bytes per second), so a client that reads just enough to
/// avoid the timeout cannot hold a worker for long.
const MIN_WRITE_RATE: f64 = 1024.0 * 1024.0;
/// After refusing a request that may carry a body, read (and drop) what
/// the client sends for this long at most before closing.
const LINGER: Duration = Duration::from_secs(1);
/// Requests for a stale `/print/` that wait for the fresh one, at most;
/// others get the current one at once (and the page reloads when the fresh
/// one is ready). Rendering waits while changes keep coming, and waiting
/// requests hold workers.
const MAX_PRINT_WAITERS: usize = 2;

/// One file of the served site.
#[derive(Debug, Clone)]
pub enum Body {
    // A `Vec` rather than `[u8]`: moving a rendered page in costs no copy.
    Bytes(Arc<Vec<u8>>),
    /// Read from this source file on request (assets and static files).
    File(PathBuf),
}

/// What the workers serve; replaced piece by piece by the rebuild loop.
#[derive(Debug, Default)]
pub struct Files {
    /// Output path (`procedures/x/index.html`) → content.
    pub map: HashMap<String, Body>,
    /// The error overlay, injected into every HTML page while set.
    pub overlay: Option<Arc<str>>,
    /// Changes on every publish; pages reload when theirs is older.
    pub generation: String,
    /// A site has been rendered at least once.
    pub ready: bool,
    /// Canonical folders `Body::File` sources must be inside.
    pub file_roots: Vec<PathBuf>,
}

/// Output path of the one-page print handbook.
pub const PRINT_PAGE: &str = "print/index.html";
/// A request for a stale `/print/` waits this long for it at most.
const PRINT_WAIT: Duration = Duration::from_secs(120);

/// `/print/` holds every document; rendering it after every save would
/// keep a core busy on large handbooks, so it is rendered when requested.
#[derive(Debug, Default)]
pub struct PrintState {
    /// The served `/print/` is older than the published documents.
    pub stale: bool,
    /// A request waits for the rebuild loop to render it.
    pub requested: bool,
    /// Workers waiting for it (at most [`MAX_PRINT_WAITERS`]).
    pub waiting: usize,
}

/// State shared between the rebuild loop and the workers.
#[derive(Default)]
pub struct Shared {
    pub files: RwLock<Files>,
    pub hub: Hub,
    /// Accept any `Host` header (set when listening beyond loopback).
    pub any_host: bool,
    pub print: Mutex<PrintState>,
    pub print_done: Condvar,
    /// Asks the rebuild loop to render `/print/`.
    pub notifier: std::sync::OnceLock<super::watch::Notifier>,
}

impl Shared {
    pub fn print_state(&self) -> std::sync::MutexGuard<'_, PrintState> {
        self.print.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks `/print/` fresh or stale; wakes requests waiting for it.
    pub fn set_print_stale(&self, stale: bool) {
        let mut st = self.print_state();
        st.stale = stale;
        if !stale {
            st.requested = false;
        }
        self.print_done.notify_all();
    }

    /// The rebuild loop is done with a request (rendered it, or cannot).
    pub fn print_request_done(&self) {
        self.print_state().requested = false;
        self.print_done.notify_all();
    }

    /// Before serving `/print/`: if it is stale, asks for it and waits.
    fn fresh_print(&self) {
        let mut st = self.print_state();
        if !st.stale {
            return;
        }
        if !st.requested {
            let Some(n) = self.notifier.get() else { return };
            st.requested = true;
            n.send(super::watch::Msg::RenderPrint);
        }
        if st.waiting >= MAX_PRINT_WAITERS {
            return;
        }
        st.waiting += 1;
        let deadline = Instant::now() + PRINT_WAIT;
        while st.requested {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = match self.print_done.wait_timeout(st, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        st.waiting -= 1;
    }

    pub fn read(&self) -> std::sync::RwLockReadGuard<'_, Files> {
        self.files.read().unwrap_or_else(|p| p.into_inner())
    }
    pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, Files> {
        self.files.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// A connection with its request head (or why there is none usable).
struct Conn {
    stream: TcpStream,
    head: Result<Vec<u8>, HeadError>,
}

/// Starts the accept thread, the head reader and the worker pool.
pub fn start(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<()> {
    // std listens with a backlog of 128: a burst of more connections than
    // the accept thread takes at once would have its SYNs dropped, and each
    // such client waits a 1 s retransmission. Listening again raises it.
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: listen(2) on the listening socket we own; it only changes
        // the length of its queue of pending connections.
        unsafe { libc::listen(listener.as_raw_fd(), BACKLOG) };
    }
    let (work_tx, work_rx) = mpsc::sync_channel::<Conn>(QUEUE);
    let work_rx = Arc::new(Mutex::new(work_rx));
    for n in 0..WORKERS {
        let rx = Arc::clone(&work_rx);
        let shared = Arc::clone(&shared);
        std::thread::Builder::new()
            .name(format!("smsdoc-http-{n}"))
            .spawn(move || worker(&rx, &shared))?;
    }
    let (new_tx, new_rx) = mpsc::channel::<TcpStream>();
    let (waker, wake_rx) = wake::pair()?;
    std::thread::Builder::new()
        .name("smsdoc-heads".into())
        .spawn(move || read_heads(&new_rx, &wake_rx, &work_tx))?;
    std::thread::Builder::new()
        .name("smsdoc-accept".into())
        .spawn(move || {
            for conn in listener.incoming() {
                match conn {
                    Ok(stream) => {
                        if new_tx.send(stream).is_err() {
                            return;
                        }
                        waker.wake();
                    }
                    // Out of file descriptors and the like: back off briefly
                    // rather than spinning.
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })?;
    Ok(())
}

/// A connection whose request head is still arriving.
struct Partial {
    stream: TcpStream,
    buf: Vec<u8>,
    since: Instant,
}

/// Collects request heads from every waiting connection and hands
/// complete ones to the workers.
fn read_heads(new: &Receiver<TcpStream>, wake: &wake::Receiver, work: &SyncSender<Conn>) {
    let mut pending: Vec<Partial> = Vec::new();
    loop {
        wake.drain();
        loop {
            match new.try_recv() {
                Ok(stream) => {
                    if stream.set_nonblocking(true).is_err() {
                        continue;
                    }
                    if pending.len() >= MAX_PENDING {
                        if let Some(oldest) = pending.iter().enumerate().min_by_key(|(_, p)| p.since).map(|(i, _)| i) {
                            pending.swap_remove(oldest);
                        }
                    }
                    pending.push(Partial {
                        stream,
                        buf: Vec::with_capacity(1024),
                        since: Instant::now(),
                    });
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return,
            }
        }
        let mut i = 0;
        while i < pending.len() {
            match progress(&mut pending[i]) {
                None if pending[i].since.elapsed() > HEAD_DEADLINE => {
                    pending.swap_remove(i); // closes it
                }
                None => i += 1,
                Some(Err(HeadError::Gone)) => {
                    // Closed before a request: nothing to answer, and no
                    // place in the queue (a browser closing hundreds of
                    // idle connections must not crowd out real requests).
                    pending.swap_remove(i);
                }
                Some(head) => {
                    let p = pending.swap_remove(i);
                    if p.stream.set_nonblocking(false).is_err() {
                        continue;
                    }
                    let conn = Conn { stream: p.stream, head };
                    if let Err(TrySendError::Full(mut c)) = work.try_send(conn) {
                        // A fresh connection's send buffer takes the short
                        // answer at once; never wait here for one that
                        // does not.
                        let _ = c.stream.set_nonblocking(true);
                        let head_only = c.head.as_ref().is_ok_and(|h| h.starts_with(b"HEAD "));
                        let _ = write_simple(
                            &mut c.stream,
                            503,
                            "the preview server is busy; try again",
                            head_only,
                            &[("Retry-After", "1".into())],
                        );
                    }
                }
            }
        }
        let next_deadline = pending
            .iter()
            .map(|p| HEAD_DEADLINE.saturating_sub(p.since.elapsed()))
            .min();
        wake::wait(
            wake,
            &pending.iter().map(|p| &p.stream).collect::<Vec<_>>(),
            next_deadline.unwrap_or(Duration::from_secs(3600)),
        );
    }
}

/// Reads what has arrived; `Some` once the head is complete, too large,
/// or the connection is gone.
fn progress(p: &mut Partial) -> Option<Result<Vec<u8>, HeadError>> {
    let mut chunk = [0u8; 4096];
    loop {
        match p.stream.read(&mut chunk) {
            Ok(0) => return Some(Err(HeadError::Gone)),
            Ok(n) => {
                let seen = p.buf.len();
                p.buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = find_head_end(&p.buf[seen.saturating_sub(3)..]) {
                    let end = seen.saturating_sub(3) + end;
                    if end > MAX_HEAD_BYTES {
                        return Some(Err(HeadError::TooLarge));
                    }
                    p.buf.truncate(end);
                    return Some(Ok(std::mem::take(&mut p.buf)));
                }
                if p.buf.len() > MAX_HEAD_BYTES {
                    return Some(Err(HeadError::TooLarge));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return Some(Err(HeadError::Gone)),
        }
    }
}

fn worker(rx: &Mutex<Receiver<Conn>>, shared: &Shared) {
    loop {
        let next = rx.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(conn) = next else { return };
        handle(conn, shared);
    }
}

/// Waking the head reader: `poll` on the waiting sockets plus a socket
/// pair the accept thread writes to (Unix); elsewhere a short sleep.
mod wake {
    use std::net::TcpStream;
    use std::time::Duration;

    #[cfg(unix)]
    pub struct Waker(std::os::unix::net::UnixStream);
    #[cfg(unix)]
    pub struct Receiver(std::os::unix::net::UnixStream);

    #[cfg(unix)]
    pub fn pair() -> std::io::Result<(Waker, Receiver)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        a.set_nonblocking(true)?;
        b.set_nonblocking(true)?;
        Ok((Waker(a), Receiver(b)))
    }

    #[cfg(unix)]
    impl Waker {
        pub fn wake(&self) {
            use std::io::Write;
            // A full buffer means a wake-up is pending anyway.
            let _ = (&self.0).write(&[1]);
        }
    }

    #[cfg(unix)]
    impl Receiver {
        pub fn drain(&self) {
            use std::io::Read;
            let mut buf = [0u8; 256];
            while matches!((&self.0).read(&mut buf), Ok(n) if n > 0) {}
        }
    }

    /// Waits until a socket or the waker is readable, or `timeout`.
    #[cfg(unix)]
    pub fn wait(wake: &Receiver, sockets: &[&TcpStream], timeout: Duration) {
        use std::os::fd::AsRawFd;
        let mut fds: Vec<libc::pollfd> = std::iter::once(wake.0.as_raw_fd())
            .chain(sockets.iter().map(|s| s.as_raw_fd()))
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let ms = timeout.as_millis().clamp(1, 60_000) as libc::c_int;
        // SAFETY: `fds` is a valid, initialised array of `fds.len()` pollfd
        // structures that outlives the call.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    }

    #[cfg(not(unix))]
    pub struct Waker(std::sync::mpsc::Sender<()>);
    #[cfg(not(unix))]
    pub struct Receiver(std::sync::mpsc::Receiver<()>);

    #[cfg(not(unix))]
    pub fn pair() -> std::io::Result<(Waker, Receiver)> {
        let (tx, rx) = std::sync::mpsc::channel();
        Ok((Waker(tx), Receiver(rx)))
    }

    #[cfg(not(unix))]
    impl Waker {
        pub fn wake(&self) {
            let _ = self.0.send(());
        }
    }

    #[cfg(not(unix))]
    impl Receiver {
        pub fn drain(&self) {
            while self.0.try_recv().is_ok() {}
        }
    }

    /// Without `poll`, waiting sockets are looked at every few
    /// milliseconds; new connections wake the reader at once.
    #[cfg(not(unix))]
    pub fn wait(wake: &Receiver, sockets: &[&TcpStream], timeout: Duration) {
        let step = if sockets.is_empty() {
            timeout
        } else {
            timeout.min(Duration::from_millis(5))
        };
        let _ = wake.0.recv_timeout(step);
    }
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request head was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// The connection closed or timed out: nothing to answer.
    Gone,
    TooLarge,
    Malformed,
    Version,
}

/// End (exclusive) of `\r\n\r\n` or `\n\n` in `b`.
fn find_head_end(b: &[u8]) -> Option<usize> {
    for i in 0..b.len() {
        if b[i..].starts_with(b"\r\n\r\n") {
            return Some(i + 4);
        }
        if b[i..].starts_with(b"\n\n") {
            return Some(i + 2);
        }
    }
    None
}

/// Parses a request head. Only HTTP/1.0 and 1.1; no folded header lines.
pub fn parse_head(head: &[u8]) -> Result<Request, HeadError> {
    let text = std::str::from_utf8(head).map_err(|_| HeadError::Malformed)?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let line = lines.next().ok_or(HeadError::Malformed)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed);
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(HeadError::Malformed);
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HeadError::Malformed);
    }
    if !version.starts_with("HTTP/") {
        return Err(HeadError::Malformed);
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(HeadError::Version);
    }
    let mut headers = Vec::new();
    for l in lines {
        if l.is_empty() {
            break;
        }
        if l.starts_with([' ', '\t']) {
            return Err(HeadError::Malformed);
        }
        let (name, value) = l.split_once(':').ok_or(HeadError::Malformed)?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        {
            return Err(HeadError::Malformed);
        }
        headers.push((name.to_string(), value.trim().to_string()));
        if headers.len() > MAX_HEADERS {
            return Err(HeadError::TooLarge);
        }
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
    })
}

/// Where a request target leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Events,
    Script,
    /// A site file: the output path without a leading slash, and whether
    /// the URL ended in `/` (then `index.html` is appended).
    Site {
        path: String,
        dir: bool,
    },
}

/// Maps a request target to a route. Anything that could name a file
/// outside the site is refused (400): absolute-form targets, `..` segments
/// (also percent-encoded), backslashes, NUL and other control characters,
/// malformed or non-UTF-8 escapes. Percent escapes are decoded exactly
/// once, so a double-encoded `%252e%252e` is the literal name `%2e%2e`
/// (which no site file has). Empty and `.` segments are dropped, so
/// `//etc/passwd` is the site path `etc/passwd`.
pub fn route(target: &str) -> Result<Route, u16> {
    if !target.starts_with('/') {
        return Err(400);
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path).ok_or(400u16)?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return Err(400);
    }
    match decoded.as_str() {
        live::EVENTS_PATH => return Ok(Route::Events),
        live::SCRIPT_PATH => return Ok(Route::Script),
        _ => {}
    }
    let mut segments = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(400),
            s => segments.push(s),
        }
    }
    let dir = decoded.ends_with('/') || segments.is_empty();
    Ok(Route::Site {
        path: segments.join("/"),
        dir,
    })
}

/// A `Host` header naming this machine: `localhost` (and `*.localhost`),
/// a 127.x.x.x address or `[::1]`, with any port.
pub fn is_local_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, _)) => return ip == "::1",
            None => return false,
        }
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Strict percent-decoding: `%` must start a two-digit hex escape and the
/// result must be UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            let (h, l) = (hex(*b.get(i + 1)?)?, hex(*b.get(i + 2)?)?);
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a site path for a `Location` header.
fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Content-Type` by file extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        403 => "Forbidden",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(&str, String)],
    body: &[u8],
    head_only: bool,
) -> std::io::Result<()> {
    write_parts(stream, status, content_type, extra, &[body], head_only)
}

/// A response whose body is `parts`, one after the other.
fn write_parts(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(&str, String)],
    parts: &[&[u8]],
    head_only: bool,
) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        reason(status),
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = Bounded::new(stream, (head.len() + if head_only { 0 } else { len }) as u64);
    out.write_all(head.as_bytes())?;
    if !head_only {
        for part in parts {
            out.write_all(part)?;
        }
    }
    out.flush()
}

/// An HTML page with the reload script (and the overlay) injected, written
/// around the snippet rather than copied: a worker never holds a copy of a
/// page (the print page of a large handbook is megabytes, and glibc keeps
/// each worker's largest buffer in its arena for good).
fn write_html(
    stream: &mut TcpStream,
    status: u16,
    html: &[u8],
    overlay: Option<&str>,
    generation: &str,
    head_only: bool,
) -> std::io::Result<()> {
    let (at, snippet) = live::injection(html, overlay, generation);
    write_parts(
        stream,
        status,
        "text/html; charset=utf-8",
        &[],
        &[&html[..at], snippet.as_bytes(), &html[at..]],
        head_only,
    )
}

/// Writes a response in bounded time: each piece within
/// [`WRITE_TIMEOUT`], the whole within `WRITE_TIMEOUT` plus its size at
/// [`MIN_WRITE_RATE`]. A client that stops reading, or reads a few bytes
/// now and then, cannot hold a worker for longer.
struct Bounded<'a> {
    stream: &'a mut TcpStream,
    deadline: Instant,
}

impl<'a> Bounded<'a> {
    fn new(stream: &'a mut TcpStream, len: u64) -> Bounded<'a> {
        let deadline = Instant::now() + WRITE_TIMEOUT + Duration::from_secs_f64(len as f64 / MIN_WRITE_RATE);
        Bounded { stream, deadline }
    }
}

impl Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        let limit = left.min(WRITE_TIMEOUT);
        self.stream.set_write_timeout(Some(limit))?;
        let piece = &buf[..buf.len().min(WRITE_PIECE)];
        let started = Instant::now();
        let n = self.stream.write(piece)?;
        // A short write after the whole timeout: the client stopped
        // reading (the next call would wait as long again, for nothing).
        if n < piece.len() && started.elapsed() + Duration::from_millis(100) >= limit {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

fn write_simple(
    stream: &mut TcpStream,
    status: u16,
    text: &str,
    head_only: bool,
    extra: &[(&str, String)],
) -> std::io::Result<()> {
    let body = format!("{status} {}: {text}\n", reason(status));
    write_response(
        stream,
        status,
        "text/plain; charset=utf-8",
        extra,
        body.as_bytes(),
        head_only,
    )
}

/// After an error answer to a request that may have sent more (a body),
/// read a little of it so that closing does not reset the connection
/// before the client has read the answer: until the client closes, is
/// silent for 200 ms, has sent 1 MiB, or [`LINGER`] has passed (a client
/// trickling bytes must not hold the worker).
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 8192];
    let mut total = 0;
    while total <= 1 << 20 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero()
            || stream
                .set_read_timeout(Some(left.min(Duration::from_millis(200))))
                .is_err()
        {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

fn handle(conn: Conn, shared: &Shared) {
    let mut stream = conn.stream;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT)); // `Bounded` refines it
    let _ = stream.set_nodelay(true);
    let req = match conn.head.and_then(|h| parse_head(&h)) {
        Ok(r) => r,
        Err(HeadError::Gone) => return,
        Err(e) => {
            let (status, text) = match e {
                HeadError::TooLarge => (431, "the request head is too large"),
                HeadError::Version => (505, "only HTTP/1.0 and HTTP/1.1 are supported"),
                _ => (400, "malformed request"),
            };
            let _ = write_simple(&mut stream, status, text, false, &[]);
            linger(&mut stream);
            return;
        }
    };
    let head_only = req.method == "HEAD";
    if !shared.any_host && !req.header("host").is_none_or(is_local_host) {
        // DNS rebinding: a web page elsewhere must not be able to read the
        // handbook through a name it points at 127.0.0.1.
        let _ = write_simple(
            &mut stream,
            403,
            "the preview server only answers requests for localhost (see --bind)",
            head_only,
            &[],
        );
        return;
    }
    if req.method != "GET" && !head_only {
        let _ = write_simple(
            &mut stream,
            405,
            "the preview server only answers GET and HEAD",
            false,
            &[("Allow", "GET, HEAD".into())],
        );
        linger(&mut stream);
        return;
    }
    let has_body =
        req.header("transfer-encoding").is_some() || req.header("content-length").is_some_and(|v| v.trim() != "0");
    if has_body {
        let _ = write_simple(
            &mut stream,
            413,
            "requests with a body are not accepted",
            head_only,
            &[],
        );
        linger(&mut stream);
        return;
    }
    let route = match route(&req.target) {
        Ok(r) => r,
        Err(status) => {
            let _ = write_simple(&mut stream, status, "this path is not allowed", head_only, &[]);
            return;
        }
    };
    let _ = match route {
        Route::Events if head_only => {
            write_response(&mut stream, 200, "text/event-stream; charset=utf-8", &[], b"", true)
        }
        Route::Events => {
            let generation = shared.read().generation.clone();
            shared.hub.add(stream, &generation);
            return;
        }
        Route::Script => write_response(
            &mut stream,
            200,
            "text/javascript; charset=utf-8",
            &[],
            live::SCRIPT.as_bytes(),
            head_only,
        ),
        Route::Site { path, dir } => serve_site(&mut stream, shared, &path, dir, head_only),
    };
}

/// What a site path resolves to, looked up under the read lock and used
/// after it is released.
enum Lookup {
    File { path: String, body: Body },
    Redirect(String),
    Missing(Option<Body>),
    NotReady,
}

fn serve_site(stream: &mut TcpStream, shared: &Shared, path: &str, dir: bool, head_only: bool) -> std::io::Result<()> {
    let key = if dir {
        if path.is_empty() {
            "index.html".to_string()
        } else {
            format!("{path}/index.html")
        }
    } else {
        path.to_string()
    };
    if key == PRINT_PAGE {
        shared.fresh_print();
    }
    let (found, overlay, generation, roots) = {
        let files = shared.read();
        let found = if !files.ready {
            Lookup::NotReady
        } else if let Some(b) = files.map.get(&key) {
            Lookup::File {
                path: key,
                body: b.clone(),
            }
        } else if !dir && files.map.contains_key(&format!("{path}/index.html")) {
            // Pretty URLs: relative links in the page need the slash.
            Lookup::Redirect(format!("/{}/", encode_path(path)))
        } else {
            Lookup::Missing(files.map.get("404.html").cloned())
        };
        (
            found,
            files.overlay.clone(),
            files.generation.clone(),
            files.file_roots.clone(),
        )
    };
    let overlay = overlay.as_deref();
    match found {
        Lookup::File { path, body } => {
            let ctype = content_type(&path);
            let html = ctype.starts_with("text/html");
            match body {
                Body::Bytes(b) if html => write_html(stream, 200, &b, overlay, &generation, head_only),
                Body::Bytes(b) => write_response(stream, 200, ctype, &[], &b, head_only),
                Body::File(src) => serve_file(stream, &src, &roots, ctype, html, overlay, &generation, head_only),
            }
        }
        Lookup::Redirect(location) => write_response(
            stream,
            302,
            "text/plain; charset=utf-8",
            &[("Location", location.clone())],
            format!("see {location}\n").as_bytes(),
            head_only,
        ),
        Lookup::Missing(page) => {
            let fallback: &[u8] = b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>";
            let body = match &page {
                Some(Body::Bytes(b)) => b.as_slice(),
                _ => fallback,
            };
            write_html(stream, 404, body, overlay, &generation, head_only)
        }
        Lookup::NotReady => {
            let page = "<!DOCTYPE html><meta charset=\"utf-8\"><title>smsdoc serve: build failed</title>\
                        <h1>The handbook could not be rendered</h1><p>The errors are listed below and in the terminal.</p>";
            write_html(stream, 503, page.as_bytes(), overlay, &generation, head_only)
        }
    }
}

/// Streams an asset or static file from disk, after checking that it is
/// still inside the folders the site may copy from (it was when the site
/// was built; a symbolic link swapped in since must not leak a file).
#[allow(clippy::too_many_arguments)]
fn serve_file(
    stream: &mut TcpStream,
    src: &Path,
    roots: &[PathBuf],
    ctype: &str,
    html: bool,
    overlay: Option<&str>,
    generation: &str,
    head_only: bool,
) -> std::io::Result<()> {
    let inside = src.canonicalize().is_ok_and(|c| roots.iter().any(|r| c.starts_with(r)));
    let file = if inside { std::fs::File::open(src).ok() } else { None };
    let Some(mut file) = file else {
        return write_simple(stream, 404, "this file is no longer available", head_only, &[]);
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > crate::paths::MAX_FILE_BYTES {
        return write_simple(stream, 404, "this file is too large to serve", head_only, &[]);
    }
    if html {
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes)?;
        return write_html(stream, 200, &bytes, overlay, generation, head_only);
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len}\r\nCache-Control: no-store\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
    );
    let mut out = Bounded::new(stream, head.len() as u64 + if head_only { 0 } else { len });
    out.write_all(head.as_bytes())?;
    if !head_only {
        let mut file = file.take(len);
        let mut buf = vec![0u8; WRITE_PIECE];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(path: &str, dir: bool) -> Result<Route, u16> {
        Ok(Route::Site { path: path.into(), dir })
    }

    #[test]
    fn routes_normalise_and_refuse_escapes() {
        assert_eq!(route("/"), site("", true));
        assert_eq!(route("/procedures/x/"), site("procedures/x", true));
        assert_eq!(route("/procedures/x"), site("procedures/x", false));
        assert_eq!(route("/a//b/./c.css?v=1#top"), site("a/b/c.css", false));
        assert_eq!(route("//etc/passwd"), site("etc/passwd", false));
        assert_eq!(route("/st%C3%B6rung/"), site("störung", true));
        assert_eq!(route("/%252e%252e/secret.txt"), site("%2e%2e/secret.txt", false));
        assert_eq!(route(live::EVENTS_PATH), Ok(Route::Events));
        for bad in [
            "/../secret.txt",
            "/a/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/..%5csecret.txt",
            "/a\\..\\b",
            "/a%00.html",
            "/a%0d%0aSet-Cookie:x",
            "/%zz",
            "/%c3",
            "/%",
            "http://example.com/",
            "*",
            "../x",
        ] {
            assert_eq!(route(bad), Err(400), "{bad}");
        }
    }

    #[test]
    fn heads_parse_strictly() {
        let r = parse_head(b"GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/a"));
        assert_eq!(r.header("content-length"), Some("0"));
        assert_eq!(parse_head(b"GET /a HTTP/2.0\r\n\r\n"), Err(HeadError::Version));
        assert_eq!(parse_head(b"GET /a\r\n\r\n"), Err(HeadError::Malformed));
        assert_eq!(parse_head(b"GET  /a HTTP/1.1\r\n\r\n"), Err(HeadError::Malformed));
        assert_eq!(
            parse_head(b"GET /a HTTP/1.1\r\nX: 1\r\n folded\r\n\r\n"),
            Err(HeadError::Malformed)
        );
        assert_eq!(parse_head(b"GET /\xff HTTP/1.1\r\n\r\n"), Err(HeadError::Malformed));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        assert_eq!(
            parse_head(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            Err(HeadError::TooLarge)
        );
    }

    #[test]
    fn only_local_host_names_are_accepted() {
        for ok in [
            "localhost",
            "localhost:1111",
            "127.0.0.1:8080",
            "127.1.2.3",
            "[::1]:1111",
            "app.localhost:1",
            "LOCALHOST.",
        ] {
            assert!(is_local_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "127.0.0.1.evil.example",
            "[::2]:1",
            "[::1",
            "10.0.0.1",
            "localhost.evil.example",
        ] {
            assert!(!is_local_host(bad), "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("reviews.ics"), "text/calendar; charset=utf-8");
        assert_eq!(content_type("coverage.csv"), "text/csv; charset=utf-8");
        assert_eq!(content_type("x.JSON"), "application/json");
        assert_eq!(content_type("static/favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("sitemap.xml"), "application/xml; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
