//! Issue 10, reliability: bad input never panics, never hangs and never
//! loses the previous good output.
//!
//! A corpus of small handbooks under `tests/fixtures/malformed/`, each with
//! one defect, plus cases generated at test time (symbolic links, a 20 MB
//! document, 10,000-level nesting, a 1 MB line, an oversized file …). Every
//! case runs the real binary as a child process with a time limit and
//! asserts: the exit code; the diagnostic code, file and line in
//! `check --format json`; no panic (exit code 3, "panicked" or "internal
//! error" on stderr); and that `build` leaves the previous site exactly as
//! it was when it fails, and the sources untouched always.

use crate::common::{smsdoc_within, tail, Run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TODAY: &str = "2026-06-01";

/// Time limit per smsdoc process for the small cases.
const SMALL: Duration = Duration::from_secs(20);
/// Time limit per smsdoc process for the 20 MB and other big cases.
const BIG: Duration = Duration::from_secs(60);

/// Limits are multiplied by `SMSDOC_TEST_TIME_SCALE` (default 1) for slow
/// machines, e.g. under a sanitizer.
fn limit(d: Duration) -> Duration {
    let scale = std::env::var("SMSDOC_TEST_TIME_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.0);
    d.mul_f64(scale.max(0.1))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed")
}

// ---------------------------------------------------------------- running

/// No run may reach the panic handler or die of a signal.
#[track_caller]
fn assert_no_panic(what: &str, o: &Run) {
    assert!(
        o.code != 3 && o.code >= 0 && !o.stderr.contains("panicked") && !o.stderr.contains("internal error"),
        "{what}: smsdoc crashed (exit {})\n--- stderr (tail)\n{}",
        o.code,
        tail(&o.stderr)
    );
}

// ---------------------------------------------------------------- files

/// Every file under `dir` (not following links) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for entry in rd.flatten() {
            let p = entry.path();
            let rel = p.strip_prefix(base).expect("prefix").to_path_buf();
            let Ok(ty) = entry.file_type() else { continue };
            if ty.is_symlink() {
                let target = std::fs::read_link(&p)
                    .map(|t| t.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.insert(rel, format!("symlink -> {target}").into_bytes());
            } else if ty.is_dir() {
                out.insert(rel.join(""), b"<dir>".to_vec());
                walk(base, &p, out);
            } else if std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0) > 4 << 20 {
                // Big generated inputs: the size stands for the content.
                out.insert(
                    rel,
                    format!("<{} bytes>", std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0)).into_bytes(),
                );
            } else {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy fixture file");
        }
    }
}

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

