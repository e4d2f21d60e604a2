//! Reporting findings: rustc-style text for people, and JSON, GitHub
//! workflow commands and JUnit XML for CI.

use crate::diagnostics::{slash_path, Code, Diagnostic, Severity};
use crate::site::Site;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
    Junit,
}

/// Whether these findings fail the run: errors always; warnings when the
/// config's `fail_on` or `--strict` says so.
pub fn is_failing(diags: &[Diagnostic], fail_on_warnings: bool) -> bool {
    diags
        .iter()
        .any(|d| d.severity == Severity::Error || (fail_on_warnings && d.severity == Severity::Warning))
}

/// Codes whose findings are folded into one line each in human output
/// (the JSON output has the full list).
const SUMMARISED: [Code; 2] = [Code::UncoveredClause, Code::MissingRequiredDocument];

/// Prints diagnostics rustc-style with the source line. `root` is where
/// relative file paths are read from.
pub fn print_human(diags: &[Diagnostic], root: &Path, out: &mut dyn WriteColor) {
    // Only the file of the finding at hand is held: findings come sorted by
    // file, and a large handbook's warnings name thousands of files.
    let none = SimpleFile::new(String::new(), String::new());
    let mut current: Option<(&Path, Option<SimpleFile<String, String>>)> = None;
    let config = term::Config::default();
    for d in diags.iter().filter(|d| !SUMMARISED.contains(&d.code)) {
        let mut cs = match d.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
            Severity::Note => CsDiagnostic::note(),
        }
        .with_code(d.code.as_str())
        .with_message(&d.message);
        let mut source = &none;
        if let Some(file) = &d.file {
            if current.as_ref().map(|(p, _)| *p) != Some(file.as_path()) {
                let text = std::fs::read(root.join(file)).ok();
                let loaded = text.map(|t| SimpleFile::new(slash_path(file), String::from_utf8_lossy(&t).into_owned()));
                current = Some((file.as_path(), loaded));
            }
            match (current.as_ref().and_then(|(_, f)| f.as_ref()), d.line) {
                (Some(src), line) if line > 0 => {
                    // The file's own line index: scanning from the top for
                    // every finding is quadratic in a big file.
                    use codespan_reporting::files::Files;
                    let line = src
                        .line_range((), d.line - 1)
                        .unwrap_or(src.source().len()..src.source().len());
                    if line.len() <= MAX_SNIPPET_LINE {
                        let range = span_from(src.source(), line.start, d.column);
                        cs = cs.with_labels(vec![Label::primary((), range)]);
                        source = src;
                    } else {
                        // Quoting a huge line once per finding on it would
                        // print gigabytes: name the place instead.
                        cs = cs.with_notes(vec![format!("at {}", d.location())]);
                    }
                }
                _ => {
                    cs = cs.with_notes(vec![format!("in {}", d.location())]);
                }
            }
        }
        if let Some(h) = &d.help {
            cs = cs.with_notes(vec![format!("help: {h}")]);
        }
        if term::emit(out, &config, source, &cs).is_err() {
            // The terminal went away; nothing useful left to do.
            return;
        }
    }
    for code in SUMMARISED {
        let list: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == code).collect();
        if list.is_empty() {
            continue;
        }
        let what = match code {
            Code::UncoveredClause => format!("{} not covered by an approved document", plural(list.len(), "clause")),
            _ => {
                let expected = list.iter().filter(|d| d.message.starts_with("expected ")).count();
                let required = list.len() - expected;
                match (required, expected) {
                    (r, 0) => format!("{} missing or only drafts", plural(r, "required document")),
                    (0, e) => format!("{} missing or only drafts", plural(e, "expected document")),
                    (r, e) => format!(
                        "{} and {} missing or only drafts",
                        plural(r, "required document"),
                        plural(e, "expected document")
                    ),
                }
            }
        };
        let first: Vec<String> = list.iter().take(3).map(|d| d.message.clone()).collect();
        let cs = CsDiagnostic::warning()
            .with_code(code.as_str())
            .with_message(what)
            .with_notes(vec![
                format!("e.g. {}", first.join("; ")),
                "help: see the coverage page, or run `smsdoc check --format json` for the full list".to_string(),
            ]);
        let _ = term::emit(out, &config, &none, &cs);
    }
}

