//! Document control from Git, on real repositories made here with the `git`
//! program (fixed authors and dates): change history on pages and in the
//! register, `changed-after-approval` with and without a new version, a
//! review-only change, a closed record, a rename, a handbook in a subfolder,
//! a shallow clone, a detached HEAD, a non-UTF-8 author, uncommitted edits
//! in the build identity, and no repository at all.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn git_at(dir: &Path, args: &[&str], date: &str, author: &std::ffi::OsStr) {
    let when = format!("{date}T12:00:00+02:00");
    let out = Command::new("git")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=Committer",
            "-c",
            "user.email=committer@example.org",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", "author@example.org")
        .env("GIT_AUTHOR_DATE", &when)
        .env("GIT_COMMITTER_DATE", &when)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn git(dir: &Path, args: &[&str], date: &str) {
    git_at(dir, args, date, std::ffi::OsStr::new("Dana Editor"));
}

fn commit_all(dir: &Path, date: &str, subject: &str) {
    git(dir, &["add", "-A"], date);
    git(dir, &["commit", "-q", "-m", subject], date);
}

fn short_head(dir: &Path) -> String {
    let out = Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(dir)
        .output()
        .expect("git runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn procedure(version: &str, approved_on: &str, last_reviewed: &str, body: &str) -> String {
    format!(
        "---\nid: PRO-001\ntitle: Incident management\ntype: procedure\nowner: Service Desk Manager\nstatus: approved\nversion: \"{version}\"\napproved_by: Head of Operations\napproved_on: {approved_on}\nlast_reviewed: {last_reviewed}\nclauses: [\"8.6.1\"]\n---\n## Steps\n\n{body}\n"
    )
}

/// A handbook in a fresh repository: the procedure approved on 2026-02-01
/// (committed 2026-01-20), then `later` committed on 2026-03-10.
fn approved_then(later: &str) -> Handbook {
    let hb = Handbook::empty();
    hb.write("smsdoc.toml", "title = \"T\"\n");
    git(hb.path("").as_path(), &["init", "-q"], "2026-01-20");
    hb.write(
        "docs/incident.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log the incident."),
    );
    commit_all(&hb.path(""), "2026-01-20", "Incident procedure for approval");
    hb.write("docs/incident.md", later);
    commit_all(&hb.path(""), "2026-03-10", "Add escalation step");
    hb
}

fn changed_after(v: &Value) -> Vec<&Value> {
    with_code(v, "changed-after-approval")
}

