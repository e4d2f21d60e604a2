//! `smsdoc pdf`: the print handbook (`/print/`) printed to PDF by a
//! headless Chromium found on the machine, with the page number of each
//! document in the contents.
//!
//! Chromium lays the pages out (CSS paged media: `@page` size, running
//! headers and "page x of y" in margin boxes, one named page per document),
//! but cannot put page numbers into the contents (`target-counter()` is not
//! implemented). So the handbook is printed twice: the first PDF's named
//! destinations (one per contents link, `doc-<ID>`) give each document's
//! first page, those numbers go into the contents (in space reserved for
//! them, so nothing moves), and the second print is checked against the
//! first. Reading the destinations needs only the PDF's cross-reference
//! table, page tree and `/Dests` dictionary, as Chromium (Skia) writes them;
//! a general PDF library (lopdf brings a crypto and compression stack) is
//! not needed for that, and anything unexpected reads as "no page numbers",
//! never as wrong ones.

use crate::diagnostics::{Code, Diagnostic};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Executable names of Chromium-based browsers, most specific first.
const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "msedge",
];

/// Where browsers live outside `PATH` (macOS application bundles, Windows).
const KNOWN_PATHS: &[&str] = &[
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
];

const INSTALL_HINT: &str =
    "install Chromium (Debian/Ubuntu: apt install chromium; macOS: brew install --cask chromium) \
     or Google Chrome, or name the executable with --chromium PATH or SMSDOC_CHROMIUM";

/// The browser to print with: `explicit` (`--chromium`), then
/// `SMSDOC_CHROMIUM`, then the usual names on `PATH` and install places.
pub fn find_chromium(explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    let named = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("SMSDOC_CHROMIUM").map(PathBuf::from));
    if let Some(p) = named {
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Diagnostic::error(Code::Io, format!("no browser executable at {}", p.display())).help(INSTALL_HINT))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in CANDIDATES {
            for file in [dir.join(name), dir.join(format!("{name}.exe"))] {
                if file.is_file() {
                    return Ok(file);
                }
            }
        }
    }
    KNOWN_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Diagnostic::error(
                Code::Io,
                "no Chromium or Chrome found to print the handbook with (smsdoc pdf needs a Chromium-based browser)",
            )
            .help(INSTALL_HINT)
        })
}

/// Prints `page` (an HTML file) to `pdf` with `chromium` in a fresh
/// profile under `scratch`; gives up after `timeout`.
pub fn print(chromium: &Path, page: &Path, pdf: &Path, scratch: &Path, timeout: Duration) -> Result<(), Diagnostic> {
    let url = file_url(page);
    let mut cmd = Command::new(chromium);
    cmd.arg("--headless=new")
        .arg("--disable-gpu")
        .arg("--no-first-run")
        .arg("--no-default-browser-check")
        .arg("--disable-extensions")
        .arg("--disable-background-networking")
        .arg("--disable-sync")
        .arg("--mute-audio")
        .arg(format!("--user-data-dir={}", scratch.join("profile").display()))
        // Without the browser's own date/title/URL header and footer (both
        // spellings: the flag was renamed in Chrome 113).
        .arg("--no-pdf-header-footer")
        .arg("--print-to-pdf-no-header")
        .arg(format!("--print-to-pdf={}", pdf.display()));
    if running_as_root() {
        // Chromium refuses to start its sandbox as root (containers, CI).
        cmd.arg("--no-sandbox");
    }
    cmd.arg(url).stdin(Stdio::null()).stdout(Stdio::null());
    let log = scratch.join("chromium.log");
    let log_file = std::fs::File::create(&log).map_err(|e| io_error(&log, &e))?;
    cmd.stderr(log_file);
    let _ = std::fs::remove_file(pdf);
    let mut child = cmd.spawn().map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot start {}: {e}", chromium.display())).help(INSTALL_HINT)
    })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Diagnostic::error(
                    Code::Io,
                    format!(
                        "{} did not finish printing within {} s",
                        chromium.display(),
                        timeout.as_secs()
                    ),
                )
                .help("a very large handbook may need more time: raise --timeout"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => {
                return Err(Diagnostic::error(
                    Code::Io,
                    format!("waiting for {}: {e}", chromium.display()),
                ))
            }
        }
    };
    let written = std::fs::metadata(pdf).map(|m| m.len() > 0).unwrap_or(false);
    if status.success() && written {
        return Ok(());
    }
    let tail: String = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.contains("dbus") && !l.trim().is_empty())
        .rev()
        .take(5)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    Err(Diagnostic::error(
        Code::Io,
        format!(
            "{} did not write the PDF ({status}){}",
            chromium.display(),
            if tail.is_empty() {
                String::new()
            } else {
                format!(":\n{tail}")
            }
        ),
    )
    .help("check that the browser starts here, e.g. `chromium --headless=new --dump-dom about:blank`"))
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write {}: {e}", path.display()))
}

