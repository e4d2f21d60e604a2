//! The preview's HTTP server: hyper (HTTP/1.1 with keep-alive) on a tokio
//! current-thread runtime on one background thread.
//!
//! Every safety rule is a setting here, not protocol code: the head size
//! and header count (431), the head deadline (also how idle keep-alive
//! connections end), a stall timeout on writes, and a cap on connections
//! (past it the oldest connection without a request in flight is closed;
//! when every connection is busy, new ones are answered 503). What is
//! answered is decided in [`super::http`] and read from [`Shared`].

use super::http::{self, Head, Route};
use super::live;
use super::served::{Body, Shared, PRINT_PAGE};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, oneshot};

/// The server's limits; [`Limits::default`] is what `smsdoc serve` uses.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line plus headers, at most (431 past it).
    pub max_head_bytes: usize,
    /// Header lines at most (431 past it).
    pub max_headers: usize,
    /// A request head must arrive within this time; an idle keep-alive
    /// connection is closed after it too.
    pub head_timeout: Duration,
    /// A write that makes no progress for this long drops the connection:
    /// the client stopped reading.
    pub write_stall: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_head_bytes: 16 * 1024,
            max_headers: 100,
            head_timeout: Duration::from_secs(10),
            write_stall: Duration::from_secs(20),
            max_connections: 256,
        }
    }
}

/// Connections the kernel queues for us (capped by the system,
/// `net.core.somaxconn` on Linux): a burst of clients must not wait for a
/// SYN retransmission.
const BACKLOG: u32 = 1024;
/// Blocking threads for file reads, at most.
const FILE_THREADS: usize = 4;
/// Read from a file per frame.
const FILE_CHUNK: usize = 64 * 1024;

/// A bound listener with the runtime that will serve it.
pub struct Bound {
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
}

impl Bound {
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// Binds `addr` (before the first build, so that a busy port is reported
/// at once).
pub fn bind(addr: SocketAddr) -> std::io::Result<Bound> {
    // One thread answers every request (file reads go to blocking threads):
    // measured with 200 concurrent clients, its p99 is at or below that of
    // two worker threads, and both are below the hand-written server's
    // (BENCHMARKS.md, "Measured by an asynchronous client").
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(FILE_THREADS)
        // Idle file-reading threads end soon after a burst.
        .thread_keep_alive(Duration::from_secs(1))
        .thread_name("smsdoc-serve")
        .build()?;
    let listener = {
        let _in_runtime = runtime.enter();
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        // As std does: a restarted server can bind while old connections
        // linger in TIME_WAIT (on Windows this would allow two servers).
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(BACKLOG)?
    };
    Ok(Bound { runtime, listener })
}

/// The running server; [`Server::stop`] ends it.
pub struct Server {
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Stops accepting and closes every connection (the thread ends with
    /// the runtime).
    pub fn stop(mut self) {
        self.stop.take();
    }
}

/// Starts serving `shared` in a background thread.
pub fn start(bound: Bound, shared: Arc<Shared>, limits: Limits) -> std::io::Result<Server> {
    let (stop_tx, stop_rx) = oneshot::channel();
    let Bound { runtime, listener } = bound;
    std::thread::Builder::new().name("smsdoc-serve".into()).spawn(move || {
        runtime.block_on(accept(listener, shared, limits, stop_rx));
        // Connections still open are dropped with the runtime.
        runtime.shutdown_background();
    })?;
    Ok(Server { stop: Some(stop_tx) })
}

async fn accept(listener: TcpListener, shared: Arc<Shared>, limits: Limits, mut stop: oneshot::Receiver<()>) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .max_headers(limits.max_headers)
        .max_header_size(limits.max_head_bytes)
        .keep_alive(true);
    let conns = Arc::new(Conns::new(limits.max_connections));
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: back off briefly
                // rather than spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let mut io = tokio_io_timeout::TimeoutStream::new(stream);
        io.set_write_timeout(Some(limits.write_stall));
        let io = TokioIo::new(Box::pin(io));
        let builder = builder.clone();
        let Some((slot, closed)) = conns.admit() else {
            // Every connection has a request in flight: say so at once
            // (hyper still reads the request, so HEAD gets no body).
            let mut builder = builder.clone();
            builder.keep_alive(false);
            tokio::spawn(async move {
                let busy = hyper::service::service_fn(|_req: Request<Incoming>| async {
                    let mut r = text_response(503, "the preview server is busy; try again");
                    r.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                    Ok::<_, Infallible>(r)
                });
                let _ = builder.serve_connection(io, busy).await;
            });
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let activity = &slot.activity;
            let service = hyper::service::service_fn(|req: Request<Incoming>| {
                let busy = Busy::new(Arc::clone(activity));
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(respond(req, &shared, busy).await) }
            });
            let conn = builder.serve_connection(io, service);
            tokio::select! {
                _ = conn => {}
                _ = closed => {}
            }
            drop(slot);
        });
    }
}