#[test]
fn a_text_change_after_approval_without_a_new_version_is_reported_at_the_version() {
    let hb = approved_then(&procedure(
        "1.0",
        "2026-02-01",
        "2026-02-01",
        "Log the incident. Escalate after 30 minutes.",
    ));
    let head = short_head(&hb.path(""));
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0, "a warning");
    let f = changed_after(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    assert_at(f[0], "warning", "docs/incident.md", 7, 10);
    assert_eq!(
        f[0]["message"],
        format!("PRO-001 version 1.0 was approved on 2026-02-01, but commit {head} (2026-03-10, Dana Editor: Add escalation step) changed its text without a new version")
    );
    assert!(f[0]["help"]
        .as_str()
        .unwrap()
        .contains("raise the version and re-approve"));
    // The build identity names HEAD.
    assert_eq!(v["build"]["commit"], head);
    assert_eq!(v["build"]["date"], "2026-03-10");
    assert_eq!(v["build"]["modified"], false);

    // The page lists both commits, newest first; the register and its
    // exports say when it last changed.
    hb.run(&["build", "--today", TODAY]).expect(0);
    let page = hb.read("public/incident/index.html");
    let history = between(&page, "<h2>Change history</h2>", "</table>");
    assert!(history.contains("(2 commits)"), "{history}");
    let first = history.find("Add escalation step").expect("newest commit listed");
    let second = history
        .find("Incident procedure for approval")
        .expect("first commit listed");
    assert!(first < second, "newest first: {history}");
    assert!(history.contains(&format!("<code>{head}</code>")));
    assert!(
        page.contains(&format!("from commit <code>{head}</code> of 2026-03-10")),
        "footer"
    );
    let csv = hb.read("public/register.csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "last_changed")
        .expect("a last_changed column");
    assert_eq!(row[at], "2026-03-10", "{csv}");
    let register: Value = serde_json::from_str(&hb.read("public/register.json")).unwrap();
    assert_eq!(register["documents"][0]["last_changed"], "2026-03-10");
    assert_eq!(register["build"]["commit"], head);
    assert!(hb.read("public/print/index.html").contains("Revision: commit"));
}

/// What each commit changed is kept in the repository after the first run
/// (only new commits are diffed later); the findings are the same with and
/// without it, and a damaged or foreign cache file is ignored and replaced.
#[test]
fn history_is_cached_in_the_repository_and_a_damaged_cache_is_ignored() {
    let hb = approved_then(&procedure("1.0", "2026-02-01", "2026-02-01", "Log it. Escalate."));
    let cache = hb.path(".git/smsdoc-history-cache");
    assert!(!cache.exists());
    let (_, cold) = hb.check_json(TODAY, &[]);
    let text = std::fs::read_to_string(&cache).expect("the first run writes the cache");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("smsdoc-history-cache v1"));
    assert_eq!(lines.count(), 2, "one line per commit: {text}");
    let (_, warm) = hb.check_json(TODAY, &[]);
    assert_eq!(changed_after(&warm), changed_after(&cold));
    assert_eq!(changed_after(&warm).len(), 1);
    // A new commit is added to it.
    hb.write(
        "docs/incident.md",
        procedure("1.1", "2026-04-01", "2026-04-01", "Log it. Escalate."),
    );
    commit_all(&hb.path(""), "2026-04-01", "Version 1.1");
    let (_, v) = hb.check_json(TODAY, &[]);
    assert!(changed_after(&v).is_empty(), "the new version is approved: {v:#}");
    assert_eq!(std::fs::read_to_string(&cache).unwrap().lines().count(), 4);
    hb.run(&["build", "--today", TODAY]).expect(0);
    assert!(
        hb.read("public/incident/index.html").contains("Version 1.1"),
        "history from the cache"
    );
    for damaged in [
        "garbage\n{[",
        "smsdoc-history-cache v0\n[\"x\", []]\n",
        "smsdoc-history-cache v1\nnot json\n",
    ] {
        std::fs::write(&cache, damaged).unwrap();
        let (code, v) = hb.check_json(TODAY, &[]);
        assert_eq!(code, 0);
        assert!(changed_after(&v).is_empty(), "{damaged:?}: {v:#}");
        let rewritten = std::fs::read_to_string(&cache).unwrap();
        assert!(
            rewritten.starts_with("smsdoc-history-cache v1\n["),
            "{damaged:?} replaced: {rewritten}"
        );
    }
}

#[test]
fn a_new_version_or_a_review_only_change_is_not_reported() {
    // Raised version (and approval fields: the approval date is the
    // owner's matter, checked by the metadata rules).
    let hb = approved_then(&procedure("1.1", "2026-02-01", "2026-02-01", "Log it. Escalate."));
    let (_, v) = hb.check_json(TODAY, &[]);
    assert!(changed_after(&v).is_empty(), "{v:#}");
    // Only the review date changed.
    let hb = approved_then(&procedure("1.0", "2026-02-01", "2026-03-10", "Log the incident."));
    let (_, v) = hb.check_json(TODAY, &[]);
    assert!(changed_after(&v).is_empty(), "{v:#}");
    // Re-approved after the change: the change is the approved text.
    let hb = approved_then(&procedure("1.0", "2026-03-10", "2026-03-10", "Log it. Escalate."));
    let (_, v) = hb.check_json(TODAY, &[]);
    assert!(changed_after(&v).is_empty(), "{v:#}");
}

#[test]
fn a_closed_record_that_changes_is_reported_whatever_its_version() {
    let hb = Handbook::empty();
    hb.write("smsdoc.toml", "title = \"T\"\n");
    git(&hb.path(""), &["init", "-q"], "2026-01-20");
    let minutes = |version: &str, body: &str| {
        format!("---\nid: REC-001\ntitle: Management review minutes\ntype: record\nstatus: approved\nversion: \"{version}\"\napproved_by: Managing Director\napproved_on: 2026-02-01\n---\n{body}\n")
    };
    hb.write("docs/minutes.md", minutes("1.0", "Decisions taken."));
    commit_all(&hb.path(""), "2026-01-25", "Minutes of the January review");
    hb.write("docs/minutes.md", minutes("1.1", "Decisions taken. Action 3 closed."));
    commit_all(&hb.path(""), "2026-04-02", "Update action status");
    let (_, v) = hb.check_json(TODAY, &[]);
    let f = changed_after(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("REC-001 is a closed record (approved 2026-02-01) but commit "));
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("(2026-04-02, Dana Editor: Update action status) changed it"));
}

