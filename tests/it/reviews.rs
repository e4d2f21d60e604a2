//! Review dates with a fixed `--today`: every review status in the check
//! report, banners and the dashboard, the iCalendar export parsed back,
//! each `check --format` exactly, exit codes with --strict and `fail_on`,
//! and calendar edge cases through real files.

use crate::common::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------

#[test]
fn each_review_status_is_counted_and_reported_once() {
    let hb = Handbook::fixture("reviews");
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0, "review findings are warnings");
    assert_eq!(v["today"], TODAY);
    assert_eq!(v["documents"], 7);
    // Approved documents only: the overdue draft and the retired policy
    // are not counted, the record needs no review date.
    assert_eq!(v["reviews"], json!({"overdue": 1, "due_soon": 1, "missing": 1}));
    let f = findings(&v);
    assert_eq!(f.len(), 3, "{f:#?}");
    let overdue = one(&v, "review-overdue");
    assert_at(&overdue, "warning", "docs/overdue.md", 8, 16);
    assert_eq!(
        overdue["message"],
        "PRO-001 Incident management was due for review on 2026-01-01 (151 days overdue)"
    );
    assert!(overdue["help"].as_str().unwrap().contains("Service Desk Manager"));
    let soon = one(&v, "review-due-soon");
    assert_at(&soon, "warning", "docs/due-soon.md", 8, 14);
    assert_eq!(
        soon["message"],
        "PRO-002 Requests, fulfilment; and access is due for review on 2026-06-15 (in 14 days)"
    );
    let missing = one(&v, "review-missing");
    assert_at(&missing, "warning", "docs/missing.md", 2, 5);
    for d in f {
        let file = d["file"].as_str().unwrap();
        assert!(!file.ends_with("draft.md") && !file.ends_with("retired.md"), "{d}");
    }
    // A day later the due-soon window has moved; a year later all are overdue.
    let (_, v) = hb.check_json("2026-06-16", &[]);
    assert_eq!(v["reviews"], json!({"overdue": 2, "due_soon": 0, "missing": 1}));
    let (_, v) = hb.check_json("2026-05-15", &[]);
    assert_eq!(
        v["reviews"],
        json!({"overdue": 1, "due_soon": 0, "missing": 1}),
        "2026-06-15 is 31 days away"
    );
    let (_, v) = hb.check_json("2027-03-02", &[]);
    assert_eq!(v["reviews"], json!({"overdue": 3, "due_soon": 0, "missing": 1}));
}

#[test]
fn pages_show_review_banners_and_the_dashboard_sections() {
    let hb = Handbook::fixture("reviews");
    hb.run(&["build", "--today", TODAY]).expect(0);
    let page = |p: &str| text_of(&hb.read(&format!("public/{p}/index.html")));
    let overdue = page("overdue");
    assert!(
        overdue.contains(
            "Review overdue. The next review was due on 2026-01-01 (151 days ago). Owner: Service Desk Manager."
        ),
        "{overdue}"
    );
    let soon = page("due-soon");
    assert!(
        soon.contains("Review due soon. The next review is due on 2026-06-15 (in 14 days)."),
        "{soon}"
    );
    assert!(!soon.contains("Review overdue"));
    let current = page("current");
    assert!(
        !current.contains("Review overdue") && !current.contains("Review due soon"),
        "{current}"
    );
    assert!(current.contains("Next review ✓ 2027-03-01"), "{current}");
    let missing = page("missing");
    assert!(missing.contains("Next review ? No review date"), "{missing}");
    let draft = page("draft");
    assert!(draft.contains("Draft. This document is not approved"), "{draft}");
    let retired = page("retired");
    assert!(
        retired.contains("Retired. This document is no longer in force"),
        "{retired}"
    );
    assert!(
        !retired.contains("Review overdue"),
        "retired documents are exempt: {retired}"
    );
    assert!(retired.contains("Exempt"), "{retired}");

    // The dashboard: one section per kind, each listing exactly its documents.
    let html = hb.read("public/reviews/index.html");
    let section = |key: &str| -> Vec<String> {
        let s = between(&html, &format!("id=\"rev-{key}\""), "</section>");
        attr_values(s, "href")
    };
    assert_eq!(section("overdue"), ["/overdue/"]);
    assert_eq!(section("due-soon"), ["/due-soon/"]);
    assert_eq!(section("missing"), ["/missing/"]);
    assert_eq!(section("drafts"), ["/draft/"], "drafts are listed apart");
    let all = text_of(&html);
    assert!(
        all.contains("As of 2026-06-01") && all.contains(": 1 overdue, 1 due within 30 days, 1 without a review date."),
        "{all}"
    );
    assert!(
        all.contains("2026-01-01 151 days ago PRO-001 Incident management procedure Service Desk Manager"),
        "{all}"
    );
    assert!(all.contains("2026-06-15 in 14 days PRO-002"), "{all}");
    assert!(!all.contains("POL-009"), "retired documents are not on the dashboard");
    // The home page names the counts too.
    let home = text_of(&hb.read("public/index.html"));
    assert!(home.contains("⚠ 1 overdue"), "{home}");
    assert!(
        home.contains("1 due soon · 1 without a review date · 1 current"),
        "{home}"
    );
}