/// A handbook in a fresh temporary directory: a copy of a fixture, or a
/// minimal config and an empty content folder.
struct Handbook {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Handbook {
    fn new(fixture: Option<&str>) -> Handbook {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("handbook");
        match fixture {
            Some(name) => {
                let src = fixtures().join(name);
                assert!(src.is_dir(), "no fixture {}", src.display());
                copy_dir(&src, &root);
            }
            None => {
                write(&root, "smsdoc.toml", "title = \"Malformed input\"\n");
                std::fs::create_dir_all(root.join("docs")).expect("mkdir docs");
            }
        }
        Handbook { _tmp: tmp, root }
    }
}

const RECORD: &str = "---\nid: REC-1\ntitle: Record\ntype: record\n---\n";

/// A stand-in for the site a previous good build left: a failed build must
/// leave it byte for byte.
fn plant_previous_site(out: &Path) {
    write(out, "index.html", "<!doctype html><title>previous good site</title>\n");
    write(out, "sitemap.xml", "<urlset></urlset>\n");
    write(out, "search-index.json", "{}\n");
    write(out, "procedures/x/index.html", "previous page\n");
}

// ---------------------------------------------------------------- cases

#[derive(Clone, Copy)]
struct Case {
    /// Fixture under tests/fixtures/malformed (or a name for a generated case).
    name: &'static str,
    fixture: bool,
    setup: Option<fn(&Path)>,
    exit: i32,
    /// A diagnostic that must be reported: code, file (relative to the root,
    /// `/`-separated; "" for none), line (0: not checked).
    code: Option<&'static str>,
    file: &'static str,
    line: usize,
    /// Text the diagnostic's message or help must contain ("" for any).
    text: &'static str,
    timeout: Duration,
}

const fn c(name: &'static str, exit: i32, code: &'static str, file: &'static str, line: usize) -> Case {
    Case {
        name,
        fixture: true,
        setup: None,
        exit,
        code: Some(code),
        file,
        line,
        text: "",
        timeout: SMALL,
    }
}

/// `c` with text the message or help must contain.
const fn ct(
    name: &'static str,
    exit: i32,
    code: &'static str,
    file: &'static str,
    line: usize,
    text: &'static str,
) -> Case {
    Case {
        name,
        fixture: true,
        setup: None,
        exit,
        code: Some(code),
        file,
        line,
        text,
        timeout: SMALL,
    }
}

const fn clean(name: &'static str) -> Case {
    Case {
        name,
        fixture: true,
        setup: None,
        exit: 0,
        code: None,
        file: "",
        line: 0,
        text: "",
        timeout: SMALL,
    }
}

const fn gen(
    name: &'static str,
    setup: fn(&Path),
    exit: i32,
    code: Option<&'static str>,
    file: &'static str,
    line: usize,
) -> Case {
    Case {
        name,
        fixture: false,
        setup: Some(setup),
        exit,
        code,
        file,
        line,
        text: "",
        timeout: SMALL,
    }
}

const A: &str = "docs/a.md";
const CFG: &str = "smsdoc.toml";

/// The committed corpus: one defect per handbook.
const CORPUS: &[Case] = &[
    // YAML front matter
    ct("yaml-tab-indent", 1, "front-matter", A, 4, "tabs"),
    ct("yaml-unclosed-quote", 1, "front-matter", A, 3, "closing quote"),
    ct("yaml-duplicate-key", 1, "front-matter", A, 5, "duplicate key `title`"),
    ct("yaml-unclosed-block", 1, "front-matter", A, 1, "never closed"),
    c("yaml-bad-indent", 1, "front-matter", A, 3),
    ct("yaml-not-a-mapping", 1, "front-matter", A, 2, "mapping"),
    c("yaml-complex-key", 1, "front-matter", A, 2),
    ct("yaml-alias-bomb", 1, "front-matter", A, 6, "aliases"),
    ct("yaml-deep-nesting", 1, "front-matter", A, 5, "nested"),
    // TOML front matter
    c("toml-invalid", 1, "front-matter", A, 3),
    ct("toml-unclosed-block", 1, "front-matter", A, 1, "never closed"),
    c("toml-datetime", 1, "invalid-field", A, 5),
    // no or empty front matter
    c("no-front-matter", 1, "front-matter", A, 1),
    c("empty-file", 1, "front-matter", A, 1),
    c("empty-front-matter", 1, "missing-field", A, 1),
    // fields
    c("missing-id", 1, "missing-field", A, 1),
    c("invalid-id", 1, "invalid-field", A, 2),
    c("id-not-text", 1, "invalid-field", A, 2),
    c("missing-title", 1, "missing-field", A, 2),
    c("empty-title", 1, "invalid-field", A, 3),
    c("missing-type", 1, "missing-field", A, 2),
    ct("invalid-type", 1, "invalid-field", A, 4, "did you mean `policy`"),
    ct("missing-owner", 1, "missing-field", A, 2, "`owner`"),
    c("invalid-status", 1, "invalid-field", A, 5),
    c("invalid-confidentiality", 1, "invalid-field", A, 5),
    ct("invalid-date", 1, "invalid-field", A, 5, "calendar"),
    ct("short-date", 1, "invalid-field", A, 5, "YYYY-MM-DD"),
    ct("interval-words", 1, "invalid-field", A, 5, "twelve"),
    ct("interval-zero", 1, "invalid-field", A, 5, "between"),
    c("next-before-last", 1, "invalid-field", A, 6),
    c("list-field-mapping", 1, "invalid-field", A, 5),
    ct("duplicate-id", 1, "duplicate-id", "docs/b.md", 2, "docs/a.md"),
    c("unknown-clause", 1, "unknown-clause", A, 5),
    c("unknown-standard", 1, "unknown-clause", A, 6),
    ct("unknown-provides", 1, "invalid-field", A, 5, "did you mean `sms-scope`"),
    // links
    c("link-unknown-id", 1, "broken-link", A, 7),
    c("link-missing-file", 1, "broken-link", A, 7),
    ct(
        "link-escapes-content",
        1,
        "broken-link",
        A,
        7,
        "outside the content directory",
    ),
    ct(
        "link-escapes-root",
        1,
        "broken-link",
        A,
        7,
        "outside the content directory",
    ),
    ct("link-missing-anchor", 1, "broken-anchor", A, 7, "did you mean `#scope`"),
    c("link-missing-anchor-relative", 1, "broken-anchor", A, 7),
    c("link-missing-self-anchor", 1, "broken-anchor", A, 9),
    c("link-unknown-clause", 1, "broken-link", A, 7),
    c("link-missing-image", 1, "broken-link", A, 7),
    c("link-empty-targets", 1, "broken-link", A, 7),
    ct("related-unknown", 1, "broken-link", A, 5, "REC-7"),
    ct("supersedes-unknown", 1, "broken-link", A, 5, "REC-0"),
    // encodings
    ct("non-utf8-body", 1, "io", A, 6, "UTF-8"),
    c("non-utf8-front-matter", 1, "io", A, 3),
    c("bom", 1, "invalid-field", A, 5),
    c("crlf", 1, "invalid-field", A, 5),
    clean("crlf-valid"),
    // configuration
    c("config-missing", 2, "config", "", 0),
    c("config-empty", 2, "config", CFG, 1),
    c("config-invalid-toml", 2, "config", CFG, 2),
    ct("config-unknown-key", 2, "config", CFG, 2, "did you mean `theme`"),
    c("config-bad-interval", 2, "config", CFG, 4),
    c("config-non-utf8", 2, "config", CFG, 0),
    c("config-unknown-standard", 2, "config", CFG, 2),
    c("config-missing-catalogue", 2, "config", CFG, 2),
    c("content-dir-missing", 2, "config", CFG, 0),
    ct("output-is-content", 2, "config", CFG, 2, "content directory"),
    ct("output-inside-content", 2, "config", CFG, 2, "content directory"),
    ct("output-is-root", 2, "config", CFG, 2, "handbook root"),
    c("template-syntax-error", 1, "template", "templates/page.html", 1),
    // layout
    clean("directory-named-md"),
    ct("url-collision", 1, "io", "docs/incident-management.md", 2, "same place"),
    ct("url-reserved", 1, "io", "docs/register.md", 2, "/register/"),
];

/// Finds the expected diagnostic in a `check --format json` report.
#[track_caller]
fn assert_reported(case: &Case, report: &Value) {
    let Some(code) = case.code else { return };
    let diags = report["diagnostics"].as_array().cloned().unwrap_or_default();
    let file = (!case.file.is_empty()).then_some(case.file);
    let found = diags.iter().any(|d| {
        d["code"] == code
            && d["file"].as_str() == file
            && (case.line == 0 || d["line"].as_u64() == Some(case.line as u64))
            && (d["message"].as_str().unwrap_or("").contains(case.text)
                || d["help"].as_str().unwrap_or("").contains(case.text))
    });
    let listed: Vec<String> = diags
        .iter()
        .filter(|d| d["code"] != "uncovered-clause" && d["code"] != "missing-required-document")
        .map(|d| {
            format!(
                "  {} {} {}:{}:{} {}",
                d["severity"], d["code"], d["file"], d["line"], d["column"], d["message"]
            )
        })
        .collect();
    assert!(
        found,
        "{}: expected a `{code}` diagnostic at {}:{} saying {:?}, got\n{}",
        case.name,
        case.file,
        case.line,
        case.text,
        listed.join("\n")
    );
}

/// Runs one case: `check --format json`, then `build` over a planted
/// previous site. Returns the check's and the build's time and the build's
/// peak RSS in KiB.
fn run_case(case: &Case) -> (Duration, Duration, i64) {
    let hb = Handbook::new(case.fixture.then_some(case.name));
    if let Some(setup) = case.setup {
        setup(&hb.root);
    }
    let timeout = limit(case.timeout);

    // check
    let o = smsdoc_within(&hb.root, &["check", "--format", "json", "--today", TODAY], timeout);
    assert_no_panic(&format!("{}: check", case.name), &o);
    assert_eq!(
        o.code,
        case.exit,
        "{}: check exit code\n--- stdout (tail)\n{}\n--- stderr (tail)\n{}",
        case.name,
        tail(&o.stdout),
        tail(&o.stderr)
    );
    let report: Value = serde_json::from_str(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: check --format json printed no JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
            case.name,
            tail(&o.stdout),
            tail(&o.stderr)
        )
    });
    assert_eq!(report["version"], 1, "{}: report version", case.name);
    assert_reported(case, &report);
    if case.exit == 1 {
        assert!(
            report["diagnostics"]
                .as_array()
                .is_some_and(|l| l.iter().any(|d| d["severity"] == "error")),
            "{}: exit 1 without an error diagnostic",
            case.name
        );
    }
    let check_time = o.elapsed;

    // human check: the same exit code, and the location printed
    let o = smsdoc_within(&hb.root, &["check", "--today", TODAY], timeout);
    assert_no_panic(&format!("{}: human check", case.name), &o);
    assert_eq!(
        o.code,
        case.exit,
        "{}: human check exit code\n{}",
        case.name,
        tail(&o.stderr)
    );
    if let (Some(code), false) = (case.code, case.file.is_empty()) {
        assert!(
            o.stderr.contains(&format!("[{code}]")),
            "{}: human output lacks [{code}]\n{}",
            case.name,
            tail(&o.stderr)
        );
        assert!(
            o.stderr.contains(case.file),
            "{}: human output lacks {}\n{}",
            case.name,
            case.file,
            tail(&o.stderr)
        );
    }

    // build over a previous site
    let out = hb.root.join("public");
    if !case.name.starts_with("output-") {
        plant_previous_site(&out);
    }
    let sources_before = snapshot(&hb.root);
    let o = smsdoc_within(&hb.root, &["build", "--today", TODAY], timeout);
    assert_no_panic(&format!("{}: build", case.name), &o);
    assert_eq!(o.code, case.exit, "{}: build exit code\n{}", case.name, tail(&o.stderr));
    let (build_time, build_rss) = (o.elapsed, o.max_rss_kb);
    let after = snapshot(&hb.root);
    if case.exit != 0 {
        // Nothing written, nothing removed, anywhere in the handbook.
        assert_eq!(
            sources_before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "{}: a failed build changed the file tree",
            case.name
        );
        assert!(sources_before == after, "{}: a failed build changed a file", case.name);
    } else {
        let outside = |m: &BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, Vec<u8>> {
            m.iter()
                .filter(|(p, _)| !p.starts_with("public"))
                .map(|(p, b)| (p.clone(), b.clone()))
                .collect()
        };
        assert!(
            outside(&sources_before) == outside(&after),
            "{}: the build changed a source file",
            case.name
        );
        assert!(out.join("sitemap.xml").is_file(), "{}: no site written", case.name);
        assert!(
            !out.join("procedures/x/index.html").exists(),
            "{}: the previous site was not replaced",
            case.name
        );
        no_leftovers(&hb.root, case.name);
    }
    (check_time, build_time, build_rss)
}

