//! The command line: argument parsing, one file per command, and the only
//! place that prints or picks exit codes. Exit codes follow the SPEC:
//! 0 clean, 1 failing findings, 2 usage or configuration error, 3 internal
//! error.

use clap::{Args, Parser, Subcommand, ValueEnum};
use smsdoc::catalogue::Catalogues;
use smsdoc::config::{self, Config};
use smsdoc::diagnostics::Diagnostic;
use smsdoc::report::{self, plural, thousands, Format, Terminal};
use smsdoc::site::{BuildOptions, Site};
use smsdoc::templates::Templates;

mod build;
mod check;
mod clauses;
mod completions;
mod diff;
mod export;
mod init;
mod man;
mod pdf;
mod serve;

use build::BuildArgs;
use check::CheckArgs;
use clauses::ClausesArgs;
use codespan_reporting::term::termcolor::ColorChoice;
use completions::CompletionsArgs;
use diff::DiffArgs;
use export::ExportArgs;
use init::InitArgs;
use jiff::civil::Date;
use man::ManArgs;
use pdf::PdfArgs;
use serve::ServeArgs;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INTERNAL: i32 = 3;

/// What `--version` prints after the name: the crate version and the Git
/// commit it was built from (see build.rs).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("SMSDOC_COMMIT"), ")");

#[derive(Parser, Debug)]
#[command(
    name = "smsdoc",
    version = VERSION,
    about = "Build, preview and check an ISO/IEC 20000-1 SMS handbook written in Markdown"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Handbook root (the folder holding smsdoc.toml). Default: the current
    /// folder or the nearest parent with a smsdoc.toml.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print phase timings and more detail.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the site into the output directory (default: public/).
    Build(BuildArgs),
    /// Check links, coverage and review dates without writing the site (the CI gate).
    Check(CheckArgs),
    /// Print a clause catalogue (and its required-document keys).
    Clauses(ClausesArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// What changes between two Git revisions of the handbook (documents, approvals, coverage, errors).
    Diff(DiffArgs),
    /// Print coverage, the register, review dates or record series to stdout.
    Export(ExportArgs),
    /// Create a starter handbook: config, folders and one draft per required document.
    Init(InitArgs),
    /// Print the man page (roff), or write one page per command into a folder.
    Man(ManArgs),
    /// Print the handbook to PDF with a headless Chromium (A4, page numbers, running headers, marked uncontrolled).
    Pdf(PdfArgs),
    /// Preview the handbook in a browser; rebuilds and reloads on every save.
    Serve(ServeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// The date review findings are computed for (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub today: Option<Date>,
    /// Fail on warnings too (overdue reviews, gaps …), not only errors.
    #[arg(long)]
    pub strict: bool,
    /// Leave draft documents out of the site.
    #[arg(long = "no-drafts", action = clap::ArgAction::SetTrue)]
    pub no_drafts: bool,
    /// Include draft documents (the default).
    #[arg(long, overrides_with = "no_drafts")]
    pub drafts: bool,
}

fn parse_today(s: &str) -> Result<Date, String> {
    smsdoc::dates::parse_date(s)
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let g = cli.global;
    match cli.command {
        Command::Build(a) => build::build(&g, &a),
        Command::Check(a) => check::check(&g, &a),
        Command::Clauses(a) => clauses::clauses(&g, &a),
        Command::Completions(a) => completions::completions(&a),
        Command::Diff(a) => diff::diff(&g, &a),
        Command::Export(a) => export::export(&g, &a),
        Command::Serve(a) => serve::serve(&g, &a),
        Command::Init(a) => init::init(&g, &a),
        Command::Man(a) => man::man(&a),
        Command::Pdf(a) => pdf::pdf(&g, &a),
    }
}

pub fn color_choice(when: ColorWhen, tty: bool) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto if tty && std::env::var_os("NO_COLOR").is_none() => ColorChoice::Auto,
        ColorWhen::Auto => ColorChoice::Never,
    }
}

/// The terminal as the global flags set it up.
pub fn terminal(g: &Global) -> Terminal {
    Terminal {
        quiet: g.quiet,
        verbose: g.verbose,
        color: color_choice(g.color, std::io::stderr().is_terminal()),
    }
}

/// Prints diagnostics rustc-style to stderr (errors only with --quiet).
pub fn print_diags(g: &Global, diags: &[Diagnostic], root: &Path) {
    terminal(g).print_diags(diags, root);
}

