//! The integration tests, one binary (one link step, one set of helpers):
//! the real `smsdoc` binary run as a process on fixture handbooks, the
//! preview server over real sockets, and in-process property tests.
//! The long-running suites live apart: `tests/serve_stress.rs` (load and
//! abuse) and `tests/browser.rs` (headless Chromium).

#[path = "../common/mod.rs"]
mod common;

mod adoption;
mod architecture;
mod cascade;
mod cli;
mod coverage;
mod example;
mod fuzz_harness;
mod history;
mod init;
mod kill;
mod layout;
mod links;
mod malformed;
mod pdf;
mod properties;
mod records;
mod reviews;
mod serve;
mod snapshots;
