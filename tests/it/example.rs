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
        .args(["--today", "2026-11-24"])
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
        .filter(|r| r["status"] != "present")
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["service-budgets"], "only the gap documented in DOC-000");
    let about = std::fs::read_to_string(example().join("docs/about-this-handbook.md")).unwrap();
    assert!(
        about.contains("service-budgets"),
        "the deliberate gap is explained in the handbook"
    );
}

#[test]
fn example_shows_overdue_and_due_soon_reviews_for_the_next_five_years() {
    for today in ["2026-11-24", "2027-06-30", "2028-02-29", "2029-09-01", "2031-11-24"] {
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
        assert!(
            report["reviews"]["overdue"].as_u64().unwrap() > 0,
            "{today}: {}",
            report["reviews"]
        );
        assert!(
            report["reviews"]["due_soon"].as_u64().unwrap() > 0,
            "{today}: {}",
            report["reviews"]
        );
        assert_eq!(report["coverage"]["gaps"], 0, "{today}");
    }
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
        .args(["--today", "2026-11-24"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));

    let config = smsdoc::config::load(example()).expect("config");
    let options = smsdoc::site::BuildOptions {
        today: "2026-11-24".parse().unwrap(),
        drafts: true,
    };
    let site = smsdoc::site::Site::load(config, options).expect("site");
    let templates = smsdoc::templates::Templates::load(&site.config).expect("templates");
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
