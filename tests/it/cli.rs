//! The foundation: a valid handbook builds into the pages the SPEC lists;
//! every diagnostic code is produced by a real fixture at the right file,
//! line and column; configuration errors, atomic output, template
//! overrides, sub-path base URLs, BOM/CRLF input, root discovery and the
//! small commands behave as documented.

use crate::common::*;
use serde_json::Value;

// ---------------------------------------------------------------------------
// A valid handbook, built
// ---------------------------------------------------------------------------

fn built_handbook() -> Handbook {
    let hb = Handbook::fixture("handbook");
    let r = hb.run(&["build", "--today", TODAY]).expect(0);
    assert!(
        r.stderr.contains("built 3 documents in "),
        "summary line missing:\n{}",
        r.stderr
    );
    hb
}

#[test]
fn build_writes_every_page_and_export_of_the_spec() {
    let hb = built_handbook();
    for f in [
        "public/index.html",
        "public/policies/service-management-policy/index.html",
        "public/procedures/incident-management/index.html",
        "public/records/service-register/index.html",
        "public/register/index.html",
        "public/coverage/index.html",
        "public/reviews/index.html",
        "public/clauses/index.html",
        "public/clauses/8.6.1/index.html",
        "public/search/index.html",
        "public/print/index.html",
        "public/404.html",
        "public/coverage.csv",
        "public/coverage.json",
        "public/register.csv",
        "public/register.json",
        "public/reviews.ics",
        "public/sitemap.xml",
        "public/static/highlight.css",
        // assets are copied verbatim, static/ goes to the output root
        "public/assets/flow.svg",
        "public/robots.txt",
    ] {
        assert!(hb.exists(f), "{f} was not written");
    }
    assert_eq!(hb.read("public/assets/flow.svg"), hb.read("docs/assets/flow.svg"));
    assert_eq!(hb.read("public/robots.txt"), "User-agent: *\nDisallow: /\n");
    // Sources never end up in the output.
    assert!(!hb.exists("public/policies/service-management-policy.md"));
    check_xml(&hb.read("public/sitemap.xml")).expect("sitemap.xml is well-formed");
}

#[test]
fn document_page_has_the_metadata_panel() {
    let hb = built_handbook();
    let html = hb.read("public/policies/service-management-policy/index.html");
    let panel = between(&html, "<aside", "</aside>");
    let text = text_of(panel);
    for want in [
        "ID POL-001",
        "Type Policy",
        "Owner SMS Manager",
        "Status ✓ Approved",
        "Version 3.1",
        "Approved Managing Director, 2026-01-15",
        "Last review 2026-01-15",
        "Next review ✓ 2027-01-15",
        "Clauses 5.2.1 5.2.2",
        "Classification Public",
    ] {
        assert!(text.contains(want), "metadata panel lacks {want:?}:\n{text}");
    }
    // Clauses are links to their clause pages.
    let hrefs = attr_values(panel, "href");
    assert!(hrefs.contains(&"/clauses/5.2.1/".to_string()), "{hrefs:?}");
    assert!(hrefs.contains(&"/clauses/5.2.2/".to_string()), "{hrefs:?}");
    // The leading `# Title` repeating the front matter title is not shown twice.
    assert_eq!(html.matches("<h1").count(), 1, "{html}");

    let proc_html = hb.read("public/procedures/incident-management/index.html");
    let text = text_of(between(&proc_html, "<aside", "</aside>"));
    assert!(text.contains("Classification Confidential"), "{text}");
    assert!(text.contains("Approved Head of Operations, 2026-02-01"), "{text}");
    assert!(text.contains("Owner Service Desk Manager"), "{text}");

    // A draft says so.
    let draft = hb.read("public/records/service-register/index.html");
    assert!(
        text_of(&draft).contains("Draft. This document is not approved"),
        "no draft banner"
    );
    assert!(!text_of(&html).contains("Draft. This document is not approved"));
}

