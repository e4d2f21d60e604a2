//! Clause coverage: statuses from approved, draft and retired documents
//! across two standards, custom catalogues, parent/child roll-up, and the
//! same numbers on the home page, /coverage/, coverage.json, coverage.csv,
//! `check --format json` and `export coverage`.

use crate::common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn built(fixture: &str) -> Handbook {
    let hb = Handbook::fixture(fixture);
    hb.run(&["build", "--today", TODAY]).expect(0);
    hb
}

fn coverage_json(hb: &Handbook) -> Value {
    serde_json::from_str(&hb.read("public/coverage.json")).expect("coverage.json")
}

/// number → (status, document ids) for one standard's clauses.
fn clause_map(standard: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    standard["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .map(|c| {
            let ids = c["documents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string())
                .collect();
            (
                c["number"].as_str().unwrap().to_string(),
                (c["status"].as_str().unwrap().to_string(), ids),
            )
        })
        .collect()
}

/// Rows of the coverage matrices on /coverage/: (text of the clause cell,
/// data-status, hrefs in the row), per standard section.
fn matrix_rows(html: &str) -> Vec<Vec<(String, String, Vec<String>)>> {
    html.split("<table class=\"coverage-table\"")
        .skip(1)
        .map(|t| {
            let table = &t[..t.find("</table>").expect("coverage table closed")];
            table
                .split("<tr")
                .skip(1)
                .filter_map(|row| {
                    let tag_end = row.find('>')?;
                    let status = attr_values(&row[..tag_end + 1].replace("<tr", " "), "data-status")
                        .into_iter()
                        .next()?;
                    let th = between(row, "<th", "</th>");
                    Some((
                        text_of(&th[th.find('>').unwrap() + 1..]),
                        status,
                        attr_values(row, "href"),
                    ))
                })
                .collect()
        })
        .collect()
}

fn row<'a>(rows: &'a [(String, String, Vec<String>)], number: &str) -> &'a (String, String, Vec<String>) {
    rows.iter()
        .find(|r| r.0.split_whitespace().next() == Some(number))
        .unwrap_or_else(|| panic!("no matrix row for {number}"))
}

