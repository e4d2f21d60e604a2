//! The vocabulary of the document model: document types, statuses and
//! classification levels. A leaf: configuration, catalogues and documents
//! all speak it, so it depends on nothing in the crate.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocType {
    Policy,
    Procedure,
    Plan,
    Process,
    Record,
    Service,
    Agreement,
    Report,
    Form,
    Other,
}

impl DocType {
    pub const ALL: [DocType; 10] = [
        DocType::Policy,
        DocType::Procedure,
        DocType::Plan,
        DocType::Process,
        DocType::Record,
        DocType::Service,
        DocType::Agreement,
        DocType::Report,
        DocType::Form,
        DocType::Other,
    ];
    pub const NAMES: [&'static str; 10] = [
        "policy",
        "procedure",
        "plan",
        "process",
        "record",
        "service",
        "agreement",
        "report",
        "form",
        "other",
    ];
    pub fn parse(s: &str) -> Option<DocType> {
        Self::NAMES.iter().position(|n| *n == s).map(|i| Self::ALL[i])
    }
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    pub fn plural_label(self) -> &'static str {
        match self {
            DocType::Policy => "Policies",
            DocType::Procedure => "Procedures",
            DocType::Plan => "Plans",
            DocType::Process => "Processes",
            DocType::Record => "Records",
            DocType::Service => "Services",
            DocType::Agreement => "Agreements",
            DocType::Report => "Reports",
            DocType::Form => "Forms",
            DocType::Other => "Other",
        }
    }
    /// Records of what was done (minutes, reports, logs, filled-in forms):
    /// kept for a retention period, never reviewed, so they have no
    /// review-date findings.
    pub fn is_record(self) -> bool {
        matches!(self, DocType::Record | DocType::Report | DocType::Form)
    }
    /// Types whose owner and review date are mandatory.
    pub fn is_governing(self) -> bool {
        matches!(
            self,
            DocType::Policy | DocType::Procedure | DocType::Plan | DocType::Process
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Approved,
    Retired,
}

impl Status {
    pub const NAMES: [&'static str; 3] = ["draft", "approved", "retired"];
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "draft" => Some(Status::Draft),
            "approved" => Some(Status::Approved),
            "retired" => Some(Status::Retired),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidentiality {
    Public,
    Internal,
    Confidential,
}

impl Confidentiality {
    pub const NAMES: [&'static str; 3] = ["public", "internal", "confidential"];
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "internal" => Some(Self::Internal),
            "confidential" => Some(Self::Confidential),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}
