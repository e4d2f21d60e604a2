//! One mistake, one finding: a document whose front matter does not parse
//! is reported once, at the line of the mistake, and the links to it from
//! elsewhere are held back as one note instead of an error per link
//! (issue 20, point 6). On a copy of the example handbook, where PRO-002
//! is linked from 18 documents.

use crate::common::*;
use std::path::Path;

fn example_with(file: &str, from: &str, to: &str) -> Handbook {
    let hb = Handbook::empty();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-sms"), &hb.path(""));
    let text = hb.read(file);
    assert!(text.contains(from), "{file} lacks {from:?}");
    hb.write(file, text.replacen(from, to, 1));
    hb
}

const INCIDENT: &str = "docs/procedures/incident-management.md";

fn errors(v: &serde_json::Value) -> Vec<&serde_json::Value> {
    diagnostics(v).iter().filter(|d| d["severity"] == "error").collect()
}

#[test]
fn a_yaml_typo_is_one_error_at_its_line_and_links_to_the_document_wait() {
    let hb = example_with(INCIDENT, "status: approved\n", "status:approved\n");
    let (code, v) = hb.check_json("2026-12-03", &[]);
    assert_eq!(code, 1);
    let errors = errors(&v);
    assert_eq!(errors.len(), 1, "one mistake, one error: {errors:#?}");
    assert_at(errors[0], "error", INCIDENT, 6, 8);
    assert!(errors[0]["help"].as_str().unwrap().contains("space after the colon"));
    let held = one(&v, "broken-link");
    assert_eq!(held["severity"], "note");
    assert_at(&held, "note", INCIDENT, 1, 1);
    let msg = held["message"].as_str().unwrap();
    assert!(
        msg.contains("links from 18 documents point to PRO-002 (this file)"),
        "{msg}"
    );
    // No "did you mean" advice sends anyone to another document.
    assert!(!v.to_string().contains("did you mean [[PRO-00"), "{v:#}");
    // Fixed, everything is back as before.
    hb.write(
        INCIDENT,
        hb.read(INCIDENT).replacen("status:approved", "status: approved", 1),
    );
    let (code, v) = hb.check_json("2026-12-03", &[]);
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn an_unclosed_list_points_at_its_bracket() {
    let hb = example_with(INCIDENT, "clauses: [\"8.6.1\"]", "clauses: [\"8.6.1\"");
    let (_, v) = hb.check_json("2026-12-03", &[]);
    let errors = errors(&v);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_at(errors[0], "error", INCIDENT, 8, 10);
    assert!(
        errors[0]["help"].as_str().unwrap().contains("never closed"),
        "{}",
        errors[0]
    );
}

#[test]
fn without_a_recoverable_id_links_by_path_are_still_held_back() {
    // The id line itself is broken: links by id are broken links (the id is
    // unknown), but relative-path links to the file wait for it.
    let hb = example_with(INCIDENT, "id: PRO-002\n", "id PRO-002\n");
    let (_, v) = hb.check_json("2026-12-03", &[]);
    let notes: Vec<_> = diagnostics(&v)
        .iter()
        .filter(|d| d["severity"] == "note" && d["code"] == "broken-link")
        .collect();
    let path_links = diagnostics(&v)
        .iter()
        .filter(|d| d["code"] == "broken-link" && d["message"].as_str().unwrap().contains("incident-management.md"))
        .count();
    assert_eq!(path_links, 0, "path links to the unreadable file are held back: {v:#}");
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(
        notes[0]["message"].as_str().unwrap().contains("point to this file"),
        "{}",
        notes[0]
    );
}
