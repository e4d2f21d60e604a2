//! Cross-references (SPEC "Cross-references"): every link form resolves to
//! the exact URL, links in code stay literal, heading ids are unique, every
//! broken reference is an error at its line and column, and pages show
//! their backlinks, related and superseding documents.

use crate::common::*;

fn body(html: &str) -> &str {
    between(html, "<div class=\"doc__body\">", "<footer class=\"doc__links\">")
}

fn built(fixture: &str, extra: &[&str]) -> Handbook {
    let hb = Handbook::fixture(fixture);
    let mut args = vec!["build", "--today", TODAY];
    args.extend_from_slice(extra);
    hb.run(&args).expect(0);
    hb
}

#[test]
fn every_link_form_resolves_to_the_exact_href() {
    let hb = built("links", &[]);
    let html = hb.read("public/policies/policy/index.html");
    let b = body(&html);
    for want in [
        // [[ID]]: the title and id become the text
        "Bare id: <a href=\"/procedures/incident/\">Incident procedure (PRO-001)</a>.",
        // [[ID|custom]]
        "Custom text: <a href=\"/procedures/incident/\">the incident procedure</a>.",
        // [[ID#anchor]]
        "Anchor: <a href=\"/procedures/incident/#escalation\">Incident procedure (PRO-001)</a>.",
        // [[clause:…]]
        "Clause: <a href=\"/clauses/8.6.1/\">8.6.1 Incident management</a>.",
        // relative Markdown link with an anchor
        "Relative: <a href=\"/procedures/incident/#scope\">scope</a>.",
        // asset
        "Asset: <img src=\"/assets/flow.png\" alt=\"flow\" />.",
        // local anchor
        "Local: <a href=\"#purpose\">purpose</a>.",
        // external links are untouched
        "<a href=\"https://www.iso.org/standard/70636.html\">ISO</a>",
        "<a href=\"mailto:sms@example.com\">mail</a>",
        // links in code spans and fenced code are not links
        "Code span: <code>[[NOPE-001]]</code> and <code>[x](missing.md)</code>.",
        "[[NOPE-002]] [y](missing2.md)\n</code></pre>",
        // unicode and duplicate headings, explicit ids
        "<h2 id=\"überblick-ähnliches\">Überblick &amp; Ähnliches</h2>",
        "<h2 id=\"überblick-ähnliches-1\">Überblick &amp; Ähnliches</h2>",
        "<h2 id=\"my-id\">Custom id</h2>",
        // links in tables and footnotes
        "<td><a href=\"/procedures/incident/\">Incident procedure (PRO-001)</a></td>",
        "See <a href=\"/procedures/incident/#scope\">Incident procedure (PRO-001)</a>.",
    ] {
        assert!(b.contains(want), "missing {want:?} in\n{b}");
    }
    assert!(
        !b.contains("NOPE-001\">") && !b.contains("missing.md\""),
        "a link in code was resolved"
    );
    assert!(hb.exists("public/assets/flow.png"));
    // The TOC uses the same unique ids.
    let toc = between(&html, "<nav class=\"toc\"", "</nav>");
    assert_eq!(
        attr_values(toc, "href"),
        ["#purpose", "#überblick-ähnliches", "#überblick-ähnliches-1", "#my-id"]
    );
    // The back link from the procedure.
    let proc_html = hb.read("public/procedures/incident/index.html");
    assert!(body(&proc_html).contains("Back to <a href=\"/policies/policy/\">Link policy (POL-001)</a>."));
    // The fixture is clean: no link problems at all.
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0);
    assert!(findings(&v).is_empty(), "{:#?}", findings(&v));
}

#[test]
fn a_sub_path_base_url_applies_to_every_resolved_link() {
    let hb = built("links", &["--base-url", "/sub/"]);
    let html = hb.read("public/policies/policy/index.html");
    let b = body(&html);
    for want in [
        "<a href=\"/sub/procedures/incident/\">Incident procedure (PRO-001)</a>",
        "<a href=\"/sub/procedures/incident/#escalation\">",
        "<a href=\"/sub/clauses/8.6.1/\">8.6.1 Incident management</a>",
        "<a href=\"/sub/procedures/incident/#scope\">scope</a>",
        "<img src=\"/sub/assets/flow.png\"",
        "<a href=\"#purpose\">purpose</a>",
        "<a href=\"https://www.iso.org/standard/70636.html\">ISO</a>",
        "<a href=\"mailto:sms@example.com\">mail</a>",
    ] {
        assert!(b.contains(want), "missing {want:?} in\n{b}");
    }
    // Backlinks, related and clause tags outside the body too.
    let footer = between(&html, "<footer class=\"doc__links\">", "</footer>");
    for href in attr_values(footer, "href") {
        assert!(href.starts_with("/sub/"), "{href}");
    }
}