// ---------------------------------------------------------------------------
// The calendar
// ---------------------------------------------------------------------------

/// Unfolds RFC 5545 content lines after checking the physical ones.
fn ics_lines(ics: &str) -> Vec<String> {
    assert!(ics.ends_with("\r\n"), "the calendar ends with CRLF");
    let body = &ics[..ics.len() - 2];
    let mut lines: Vec<String> = Vec::new();
    for physical in body.split("\r\n") {
        assert!(
            !physical.contains('\n') && !physical.contains('\r'),
            "bare LF or CR in {physical:?}"
        );
        assert!(physical.len() <= 75, "{} octets: {physical:?}", physical.len());
        match physical.strip_prefix(' ').or_else(|| physical.strip_prefix('\t')) {
            Some(cont) => lines.last_mut().expect("continuation of nothing").push_str(cont),
            None => lines.push(physical.to_string()),
        }
    }
    lines
}

/// The properties of each VEVENT.
fn events(lines: &[String]) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<(String, String)>> = None;
    for l in lines {
        match l.as_str() {
            "BEGIN:VEVENT" => cur = Some(Vec::new()),
            "END:VEVENT" => out.push(cur.take().expect("END without BEGIN")),
            _ => {
                if let Some(c) = cur.as_mut() {
                    let (k, v) = l.split_once(':').expect("name:value");
                    c.push((k.to_string(), v.to_string()));
                }
            }
        }
    }
    assert!(cur.is_none(), "unterminated VEVENT");
    out
}

fn prop<'a>(ev: &'a [(String, String)], name: &str) -> &'a str {
    ev.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {ev:?}"))
}

#[test]
fn reviews_ics_parses_back_to_one_event_per_next_review_date() {
    let hb = Handbook::fixture("reviews");
    hb.run(&["build", "--today", TODAY]).expect(0);
    let ics = hb.read("public/reviews.ics");
    let lines = ics_lines(&ics);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.contains(&"VERSION:2.0".to_string()));
    assert!(lines.iter().any(|l| l.starts_with("PRODID:")));
    assert!(
        ics.split("\r\n").any(|l| l.starts_with(' ')),
        "the long title was folded"
    );

    let evs = events(&lines);
    // Approved and draft documents with a next review date; not the retired
    // one, not the ones without a date.
    let mut got: Vec<(&str, &str)> = evs
        .iter()
        .map(|e| (prop(e, "UID"), prop(e, "DTSTART;VALUE=DATE")))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("review-PRO-001@reviews-fixture.smsdoc", "20260101"),
            ("review-PRO-002@reviews-fixture.smsdoc", "20260615"),
            ("review-PRO-003@reviews-fixture.smsdoc", "20270301"),
            ("review-PRO-005@reviews-fixture.smsdoc", "20250101"),
        ]
    );
    for e in &evs {
        let stamp = prop(e, "DTSTAMP");
        assert!(
            stamp.len() == 16 && stamp.ends_with('Z') && stamp.as_bytes()[8] == b'T',
            "{stamp}"
        );
        assert!(prop(e, "DTEND;VALUE=DATE") > prop(e, "DTSTART;VALUE=DATE"));
    }
    let pro2 = evs.iter().find(|e| prop(e, "UID").contains("PRO-002")).unwrap();
    assert_eq!(
        prop(pro2, "SUMMARY"),
        "Review due: PRO-002 Requests\\, fulfilment\\; and access"
    );
    let pro3 = evs.iter().find(|e| prop(e, "UID").contains("PRO-003")).unwrap();
    assert_eq!(
        prop(pro3, "SUMMARY"),
        "Review due: PRO-003 Problem management for the whole organisation including suppliers and partners"
    );
    // A relative base URL is no URI: no URL property then.
    assert!(evs.iter().all(|e| e.iter().all(|(k, _)| k != "URL")), "{evs:?}");

    // UIDs are stable across builds (and across days).
    let uids = |ics: &str| -> Vec<String> {
        let mut u: Vec<String> = events(&ics_lines(ics))
            .iter()
            .map(|e| prop(e, "UID").to_string())
            .collect();
        u.sort();
        u
    };
    hb.run(&["build", "--today", "2026-07-01"]).expect(0);
    let again = hb.read("public/reviews.ics");
    assert_eq!(uids(&again), uids(&ics));
    // Same input, same day: the same calendar, byte for byte.
    hb.run(&["build", "--today", TODAY]).expect(0);
    assert_eq!(hb.read("public/reviews.ics"), ics);
    // `export reviews --format ics` is the same file.
    let r = hb
        .run(&["export", "reviews", "--format", "ics", "--today", TODAY])
        .expect(0);
    assert_eq!(r.stdout, ics);
}

