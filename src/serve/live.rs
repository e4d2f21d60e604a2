//! Live reload: the server-sent-events hub that tells open pages to reload,
//! the script the server injects into HTML responses, and the error overlay.
//!
//! SSE clients hold no thread: their sockets sit in a bounded list and are
//! written to on a rebuild and by a periodic heartbeat, which is also how
//! dead clients (closed tabs, sleeping laptops) are found and dropped.

use crate::diagnostics::{slash_path, Diagnostic, Severity};
use std::collections::VecDeque;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::Mutex;
use std::time::Duration;

/// Path of the event stream.
pub const EVENTS_PATH: &str = "/__smsdoc/events";
/// Path of the injected script.
pub const SCRIPT_PATH: &str = "/__smsdoc/live.js";

/// Open event streams at most. A browser tab holds one; reconnecting tabs
/// whose old connection is not yet known to be dead could otherwise pile
/// up. Past the limit the oldest stream is closed (its page, if still open,
/// reconnects).
pub const MAX_CLIENTS: usize = 64;

/// How often idle streams get a comment line; a write to a dead client
/// fails, which removes it.
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// A write to one client may block this long before the client is dropped,
/// so one stuck browser cannot stall a rebuild's notifications.
const CLIENT_WRITE_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct Hub {
    clients: Mutex<VecDeque<TcpStream>>,
}