#[test]
fn broken_references_are_errors_at_line_and_column() {
    let hb = Handbook::fixture("broken-links");
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let f = "docs/policies/policy.md";
    let got: Vec<(String, u64, u64, String)> = findings(&v)
        .iter()
        .map(|d| {
            assert_eq!(d["file"], f, "{d}");
            assert_eq!(d["severity"], "error", "{d}");
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect: [(&str, u64, u64, &str); 8] = [
        ("broken-link", 9, 20, "`related` names unknown document id `PRO-404`"),
        (
            "broken-link",
            10,
            13,
            "`supersedes` names unknown document id `POL-000`",
        ),
        ("broken-link", 16, 13, "unknown document id `PRO-999`"),
        ("broken-link", 17, 15, "`procedures/gone.md` does not exist"),
        ("broken-link", 18, 11, "points outside the content directory"),
        ("broken-anchor", 19, 13, "no heading `#nowhere` in PRO-001"),
        ("broken-anchor", 19, 37, "no heading `#nope` in this document"),
        ("broken-link", 20, 13, "unknown clause `8.6.9`"),
    ];
    assert_eq!(got.len(), expect.len(), "{got:#?}");
    for ((code, line, col, msg), (ecode, eline, ecol, emsg)) in got.iter().zip(expect) {
        assert_eq!((code.as_str(), *line, *col), (ecode, eline, ecol), "{msg}");
        assert!(msg.contains(emsg), "{msg:?} should contain {emsg:?}");
    }
    // Helpful hints.
    let anchors = with_code(&v, "broken-anchor");
    assert!(anchors[0]["help"].as_str().unwrap().contains("scope"), "{}", anchors[0]);
    let clause = findings(&v).into_iter().find(|d| d["line"] == 20).unwrap();
    assert!(clause["help"].as_str().unwrap().contains("8.6.1"), "{clause}");

    // The human format names file and line, and the build writes nothing.
    let r = hb.run(&["check", "--today", TODAY]).expect(1);
    assert!(r.stderr.contains("docs/policies/policy.md:16:13"), "{}", r.stderr);
    assert!(r.stderr.contains("error[broken-link]"), "{}", r.stderr);
    let r = hb.run(&["build", "--today", TODAY]).expect(1);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert!(!hb.exists("public"));
}

#[test]
fn a_single_broken_link_fails_check_naming_file_and_line() {
    let hb = Handbook::fixture("links");
    let text = hb.read("docs/procedures/incident.md");
    hb.write(
        "docs/procedures/incident.md",
        text.replace("Back to [[POL-001]].", "Back to [[POL-002]]."),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(1);
    assert!(r.stderr.contains("docs/procedures/incident.md:18:9"), "{}", r.stderr);
    assert!(r.stderr.contains("`POL-002`"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean [[POL-001]]?"), "{}", r.stderr);
    let r = hb.run(&["check", "--today", TODAY, "--format", "github"]).expect(1);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::error file=docs/procedures/incident.md,line=18,col=9,title=broken-link::")),
        "{}",
        r.stdout
    );
}

#[test]
fn links_to_and_from_a_retired_document_warn_and_pages_show_the_graph() {
    let hb = Handbook::fixture("link-graph");
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0, "links to a retired document are warnings, not errors");
    // The procedure in force warns; the policy that supersedes it does not
    // (naming its predecessor is history).
    let retired: Vec<_> = with_code(&v, "retired-link");
    assert_eq!(retired.len(), 1, "{retired:#?}");
    assert_at(retired[0], "warning", "docs/change-procedure.md", 12, 35);
    assert!(with_code(&v, "broken-link").is_empty());
    for d in &retired {
        assert!(
            d["message"].as_str().unwrap().contains("retired document POL-001"),
            "{d}"
        );
        assert!(
            d["help"]
                .as_str()
                .unwrap()
                .contains("superseded by POL-002 Change policy"),
            "the help names the successor: {d}"
        );
    }
    let (code, _) = hb.check_json(TODAY, &["--strict"]);
    assert_eq!(code, 1);

    hb.run(&["build", "--today", TODAY]).expect(0);
    let section = |html: &str, title: &str| -> Vec<String> {
        let start = format!("<h2>{title}</h2>");
        if !html.contains(&start) {
            return Vec::new();
        }
        attr_values(between(html, &start, "</section>"), "href")
    };
    let old = hb.read("public/old-change-policy/index.html");
    let policy = hb.read("public/change-policy/index.html");
    let procedure = hb.read("public/change-procedure/index.html");
    // Backlinks: both documents that link to the retired one.
    assert_eq!(
        section(&old, "Referenced by"),
        ["/change-policy/", "/change-procedure/"]
    );
    assert_eq!(
        section(&policy, "Referenced by"),
        ["/change-procedure/", "/old-change-policy/"]
    );
    assert_eq!(section(&procedure, "Referenced by"), ["/change-policy/"]);
    // Related both ways, though only the policy names it.
    assert_eq!(section(&policy, "Related"), ["/change-procedure/"]);
    assert_eq!(section(&procedure, "Related"), ["/change-policy/"]);
    assert!(section(&old, "Related").is_empty());
    // Supersedes / superseded by.
    assert_eq!(section(&policy, "Supersedes"), ["/old-change-policy/"]);
    assert_eq!(section(&old, "Superseded by"), ["/change-policy/"]);
    assert!(text_of(&old)
        .contains("Retired. This document is no longer in force; it is superseded by POL-002 Change policy"));
}

/// Links to a retired document are history in records, reports, forms and
/// registers, and in retired documents: no finding. A plan in force warns
/// like a procedure; without a successor the help says so.
#[test]
fn retired_links_are_history_outside_governing_documents() {
    let hb = Handbook::fixture("link-graph");
    let doc = |id: &str, ty: &str, status: &str| {
        format!(
            "---\nid: {id}\ntitle: {id} title\ntype: {ty}\nowner: SMS Manager\nstatus: {status}\nclauses: [\"9.3\"]\nlast_reviewed: 2026-01-10\n---\nSee [[POL-001]] and [[PRO-009]].\n"
        )
    };
    hb.write("docs/minutes.md", doc("REC-001", "record", "approved"));
    hb.write("docs/report.md", doc("RPT-001", "report", "approved"));
    hb.write("docs/form.md", doc("FRM-001", "form", "approved"));
    hb.write("docs/supplier-register.md", doc("REG-001", "other", "approved"));
    hb.write("docs/old-plan.md", doc("PLN-001", "plan", "retired"));
    hb.write("docs/plan.md", doc("PLN-002", "plan", "approved"));
    hb.write(
        "docs/retired-procedure.md",
        "---\nid: PRO-009\ntitle: Old procedure\ntype: procedure\nowner: SMS Manager\nstatus: retired\n---\nGone.\n",
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0);
    let files: Vec<&str> = with_code(&v, "retired-link")
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["docs/change-procedure.md", "docs/plan.md", "docs/plan.md"],
        "only governing documents in force warn"
    );
    let to_orphan = with_code(&v, "retired-link")
        .into_iter()
        .find(|d| d["message"].as_str().unwrap().contains("PRO-009"))
        .unwrap();
    assert!(
        to_orphan["help"].as_str().unwrap().contains("nothing supersedes it"),
        "{to_orphan}"
    );
}

#[test]
fn unknown_related_and_supersedes_ids_are_broken_links_at_the_id() {
    let hb = Handbook::fixture("link-graph");
    let text = hb.read("docs/change-policy.md");
    hb.write(
        "docs/change-policy.md",
        text.replace("related: [PRO-002]", "related:\n  - PRO-002\n  - PRO-003")
            .replace("supersedes: POL-001", "supersedes: POL-009"),
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let list = with_code(&v, "broken-link");
    let errors: Vec<_> = list.iter().filter(|d| d["severity"] == "error").collect();
    assert_eq!(errors.len(), 2, "{list:#?}");
    assert_at(errors[0], "error", "docs/change-policy.md", 11, 5);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("`related` names unknown document id `PRO-003`"));
    assert_at(errors[1], "error", "docs/change-policy.md", 12, 13);
    assert!(errors[1]["message"]
        .as_str()
        .unwrap()
        .contains("`supersedes` names unknown document id `POL-009`"));
    // A `related` value that is not an id at all is an invalid field.
    hb.write(
        "docs/change-policy.md",
        text.replace("related: [PRO-002]", "related: [change procedure]"),
    );
    let (_, v) = hb.check_json(TODAY, &[]);
    assert_at(&one(&v, "invalid-field"), "error", "docs/change-policy.md", 9, 11);
}

#[test]
fn links_to_drafts_left_out_by_no_drafts_are_not_dead_links() {
    let hb = Handbook::fixture("handbook");
    let r = hb.run(&["build", "--today", TODAY, "--no-drafts"]).expect(0);
    assert!(!hb.exists("public/records/service-register/index.html"));
    assert!(
        r.stderr.contains("REC-001"),
        "the build should say the link target is left out:\n{}",
        r.stderr
    );
    for (path, bytes) in snapshot(&hb.path("public")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("href=\"/records/service-register/"),
            "{} links to the excluded draft",
            path.display()
        );
    }
    let (_, v) = hb.check_json(TODAY, &["--no-drafts"]);
    let d = one(&v, "broken-link");
    assert_at(&d, "warning", "docs/policies/service-management-policy.md", 26, 21);
}