#[test]
fn reviews_ics_links_pages_when_the_base_url_is_absolute() {
    let hb = Handbook::fixture("reviews");
    hb.run(&[
        "build",
        "--today",
        TODAY,
        "--base-url",
        "https://intranet.example.com/sms",
    ])
    .expect(0);
    let evs = events(&ics_lines(&hb.read("public/reviews.ics")));
    let pro1 = evs.iter().find(|e| prop(e, "UID").contains("PRO-001")).unwrap();
    assert_eq!(prop(pro1, "URL"), "https://intranet.example.com/sms/overdue/");
}

// ---------------------------------------------------------------------------
// Check formats and exit codes
// ---------------------------------------------------------------------------

#[test]
fn human_format_ends_with_one_summary_line() {
    let hb = Handbook::fixture("reviews");
    let r = hb.run(&["check", "--today", TODAY]).expect(0);
    assert!(r.stdout.is_empty(), "human output goes to stderr: {}", r.stdout);
    let last = r.stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    let (head, tail) = last.split_once(" s — ").unwrap_or_else(|| panic!("{last}"));
    assert!(head.starts_with("checked 7 documents in "), "{last}");
    head["checked 7 documents in ".len()..]
        .parse::<f64>()
        .unwrap_or_else(|_| panic!("{last}"));
    let warnings = tail
        .strip_prefix("0 errors, ")
        .and_then(|t| t.strip_suffix(" warnings"))
        .unwrap_or_else(|| panic!("{last}"));
    let (_, v) = hb.check_json(TODAY, &[]);
    assert_eq!(warnings.parse::<usize>().unwrap(), diagnostics(&v).len());
    assert!(r
        .stderr
        .contains("warning[review-overdue]: PRO-001 Incident management was due for review on 2026-01-01"));
    assert!(r.stderr.contains("docs/overdue.md:8:16"));
    // --quiet prints nothing for a passing run, the summary for a failing one.
    let r = hb.run(&["check", "--today", TODAY, "--quiet"]).expect(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = hb.run(&["check", "--today", TODAY, "--quiet", "--strict"]).expect(1);
    assert!(
        r.stderr.lines().any(|l| l.starts_with("check failed: 7 documents in ")),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("warning["),
        "--quiet shows errors only: {}",
        r.stderr
    );
}

#[test]
fn json_format_has_the_spec_shape() {
    let hb = Handbook::fixture("reviews");
    let (_, v) = hb.check_json(TODAY, &[]);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "accepted",
            "build",
            "coverage",
            "diagnostics",
            "documents",
            "reviews",
            "today",
            "version"
        ]
    );
    assert_eq!(v["version"], 1);
    assert!(
        v["build"].is_null(),
        "outside a Git repository there is no build identity"
    );
    let mut ckeys: Vec<&str> = v["coverage"].as_object().unwrap().keys().map(String::as_str).collect();
    ckeys.sort();
    assert_eq!(ckeys, ["clauses", "covered", "draft_only", "gaps", "standard"]);
    for d in diagnostics(&v) {
        // `subject` (what a whole-handbook finding is about) is an addition
        // to the SPEC's shape, present only when there is one.
        let mut dkeys: Vec<&str> = d
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "subject")
            .collect();
        dkeys.sort();
        assert_eq!(
            dkeys,
            ["code", "column", "file", "help", "line", "message", "severity"],
            "{d}"
        );
        assert!(d["severity"] == "error" || d["severity"] == "warning");
    }
    // The documented order: by file, then position.
    let positioned: Vec<(String, u64)> = diagnostics(&v)
        .iter()
        .filter(|d| d["file"].is_string())
        .map(|d| (d["file"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
        .collect();
    let mut sorted = positioned.clone();
    sorted.sort();
    assert_eq!(positioned, sorted);
}

#[test]
fn github_format_is_one_workflow_command_per_finding() {
    let hb = Handbook::fixture("reviews");
    let r = hb.run(&["check", "--today", TODAY, "--format", "github"]).expect(0);
    let (_, v) = hb.check_json(TODAY, &[]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), diagnostics(&v).len());
    assert!(
        lines.contains(
            &"::warning file=docs/overdue.md,line=8,col=16,title=review-overdue::PRO-001 Incident management was due for review on 2026-01-01 (151 days overdue)%0Ahelp: review it, then set `last_reviewed` to the review date (owner: Service Desk Manager)"
        ),
        "{}",
        r.stdout
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::warning file=docs/due-soon.md,line=8,col=14,title=review-due-soon::")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::warning title=uncovered-clause::")));
    for l in &lines {
        assert!(l.starts_with("::warning ") || l.starts_with("::error "), "{l}");
    }
    // Errors are ::error.
    hb.write(
        "docs/overdue.md",
        hb.read("docs/overdue.md").replace("Body", "See [[PRO-404]]."),
    );
    let r = hb.run(&["check", "--today", TODAY, "--format", "github"]).expect(1);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("::error file=docs/overdue.md,line=12,col=5,title=broken-link::")),
        "{}",
        r.stdout
    );
}