#[test]
fn history_follows_a_rename_and_the_check_uses_the_text_before_it() {
    let hb = Handbook::empty();
    hb.write("smsdoc.toml", "title = \"T\"\n");
    let root = hb.path("");
    git(&root, &["init", "-q"], "2026-01-20");
    hb.write(
        "docs/old-name.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log the incident."),
    );
    commit_all(&root, "2026-01-20", "First version");
    std::fs::create_dir_all(root.join("docs/procedures")).unwrap();
    git(
        &root,
        &["mv", "docs/old-name.md", "docs/procedures/incident.md"],
        "2026-02-20",
    );
    commit_all(&root, "2026-02-20", "Move into procedures");
    hb.write(
        "docs/procedures/incident.md",
        procedure(
            "1.0",
            "2026-02-01",
            "2026-02-01",
            "Log the incident. Call the duty manager.",
        ),
    );
    commit_all(&root, "2026-03-15", "Call the duty manager");
    let (_, v) = hb.check_json(TODAY, &[]);
    let f = changed_after(&v);
    assert_eq!(f.len(), 1, "{v:#}");
    assert!(
        f[0]["message"].as_str().unwrap().contains("Call the duty manager"),
        "{}",
        f[0]
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let page = hb.read("public/procedures/incident/index.html");
    let history = between(&page, "<h2>Change history</h2>", "</table>");
    assert!(history.contains("(3 commits)"), "{history}");
    assert!(history.contains("First version") && history.contains("Move into procedures"));
}

#[test]
fn a_handbook_in_a_subfolder_with_a_detached_head_and_uncommitted_edits() {
    let hb = Handbook::empty();
    let repo = hb.path("");
    git(&repo, &["init", "-q"], "2026-01-20");
    hb.write("README.md", "The repository has more than the handbook.\n");
    hb.write("handbook/smsdoc.toml", "title = \"T\"\n");
    hb.write(
        "handbook/docs/incident.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log the incident."),
    );
    commit_all(&repo, "2026-01-20", "Handbook");
    hb.write("README.md", "Unrelated change.\n");
    commit_all(&repo, "2026-02-10", "Unrelated");
    git(&repo, &["checkout", "-q", "--detach", "HEAD"], "2026-02-10");
    let run = |args: &[&str]| smsdoc(&hb.path("handbook"), args);
    let v = run(&["check", "--today", TODAY, "--format", "json"]).expect(0).json();
    assert_eq!(v["build"]["commit"], short_head(&repo));
    assert_eq!(v["build"]["modified"], false);
    assert!(changed_after(&v).is_empty(), "{v:#}");
    // Only the handbook's own commit is its history.
    run(&["build", "--today", TODAY]).expect(0);
    let page = hb.read("handbook/public/incident/index.html");
    assert!(page.contains("(1 commit)"), "{page}");
    // An uncommitted edit, and a file not yet committed, are named in the
    // identity but not judged.
    hb.write(
        "handbook/docs/incident.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log it, then escalate."),
    );
    hb.write(
        "handbook/docs/new.md",
        "---\nid: REC-001\ntitle: New\ntype: record\nstatus: draft\n---\nNot committed.\n",
    );
    let v = run(&["check", "--today", TODAY, "--format", "json"]).expect(0).json();
    assert_eq!(v["build"]["modified"], true);
    assert!(changed_after(&v).is_empty(), "{v:#}");
}

#[test]
fn a_shallow_clone_skips_what_it_cannot_see_and_says_so() {
    let origin = approved_then(&procedure(
        "1.0",
        "2026-02-01",
        "2026-02-01",
        "Log the incident. Escalate after 30 minutes.",
    ));
    let clone = Handbook::empty();
    let target = clone.path("shallow");
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", origin.path("").display()))
        .arg(&target)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = smsdoc(&target, &["check", "--today", TODAY, "--format", "json"]).expect(0);
    let v = r.json();
    assert_eq!(v["build"]["shallow"], true);
    // The approved text (before 2026-03-10) is not in the clone: not judged.
    assert!(changed_after(&v).is_empty(), "{v:#}");
}

