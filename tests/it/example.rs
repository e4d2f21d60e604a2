//! The example handbook (example-sms/) is what new users see first: it must
//! build without errors, cover every clause of ISO/IEC 20000-1, provide every
//! required document but the one gap its README page documents, and show
//! overdue and due-soon reviews.

use crate::common::render_in_memory;
use std::path::Path;
use std::process::Command;

fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/example-sms"))
}

#[test]
fn example_builds_with_full_clause_coverage() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(["build", "--root"])
        .arg(example())
        .arg("--out")
        .arg(out.path().join("site"))
        .args(["--today", "2026-12-03"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error["), "{stderr}");

    let cov: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("site/coverage.json")).unwrap()).unwrap();
    assert_eq!(cov["standard"], "iso20000-1:2018");
    let clauses = cov["clauses"].as_array().unwrap();
    assert_eq!(clauses.len(), 70, "every clause below the top level");
    for c in clauses {
        assert_eq!(c["status"], "covered", "clause not covered: {c}");
    }
    let missing: Vec<&str> = cov["required_documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] != "present" && r["status"] != "informational")
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["service-budgets"], "only the gap documented in DOC-000");
    // Wayfinding: a document page has breadcrumbs to its type's section, and
    // the navigation marks the section a page belongs to.
    let read = |p: &str| std::fs::read_to_string(out.path().join("site").join(p)).unwrap();
    let doc = read("procedures/incident-management/index.html");
    let crumbs = crate::common::between(&doc, "<nav class=\"breadcrumb\"", "</nav>");
    assert!(
        crumbs.contains("#type-procedure\">Procedures</a>") && crumbs.contains("PRO-002"),
        "{crumbs}"
    );
    assert!(
        doc.contains("aria-current=\"true\">Documents</a>"),
        "document pages belong to Documents"
    );
    assert!(read("clauses/8.6.1/index.html").contains("aria-current=\"true\">Clauses</a>"));
    assert!(read("series/management-review/index.html").contains("aria-current=\"true\">Reviews</a>"));
    // The postponed PRO-004 review is overdue and, on its row, accepted.
    let reviews = std::fs::read_to_string(out.path().join("site/reviews/index.html")).unwrap();
    let row = reviews
        .split("<tr")
        .find(|r| r.contains("PRO-004</span> Service request management procedure") && r.contains("badge--overdue"))
        .expect("PRO-004 overdue row");
    assert!(
        row.contains("Accepted</strong> until <time datetime=\"2027-01-31\""),
        "{row}"
    );
    let about = std::fs::read_to_string(example().join("docs/about-this-handbook.md")).unwrap();
    assert!(
        about.contains("service-budgets"),
        "the deliberate gap is explained in the handbook"
    );
}

/// What `check` finds in the example on a date: (severity, code, what it
/// is about: subject, file and message), the accepted findings (code and
/// target), and the report.
fn findings_on(today: &str) -> (Vec<(String, String, String)>, Vec<String>, serde_json::Value) {
    let run = Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(["check", "--format", "json", "--today", today, "--root"])
        .arg(example())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{today}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            // What it is about: subject, file and message, to match on.
            let about = format!(
                "{} {} {}",
                d["subject"].as_str().unwrap_or(""),
                d["file"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            );
            (
                d["severity"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
                about,
            )
        })
        .collect();
    let accepted = report["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["finding"]["code"].as_str().unwrap(),
                a["exception"]["target"].as_str().unwrap()
            )
        })
        .collect();
    (found, accepted, report)
}

fn count(found: &[(String, String, String)], code: &str) -> usize {
    found.iter().filter(|(_, c, _)| c == code).count()
}

fn has(found: &[(String, String, String)], code: &str, about: &str) -> bool {
    found.iter().any(|(_, c, a)| c == code && a.contains(about))
}

