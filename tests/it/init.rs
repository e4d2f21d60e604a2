//! `smsdoc init`: the starter handbook builds and checks clean, and a
//! non-empty folder is refused.

use std::path::Path;
use std::process::{Command, Output};

fn smsdoc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run smsdoc")
}

#[test]
fn init_writes_a_handbook_that_builds_and_checks_with_only_draft_and_gap_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-sms");
    let out = smsdoc(&["init", dir.to_str().unwrap()], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("next steps"), "{stderr}");
    assert!(dir.join("smsdoc.toml").is_file());
    assert!(dir.join("docs/sms/sms-scope.md").is_file());
    assert!(dir.join("docs/policies/service-management-policy.md").is_file());

    let check = smsdoc(
        &[
            "check",
            "--root",
            dir.to_str().unwrap(),
            "--today",
            "2026-11-24",
            "--format",
            "json",
        ],
        tmp.path(),
    );
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    for d in diags {
        assert_eq!(d["severity"], "warning", "{d}");
        let code = d["code"].as_str().unwrap();
        assert!(
            matches!(code, "uncovered-clause" | "missing-required-document"),
            "unexpected finding {d}"
        );
        assert!(
            d["message"].as_str().unwrap().contains("draft"),
            "every gap of a fresh handbook is a draft waiting for approval: {d}"
        );
    }
    // One starter document per required document of ISO/IEC 20000-1, one per
    // top-level clause with clauses no required document cites, and the start page.
    assert_eq!(report["documents"], 60);
    assert_eq!(report["coverage"]["covered"], 0);
    assert_eq!(
        report["coverage"]["gaps"], 0,
        "every clause is cited by a starter draft"
    );

    let build = smsdoc(&["build", "--root", dir.to_str().unwrap()], tmp.path());
    assert_eq!(
        build.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let page = std::fs::read_to_string(dir.join("public/sms/sms-scope/index.html")).unwrap();
    assert!(page.contains("Scope of the SMS"));
    assert!(page.contains("banner--draft"));
}

#[test]
fn init_refuses_a_non_empty_folder_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = smsdoc(&["init", "."], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert!(!tmp.path().join("smsdoc.toml").exists(), "nothing written");

    let forced = smsdoc(&["init", ".", "--force"], tmp.path());
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(), "mine");
    assert!(tmp.path().join("smsdoc.toml").is_file());
}

#[test]
fn init_for_another_standard_and_unknown_standard() {
    let tmp = tempfile::tempdir().unwrap();
    let out = smsdoc(&["init", "isms", "--standard", "iso27001:2022"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let config = std::fs::read_to_string(tmp.path().join("isms/smsdoc.toml")).unwrap();
    assert!(config.contains("iso27001:2022"));
    let check = smsdoc(&["check", "--root", "isms"], tmp.path());
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let bad = smsdoc(&["init", "x", "--standard", "iso2000"], tmp.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("iso20000-1:2018"));
}
