//! Issue 10, reliability: property tests. Generated front matter and
//! Markdown go through the library (front matter parser, document
//! validation, Markdown rendering, a whole site load and render) and must
//! never panic, must give well-formed output with diagnostics that point
//! inside the file, and must be deterministic: the same handbook built twice
//! is byte-identical, so CI can diff builds.

use crate::common::render_in_memory;
use proptest::prelude::*;
use proptest::test_runner::Config as PtConfig;
use smsdoc::catalogue::Catalogues;
use smsdoc::config::Config;
use smsdoc::markdown::{self, LinkResolver, LinkTarget, Resolved};
use smsdoc::site::{BuildOptions, Site};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- generators

/// Values authors write, and ways they get them wrong.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z]{1,4}-[0-9A-Z.]{1,4}",
        "[a-z][a-z ]{0,12}",
        "\"[^\"\\\\\n]{0,12}\"",
        "'[^'\n]{0,10}",
        "\"[^\"\n]{0,6}",
        "[0-9]{2,4}-[0-9]{1,2}-[0-9]{1,2}",
        "[0-9]{1,6} (day|days|weeks|months|year|years|fortnights)",
        "\\[[a-z0-9.,\" :-]{0,16}\\]",
        "\\{[a-z0-9:, ]{0,12}\\}",
        Just("&a [x, y]".to_string()),
        Just("*a".to_string()),
        Just("!!binary aGk=".to_string()),
        Just("|\n  block\n  text".to_string()),
        Just(">-\n  folded".to_string()),
        Just("".to_string()),
        Just("~".to_string()),
        "[0-9.eE+-]{1,8}",
        "\\PC{0,10}",
        "[\\x00-\\x7f]{0,8}",
        "(draft|approved|retired|policy|procedure|record|public|internal|confidential)",
        "(8\\.6\\.1|8\\.6|5\\.2|99\\.9|iso27001:2022:A\\.5\\.1|iso9:1:2|8\\.6\\.1\\.2)",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "id", "title", "type", "owner", "status", "version", "clauses", "approved_by", "approved_on",
            "last_reviewed", "review_interval", "next_review", "provides", "related", "supersedes", "tags",
            "confidentiality",
        ])
        .prop_map(str::to_string),
        1 => "[a-z_][a-z0-9_]{0,8}",
        1 => "\\PC{1,6}",
    ]
}

/// One front-matter line: mostly `key: value`, sometimes list items,
/// comments, tabs, bad indentation or TOML syntax.
fn fm_line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (key(), scalar()).prop_map(|(k, v)| format!("{k}: {v}")),
        1 => scalar().prop_map(|v| format!("  - {v}")),
        1 => (key(), scalar()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => (key(), scalar()).prop_map(|(k, v)| format!("\t{k}: {v}")),
        1 => (key(), scalar()).prop_map(|(k, v)| format!("   {k}: {v}")),
        1 => "#[^\n]{0,10}",
        1 => Just(String::new()),
        1 => Just("---".to_string()),
    ]
}

/// A document: a front-matter block (YAML, TOML, unclosed or none) and a
/// body, joined with `\n` or `\r\n`, perhaps with a BOM.
fn document() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["---", "+++", "---", "---", ""]),
        prop::collection::vec(fm_line(), 0..12),
        prop::sample::select(vec!["---", "+++", "...", "", "---"]),
        body(),
        any::<bool>(),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(open, lines, close, body, crlf, bom)| {
            let mut s = String::new();
            if bom {
                s.push('\u{feff}');
            }
            if !open.is_empty() {
                s.push_str(open);
                s.push('\n');
                for l in lines {
                    s.push_str(&l);
                    s.push('\n');
                }
                if !close.is_empty() {
                    s.push_str(close);
                    s.push('\n');
                }
            }
            s.push_str(&body);
            if crlf {
                s = s.replace('\n', "\r\n");
            }
            s
        })
}