#[test]
fn statuses_across_two_standards_in_coverage_json() {
    let hb = built("coverage");
    let v = coverage_json(&hb);
    // The SPEC shape: the default standard at the top level …
    assert_eq!(v["standard"], "iso20000-1:2018");
    let first = &v["clauses"][0];
    for key in ["number", "title", "status", "documents"] {
        assert!(first.get(key).is_some(), "clause entry lacks {key}: {first}");
    }
    let c = clause_map(&v);
    assert_eq!(c["8.6.1"], ("covered".into(), vec!["PRO-001".into()]));
    assert_eq!(c["8.6.2"], ("draft-only".into(), vec!["PRO-002".into()]));
    // retired never counts, and is not listed as evidence
    assert_eq!(c["8.6.3"], ("gap".into(), vec![]));
    assert_eq!(c["5.2.1"].0, "covered");
    assert_eq!(c["4.1"], ("gap".into(), vec![]));
    let doc = &v["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == "8.6.1")
        .unwrap()["documents"][0];
    assert_eq!(
        doc,
        &json!({"id": "PRO-001", "title": "Incident management", "status": "approved", "url": "/incident/"})
    );
    // … and every standard in force under `standards`.
    let stds = v["standards"].as_array().unwrap();
    assert_eq!(stds.len(), 2);
    assert_eq!(stds[0]["standard"], "iso20000-1:2018");
    assert_eq!(stds[1]["standard"], "iso27001:2022");
    let iso27 = clause_map(&stds[1]);
    assert_eq!(iso27["A.5.24"], ("covered".into(), vec!["PRO-001".into()]));
    assert_eq!(iso27["A.5.1"], ("draft-only".into(), vec!["PRO-002".into()]));
    assert_eq!(iso27["A.5.2"], ("gap".into(), vec![]), "retired never counts");
    assert_eq!(iso27["5.2"], ("covered".into(), vec!["POL-001".into()]));
    // Required documents: present, draft-only, missing (retired = missing).
    let req: BTreeMap<&str, &str> = stds[0]["required_documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["key"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(req["incident-records"], "present");
    assert_eq!(req["service-management-policy"], "present");
    assert_eq!(req["service-request-records"], "draft-only");
    assert_eq!(req["problem-records"], "missing");
    assert_eq!(req["sms-scope"], "missing");
}

#[test]
fn parent_is_covered_only_when_all_children_are() {
    let hb = built("coverage");
    let c = clause_map(&coverage_json(&hb));
    // 5.2 ← 5.2.1 covered, 5.2.2 covered
    assert_eq!(c["5.2"].0, "covered");
    // 8.3.4 ← 8.3.4.1 draft only, 8.3.4.2 covered
    assert_eq!(c["8.3.4.1"].0, "draft-only");
    assert_eq!(c["8.3.4.2"].0, "covered");
    assert_eq!(c["8.3.4"].0, "draft-only");
    // 8.6 ← 8.6.1 covered, 8.6.2 draft, 8.6.3 gap, …
    assert_eq!(c["8.6"].0, "gap");

    // Approving the draft makes the parent covered; retiring a child's only
    // document makes it a gap again.
    let text = hb.read("docs/policy-draft.md");
    hb.write(
        "docs/policy-draft.md",
        text.replace("status: draft", "status: approved\nlast_reviewed: 2026-03-01"),
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let c = clause_map(&coverage_json(&hb));
    assert_eq!(c["8.3.4.1"].0, "covered");
    assert_eq!(c["8.3.4"].0, "covered");
    assert_eq!(c["8.3"].0, "gap", "8.3.1–8.3.3 are still gaps");
    let text = hb.read("docs/supplier-record.md");
    hb.write(
        "docs/supplier-record.md",
        text.replace("status: approved", "status: retired"),
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let c = clause_map(&coverage_json(&hb));
    assert_eq!(c["8.3.4.2"], ("gap".into(), vec![]));
    assert_eq!(c["8.3.4"].0, "gap");
}

#[test]
fn html_matrix_rows_carry_the_status_and_link_the_documents() {
    let hb = built("coverage");
    let html = hb.read("public/coverage/index.html");
    let tables = matrix_rows(&html);
    assert_eq!(tables.len(), 2, "one matrix per standard");
    let (iso20, iso27) = (&tables[0], &tables[1]);
    assert_eq!(iso20.len(), 70, "one row per clause below the top level");
    let r = row(iso20, "8.6.1");
    assert_eq!(r.1, "covered");
    assert!(r.2.contains(&"/incident/".to_string()), "{r:?}");
    let r = row(iso20, "8.6.2");
    assert_eq!(r.1, "draft-only");
    assert!(r.2.contains(&"/request/".to_string()), "{r:?}");
    let r = row(iso20, "8.6.3");
    assert_eq!(r.1, "gap");
    assert!(
        !r.2.contains(&"/old-problem/".to_string()),
        "retired documents are not evidence: {r:?}"
    );
    assert_eq!(row(iso20, "8.3.4").1, "draft-only");
    assert_eq!(row(iso20, "5.2").1, "covered");
    assert_eq!(row(iso27, "A.5.24").1, "covered");
    assert_eq!(row(iso27, "A.5.1").1, "draft-only");
    assert_eq!(row(iso27, "A.5.2").1, "gap");
    // The HTML agrees with coverage.json row by row.
    let v = coverage_json(&hb);
    for (table, std) in tables.iter().zip(v["standards"].as_array().unwrap()) {
        let json_rows = clause_map(std);
        assert_eq!(table.len(), json_rows.len());
        for (text, status, _) in table {
            let number = text.split_whitespace().next().unwrap();
            assert_eq!(&json_rows[number].0, status, "clause {number}");
        }
    }
}

#[test]
fn coverage_numbers_agree_everywhere() {
    let hb = built("coverage");
    let v = coverage_json(&hb);
    let (_, report) = hb.check_json(TODAY, &[]);
    let count = |clauses: &Value, s: &str| clauses.as_array().unwrap().iter().filter(|c| c["status"] == s).count();
    let (covered, draft, gaps) = (
        count(&v["clauses"], "covered"),
        count(&v["clauses"], "draft-only"),
        count(&v["clauses"], "gap"),
    );
    let total = v["clauses"].as_array().unwrap().len();
    assert_eq!((covered, draft, gaps, total), (5, 3, 62, 70));
    assert_eq!(
        report["coverage"],
        json!({"standard": "iso20000-1:2018", "clauses": total, "covered": covered, "draft_only": draft, "gaps": gaps})
    );
    assert_eq!(
        v["totals"],
        json!({"clauses": total, "covered": covered, "draft_only": draft, "gaps": gaps})
    );
    let pct = covered * 100 / total;
    let home = text_of(&hb.read("public/index.html"));
    let want = format!("{pct}% {covered} of {total} clauses covered · {draft} draft only · {gaps} gaps");
    assert!(home.contains(&want), "home page lacks {want:?}:\n{home}");
    let page = text_of(&hb.read("public/coverage/index.html"));
    let want = format!("{pct}% covered: {covered} of {total} clauses · {draft} draft only · {gaps} gaps");
    assert!(page.contains(&want), "/coverage/ lacks {want:?}");
    // The second standard too.
    let s27 = &v["standards"][1];
    let t = &s27["totals"];
    let want = format!(
        "{} of {} clauses covered · {} draft only · {} gaps",
        t["covered"], t["clauses"], t["draft_only"], t["gaps"]
    );
    assert!(home.contains(&want), "home page lacks {want:?}");
    assert_eq!(t["covered"], 2);
    // The CSV has the same statuses.
    let csv = hb.read("public/coverage.csv");
    let iso20: Vec<&str> = csv.lines().filter(|l| l.starts_with("iso20000-1:2018,")).collect();
    assert_eq!(iso20.len(), total);
    assert_eq!(iso20.iter().filter(|l| l.contains(",covered,")).count(), covered);
    assert_eq!(iso20.iter().filter(|l| l.contains(",draft-only,")).count(), draft);
    assert!(
        csv.lines()
            .any(|l| l == "iso20000-1:2018,8.6.1,Incident management,covered,PRO-001"),
        "{csv}"
    );
    assert!(csv
        .lines()
        .any(|l| l.starts_with("iso27001:2022,A.5.24,") && l.ends_with(",covered,PRO-001")));
    // Uncovered-clause diagnostics: one per leaf clause that is not covered.
    let leaves_not_covered = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["code"] == "uncovered-clause" && d["message"].as_str().unwrap().starts_with("ISO/IEC 20000-1:2018 ")
        })
        .count();
    assert!(leaves_not_covered > 0 && leaves_not_covered <= draft + gaps);
}

#[test]
fn drafts_left_out_of_the_site_do_not_count() {
    let hb = Handbook::fixture("coverage");
    hb.run(&["build", "--today", TODAY, "--no-drafts"]).expect(0);
    let c = clause_map(&coverage_json(&hb));
    assert_eq!(c["8.6.2"], ("gap".into(), vec![]));
    let (_, report) = hb.check_json(TODAY, &["--no-drafts"]);
    assert_eq!(report["coverage"]["draft_only"], 0);
    let md = hb
        .run(&["export", "coverage", "--format", "md", "--today", TODAY, "--no-drafts"])
        .expect(0)
        .stdout;
    assert!(!md.contains("PRO-002"), "a left-out draft is listed:\n{md}");
}

#[test]
fn export_coverage_in_every_format() {
    let hb = built("coverage");
    let json_out = hb
        .run(&["export", "coverage", "--format", "json", "--today", TODAY])
        .expect(0);
    let v: Value = json_out.json();
    assert_eq!(v, coverage_json(&hb), "export and site file are the same");
    let csv = hb
        .run(&["export", "coverage", "--format", "csv", "--today", TODAY])
        .expect(0)
        .stdout;
    assert_eq!(csv, hb.read("public/coverage.csv"));
    assert_eq!(csv.lines().next(), Some("standard,number,title,status,documents"));
    let md = hb
        .run(&["export", "coverage", "--format", "md", "--today", TODAY])
        .expect(0)
        .stdout;
    assert!(
        md.contains("## ISO/IEC 20000-1:2018 coverage: 5 of 70 clauses covered (7%)"),
        "{md}"
    );
    assert!(
        md.contains("| 8.6.1 | Incident management | Covered | PRO-001 |"),
        "{md}"
    );
    assert!(
        md.contains("| 8.6.2 | Service request management | Draft only | PRO-002 |"),
        "{md}"
    );
    assert!(md.contains("| 8.6.3 | Problem management | Gap |  |"), "{md}");
    assert!(md.contains("## ISO/IEC 27001:2022 coverage: 2 of "), "{md}");
    // Unsupported combination is a usage error.
    hb.run(&["export", "coverage", "--format", "ics"]).expect(2);
    // Exporting never writes the site.
    let out = hash_dir(&hb);
    hb.run(&["export", "coverage", "--format", "json", "--today", "2027-01-01"])
        .expect(0);
    assert_eq!(hash_dir(&hb), out);
}

fn hash_dir(hb: &Handbook) -> BTreeMap<std::path::PathBuf, u64> {
    hashes(&hb.path("public"))
}

#[test]
fn custom_catalogue_drives_coverage() {
    let hb = built("custom-catalogue");
    let v = coverage_json(&hb);
    assert_eq!(v["standard"], "acme-controls:2026");
    let c = clause_map(&v);
    assert_eq!(c.len(), 5);
    assert_eq!(c["1.1"], ("covered".into(), vec!["CTL-001".into()]));
    assert_eq!(c["1.2"], ("covered".into(), vec!["CTL-001".into()]));
    assert_eq!(c["2.1.1"], ("covered".into(), vec!["CTL-002".into()]));
    assert_eq!(c["2.1.2"].0, "gap");
    assert_eq!(c["2.1"].0, "gap", "a parent needs all its children");
    let (code, report) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        report["coverage"],
        json!({"standard": "acme-controls:2026", "clauses": 5, "covered": 3, "draft_only": 0, "gaps": 2})
    );
    let unc = with_code(&report, "uncovered-clause");
    assert_eq!(unc.len(), 1, "only the leaf 2.1.2 is reported: {unc:#?}");
    assert!(unc[0]["message"].as_str().unwrap().contains("2.1.2 Logging"));
    let m = one(&report, "missing-required-document");
    assert!(m["message"].as_str().unwrap().contains("alert-runbook"));
    // Clause pages exist for the custom catalogue, and `clauses` prints it.
    assert!(hb.exists("public/clauses/2.1.1/index.html"));
    let r = hb.run(&["clauses"]).expect(0);
    assert!(r.stdout.contains("ACME Controls 2026"), "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("2.1.2 ") && l.contains("Logging")),
        "{}",
        r.stdout
    );
    let r = hb.run(&["clauses", "--required"]).expect(0);
    assert!(
        r.stdout.lines().any(|l| l.trim_start().starts_with("alert-runbook ")),
        "{}",
        r.stdout
    );
    // A tag outside the catalogue is an unknown clause with a suggestion.
    let text = hb.read("docs/alerting.md");
    hb.write(
        "docs/alerting.md",
        text.replace("[\"2.1.1\"]", "[\"2.1.1\", \"2.1.3\"]"),
    );
    let (code, report) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let d = one(&report, "unknown-clause");
    assert_at(&d, "error", "docs/alerting.md", 8, 20);
    assert!(d["help"].as_str().unwrap().contains("did you mean"), "{d}");
}

#[test]
fn broken_custom_catalogue_exits_2_naming_file_and_line() {
    let hb = Handbook::fixture("custom-catalogue");
    // YAML syntax error on line 12.
    let text = hb.read("controls.yaml");
    hb.write(
        "controls.yaml",
        text.replace(
            "{number: \"2.1.2\", title: \"Logging\", parent: \"2.1\"}",
            "{number: \"2.1.2\" title: \"Logging\"}",
        ),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("controls.yaml:12:"), "{}", r.stderr);
    assert!(r.stderr.contains("not valid YAML"), "{}", r.stderr);
    // Only the real problem is reported, not a knock-on "unknown standard".
    assert!(!r.stderr.contains("unknown standard"), "{}", r.stderr);
    let r = hb.run(&["build", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("controls.yaml:12:"), "{}", r.stderr);
    assert!(!hb.exists("public"));
    // A parent that is not listed: the line of that clause.
    hb.write(
        "controls.yaml",
        text.replace("\"Logging\", parent: \"2.1\"}", "\"Logging\", parent: \"2.9\"}"),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("controls.yaml:12:"), "{}", r.stderr);
    assert!(r.stderr.contains("names parent 2.9"), "{}", r.stderr);
    // A clause listed twice: the line of the second one.
    hb.write(
        "controls.yaml",
        text.replace(
            "  - {number: \"2\", title: \"Operations\"}",
            "  - {number: \"2\", title: \"Operations\"}\n  - {number: \"1.2\", title: \"Roles again\", parent: \"1\"}",
        ),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("controls.yaml:10:"), "{}", r.stderr);
    assert!(r.stderr.contains("clause 1.2 is listed twice"), "{}", r.stderr);
    // A catalogue file that does not exist: the config line naming it.
    hb.write(
        "smsdoc.toml",
        hb.read("smsdoc.toml").replace("controls.yaml", "controls.yml"),
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(r.stderr.contains("smsdoc.toml:4:15"), "{}", r.stderr);
    assert!(r.stderr.contains("controls.yml"), "{}", r.stderr);
}

/// `provides` per standard (issue 19, point 3): a bare key counts for the
/// first standard in force that has it, a qualified key for its own
/// standard only; a bare key that several standards in force share is an
/// `ambiguous-provides` warning naming the qualified spellings.
#[test]
fn provides_counts_for_one_standard_unless_qualified() {
    let hb = Handbook::empty();
    hb.write(
        "smsdoc.toml",
        "title = \"IMS\"\nstandards = [\"iso20000-1:2018\", \"iso27001:2022\"]\n",
    );
    let doc = |id: &str, provides: &str| {
        format!(
            "---\nid: {id}\ntitle: {id}\ntype: record\nstatus: approved\napproved_by: A\napproved_on: 2026-01-01\nclauses: [\"7.2\"]\nprovides: [{provides}]\n---\nText.\n"
        )
    };
    hb.write("docs/competence.md", doc("REC-001", "competence-evidence"));
    hb.write(
        "docs/treatment.md",
        doc("REC-002", "\"iso27001:2022:risk-treatment-plan\""),
    );
    hb.write(
        "docs/both.md",
        doc("REC-003", "\"iso20000-1:2018:sms-scope\", \"iso27001:2022:isms-scope\""),
    );
    hb.write("docs/wrong.md", doc("REC-004", "\"iso27001:2022:sms-scope\""));
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1, "the key 27001 does not have is an error");
    let wrong = one(&v, "invalid-field");
    assert_at(&wrong, "error", "docs/wrong.md", 9, 12);
    let amb = one(&v, "ambiguous-provides");
    assert_at(&amb, "warning", "docs/competence.md", 9, 12);
    let help = amb["help"].as_str().unwrap();
    assert!(
        help.contains("`iso20000-1:2018:competence-evidence`") && help.contains("`iso27001:2022:competence-evidence`"),
        "{help}"
    );

    hb.write("docs/wrong.md", doc("REC-004", "\"iso20000-1:2018:sms-scope\""));
    hb.run(&["build", "--today", TODAY]).expect(0);
    let cov: serde_json::Value = serde_json::from_str(&hb.read("public/coverage.json")).unwrap();
    let status = |standard: &str, key: &str| -> String {
        let s = cov["standards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["standard"] == standard)
            .unwrap();
        let r = s["required_documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .unwrap();
        r["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status("iso20000-1:2018", "competence-evidence"), "present");
    assert_eq!(
        status("iso27001:2022", "competence-evidence"),
        "missing",
        "a bare key ticks one checklist"
    );
    assert_eq!(status("iso27001:2022", "risk-treatment-plan"), "present");
    assert_eq!(status("iso20000-1:2018", "sms-scope"), "present");
    assert_eq!(status("iso27001:2022", "isms-scope"), "present");
    let iso27 = cov["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["standard"] == "iso27001:2022")
        .unwrap();
    assert_eq!(iso27["required"]["present"], 2, "{}", iso27["required"]);
}

/// The crosswalk (issue 19, point 5): with 20000-1 and 27001 in force, a
/// clause page names the other standard's clause on the same topic — by
/// topic, not number (20000-1 10.1 is 27001 10.2) — and its documents;
/// `smsdoc clauses --crosswalk` prints the table; a user catalogue's
/// crosswalk row naming a clause that does not exist stops with its line.
#[test]
fn crosswalk_relates_clauses_of_the_standards_in_force() {
    let hb = Handbook::empty();
    hb.write(
        "smsdoc.toml",
        "title = \"IMS\"\nstandards = [\"iso20000-1:2018\", \"iso27001:2022\"]\n",
    );
    hb.write(
        "docs/nc.md",
        "---\nid: PRO-014\ntitle: Nonconformity procedure\ntype: procedure\nowner: Q\nstatus: approved\napproved_by: A\napproved_on: 2026-01-01\nlast_reviewed: 2026-01-01\nclauses: [\"10.1\", \"iso27001:2022:10.2\"]\n---\nText.\n",
    );
    hb.write(
        "docs/audit.md",
        "---\nid: PRO-020\ntitle: Internal audit procedure\ntype: procedure\nowner: Q\nstatus: approved\napproved_by: A\napproved_on: 2026-01-01\nlast_reviewed: 2026-01-01\nclauses: [\"9.2\"]\n---\nText.\n",
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let page = text_of(&hb.read("public/clauses/10.1/index.html"));
    assert!(page.contains("The same topic in other standards"), "{page}");
    assert!(
        page.contains("ISO/IEC 27001:2022 10.2 Nonconformity and corrective action"),
        "{page}"
    );
    // 27001 9.2 is not cited: its page says so, and shows 20000-1's 9.2 with
    // the procedure that cites it — which does not count for 27001.
    let audit = text_of(&hb.read("public/clauses/iso27001-2022/9.2/index.html"));
    assert!(audit.contains("ISO/IEC 20000-1:2018 9.2 Internal audit"), "{audit}");
    assert!(audit.contains("PRO-020"), "{audit}");
    let c92 = built_clause(&hb, "iso27001:2022", "9.2");
    assert_ne!(c92["status"], "covered", "no coverage via crosswalk unless asked for");
    assert!(c92.get("via_crosswalk").is_none());

    // Opted in: 27001 9.2 is covered via the crosswalk, and says by what.
    hb.write(
        "smsdoc.toml",
        "title = \"IMS\"\nstandards = [\"iso20000-1:2018\", \"iso27001:2022\"]\n\n[coverage]\ncrosswalk = true\n",
    );
    hb.run(&["build", "--today", TODAY]).expect(0);
    let c92 = built_clause(&hb, "iso27001:2022", "9.2");
    assert_eq!(c92["status"], "covered");
    assert_eq!(c92["documents"], serde_json::json!([]), "no document cites it itself");
    assert_eq!(c92["via_crosswalk"][0]["id"], "PRO-020");
    let audit = text_of(&hb.read("public/clauses/iso27001-2022/9.2/index.html"));
    assert!(audit.contains("Covered via crosswalk"), "{audit}");
    let coverage = hb.read("public/coverage/index.html");
    assert!(text_of(&coverage).contains("via crosswalk: PRO-020"));

    let r = hb.run(&["clauses", "--crosswalk"]).expect(0);
    let row = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Continual improvement"))
        .expect("row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[cells.len() - 2..], ["10.2", "10.1"], "{row}");

    hb.write(
        "acme.yaml",
        "standard: {id: \"acme:2026\", title: \"Acme\", name: \"Controls\"}\nclauses:\n  - {number: \"1\", title: \"Audit\"}\ncrosswalk:\n  - {topic: \"Internal audit\", clauses: {\"acme:2026\": \"1\", \"iso20000-1:2018\": \"9.9\"}}\n",
    );
    hb.write(
        "smsdoc.toml",
        "title = \"IMS\"\nstandards = [\"iso20000-1:2018\", \"iso27001:2022\"]\ncatalogues = [\"acme.yaml\"]\n",
    );
    let r = hb.run(&["check", "--today", TODAY]).expect(2);
    assert!(
        r.stderr
            .contains("crosswalk `Internal audit`: ISO/IEC 20000-1:2018 has no clause 9.9"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("acme.yaml:5:78"), "{}", r.stderr);
}

/// The Statement of Applicability (issue 19, point 4): excluded controls are
/// never gaps; an exclusion without justification is a warning; unknown,
/// duplicate or non-control entries are errors at their line; the `/soa/`
/// page, `soa.json`/`soa.csv` and `smsdoc clauses --soa` show it.
#[test]
fn statement_of_applicability_excludes_controls_with_reasons() {
    let hb = Handbook::empty();
    let config = |extra: &str| {
        format!(
            "title = \"IMS\"\nstandards = [\"iso20000-1:2018\", \"iso27001:2022\"]\n\n\
             [[applicability]]\ncontrol = \"A.5.7\"\napplicable = false\njustification = \"No threat intelligence function: covered by the group SOC contract\"\napproved_by = \"CISO\"\napproved_on = 2026-03-01\n\n\
             [[applicability]]\ncontrol = \"iso27001:2022:A.5.1\"\napplicable = true\n\n\
             [[applicability]]\ncontrol = \"A.7.4\"\napplicable = false\n{extra}"
        )
    };
    hb.write(
        "smsdoc.toml",
        config("\n[[applicability]]\ncontrol = \"A.99.1\"\napplicable = false\n\n[[applicability]]\ncontrol = \"A.5.7\"\n\n[[applicability]]\ncontrol = \"iso27001:2022:5.2\"\n"),
    );
    hb.write(
        "docs/policy.md",
        "---\nid: POL-002\ntitle: Information security policy\ntype: policy\nowner: CISO\nstatus: approved\napproved_by: Board\napproved_on: 2026-01-01\nlast_reviewed: 2026-01-01\nclauses: [\"iso27001:2022:A.5.1\", \"iso27001:2022:5.2\"]\n---\nText.\n",
    );
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let soa = with_code(&v, "soa-invalid");
    let got: Vec<(String, u64, String)> = soa
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().into(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert!(
        got.iter().any(|(s, l, m)| s == "warning"
            && *l == 16
            && m.contains("exclusion of `A.7.4` has no justification, approved_by, approved_on")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|(s, l, m)| s == "error" && *l == 20 && m.contains("unknown control `A.99.1`")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|(s, l, m)| s == "error" && *l == 24 && m.contains("decided twice")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|(s, l, m)| s == "error" && *l == 27 && m.contains("is a clause, not a control")),
        "{got:#?}"
    );
    // Excluded controls are not gaps; other controls still are.
    let gaps: Vec<&str> = with_code(&v, "uncovered-clause")
        .iter()
        .filter_map(|d| d["subject"].as_str())
        .collect();
    assert!(
        !gaps.contains(&"iso27001:2022:A.5.7") && !gaps.contains(&"iso27001:2022:A.7.4"),
        "{gaps:?}"
    );
    assert!(gaps.contains(&"iso27001:2022:A.5.2"), "{gaps:?}");

    hb.write("smsdoc.toml", config(""));
    hb.run(&["build", "--today", TODAY]).expect(0);
    let page = text_of(&hb.read("public/soa/index.html"));
    assert!(
        page.contains("1 applicable · 2 excluded · 90 not stated · 93 controls"),
        "{page}"
    );
    assert!(page.contains("A.5.7 Threat intelligence No No threat intelligence function: covered by the group SOC contract CISO, 2026-03-01"), "{page}");
    assert!(page.contains("A.5.1 Policies for information security Yes"), "{page}");
    let json: serde_json::Value = serde_json::from_str(&hb.read("public/soa.json")).unwrap();
    let s = &json["standards"][0];
    assert_eq!((s["applicable"].as_u64(), s["excluded"].as_u64()), (Some(1), Some(2)));
    let a51 = s["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "A.5.1")
        .unwrap();
    assert_eq!(a51["documents"], serde_json::json!(["POL-002"]));
    assert_eq!(a51["status"], "covered");
    let a57 = built_clause(&hb, "iso27001:2022", "A.5.7");
    assert_eq!(a57["status"], "excluded");
    assert!(hb
        .read("public/soa.csv")
        .lines()
        .any(|l| l.starts_with("iso27001:2022,A.5.7,Threat intelligence,no,")));
    let r = hb.run(&["clauses", "--standard", "iso27001:2022", "--soa"]).expect(0);
    assert!(
        r.stdout.contains("1 applicable, 2 excluded, 90 not stated"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("A.5.7") && l.contains(" no ") && l.contains("group SOC")),
        "{}",
        r.stdout
    );
}

/// A clause's entry in the built site's `coverage.json`.
fn built_clause(hb: &Handbook, standard: &str, number: &str) -> serde_json::Value {
    let cov: serde_json::Value = serde_json::from_str(&hb.read("public/coverage.json")).unwrap();
    let std = cov["standards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["standard"] == standard)
        .unwrap();
    std["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .unwrap()
        .clone()
}