fn file_url(path: &Path) -> String {
    let abs = crate::paths::normalise(&std::env::current_dir().unwrap_or_default().join(path));
    let text = abs.to_string_lossy().replace('\\', "/");
    // A Windows drive (`C:`) stays as written; the rest is encoded.
    let (drive, rest) = match text.as_bytes() {
        [d, b':', ..] if d.is_ascii_alphabetic() => text.split_at(2),
        _ => ("", text.as_str()),
    };
    let slash = if drive.is_empty() { "" } else { "/" };
    format!("file://{slash}{drive}{}", crate::paths::encode_url_path(rest))
}

/// Root cannot use Chromium's sandbox; read from `/proc` (Linux), where
/// containers and CI run as root. Elsewhere the sandbox stays on.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

/// What `smsdoc pdf` needs to know of a printed PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfIndex {
    pub pages: usize,
    /// Named destination → page number (from 1).
    pub dests: HashMap<String, usize>,
}

impl PdfIndex {
    /// Each printed document's first page, by id (destinations `doc-<ID>`).
    pub fn document_pages(&self) -> HashMap<String, usize> {
        self.dests
            .iter()
            .filter_map(|(name, &p)| name.strip_prefix("doc-").map(|id| (id.to_string(), p)))
            .collect()
    }
}

/// The page count and named destinations of a PDF with a classic
/// cross-reference table and a `/Dests` dictionary (as Chromium writes
/// them); `None` for anything else.
pub fn read_index(pdf: &[u8]) -> Option<PdfIndex> {
    let offsets = xref(pdf)?;
    let trailer = &pdf[find_last(pdf, b"trailer")?..];
    let root = reference_after(trailer, b"/Root")?;
    let catalog = object(pdf, &offsets, root)?;
    let mut pages = Vec::new();
    walk_pages(pdf, &offsets, reference_after(catalog, b"/Pages")?, &mut pages, 0)?;
    let number: HashMap<usize, usize> = pages.iter().enumerate().map(|(i, &obj)| (obj, i + 1)).collect();
    let mut dests = HashMap::new();
    if let Some(d) = reference_after(catalog, b"/Dests") {
        let dict = object(pdf, &offsets, d)?;
        let mut rest = dict.get(dict.iter().position(|&b| b == b'<')? + 2..)?;
        // `/name [page 0 R /XYZ x y z]` pairs.
        while let Some(slash) = rest.iter().position(|&b| b == b'/') {
            let name_end = slash + 1 + rest[slash + 1..].iter().position(|&b| is_delimiter(b))?;
            let name = decode_name(&rest[slash + 1..name_end]);
            let open = name_end + rest[name_end..].iter().position(|&b| b == b'[')?;
            let close = open + rest[open..].iter().position(|&b| b == b']')?;
            let page = first_number(&rest[open + 1..close])?;
            if let Some(&n) = number.get(&page) {
                dests.insert(name, n);
            }
            rest = &rest[close + 1..];
        }
    }
    Some(PdfIndex {
        pages: pages.len(),
        dests,
    })
}

/// Object number → byte offset, from the table `startxref` points at.
fn xref(pdf: &[u8]) -> Option<HashMap<usize, usize>> {
    let start = find_last(pdf, b"startxref")?;
    let at = first_number(&pdf[start + 9..])?;
    let table = pdf.get(at..)?;
    let mut lines = table
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|l| !l.is_empty())
        .map(|l| std::str::from_utf8(l).unwrap_or(""));
    if lines.next()?.trim() != "xref" {
        return None; // a cross-reference stream: not what Chromium writes
    }
    let mut offsets = HashMap::new();
    let mut line = lines.next()?;
    loop {
        let mut head = line.split_whitespace();
        let (Some(first), Some(count), None) = (head.next(), head.next(), head.next()) else {
            break; // "trailer"
        };
        let (first, count): (usize, usize) = (first.parse().ok()?, count.parse().ok()?);
        for n in first..first + count {
            let mut entry = lines.next()?.split_whitespace();
            let offset: usize = entry.next()?.parse().ok()?;
            if entry.nth(1) == Some("n") {
                offsets.insert(n, offset);
            }
        }
        line = lines.next()?;
    }
    Some(offsets)
}