/// No staging or old-site directories are left next to the output.
#[track_caller]
fn no_leftovers(root: &Path, what: &str) {
    let left: Vec<String> = std::fs::read_dir(root)
        .expect("read root")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("smsdoc-staging") || n.contains("smsdoc-old"))
        .collect();
    assert!(left.is_empty(), "{what}: leftovers next to the output: {left:?}");
}

#[test]
fn the_corpus_has_one_fixture_per_case_and_forty_or_more_cases() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures/malformed")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CORPUS
        .iter()
        .chain(GENERATED)
        .filter(|c| c.fixture)
        .map(|c| c.name.to_string())
        .collect();
    listed.push("html-injection".into()); // html_injection_is_escaped_everywhere
    listed.sort();
    assert_eq!(on_disk, listed, "every fixture is a case and every case has a fixture");
    assert!(CORPUS.len() + GENERATED.len() >= 40);
}

/// The committed corpus, split in two tests so the harness runs them in
/// parallel.
#[test]
fn malformed_corpus_first_half() {
    for case in &CORPUS[..CORPUS.len() / 2] {
        run_case(case);
    }
}

#[test]
fn malformed_corpus_second_half() {
    for case in &CORPUS[CORPUS.len() / 2..] {
        run_case(case);
    }
}

// ---------------------------------------------------------------- generated cases

