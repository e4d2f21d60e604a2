//! Paths and files: which names are editor debris, lexical normalisation,
//! a document's URL from its path, and reading a source file as bounded
//! UTF-8 text. A leaf: everything that touches the disk uses it.

use crate::diagnostics::{Code, Diagnostic};
use std::path::{Component, Path, PathBuf};

/// Files larger than this are refused rather than read: nothing in an SMS
/// handbook is legitimately this big, and it keeps memory bounded.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Names editors and tools leave beside real files: swap, backup and temp
/// files. They are never content and never trigger a rebuild.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.starts_with('~')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".crdownload", ".part"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Lexical normalisation (`a/./b/../c` → `a/c`) without touching the disk.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            // `..` cancels a preceding name only: `../../x` stays outside
            // (popping the first `..` would turn it into `x`), and `/..`
            // is `/`.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// URL path of a document from its path under the content directory:
/// `procedures/Incident Management.md` → `procedures/incident-management/`.
/// Percent-encodes a `/`-separated path for a URL: unreserved characters
/// and `/` stay, every other byte becomes `%XX`. Links to assets, the
/// preview server's redirects and `smsdoc pdf`'s `file://` URL use it.
pub fn encode_url_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn doc_url(rel: &Path) -> String {
    let mut url = String::new();
    let stem = rel.with_extension("");
    for c in stem.components() {
        if let Component::Normal(s) = c {
            url.push_str(&slug_segment(&s.to_string_lossy()));
            url.push('/');
        }
    }
    url
}

fn slug_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars().flat_map(char::to_lowercase) {
        if ch.is_alphanumeric() || matches!(ch, '-' | '_' | '.') {
            out.push(ch);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let t = out.trim_matches('-');
    if t.is_empty() {
        "-".into()
    } else {
        t.to_string()
    }
}

/// Reads a file as UTF-8 text; size, encoding and I/O problems become `io`
/// diagnostics.
pub fn read_text(path: &Path, file: &Path) -> Result<String, Diagnostic> {
    let io_err = |msg: String, help: &str| Diagnostic::error(Code::Io, msg).in_file(file).help(help.to_string());
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Err(io_err(
                format!(
                    "file is {} MiB; the limit is {} MiB",
                    m.len() >> 20,
                    MAX_FILE_BYTES >> 20
                ),
                "split the document, or move large data into an asset file",
            ))
        }
        Ok(_) => {}
        Err(e) => return Err(io_err(format!("cannot read: {e}"), "check the file's permissions")),
    }
    let bytes = std::fs::read(path).map_err(|e| io_err(format!("cannot read: {e}"), "check the file's permissions"))?;
    match String::from_utf8(bytes) {
        Ok(mut t) => {
            if t.starts_with('\u{feff}') {
                t.drain(..3);
            }
            Ok(t)
        }
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let col = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            Err(Diagnostic::error(Code::Io, "file is not valid UTF-8 text")
                .at(file, line, col)
                .help("save the file with UTF-8 encoding (most editors: File › Save with Encoding › UTF-8)"))
        }
    }
}
