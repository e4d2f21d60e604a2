//! smsdoc: turns a repository of Markdown documents that make up a service
//! management system (ISO/IEC 20000-1) into a cross-referenced handbook site
//! with a clause-coverage matrix, a document register and review warnings.
//!
//! Data flows one way: [`config`] → [`content`] (load and validate) →
//! [`links`] (resolve) → [`coverage`] and [`reviews`] → [`site::Site`], the
//! whole handbook in memory → [`pages`] (render with [`templates`]) →
//! [`output`] (write atomically) or [`serve`] (serve from memory).

pub mod approval;
pub mod catalogue;
pub mod config;
pub mod content;
pub mod context;
pub mod coverage;
pub mod dates;
pub mod diagnostics;
pub mod diff;
pub mod exceptions;
pub mod exports;
pub mod findings;
pub mod frontmatter;
pub mod history;
pub mod init;
pub mod layout;
pub mod links;
pub mod markdown;
pub mod model;
pub mod output;
pub mod pages;
pub mod paths;
pub mod pdf;
pub mod rebuild;
pub mod report;
pub mod retention;
pub mod reviews;
pub mod search;
pub mod series;
pub mod serve;
pub mod site;
pub mod soa;
pub mod templates;