/// A valid front matter for document `i` of `n`, with generated optional
/// fields, so that bodies reach the link checker and the renderer.
fn valid_front_matter(i: usize, n: usize) -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["record", "report", "form", "other", "service", "agreement"]),
        prop::sample::select(vec!["draft", "approved", "retired"]),
        prop::option::of(prop::sample::select(vec![
            "8.6.1", "8.6", "5.2", "8.2.4", "8.6.1.2", "7.5.3",
        ])),
        prop::option::of("[A-Za-z<>&\" ]{1,12}"),
        prop::option::of(0..n),
        prop::option::of(prop::sample::select(vec!["2026-01-15", "2025-06-30", "2026-05-20"])),
        prop::option::of(prop::sample::select(vec!["12 months", "6 weeks", "1 year", "90 days"])),
        "[A-Za-z0-9 <>&'.,-]{1,20}",
    )
        .prop_map(move |(ty, status, clause, owner, related, reviewed, interval, title)| {
            let mut s = format!("---\nid: REC-{i}\ntitle: {title:?}\ntype: {ty}\nstatus: {status}\n");
            if let Some(c) = clause {
                s.push_str(&format!("clauses: [\"{c}\"]\n"));
            }
            if let Some(o) = owner {
                s.push_str(&format!("owner: {o:?}\n"));
            }
            if let Some(r) = related {
                s.push_str(&format!("related: [REC-{r}]\n"));
            }
            if let Some(d) = reviewed {
                s.push_str(&format!("last_reviewed: {d}\n"));
            }
            if let Some(iv) = interval {
                s.push_str(&format!("review_interval: {iv}\n"));
            }
            s.push_str("---\n");
            s
        })
}

/// Markdown built from the constructs handbooks use (and some they
/// should not), without raw HTML so that every tag in the output is one
/// smsdoc or pulldown-cmark wrote.
fn body() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        "[A-Za-z0-9 .,;:!?()&'\"]{0,40}",
        "[A-Za-z0-9 .,;:!?()*_`#\\[\\]|~&\\\\-]{0,40}",
        "#{1,7} [A-Za-z &*`_\\[\\]]{0,20}( \\{#[a-z-]{1,8}\\})?",
        "[-*+] [A-Za-z *_]{0,20}",
        "[0-9]{1,3}[.)] [A-Za-z ]{0,20}",
        ">{1,4} [A-Za-z ]{0,20}",
        "( {0,6})[-*] ?\\[[ x]\\] [a-z ]{0,10}",
        "\\*\\*?[A-Za-z ]{0,10}\\*?\\*?",
        "~~[a-z ]{0,10}~~",
        "`{1,3}[a-z <>&]{0,10}`{0,3}",
        "```(rust|yaml|toml|sh|nosuchlang|)\n[a-z0-9 (){};:=<>&\"\n]{0,40}\n(```)?",
        "\n```(rust|yaml|html|)\n[a-z0-9 (){};:=<>/&\"\n]{0,40}\n```\n",
        "    [a-z <>&]{0,20}",
        "\\| ?[a-z]{0,4} ?\\| ?[a-z]{0,4} ?\\|\n\\|[-:]{1,4}\\|[-:]{1,4}\\|\n\\| [a-z*`]{0,6} \\| [0-9]{0,3} \\|",
        "\\[[a-z <>&]{0,10}\\]\\((b\\.md|\\./a\\.md|\\.\\./x\\.md|#[a-z-]{0,8}|https://ex\\.org/[a-z]{0,5}|mailto:a@b|img/[a-z]{1,5}\\.png|%2e%2e/x|/abs|)(#[a-z-]{0,8})?( \"[a-z<>&]{0,5}\")?\\)",
        "!\\[[a-z]{0,6}\\]\\([a-z/.]{0,12}\\)",
        "\\[\\[(REC-[0-9]|POL-1|clause:[0-9.]{1,6}|clause:iso27001:2022:A\\.5\\.1|)(#[a-z-]{0,8})?(\\|[A-Za-z <>&]{0,8})?\\]\\]",
        "\\[\\^[0-9a-z]{1,3}\\]",
        "\\[\\^[0-9a-z]{1,3}\\]: [a-z ]{0,10}",
        "\\[[a-z]{1,4}\\]: (b\\.md|https://ex\\.org)",
        "(---|\\*\\*\\*|___)",
        "[A-Za-z]{1,10}\\\\",
        "&(amp|lt|#60|#x3C|nosuch|);",
        "\\PC{0,16}",
    ];
    prop::collection::vec((fragment, prop::sample::select(vec!["\n", "\n\n", " ", ""])), 0..24).prop_map(|parts| {
        let mut s = String::new();
        for (f, sep) in parts {
            // Raw HTML is passed through on purpose; keep it out so the
            // output's tags are all smsdoc's own. Fenced code on its own
            // lines keeps its `<`: it must come out escaped.
            if f.starts_with("\n```") {
                s.push_str(&f);
            } else {
                s.push_str(&f.replace('<', "&lt;"));
            }
            s.push_str(sep);
        }
        s
    })
}