#[test]
fn code_is_highlighted_with_prefixed_classes_and_no_inline_style() {
    let hb = built_handbook();
    let html = hb.read("public/procedures/incident-management/index.html");
    let body = between(
        &html,
        "<pre class=\"code hl\" tabindex=\"0\"><code class=\"language-rust\">",
        "</pre>",
    );
    assert!(body.contains("class=\"hl-"), "no hl- classes in\n{body}");
    let classes: Vec<String> = attr_values(body, "class");
    assert!(classes.len() > 3, "{classes:?}");
    for c in &classes {
        for word in c.split_whitespace() {
            assert!(
                word.starts_with("hl-") || word.starts_with("language-") || word == "code" || word == "hl",
                "unprefixed class {word:?}"
            );
        }
    }
    assert!(!html.contains(" style=\""), "inline style in the page");
    // Unknown languages are plain, escaped text.
    assert!(
        html.contains("<code class=\"language-nosuchlang\">plain &lt;text&gt; &amp; more"),
        "{html}"
    );
    assert!(hb.read("public/static/highlight.css").contains(".hl-"));
}

#[test]
fn table_of_contents_lists_the_headings_in_order() {
    let hb = built_handbook();
    let html = hb.read("public/procedures/incident-management/index.html");
    let toc = between(&html, "<nav class=\"toc\"", "</nav>");
    assert_eq!(
        attr_values(toc, "href"),
        vec!["#purpose", "#escalation", "#priorities", "#closure"]
    );
    for id in ["purpose", "escalation", "priorities", "closure"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "heading #{id} missing");
    }
    // Tables from the body are real tables.
    assert!(html.contains("<table>") && html.contains("<td>P1</td>"));
}

#[test]
fn register_lists_every_document_in_order_with_its_control_data() {
    let hb = built_handbook();
    let html = hb.read("public/register/index.html");
    let tbody = between(&html, "<tbody>", "</tbody>");
    let rows: Vec<String> = tbody
        .split("<tr")
        .skip(1)
        .map(|r| text_of(&r[r.find('>').unwrap() + 1..]))
        .collect();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows[0].starts_with("POL-001 Service management policy policy SMS Manager ✓ Approved 3.1 5.2.1 5.2.2 2026-01-15 Managing Director 2026-01-15"), "{}", rows[0]);
    assert!(
        rows[1]
            .starts_with("PRO-001 Incident management procedure procedure Service Desk Manager ✓ Approved 2.0 8.6.1"),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains("2026-08-01"), "6-month interval: {}", rows[1]);
    assert!(
        rows[2].starts_with("REC-001 Service register record ✎ Draft 0.9"),
        "{}",
        rows[2]
    );

    let reg: Value = serde_json::from_str(&hb.read("public/register.json")).expect("register.json");
    let ids: Vec<&str> = reg["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["POL-001", "PRO-001", "REC-001"]);
    assert_eq!(reg["documents"][1]["next_review"], "2026-08-01");
    let csv = hb.read("public/register.csv");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("id,title,type,owner,status,version"));
}

// ---------------------------------------------------------------------------
// One fixture per diagnostic code
// ---------------------------------------------------------------------------

/// Runs `check --format json` on `diag-<name>` and returns (exit, report).
fn check_fixture(name: &str) -> (i32, Value) {
    Handbook::fixture(name).check_json(TODAY, &[])
}

#[test]
fn diag_config_unknown_key_stops_the_run_with_line_and_column() {
    let hb = Handbook::fixture("diag-config");
    for args in [&["check"][..], &["build"][..], &["check", "--format", "json"][..]] {
        let r = hb.run(args).expect(2);
        assert!(r.stderr.contains("error[config]"), "{}", r.stderr);
        assert!(r.stderr.contains("smsdoc.toml:4:1"), "{}", r.stderr);
        assert!(r.stderr.contains("unknown field `due_son`"), "{}", r.stderr);
        assert!(r.stderr.contains("did you mean `due_soon`?"), "{}", r.stderr);
    }
    assert!(!hb.exists("public"), "a configuration error must not write a site");
}