fn symlink_loop(root: &Path) {
    write(root, A, RECORD);
    std::fs::create_dir_all(root.join("docs/sub")).expect("mkdir");
    std::os::unix::fs::symlink("..", root.join("docs/sub/loop")).expect("symlink");
}

fn symlink_self(root: &Path) {
    write(root, A, RECORD);
    std::os::unix::fs::symlink("self.md", root.join("docs/self.md")).expect("symlink");
}

fn symlink_dangling(root: &Path) {
    write(root, A, RECORD);
    std::os::unix::fs::symlink("nowhere.md", root.join("docs/dangling.md")).expect("symlink");
}

fn symlink_outside(root: &Path) {
    write(root, A, RECORD);
    std::os::unix::fs::symlink("/etc", root.join("docs/etc")).expect("symlink");
    std::os::unix::fs::symlink("/etc/hostname", root.join("docs/hostname.md")).expect("symlink");
}

fn empty_directory_named_md(root: &Path) {
    write(root, A, RECORD);
    std::fs::create_dir_all(root.join("docs/x.md")).expect("mkdir x.md");
    std::fs::create_dir_all(root.join("docs/empty.md/deeper.md")).expect("mkdir");
}

fn binary_file(root: &Path) {
    // Deterministic "random" bytes, as a document.
    let mut x: u32 = 0x9e37_79b9;
    let bytes: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    write(
        root,
        "docs/a.md",
        [b"---\nid: REC-1\ntitle: T\ntype: record\n---\n".as_slice(), &bytes].concat(),
    );
}

