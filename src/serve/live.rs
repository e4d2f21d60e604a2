//! Live reload: the server-sent-events hub that tells open pages to reload,
//! the script the server injects into HTML responses, and the error overlay.
//!
//! The rebuild loop publishes each event once on a broadcast channel; every
//! open stream has a small task that forwards events (and a heartbeat, which
//! is also how dead clients are found) into its response body.

use crate::diagnostics::{slash_path, Diagnostic, Severity};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};

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

/// Events published and not yet forwarded to a stream, at most; a stream
/// that falls further behind is closed (the page reconnects and compares
/// generations).
const BACKLOG: usize = 64;

/// Events waiting to be written to one client, at most; a client that does
/// not read them is dropped, so one stuck browser costs nothing.
const CLIENT_QUEUE: usize = 16;

pub struct Hub {
    events: broadcast::Sender<Bytes>,
    /// One stop signal per open stream, oldest first: dropping it ends the
    /// stream.
    clients: Mutex<VecDeque<oneshot::Sender<()>>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            events: broadcast::Sender::new(BACKLOG),
            clients: Mutex::default(),
        }
    }
}

impl Hub {
    /// A new event stream: starts with the reconnection delay and a `hello`
    /// naming the current generation (a page that missed a reload while
    /// disconnected sees a newer generation and reloads). Must be called on
    /// the server's runtime.
    pub fn subscribe(&self, generation: &str) -> mpsc::Receiver<Bytes> {
        let (tx, rx) = mpsc::channel(CLIENT_QUEUE);
        let hello = format!(
            "retry: 1000\n\nevent: hello\ndata: {}\n\n",
            serde_json::json!({ "generation": generation })
        );
        let _ = tx.try_send(Bytes::from(hello));
        let (stop_tx, mut stop) = oneshot::channel::<()>();
        {
            let mut clients = self.lock();
            clients.retain(|c| !c.is_closed());
            while clients.len() >= MAX_CLIENTS {
                clients.pop_front();
            }
            clients.push_back(stop_tx);
        }
        let mut events = self.events.subscribe();
        tokio::spawn(async move {
            let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
            loop {
                let event = tokio::select! {
                    _ = &mut stop => break,
                    _ = tx.closed() => break,
                    e = events.recv() => match e {
                        Ok(e) => e,
                        // Lagged: missed events; closed: the server stops.
                        Err(_) => break,
                    },
                    _ = heartbeat.tick() => Bytes::from_static(b": ping\n\n"),
                };
                if tx.try_send(event).is_err() {
                    break;
                }
            }
        });
        rx
    }

    /// Sends `event` with `data` (one line of JSON) to every stream.
    pub fn send(&self, event: &str, data: &str) {
        let _ = self
            .events
            .send(Bytes::from(format!("event: {event}\ndata: {data}\n\n")));
    }

    pub fn close_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<oneshot::Sender<()>>> {
        // A panic while holding the lock leaves a usable list.
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The script injected into every HTML page in serve mode.
pub const SCRIPT: &str = r#"// smsdoc serve: reloads this page when it changes, keeping the scroll positions.
(function () {
  "use strict";
  var me = document.currentScript;
  var generation = me ? me.getAttribute("data-generation") : "";
  var scrollKey = "smsdoc-serve-scroll:" + location.pathname;
  // Scrolled elements (wide tables, code, side panels) by their place in
  // the document, and the window.
  function scrolled() {
    var out = { y: window.scrollY || window.pageYOffset || 0, x: window.scrollX || 0, inner: [] };
    var all = document.body ? document.body.getElementsByTagName("*") : [];
    for (var i = 0; i < all.length; i++) {
      var el = all[i];
      if (el.scrollTop || el.scrollLeft) out.inner.push([i, el.tagName, el.scrollTop, el.scrollLeft]);
    }
    return out;
  }
  function restore(s) {
    var all = document.body ? document.body.getElementsByTagName("*") : [];
    (s.inner || []).forEach(function (r) {
      var el = all[r[0]];
      if (el && el.tagName === r[1]) { el.scrollTop = r[2]; el.scrollLeft = r[3]; }
    });
    window.scrollTo(s.x || 0, s.y || 0);
  }
  try {
    var saved = sessionStorage.getItem(scrollKey);
    if (saved !== null) {
      sessionStorage.removeItem(scrollKey);
      var s = JSON.parse(saved) || {};
      var again = function () { restore(s); };
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", again);
      else again();
      if (document.readyState !== "complete") window.addEventListener("load", again);
    }
  } catch (e) {}
  function reload() {
    try { sessionStorage.setItem(scrollKey, JSON.stringify(scrolled())); } catch (e) {}
    location.reload();
  }
  // A reload names the files that changed. Pages reload when they are
  // named; stylesheets, scripts and images may be used by any page; the
  // search index is fetched again by the search box, the document tree is
  // loaded again by the sidebar, and other exports do not concern pages.
  function concerns(paths) {
    if (!paths) return true;
    var here = location.pathname.replace(/\/index\.html$/, "/");
    try { here = decodeURI(here); } catch (e) {}
    return paths.some(function (p) {
      if (/^\/search-index\.js(on)?$/.test(p)) {
        document.dispatchEvent(new CustomEvent("smsdoc:search-index-changed"));
        return false;
      }
      if (p === "/doc-tree.js") {
        document.dispatchEvent(new CustomEvent("smsdoc:doc-tree-changed"));
        return false;
      }
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

/// The reload script (and the overlay, if any) to insert into a page, and
/// where: before the last `</body>`, or at the end when there is none; the page is `html[..at]`, the
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

    fn inject(html: &[u8], overlay: Option<&str>, generation: &str) -> Vec<u8> {
        let (at, snippet) = injection(html, overlay, generation);
        [&html[..at], snippet.as_bytes(), &html[at..]].concat()
    }

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
