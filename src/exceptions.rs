//! Accepted exceptions (`[[exceptions]]` in smsdoc.toml): a finding an
//! approver has accepted, with a reason and an end date. A warning that
//! matches an exception exactly (its code, and its target: the document id
//! or file it is in, or the clause, required-document key, series key,
//! finding id or document it is about) is taken out of the warnings and
//! kept as accepted, shown as "accepted until …, by …: reason". Expired,
//! unused or unjustified exceptions are warnings themselves; an expired or
//! invalid one accepts nothing.

use crate::config::{Config, ExceptionConfig, Setting, CONFIG_FILE};
use crate::content::Document;
use crate::dates::parse_date;
use crate::diagnostics::{did_you_mean, slash_path, Code, Diagnostic, Severity};
use crate::model::PerDoc;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;

/// A valid exception.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exception {
    pub code: Code,
    pub target: String,
    pub reason: String,
    pub approved_by: String,
    pub approved_on: Date,
    pub until: Date,
    #[serde(skip)]
    pub line: usize,
    #[serde(skip)]
    pub column: usize,
}

impl Exception {
    /// "accepted until 2027-01-31, by Director of Service Delivery: reason".
    pub fn summary(&self) -> String {
        format!(
            "accepted until {}, by {}: {}",
            self.until, self.approved_by, self.reason
        )
    }
}

/// A finding an exception accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accepted {
    pub finding: Diagnostic,
    pub exception: Exception,
}

/// Codes whose findings can be accepted: warnings a handbook may
/// legitimately carry for a while. Errors never can.
fn acceptable(code: Code) -> bool {
    !matches!(
        code,
        Code::Config
            | Code::FrontMatter
            | Code::Io
            | Code::Template
            | Code::DuplicateId
            | Code::ExceptionExpired
            | Code::ExceptionUnused
            | Code::ExceptionInvalid
    )
}

/// Checks every configured exception: `Some` for those that may accept
/// findings today, and the findings about the others.
pub fn validate(config: &Config, today: Date) -> (Vec<Option<Exception>>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let list = config
        .exceptions
        .iter()
        .map(|e| check_one(e, today, &mut diags))
        .collect();
    (list, diags)
}

/// How `check_one` reports a problem with an entry: severity, the setting
/// it is about (else the entry), message, help.
type Report<'r> = dyn FnMut(Severity, Option<&Setting<String>>, String, &str) + 'r;

