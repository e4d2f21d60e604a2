//! Diagnostics: every problem smsdoc finds, with where it came from.
//!
//! A diagnostic is plain data (severity, stable code, file, line, column,
//! message, help) so that the same findings can be printed rustc-style for a
//! person, as JSON for tools, as GitHub workflow commands or as JUnit XML.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// For information only (e.g. records past their retention period):
    /// listed, never failing a run, not even with `--strict`.
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// The stable diagnostic codes of the SPEC. Their spelling is part of the
/// contract: CI scripts match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    Config,
    FrontMatter,
    MissingField,
    InvalidField,
    DuplicateId,
    UnknownClause,
    ClauseTooDeep,
    BrokenLink,
    BrokenAnchor,
    ReviewOverdue,
    ReviewDueSoon,
    ReviewMissing,
    UncoveredClause,
    MissingRequiredDocument,
    Io,
    Template,
    ChangedAfterApproval,
    ApprovalIncomplete,
    ApprovalOnDraft,
    DateInFuture,
    ReviewBeforeApproval,
    ReviewSkipped,
    SupersedesNotRetired,
    SelfApproval,
    RetiredLink,
    RecordOverdue,
    RecordMissing,
    RetentionExpired,
    FindingOverdue,
    ExceptionExpired,
    ExceptionUnused,
    ExceptionInvalid,
    AmbiguousProvides,
    SoaInvalid,
}

impl Code {
    pub const ALL: [Code; 34] = [
        Code::Config,
        Code::FrontMatter,
        Code::MissingField,
        Code::InvalidField,
        Code::DuplicateId,
        Code::UnknownClause,
        Code::ClauseTooDeep,
        Code::BrokenLink,
        Code::BrokenAnchor,
        Code::ReviewOverdue,
        Code::ReviewDueSoon,
        Code::ReviewMissing,
        Code::UncoveredClause,
        Code::MissingRequiredDocument,
        Code::Io,
        Code::Template,
        Code::ChangedAfterApproval,
        Code::ApprovalIncomplete,
        Code::ApprovalOnDraft,
        Code::DateInFuture,
        Code::ReviewBeforeApproval,
        Code::ReviewSkipped,
        Code::SupersedesNotRetired,
        Code::SelfApproval,
        Code::RetiredLink,
        Code::RecordOverdue,
        Code::RecordMissing,
        Code::RetentionExpired,
        Code::FindingOverdue,
        Code::ExceptionExpired,
        Code::ExceptionUnused,
        Code::ExceptionInvalid,
        Code::AmbiguousProvides,
        Code::SoaInvalid,
    ];

    /// The code spelled `s` (as in `check` output and exceptions).
    pub fn parse(s: &str) -> Option<Code> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Config => "config",
            Code::FrontMatter => "front-matter",
            Code::MissingField => "missing-field",
            Code::InvalidField => "invalid-field",
            Code::DuplicateId => "duplicate-id",
            Code::UnknownClause => "unknown-clause",
            Code::ClauseTooDeep => "clause-too-deep",
            Code::BrokenLink => "broken-link",
            Code::BrokenAnchor => "broken-anchor",
            Code::ReviewOverdue => "review-overdue",
            Code::ReviewDueSoon => "review-due-soon",
            Code::ReviewMissing => "review-missing",
            Code::UncoveredClause => "uncovered-clause",
            Code::MissingRequiredDocument => "missing-required-document",
            Code::Io => "io",
            Code::Template => "template",
            Code::ChangedAfterApproval => "changed-after-approval",
            Code::ApprovalIncomplete => "approval-incomplete",
            Code::ApprovalOnDraft => "approval-on-draft",
            Code::DateInFuture => "date-in-future",
            Code::ReviewBeforeApproval => "review-before-approval",
            Code::ReviewSkipped => "review-skipped",
            Code::SupersedesNotRetired => "supersedes-not-retired",
            Code::SelfApproval => "self-approval",
            Code::RetiredLink => "retired-link",
            Code::RecordOverdue => "record-overdue",
            Code::RecordMissing => "record-missing",
            Code::RetentionExpired => "retention-expired",
            Code::FindingOverdue => "finding-overdue",
            Code::ExceptionExpired => "exception-expired",
            Code::ExceptionUnused => "exception-unused",
            Code::ExceptionInvalid => "exception-invalid",
            Code::AmbiguousProvides => "ambiguous-provides",
            Code::SoaInvalid => "soa-invalid",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    /// Path relative to the handbook root (forward slashes), when the
    /// problem belongs to a file.
    #[serde(serialize_with = "ser_path")]
    pub file: Option<PathBuf>,
    /// 1-based; 0 when unknown.
    pub line: usize,
    /// 1-based, in characters; 0 when unknown.
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
    /// What the finding is about when that is not (only) its file: a
    /// clause tag, a required-document key, a series key, a document id.
    /// Accepted exceptions match on it (`target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

fn ser_path<S: serde::Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_str(&slash_path(p)),
        None => s.serialize_none(),
    }
}

/// A path with forward slashes, the way it is shown to users and tools on
/// every platform.
pub fn slash_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

impl Diagnostic {
    pub fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            file: None,
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            subject: None,
        }
    }
    pub fn note(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message)
    }
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }
    pub fn at(mut self, file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self.column = column;
        self
    }
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` as editors and terminals understand it.
    pub fn location(&self) -> String {
        match &self.file {
            None => String::new(),
            Some(f) if self.line == 0 => slash_path(f),
            Some(f) if self.column == 0 => format!("{}:{}", slash_path(f), self.line),
            Some(f) => format!("{}:{}:{}", slash_path(f), self.line, self.column),
        }
    }

    /// Ordering used everywhere diagnostics are listed: by file, position,
    /// then code. The sort is stable and diagnostics are produced in a
    /// deterministic order, so file-less findings keep catalogue order.
    pub fn sort_key(&self) -> (Option<&PathBuf>, usize, usize, Code) {
        (self.file.as_ref(), self.line, self.column, self.code)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = self.location();
        if !loc.is_empty() {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}[{}]: {}", self.severity.as_str(), self.code, self.message)?;
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// Byte offset → (1-based line, 1-based column in chars).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
        (line, col)
    }
}

/// "Did you mean …?" for a mistyped name among known ones.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = input.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.88)
        // Ties go to the alphabetically first name, so the suggestion does
        // not depend on the (hash map) order of the candidates.
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c.to_string())
}

/// `12,345`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 warning`, `1,234 warnings`.
pub fn plural(n: usize, one: &str) -> String {
    format!("{} {one}{}", thousands(n), if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_chars_not_bytes() {
        let text = "ab\nçé x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        // 'x' is at byte 3 + 2 + 2 + 1 = 8, the 4th character of line 2.
        assert_eq!(idx.line_col(text, 8), (2, 4));
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("procedur", ["policy", "procedure", "plan"]).as_deref(),
            Some("procedure")
        );
        assert_eq!(did_you_mean("zzz", ["policy"]), None);
    }
}