impl Hub {
    /// Takes over a connection that asked for the event stream: answers
    /// with the stream's headers and a `hello` naming the current
    /// generation (a page that missed a reload while disconnected sees a
    /// newer generation and reloads).
    pub fn add(&self, mut stream: TcpStream, generation: &str) {
        let _ = stream.set_write_timeout(Some(CLIENT_WRITE_TIMEOUT));
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n\
             X-Content-Type-Options: nosniff\r\nConnection: keep-alive\r\n\r\n\
             retry: 1000\n\nevent: hello\ndata: {}\n\n",
            serde_json::json!({ "generation": generation })
        );
        if stream.write_all(head.as_bytes()).and_then(|_| stream.flush()).is_err() {
            return;
        }
        let mut clients = self.lock();
        while clients.len() >= MAX_CLIENTS {
            if let Some(old) = clients.pop_front() {
                let _ = old.shutdown(Shutdown::Both);
            }
        }
        clients.push_back(stream);
    }

    /// Sends `event` with `data` (one line of JSON) to every client.
    pub fn send(&self, event: &str, data: &str) {
        self.write_all(format!("event: {event}\ndata: {data}\n\n").as_bytes());
    }

    /// A comment line: keeps proxies from closing idle streams and finds
    /// dead clients.
    pub fn heartbeat(&self) {
        self.write_all(b": ping\n\n");
    }

    fn write_all(&self, bytes: &[u8]) {
        self.lock()
            .retain_mut(|s| s.write_all(bytes).and_then(|_| s.flush()).is_ok());
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn close_all(&self) {
        for s in self.lock().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<TcpStream>> {
        // A panic while holding the lock leaves a usable list of sockets.
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The script injected into every HTML page in serve mode.
pub const SCRIPT: &str = r#"// smsdoc serve: reloads this page when the handbook changes, keeping the scroll position.
(function () {
  "use strict";
  var me = document.currentScript;
  var generation = me ? me.getAttribute("data-generation") : "";
  var scrollKey = "smsdoc-serve-scroll:" + location.pathname;
  try {
    var saved = sessionStorage.getItem(scrollKey);
    if (saved !== null) {
      sessionStorage.removeItem(scrollKey);
      var y = Number(saved) || 0;
      var restore = function () { window.scrollTo(0, y); };
      restore();
      if (document.readyState !== "complete") window.addEventListener("load", restore);
    }
  } catch (e) {}
  function reload() {
    try { sessionStorage.setItem(scrollKey, String(window.scrollY || window.pageYOffset || 0)); } catch (e) {}
    location.reload();
  }
  // A reload names the pages that changed; other files (stylesheets,
  // scripts, images) may be used by any page. Exports do not reload pages.
  function concerns(paths) {
    if (!paths) return true;
    var here = location.pathname.replace(/\/index\.html$/, "/");
    try { here = decodeURI(here); } catch (e) {}
    return paths.some(function (p) {
      return p === here || !/(\/|\.(html|json|csv|ics|xml))$/.test(p);
    });
  }
  function parse(s) { try { return JSON.parse(s); } catch (e) { return null; } }
  var overlay = document.getElementById("smsdoc-overlay");
  if (overlay) {
    var hideKey = "smsdoc-serve-hidden:" + overlay.getAttribute("data-key");
    var blocking = overlay.getAttribute("data-blocking") === "true";
    try { if (!blocking && sessionStorage.getItem(hideKey)) overlay.hidden = true; } catch (e) {}
    var button = overlay.querySelector("button");
    if (button) button.addEventListener("click", function () {
      overlay.hidden = true;
      try { if (!blocking) sessionStorage.setItem(hideKey, "1"); } catch (e) {}
    });
  }
  if (!window.EventSource) return;
  var events = new EventSource("/__smsdoc/events");
  events.addEventListener("hello", function (e) {
    var d = parse(e.data);
    if (d && d.generation !== generation) reload();
  });
  events.addEventListener("reload", function (e) {
    var d = parse(e.data);
    if (!d || d.generation === generation) return;
    if (concerns(d.paths)) reload(); else generation = d.generation;
  });
})();
"#;

/// Inserts the reload script (and the overlay, if any) before the last
/// `</body>`, or at the end when there is none.
pub fn inject(html: &[u8], overlay: Option<&str>, generation: &str) -> Vec<u8> {
    let (at, snippet) = injection(html, overlay, generation);
    let mut out = Vec::with_capacity(html.len() + snippet.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(snippet.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// What [`inject`] inserts, and where: the page is `html[..at]`, the
/// snippet, `html[at..]` (so that the server can write the three without
/// copying the page).
pub fn injection(html: &[u8], overlay: Option<&str>, generation: &str) -> (usize, String) {
    let mut snippet = String::new();
    if let Some(o) = overlay {
        snippet.push_str(o);
    }
    snippet.push_str(&format!(
        "<script src=\"{SCRIPT_PATH}\" data-generation=\"{}\"></script>\n",
        escape(generation)
    ));
    (rfind_ci(html, b"</body").unwrap_or(html.len()), snippet)
}

fn rfind_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// HTML escaping for text and attribute values (the templates' own).
pub fn escape(s: &str) -> String {
    crate::templates::escape_html(s)
}

/// Errors listed in the overlay at most; the terminal has them all.
const OVERLAY_MAX: usize = 20;

/// The error overlay shown on every page: each error with file:line, code,
/// message and help, all HTML-escaped. `blocking` says the build was
/// refused and the last good version is being served.
pub fn overlay(errors: &[Diagnostic], blocking: bool) -> Option<String> {
    let errors: Vec<&Diagnostic> = errors.iter().filter(|d| d.severity == Severity::Error).collect();
    if errors.is_empty() {
        return None;
    }
    let n = errors.len();
    let heading = if blocking {
        format!(
            "Build failed ({n} error{}) — showing the last good version",
            if n == 1 { "" } else { "s" }
        )
    } else {
        format!("The handbook has {n} error{}", if n == 1 { "" } else { "s" })
    };
    let mut items = String::new();
    let mut key: u64 = 0xcbf2_9ce4_8422_2325;
    for d in &errors {
        let place = match &d.file {
            Some(f) if d.line > 0 => format!("{}:{}:{}", slash_path(f), d.line, d.column.max(1)),
            Some(f) => slash_path(f),
            None => "smsdoc".to_string(),
        };
        // FNV-1a over the errors: the overlay's identity, so hiding it
        // lasts until the errors change.
        for b in place.bytes().chain(d.message.bytes()) {
            key = (key ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        if items.len() < 64 * 1024 && items.matches("<li").count() < OVERLAY_MAX {
            items.push_str(&format!(
                "<li style=\"margin:.5em 0\"><code style=\"font:inherit;font-weight:600\">{}</code> \
                 <span style=\"color:#8a1f11\">[{}]</span> {}{}</li>",
                escape(&place),
                escape(d.code.as_str()),
                escape(&d.message),
                d.help
                    .as_deref()
                    .map(|h| format!("<br><small style=\"color:#444\">help: {}</small>", escape(h)))
                    .unwrap_or_default(),
            ));
        }
    }
    if n > OVERLAY_MAX {
        items.push_str(&format!("<li>… and {} more (see the terminal)</li>", n - OVERLAY_MAX));
    }
    Some(format!(
        "<div id=\"smsdoc-overlay\" data-key=\"{key:016x}\" data-blocking=\"{blocking}\" role=\"alert\" \
         style=\"position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:2147483647;max-height:60vh;overflow:auto;\
         background:#fff5f4;color:#1b1b1b;border:2px solid #b3261e;border-radius:6px;padding:.75rem 1rem;\
         font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;box-shadow:0 6px 24px rgba(0,0,0,.3);text-align:left\">\
         <button type=\"button\" aria-label=\"Hide\" style=\"float:right;font:inherit;font-size:1.2em;line-height:1;\
         background:none;border:0;cursor:pointer;color:inherit\">×</button>\
         <strong>{}</strong><div style=\"color:#444\">smsdoc serve · fix the file and save; this page updates by itself</div>\
         <ul style=\"margin:.25rem 0 0;padding-left:1.25rem\">{items}</ul></div>\n",
        escape(&heading)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    #[test]
    fn script_goes_before_the_last_body_end_tag() {
        let out = inject(b"<html><body><p>x</body></HTML>", None, "g1");
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.starts_with(
                "<html><body><p>x<script src=\"/__smsdoc/live.js\" data-generation=\"g1\"></script>\n</body>"
            ),
            "{s}"
        );
        let s = String::from_utf8(inject(b"<p>no body", Some("<div>o</div>"), "g")).unwrap();
        assert!(s.starts_with("<p>no body<div>o</div><script"), "{s}");
        let s = String::from_utf8(inject(b"<BODY>a</BODY>", None, "g")).unwrap();
        assert!(s.ends_with("</script>\n</BODY>"), "{s}");
    }

    #[test]
    fn overlay_escapes_everything() {
        let d = Diagnostic::error(Code::FrontMatter, "bad <script>alert(1)</script> & \"x\"")
            .at("docs/<b>.md", 3, 7)
            .help("use 'quotes' <i>");
        let o = overlay(&[d], true).unwrap();
        assert!(o.contains("docs/&lt;b&gt;.md:3:7"), "{o}");
        assert!(
            o.contains("bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"),
            "{o}"
        );
        assert!(o.contains("use &#39;quotes&#39; &lt;i&gt;"), "{o}");
        assert!(!o.contains("<script>") && !o.contains("<i>"));
        assert!(o.contains("last good version"));
        assert!(overlay(&[Diagnostic::warning(Code::ReviewMissing, "w")], false).is_none());
    }
}