#[test]
fn junit_format_is_well_formed_with_one_testcase_per_document() {
    let hb = Handbook::fixture("reviews");
    let r = hb.run(&["check", "--today", TODAY, "--format", "junit"]).expect(0);
    let names = check_xml(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout));
    assert_eq!(names[0], "testsuites");
    let cases: Vec<&str> = r.stdout.split("<testcase ").skip(1).collect();
    let files: Vec<String> = cases
        .iter()
        .map(|c| attr_values(&format!(" {c}"), "file")[0].clone())
        .collect();
    for f in [
        "docs/overdue.md",
        "docs/due-soon.md",
        "docs/current.md",
        "docs/missing.md",
        "docs/draft.md",
        "docs/retired.md",
        "docs/record.md",
    ] {
        assert_eq!(files.iter().filter(|x| *x == f).count(), 1, "{f}: {files:?}");
    }
    // Plus one case for the handbook-wide findings.
    assert_eq!(cases.len(), 8, "{files:?}");
    assert!(r.stdout.contains("tests=\"8\" failures=\"0\""), "{}", r.stdout);
    assert!(
        !r.stdout.contains("<failure"),
        "warnings are not failures without --strict"
    );
    let overdue = cases.iter().find(|c| c.contains("file=\"docs/overdue.md\"")).unwrap();
    assert!(
        overdue.contains("<system-out>") && overdue.contains("review-overdue"),
        "{overdue}"
    );
    // With --strict the warnings are failures.
    let r = hb
        .run(&["check", "--today", TODAY, "--format", "junit", "--strict"])
        .expect(1);
    check_xml(&r.stdout).unwrap();
    assert!(r.stdout.contains("<failure type=\"review-overdue\""), "{}", r.stdout);
    // Titles with XML metacharacters stay well-formed.
    hb.write(
        "docs/record.md",
        hb.read("docs/record.md").replace("Incident log", "Log <\"A&B\"> 'x'"),
    );
    let r = hb.run(&["check", "--today", TODAY, "--format", "junit"]).expect(0);
    check_xml(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{}", r.stdout));
    assert!(
        r.stdout
            .contains("name=\"REC-001 Log &lt;&quot;A&amp;B&quot;&gt; &apos;x&apos;\""),
        "{}",
        r.stdout
    );
}

