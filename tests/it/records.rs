//! Records at planned intervals, retention, open findings, accepted
//! exceptions and links to retired documents, on the `records` fixture at
//! 2026-06-01 (its smsdoc.toml says what each entry is for): the findings,
//! the non-findings, the pages and the exports.

use crate::common::*;

fn records() -> (Handbook, serde_json::Value) {
    let hb = Handbook::fixture("records");
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0, "warnings and notes only: {v:#}");
    (hb, v)
}

/// (code, subject or file) of every finding but the fixture's coverage gaps.
fn found(v: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = diagnostics(v)
        .iter()
        .filter(|d| {
            !matches!(
                d["code"].as_str(),
                Some("uncovered-clause" | "missing-required-document")
            )
        })
        .map(|d| {
            let about = d["subject"].as_str().or(d["file"].as_str()).unwrap_or("").to_string();
            (d["code"].as_str().unwrap().to_string(), about)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn findings_and_non_findings_of_records() {
    let (_hb, v) = records();
    let expected: Vec<(String, String)> = [
        // The ended exception does not accept POL-001's overdue review.
        ("exception-expired", "POL-001"),
        ("exception-invalid", "smsdoc.toml"),
        ("exception-unused", "PRO-010"),
        ("finding-overdue", "MR-1"),
        ("record-overdue", "internal-audit"),
        ("retention-expired", "REC-003"),
        ("retired-link", "PRO-009"),
        ("review-overdue", "docs/policies/service-management-policy.md"),
    ]
    .iter()
    .map(|(c, a)| (c.to_string(), a.to_string()))
    .collect();
    assert_eq!(found(&v), expected, "{v:#}");
    // Not findings: the management review due today (the boundary), the
    // supplier review in its grace period, the draft May minutes, MR-2
    // (due later) and MR-3 (closed), REC-001's stale `next_review` (records
    // are not reviewed), links to PRO-009 from records and from its
    // successor, RPT-001's retention until 2031.
    for d in diagnostics(&v) {
        if matches!(
            d["code"].as_str(),
            Some("uncovered-clause" | "missing-required-document")
        ) {
            continue;
        }
        let subject = d["subject"].as_str().unwrap_or("");
        for quiet in [
            "management-review",
            "supplier-review",
            "MR-2",
            "MR-3",
            "RPT-001",
            "RPT-002",
        ] {
            assert_ne!(subject, quiet, "{quiet} raised {d}");
        }
        let code = d["code"].as_str().unwrap();
        let file = d["file"].as_str().unwrap_or("");
        assert!(
            !(code.starts_with("review-") && file.starts_with("docs/records/")),
            "records are not reviewed: {d}"
        );
    }
    let retired = one(&v, "retired-link");
    assert_at(
        &retired,
        "warning",
        "docs/policies/service-management-policy.md",
        15,
        26,
    );
    assert!(
        retired["help"].as_str().unwrap().contains("superseded by PRO-010"),
        "{retired}"
    );
    let note = one(&v, "retention-expired");
    assert_eq!(note["severity"], "note");
    assert!(note["message"].as_str().unwrap().contains("2025-12-31"), "{note}");
    let overdue = one(&v, "record-overdue");
    assert_at(&overdue, "warning", "smsdoc.toml", 18, 1);
    assert!(
        overdue["message"].as_str().unwrap().contains("RPT-001 of 2026-02-28"),
        "{overdue}"
    );
    let finding = one(&v, "finding-overdue");
    assert_at(&finding, "warning", "docs/records/management-review-2025-12.md", 17, 5);
    // The accepted finding, with who accepted it, until when and why.
    let accepted = v["accepted"].as_array().unwrap();
    assert_eq!(accepted.len(), 1, "{accepted:#?}");
    assert_eq!(accepted[0]["finding"]["code"], "record-missing");
    assert_eq!(accepted[0]["exception"]["until"], "2026-10-31");
    assert!(accepted[0]["summary"]
        .as_str()
        .unwrap()
        .starts_with("accepted until 2026-10-31, by Director of Service Delivery: First test"));
}

#[test]
fn strict_fails_on_warnings_but_not_on_notes_or_accepted_findings() {
    let hb = Handbook::fixture("records");
    let r = hb.run(&["check", "--today", TODAY]).expect(0);
    assert!(r.stderr.contains("note[retention-expired]"), "{}", r.stderr);
    assert!(r.stderr.contains("accepted[record-missing]"), "{}", r.stderr);
    assert!(r.stderr.contains(", 1 note, 1 accepted"), "{}", r.stderr);
    hb.run(&["check", "--today", TODAY, "--strict"]).expect(1);
    // With the warnings dealt with, what is left (a note and an accepted
    // finding) passes --strict.
    let cfg = hb.read("smsdoc.toml");
    let cut = cfg.find("# Ended:").unwrap();
    hb.write("smsdoc.toml", &cfg[..cut]);
    for (file, from, to) in [
        (
            "docs/policies/service-management-policy.md",
            "last_reviewed: 2025-01-10",
            "last_reviewed: 2026-05-10",
        ),
        (
            "docs/policies/service-management-policy.md",
            "approved_on: 2025-01-10",
            "approved_on: 2026-05-10",
        ),
        (
            "docs/policies/service-management-policy.md",
            "[[PRO-009]]",
            "[[PRO-010]]",
        ),
        (
            "docs/records/management-review-2025-12.md",
            "status: open, due: 2026-05-01",
            "status: closed, due: 2026-05-01",
        ),
        (
            "docs/records/internal-audit-2026-02.md",
            "date: 2026-02-28",
            "date: 2026-03-01",
        ),
    ] {
        let text = hb.read(file);
        assert!(text.contains(from), "{file} lacks {from}");
        hb.write(file, text.replace(from, to));
    }
    let (code, v) = hb.check_json(TODAY, &["--strict"]);
    let left: Vec<_> = found(&v);
    assert_eq!(
        left,
        [("retention-expired".to_string(), "REC-003".to_string())],
        "{v:#}"
    );
    // Coverage gaps of the small fixture are the only warnings left.
    assert!(diagnostics(&v)
        .iter()
        .filter(|d| d["severity"] == "warning")
        .all(|d| matches!(
            d["code"].as_str(),
            Some("uncovered-clause" | "missing-required-document")
        )));
    assert_eq!(code, 1, "coverage gaps still fail --strict");
}

#[test]
fn pages_show_series_retention_findings_and_exceptions() {
    let (hb, _) = records();
    hb.run(&["build", "--today", TODAY]).expect(0);

    // The series page: plan, state, records newest first (the draft marked).
    let series = text_of(&hb.read("public/series/management-review/index.html"));
    assert!(
        series.contains("A record every 6 months (grace 1 month), owned by Managing Director"),
        "{series}"
    );
    assert!(series.contains("Due soon"), "{series}");
    let newer = series.find("REC-002").expect("draft listed");
    let older = series.find("REC-001").expect("approved listed");
    assert!(newer < older, "newest first");
    assert!(series.contains("(not yet evidence)"), "{series}");
    let audit = text_of(&hb.read("public/series/internal-audit/index.html"));
    assert!(audit.contains("Overdue"), "{audit}");
    let missing = text_of(&hb.read("public/series/continuity-test/index.html"));
    assert!(missing.contains("No record yet"), "{missing}");
    assert!(
        missing.contains("Accepted until 2026-10-31")
            && missing.contains("by Director of Service Delivery: First test"),
        "{missing}"
    );

    // Clause 9.3 links its series and shows the open finding raised on it.
    let clause = hb.read("public/clauses/9.3/index.html");
    assert!(attr_values(&clause, "href").contains(&"/series/management-review/".to_string()));
    let clause_text = text_of(&clause);
    assert!(clause_text.contains("Open findings (1)"), "{clause_text}");
    assert!(clause_text.contains("MR-2"), "{clause_text}");

    // The coverage row of 7.1 (covered by nothing here) and 9.3 carry
    // their open findings; 9.3's row is flagged, not plain green.
    let coverage = hb.read("public/coverage/index.html");
    let row = between(&coverage, "<span class=\"clause-no\">9.3</span>", "</tr>");
    assert!(row.contains("MR-2 open"), "{row}");
    assert!(
        coverage.contains("row--findings"),
        "covered rows with findings are marked"
    );
    // The accepted missing series shows on its clause's page.
    let continuity = text_of(&hb.read("public/clauses/8.7.2/index.html"));
    assert!(continuity.contains("No record yet · accepted"), "{continuity}");
    assert!(continuity.contains("Accepted until 2026-10-31"), "{continuity}");

    // A record's page: retention instead of review, no review banner, its
    // series and its findings.
    let rec = hb.read("public/records/management-review-2025-12/index.html");
    let rec_text = text_of(&rec);
    assert!(
        rec_text.contains("Retain until 2030-12-01 (5 years) then archive"),
        "{rec_text}"
    );
    assert!(
        !rec_text.contains("Next review"),
        "records are not reviewed: {rec_text}"
    );
    assert!(
        !rec.contains("banner--overdue"),
        "no review banner despite next_review 2020-01-01"
    );
    assert!(
        rec_text.contains("Series Management review (every 6 months)"),
        "{rec_text}"
    );
    assert!(rec_text.contains("Findings raised here"), "{rec_text}");
    assert!(rec_text.contains("MR-3 ✓ Closed"), "{rec_text}");

    // The register shows the right column for each kind of document.
    let register = text_of(&hb.read("public/register/index.html"));
    assert!(register.contains("Retain until 2031-03-31"), "{register}");
    assert!(register.contains("⚠ Overdue"), "POL-001's review: {register}");

    // Reviews and records: series, open findings, retention, exceptions.
    let reviews = text_of(&hb.read("public/reviews/index.html"));
    for part in [
        "Reviews and records",
        "Records at planned intervals (4)",
        "Open findings (2)",
        "Records past their retention (1)",
        "Accepted exceptions (1)",
    ] {
        assert!(reviews.contains(part), "{part}: {reviews}");
    }
    // Home: the series card counts the overdue series, not the accepted one.
    let home = text_of(&hb.read("public/index.html"));
    assert!(home.contains("Records at planned intervals ⚠ 1 overdue"), "{home}");
    assert!(home.contains("1 finding past due"), "{home}");
}

#[test]
fn series_exports_and_calendar() {
    let (hb, _) = records();
    hb.run(&["build", "--today", TODAY]).expect(0);
    let json: serde_json::Value = serde_json::from_str(&hb.read("public/series.json")).unwrap();
    let series = json["series"].as_array().unwrap();
    let keys: Vec<&str> = series.iter().map(|s| s["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "continuity-test",
            "internal-audit",
            "management-review",
            "supplier-review"
        ]
    );
    let mr = &series[2];
    assert_eq!(mr["status"], "due-soon");
    assert_eq!(mr["latest_id"], "REC-001");
    assert_eq!(mr["due"], "2026-06-01");
    assert_eq!(mr["deadline"], "2026-07-01");
    assert_eq!(mr["records"], serde_json::json!(["REC-001", "REC-002"]));
    assert_eq!(series[1]["status"], "overdue");
    assert_eq!(series[3]["status"], "grace");
    assert!(series[0]["accepted"]
        .as_str()
        .unwrap()
        .starts_with("accepted until 2026-10-31"));
    let csv = hb.read("public/series.csv");
    assert!(csv.starts_with(
        "key,title,every,grace,owner,clauses,status,latest,latest_id,due,deadline,records,accepted,url\n"
    ));
    assert!(
        csv.contains("management-review,Management review,1 year")
            || csv.contains("management-review,Management review,6 months"),
        "{csv}"
    );
    let ics = hb.read("public/reviews.ics");
    assert!(ics.contains("UID:series-management-review@"), "{ics}");
    assert!(ics.contains("SUMMARY:Record due: Internal audit reports"), "{ics}");
    // Records have no review events.
    assert!(!ics.contains("Review due: REC-001"), "{ics}");
}

#[test]
fn a_series_with_an_unparseable_interval_stops_with_its_line() {
    let hb = Handbook::fixture("records");
    let cfg = hb.read("smsdoc.toml");
    hb.write(
        "smsdoc.toml",
        cfg.replacen("every = \"3 months\"", "every = \"quarterly\"", 1),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("error[config]"), "{}", r.stderr);
    assert!(r.stderr.contains("smsdoc.toml:20:9"), "{}", r.stderr);
    assert!(r.stderr.contains("series.internal-audit.every"), "{}", r.stderr);
    assert!(
        r.stderr.contains("\"3 months\""),
        "the hint shows the form: {}",
        r.stderr
    );
}
