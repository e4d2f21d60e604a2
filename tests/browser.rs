//! The site as readers use it, in a real headless Chromium.
//!
//! Each test builds a handbook with the smsdoc binary into a temporary
//! folder, serves it with a small static file server thread, and drives
//! Debian's Chromium through chromedriver's WebDriver HTTP API (a tiny
//! client on `std::net::TcpStream` + `serde_json`, no extra crates). Pages
//! must load without console errors, failed or off-site requests, keep
//! their headings in order, and fit a 390 px phone screen without
//! horizontal scrolling. Screenshots at 1280 px and 390 px go to
//! `tests/artifacts/` (git-ignored).
//!
//! Needs `chromium` and `chromedriver` on the PATH (Debian/Ubuntu:
//! `apt-get install -y chromium chromium-driver`), or their paths in
//! `SMSDOC_CHROMIUM` and `SMSDOC_CHROMEDRIVER`. Without them the tests that
//! need a browser pass without running, after printing why once; with
//! `SMSDOC_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser fails them.
//!
//! ```sh
//! cargo test --test browser
//! ```

mod common;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-11-24";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artifacts_dir() -> PathBuf {
    let dir = manifest_dir().join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("create tests/artifacts");
    dir
}

// ---------------------------------------------------------------- the site

/// Builds `root` into `out` with the smsdoc binary.
fn build_site(root: &Path, out: &Path, base_url: Option<&str>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smsdoc"));
    cmd.arg("build")
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(out)
        .args(["--today", TODAY, "--quiet"]);
    if let Some(b) = base_url {
        cmd.args(["--base-url", b]);
    }
    let output = cmd.output().expect("run smsdoc build");
    assert!(
        output.status.success(),
        "smsdoc build {} failed:\n{}{}",
        root.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.join("index.html").is_file(), "no index.html in {}", out.display());
}

/// A request the static server answered: path and status.
type Log = Arc<Mutex<Vec<(String, u16)>>>;

/// Serves `dir` under `prefix` (e.g. `/` or `/sub/path/`) on a free port
/// of 127.0.0.1 from a background thread. Returns the origin and the log.
fn serve(dir: PathBuf, prefix: &'static str) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind static server");
    let origin = format!("http://{}", listener.local_addr().expect("local addr"));
    let log: Log = Arc::default();
    let log2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (dir, log) = (dir.clone(), log2.clone());
            std::thread::spawn(move || {
                let _ = handle(stream, &dir, prefix, &log);
            });
        }
    });
    (origin, log)
}

fn handle(stream: TcpStream, dir: &Path, prefix: &str, log: &Log) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = common::percent_decode(path);
    let file = path
        .strip_prefix(prefix)
        .filter(|rest| !rest.split('/').any(|seg| seg == ".."))
        .map(|rest| {
            let p = dir.join(rest);
            if p.is_dir() {
                p.join("index.html")
            } else {
                p
            }
        });
    let (status, body, ctype) = match file.as_ref().and_then(|f| std::fs::read(f).ok().map(|b| (f, b))) {
        Some((f, b)) => (200, b, content_type(f)),
        None => (
            404,
            std::fs::read(dir.join("404.html")).unwrap_or_default(),
            "text/html; charset=utf-8",
        ),
    };
    log.lock().expect("log").push((path.clone(), status));
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        if status == 200 { "OK" } else { "Not Found" },
        body.len()
    )?;
    out.write_all(&body)?;
    out.flush()
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "csv" => "text/csv; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

// ---------------------------------------------------------------- WebDriver

fn find_tool(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in names {
        for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/lib/chromium")]) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Minimal HTTP/1.1 request to chromedriver; returns the parsed JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // Read the head, then exactly Content-Length bytes (chromedriver may
    // keep the connection open), or chunks, or up to the end.
    let mut reader = BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line.to_lowercase());
    }
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse::<usize>().ok());
    let mut payload = Vec::new();
    if let Some(n) = length {
        payload.resize(n, 0);
        reader.read_exact(&mut payload).map_err(|e| e.to_string())?;
    } else if head.contains("transfer-encoding: chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).map_err(|e| e.to_string())?;
            let n = usize::from_str_radix(size.trim(), 16).map_err(|e| e.to_string())?;
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            payload.extend_from_slice(&chunk[..n]);
        }
    } else {
        reader.read_to_end(&mut payload).map_err(|e| e.to_string())?;
    }
    serde_json::from_slice(&payload).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&payload)))
}

struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const HOW: &str = "install Chromium and its WebDriver (Debian/Ubuntu: `apt-get install -y chromium chromium-driver`) \
                   or set SMSDOC_CHROMIUM and SMSDOC_CHROMEDRIVER to their paths";

/// Set (to anything but `0` or empty) to make a missing browser a failure
/// instead of a skip; `.ci/run` sets it.
const REQUIRE: &str = "SMSDOC_REQUIRE_BROWSER";

/// Chromium and chromedriver, or why they cannot be used.
fn browser_tools() -> Result<(PathBuf, PathBuf), String> {
    let chromium = find_tool("SMSDOC_CHROMIUM", &["chromium", "chromium-browser", "google-chrome"])
        .ok_or("Chromium not found (looked for SMSDOC_CHROMIUM, chromium, chromium-browser, google-chrome)")?;
    let chromedriver = find_tool("SMSDOC_CHROMEDRIVER", &["chromedriver"])
        .ok_or("chromedriver not found (looked for SMSDOC_CHROMEDRIVER, chromedriver)")?;
    Ok((chromium, chromedriver))
}