fn nul_bytes(root: &Path) {
    write(
        root,
        A,
        format!("{RECORD}Text with \0 NUL \0\0 bytes and a [[REC-1]] link.\n\n## H\0ading\n"),
    );
}

fn oversized_file(root: &Path) {
    write(root, A, RECORD);
    // A sparse 65 MiB file: refused by size before it is read.
    let f = std::fs::File::create(root.join("docs/huge.md")).expect("create");
    f.set_len(65 << 20).expect("set_len");
}

/// About 20 MB of realistic Markdown: headings, paragraphs with links,
/// lists, tables, quotes and (every 50 sections) a code block.
fn twenty_mb(root: &Path) {
    let mut s = String::with_capacity(21 << 20);
    s.push_str("---\nid: REC-1\ntitle: A very large record\ntype: record\n---\n");
    let para = "The service desk logs every incident, classifies it by impact and urgency, and assigns a priority. \
                Escalation follows [[REC-1#section-0]]; see also [the top](a.md#section-1). "
        .repeat(3);
    let mut i = 0;
    while s.len() < 20 << 20 {
        s.push_str(&format!(
            "## Section {i}\n\n{para}\n\n- step *one* of {i}\n- step **two**\n  1. nested `code`\n\n| Priority | Response |\n|---|---|\n| P{} | {i} min |\n\n> Note {i}: keep records.\n\n",
            i % 4
        ));
        if i % 50 == 0 {
            s.push_str("```yaml\nkey: value\nlist: [1, 2]\n```\n\n");
        }
        i += 1;
    }
    write(root, A, s);
}

/// About 20 MB where every section has a highlighted code block: the
/// worst case for syntax highlighting (only measured, see BENCHMARKS.md).
fn twenty_mb_code(root: &Path) {
    let mut s = String::with_capacity(21 << 20);
    s.push_str("---\nid: REC-1\ntitle: Code-heavy record\ntype: record\n---\n");
    let mut i = 0;
    while s.len() < 20 << 20 {
        s.push_str(&format!(
            "## Section {i}\n\nParagraph {i} with *emphasis*, **strong**, `code`, a [[REC-1]] link, [self](#section-{i}) and [rel](a.md).\n\n- item one\n- item two\n  - nested\n\n| a | b |\n|---|---|\n| {i} | x |\n\n```rust\nfn main() {{ println!(\"{i}\"); }}\n```\n\n> quote {i}\n\n"
        ));
        i += 1;
    }
    write(root, A, s);
}

fn nested_lists(root: &Path) {
    write(root, A, format!("{RECORD}{}x\n", "- ".repeat(10_000)));
}

fn nested_quotes(root: &Path) {
    write(root, A, format!("{RECORD}{} x\n", ">".repeat(10_000)));
}

fn nested_emphasis_and_links(root: &Path) {
    let text = format!(
        "{RECORD}{}x{}\n\n{}x{}\n\n{}\n",
        "*".repeat(10_000),
        "*".repeat(10_000),
        "[".repeat(10_000),
        "](a.md)".repeat(10_000),
        "<div>".repeat(10_000)
    );
    write(root, A, text);
}

/// A 5,000-column table, a 10,000-backtick code span, 50,000 footnote
/// references, wiki links and reference links, and an unclosed comment.
fn pathological_markdown(root: &Path) {
    let mut s = String::from(RECORD);
    s.push_str(&format!("|{}\n|{}\n", "a|".repeat(5000), "-|".repeat(5000)));
    for _ in 0..20 {
        s.push_str(&format!("|{}\n", "x|".repeat(5000)));
    }
    s.push_str(&format!("\n{}x{}\n\n", "`".repeat(10_000), "`".repeat(9_999)));
    s.push_str(&format!("{}\n\n[^n]: note\n\n", "text [^n]".repeat(50_000)));
    s.push_str(&format!("{}\n\n", "[[REC-1]]".repeat(50_000)));
    s.push_str(&format!("{}\n\n[a]: a.md\n\n", "[a]".repeat(50_000)));
    s.push_str(&format!("{}\n\n<!--\n{}", "_a ".repeat(50_000), "x\n".repeat(10_000)));
    write(root, A, s);
}

fn long_line(root: &Path) {
    write(root, A, format!("{RECORD}{}\n", "word [[REC-1]] ".repeat(70_000)));
}

fn many_headings(root: &Path) {
    let mut s = String::from(RECORD);
    for i in 0..20_000 {
        s.push_str(&format!("## Same heading\n\n### Step {}\n\n", i % 7));
    }
    s.push_str("See [last](#same-heading-19999).\n");
    write(root, A, s);
}

