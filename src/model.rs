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

/// A document's place among the handbook's documents (`Site::docs`, in
/// discovery order). Typed, so that a document is never indexed by a
/// clause's, a catalogue's or a register row's number by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(usize);

impl DocId {
    /// The id of the document at `index` in `Site::docs` (and in every
    /// [`PerDoc`] beside it).
    pub fn new(index: usize) -> DocId {
        DocId(index)
    }
}

/// One value per document, indexed by [`DocId`] only: a bare number does
/// not index it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerDoc<T>(Vec<T>);

impl<T> PerDoc<T> {
    pub fn new() -> PerDoc<T> {
        PerDoc(Vec::new())
    }
    pub fn push(&mut self, value: T) -> DocId {
        self.0.push(value);
        DocId(self.0.len() - 1)
    }
    /// Every document's id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = DocId> + ExactSizeIterator + use<T> {
        (0..self.0.len()).map(DocId)
    }
    /// Each value with its document's id.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (DocId, &T)> + ExactSizeIterator {
        self.0.iter().enumerate().map(|(i, v)| (DocId(i), v))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.0.iter_mut()
    }
    /// In parallel, in document order.
    pub fn par_iter(&self) -> rayon::slice::Iter<'_, T>
    where
        T: Sync,
    {
        use rayon::prelude::*;
        self.0.par_iter()
    }
    /// The values in document order (for slice functions).
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }
    pub fn get(&self, id: DocId) -> Option<&T> {
        self.0.get(id.0)
    }
    pub fn get_mut(&mut self, id: DocId) -> Option<&mut T> {
        self.0.get_mut(id.0)
    }
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Default for PerDoc<T> {
    fn default() -> Self {
        PerDoc(Vec::new())
    }
}

impl<T> From<Vec<T>> for PerDoc<T> {
    fn from(v: Vec<T>) -> Self {
        PerDoc(v)
    }
}

impl<T> FromIterator<T> for PerDoc<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        PerDoc(iter.into_iter().collect())
    }
}

impl<T> std::ops::Index<DocId> for PerDoc<T> {
    type Output = T;
    fn index(&self, id: DocId) -> &T {
        &self.0[id.0]
    }
}

impl<T> std::ops::IndexMut<DocId> for PerDoc<T> {
    fn index_mut(&mut self, id: DocId) -> &mut T {
        &mut self.0[id.0]
    }
}

impl<'a, T> IntoIterator for &'a PerDoc<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> IntoIterator for PerDoc<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