impl Browser {
    /// A fresh headless Chromium, or `None` (after saying why, once per
    /// run) when there is none and `SMSDOC_REQUIRE_BROWSER` is not set.
    fn start() -> Option<Browser> {
        let (chromium, chromedriver) = match browser_tools() {
            Ok(tools) => tools,
            Err(why) => {
                let required = std::env::var(REQUIRE).is_ok_and(|v| !v.is_empty() && v != "0");
                assert!(
                    !required,
                    "{why}; {REQUIRE} is set, so the browser tests must run: {HOW}"
                );
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    // Straight to stderr: the test harness would capture eprintln!.
                    let _ = writeln!(
                        std::io::stderr(),
                        "\nbrowser tests skipped: {why}. To run them, {HOW}. \
                         Set {REQUIRE}=1 to make a missing browser a failure.\n"
                    );
                });
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {HOW}", chromedriver.display()));
        let profile = tempfile::tempdir().expect("profile dir");
        let mut b = Browser {
            driver,
            port,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(port, "GET", "/status", None)
            .map(|v| v["value"]["ready"] != json!(true))
            .unwrap_or(true)
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", b._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"pageLoad": 60000, "script": 30000},
        }}});
        let v = http(port, "POST", "/session", Some(&caps)).unwrap_or_else(|e| panic!("new WebDriver session: {e}"));
        b.session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("WebDriver session not created ({HOW}): {v}"))
            .to_string();
        Some(b)
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let v =
            http(self.port, method, &url, body.as_ref()).unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        if v["value"].get("error").is_some() {
            panic!("WebDriver {method} {path} failed: {}", v["value"]);
        }
        v["value"].clone()
    }

    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.cmd("POST", "/goog/cdp/execute", Some(json!({"cmd": cmd, "params": params})))
    }

    /// Sets the viewport (CSS px); `mobile` emulates a phone's viewport.
    fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    fn js(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// Runs a script that calls its last argument with the result.
    fn js_async(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/async", Some(json!({"script": script, "args": []})))
    }

    /// axe-core's violations on the current page (WCAG 2.1 A and AA and
    /// best practices), each as "rule (impact): first elements".
    fn axe(&self, axe: &str) -> Vec<String> {
        if self.js("return typeof window.axe") != json!("object") {
            self.js(axe);
        }
        let v = self.js_async(
            "var done = arguments[arguments.length - 1];\
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, \
               resultTypes: ['violations']})\
             .then(function (r) { done(r.violations.map(function (v) { return v.id + ' (' + v.impact + '): ' + \
               v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); }).join(' | '); })); })\
             .catch(function (e) { done(['axe failed: ' + e]); });",
        );
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    }

    fn wait_for(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let v = self.js(script);
            if !v.is_null() && v != json!(false) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn element(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.cmd("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })));
    }

    /// Browser console entries since the last call (chromedriver's log).
    fn console(&self) -> Vec<Value> {
        let v = self.cmd("POST", "/se/log", Some(json!({"type": "browser"})));
        v.as_array().cloned().unwrap_or_default()
    }

    /// A full-page PNG screenshot.
    fn screenshot(&self, file: &Path) {
        let m = self.cdp("Page.getLayoutMetrics", json!({}));
        let w = m["cssContentSize"]["width"].as_f64().unwrap_or(1280.0);
        let h = m["cssContentSize"]["height"].as_f64().unwrap_or(900.0).min(12000.0);
        let shot = self.cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}),
        );
        let data = base64_decode(shot["data"].as_str().unwrap_or_default());
        assert!(data.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        std::fs::write(file, data).expect("write screenshot");
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

// ---------------------------------------------------------------- checks

/// Run in the page: headings in order, landmarks, table header scopes,
/// resources all from the site's own origin. Returns a list of problems.
const PAGE_AUDIT: &str = r##"
const problems = [];
const hs = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 40)]);
if (hs.filter(h => h[0] === 1).length !== 1) problems.push('expected exactly one h1, got ' + hs.filter(h => h[0] === 1).length);
let prev = 0;
for (const [lvl, text] of hs) { if (lvl > prev + 1) problems.push('heading level skipped: h' + prev + ' -> h' + lvl + ' "' + text + '"'); prev = lvl; }
for (const sel of ['header.site-header', 'nav[aria-label]', 'main#main', 'footer.site-footer', 'a.skip-link[href="#main"]'])
  if (!document.querySelector(sel)) problems.push('missing landmark ' + sel);
for (const th of document.querySelectorAll('table th'))
  if (!th.closest('.doc__body') && !th.hasAttribute('scope')) problems.push('th without scope: ' + th.textContent.trim().slice(0, 30));
for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.src);
for (const e of performance.getEntriesByType('resource')) {
  if (!e.name.startsWith(location.origin)) problems.push('off-site request: ' + e.name);
  if (e.responseStatus && e.responseStatus >= 400) problems.push('failed request ' + e.responseStatus + ': ' + e.name);
}
return problems;
"##;

/// Run in the page: text whose colour contrast against its background is
/// below WCAG AA (4.5:1; 3:1 for large text). Returns up to 10 offenders.
/// Syntax-highlighted tokens (`pre.code span`) are left out: their colours
/// come from the generated static/highlight.css.
const CONTRAST_AUDIT: &str = r##"
const rgb = s => { const m = s.match(/[\d.]+/g) || []; return m.map(Number); };
const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const bgOf = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c; } return [255, 255, 255]; };
const bad = [];
for (const el of document.querySelectorAll('body *')) {
  if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
  if (!r.width || !r.height || cs.visibility === 'hidden' || el.closest('.visually-hidden, .skip-link, pre.code span')) continue;
  const fg = rgb(cs.color), bg = bgOf(el);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05), size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < need) bad.push(ratio.toFixed(2) + ' ' + el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + cs.color + ' on ' + bg);
}
return bad.slice(0, 10);
"##;

/// axe-core's script, installed by `npm ci` in `tests/axe/` (scripts/test.sh
/// does it); `None`, after saying why once, when it is not there and the
/// browser tests are not required.
fn axe_source() -> Option<&'static str> {
    static AXE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = manifest_dir().join("tests/axe/node_modules/axe-core/axe.min.js");
        match std::fs::read_to_string(&path) {
            Ok(s) => Some(s),
            Err(e) => {
                let required = std::env::var(REQUIRE).is_ok_and(|v| !v.is_empty() && v != "0");
                assert!(
                    !required,
                    "{}: {e}; run `npm ci --prefix tests/axe` (scripts/test.sh does)",
                    path.display()
                );
                let _ = writeln!(
                    std::io::stderr(),
                    "\naccessibility checks skipped: {} is missing; `npm ci --prefix tests/axe` installs it\n",
                    path.display()
                );
                None
            }
        }
    })
    .as_deref()
}

struct Visit<'a> {
    browser: &'a Browser,
    origin: String,
    base: &'a str,
    log: Log,
    label: &'a str,
}