#[test]
fn authors_that_are_not_utf8_and_no_repository_at_all() {
    use std::os::unix::ffi::OsStrExt;
    let hb = Handbook::empty();
    hb.write("smsdoc.toml", "title = \"T\"\n");
    git(&hb.path(""), &["init", "-q"], "2026-01-20");
    hb.write(
        "docs/incident.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log the incident."),
    );
    git(&hb.path(""), &["add", "-A"], "2026-01-20");
    git_at(
        &hb.path(""),
        &["commit", "-q", "-m", "Latin-1 author"],
        "2026-01-20",
        std::ffi::OsStr::from_bytes(b"Ren\xe9 M\xfcller"),
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let page = hb.read("public/incident/index.html");
    // Read as Latin-1 (as git log shows it) or with replacement characters;
    // never a panic, never a lost commit.
    assert!(
        page.contains("René Müller") || page.contains("Ren\u{fffd} M\u{fffd}ller"),
        "{}",
        between(&page, "<h2>Change history</h2>", "</table>")
    );

    // The same handbook outside any repository: no history, no identity.
    let plain = Handbook::empty();
    copy_dir(&hb.path("docs"), &plain.path("docs"));
    plain.write("smsdoc.toml", "title = \"T\"\n");
    let (code, v) = plain.check_json(TODAY, &[]);
    assert_eq!(code, 0);
    assert!(v["build"].is_null());
    plain.run(&["build", "--today", TODAY]).expect(0);
    assert!(!plain.read("public/incident/index.html").contains("Change history"));
}

#[test]
fn history_can_be_turned_off() {
    let hb = approved_then(&procedure("1.0", "2026-02-01", "2026-02-01", "Changed."));
    hb.write("smsdoc.toml", "title = \"T\"\n\n[history]\nenabled = false\n");
    let (_, v) = hb.check_json(TODAY, &[]);
    assert!(changed_after(&v).is_empty());
    assert!(v["build"].is_null());
}

#[test]
fn diff_names_what_a_change_does_and_fails_on_lost_coverage_or_new_errors() {
    let hb = Handbook::empty();
    let root = hb.path("");
    hb.write("smsdoc.toml", "title = \"T\"\n");
    git(&root, &["init", "-q"], "2026-01-20");
    hb.write(
        "docs/incident.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log the incident."),
    );
    commit_all(&root, "2026-02-01", "Approved incident procedure");
    git(&root, &["tag", "v1"], "2026-02-01");
    // The change: the procedure is retired, a draft successor appears with
    // a broken link, and a record is approved.
    hb.write(
        "docs/incident.md",
        procedure("1.0", "2026-02-01", "2026-02-01", "Log the incident.")
            .replace("status: approved", "status: retired"),
    );
    hb.write(
        "docs/incident-v2.md",
        "---\nid: PRO-002\ntitle: Incident management v2\ntype: procedure\nowner: Service Desk Manager\nstatus: draft\nversion: \"2.0\"\nclauses: [\"8.6.1\"]\n---\nSee [[PRO-404]].\n",
    );
    let r = hb.run(&["diff", "v1", "--today", TODAY]).expect(1);
    assert!(r.stdout.contains("Handbook changes: v1 → work tree"), "{}", r.stdout);
    assert!(
        r.stdout.contains("this change loses coverage and adds errors"),
        "{}",
        r.stdout
    );
    let r = hb
        .run(&["diff", "v1", "--today", TODAY, "--format", "markdown"])
        .expect(1);
    let md = r.stdout;
    assert!(md.starts_with("### Handbook changes: `v1` → `work tree`"), "{md}");
    assert!(md.contains("**Added** (1)\n\n- PRO-002 Incident management v2"), "{md}");
    assert!(md.contains("**Retired** (1)\n\n- PRO-001 Incident management"), "{md}");
    assert!(md.contains("- iso20000-1:2018 8.6.1 Incident management"), "{md}");
    let v: Value = serde_json::from_str(
        &hb.run(&["diff", "v1", "--today", TODAY, "--format", "json", "--fail-on", "none"])
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(v["clauses_lost"][0]["key"], "8.6.1");
    assert_eq!(v["new_errors"][0]["code"], "broken-link");
    assert_eq!(v["new_errors"][0]["file"], "docs/incident-v2.md");
    assert_eq!(v["added"][0]["id"], "PRO-002");
    // Two revisions, both committed; only errors fail.
    commit_all(&root, "2026-03-01", "Retire v1");
    let r = hb
        .run(&["diff", "v1", "HEAD", "--today", TODAY, "--fail-on", "errors"])
        .expect(1);
    assert!(r.stdout.contains("v1 → HEAD"));
    let r = hb.run(&["diff", "HEAD", "HEAD", "--today", TODAY]).expect(0);
    assert!(r.stdout.contains("No change"), "{}", r.stdout);
    // A revision that does not exist is a usage error.
    let r = hb.run(&["diff", "no-such-branch"]).expect(2);
    assert!(r.stderr.contains("unknown revision `no-such-branch`"), "{}", r.stderr);
}