// ---------------------------------------------------------------- checks

/// Elements without an end tag in HTML.
const VOID: [&str; 6] = ["img", "br", "hr", "input", "meta", "link"];

/// Checks that every start tag has its end tag, properly nested; returns
/// the problem otherwise. Attribute values never contain `>` (they are
/// escaped), which this scanner relies on.
fn well_formed(html: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let tag = &rest[at + 1..];
        let end = tag
            .find('>')
            .ok_or_else(|| format!("unterminated tag at …{}", &tag[..tag.len().min(40)]))?;
        let inner = &tag[..end];
        rest = &tag[end + 1..];
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}; open: {stack:?}")),
            }
            continue;
        }
        let name: String = inner.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if name.is_empty() {
            return Err(format!("`<` that starts no tag: <{}", &inner[..inner.len().min(40)]));
        }
        if VOID.contains(&name.as_str()) || inner.ends_with('/') {
            continue;
        }
        stack.push(name);
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

/// A resolver whose link texts contain markup: it must come out escaped.
struct Hostile;

impl LinkResolver for Hostile {
    fn resolve(&self, dest: &str, wiki: bool, _image: bool) -> Resolved {
        Resolved {
            href: format!("/x/{dest}\"><script>"),
            text: wiki.then(|| format!("<b>Title</b> & \"{dest}\"")),
            target: LinkTarget::External,
            anchor: None,
            problem: None,
        }
    }
}

fn config(root: &Path) -> Config {
    Config::with_defaults(root, "Property <Handbook> & Co")
}

fn opts() -> BuildOptions {
    BuildOptions {
        today: "2026-06-01".parse().expect("date"),
        drafts: true,
    }
}

/// Every file of the site rendered in memory.
fn render(site: &Site) -> BTreeMap<String, Vec<u8>> {
    let templates = smsdoc::templates::Templates::load(site.config()).expect("built-in templates load");
    let files = render_in_memory(site, &templates).expect("site renders");
    let mut out = BTreeMap::new();
    for f in files {
        let bytes = match f.data {
            smsdoc::layout::FileData::Bytes(b) => b,
            smsdoc::layout::FileData::Copy(p) => std::fs::read(&p).expect("asset"),
        };
        assert!(out.insert(f.path.clone(), bytes).is_none(), "{} rendered twice", f.path);
    }
    out
}