impl Visit<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{}{path}", self.origin, self.base)
    }

    /// Loads `path` at 1366 px and 390 px: no console errors, no failed
    /// requests, audit clean, no axe-core violation in light and dark, no
    /// horizontal scroll on the phone, and a screenshot of each.
    fn page(&self, name: &str, path: &str) {
        self.check(name, path, true);
    }

    fn check(&self, name: &str, path: &str, screenshots: bool) {
        let b = self.browser;
        for (width, height, mobile) in [(1366, 900, false), (390, 844, true)] {
            b.viewport(width, height, mobile);
            self.log.lock().expect("log").clear();
            b.console();
            b.goto(&self.url(path));
            b.wait_for(
                "the page script",
                "return document.documentElement.classList.contains('js')",
            );
            let problems = b.js(PAGE_AUDIT);
            assert_eq!(problems, json!([]), "{name} ({path}) at {width} px");
            for scheme in ["light", "dark"] {
                b.cdp(
                    "Emulation.setEmulatedMedia",
                    json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
                );
                let low = b.js(CONTRAST_AUDIT);
                assert_eq!(
                    low,
                    json!([]),
                    "{name} ({path}) at {width} px, {scheme}: text below AA contrast"
                );
                // Page kinds get the full accessibility rules (the example's
                // every document page only the audit above).
                if let Some(axe) = axe_source().filter(|_| screenshots) {
                    let violations = b.axe(axe);
                    assert!(
                        violations.is_empty(),
                        "{name} ({path}) at {width} px, {scheme}: axe-core violations:\n{}",
                        violations.join("\n")
                    );
                }
                if screenshots && scheme == "dark" && !mobile {
                    b.screenshot(&artifacts_dir().join(format!("{}-{name}-dark-{width}.png", self.label)));
                }
            }
            b.cdp("Emulation.setEmulatedMedia", json!({"features": []}));
            let errors: Vec<Value> = b
                .console()
                .into_iter()
                .filter(|e| e["level"] == json!("SEVERE"))
                .collect();
            assert!(
                errors.is_empty(),
                "{name} ({path}) at {width} px: console errors {errors:#?}"
            );
            let failed: Vec<(String, u16)> = self
                .log
                .lock()
                .expect("log")
                .iter()
                .filter(|(_, s)| *s >= 400)
                .cloned()
                .collect();
            assert!(failed.is_empty(), "{name} ({path}): failed requests {failed:?}");
            if mobile {
                let sw = b
                    .js("return document.documentElement.scrollWidth")
                    .as_u64()
                    .unwrap_or(0);
                let wide = b.js("return [...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect(); \
                     return r.right > document.documentElement.clientWidth + 1 && !e.closest('.table-wrap, pre, .doc__body table'); }) \
                     .slice(0, 5).map(e => e.tagName + '.' + e.className)");
                assert!(
                    sw <= u64::from(width),
                    "{name} ({path}): page scrolls sideways at {width} px (scrollWidth {sw}); too wide: {wide}"
                );
            }
            if screenshots {
                b.screenshot(&artifacts_dir().join(format!("{}-{name}-{width}.png", self.label)));
            }
        }
        b.viewport(1280, 900, false);
    }
}

/// On /coverage/ at 1366 px and on a phone: every visible covered row shows
/// what covers it (documents within the window, or a sentence saying it is
/// covered through its sub-clauses, a crosswalk or the SoA), with no
/// horizontal scrolling anywhere on the page.
fn coverage_evidence_is_visible(v: &Visit) {
    let b = v.browser;
    for (width, height, mobile) in [(1366, 900, false), (390, 844, true)] {
        b.viewport(width, height, mobile);
        b.goto(&v.url("coverage/"));
        let problems = b.js(
            "const w = document.documentElement.clientWidth, out = [];
             if (document.documentElement.scrollWidth > w) out.push('page scrolls sideways');
             for (const tr of document.querySelectorAll('.coverage-table tr[data-status]')) {
               if (!tr.offsetParent || tr.dataset.status === 'gap') continue;
               const ev = tr.querySelector('.evidence');
               const text = ev ? ev.innerText.trim() : '';
               const links = ev ? [...ev.querySelectorAll('a')] : [];
               const no = tr.querySelector('.clause-no').textContent;
               if (!text) out.push(no + ': covered with no visible evidence');
               for (const a of links) {
                 const r = a.getBoundingClientRect();
                 if (r.width === 0 || r.right > w + 1 || r.left < 0) out.push(no + ': ' + a.textContent + ' outside the window');
               }
               if (!links.length && tr.dataset.status === 'covered' && !/sub-clauses|Statement of Applicability/.test(text)) out.push(no + ': covered without a document: ' + text);
             }
             return out.slice(0, 10);",
        );
        assert_eq!(problems, json!([]), "coverage evidence at {width} px");
    }
    b.viewport(1280, 900, false);
}

/// The register of the example: natural version order, retired documents,
/// records and documents without a review date after every review date in
/// both directions, filters that
/// combine and travel in the address, counts under the other filters, and
/// an empty state.
fn register_filters_and_sorts(v: &Visit) {
    let b = v.browser;
    b.goto(&v.url("register/"));
    let col = |name: &str| {
        b.js(&format!(
            "return [...document.querySelectorAll('#register-table thead th')].findIndex(th => th.textContent.trim() === '{name}') + 1"
        ))
        .as_u64()
        .unwrap_or(0)
    };
    let version = col("Version");
    assert!(version > 0, "a Version column");
    b.click(&format!("#register-table thead th:nth-child({version}) button"));
    let versions = b.js(&format!(
        "return [...document.querySelectorAll('#register-table tbody tr')].map(r => r.cells[{}].textContent.trim()).filter(Boolean)",
        version - 1
    ));
    let parsed: Vec<Vec<u64>> = versions
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    v.as_str()
                        .unwrap_or("")
                        .split('.')
                        .map(|p| p.parse().unwrap_or(0))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(parsed.len() > 10, "{versions}");
    assert!(
        parsed.windows(2).all(|w| w[0] <= w[1]),
        "versions in natural order: {versions}"
    );
    let next = col("Next review / retain until");
    for (clicks, dir) in [(1, "ascending"), (2, "descending")] {
        b.goto(&v.url("register/"));
        for _ in 0..clicks {
            b.click(&format!("#register-table thead th:nth-child({next}) button"));
        }
        let kinds = b.js("return [...document.querySelectorAll('#register-table tbody tr')].map(r => r.dataset.status === 'retired' || ['none', 'missing', 'exempt'].includes(r.dataset.review) ? 'last' : 'dated')");
        let kinds: Vec<&str> = kinds
            .as_array()
            .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
            .unwrap_or_default();
        let first_last = kinds.iter().position(|k| *k == "last").unwrap_or(kinds.len());
        assert!(
            kinds[first_last..].iter().all(|k| *k == "last") && first_last > 0,
            "next review {dir}: retired documents and records come last: {kinds:?}"
        );
    }
    // A linked view: procedures that are approved; every row shown matches,
    // the count says so, and each choice shows its count.
    b.goto(&v.url("register/?type=procedure&status=approved"));
    let shown = b.js("return [...document.querySelectorAll('#register-table tbody tr')].filter(r => !r.hidden).map(r => r.dataset.type + '/' + r.dataset.status)");
    let shown: Vec<&str> = shown
        .as_array()
        .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
        .unwrap_or_default();
    assert!(
        !shown.is_empty() && shown.iter().all(|s| *s == "procedure/approved"),
        "{shown:?}"
    );
    let status = b.js("return document.getElementById('register-filter-status').textContent");
    assert!(
        status
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("{} of ", shown.len())),
        "{status}"
    );
    let option = b.js("return document.querySelector('select[name=type] option[value=procedure]').textContent");
    assert_eq!(option, json!(format!("procedure ({})", shown.len())));
    // Changing a filter updates the address, so the view can be shared.
    b.js("const s = document.querySelector('select[name=owner]'); s.selectedIndex = 1; s.dispatchEvent(new Event('change', {bubbles: true})); return true");
    let search = b.js("return location.search");
    assert!(search.as_str().unwrap_or("").contains("owner="), "{search}");
    // Nothing matches: an empty state with a way back, not an empty table.
    b.type_into("#register-filter", "zzzz-no-such-document");
    assert_eq!(
        b.js("return [document.getElementById('register-empty').hidden, document.querySelector('.table-wrap--register').hidden]"),
        json!([false, true])
    );
    b.click("[data-clear-filters]");
    assert_eq!(
        b.js("return [...document.querySelectorAll('#register-table tbody tr')].every(r => !r.hidden)"),
        json!(true)
    );
    // The column headings stay in view while scrolling the table.
    b.js("document.querySelector('.table-wrap--register').scrollTop = 600; return true");
    let top = b.js("const w = document.querySelector('.table-wrap--register').getBoundingClientRect().top, h = document.querySelector('#register-table thead th').getBoundingClientRect().top; return Math.round(h - w)");
    assert!(
        top.as_f64().is_some_and(|t| t.abs() <= 2.0),
        "sticky header offset {top}"
    );
}

fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/fixtures").join(name)
}

/// Builds and serves `root`; runs `f` with a fresh browser (nothing when
/// there is no browser: see [`Browser::start`]).
fn with_site(root: &Path, base: &'static str, label: &str, f: impl FnOnce(&Visit)) {
    let Some(browser) = Browser::start() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    build_site(root, &out, (base != "/").then_some(base));
    let (origin, log) = serve(out, base);
    let visit = Visit {
        browser: &browser,
        origin,
        base,
        log,
        label,
    };
    f(&visit);
}

// ---------------------------------------------------------------- tests

#[test]
fn browser_pages_load_cleanly_and_fit_phones() {
    with_site(&fixture("basic"), "/", "basic", |v| {
        v.page("home", "");
        v.page("document", "procedures/incident-management/");
        v.page("draft-document", "records/service-register/");
        v.page("coverage", "coverage/");
        v.page("clauses", "clauses/");
        v.page("clause", "clauses/8.6.1/");
        v.page("reviews", "reviews/");
        v.page("register", "register/");
        v.page("search", "search/");
        v.page("print", "print/");
        let b = v.browser;
        // the search index is fetched only when search is used
        v.goto_home_and_check_no_index();
        // a missing page gets the 404 page (and a 404 status)
        b.goto(&v.url("no/such/page/"));
        assert!(b
            .js("return document.querySelector('h1').textContent")
            .as_str()
            .unwrap_or("")
            .contains("not found"));
    });
}

impl Visit<'_> {
    fn goto_home_and_check_no_index(&self) {
        let b = self.browser;
        b.goto(&self.url(""));
        let fetched =
            b.js("return performance.getEntriesByType('resource').some(e => e.name.includes('search-index'))");
        assert_eq!(fetched, json!(false), "home page fetched the search index");
    }
}

#[test]
fn browser_document_page_layout() {
    with_site(&fixture("basic"), "/", "basic", |v| {
        let b = v.browser;
        b.goto(&v.url("procedures/incident-management/"));
        // the skip link is off screen until focused, then visible
        let top = "return document.querySelector('.skip-link').getBoundingClientRect().bottom";
        assert!(
            b.js(top).as_f64().unwrap_or(1.0) <= 0.0,
            "skip link visible before focus"
        );
        b.js("document.querySelector('.skip-link').focus(); return true");
        assert!(b.js(top).as_f64().unwrap_or(0.0) > 0.0, "skip link hidden when focused");
        // wide screen: the metadata panel sits beside the body
        let side = b.js(
            "const m = document.querySelector('.meta').getBoundingClientRect(), d = document.querySelector('.doc__body').getBoundingClientRect(); \
             return m.left >= d.right",
        );
        assert_eq!(side, json!(true), "metadata panel should be beside the body at 1280 px");
        assert!(b
            .js("return document.querySelector('.banner--due-soon').textContent")
            .as_str()
            .unwrap_or("")
            .contains("due soon"));
        b.viewport(390, 844, true);
        b.goto(&v.url("procedures/incident-management/"));
        let stacked = b.js(
            "const m = document.querySelector('.meta').getBoundingClientRect(), d = document.querySelector('.doc__body').getBoundingClientRect(); \
             return m.bottom <= d.top",
        );
        assert_eq!(
            stacked,
            json!(true),
            "metadata panel should be above the body on a phone"
        );
        // draft banner
        b.viewport(1280, 900, false);
        b.goto(&v.url("records/service-register/"));
        assert!(b
            .js("return document.querySelector('.banner--draft').textContent")
            .as_str()
            .unwrap_or("")
            .contains("Draft"));
        // print media: navigation hidden, black on white
        b.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
        let hidden = b.js("return getComputedStyle(document.querySelector('.site-header')).display");
        assert_eq!(hidden, json!("none"));
        let colors =
            b.js("return [getComputedStyle(document.body).color, getComputedStyle(document.body).backgroundColor]");
        assert_eq!(colors, json!(["rgb(0, 0, 0)", "rgb(255, 255, 255)"]));
        b.cdp("Emulation.setEmulatedMedia", json!({"media": ""}));
    });
}