fn check_one(e: &ExceptionConfig, today: Date, diags: &mut Vec<Diagnostic>) -> Option<Exception> {
    let at = |s: Option<&Setting<String>>| s.map_or((e.line, e.column), |s| (s.line, s.column));
    let mut problem = |sev: Severity, s: Option<&Setting<String>>, msg: String, help: &str| {
        let (line, column) = at(s);
        diags.push(
            Diagnostic::new(sev, Code::ExceptionInvalid, msg)
                .at(CONFIG_FILE, line, column)
                .help(help.to_string()),
        );
    };
    let text = |s: &Option<Setting<String>>| s.as_ref().map(|s| s.value.clone()).filter(|v| !v.is_empty());
    let code = match &e.code {
        None => {
            problem(
                Severity::Error,
                None,
                "exception without `code`".into(),
                "name the finding's code, e.g. code = \"review-overdue\"",
            );
            None
        }
        Some(c) => match Code::parse(&c.value) {
            Some(code) if acceptable(code) => Some(code),
            Some(code) => {
                problem(
                    Severity::Error,
                    Some(c),
                    format!("`{code}` findings cannot be accepted"),
                    "fix the problem instead: configuration, front matter, I/O, template and duplicate-id findings have no exceptions",
                );
                None
            }
            None => {
                let help = match did_you_mean(&c.value, Code::ALL.iter().map(|c| c.as_str())) {
                    Some(s) => format!("did you mean `{s}`? The README's diagnostics table lists every code"),
                    None => "use a code as `smsdoc check` prints it, e.g. review-overdue; the README lists every code"
                        .into(),
                };
                problem(
                    Severity::Error,
                    Some(c),
                    format!("exception for unknown code `{}`", c.value),
                    &help,
                );
                None
            }
        },
    };
    let target = text(&e.target);
    if target.is_none() {
        problem(
            Severity::Error,
            e.target.as_ref(),
            "exception without `target`".into(),
            "name exactly what is accepted: a document id, a file, a clause number, a required-document key, a series key or a finding id",
        );
    }
    let date = |s: &Option<Setting<String>>, name: &str, diags_problem: &mut Report<'_>| {
        let s = s.as_ref()?;
        match parse_date(&s.value) {
            Ok(d) => Some(d),
            Err(m) => {
                diags_problem(
                    Severity::Error,
                    Some(s),
                    format!("exception `{name}`: {m}"),
                    "write dates as \"YYYY-MM-DD\"",
                );
                None
            }
        }
    };
    let approved_on = date(&e.approved_on, "approved_on", &mut problem);
    let until = date(&e.until, "until", &mut problem);
    let reason = text(&e.reason);
    let approved_by = text(&e.approved_by);
    let mut missing = Vec::new();
    if reason.is_none() {
        missing.push("reason");
    }
    if approved_by.is_none() {
        missing.push("approved_by");
    }
    if e.approved_on.is_none() {
        missing.push("approved_on");
    }
    if e.until.is_none() {
        missing.push("until");
    }
    if !missing.is_empty() {
        problem(
            Severity::Warning,
            None,
            format!(
                "exception{} is not justified: {} missing; it accepts nothing",
                target.as_ref().map(|t| format!(" for `{t}`")).unwrap_or_default(),
                missing.join(", ")
            ),
            "an accepted finding needs why (`reason`), who accepted it (`approved_by`), when (`approved_on`) and until when (`until`)",
        );
    }
    let exception = Exception {
        code: code?,
        target: target?,
        reason: reason?,
        approved_by: approved_by?,
        approved_on: approved_on?,
        until: until?,
        line: e.line,
        column: e.column,
    };
    if exception.until < today {
        diags.push(
            Diagnostic::warning(
                Code::ExceptionExpired,
                format!(
                    "the exception for `{}` {} expired on {}; its findings are reported again",
                    exception.target, exception.code, exception.until
                ),
            )
            .at(CONFIG_FILE, e.line, e.column)
            .about(exception.target.clone())
            .help("fix the finding and remove the exception, or have it accepted again with a new `until`"),
        );
        return None;
    }
    Some(exception)
}

/// Takes the warnings that an exception accepts out of `diags`. Returns
/// them as accepted, and an `exception-unused` warning for every valid
/// exception that matched nothing.
pub fn apply(
    exceptions: &[Option<Exception>],
    diags: &mut Vec<Diagnostic>,
    docs: &PerDoc<Document>,
) -> (Vec<Accepted>, Vec<Diagnostic>) {
    if exceptions.iter().all(Option::is_none) {
        return (Vec::new(), Vec::new());
    }
    let id_of: HashMap<&std::path::Path, &str> = docs.iter().map(|d| (d.file.as_path(), d.id.as_str())).collect();
    let mut used = vec![false; exceptions.len()];
    let mut accepted = Vec::new();
    let mut kept = Vec::with_capacity(diags.len());
    for d in diags.drain(..) {
        let file = d.file.as_deref();
        let matches = |e: &Exception| {
            e.code == d.code
                && (d.subject.as_deref() == Some(e.target.as_str())
                    || file.is_some_and(|f| slash_path(f) == e.target || id_of.get(f) == Some(&e.target.as_str())))
        };
        let hit = exceptions.iter().position(|e| e.as_ref().is_some_and(matches));
        match hit {
            Some(k) if d.severity == Severity::Warning => {
                used[k] = true;
                accepted.push(Accepted {
                    finding: d,
                    exception: exceptions[k].clone().unwrap_or_else(|| unreachable!("matched")),
                });
            }
            _ => kept.push(d),
        }
    }
    *diags = kept;
    let unused = exceptions
        .iter()
        .zip(&used)
        .filter_map(|(e, &u)| e.as_ref().filter(|_| !u))
        .map(|e| {
            let errors = diags.iter().any(|d| d.code == e.code && d.severity == Severity::Error);
            Diagnostic::warning(
                Code::ExceptionUnused,
                format!("the exception for `{}` {} matches no finding", e.target, e.code),
            )
            .at(CONFIG_FILE, e.line, e.column)
            .about(e.target.clone())
            .help(if errors {
                "errors cannot be accepted; remove the exception and fix the error".to_string()
            } else {
                "remove it (the finding is gone), or correct `code` and `target` to match the finding exactly (a document id or file, a clause number, a required-document key, a series key or a finding id)".to_string()
            })
        })
        .collect();
    (accepted, unused)
}