#[test]
fn diag_config_wrong_type_and_bad_values_are_located() {
    let hb = Handbook::fixture("diag-config");
    hb.write("smsdoc.toml", "title = \"T\"\nbase_url = \"/\"\ncontent_dir = 7\n");
    let r = hb.run(&["check"]).expect(2);
    assert!(r.stderr.contains("smsdoc.toml:3:15"), "{}", r.stderr);
    hb.write(
        "smsdoc.toml",
        "title = \"T\"\n\n[check]\nfail_on = [\"error\", \"warnings\"]\n",
    );
    let r = hb.run(&["check"]).expect(2);
    assert!(r.stderr.contains("smsdoc.toml:4:21"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown severity `warnings`"), "{}", r.stderr);
    hb.write(
        "smsdoc.toml",
        // The same text as the title: located by where the value is, not
        // by searching for it.
        "title = \"iso27001:2021\"\nstandards = [\"iso20000-1:2018\", \"iso27001:2021\"]\n",
    );
    let r = hb.run(&["check"]).expect(2);
    assert!(r.stderr.contains("unknown standard `iso27001:2021`"), "{}", r.stderr);
    assert!(r.stderr.contains("smsdoc.toml:2:33"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `iso27001:2022`?"), "{}", r.stderr);
}

#[test]
fn a_missing_content_dir_or_theme_folder_is_a_configuration_error() {
    let hb = Handbook::fixture("diag-config");
    hb.write("smsdoc.toml", "title = \"T\"\ncontent_dir = \"documents\"\n");
    for cmd in ["check", "build"] {
        let r = hb.run(&[cmd]).expect(2);
        assert!(r.stderr.contains("error[config]"), "{}", r.stderr);
        assert!(
            r.stderr.contains("content directory documents does not exist"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("set content_dir"), "{}", r.stderr);
    }
    hb.write("smsdoc.toml", "title = \"T\"\ntheme = \"themes/corporate\"\n");
    for cmd in ["check", "build"] {
        let r = hb.run(&[cmd]).expect(2);
        assert!(r.stderr.contains("error[config]"), "{}", r.stderr);
        assert!(r.stderr.contains("theme `themes/corporate` is neither"), "{}", r.stderr);
    }
    assert!(!hb.exists("public"), "a configuration error must not write a site");
}

/// Each `diag-*` fixture whose findings `check` reports (the others stop
/// the run or need a build: tested below), as `check --format json` at a
/// fixed date, exit code included: file, line, column, message and help of
/// every finding, pinned in `tests/it/snapshots/check-<fixture>.snap`.
#[test]
fn diag_fixtures_report_exactly_their_findings() {
    let cases = [
        ("diag-front-matter", 1),
        ("diag-missing-field", 1),
        ("diag-invalid-field", 1),
        ("diag-duplicate-id", 1),
        ("diag-unknown-clause", 1),
        ("diag-clause-too-deep", 0),
        ("diag-broken-link", 1),
        ("diag-broken-anchor", 1),
        ("diag-reviews", 0),
        ("diag-coverage", 0),
        ("diag-io", 1),
        ("diag-approvals", 0),
        ("diag-records", 1),
    ];
    let on_disk: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("diag-") && !matches!(n.as_str(), "diag-config" | "diag-template"))
        .collect();
    for name in &on_disk {
        assert!(cases.iter().any(|(c, _)| c == name), "{name} has no case here");
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (fixture, expected) in cases {
            let (code, mut report) = check_fixture(fixture);
            assert_eq!(code, expected, "{fixture}: {report:#}");
            // The handbook-wide coverage findings of the built-in catalogue
            // are the same for every small fixture; only diag-coverage (a
            // catalogue of its own) is about them.
            if fixture != "diag-coverage" {
                if let Some(list) = report["diagnostics"].as_array_mut() {
                    list.retain(|d| !d["file"].is_null());
                }
                report["coverage"] = Value::Null;
            }
            insta::assert_json_snapshot!(format!("check-{fixture}"), report);
        }
    });
}

#[test]
fn diag_clause_too_deep_warns_and_counts_for_the_parent() {
    let hb = Handbook::fixture("diag-clause-too-deep");
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0, "a warning alone does not fail");
    let d = one(&v, "clause-too-deep");
    assert_at(&d, "warning", "docs/p.md", 8, 11);
    assert!(d["message"].as_str().unwrap().contains("counts for 8.6.1"), "{d}");
    assert_eq!(v["coverage"]["covered"], 1);
    hb.run(&["build", "--today", TODAY]).expect(0);
    let cov: Value = serde_json::from_str(&hb.read("public/coverage.json")).unwrap();
    let c = cov["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == "8.6.1")
        .unwrap();
    assert_eq!(c["status"], "covered");
    assert_eq!(c["documents"][0]["id"], "PRO-001");
    let (code, _) = hb.check_json(TODAY, &["--strict"]);
    assert_eq!(code, 1, "--strict fails on the warning");
}

#[test]
fn diag_template_broken_override() {
    let hb = Handbook::fixture("diag-template");
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1, "check must catch a template that would break the build");
    let d = one(&v, "template");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "templates/page.html");
    assert_eq!(d["line"], 5);
    let r = hb.run(&["build", "--today", TODAY]).expect(1);
    assert!(r.stderr.contains("templates/page.html:5"), "{}", r.stderr);
    assert!(!hb.exists("public"), "nothing is written");
}

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

#[test]
fn missing_config_exits_2_with_a_hint_to_init() {
    let hb = Handbook::empty();
    for args in [&["check"][..], &["build"][..], &["export", "register"][..]] {
        let r = hb.run(args).expect(2);
        assert!(r.stderr.contains("no smsdoc.toml"), "{}", r.stderr);
        assert!(r.stderr.contains("smsdoc init"), "{}", r.stderr);
    }
    let r = hb.run(&["--root", "nowhere", "check"]).expect(2);
    assert!(r.stderr.contains("is not a folder"), "{}", r.stderr);
}

#[test]
fn unknown_config_key_is_reported_with_line_and_column() {
    let hb = Handbook::fixture("handbook");
    hb.write("smsdoc.toml", "title = \"T\"\n\n[check]\n  strikt = true\n");
    let r = hb.run(&["build"]).expect(2);
    assert!(r.stderr.contains("smsdoc.toml:4:3"), "{}", r.stderr);
    assert!(r.stderr.contains("strikt"), "{}", r.stderr);
    hb.write("smsdoc.toml", "titel = \"T\"\n");
    let r = hb.run(&["check"]).expect(2);
    assert!(r.stderr.contains("smsdoc.toml:1:1"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `title`?"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// Output safety
// ---------------------------------------------------------------------------

#[test]
fn failed_build_leaves_the_previous_site_byte_for_byte() {
    let hb = Handbook::fixture("handbook");
    hb.run(&["build", "--today", TODAY]).expect(0);
    let out = hb.path("public");
    let before = hashes(&out);
    assert!(before.len() > 20, "{before:?}");

    // A broken link: the build fails in checking.
    let policy = hb.read("docs/policies/service-management-policy.md");
    hb.write(
        "docs/policies/service-management-policy.md",
        format!("{policy}\nSee [[NOPE-001]].\n"),
    );
    let r = hb.run(&["build", "--today", "2026-09-01"]).expect(1);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert_eq!(hashes(&out), before, "the failed build changed the previous output");

    // A broken template: the build fails while rendering.
    hb.write("docs/policies/service-management-policy.md", policy);
    hb.write(
        "templates/register.html",
        "{% extends \"base.html\" %}{% block content %}{{ nope | nosuchfilter }}{% endblock content %}",
    );
    let r = hb.run(&["build", "--today", "2026-09-01"]).expect(1);
    assert!(r.stderr.contains("error[template]"), "{}", r.stderr);
    assert_eq!(hashes(&out), before, "the failed render changed the previous output");

    // Warnings with --strict: nothing is written either.
    std::fs::remove_file(hb.path("templates/register.html")).unwrap();
    hb.run(&["build", "--strict", "--today", "2026-09-01"]).expect(1);
    assert_eq!(hashes(&out), before);

    // No staging leftovers next to the output.
    let siblings: Vec<String> = std::fs::read_dir(&hb.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect();
    assert!(siblings.is_empty(), "{siblings:?}");

    // And a good build replaces it (the date moved, so pages differ).
    hb.run(&["build", "--today", "2026-09-01"]).expect(0);
    assert_ne!(hashes(&out), before);
}

#[test]
fn user_template_overrides_the_theme_by_name() {
    let hb = Handbook::fixture("handbook");
    hb.write(
        "templates/page.html",
        "{% extends \"base.html\" %}{% block content %}<div class=\"custom-page\">CUSTOM {{ page.id }}{% if page.extra.owner_email %}; mail {{ page.extra.owner_email }}{% endif %}</div>{{ page.content | safe }}{% endblock content %}",
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let html = hb.read("public/policies/service-management-policy/index.html");
    assert!(
        html.contains("<div class=\"custom-page\">CUSTOM POL-001; mail sms@acme.example</div>"),
        "{html}"
    );
    assert!(!html.contains("Document control"), "the theme's page.html was used");
    // Other pages still come from the theme, with the same base.
    let reg = hb.read("public/register/index.html");
    assert!(reg.contains("Document register") && !reg.contains("custom-page"));
}

#[test]
fn base_url_sub_path_prefixes_every_internal_href_and_src() {
    let hb = Handbook::fixture("handbook");
    hb.run(&["build", "--today", TODAY, "--base-url", "/sub/dir/"])
        .expect(0);
    let files = snapshot(&hb.path("public"));
    let mut checked = 0;
    for (path, bytes) in &files {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for attr in ["href", "src", "action"] {
            for v in attr_values(&html, attr) {
                if v.starts_with('#')
                    || v.starts_with("https://")
                    || v.starts_with("http://")
                    || v.starts_with("mailto:")
                {
                    continue;
                }
                assert!(
                    v.starts_with("/sub/dir/"),
                    "{}: {attr}=\"{v}\" ignores the base URL",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} links checked");
    let html = hb.read("public/policies/service-management-policy/index.html");
    assert!(html.contains("src=\"/sub/dir/assets/flow.svg\""), "{html}");
    assert!(html.contains("href=\"/sub/dir/procedures/incident-management/\""));
    assert!(html.contains("href=\"/sub/dir/records/service-register/\""));
    let cov: Value = serde_json::from_str(&hb.read("public/coverage.json")).unwrap();
    let c = cov["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == "8.6.1")
        .unwrap();
    assert_eq!(c["documents"][0]["url"], "/sub/dir/procedures/incident-management/");
    assert!(hb.read("public/sitemap.xml").contains("<loc>/sub/dir/register/</loc>"));
    // A base without the trailing slash means the same.
    hb.run(&["build", "--today", TODAY, "--base-url", "/sub/dir"]).expect(0);
    assert_eq!(snapshot(&hb.path("public")), files);
}

// ---------------------------------------------------------------------------
// Input robustness
// ---------------------------------------------------------------------------

#[test]
fn bom_and_crlf_files_are_accepted() {
    let hb = Handbook::fixture("handbook");
    hb.write(
        "docs/records/bom-crlf.md",
        "\u{feff}---\r\nid: REC-002\r\ntitle: BOM and CRLF\r\ntype: record\r\nstatus: approved\r\nclauses: [\"8.2.4\"]\r\napproved_by: Quality Manager\r\napproved_on: 2026-01-10\r\n---\r\n## First heading\r\n\r\nSee [[POL-001]] and [below](#second).\r\n\r\n## Second\r\n\r\nText.\r\n",
    );
    hb.write(
        "smsdoc.toml",
        format!("\u{feff}{}", hb.read("smsdoc.toml").replace('\n', "\r\n")),
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0, "{:#?}", findings(&v));
    assert!(findings(&v).is_empty(), "{:#?}", findings(&v));
    assert_eq!(v["documents"], 4);
    hb.run(&["build", "--today", TODAY]).expect(0);
    let html = hb.read("public/records/bom-crlf/index.html");
    assert!(html.contains("<h2 id=\"first-heading\">First heading</h2>"), "{html}");
    assert!(html.contains("href=\"#second\""));
    assert!(!html.contains('\u{feff}'));
    // Positions in a BOM + CRLF file are still right.
    hb.write(
        "docs/records/bom-crlf.md",
        "\u{feff}---\r\nid: REC-002\r\ntitle: BOM and CRLF\r\ntype: record\r\n---\r\nText [bad](#nowhere).\r\n",
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    assert_at(&one(&v, "broken-anchor"), "error", "docs/records/bom-crlf.md", 6, 6);
}

#[test]
fn front_matter_errors_point_at_the_offending_line() {
    let hb = Handbook::fixture("handbook");
    // Invalid date on line 7.
    hb.write(
        "docs/records/dates.md",
        "---\nid: REC-002\ntitle: Dates\ntype: record\nstatus: draft\nversion: \"1\"\nlast_reviewed: 2026-02-30\n---\nBody\n",
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let d = one(&v, "invalid-field");
    assert_at(&d, "error", "docs/records/dates.md", 7, 16);
    assert!(d["message"].as_str().unwrap().contains("2026-02-30"), "{d}");
    // The same in TOML front matter.
    hb.write(
        "docs/records/dates.md",
        "+++\nid = \"REC-002\"\ntitle = \"Dates\"\ntype = \"record\"\nstatus = \"draft\"\nversion = \"1\"\nlast_reviewed = \"2026-13-01\"\n+++\nBody\n",
    );
    let (_, v) = hb.check_json(TODAY, &[]);
    let d = one(&v, "invalid-field");
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64()),
        (Some("docs/records/dates.md"), Some(7)),
        "{d}"
    );
    // An unclosed front matter block, and a file without any.
    hb.write("docs/records/dates.md", "---\nid: REC-002\ntitle: Dates\n");
    let (_, v) = hb.check_json(TODAY, &[]);
    let d = one(&v, "front-matter");
    assert_at(&d, "error", "docs/records/dates.md", 1, 1);
    assert!(d["message"].as_str().unwrap().contains("never closed"), "{d}");
    hb.write("docs/records/dates.md", "# Just text\n");
    let (_, v) = hb.check_json(TODAY, &[]);
    assert!(one(&v, "front-matter")["message"]
        .as_str()
        .unwrap()
        .contains("no front matter"));
}

#[test]
fn root_is_found_upward_and_with_the_flag() {
    let hb = Handbook::fixture("handbook");
    let sub = hb.path("docs/procedures");
    let r = smsdoc(&sub, &["check", "--format", "json", "--today", TODAY]).expect(0);
    assert_eq!(r.json()["documents"], 3);
    let r = smsdoc(&sub, &["build", "--today", TODAY]).expect(0);
    assert!(r.stderr.contains("built 3 documents"), "{}", r.stderr);
    assert!(
        hb.exists("public/index.html"),
        "the output goes under the root, not the working directory"
    );
    assert!(!sub.join("public").exists());
    // --root from elsewhere, relative or absolute.
    let parent = hb.root.parent().unwrap();
    smsdoc(parent, &["--root", "handbook", "check", "--today", TODAY]).expect(0);
    smsdoc(
        parent,
        &["check", "--root", hb.root.to_str().unwrap(), "--today", TODAY],
    )
    .expect(0);
    // --out is relative to the working directory.
    smsdoc(
        parent,
        &["--root", "handbook", "build", "--out", "elsewhere", "--today", TODAY],
    )
    .expect(0);
    assert!(parent.join("elsewhere/index.html").is_file());
    // An output that would delete the sources is refused.
    let r = hb.run(&["build", "--out", "docs"]).expect(2);
    assert!(r.stderr.contains("overlaps"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// Small commands
// ---------------------------------------------------------------------------

#[test]
fn version_and_help() {
    let hb = Handbook::empty();
    let r = hb.run(&["--version"]).expect(0);
    assert_eq!(
        r.stdout.trim(),
        format!(
            "smsdoc {} (commit {})",
            env!("CARGO_PKG_VERSION"),
            env!("SMSDOC_COMMIT")
        )
    );
    // Built from this repository, the commit is its HEAD (build.rs reruns when HEAD moves).
    let manifest = env!("CARGO_MANIFEST_DIR");
    if std::env::var_os("SMSDOC_BUILD_COMMIT").is_none() {
        if let Ok(head) = std::process::Command::new("git")
            .args(["-C", manifest, "rev-parse", "--short=12", "HEAD"])
            .output()
        {
            if head.status.success() {
                let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
                assert_eq!(env!("SMSDOC_COMMIT"), head, "--version names another commit than HEAD");
            }
        }
    }
    let r = hb.run(&["--help"]).expect(0);
    for cmd in ["build", "check", "clauses", "export", "init"] {
        assert!(r.stdout.contains(cmd), "--help lacks {cmd}:\n{}", r.stdout);
    }
    let r = hb.run(&["check", "--help"]).expect(0);
    for opt in ["--today", "--strict", "--format", "--root", "--quiet"] {
        assert!(r.stdout.contains(opt), "check --help lacks {opt}:\n{}", r.stdout);
    }
    let r = hb.run(&["build", "--help"]).expect(0);
    for opt in ["--out", "--base-url", "--no-drafts"] {
        assert!(r.stdout.contains(opt), "build --help lacks {opt}:\n{}", r.stdout);
    }
    // Usage errors are exit 2.
    hb.run(&["check", "--format", "xml"]).expect(2);
    hb.run(&["check", "--today", "2026-02-30"]).expect(2);
    hb.run(&["frobnicate"]).expect(2);
}

#[test]
fn completions_and_man_page() {
    let hb = Handbook::empty();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef smsdoc"),
        ("fish", "complete -c smsdoc"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = hb.run(&["completions", shell]).expect(0);
        assert!(r.stdout.contains(marker), "{shell} completion lacks {marker:?}");
        for word in ["check", "serve", "today", "strict"] {
            assert!(r.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    hb.run(&["completions", "tcsh"]).expect(2);
    let r = hb.run(&["man"]).expect(0);
    assert!(
        r.stdout.starts_with(".ie") || r.stdout.contains(".TH smsdoc 1"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(env!("SMSDOC_COMMIT")), "man page lacks the version");
    for cmd in ["build", "check", "serve", "completions"] {
        assert!(r.stdout.contains(cmd), "man page lacks {cmd}");
    }
    let out = tempfile::tempdir().expect("tempdir");
    let dir = out.path().join("man1");
    hb.run(&["man", "--out", dir.to_str().expect("utf-8 path")]).expect(0);
    for page in ["smsdoc.1", "smsdoc-check.1", "smsdoc-serve.1", "smsdoc-completions.1"] {
        assert!(dir.join(page).is_file(), "man --out wrote no {page}");
    }
}

#[test]
fn clauses_prints_catalogues_and_required_keys() {
    let hb = Handbook::empty();
    let r = hb.run(&["clauses"]).expect(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("8.6.1 "))
        .expect("8.6.1 listed");
    assert!(line.contains("Incident management"), "{line}");
    assert!(r.stdout.contains("ISO/IEC 20000-1:2018"));
    let r = hb.run(&["clauses", "--standard", "iso27001:2022"]).expect(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("A.5.1 "))
        .expect("A.5.1 listed");
    assert!(line.contains("Policies for information security"), "{line}");
    assert!(!r.stdout.contains("Incident management\n"));
    let r = hb.run(&["clauses", "--required"]).expect(0);
    let line = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("sms-scope "))
        .expect("sms-scope listed");
    assert!(line.contains("Scope of the SMS"), "{line}");
    // Listed as they are counted: required, expected, catch-alls.
    let at = |s: &str| r.stdout.find(s).unwrap_or_else(|| panic!("{s} missing:\n{}", r.stdout));
    let (required, expected, catch_alls) = (at("Required ("), at("Expected ("), at("Catch-alls ("));
    assert!(required < at("major-incident-procedure") && at("major-incident-procedure") < expected);
    assert!(expected < at("service-budgets") && at("service-budgets") < catch_alls);
    assert!(catch_alls < at("required-procedures"));
    let r = hb.run(&["clauses", "--standard", "iso99999:2030"]).expect(2);
    assert!(r.stderr.contains("unknown standard"), "{}", r.stderr);
}

#[test]
fn no_internal_link_in_the_built_site_is_dead() {
    // Absolute with the configured "/", under a sub-path, and relative
    // (no base_url: the site works opened from disk).
    let hb = Handbook::fixture("handbook");
    for (args, base) in [
        (&["build", "--today", TODAY][..], Some("/")),
        (
            &["build", "--today", TODAY, "--base-url", "/sub/dir/"][..],
            Some("/sub/dir/"),
        ),
    ] {
        hb.run(args).expect(0);
        let dead = dead_links(&hb.path("public"), base);
        assert!(dead.is_empty(), "{args:?}:\n{}", dead.join("\n"));
    }
    // Drafts left out: nothing may point at their pages.
    hb.run(&["build", "--today", TODAY, "--no-drafts"]).expect(0);
    let dead = dead_links(&hb.path("public"), Some("/"));
    assert!(dead.is_empty(), "--no-drafts:\n{}", dead.join("\n"));
    for fixture in ["handbook", "links", "link-graph"] {
        let hb = Handbook::fixture(fixture);
        hb.write("smsdoc.toml", hb.read("smsdoc.toml").replace("base_url = \"/\"\n", ""));
        hb.run(&["build", "--today", TODAY]).expect(0);
        let dead = dead_links(&hb.path("public"), None);
        assert!(dead.is_empty(), "{fixture}, relative:\n{}", dead.join("\n"));
    }
}

#[test]
fn the_dead_link_checker_itself_finds_dead_links() {
    let hb = Handbook::empty();
    hb.write("public/index.html", "<a href=\"a/\">ok</a> <a href=\"a/#x\">ok</a> <a href=\"b/\">dead</a> <a href=\"a/#y\">no id</a> <img src=\"/abs.png\">");
    hb.write("public/a/index.html", "<h2 id=\"x\">X</h2>");
    let dead = dead_links(&hb.path("public"), None);
    assert_eq!(dead.len(), 3, "{dead:#?}");
    assert!(
        dead[0].contains("b/") && dead[1].contains("no id `y`") && dead[2].contains("absolute"),
        "{dead:#?}"
    );
}