/// 20,000 headings, each followed by a link to a misspelt anchor: anchor
/// checks and "did you mean" must stay linear.
fn many_broken_anchors(root: &Path) {
    let mut s = String::from(RECORD);
    for i in 0..20_000 {
        s.push_str(&format!("## Section {i}\n\nsee [x](#sectoin-{i})\n\n"));
    }
    write(root, A, s);
}

/// 30,000 headings and a valid anchored link to each.
fn many_anchored_links(root: &Path) {
    let mut s = String::from(RECORD);
    for i in 0..30_000 {
        s.push_str(&format!(
            "## Section {i}\n\nsee [x](#section-{i}) and [[REC-1#section-{}]]\n\n",
            i / 2
        ));
    }
    write(root, A, s);
}

/// 20,000 broken links on one 300 KB line: the human report must not quote
/// the line under every finding (that printed gigabytes and never ended).
fn broken_links_on_one_long_line(root: &Path) {
    write(root, A, format!("{RECORD}{}\n", "word [[REC-9]] ".repeat(20_000)));
}

/// 5,000 documents, each with a link to an id and a file that do not exist
/// (only measured: "did you mean" compares each with every id and path).
fn many_unknown_ids(root: &Path) {
    for i in 0..5000 {
        write(
            root,
            &format!("docs/d{i}.md"),
            format!("---\nid: REC-{i}\ntitle: Record {i}\ntype: record\n---\nSee [[RCE-{i}]] and [x](d{i}x.md).\n"),
        );
    }
}

fn many_documents_one_broken(root: &Path) {
    for i in 0..500 {
        write(
            root,
            &format!("docs/records/r{i:03}.md"),
            format!(
                "---\nid: REC-{i}\ntitle: Record {i}\ntype: record\nrelated: [REC-{}]\n---\nSee [[REC-{}]].\n",
                (i + 1) % 500,
                (i + 7) % 500
            ),
        );
    }
    write(
        root,
        "docs/records/r250.md",
        "---\nid: REC-250\ntitle: Broken\ntype: record\n---\nSee [[REC-9999]].\n",
    );
}

fn huge_front_matter(root: &Path) {
    let mut s = String::from("---\nid: REC-1\ntitle: T\ntype: record\ntags:\n");
    for i in 0..100_000 {
        s.push_str(&format!("  - tag{i}\n"));
    }
    s.push_str("status: nonsense\n---\nBody.\n");
    write(root, A, s);
}

fn injection_file_name(root: &Path) {
    // A document whose file name itself holds markup.
    std::fs::rename(root.join("docs/b.md"), root.join("docs/<script>alert(1).md")).expect("rename");
}

/// Cases built at test time (links, big files, names git cannot hold).
const GENERATED: &[Case] = &[
    gen("symlink-loop", symlink_loop, 0, Some("io"), "docs/sub/loop", 0),
    gen("symlink-self", symlink_self, 0, Some("io"), "docs/self.md", 0),
    gen(
        "symlink-dangling",
        symlink_dangling,
        0,
        Some("io"),
        "docs/dangling.md",
        0,
    ),
    gen("symlink-outside-root", symlink_outside, 0, Some("io"), "docs/etc", 0),
    gen("empty-directory-named-md", empty_directory_named_md, 0, None, "", 0),
    gen("binary-file", binary_file, 1, Some("io"), A, 0),
    gen("nul-bytes", nul_bytes, 0, None, "", 0),
    gen("oversized-file", oversized_file, 1, Some("io"), "docs/huge.md", 0),
    gen("nested-lists-10000", nested_lists, 0, None, "", 0),
    gen("nested-quotes-10000", nested_quotes, 0, None, "", 0),
    gen("nested-emphasis-links-html", nested_emphasis_and_links, 0, None, "", 0),
    gen("pathological-markdown", pathological_markdown, 0, None, "", 0),
    gen("long-line-1mb", long_line, 0, None, "", 0),
    gen("many-headings", many_headings, 0, None, "", 0),
    gen(
        "many-documents-one-broken",
        many_documents_one_broken,
        1,
        Some("broken-link"),
        "docs/records/r250.md",
        6,
    ),
    gen(
        "many-broken-anchors",
        many_broken_anchors,
        1,
        Some("broken-anchor"),
        A,
        8,
    ),
    gen("many-anchored-links", many_anchored_links, 0, None, "", 0),
    gen(
        "broken-links-on-one-long-line",
        broken_links_on_one_long_line,
        1,
        Some("broken-link"),
        A,
        6,
    ),
    gen(
        "huge-front-matter",
        huge_front_matter,
        1,
        Some("invalid-field"),
        A,
        100_006,
    ),
];

#[test]
fn generated_cases() {
    for case in GENERATED {
        run_case(case);
    }
}