#[test]
fn browser_document_tree_pager_and_details() {
    with_site(&fixture("basic"), "/", "basic", |v| {
        let b = v.browser;
        // Wide: the tree is a sidebar beside the page, the current document
        // marked; the page is not under it.
        b.viewport(1366, 900, false);
        b.goto(&v.url("procedures/incident-management/"));
        b.wait_for("the tree", "return !document.getElementById('doc-tree').hidden");
        assert_eq!(
            b.js("return document.querySelector('#doc-tree a[aria-current=page] .doc-id').textContent"),
            json!("PRO-001")
        );
        assert_eq!(
            b.js("const t = document.getElementById('doc-tree').getBoundingClientRect(), m = document.querySelector('main').getBoundingClientRect(); return m.left >= t.right - 1"),
            json!(true),
            "the page starts right of the sidebar"
        );
        assert_eq!(
            b.js("return document.querySelector('details.meta__more').open"),
            json!(true)
        );
        // Previous and next in register order (POL-001, PRO-001, REC-001).
        assert_eq!(
            b.js("return [...document.querySelectorAll('.doc__pager a .doc-id')].map(e => e.textContent)"),
            json!(["POL-001", "REC-001"])
        );
        // A closed group opens on a click; its entry opens its document,
        // which is then the marked one.
        b.js("[...document.querySelectorAll('#doc-tree summary')].find(s => s.textContent.startsWith('Policies')).click(); return true");
        b.click("#doc-tree details[open] a[href*='policies']");
        b.wait_for("the policy page", "return location.pathname.includes('policies')");
        b.wait_for("the tree", "return !document.getElementById('doc-tree').hidden");
        assert_eq!(
            b.js("return document.querySelector('#doc-tree a[aria-current=page] .doc-id').textContent"),
            json!("POL-001")
        );
        assert_eq!(
            b.js("return [...document.querySelectorAll('.doc__pager a')].map(a => a.rel)"),
            json!(["next"]),
            "the first document has no previous one"
        );
        // "Documents" hides the sidebar, and it stays hidden on the next page.
        b.click("[data-doc-tree-toggle]");
        assert_eq!(b.js("return document.getElementById('doc-tree').hidden"), json!(true));
        b.goto(&v.url("register/"));
        b.wait_for(
            "the page script",
            "return document.documentElement.classList.contains('js')",
        );
        assert_eq!(b.js("return document.getElementById('doc-tree').hidden"), json!(true));
        b.click("[data-doc-tree-toggle]");
        assert_eq!(b.js("return document.getElementById('doc-tree').hidden"), json!(false));

        // Phone: key facts first, the rest folded; the tree is a panel
        // opened from "Documents", with a filter; Escape closes it.
        b.viewport(390, 844, true);
        b.goto(&v.url("procedures/incident-management/"));
        b.wait_for(
            "the page script",
            "return document.documentElement.classList.contains('js')",
        );
        assert_eq!(
            b.js("return document.querySelector('details.meta__more').open"),
            json!(false)
        );
        assert_eq!(
            b.js("return [...document.querySelectorAll('.meta > .meta__list dt')].map(e => e.textContent).slice(0, 3)"),
            json!(["Status", "Version", "Owner"])
        );
        assert_eq!(b.js("return document.getElementById('doc-tree').hidden"), json!(true));
        assert!(
            b.js("return document.querySelector('.site-header').getBoundingClientRect().height")
                .as_f64()
                .unwrap_or(999.0)
                < 140.0,
            "a short header on phones"
        );
        b.click("[data-doc-tree-toggle]");
        assert_eq!(b.js("return document.getElementById('doc-tree').hidden"), json!(false));
        assert_eq!(
            b.js("return document.activeElement.className"),
            json!("doc-tree__filter")
        );
        b.type_into(".doc-tree__filter", "register");
        assert_eq!(
            b.js("return [...document.querySelectorAll('#doc-tree li')].filter(l => !l.hidden).map(l => l.querySelector('.doc-id').textContent)"),
            json!(["REC-001"])
        );
        b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'})); return true");
        assert_eq!(b.js("return document.getElementById('doc-tree').hidden"), json!(true));
        b.viewport(1280, 900, false);
        b.js("localStorage.clear(); return true");
    });
}

#[test]
fn browser_tables_sort_and_filter() {
    with_site(&fixture("basic"), "/", "basic", |v| {
        let b = v.browser;
        // register: sort by ID (descending after one click) and filter
        b.goto(&v.url("register/"));
        let first = "return document.querySelector('#register-table tbody tr:not([hidden]) .doc-id').textContent";
        assert_eq!(b.js(first), json!("POL-001"));
        b.click("#register-table thead th:nth-child(1) button");
        assert_eq!(
            b.js("return document.querySelector('#register-table th').getAttribute('aria-sort')"),
            json!("descending")
        );
        assert_eq!(b.js(first), json!("REC-001"));
        b.click("#register-table thead th:nth-child(9) button");
        assert_eq!(
            b.js("return document.querySelector('#register-table th:nth-child(9)').getAttribute('aria-sort')"),
            json!("ascending")
        );
        assert_eq!(
            b.js("return document.querySelector('#register-table th').hasAttribute('aria-sort')"),
            json!(false)
        );
        b.type_into("#register-filter", "incident");
        let visible = "return document.querySelectorAll('#register-table tbody tr:not([hidden])').length";
        assert_eq!(b.js(visible), json!(1));
        assert!(b
            .js("return document.getElementById('register-filter-status').textContent")
            .as_str()
            .unwrap_or("")
            .contains("1 of 3"));

        // coverage: every covered clause shows its evidence; gaps only hides
        // covered rows and empty groups; the type filter keeps the clauses
        // its documents cite, and says when nothing matches
        coverage_evidence_is_visible(v);
        b.goto(&v.url("coverage/"));
        let covered = "return [...document.querySelectorAll('.coverage-table tr[data-status=covered]')].filter(r => r.offsetParent).length";
        assert!(b.js(covered).as_u64().unwrap_or(0) > 0);
        b.click("input[name=cov-filter][value=gaps]");
        assert_eq!(b.js(covered), json!(0));
        let empty_groups = "return [...document.querySelectorAll('.coverage-table tbody')].filter(t => !t.hidden && ![...t.querySelectorAll('tr[data-status]')].some(r => !r.hidden)).length";
        assert_eq!(b.js(empty_groups), json!(0));
        b.click("input[name=cov-filter][value=all]");
        assert!(b.js(covered).as_u64().unwrap_or(0) > 0);
        b.js("const s = document.getElementById('cov-type'); s.value = 'policy'; s.dispatchEvent(new Event('change', {bubbles: true})); return true");
        let shown_docs = "return [...document.querySelectorAll('.evidence li')].filter(l => l.offsetParent).map(l => l.dataset.type)";
        let types = b.js(shown_docs);
        assert!(
            types
                .as_array()
                .is_some_and(|t| !t.is_empty() && t.iter().all(|x| x == "policy")),
            "only policies listed: {types}"
        );
        let status = b.js("return document.getElementById('coverage-filter-status').textContent");
        assert!(status.as_str().unwrap_or("").contains("clauses shown"), "{status}");
        // gaps among clauses cited by policies: none in this fixture, and the
        // page says so instead of showing empty headings
        b.click("input[name=cov-filter][value=gaps]");
        let visible_rows = "return [...document.querySelectorAll('.coverage-table tr[data-status]')].filter(r => r.offsetParent).length";
        if b.js(visible_rows) == json!(0) {
            let empty = b.js("return [...document.querySelectorAll('.coverage-empty')].filter(p => !p.hidden).map(p => p.textContent)");
            assert!(
                empty.as_array().is_some_and(|e| !e.is_empty()),
                "an empty filter result says so: {empty}"
            );
            assert_eq!(
                b.js(
                    "return [...document.querySelectorAll('.coverage-table thead')].filter(t => t.offsetParent).length"
                ),
                json!(0),
                "no empty table headings"
            );
        }

        // reviews: owner filter
        b.goto(&v.url("reviews/"));
        let rows = "return [...document.querySelectorAll('table.reviews tbody tr')].filter(r => r.offsetParent).map(r => r.dataset.owner)";
        let before = b.js(rows);
        assert!(
            before.as_array().map_or(0, Vec::len) > 0,
            "reviews page lists documents"
        );
        b.js("const s = document.querySelector('[data-owner-filter]'); s.value = 'SMS Manager'; s.dispatchEvent(new Event('change')); return true");
        let after = b.js(rows);
        assert!(
            after.as_array().is_some_and(|a| a.iter().all(|o| o == "SMS Manager")),
            "{after}"
        );
        assert!(b.js("return [...document.querySelectorAll('.owner-none')].some(p => !p.hidden)") == json!(true));
        // The summary at the top says whose reviews it counts, and counts them.
        assert_eq!(
            b.js("return document.querySelector('[data-owner-summary]').textContent"),
            json!(", for SMS Manager")
        );
        assert_eq!(
            b.js("const c = document.querySelector('[data-count=overdue]').textContent; const s = document.querySelector('#rev-overdue .count'); return s ? s.textContent === '(' + c + ')' : true"),
            json!(true)
        );

        // print page: the button calls window.print()
        b.goto(&v.url("print/"));
        assert_eq!(
            b.js("return document.querySelectorAll('article.print-doc').length"),
            json!(2),
            "the draft is not printed"
        );
        assert!(b
            .js("return document.querySelector('.print-cover').textContent")
            .as_str()
            .unwrap_or("")
            .contains("Not printed: 1 draft"));
        b.js("window.print = () => { window.__printed = true; }; return true");
        b.click("[data-print]");
        assert_eq!(b.js("return window.__printed === true"), json!(true));
        b.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
        assert_eq!(
            b.js("return getComputedStyle(document.querySelectorAll('.print-doc')[1]).breakBefore"),
            json!("page")
        );
        assert_eq!(
            b.js("return getComputedStyle(document.querySelector('[data-print]')).display"),
            json!("none")
        );
        b.screenshot(&artifacts_dir().join("basic-print-media-1280.png"));
        b.cdp("Emulation.setEmulatedMedia", json!({"media": ""}));
    });
}