#[test]
fn exit_codes_with_strict_and_fail_on() {
    let hb = Handbook::fixture("reviews");
    for format in ["human", "json", "github", "junit"] {
        assert_eq!(
            hb.run(&["check", "--today", TODAY, "--format", format]).code,
            0,
            "{format}"
        );
        assert_eq!(
            hb.run(&["check", "--today", TODAY, "--format", format, "--strict"])
                .code,
            1,
            "{format} --strict"
        );
    }
    // fail_on in the config has the effect of --strict.
    let config = hb.read("smsdoc.toml");
    hb.write(
        "smsdoc.toml",
        format!("{config}\n[check]\nfail_on = [\"error\", \"warning\"]\n"),
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    assert!(findings(&v).iter().all(|d| d["severity"] == "warning"));
    hb.run(&["check", "--today", TODAY]).expect(1);
    let r = hb.run(&["build", "--today", TODAY]).expect(1);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert!(!hb.exists("public"));
    // Back to errors only.
    hb.write("smsdoc.toml", format!("{config}\n[check]\nfail_on = [\"error\"]\n"));
    hb.run(&["check", "--today", TODAY]).expect(0);
}

#[test]
fn build_strict_fails_on_warnings_and_writes_nothing() {
    let hb = Handbook::fixture("reviews");
    let r = hb.run(&["build", "--strict", "--today", TODAY]).expect(1);
    assert!(r.stderr.contains("build failed with 0 errors and "), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was written"), "{}", r.stderr);
    assert!(!hb.exists("public"), "a failed build wrote output");
    let leftovers: Vec<_> = std::fs::read_dir(&hb.root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".public"))
        .collect();
    assert!(leftovers.is_empty());
    hb.run(&["build", "--today", TODAY]).expect(0);
    assert!(hb.exists("public/index.html"));
}

// ---------------------------------------------------------------------------
// Calendar edge cases through real files
// ---------------------------------------------------------------------------

fn next_reviews(hb: &Handbook, today: &str) -> Vec<(String, String, String, i64)> {
    let v: Value = hb
        .run(&["export", "reviews", "--format", "json", "--today", today])
        .expect(0)
        .json();
    v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["next_review"].as_str().unwrap().to_string(),
                d["review_status"].as_str().unwrap().to_string(),
                d["days"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn month_and_year_intervals_follow_the_calendar() {
    let hb = Handbook::fixture("review-dates");
    let mut got = next_reviews(&hb, "2026-02-01");
    got.sort();
    let want: Vec<(String, String, String, i64)> = [
        // 31 Jan + 1 month = 28 Feb (2026 is no leap year)
        ("PRO-001", "2026-02-28", "due-soon", 27),
        // 29 Feb 2028 + 1 year = 28 Feb 2029
        ("PRO-002", "2029-02-28", "ok", 1123),
        // 1 Jan + 90 days
        ("PRO-003", "2026-04-01", "ok", 59),
        // 1 Jan + 6 weeks
        ("PRO-004", "2026-02-12", "due-soon", 11),
        // 1 Jan 2025 + 2 years
        ("PRO-005", "2027-01-01", "ok", 334),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d))
    .collect();
    assert_eq!(got, want);
    // Due on the day itself is "due soon", the day after is overdue.
    let month_end = |today: &str, code: &str| {
        let (_, v) = hb.check_json(today, &[]);
        with_code(&v, code)
            .into_iter()
            .find(|d| d["file"] == "docs/month-end.md")
            .cloned()
            .unwrap_or_else(|| panic!("no {code} for docs/month-end.md on {today}"))
    };
    for (today, when) in [("2026-02-28", "today"), ("2026-02-27", "in 1 day")] {
        let d = month_end(today, "review-due-soon");
        let message = d["message"].as_str().unwrap_or_default();
        assert!(
            message.ends_with(&format!("is due for review on 2026-02-28 ({when})")),
            "{d}"
        );
    }
    let d = month_end("2026-03-01", "review-overdue");
    assert_at(&d, "warning", "docs/month-end.md", 8, 16);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .ends_with("was due for review on 2026-02-28 (1 day overdue)"),
        "{d}"
    );
    // The register shows the computed date.
    hb.run(&["build", "--today", "2026-02-01"]).expect(0);
    let reg: Value = serde_json::from_str(&hb.read("public/register.json")).unwrap();
    let leap = reg["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "PRO-002")
        .unwrap();
    assert_eq!(leap["next_review"], "2029-02-28");
    assert_eq!(leap["review_interval"], "1 year");
}

#[test]
fn leap_day_and_default_interval_from_config() {
    let hb = Handbook::fixture("review-dates");
    // No interval in the document: the config's default applies.
    hb.write(
        "docs/leap.md",
        hb.read("docs/leap.md").replace("review_interval: 1 year\n", ""),
    );
    hb.write(
        "smsdoc.toml",
        hb.read("smsdoc.toml")
            .replace("default_interval = \"12 months\"", "default_interval = \"1 month\""),
    );
    let got = next_reviews(&hb, "2028-03-01");
    let leap = got.iter().find(|r| r.0 == "PRO-002").unwrap();
    assert_eq!(leap.1, "2028-03-29", "29 Feb 2028 + 1 month");
    // And the due-soon window from the config.
    hb.write(
        "smsdoc.toml",
        hb.read("smsdoc.toml")
            .replace("due_soon = \"30 days\"", "due_soon = \"4 weeks\""),
    );
    let got = next_reviews(&hb, "2028-03-01");
    assert_eq!(
        got.iter().find(|r| r.0 == "PRO-002").unwrap().2,
        "due-soon",
        "28 days away"
    );
    let got = next_reviews(&hb, "2028-02-29");
    assert_eq!(got.iter().find(|r| r.0 == "PRO-002").unwrap().2, "ok", "29 days away");
}

#[test]
fn invalid_interval_and_date_are_invalid_fields_at_their_line() {
    let hb = Handbook::fixture("review-dates");
    hb.write(
        "docs/days.md",
        hb.read("docs/days.md")
            .replace("review_interval: 90 days", "review_interval: 3 fortnights"),
    );
    hb.write(
        "docs/weeks.md",
        hb.read("docs/weeks.md")
            .replace("last_reviewed: 2026-01-01", "last_reviewed: 2026-1-1"),
    );
    hb.write(
        "docs/years.md",
        hb.read("docs/years.md").replace(
            "last_reviewed: 2025-01-01",
            "last_reviewed: 2025-01-01\nnext_review: 2024-12-31",
        ),
    );
    hb.write(
        "docs/leap.md",
        hb.read("docs/leap.md")
            .replace("last_reviewed: 2028-02-29", "last_reviewed: 2027-02-29"),
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let list = with_code(&v, "invalid-field");
    assert_eq!(list.len(), 4, "{list:#?}");
    let at = |file: &str| {
        list.iter()
            .find(|d| d["file"] == file)
            .copied()
            .unwrap_or_else(|| panic!("no invalid-field in {file}"))
    };
    let d = at("docs/days.md");
    assert_at(d, "error", "docs/days.md", 9, 18);
    assert!(
        d["message"].as_str().unwrap().contains("unknown unit `fortnights`"),
        "{d}"
    );
    let d = at("docs/weeks.md");
    assert_at(d, "error", "docs/weeks.md", 8, 16);
    assert!(d["message"].as_str().unwrap().contains("YYYY-MM-DD"), "{d}");
    let d = at("docs/years.md");
    assert_at(d, "error", "docs/years.md", 9, 14);
    assert!(d["message"].as_str().unwrap().contains("before `last_reviewed`"), "{d}");
    let d = at("docs/leap.md");
    assert_at(d, "error", "docs/leap.md", 8, 16);
    assert!(
        d["message"].as_str().unwrap().contains("not a real calendar date"),
        "{d}"
    );
    // A bad interval in the config is a configuration error with its line.
    hb.write(
        "smsdoc.toml",
        hb.read("smsdoc.toml")
            .replace("due_soon = \"30 days\"", "due_soon = \"soon\""),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("smsdoc.toml:6:12"), "{}", r.stderr);
    assert!(r.stderr.contains("review.due_soon"), "{}", r.stderr);
}
