//! Shared helpers for the integration tests: every test copies a fixture
//! handbook into its own temporary directory, runs the real `smsdoc` binary
//! there as a child process (with a time limit) and inspects exit code,
//! stdout, stderr and the files it wrote.

#![allow(dead_code)]

pub mod http;

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// No single smsdoc run in these tests should take more than a few seconds;
/// a run that takes this long is a hang and fails the test.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures")
}

/// The result of one smsdoc run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Peak resident set size of the child in KiB (Linux `ru_maxrss`).
    pub max_rss_kb: i64,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit code {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n--- stderr\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs smsdoc with `args` in `cwd`, killing it if it runs longer than
/// [`RUN_TIMEOUT`].
pub fn smsdoc(cwd: &Path, args: &[&str]) -> Run {
    smsdoc_within(cwd, args, RUN_TIMEOUT)
}

/// Runs smsdoc with `args` in `cwd`; kills it and fails the test if it runs
/// longer than `timeout`. Also measures its time and peak memory.
// The child is reaped with wait4 (for its peak RSS), which clippy cannot see.
#[allow(clippy::zombie_processes)]
pub fn smsdoc_within(cwd: &Path, args: &[&str], timeout: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smsdoc");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let t_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let started = Instant::now();
    let pid = child.id() as libc::pid_t;
    let (status, rss) = loop {
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value to be overwritten.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our own child, not yet reaped; the pointers are
        // valid for the call.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage.ru_maxrss);
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if started.elapsed() > timeout {
            let _ = child.kill();
            // SAFETY: as above; reaps the killed child.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
            panic!(
                "smsdoc {args:?} in {} did not finish within {timeout:?} (killed)\n--- stderr (tail)\n{}",
                cwd.display(),
                tail(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Run {
        code,
        stdout: String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned(),
        elapsed,
        max_rss_kb: rss,
    }
}

/// The last 3,000 bytes of `s` (for failure messages).
pub fn tail(s: &str) -> &str {
    let mut cut = s.len().saturating_sub(3000);
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    &s[cut..]
}

/// A private copy of a fixture handbook.
pub struct Handbook {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Handbook {
    /// Copies `tests/fixtures/<name>` into a fresh temporary directory.
    pub fn fixture(name: &str) -> Handbook {
        let src = fixtures_dir().join(name);
        assert!(src.is_dir(), "no fixture {}", src.display());
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("handbook");
        copy_dir(&src, &root);
        Handbook { _tmp: tmp, root }
    }

    /// An empty temporary directory (no smsdoc.toml).
    pub fn empty() -> Handbook {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("handbook");
        std::fs::create_dir_all(&root).expect("mkdir");
        Handbook { _tmp: tmp, root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Runs smsdoc in the handbook root.
    pub fn run(&self, args: &[&str]) -> Run {
        smsdoc(&self.root, args)
    }

    /// `check --format json --today <today>` plus `extra`, parsed.
    pub fn check_json(&self, today: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["check", "--format", "json", "--today", today];
        args.extend_from_slice(extra);
        let r = self.run(&args);
        let v = r.json();
        (r.code, v)
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
    }

    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        let p = self.path(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let to = dst.join(entry.file_name());
        let ty = entry.file_type().expect("file type");
        if ty.is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy fixture file");
        }
    }
}

/// An `smsdoc serve` started by [`spawn_serve`].
pub struct Served {
    pub child: Child,
    /// Everything it has written to stderr so far (collected by a thread).
    pub stderr: Arc<Mutex<String>>,
    /// `host:port` of the URL it printed; `None` if it printed none in time.
    pub addr: Option<String>,
}

/// `smsdoc serve` on a copy of a handbook, killed (and the copy removed)
/// on drop: the preview-server tests' handle on a running server.
pub struct ServedCopy {
    pub child: Child,
    pub addr: std::net::SocketAddr,
    /// The copy the server watches (`<tmp>/handbook`).
    pub root: PathBuf,
    /// Everything it has written to stderr so far.
    pub stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Drop for ServedCopy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServedCopy {
    /// Copies `source` to `<tmp>/handbook` (with `<tmp>/secret.txt` beside
    /// it, which must never be served), lets `prepare` change the copy and
    /// starts `cmd` (`smsdoc serve --port 0 …`; `--root` is added) there.
    /// Panics with the server's stderr when it prints no URL in `timeout`.
    pub fn start(source: &Path, mut cmd: Command, prepare: impl FnOnce(&Path), timeout: Duration) -> ServedCopy {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("handbook");
        copy_dir(source, &root);
        std::fs::write(dir.path().join("secret.txt"), "TOP-SECRET-CONTENT").expect("write secret.txt");
        prepare(&root);
        let served = spawn_serve(cmd.arg("--root").arg(&root), timeout);
        let mut copy = ServedCopy {
            child: served.child,
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
            root,
            stderr: served.stderr,
            _dir: dir,
        };
        match served.addr.and_then(|a| a.parse().ok()) {
            Some(a) => copy.addr = a,
            None => panic!("the server printed no URL; stderr:\n{}", copy.stderr()),
        }
        copy
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Spawns `cmd` (an `smsdoc serve`) with its output piped, collects its
/// stderr in the background and waits up to `timeout` for the URL it
/// prints on stdout.
pub fn spawn_serve(cmd: &mut Command, timeout: Duration) -> Served {
    let mut child = cmd
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smsdoc serve");
    let stderr = Arc::new(Mutex::new(String::new()));
    {
        let stderr = Arc::clone(&stderr);
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = stderr.lock().unwrap_or_else(|p| p.into_inner());
                s.push_str(&line);
                s.push('\n');
            }
        });
    }
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://") {
                let _ = tx.send(line[i + 7..].trim_end_matches('/').to_string());
            }
        }
    });
    let addr = rx.recv_timeout(timeout).ok();
    Served { child, stderr, addr }
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let entry = entry.expect("dir entry");
            let p = entry.path();
            if entry.file_type().expect("file type").is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("prefix").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// FNV-1a, enough to tell two versions of a file apart in messages.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// `snapshot` reduced to a hash per file.
pub fn hashes(dir: &Path) -> BTreeMap<PathBuf, u64> {
    snapshot(dir).into_iter().map(|(p, b)| (p, fnv(&b))).collect()
}

/// The diagnostics of a `check --format json` report.
pub fn diagnostics(report: &Value) -> &Vec<Value> {
    report["diagnostics"].as_array().expect("diagnostics array")
}

/// Diagnostics with this code.
pub fn with_code<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    diagnostics(report).iter().filter(|d| d["code"] == code).collect()
}

/// Diagnostics other than the handbook-wide coverage findings, which every
/// small fixture has plenty of.
pub fn findings(report: &Value) -> Vec<&Value> {
    diagnostics(report)
        .iter()
        .filter(|d| d["code"] != "uncovered-clause" && d["code"] != "missing-required-document")
        .collect()
}

/// Exactly one diagnostic with this code; returns it.
#[track_caller]
pub fn one(report: &Value, code: &str) -> Value {
    let list = with_code(report, code);
    assert_eq!(
        list.len(),
        1,
        "expected one `{code}` diagnostic, got {list:#?}\nall: {:#?}",
        findings(report)
    );
    list[0].clone()
}

/// Asserts a diagnostic's severity, file, line and column.
#[track_caller]
pub fn assert_at(d: &Value, severity: &str, file: &str, line: u64, column: u64) {
    assert_eq!(d["severity"], severity, "{d:#}");
    assert_eq!(d["file"], file, "{d:#}");
    assert_eq!(d["line"], line, "{d:#}");
    assert_eq!(d["column"], column, "{d:#}");
}

/// Values of every `attr="…"` in `html`, in order.
pub fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        let after = &rest[i + needle.len()..];
        let end = after.find('"').unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

/// The text between the first `start` and the next `end` after it.
#[track_caller]
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found in\n{html}"));
    let rest = &html[i..];
    let j = rest
        .find(end)
        .unwrap_or_else(|| panic!("`{end}` not found after `{start}`"));
    &rest[..j + end.len()]
}

/// Tags stripped and whitespace collapsed: what a reader sees.
pub fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A minimal XML well-formedness check (enough for smsdoc's JUnit and
/// sitemap output): balanced, properly nested tags, quoted attributes, no
/// raw `<` or stray `&` in text. Returns the element names in document order.
pub fn check_xml(xml: &str) -> Result<Vec<String>, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = xml.trim_start();
    if let Some(r) = rest.strip_prefix("<?xml") {
        let end = r.find("?>").ok_or("unterminated XML declaration")?;
        rest = &r[end + 2..];
    }
    let mut seen_root = false;
    loop {
        let lt = rest.find('<');
        let text = &rest[..lt.unwrap_or(rest.len())];
        check_text(text)?;
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root element: {text:?}"));
        }
        let Some(lt) = lt else { break };
        rest = &rest[lt..];
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("closing </{name}> without opening tag"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name = tag.split_whitespace().next().ok_or("empty tag")?.to_string();
        if stack.is_empty() {
            if seen_root {
                return Err(format!("second root element <{name}>"));
            }
            seen_root = true;
        }
        check_attrs(&tag[name.len()..])?;
        names.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> is never closed"));
    }
    if !seen_root {
        return Err("no root element".into());
    }
    Ok(names)
}

fn check_text(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        let after = &rest[i + 1..];
        let end = after.find(';').ok_or(format!("stray `&` in {text:?}"))?;
        let entity = &after[..end];
        let ok = matches!(entity, "amp" | "lt" | "gt" | "quot" | "apos")
            || entity
                .strip_prefix('#')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()));
        if !ok {
            return Err(format!("unknown entity &{entity}; in {text:?}"));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

fn check_attrs(attrs: &str) -> Result<(), String> {
    let mut rest = attrs.trim();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or(format!("attribute without value in {attrs:?}"))?;
        let name = rest[..eq].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("bad attribute name {name:?}"));
        }
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next().ok_or("missing attribute value")?;
        if quote != '"' && quote != '\'' {
            return Err(format!("unquoted attribute value in {attrs:?}"));
        }
        let end = after[1..].find(quote).ok_or("unterminated attribute value")?;
        let value = &after[1..1 + end];
        if value.contains('<') {
            return Err(format!("raw `<` in attribute value {value:?}"));
        }
        check_text(value)?;
        rest = after[end + 2..].trim_start();
    }
    Ok(())
}