/// Types a query on the search page, checks the results, opens one.
fn search_flow(v: &Visit, query: &str, expect_id: &str, expect_path: &str) {
    let b = v.browser;
    b.goto(&v.url("search/"));
    b.type_into("#search-q", query);
    b.wait_for(
        "search results",
        "return document.querySelectorAll('#search-results li').length > 0",
    );
    let status = b.js("return document.getElementById('search-status').textContent");
    assert!(status.as_str().unwrap_or("").contains("match"), "status line: {status}");
    assert_eq!(
        b.js("return document.getElementById('search-status').getAttribute('aria-live')"),
        json!("polite")
    );
    let first = b.js("return document.querySelector('#search-results li .doc-id').textContent");
    assert_eq!(first, json!(expect_id), "best result for {query:?}");
    assert!(
        b.js("return document.querySelectorAll('#search-results mark').length > 0") == json!(true),
        "matches are highlighted"
    );
    assert!(
        b.url().contains(&format!("?q={}", query.replace(' ', "%20"))),
        "query kept in the URL: {}",
        b.url()
    );
    b.screenshot(&artifacts_dir().join(format!("{}-search-results-1280.png", v.label)));
    b.click("#search-results li a");
    // (a site with relative links links pages as `…/index.html`)
    let want = format!("{}{expect_path}", v.base);
    b.wait_for(
        "the result page",
        &format!(
            "return [{want:?}, {:?}].includes(location.pathname)",
            format!("{want}index.html")
        ),
    );
    assert_eq!(
        b.js("return document.querySelector('.doc__kicker .doc-id').textContent"),
        json!(expect_id)
    );
}

#[test]
fn browser_search() {
    with_site(&fixture("basic"), "/", "basic", |v| {
        let b = v.browser;
        search_flow(v, "incident", "PRO-001", "procedures/incident-management/");
        // a word far into the body (not in the excerpt) still matches
        search_flow(v, "second heading", "PRO-001", "procedures/incident-management/");
        // a clause number
        search_flow(v, "8.2.4", "REC-001", "records/service-register/");
        // all terms must match
        b.goto(&v.url("search/?q=incident%20zzzzzz"));
        b.wait_for(
            "the status",
            "return document.getElementById('search-status').textContent.includes('No documents')",
        );
        // HTML in a query is shown as text, never run
        b.goto(&v.url("search/?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"));
        b.wait_for(
            "the status",
            "return document.getElementById('search-status').textContent.includes('No documents')",
        );
        assert_eq!(
            b.js("return document.querySelectorAll('#search-results img').length"),
            json!(0)
        );
        // the header box goes to the search page with ?q=
        b.goto(&v.url(""));
        b.type_into("#site-search-q", "PRO-001\u{E007}");
        b.wait_for(
            "search results",
            "return document.querySelectorAll('#search-results li').length > 0",
        );
        assert!(b.url().contains("/search/?q=PRO-001"), "{}", b.url());
        assert_eq!(
            b.js("return document.getElementById('search-q').value"),
            json!("PRO-001")
        );
        assert_eq!(
            b.js("return document.querySelector('#search-results li .doc-id').textContent"),
            json!("PRO-001")
        );
        let errors: Vec<Value> = b
            .console()
            .into_iter()
            .filter(|e| e["level"] == json!("SEVERE"))
            .collect();
        assert!(errors.is_empty(), "console errors {errors:#?}");
    });
}

#[test]
fn browser_site_under_a_sub_path() {
    with_site(&fixture("basic"), "/sub/path/", "subpath", |v| {
        v.page("home", "");
        v.page("document", "procedures/incident-management/");
        v.page("coverage", "coverage/");
        search_flow(v, "incident", "PRO-001", "procedures/incident-management/");
        let b = v.browser;
        // every same-site link on the home page stays under the sub-path
        b.goto(&v.url(""));
        let outside = b.js(
            "return [...document.querySelectorAll('a[href]')].map(a => a.href).filter(h => h.startsWith(location.origin) && !h.startsWith(location.origin + '/sub/path/'))",
        );
        assert_eq!(outside, json!([]));
    });
}

#[test]
fn browser_example_handbook() {
    let root = manifest_dir().join("example-sms");
    if !root.join("smsdoc.toml").is_file() {
        eprintln!("example-sms/ not present; skipped");
        return;
    }
    with_site(&root, "/", "example", |v| {
        v.page("home", "");
        v.page("coverage", "coverage/");
        v.page("register", "register/");
        v.page("reviews", "reviews/");
        v.page("print", "print/");
        v.page("series", "series/management-review/");
        v.page("clause", "clauses/9.3/");
        v.page("not-found", "404.html");
        search_flow(v, "PRO-002", "PRO-002", "procedures/incident-management/");
        coverage_evidence_is_visible(v);
        let b = v.browser;
        register_filters_and_sorts(v);
        // The about page (`nav: first`) leads the home page and the tree.
        b.goto(&v.url(""));
        assert!(
            b.js("return document.querySelector('.start-here').textContent")
                .as_str()
                .unwrap_or("")
                .contains("DOC-000"),
            "home starts with the about page"
        );
        b.wait_for(
            "the tree",
            "return document.querySelector('#doc-tree summary') !== null",
        );
        assert_eq!(
            b.js("return document.querySelector('#doc-tree summary').textContent"),
            json!("Start here (1)")
        );
        // A typing mistake still finds the documents, and says how it was read.
        b.goto(&v.url("search/"));
        b.type_into("#search-q", "escalaton");
        b.wait_for(
            "results for a misspelt word",
            "return document.querySelectorAll('#search-results li').length > 0",
        );
        let status = b.js("return document.getElementById('search-status').textContent");
        assert!(
            status.as_str().unwrap_or("").contains("read as “escalation”"),
            "{status}"
        );
        assert_eq!(
            b.js("return [...document.querySelectorAll('#search-results .doc-id')].some(e => e.textContent === 'PRO-002')"),
            json!(true),
            "the incident procedure is among the results"
        );
        // Its snippet is the sentence that mentions the word, not the
        // document's opening.
        let snippet = b.wait_for(
            "the matching sentence",
            "const p = [...document.querySelectorAll('#search-results li')].find(l => l.querySelector('.doc-id').textContent === 'PRO-002'); \
             const s = p && p.querySelector('.search-result__snippet--match'); return s ? s.textContent : null",
        );
        let snippet = snippet.as_str().unwrap_or("").to_lowercase();
        assert!(snippet.contains("escalat"), "{snippet}");
        assert!(!snippet.starts_with("this procedure restores"), "{snippet}");
        // every document page of the example
        b.goto(&v.url("register/"));
        let paths =
            b.js("return [...document.querySelectorAll('#register-table tbody tr td:nth-child(2) a')].map(a => new URL(a.href).pathname)");
        for p in paths.as_array().into_iter().flatten().filter_map(Value::as_str) {
            let p = p.trim_start_matches('/');
            v.check(&format!("doc-{p}"), p, false);
        }
    });
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read fixture").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy fixture file");
        }
    }
}

