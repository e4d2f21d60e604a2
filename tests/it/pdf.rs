//! `smsdoc pdf` without a working browser: a clear error with the install
//! hint, no hang, and a previous PDF left as it was. (Printing with a real
//! Chromium is tested in `tests/browser.rs`.)

use crate::common::*;
use std::time::Duration;

fn with_old_pdf() -> Handbook {
    let hb = Handbook::fixture("basic");
    hb.write("out/handbook.pdf", "%PDF-1.4 the previous good PDF");
    hb
}

#[test]
fn a_named_browser_that_does_not_exist_is_a_usage_error_with_the_install_hint() {
    let hb = with_old_pdf();
    let r = hb
        .run(&["pdf", "--chromium", "/no/such/chromium", "--out", "out/handbook.pdf"])
        .expect(2);
    assert!(
        r.stderr.contains("no browser executable at /no/such/chromium"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("apt install chromium"), "{}", r.stderr);
    assert_eq!(hb.read("out/handbook.pdf"), "%PDF-1.4 the previous good PDF");
}

#[test]
fn no_browser_anywhere_says_what_to_install() {
    let hb = with_old_pdf();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smsdoc"))
        .args(["pdf", "--out", "out/handbook.pdf"])
        .current_dir(&hb.root)
        .env("PATH", hb.path("no-such-bin"))
        .env_remove("SMSDOC_CHROMIUM")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Machines with Chrome in a standard install place find it there.
    if out.status.code() == Some(2) {
        assert!(stderr.contains("no Chromium or Chrome found"), "{stderr}");
        assert!(stderr.contains("--chromium PATH"), "{stderr}");
    }
    assert_eq!(hb.read("out/handbook.pdf"), "%PDF-1.4 the previous good PDF");
}

#[cfg(unix)]
fn fake_browser(hb: &Handbook, script: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    hb.write("bin/chromium", format!("#!/bin/sh\n{script}\n"));
    let p = hb.path("bin/chromium");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p.to_string_lossy().into_owned()
}

#[cfg(unix)]
#[test]
fn a_browser_that_fails_leaves_the_previous_pdf() {
    let hb = with_old_pdf();
    let browser = fake_browser(&hb, "echo 'cannot open display' >&2\nexit 1");
    let r = hb
        .run(&["pdf", "--chromium", &browser, "--out", "out/handbook.pdf"])
        .expect(1);
    assert!(r.stderr.contains("did not write the PDF"), "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot open display"),
        "the browser's own words: {}",
        r.stderr
    );
    assert!(r.stderr.contains("out/handbook.pdf is unchanged"), "{}", r.stderr);
    assert_eq!(hb.read("out/handbook.pdf"), "%PDF-1.4 the previous good PDF");
}

#[cfg(unix)]
#[test]
fn a_browser_that_hangs_is_stopped_at_the_timeout() {
    let hb = with_old_pdf();
    let browser = fake_browser(&hb, "exec sleep 30");
    let r = smsdoc_within(
        &hb.root,
        &[
            "pdf",
            "--chromium",
            &browser,
            "--timeout",
            "1",
            "--out",
            "out/handbook.pdf",
        ],
        Duration::from_secs(20),
    )
    .expect(1);
    assert!(r.stderr.contains("did not finish printing within 1 s"), "{}", r.stderr);
    assert!(r.elapsed < Duration::from_secs(15), "{:?}", r.elapsed);
    assert_eq!(hb.read("out/handbook.pdf"), "%PDF-1.4 the previous good PDF");
}

#[test]
fn a_handbook_with_errors_prints_nothing() {
    let hb = with_old_pdf();
    hb.write(
        "docs/broken.md",
        "---\nid: BAD-1\ntitle: Broken\ntype: policy\nstatus: approved\n---\nSee [[NOPE-404]].\n",
    );
    let browser = if cfg!(unix) {
        "/bin/true"
    } else {
        "C:\\Windows\\System32\\where.exe"
    };
    let r = hb
        .run(&["pdf", "--chromium", browser, "--out", "out/handbook.pdf"])
        .expect(1);
    assert!(r.stderr.contains("no PDF"), "{}", r.stderr);
    assert_eq!(hb.read("out/handbook.pdf"), "%PDF-1.4 the previous good PDF");
}

#[test]
fn an_unknown_paper_size_in_the_config_is_a_config_error_at_its_line() {
    let hb = Handbook::fixture("basic");
    let toml = hb.read("smsdoc.toml");
    hb.write("smsdoc.toml", format!("{toml}\n[print]\npaper = \"a5\"\n"));
    let (code, report) = hb.check_json("2026-12-03", &[]);
    assert_eq!(code, 2);
    let d = one(&report, "config");
    assert!(
        d["message"].as_str().unwrap_or("").contains("unknown paper size `a5`"),
        "{d}"
    );
    assert_eq!(d["line"], toml.lines().count() + 3);
}
