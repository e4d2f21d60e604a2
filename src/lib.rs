//! smsdoc: turns a repository of Markdown documents that make up a service
//! management system (ISO/IEC 20000-1) into a cross-referenced handbook site
//! with a clause-coverage matrix, a document register and review warnings.
//!
//! Data flows one way: [`config`] → [`content`] (load and validate) →
//! `links` (resolve) → `coverage` and `reviews` → [`site::Site`], the
//! whole handbook in memory → [`pages`] (render with [`templates`]) →
//! [`output`] (write atomically) or [`serve`] (serve from memory).
//!
//! The `pub` modules are what the binary (`src/cmd/`), the tests and the
//! fuzz targets use; the `pub(crate)` ones are the derivation's parts,
//! reached through [`site::Site`]. Documents are named by
//! [`model::DocId`], and data held per document is a [`model::PerDoc`].

pub(crate) mod approval;
pub mod catalogue;
pub mod config;
pub mod content;
pub mod context;
pub(crate) mod coverage;
pub mod dates;
pub mod diagnostics;
pub mod diff;
pub(crate) mod exceptions;
pub mod exports;
pub(crate) mod findings;
pub mod frontmatter;
pub(crate) mod history;
pub mod init;
pub mod layout;
pub(crate) mod links;
pub mod markdown;
pub mod model;
pub mod output;
pub mod pages;
pub mod paths;
pub mod pdf;
pub(crate) mod rebuild;
pub mod report;
pub(crate) mod retention;
pub(crate) mod reviews;
pub(crate) mod search;
pub(crate) mod series;
pub mod serve;
pub mod site;
pub(crate) mod soa;
pub mod templates;