/// Finds the root and loads the config; on failure prints why and returns
/// the exit code.
pub fn load_config(g: &Global) -> Result<Config, i32> {
    find_config(g).map_err(|(diags, root)| {
        print_diags(g, &diags, &root);
        EXIT_USAGE
    })
}

/// Finds the root and loads the config; on failure the diagnostics and the
/// folder their paths are relative to.
fn find_config(g: &Global) -> Result<Config, (Vec<Diagnostic>, PathBuf)> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = match &g.root {
        Some(r) => {
            let r = if r.is_absolute() { r.clone() } else { cwd.join(r) };
            if !r.is_dir() {
                let d = Diagnostic::error(
                    smsdoc::diagnostics::Code::Config,
                    format!("--root {} is not a folder", r.display()),
                )
                .help("pass the folder that holds smsdoc.toml");
                return Err((vec![d], cwd));
            }
            r
        }
        None => config::find_root(&cwd).unwrap_or(cwd.clone()),
    };
    let root = smsdoc::paths::normalise(&root);
    config::load(&root).map_err(|diags| (diags, root))
}

fn options(c: &CommonArgs) -> BuildOptions {
    BuildOptions {
        today: c.today.unwrap_or_else(smsdoc::dates::today),
        drafts: !c.no_drafts,
    }
}

fn load_site(g: &Global, config: Config, c: &CommonArgs) -> Result<Site, i32> {
    let root = config.root.clone();
    Site::load(config, options(c)).map_err(|diags| {
        print_diags(g, &diags, &root);
        EXIT_USAGE
    })
}

/// What loading and checking the handbook for output gave.
enum Checked {
    /// No failing findings: the site and its templates. Its findings are
    /// not printed yet: the caller prints them (`build` does so while it
    /// renders; a large handbook's warnings take a while to format).
    Ready(Box<(Site, Templates)>),
    /// It could not be loaded (configuration, catalogues): the exit code;
    /// the reason is printed.
    Stopped(i32),
    /// Loaded, with failing findings (printed): nothing may be written.
    Failing(Box<Site>),
}

/// Loads and checks the handbook and its templates, printing the findings,
/// with a progress line on a terminal; `build` and `pdf` start this way.
fn load_checked(g: &Global, config: Config, c: &CommonArgs, fail_on_warnings: bool) -> Checked {
    let root = config.root.clone();
    let progress = Progress::new(g);
    progress.show("loading and checking documents…");
    let mut site = match load_site(g, config, c) {
        Ok(s) => s,
        Err(code) => {
            progress.clear();
            return Checked::Stopped(code);
        }
    };
    let templates = load_templates(&mut site);
    progress.clear();
    // Template errors are among the findings, so they fail here too.
    match templates {
        Some(t) if !report::is_failing(site.diags(), fail_on_warnings) => Checked::Ready(Box::new((site, t))),
        _ => {
            print_diags(g, site.diags(), &root);
            Checked::Failing(Box::new(site))
        }
    }
}

/// The handbook's templates, and their problems as findings of the site (a
/// template override that does not parse would fail the build: `check`
/// reports it too).
fn load_templates(site: &mut Site) -> Option<Templates> {
    match Templates::load(site.config()) {
        Ok(t) => Some(t),
        Err(d) => {
            site.add_diagnostics(d);
            None
        }
    }
}

fn print_timings(g: &Global, site: &Site, extra: &[(&str, std::time::Duration)]) {
    if !g.verbose {
        return;
    }
    let mut err = std::io::stderr();
    for (name, d) in site
        .timings()
        .phases
        .iter()
        .map(|(n, d)| (*n, *d))
        .chain(extra.iter().copied())
    {
        let _ = writeln!(err, "  {name:<18} {:>8.1} ms", d.as_secs_f64() * 1000.0);
    }
}

/// A one-line progress indicator for long runs, on a terminal only.
struct Progress {
    enabled: bool,
}

impl Progress {
    fn new(g: &Global) -> Progress {
        Progress {
            enabled: !g.quiet && std::io::stderr().is_terminal(),
        }
    }
    fn show(&self, msg: &str) {
        if self.enabled {
            let mut e = std::io::stderr();
            let _ = write!(e, "\r\x1b[2K{msg}");
            let _ = e.flush();
        }
    }
    fn clear(&self) {
        self.show("");
    }
}