/// The example's deliberate findings (its about page explains each) on
/// five dates over five years: reviews falling due, record series, open
/// findings, exceptions that end, retention that ends. Coverage stays full.
#[test]
fn example_findings_on_five_dates_over_five_years() {
    // Today: six warnings, two accepted exceptions, nothing else.
    let (found, accepted, report) = findings_on("2026-12-03");
    let mut codes: Vec<&str> = found.iter().map(|(_, c, _)| c.as_str()).collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "record-overdue",
            "retired-link",
            "retired-link",
            "review-due-soon",
            "review-due-soon",
            "review-overdue"
        ],
        "{found:?}"
    );
    assert!(
        has(&found, "record-overdue", "internal-audit"),
        "audit reports missing: {found:?}"
    );
    assert!(has(&found, "review-overdue", "SUP-001"), "{found:?}");
    assert!(found.iter().all(|(s, _, _)| s == "warning"));
    assert_eq!(
        accepted,
        ["review-overdue PRO-004", "missing-required-document service-budgets"]
    );
    assert_eq!(report["coverage"]["gaps"], 0);

    // The November management review minutes are still a draft: after the
    // grace period the series is overdue; the PRO-004 exception has ended.
    let (found, accepted, report) = findings_on("2027-06-30");
    assert!(has(&found, "record-overdue", "management-review"), "{found:?}");
    assert!(has(&found, "exception-expired", ""), "{found:?}");
    assert!(
        has(&found, "review-overdue", "PRO-004"),
        "expired exception accepts nothing: {found:?}"
    );
    assert_eq!(accepted, ["missing-required-document service-budgets"]);
    assert_eq!(
        count(&found, "finding-overdue"),
        6,
        "the open NCs and MR action are past due: {found:?}"
    );
    assert!(has(&found, "finding-overdue", "NC-2026-07"), "{found:?}");
    assert_eq!(report["coverage"]["gaps"], 0);

    // Both exceptions have ended: the budget gap is a warning again.
    let (found, accepted, _) = findings_on("2028-02-29");
    assert!(accepted.is_empty());
    assert!(has(&found, "missing-required-document", ""), "{found:?}");
    assert_eq!(count(&found, "exception-expired"), 2);
    assert_eq!(count(&found, "retention-expired"), 0);

    // The first retention period (RPT-002, three years from its date,
    // 2026-09-30) has ended by October 2029: a note, not a warning.
    let (found, _, _) = findings_on("2029-10-15");
    let notes: Vec<_> = found.iter().filter(|(s, _, _)| s == "note").collect();
    assert_eq!(notes.len(), 1, "{found:?}");
    assert!(
        has(
            &found,
            "retention-expired",
            "docs/records/harbourline-service-review-2026-q3.md"
        ),
        "{found:?}"
    );

    // Five years on: most records' retention has ended; every series is
    // overdue; still no errors and full coverage.
    let (found, _, report) = findings_on("2031-11-24");
    assert!(count(&found, "retention-expired") >= 10, "{found:?}");
    assert_eq!(count(&found, "record-overdue"), 5, "{found:?}");
    assert!(report["reviews"]["overdue"].as_u64().unwrap() > 0);
    assert_eq!(report["coverage"]["gaps"], 0);
    assert!(found.iter().all(|(s, _, _)| s != "error"));
}

#[test]
fn the_cli_build_writes_exactly_the_rendered_site() {
    // `smsdoc build` frees the document sources between the document pages
    // and the rest of the site; what it writes must still be, byte for
    // byte, the site the library renders in memory (as `serve` does).
    let out = tempfile::tempdir().unwrap();
    let site_dir = out.path().join("site");
    let run = Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(["build", "--quiet", "--root"])
        .arg(example())
        .arg("--out")
        .arg(&site_dir)
        .args(["--today", "2026-12-03"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));

    let config = smsdoc::config::load(example()).expect("config");
    let options = smsdoc::site::BuildOptions {
        today: "2026-12-03".parse().unwrap(),
        drafts: true,
    };
    let site = smsdoc::site::Site::load(config, options).expect("site");
    let templates = smsdoc::templates::Templates::load(site.config()).expect("templates");
    let mut expected = std::collections::BTreeMap::new();
    for f in render_in_memory(&site, &templates).expect("renders") {
        let bytes = match f.data {
            smsdoc::layout::FileData::Bytes(b) => b,
            smsdoc::layout::FileData::Copy(p) => std::fs::read(p).unwrap(),
        };
        expected.insert(f.path, bytes);
    }
    let mut written = std::collections::BTreeMap::new();
    for e in walkdir::WalkDir::new(&site_dir).into_iter().map(Result::unwrap) {
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(&site_dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            written.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    assert_eq!(written.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (path, bytes) in &expected {
        assert!(written[path] == *bytes, "{path} differs from the in-memory rendering");
    }
    // And the pages have their bodies (not an empty render of freed sources).
    let page = String::from_utf8_lossy(&written["print/index.html"]).into_owned();
    assert!(page.matches("class=\"doc__body\"").count() >= 60);
}

/// Read in place, the example's documents have this repository's own Git
/// history: none of its approved documents changed after its approval
/// without a new version (in a shallow clone the check has nothing to
/// compare and finds nothing either).
#[test]
fn example_approvals_match_its_git_history() {
    let out = Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(["check", "--today", "2026-12-03", "--format", "json", "--root"])
        .arg(example())
        .output()
        .expect("smsdoc runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let changed: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "changed-after-approval")
        .collect();
    assert!(changed.is_empty(), "{changed:#?}");
    assert!(v["build"]["commit"].is_string(), "the example is in a Git repository");
}