/// Source lines longer than this (bytes) are not quoted under a finding.
const MAX_SNIPPET_LINE: usize = 1000;

/// Byte range of the token at (line, column) in `src`.
#[cfg(test)]
fn span(src: &str, line: usize, column: usize) -> std::ops::Range<usize> {
    let start_of_line = src
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    span_from(src, start_of_line, column)
}

/// Byte range of the token at `column` of the line starting at byte
/// `start_of_line`.
fn span_from(src: &str, start_of_line: usize, column: usize) -> std::ops::Range<usize> {
    let start_of_line = start_of_line.min(src.len());
    let line_text = src[start_of_line..].lines().next().unwrap_or("");
    let col_byte = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(b, _)| b);
    let start = start_of_line + col_byte;
    let rest = &line_text[col_byte..];
    let len = rest
        .find(|c: char| c.is_whitespace())
        .unwrap_or(rest.len())
        .max(rest.chars().next().map_or(0, char::len_utf8));
    start..(start + len).min(src.len())
}

pub fn json_report(site: Option<&Site>, diags: &[Diagnostic], today: jiff::civil::Date) -> serde_json::Value {
    let documents = site.map_or(0, |s| s.included.iter().filter(|&&b| b).count());
    let coverage = site
        .and_then(|s| s.coverage.standards.first().map(|sc| (s, sc)))
        .map(|(s, sc)| {
            json!({
                "standard": s.cats.list[sc.catalogue].id,
                "clauses": sc.totals.clauses,
                "covered": sc.totals.covered,
                "draft_only": sc.totals.draft_only,
                "gaps": sc.totals.gaps,
            })
        });
    let reviews = site.map(|s| {
        let c = s.review_counts();
        json!({ "overdue": c.overdue, "due_soon": c.due_soon, "missing": c.missing })
    });
    let accepted: Vec<serde_json::Value> = site.map_or_else(Vec::new, |s| {
        s.accepted
            .iter()
            .map(|a| json!({ "finding": a.finding, "exception": a.exception, "summary": a.exception.summary() }))
            .collect()
    });
    json!({
        "version": 1,
        "today": today.to_string(),
        "build": site.and_then(|s| s.identity.as_ref()),
        "documents": documents,
        "diagnostics": diags,
        "accepted": accepted,
        "coverage": coverage,
        "reviews": reviews,
    })
}

/// An accepted finding as one line of `check` output: the finding, then
/// who accepted it, until when and why.
pub fn accepted_line(a: &crate::exceptions::Accepted) -> String {
    let f = &a.finding;
    let loc = f.location();
    format!(
        "accepted[{}]: {}{} — {}",
        f.code,
        if loc.is_empty() {
            String::new()
        } else {
            format!("{loc}: ")
        },
        f.message,
        a.exception.summary()
    )
}