/// Open connections by age: each one's activity, and the signal that
/// closes it when dropped.
type Open = BTreeMap<usize, (Arc<Activity>, oneshot::Sender<()>)>;

/// What a connection is doing, for choosing one to close.
#[derive(Default)]
struct Activity {
    /// Requests being answered (a response body counts until it is written).
    in_flight: AtomicUsize,
    /// Requests received so far.
    served: AtomicUsize,
}

impl Activity {
    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }
    fn served(&self) -> bool {
        self.served.load(Ordering::SeqCst) > 0
    }
}

/// The open connections, oldest first, for the cap.
struct Conns {
    max: usize,
    next: AtomicUsize,
    open: Mutex<Open>,
}

/// A connection's place among the open ones; leaving frees it.
struct Slot {
    id: usize,
    conns: Arc<Conns>,
    activity: Arc<Activity>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.conns.lock().remove(&self.id);
    }
}

impl Conns {
    fn new(max: usize) -> Conns {
        Conns {
            max,
            next: AtomicUsize::new(0),
            open: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for a new connection: past the cap, the oldest connection
    /// without a request in flight is closed, preferring one that has been
    /// answered before (an idle keep-alive connection, often one the client
    /// already closed) to one whose first request has not come yet (which
    /// may be arriving); `None` when all are busy. The receiver resolves
    /// when this connection is closed to make room in turn.
    fn admit(self: &Arc<Self>) -> Option<(Slot, oneshot::Receiver<()>)> {
        let mut open = self.lock();
        if open.len() >= self.max {
            let idle = |answered: bool| {
                open.iter()
                    .find(|(_, (a, _))| a.idle() && a.served() == answered)
                    .map(|(&id, _)| id)
            };
            let victim = idle(true).or_else(|| idle(false))?;
            open.remove(&victim); // dropping the sender closes it
        }
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let activity = Arc::new(Activity::default());
        let (tx, closed) = oneshot::channel();
        open.insert(id, (Arc::clone(&activity), tx));
        let slot = Slot {
            id,
            conns: Arc::clone(self),
            activity,
        };
        Some((slot, closed))
    }
}

/// A request in flight on its connection, until its response is written.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(a: Arc<Activity>) -> Busy {
        a.in_flight.fetch_add(1, Ordering::SeqCst);
        a.served.fetch_add(1, Ordering::SeqCst);
        Busy(a)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body: bytes in memory (a page is sent in pieces around the
/// injected script, without copying it), a file read as it is sent, or an
/// event stream.
pub struct Out {
    kind: Kind,
    _busy: Option<Busy>,
}

enum Kind {
    Parts(VecDeque<Bytes>),
    File {
        file: tokio::fs::File,
        left: u64,
        buf: Vec<u8>,
    },
    Events(mpsc::Receiver<Bytes>),
}

impl Out {
    fn parts(parts: impl IntoIterator<Item = Bytes>) -> Out {
        Out {
            kind: Kind::Parts(parts.into_iter().filter(|b| !b.is_empty()).collect()),
            _busy: None,
        }
    }
}

impl http_body::Body for Out {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match &mut self.kind {
            Kind::Parts(parts) => Poll::Ready(parts.pop_front().map(|b| Ok(Frame::data(b)))),
            Kind::Events(rx) => rx.poll_recv(cx).map(|e| e.map(|b| Ok(Frame::data(b)))),
            Kind::File { file, left, buf } => {
                if *left == 0 {
                    return Poll::Ready(None);
                }
                let want = (*left).min(FILE_CHUNK as u64) as usize;
                buf.resize(want, 0);
                let mut rb = ReadBuf::new(&mut buf[..]);
                match Pin::new(file).poll_read(cx, &mut rb) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                    Poll::Ready(Ok(())) if rb.filled().is_empty() => Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file became shorter",
                    )))),
                    Poll::Ready(Ok(())) => {
                        let chunk = Bytes::copy_from_slice(rb.filled());
                        *left -= chunk.len() as u64;
                        Poll::Ready(Some(Ok(Frame::data(chunk))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Parts(p) => p.is_empty(),
            Kind::File { left, .. } => *left == 0,
            Kind::Events(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Parts(p) => SizeHint::with_exact(p.iter().map(|b| b.len() as u64).sum()),
            Kind::File { left, .. } => SizeHint::with_exact(*left),
            Kind::Events(_) => SizeHint::default(),
        }
    }
}

fn response(status: u16, content_type: &'static str, body: Out) -> Response<Out> {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

fn text_response(status: u16, text: &str) -> Response<Out> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let body = format!("{status} {reason}: {text}\n");
    response(status, "text/plain; charset=utf-8", Out::parts([Bytes::from(body)]))
}

/// An HTML page with the reload script (and the overlay) injected.
fn html_response(status: u16, page: Bytes, overlay: Option<&str>, generation: &str) -> Response<Out> {
    let (at, snippet) = live::injection(&page, overlay, generation);
    let body = Out::parts([page.slice(..at), Bytes::from(snippet), page.slice(at..)]);
    response(status, "text/html; charset=utf-8", body)
}

async fn respond(req: Request<Incoming>, shared: &Shared, busy: Busy) -> Response<Out> {
    let mut r = answer(&req, shared).await;
    if req.method() == Method::HEAD {
        // hyper sends no body for HEAD; do not read a file for it.
        if let Kind::File { left, .. } = &r.body().kind {
            let len = HeaderValue::from(*left);
            r.headers_mut().insert(header::CONTENT_LENGTH, len);
            *r.body_mut() = Out::parts([]);
        }
    }
    r.body_mut()._busy = Some(busy);
    r
}

async fn answer(req: &Request<Incoming>, shared: &Shared) -> Response<Out> {
    let uri = req.uri();
    let headers = req.headers();
    let head = Head {
        method: req.method().as_str(),
        path: (uri.scheme().is_none() && uri.authority().is_none()).then(|| uri.path()),
        host: headers.get(header::HOST).map(|h| h.to_str().unwrap_or("")),
        has_body: headers.contains_key(header::TRANSFER_ENCODING)
            || headers
                .get(header::CONTENT_LENGTH)
                .is_some_and(|v| v.as_bytes().trim_ascii() != b"0"),
    };
    let route = match http::admit(&head, shared.any_host) {
        Ok(route) => route,
        Err(refusal) => {
            let mut r = text_response(refusal.status, refusal.text);
            if refusal.status == 405 {
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            }
            if refusal.status != 403 {
                // The request may carry a body we will not read.
                r.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return r;
        }
    };
    match route {
        Route::Events => {
            let generation = shared.read().generation.clone();
            let body = if req.method() == Method::HEAD {
                Out::parts([])
            } else {
                Out {
                    kind: Kind::Events(shared.hub.subscribe(&generation)),
                    _busy: None,
                }
            };
            let mut r = response(200, "text/event-stream; charset=utf-8", body);
            // The stream ends only when the server drops it (a newer one
            // took its place): then the connection closes too.
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            r
        }
        Route::Script => response(
            200,
            "text/javascript; charset=utf-8",
            Out::parts([Bytes::from_static(live::SCRIPT.as_bytes())]),
        ),
        Route::Site { path, dir } => serve_site(shared, &path, dir).await,
    }
}

/// What a site path resolves to, looked up under the read lock and used
/// after it is released.
enum Lookup {
    File { path: String, body: Body },
    Redirect(String),
    Missing(Option<Body>),
    NotReady,
}

async fn serve_site(shared: &Shared, path: &str, dir: bool) -> Response<Out> {
    let key = match (dir, path.is_empty()) {
        (true, true) => "index.html".to_string(),
        (true, false) => format!("{path}/index.html"),
        (false, _) => path.to_string(),
    };
    if key == PRINT_PAGE {
        shared.fresh_print().await;
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
            Lookup::Redirect(format!("/{}/", crate::paths::encode_url_path(path)))
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
            let ctype = http::content_type(&path);
            let html = ctype.starts_with("text/html");
            match body {
                Body::Bytes(b) if html => html_response(200, b, overlay, &generation),
                Body::Bytes(b) => response(200, ctype, Out::parts([b])),
                Body::File(src) => serve_file(src, roots, ctype, html, overlay, &generation).await,
            }
        }
        Lookup::Redirect(location) => {
            let mut r = response(
                302,
                "text/plain; charset=utf-8",
                Out::parts([Bytes::from(format!("see {location}\n"))]),
            );
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Lookup::Missing(page) => {
            let page = match page {
                Some(Body::Bytes(b)) => b,
                _ => Bytes::from_static(b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"),
            };
            html_response(404, page, overlay, &generation)
        }
        Lookup::NotReady => {
            let page = "<!DOCTYPE html><meta charset=\"utf-8\"><title>smsdoc serve: build failed</title>\
                        <h1>The handbook could not be rendered</h1><p>The errors are listed below and in the terminal.</p>";
            html_response(503, Bytes::from_static(page.as_bytes()), overlay, &generation)
        }
    }
}

/// An asset or static file from disk, after checking that it is still
/// inside the folders the site may copy from (it was when the site was
/// built; a symbolic link swapped in since must not leak a file).
async fn serve_file(
    src: PathBuf,
    roots: Arc<[PathBuf]>,
    ctype: &'static str,
    html: bool,
    overlay: Option<&str>,
    generation: &str,
) -> Response<Out> {
    // One trip to the blocking pool for the checks and (usually) the read.
    let opened = tokio::task::spawn_blocking(move || open_inside(&src, &roots, html)).await;
    match opened {
        Ok(Ok(Opened::Whole(bytes))) if html => html_response(200, bytes, overlay, generation),
        Ok(Ok(Opened::Whole(bytes))) => response(200, ctype, Out::parts([bytes])),
        Ok(Ok(Opened::Large(file, len))) => {
            let body = Out {
                kind: Kind::File {
                    file: tokio::fs::File::from_std(file),
                    left: len,
                    buf: Vec::new(),
                },
                _busy: None,
            };
            response(200, ctype, body)
        }
        Ok(Err(why)) => text_response(404, why),
        Err(_) => text_response(500, "the file could not be read"),
    }
}

/// Files up to this size are read at once; larger ones as they are sent.
const READ_WHOLE: u64 = 1024 * 1024;

enum Opened {
    Whole(Bytes),
    Large(std::fs::File, u64),
}

fn open_inside(src: &Path, roots: &[PathBuf], html: bool) -> Result<Opened, &'static str> {
    use std::io::Read;
    let gone = "this file is no longer available";
    let inside = src.canonicalize().is_ok_and(|c| roots.iter().any(|r| c.starts_with(r)));
    if !inside {
        return Err(gone);
    }
    let mut file = std::fs::File::open(src).map_err(|_| gone)?;
    let len = file.metadata().map_err(|_| gone)?.len();
    if len > crate::paths::MAX_FILE_BYTES {
        return Err("this file is too large to serve");
    }
    if html || len <= READ_WHOLE {
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes).map_err(|_| gone)?;
        return Ok(Opened::Whole(Bytes::from(bytes)));
    }
    Ok(Opened::Large(file, len))
}
