//! What the preview answers, whatever carries the bytes: which requests
//! are refused and why, where a request target leads, and the content type
//! of a file. The HTTP protocol itself (parsing, framing, keep-alive,
//! limits) is hyper's, wired up in [`super::server`].

use super::live;

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub text: &'static str,
}

impl Refusal {
    const fn new(status: u16, text: &'static str) -> Refusal {
        Refusal { status, text }
    }
}

/// What the policy needs to know of a request head.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub method: &'a str,
    /// The target in origin form (`/a/b?q`); `None` for absolute, authority
    /// and asterisk forms, which the preview never serves.
    pub path: Option<&'a str>,
    /// The `Host` header; `Some("")` when it is not readable text.
    pub host: Option<&'a str>,
    /// The request declares a body (`Transfer-Encoding`, or a
    /// `Content-Length` other than 0).
    pub has_body: bool,
}

/// The preview's rules, in order: requests for foreign host names are
/// refused (DNS rebinding: a web page elsewhere must not read the handbook
/// through a name it points at 127.0.0.1) unless `any_host`; only GET and
/// HEAD; no bodies; no path outside the site.
pub fn admit(head: &Head, any_host: bool) -> Result<Route, Refusal> {
    if !any_host && !head.host.is_none_or(is_local_host) {
        return Err(Refusal::new(
            403,
            "the preview server only answers requests for localhost (see --bind)",
        ));
    }
    if head.method != "GET" && head.method != "HEAD" {
        return Err(Refusal::new(405, "the preview server only answers GET and HEAD"));
    }
    if head.has_body {
        return Err(Refusal::new(413, "requests with a body are not accepted"));
    }
    head.path
        .ok_or(BadPath)
        .and_then(route)
        .map_err(|BadPath| Refusal::new(400, "this path is not allowed"))
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

/// A request target that could name a file outside the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPath;

/// Maps a request target to a route. Anything that could name a file
/// outside the site is refused (400): bytes other than visible ASCII
/// (raw Unicode, spaces, controls), absolute-form targets, `..` segments
/// (also percent-encoded), backslashes, NUL and other control characters,
/// malformed or non-UTF-8 escapes. Percent escapes are decoded exactly
/// once, so a double-encoded `%252e%252e` is the literal name `%2e%2e`
/// (which no site file has). Empty and `.` segments are dropped, so
/// `//etc/passwd` is the site path `etc/passwd`.
pub fn route(target: &str) -> Result<Route, BadPath> {
    if !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(BadPath);
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path).ok_or(BadPath)?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return Err(BadPath);
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
            ".." => return Err(BadPath),
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

#[cfg(test)]
mod tests;