fn first_difference(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Option<String> {
    if a.keys().ne(b.keys()) {
        return Some(format!(
            "file lists differ: {:?} vs {:?}",
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>()
        ));
    }
    a.iter().find(|(k, v)| b[*k] != **v).map(|(k, v)| {
        let w = &b[k];
        let at = v
            .iter()
            .zip(w.iter())
            .position(|(x, y)| x != y)
            .unwrap_or(v.len().min(w.len()));
        let ctx = |s: &[u8]| String::from_utf8_lossy(&s[at.saturating_sub(80)..(at + 80).min(s.len())]).into_owned();
        format!("{k} differs at byte {at}:\n  {}\n  {}", ctx(v), ctx(w))
    })
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(PtConfig { cases: 256, failure_persistence: None, ..PtConfig::default() })]

    /// Splitting and parsing front matter never panics, and every error
    /// points at a line of the file.
    #[test]
    fn front_matter_never_panics(text in document()) {
        if let Ok(Some(split)) = smsdoc::frontmatter::split(&text) {
            prop_assert!(split.body_offset <= text.len());
            prop_assert!(text.is_char_boundary(split.body_offset));
            if let Err(e) = smsdoc::frontmatter::parse(&split) {
                let lines = text.lines().count().max(1);
                prop_assert!(e.pos.line >= 1 && e.pos.line <= lines + 1, "{e:?} in a file of {lines} lines");
                prop_assert!(!e.message.is_empty() && !e.help.is_empty());
            }
        } else if let Err(e) = smsdoc::frontmatter::split(&text) {
            prop_assert!(e.pos.line >= 1);
        }
    }

    /// Validating a document never panics; every diagnostic names the file
    /// and a position inside it.
    #[test]
    fn documents_validate_without_panics(text in document()) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = config(tmp.path());
        let cats = Catalogues::load(&config).expect("built-in catalogues");
        let file = PathBuf::from("docs/p.md");
        let (doc, diags) = smsdoc::content::parse_document(
            &config, &cats, tmp.path().join(&file), file.clone(), PathBuf::from("p.md"), text.clone(),
        );
        let lines = text.lines().count().max(1);
        for d in &diags {
            prop_assert_eq!(d.file.as_deref(), Some(file.as_path()));
            prop_assert!(d.line >= 1 && d.line <= lines + 1, "{} at line {} of {}", d.message, d.line, lines);
            prop_assert!(d.column >= 1, "{} at column {}", d.message, d.column);
        }
        if let Some(doc) = doc {
            prop_assert!(smsdoc::content::valid_id(&doc.id));
            prop_assert!(!doc.title.is_empty());
            let body_found = text.contains(doc.body());
            prop_assert!(body_found, "the body is a part of the file");
        } else {
            prop_assert!(diags.iter().any(|d| d.is_error()), "a document was dropped without an error");
        }
    }

    /// Rendering Markdown never panics, emits balanced, properly nested
    /// tags, escapes what resolvers return, and is deterministic.
    #[test]
    fn markdown_renders_well_formed_html(body in body(), title in "[A-Za-z ]{0,10}") {
        let r = markdown::render(&body, &title, &Hostile, true);
        if let Err(e) = well_formed(&r.html) {
            return Err(TestCaseError::fail(format!("{e}\n--- markdown\n{body}\n--- html\n{}", r.html)));
        }
        prop_assert!(!r.html.contains("<script>"), "unescaped resolver output:\n{}", r.html);
        prop_assert!(!r.html.contains("<b>"), "unescaped link text:\n{}", r.html);
        prop_assert_eq!(r.html.matches("<a ").count(), r.html.matches("</a>").count());
        // Ids are unique: anchors can be linked to.
        let mut ids = r.anchors.clone();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), r.anchors.len(), "duplicate heading ids {:?}", r.anchors);
        // The scan used by `check` sees the same links and anchors.
        let scan = markdown::render(&body, &title, &Hostile, false);
        prop_assert!(scan.html.is_empty());
        prop_assert_eq!(&scan.anchors, &r.anchors);
        prop_assert_eq!(scan.links.len(), r.links.len());
        let again = markdown::render(&body, &title, &Hostile, true);
        prop_assert_eq!(&again.html, &r.html);
        for l in &r.links {
            prop_assert!(l.offset <= body.len());
        }
    }
}