/// Without a configured base_url the site links relatively and works
/// when opened from disk (file://).
#[test]
fn browser_relative_site_from_file_url() {
    let Some(b) = Browser::start() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("handbook");
    copy_dir(&fixture("basic"), &root);
    let config = std::fs::read_to_string(root.join("smsdoc.toml")).expect("read config");
    let config: String = config
        .lines()
        .filter(|l| !l.starts_with("base_url"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(root.join("smsdoc.toml"), config).expect("write config");
    let out = tmp.path().join("site");
    build_site(&root, &out, None);
    let file_url = |p: &str| format!("file://{}/{p}", out.display());
    b.goto(&file_url("index.html"));
    b.wait_for(
        "the page script",
        "return document.documentElement.classList.contains('js')",
    );
    assert_eq!(b.js(PAGE_AUDIT), json!([]));
    b.click(".site-nav a[href$='register/index.html']:not([data-doc-tree-toggle])");
    b.wait_for("the register", "return location.href.endsWith('/register/index.html')");
    b.click("#register-table tbody tr td:nth-child(2) a");
    b.wait_for("a document page", "return !!document.querySelector('.doc__kicker')");
    b.click(".site-title");
    b.wait_for("the home page", "return location.href.endsWith('/site/index.html')");
    // search: results when the site ships search-index.js, otherwise a message that says why
    b.goto(&format!("{}?q=incident", file_url("search/index.html")));
    let outcome = b.wait_for(
        "search results or an explanation",
        "const s = document.getElementById('search-status').textContent; \
         return document.querySelectorAll('#search-results li').length ? 'results' : (s.includes('file') ? s : false)",
    );
    if outcome == json!("results") {
        b.click("#search-results li a");
        b.wait_for(
            "the result page",
            "return location.href.endsWith('/procedures/incident-management/index.html')",
        );
    }
}

/// Static check of the built site: no off-site URL in any script src,
/// stylesheet/icon link, image src or CSS url().
#[test]
fn theme_emits_no_off_site_requests() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    build_site(&fixture("basic"), &out, Some("https://intranet.example.com/sms/"));
    let mut bad = Vec::new();
    for entry in walk(&out) {
        let text = match std::fs::read_to_string(&entry) {
            Ok(t) => t,
            Err(_) => continue,
        };
        let name = entry.display().to_string();
        if name.ends_with(".css") {
            for (i, _) in text.match_indices("url(") {
                let arg = text[i + 4..].trim_start_matches(['"', '\'']);
                if arg.starts_with("http") || arg.starts_with("//") {
                    bad.push(format!("{name}: {}", &text[i..(i + 60).min(text.len())]));
                }
            }
        }
        if name.ends_with(".html") {
            for tag in text.split('<').skip(1) {
                let tag = tag.split('>').next().unwrap_or("");
                let attr = if tag.starts_with("script") || tag.starts_with("img") {
                    "src=\""
                } else if tag.starts_with("link") {
                    "href=\""
                } else {
                    continue;
                };
                if let Some(p) = tag.find(attr) {
                    let url = &tag[p + attr.len()..];
                    let off_site = (url.starts_with("http") || url.starts_with("//"))
                        && !url.starts_with("https://intranet.example.com/sms/");
                    if off_site {
                        bad.push(format!("{name}: <{tag}>"));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "off-site references: {bad:#?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// `smsdoc serve` with two pages open: a save reloads the edited page
/// once, where the reader was (window and inner scroll), and leaves the
/// other page alone, although overview pages and the search index change
/// too.
#[test]
fn browser_preview_reloads_only_the_changed_page_once_and_keeps_its_place() {
    let Some(b) = Browser::start() else { return };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smsdoc"));
    cmd.args(["serve", "--port", "0", "--today", TODAY]);
    let mut text = String::new();
    let served = common::ServedCopy::start(
        &manifest_dir().join("tests/fixtures/serve/handbook"),
        cmd,
        |root| {
            let incident = root.join("docs/procedures/incident.md");
            text = std::fs::read_to_string(&incident).expect("incident.md");
            // A page long enough to scroll, with a code block wider than the page.
            text.push_str("\n```text\n");
            text.push_str(&"wide ".repeat(200));
            text.push_str("\n```\n");
            for i in 0..60 {
                text.push_str(&format!("\nParagraph {i} of a long procedure.\n"));
            }
            std::fs::write(&incident, &text).expect("write incident.md");
        },
        Duration::from_secs(60),
    );
    let incident = served.root.join("docs/procedures/incident.md");
    let base = format!("http://{}", served.addr);
    let ready = "return document.readyState === 'complete'";
    b.viewport(900, 500, false);
    b.goto(&format!("{base}/records/log/"));
    b.wait_for("the log page", ready);
    b.js("window.__untouched = true;");
    let tab = b.cmd("POST", "/window/new", Some(json!({"type": "tab"})))["handle"].clone();
    b.cmd("POST", "/window", Some(json!({ "handle": tab })));
    b.viewport(900, 500, false);
    b.goto(&format!("{base}/procedures/incident/"));
    b.wait_for("the incident page", ready);
    let placed = b.js(
        "window.scrollTo(0, 400); var pre = document.querySelector('pre'); pre.scrollLeft = 120; \
         window.__before = true; return [window.scrollY, pre.scrollLeft];",
    );
    assert_eq!(placed, json!([400, 120]), "the page and its code block scroll");
    // Let the page's event stream connect before the save.
    std::thread::sleep(Duration::from_millis(500));
    std::fs::write(
        &incident,
        text.replace("Original incident text", "Edited incident text"),
    )
    .expect("edit");
    b.wait_for(
        "the edited page to reload",
        "return !window.__before && document.readyState === 'complete' \
         && document.body.textContent.includes('Edited incident text')",
    );
    b.js("window.__after = true;");
    let place = b.wait_for(
        "the scroll positions to come back",
        "var p = [Math.round(window.scrollY), document.querySelector('pre').scrollLeft]; \
         return p[0] === 400 && p[1] === 120 ? p : null;",
    );
    assert_eq!(place, json!([400, 120]));
    // Overview pages, exports and the search index follow the edit; none
    // of that reloads either page again.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        b.js("return window.__after === true"),
        json!(true),
        "the edited page reloaded twice"
    );
    let tabs = b.cmd("GET", "/window/handles", None);
    let first = tabs
        .as_array()
        .and_then(|t| t.iter().find(|h| **h != tab))
        .cloned()
        .expect("first tab");
    b.cmd("POST", "/window", Some(json!({ "handle": first })));
    assert_eq!(
        b.js("return window.__untouched === true"),
        json!(true),
        "a page that did not change was reloaded"
    );
}

// ---------------------------------------------------------------- PDF

/// `pdftotext` and `pdfinfo` (poppler-utils), or why the PDF tests skip.
fn poppler() -> Option<(PathBuf, PathBuf)> {
    let tools = find_tool("SMSDOC_PDFTOTEXT", &["pdftotext"]).zip(find_tool("SMSDOC_PDFINFO", &["pdfinfo"]));
    if tools.is_none() {
        let required = std::env::var(REQUIRE).is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "pdftotext/pdfinfo not found; {REQUIRE} is set, so the PDF tests must run: apt-get install -y poppler-utils"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\nPDF tests skipped: pdftotext/pdfinfo not found (apt-get install -y poppler-utils)\n"
        );
    }
    tools
}

/// Runs `smsdoc pdf` on `root` with `args`; the PDF's pages as text (one
/// string per page) and `pdfinfo`'s page size line.
fn print_pdf(root: &Path, args: &[&str]) -> Option<(Vec<String>, String, String)> {
    let (pdftotext, pdfinfo) = poppler()?;
    let chromium = match browser_tools() {
        Ok((c, _)) => c,
        Err(why) => {
            let required = std::env::var(REQUIRE).is_ok_and(|v| !v.is_empty() && v != "0");
            assert!(!required, "{why}; {REQUIRE} is set: {HOW}");
            return None;
        }
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("handbook.pdf");
    let run = Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .arg("pdf")
        .arg("--root")
        .arg(root)
        .arg("--out")
        .arg(&out)
        .arg("--chromium")
        .arg(&chromium)
        .args(["--today", "2026-12-03"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run smsdoc pdf");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "smsdoc pdf failed:\n{stderr}");
    let text = Command::new(pdftotext)
        .args(["-layout"])
        .arg(&out)
        .arg("-")
        .output()
        .expect("pdftotext");
    let info = Command::new(pdfinfo).arg(&out).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let size = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or("")
        .to_string();
    let pages: Vec<String> = String::from_utf8_lossy(&text.stdout)
        .split('\u{c}')
        .map(str::to_string)
        .filter(|p| !p.trim().is_empty())
        .collect();
    Some((pages, size, stderr))
}

/// The contents of a printed handbook: (id, page number) per line.
fn contents(pages: &[String]) -> Vec<(String, usize)> {
    pages
        .iter()
        .take_while(|p| !p.lines().any(|l| l.contains(" · ") && l.contains(" v")) || p.contains("Contents"))
        .flat_map(|p| p.lines())
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let (first, last) = (words.first()?, words.last()?);
            let id = first.contains('-') && first.chars().next().is_some_and(|c| c.is_ascii_uppercase());
            (id && words.len() > 2).then(|| Some((first.to_string(), last.parse().ok()?)))?
        })
        .collect()
}

#[test]
fn pdf_of_the_example_is_a4_numbered_marked_and_holds_what_is_in_force() {
    let Some((pages, size, stderr)) = print_pdf(&manifest_dir().join("example-sms"), &[]) else {
        return;
    };
    assert!(size.contains("(A4)"), "{size}");
    let n = pages.len();
    assert!(n > 50, "{n} pages");
    // Every page: the marking and "page x of y"; a revision or date at the top.
    for (k, page) in pages.iter().enumerate() {
        assert!(page.contains("Uncontrolled when printed"), "page {}:\n{page}", k + 1);
        assert!(
            page.contains(&format!("Page {} of {n}", k + 1)),
            "page {}:\n{page}",
            k + 1
        );
        assert!(
            page.contains("Revision ") || page.contains("Generated "),
            "page {}",
            k + 1
        );
    }
    // The contents list every printed document with the page it starts on,
    // and that page's running header names it (id, version, classification).
    let toc = contents(&pages);
    assert!(toc.len() > 50, "{toc:?}");
    for (id, p) in &toc {
        let page = pages.get(p - 1).unwrap_or_else(|| panic!("{id}: page {p} of {n}"));
        let header = page
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(2)
            .find(|l| l.contains(" · "))
            .unwrap_or("");
        assert!(
            header.trim_start().starts_with(&format!("{id} ")),
            "{id} should start on page {p}, whose header is {header:?}"
        );
        let prev = &pages[p - 2];
        assert!(
            !prev
                .lines()
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with(&format!("{id} ")),
            "{id} starts on page {p}, not before"
        );
    }
    // Drafts and the retired document are left out, and the cover says so.
    let all = pages.join("\n");
    for id in ["PLN-006", "AGR-004", "PRO-090"] {
        assert!(!toc.iter().any(|(t, _)| t == id), "{id} is not in force");
    }
    assert!(
        all.contains("Not printed: 4 drafts and 1 retired document"),
        "{}",
        &pages[0]
    );
    assert!(stderr.contains("left out: --drafts, --retired"), "{stderr}");
    // A confidential document is marked on each of its pages.
    let confidential: Vec<&String> = pages.iter().filter(|p| p.contains("· Confidential")).collect();
    assert!(!confidential.is_empty());
    assert!(confidential.iter().all(|p| p.contains("CONFIDENTIAL")));
    // Classification in each document's details.
    assert!(all.contains("Classification"));
    assert!(!all.contains("(draft) (draft)"));
}

#[test]
fn pdf_with_drafts_and_retired_on_letter_paper() {
    let Some((pages, size, _)) = print_pdf(&fixture("basic"), &["--drafts", "--retired", "--paper", "letter"]) else {
        return;
    };
    assert!(size.contains("(letter)"), "{size}");
    let toc = contents(&pages);
    let ids: Vec<&str> = toc.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["POL-001", "PRO-001", "REC-001"], "{toc:?}");
    let all = pages.join("\n");
    assert_eq!(
        all.matches("(draft)").count(),
        1,
        "the draft is marked once, in the contents"
    );
    assert!(!all.contains("Not printed"));
}
