//! `smsdoc diff BASE [HEAD]`: what a change does to the handbook, for a
//! pull-request comment or a CI gate.

use super::*;
use smsdoc::diff::{self, Diff};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A clause or required document loses its last approved document.
    Coverage,
    /// An error that the base did not have.
    Errors,
    /// Never fail (report only).
    None,
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The revision to compare from (a branch, tag or commit, e.g. origin/main).
    pub base: String,
    /// The revision to compare to. Default: the work tree as it is.
    pub head: Option<String>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// What makes the exit code 1 (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "coverage,errors")]
    pub fail_on: Vec<FailOn>,
    /// The date review findings are computed for (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub today: Option<Date>,
}

pub(crate) fn diff(g: &Global, a: &DiffArgs) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let root = config.root.clone();
    let options = BuildOptions {
        today: a.today.unwrap_or_else(smsdoc::dates::today),
        drafts: true,
    };
    let side = |revision: Option<&str>| -> Result<(Option<tempfile::TempDir>, Site), i32> {
        let (guard, dir) = match revision {
            Some(rev) => match diff::checkout(&root, rev) {
                Ok((guard, dir)) => (Some(guard), dir),
                Err(e) => {
                    eprintln!("error: {}\n  help: name a branch, tag or commit of this repository, e.g. `smsdoc diff origin/main`", e.0);
                    return Err(EXIT_USAGE);
                }
            },
            None => (None, root.clone()),
        };
        match diff::load(&dir, &options) {
            Ok(site) => Ok((guard, site)),
            Err(d) => {
                eprintln!(
                    "error: the handbook at {} cannot be loaded:",
                    revision.unwrap_or("the work tree")
                );
                print_diags(g, &d, &dir);
                Err(EXIT_USAGE)
            }
        }
    };
    let (_base_dir, base) = match side(Some(&a.base)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (_head_dir, head) = match side(a.head.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let d: Diff = diff::compare(&base, &head, &a.base, a.head.as_deref().unwrap_or("work tree"));
    let out = match a.format {
        DiffFormat::Human => diff::text(&d),
        DiffFormat::Markdown => diff::markdown(&d),
        DiffFormat::Json => serde_json::to_string_pretty(&d).unwrap_or_default() + "\n",
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    let failing = (a.fail_on.contains(&FailOn::Coverage) && d.loses_coverage())
        || (a.fail_on.contains(&FailOn::Errors) && !d.new_errors.is_empty());
    if failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