proptest! {
    #![proptest_config(PtConfig { cases: 24, failure_persistence: None, ..PtConfig::default() })]

    /// A whole generated handbook loads and renders without panics, every
    /// document page body is well-formed, and building it twice gives a
    /// byte-identical site.
    #[test]
    fn sites_build_deterministically(
        docs in (1usize..6).prop_flat_map(|n| {
            (0..n).map(|i| (valid_front_matter(i, n), body())).collect::<Vec<_>>()
        }),
        broken in prop::collection::vec(document(), 0..2),
    ) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        let dirs = ["", "policies/", "procedures/deep/"];
        for (i, (fm, body)) in docs.iter().enumerate() {
            let path = root.join(format!("docs/{}r{i}.md", dirs[i % dirs.len()]));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, format!("{fm}{body}")).expect("write");
        }
        for (i, text) in broken.iter().enumerate() {
            std::fs::write(root.join(format!("docs/broken{i}.md")), text).expect("write");
        }
        std::fs::create_dir_all(root.join("docs/img")).expect("mkdir");
        std::fs::write(root.join("docs/img/a.png"), b"\x89PNG").expect("write");
        let a = Site::load(config(root), opts()).expect("site loads");
        let b = Site::load(config(root), opts()).expect("site loads");
        let da: Vec<String> = a.diags().iter().map(|d| format!("{d:?}")).collect();
        let db: Vec<String> = b.diags().iter().map(|d| format!("{d:?}")).collect();
        prop_assert_eq!(da, db, "diagnostics differ between two loads");
        for i in a.docs().ids() {
            let html = a.doc_html(i);
            if let Err(e) = well_formed(&html) {
                return Err(TestCaseError::fail(format!("{}: {e}\n{html}", a.docs()[i].file.display())));
            }
        }
        let (fa, fb) = (render(&a), render(&b));
        if let Some(diff) = first_difference(&fa, &fb) {
            return Err(TestCaseError::fail(diff));
        }
        for (path, bytes) in &fa {
            prop_assert!(std::str::from_utf8(bytes).is_ok() || path.ends_with(".png"), "{path} is not UTF-8");
        }
    }
}

// ---------------------------------------------------------------- whole builds

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = entry.path();
            if entry.file_type().expect("type").is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p
                    .strip_prefix(base)
                    .expect("prefix")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn build(bin: &Path, cwd: &Path, args: &[&str]) {
    let out = std::process::Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run smsdoc");
    assert!(
        out.status.success(),
        "smsdoc {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read dir").flatten() {
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            if entry.file_name() != "public" {
                copy_dir(&entry.path(), &to);
            }
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

/// Two separate processes (different hash seeds, thread timings, working
/// directories and output folders) build the example handbook into
/// byte-identical sites.
#[test]
fn two_builds_of_the_example_handbook_are_byte_identical() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-sms");
    let tmp = tempfile::tempdir().expect("tempdir");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two/elsewhere"));
    copy_dir(&example, &one);
    copy_dir(&example, &two);
    // A private copy of the binary: the same program for every build even
    // if target/ is rebuilt meanwhile.
    let bin = tmp.path().join("smsdoc");
    std::fs::copy(env!("CARGO_BIN_EXE_smsdoc"), &bin).expect("copy the binary");
    build(&bin, &one, &["build", "--quiet", "--today", "2026-06-01"]);
    build(
        &bin,
        tmp.path(),
        &[
            "build",
            "--quiet",
            "--today",
            "2026-06-01",
            "--root",
            "two/elsewhere",
            "--out",
            "site-b",
        ],
    );
    let a = snapshot(&one.join("public"));
    let b = snapshot(&tmp.path().join("site-b"));
    assert!(a.len() > 20, "only {} files", a.len());
    if let Some(diff) = first_difference(&a, &b) {
        panic!("two builds differ: {diff}");
    }
    // And a rebuild over the first site changes nothing.
    build(&bin, &one, &["build", "--quiet", "--today", "2026-06-01"]);
    if let Some(diff) = first_difference(&a, &snapshot(&one.join("public"))) {
        panic!("a rebuild differs: {diff}");
    }
}

#[test]
fn the_well_formedness_checker_works() {
    assert!(well_formed("<p>a <em>b</em> <img src=\"x\" /></p><hr />").is_ok());
    assert!(well_formed("<p><em>b</p></em>").is_err());
    assert!(well_formed("<ul><li>x</ul>").is_err());
    assert!(well_formed("<p>x").is_err());
}