#[test]
fn twenty_megabyte_document() {
    let case = Case {
        timeout: BIG,
        ..gen("twenty-mb", twenty_mb, 0, None, "", 0)
    };
    let (check, build, rss) = run_case(&case);
    eprintln!(
        "20 MB document: check {check:?}, build {build:?}, build peak RSS {} MiB",
        rss >> 10
    );
    // Generous bounds (debug build, shared machine): memory must stay a
    // small multiple of the input, not explode.
    assert!(rss < 2 << 20, "20 MB document: build peak RSS {} MiB", rss >> 10);
}

/// Writes the big inputs measured in BENCHMARKS.md ("Reliability") to
/// `$SMSDOC_RELIABILITY_DIR` (default /tmp/smsdoc-reliability), one
/// handbook per folder.
#[test]
#[ignore = "writes benchmark inputs; run explicitly"]
fn write_reliability_inputs() {
    let dir =
        PathBuf::from(std::env::var("SMSDOC_RELIABILITY_DIR").unwrap_or_else(|_| "/tmp/smsdoc-reliability".into()));
    type Make = fn(&Path);
    let inputs: [(&str, Make); 9] = [
        ("twenty-mb", twenty_mb),
        ("twenty-mb-code", twenty_mb_code),
        ("nested-lists-10000", nested_lists),
        ("nested-quotes-10000", nested_quotes),
        ("long-line-1mb", long_line),
        ("pathological-markdown", pathological_markdown),
        ("many-broken-anchors", many_broken_anchors),
        ("broken-links-on-one-long-line", broken_links_on_one_long_line),
        ("many-unknown-ids", many_unknown_ids),
    ];
    for (name, make) in inputs {
        let root = dir.join(name);
        let _ = std::fs::remove_dir_all(&root);
        write(&root, "smsdoc.toml", "title = \"Reliability\"\n");
        make(&root);
        eprintln!("wrote {}", root.display());
    }
}

#[test]
fn symlink_outside_the_root_is_not_published() {
    let hb = Handbook::new(None);
    symlink_outside(&hb.root);
    let o = smsdoc_within(&hb.root, &["build", "--today", TODAY], limit(SMALL));
    assert_no_panic("symlink outside", &o);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("outside the handbook"), "{}", o.stderr);
    let site = snapshot(&hb.root.join("public"));
    assert!(
        site.keys().all(|p| !p.starts_with("etc") && !p.starts_with("hostname")),
        "published files from outside the root"
    );
}

// ---------------------------------------------------------------- output safety

/// Markup in every field a writer controls is escaped in every page and
/// every export meant for browsers. CSV and iCalendar are data formats no
/// browser renders: there the text must arrive unchanged (an auditor's
/// spreadsheet shows the title as written, not `&lt;script&gt;`).
#[test]
fn html_injection_is_escaped_everywhere() {
    let hb = Handbook::new(Some("html-injection"));
    injection_file_name(&hb.root);
    let o = smsdoc_within(&hb.root, &["build", "--today", TODAY], limit(SMALL));
    assert_no_panic("injection build", &o);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let site = snapshot(&hb.root.join("public"));
    let mut checked = 0;
    for (path, bytes) in &site {
        let text = String::from_utf8_lossy(bytes);
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext {
            "html" | "json" | "xml" | "js" | "css" | "txt" | "svg" => {
                assert!(!text.contains("<script>alert"), "{}: raw <script>alert", path.display());
                checked += 1;
            }
            "csv" | "ics" => {
                assert!(
                    !text.contains("&lt;script"),
                    "{}: HTML-escaped data in a data export",
                    path.display()
                );
                checked += 1;
            }
            _ => {}
        }
    }
    assert!(checked > 20, "only {checked} files checked");
    // The injected text is there (escaped), so the test looks at the right pages.
    let page = String::from_utf8_lossy(&site[Path::new("a/index.html")]).into_owned();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "title not shown escaped"
    );
    let json = String::from_utf8_lossy(&site[Path::new("register.json")]).into_owned();
    let v: Value = serde_json::from_str(&json).expect("register.json parses");
    assert!(
        v.to_string().contains("<script>alert(1)</script>"),
        "JSON data must decode to the original title"
    );
    let csv = String::from_utf8_lossy(&site[Path::new("register.csv")]).into_owned();
    assert!(
        csv.contains("<script>alert(1)</script>"),
        "CSV keeps the title as written"
    );

    // The Markdown and JSON exports on stdout too.
    for (what, format) in [
        ("register", "md"),
        ("coverage", "md"),
        ("register", "json"),
        ("reviews", "ics"),
        ("register", "csv"),
    ] {
        let o = smsdoc_within(
            &hb.root,
            &["export", what, "--format", format, "--today", TODAY],
            limit(SMALL),
        );
        assert_no_panic("export", &o);
        assert_eq!(o.code, 0, "{}", o.stderr);
        if format == "md" {
            assert!(
                !o.stdout.contains("<script>"),
                "export {what} --format md: raw <script>\n{}",
                o.stdout
            );
        }
    }
}