fn gh_escape(s: &str, property: bool) -> String {
    let mut out = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

/// GitHub Actions workflow commands, one per finding. GitHub places an
/// annotation by its path from the repository's top, so file paths (relative
/// to the handbook root) get `prefix`, the handbook's folder in the
/// repository (empty when the handbook is the repository).
pub fn github(diags: &[Diagnostic], prefix: &Path) -> String {
    let mut out = String::new();
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(f) = &d.file {
            props.push(format!("file={}", gh_escape(&slash_path(&prefix.join(f)), true)));
            if d.line > 0 {
                props.push(format!("line={}", d.line));
            }
            if d.column > 0 {
                props.push(format!("col={}", d.column));
            }
        }
        props.push(format!("title={}", gh_escape(d.code.as_str(), true)));
        let mut msg = d.message.clone();
        if let Some(h) = &d.help {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!("::{level} {}::{}\n", props.join(","), gh_escape(&msg, false)));
    }
    out
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test case per document (plus one for handbook-wide
/// findings); failing findings are failures, others go to system-out.
pub fn junit(site: Option<&Site>, diags: &[Diagnostic], fail_on_warnings: bool) -> String {
    let fails = |d: &Diagnostic| is_failing(std::slice::from_ref(d), fail_on_warnings);
    let mut by_file: HashMap<String, Vec<&Diagnostic>> = HashMap::new();
    for d in diags {
        by_file
            .entry(d.file.as_deref().map(slash_path).unwrap_or_default())
            .or_default()
            .push(d);
    }
    let mut cases: Vec<(String, String, String)> = Vec::new(); // (classname, name, file key)
    if let Some(site) = site {
        for i in site.register_order() {
            let d = &site.docs[i];
            cases.push((
                format!("smsdoc.{}", d.doc_type.as_str()),
                format!("{} {}", d.id, d.title),
                slash_path(&d.file),
            ));
        }
    }
    let known: std::collections::HashSet<String> = cases.iter().map(|c| c.2.clone()).collect();
    let mut other: Vec<&String> = by_file.keys().filter(|k| !known.contains(*k)).collect();
    other.sort();
    for k in other {
        let name = if k.is_empty() {
            "handbook".to_string()
        } else {
            k.clone()
        };
        cases.push(("smsdoc.handbook".into(), name, k.clone()));
    }
    let failures: usize = cases
        .iter()
        .filter(|c| by_file.get(&c.2).is_some_and(|l| l.iter().any(|d| fails(d))))
        .count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"smsdoc\" tests=\"{n}\" failures=\"{failures}\">\n<testsuite name=\"smsdoc check\" tests=\"{n}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
        n = cases.len()
    );
    for (class, name, key) in &cases {
        let list = by_file.get(key).map(Vec::as_slice).unwrap_or(&[]);
        out.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{}\" file=\"{}\">\n",
            xml(class),
            xml(name),
            xml(key)
        ));
        let mut notes = String::new();
        for d in list {
            let text = format!("{}{}", d, d.help.as_ref().map(|_| "").unwrap_or(""));
            if fails(d) {
                out.push_str(&format!(
                    "    <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    d.code,
                    xml(&d.message),
                    xml(&text)
                ));
            } else {
                notes.push_str(&text);
                notes.push('\n');
            }
        }
        if !notes.is_empty() {
            out.push_str(&format!("    <system-out>{}</system-out>\n", xml(&notes)));
        }
        out.push_str("  </testcase>\n");
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_covers_the_token() {
        let src = "---\nid: X-1\nclauses: [\"9.9.9\"]\n";
        let r = span(src, 3, 11);
        assert_eq!(&src[r], "\"9.9.9\"]");
    }

    #[test]
    fn github_escaping() {
        let d = Diagnostic::error(Code::BrokenLink, "50% of\nlinks").at("docs/a,b.md", 3, 4);
        assert_eq!(
            github(&[d], Path::new("")),
            "::error file=docs/a%2Cb.md,line=3,col=4,title=broken-link::50%25 of%0Alinks\n"
        );
    }
}

/// Where findings and progress go on a terminal (the CLI sets it up from
/// `--quiet`, `--verbose` and `--color`).
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    pub quiet: bool,
    pub verbose: bool,
    pub color: codespan_reporting::term::termcolor::ColorChoice,
}

impl Terminal {
    /// Prints diagnostics rustc-style to stderr (errors only when quiet).
    pub fn print_diags(&self, diags: &[Diagnostic], root: &Path) {
        let shown: Vec<Diagnostic> = diags.iter().filter(|d| !self.quiet || d.is_error()).cloned().collect();
        // Buffered: codespan writes many small pieces, one system call each
        // on a bare stderr (thousands of findings took minutes).
        let mut err = codespan_reporting::term::termcolor::BufferedStandardStream::stderr(self.color);
        print_human(&shown, root, &mut err);
        let _ = std::io::Write::flush(&mut err);
    }
}

// Counting words live with the diagnostics (every layer counts things).
pub use crate::diagnostics::{plural, thousands};