/// The dictionary text of object `n` (up to `stream` or `endobj`).
fn object<'a>(pdf: &'a [u8], offsets: &HashMap<usize, usize>, n: usize) -> Option<&'a [u8]> {
    let body = pdf.get(*offsets.get(&n)?..)?;
    let end = find(body, b"endobj")?;
    let body = &body[..end];
    Some(match find(body, b"stream") {
        Some(s) => &body[..s],
        None => body,
    })
}

/// Page objects in order, depth-first (bounded against cycles).
fn walk_pages(
    pdf: &[u8],
    offsets: &HashMap<usize, usize>,
    node: usize,
    out: &mut Vec<usize>,
    depth: usize,
) -> Option<()> {
    if depth > 64 {
        return None;
    }
    let dict = object(pdf, offsets, node)?;
    let kids = find(dict, b"/Kids").filter(|_| type_is(dict, b"/Pages"));
    match kids {
        None => out.push(node),
        Some(k) => {
            let open = k + dict[k..].iter().position(|&b| b == b'[')?;
            let close = open + dict[open..].iter().position(|&b| b == b']')?;
            let list = std::str::from_utf8(&dict[open + 1..close]).ok()?;
            let words: Vec<&str> = list.split_whitespace().collect();
            for w in words.chunks(3) {
                if let [n, _, "R"] = w {
                    walk_pages(pdf, offsets, n.parse().ok()?, out, depth + 1)?;
                }
            }
        }
    }
    Some(())
}

fn type_is(dict: &[u8], name: &[u8]) -> bool {
    let mut rest = dict;
    while let Some(i) = find(rest, b"/Type") {
        let value = rest[i + 5..].iter().skip_while(|b| b.is_ascii_whitespace()).copied();
        let word: Vec<u8> = value.take(name.len() + 1).collect();
        if word.starts_with(name) && word.get(name.len()).is_none_or(|&b| is_delimiter(b)) {
            return true;
        }
        rest = &rest[i + 5..];
    }
    false
}

/// `N` of `key N 0 R`.
fn reference_after(text: &[u8], key: &[u8]) -> Option<usize> {
    let i = find(text, key)?;
    let after = &text[i + key.len()..];
    if after.first().is_some_and(|&b| !is_delimiter(b)) {
        return None; // a longer key with this prefix
    }
    first_number(after)
}

fn first_number(text: &[u8]) -> Option<usize> {
    let s = text.iter().position(u8::is_ascii_digit)?;
    let e = s + text[s..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len() - s);
    std::str::from_utf8(&text[s..e]).ok()?.parse().ok()
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

/// A PDF name's `#xx` escapes.
fn decode_name(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (raw[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'#', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Writes each document's first page into the contents of the print page:
/// `<span … data-toc-page="ID"></span>` (the theme API of `print.html`).
/// Numbers from an earlier pass are replaced.
pub fn fill_contents(html: &str, pages: &HashMap<String, usize>) -> String {
    const ATTR: &str = "data-toc-page=\"";
    let mut out = String::with_capacity(html.len() + pages.len() * 4);
    let mut rest = html;
    while let Some(i) = rest.find(ATTR) {
        let id_start = i + ATTR.len();
        let Some(id_len) = rest[id_start..].find('"') else {
            break;
        };
        let id = &rest[id_start..id_start + id_len];
        let Some(gt) = rest[id_start + id_len..].find('>') else {
            break;
        };
        let content = id_start + id_len + gt + 1;
        let Some(close) = rest[content..].find("</span>") else {
            break;
        };
        out.push_str(&rest[..content]);
        if let Some(p) = pages.get(id) {
            out.push_str(&p.to_string());
        }
        rest = &rest[content + close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