/// The output directory may never be the root, the content or another
/// input, nor contain them, whether set in smsdoc.toml or with --out; and
/// an existing folder smsdoc did not build is never replaced.
#[test]
fn dangerous_output_directories_are_refused() {
    let hb = Handbook::new(None);
    write(&hb.root, A, format!("{RECORD}Body.\n"));
    write(&hb.root, "templates/keep.txt", "mine");
    write(&hb.root, "static/keep.txt", "mine");
    write(&hb.root, ".git/HEAD", "ref: refs/heads/main\n");
    write(&hb.root, "notes/mine.txt", "precious");
    let before = snapshot(&hb.root);
    let outs = [
        ".",
        "docs",
        "docs/",
        "./docs/../docs",
        "docs/site",
        "..",
        "templates",
        "static",
        "static/site",
        ".git",
        "notes",
    ];
    for out in outs {
        let o = smsdoc_within(&hb.root, &["build", "--today", TODAY, "--out", out], limit(SMALL));
        assert_no_panic(out, &o);
        assert_eq!(o.code, 2, "--out {out} must be refused with exit 2\n{}", o.stderr);
        assert!(o.stderr.contains("error[config]"), "--out {out}: {}", o.stderr);
        let abs = hb.root.join(out);
        let o = smsdoc_within(
            &hb.root,
            &["build", "--today", TODAY, "--out", abs.to_str().expect("utf-8 path")],
            limit(SMALL),
        );
        assert_eq!(
            o.code,
            2,
            "--out {} must be refused with exit 2\n{}",
            abs.display(),
            o.stderr
        );
        assert!(before == snapshot(&hb.root), "--out {out} changed files");
    }
    // The same in smsdoc.toml.
    for out in [".", "docs", "docs/site", "templates", ".."] {
        write(
            &hb.root,
            "smsdoc.toml",
            format!("title = \"T\"\noutput_dir = \"{out}\"\n"),
        );
        let o = smsdoc_within(&hb.root, &["build", "--today", TODAY], limit(SMALL));
        assert_no_panic(out, &o);
        assert_eq!(o.code, 2, "output_dir = {out:?} must be refused\n{}", o.stderr);
        assert!(o.stderr.contains("overlaps"), "{}", o.stderr);
        let o = smsdoc_within(&hb.root, &["check", "--format", "json", "--today", TODAY], limit(SMALL));
        assert_eq!(o.code, 2, "check with output_dir = {out:?}\n{}", o.stderr);
        let v: Value = serde_json::from_str(&o.stdout).expect("json report on a config error");
        assert!(
            v["diagnostics"]
                .as_array()
                .is_some_and(|l| l.iter().any(|d| d["code"] == "config" && d["line"] == 2)),
            "{v}"
        );
    }
    write(&hb.root, "smsdoc.toml", "title = \"T\"\n");
    // A symbolic link to the content is the content.
    std::os::unix::fs::symlink("docs", hb.root.join("site-link")).expect("symlink");
    let o = smsdoc_within(
        &hb.root,
        &["build", "--today", TODAY, "--out", "site-link"],
        limit(SMALL),
    );
    assert_eq!(o.code, 2, "--out pointing at the content through a link\n{}", o.stderr);
    assert!(hb.root.join("docs/a.md").is_file());
    // A build into a fresh folder works, and again into the site it made.
    for _ in 0..2 {
        let o = smsdoc_within(&hb.root, &["build", "--today", TODAY, "--out", "site"], limit(SMALL));
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    assert!(hb.root.join("notes/mine.txt").is_file());
    assert_eq!(
        std::fs::read(hb.root.join(".git/HEAD")).expect("HEAD"),
        b"ref: refs/heads/main\n"
    );
}

#[test]
fn check_reports_config_errors_in_every_machine_format() {
    let hb = Handbook::new(Some("config-unknown-key"));
    let o = smsdoc_within(&hb.root, &["check", "--format", "github"], limit(SMALL));
    assert_eq!(o.code, 2);
    assert!(o.stdout.contains("::error file=smsdoc.toml,line=2"), "{}", o.stdout);
    let o = smsdoc_within(&hb.root, &["check", "--format", "junit"], limit(SMALL));
    assert_eq!(o.code, 2);
    assert!(o.stdout.contains("<failure"), "{}", o.stdout);
}