/// Today in the tests' fixed calendar unless a test says otherwise.
pub const TODAY: &str = "2026-06-01";

/// `%XX` escapes decoded (invalid ones kept as written), lossily as UTF-8.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every internal `href`/`src`/`action` of every HTML page under `out`
/// that does not lead to an existing file, or to an `id` that exists in
/// the target page. `base` is the site's base path (`/`, `/sub/dir/`), or
/// `None` for relative links.
pub fn dead_links(out: &Path, base: Option<&str>) -> Vec<String> {
    let files = snapshot(out);
    let mut dead = Vec::new();
    for (path, bytes) in &files {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        let dir = path.parent().unwrap_or(Path::new(""));
        for attr in ["href", "src", "action"] {
            for raw in attr_values(&html, attr) {
                let v = raw.replace("&amp;", "&");
                if v.is_empty() || v.contains("://") || v.starts_with("mailto:") || v.starts_with("data:") {
                    continue;
                }
                let (target, fragment) = match v.split_once('#') {
                    Some((t, f)) => (t.to_string(), Some(percent_decode(f))),
                    None => (v.clone(), None),
                };
                let target = target.split('?').next().unwrap_or("").to_string();
                let rel: PathBuf = if target.is_empty() {
                    path.clone()
                } else if let Some(abs) = target.strip_prefix('/') {
                    match base {
                        Some(b) => match format!("/{abs}").strip_prefix(b) {
                            Some(r) => PathBuf::from(percent_decode(r)),
                            None => {
                                dead.push(format!("{}: {attr}=\"{raw}\" is outside the base {b}", path.display()));
                                continue;
                            }
                        },
                        None => {
                            dead.push(format!(
                                "{}: {attr}=\"{raw}\" is absolute in a relative site",
                                path.display()
                            ));
                            continue;
                        }
                    }
                } else {
                    let mut p = dir.to_path_buf();
                    for seg in percent_decode(&target).split('/') {
                        match seg {
                            "" | "." => {}
                            ".." => {
                                if !p.pop() {
                                    p.push("..");
                                }
                            }
                            s => p.push(s),
                        }
                    }
                    p
                };
                let rel = if target.ends_with('/')
                    || rel.as_os_str().is_empty()
                    || !files.contains_key(&rel) && files.contains_key(&rel.join("index.html"))
                {
                    rel.join("index.html")
                } else {
                    rel
                };
                let Some(page) = files.get(&rel) else {
                    dead.push(format!(
                        "{}: {attr}=\"{raw}\" → missing {}",
                        path.display(),
                        rel.display()
                    ));
                    continue;
                };
                if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                    if rel.extension().is_some_and(|e| e == "html") {
                        let page = String::from_utf8_lossy(page);
                        if !page.contains(&format!("id=\"{f}\"")) && !page.contains(&format!("name=\"{f}\"")) {
                            dead.push(format!(
                                "{}: {attr}=\"{raw}\" → no id `{f}` in {}",
                                path.display(),
                                rel.display()
                            ));
                        }
                    }
                }
            }
        }
    }
    dead
}

/// Renders a whole site into memory, the way `smsdoc build` renders it.
pub fn render_in_memory(
    site: &smsdoc::site::Site,
    templates: &smsdoc::templates::Templates,
) -> Result<Vec<smsdoc::layout::SiteFile>, Vec<smsdoc::diagnostics::Diagnostic>> {
    let sink = smsdoc::layout::MemorySink::default();
    smsdoc::pages::render_site_into(site, templates, &sink)?;
    Ok(sink.into_files())
}
