//! The command line: argument parsing and one function per command. Exit
//! codes follow the SPEC: 0 clean, 1 failing findings, 2 usage or
//! configuration error, 3 internal error.

use crate::catalogue::Catalogues;
use crate::config::{self, Config};
use crate::diagnostics::Diagnostic;
use crate::report::{self, Format};
use crate::site::{BuildOptions, Site};
use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::ColorChoice;
use jiff::civil::Date;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_INTERNAL: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "smsdoc",
    version,
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
    /// Print coverage, the register or review dates to stdout.
    Export(ExportArgs),
    /// Create a starter handbook: config, folders and one draft per required document.
    Init(InitArgs),
    /// Preview the handbook in a browser; rebuilds and reloads on every save.
    Serve(ServeArgs),
}

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Folder to create the handbook in (default: the current folder).
    pub dir: Option<PathBuf>,
    /// Standard whose required documents become starter documents.
    #[arg(long, default_value = "iso20000-1:2018", value_name = "ID")]
    pub standard: String,
    /// Write into a non-empty folder (files with the same names are overwritten).
    #[arg(long)]
    pub force: bool,
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

#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    /// Output directory (default: output_dir from smsdoc.toml).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Override base_url, e.g. https://intranet.example.com/sms/ or /sms/.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ClausesArgs {
    /// Standard id, e.g. iso27001:2022 (default: the handbook's first standard).
    #[arg(long, value_name = "ID")]
    pub standard: Option<String>,
    /// List the required documented information (keys for `provides`).
    #[arg(long)]
    pub required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    Coverage,
    Register,
    Reviews,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Md,
    Ics,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    #[arg(value_enum)]
    pub what: ExportWhat,
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    #[command(flatten)]
    pub common: CommonArgs,
}

fn parse_today(s: &str) -> Result<Date, String> {
    crate::dates::parse_date(s)
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    let g = cli.global;
    match cli.command {
        Command::Build(a) => build(&g, &a),
        Command::Check(a) => check(&g, &a),
        Command::Clauses(a) => clauses(&g, &a),
        Command::Export(a) => export(&g, &a),
        Command::Serve(a) => serve(&g, &a),
        Command::Init(a) => init(&g, &a),
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

/// Prints diagnostics rustc-style to stderr (errors only with --quiet).
pub fn print_diags(g: &Global, diags: &[Diagnostic], root: &Path) {
    let shown: Vec<Diagnostic> = diags.iter().filter(|d| !g.quiet || d.is_error()).cloned().collect();
    // Buffered: codespan writes many small pieces, one system call each on
    // a bare stderr (thousands of findings took minutes).
    let mut err = codespan_reporting::term::termcolor::BufferedStandardStream::stderr(color_choice(
        g.color,
        std::io::stderr().is_terminal(),
    ));
    report::print_human(&shown, root, &mut err);
    let _ = err.flush();
}

pub fn today() -> Date {
    jiff::Zoned::now().date()
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
                    crate::diagnostics::Code::Config,
                    format!("--root {} is not a folder", r.display()),
                )
                .help("pass the folder that holds smsdoc.toml");
                return Err((vec![d], cwd));
            }
            r
        }
        None => config::find_root(&cwd).unwrap_or(cwd.clone()),
    };
    let root = crate::paths::normalise(&root);
    config::load(&root).map_err(|diags| (diags, root))
}

fn options(c: &CommonArgs) -> BuildOptions {
    BuildOptions {
        today: c.today.unwrap_or_else(today),
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

fn print_timings(g: &Global, site: &Site, extra: &[(&str, std::time::Duration)]) {
    if !g.verbose {
        return;
    }
    let mut err = std::io::stderr();
    for (name, d) in site
        .timings
        .phases
        .iter()
        .map(|(n, d)| (*n, *d))
        .chain(extra.iter().copied())
    {
        let _ = writeln!(err, "  {name:<18} {:>8.1} ms", d.as_secs_f64() * 1000.0);
    }
}

fn plural(n: usize, one: &str) -> String {
    format!("{} {one}{}", thousands(n), if n == 1 { "" } else { "s" })
}

pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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

fn build(g: &Global, a: &BuildArgs) -> i32 {
    let started = Instant::now();
    let mut config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(out) = &a.out {
        config.output_dir = crate::paths::normalise(&cwd.join(out));
        if let Err(d) = config::check_output_dir(&config.root, &config.content_dir, &config.output_dir) {
            print_diags(g, &[d], &config.root);
            return EXIT_USAGE;
        }
    }
    if let Some(url) = &a.base_url {
        config.set_base_url(url);
    }
    let root = config.root.clone();
    let out_dir = config.output_dir.clone();
    let fail_on_warnings = config.fail_on_warnings || a.common.strict;
    let progress = Progress::new(g);
    progress.show("loading and checking documents…");
    let mut site = match load_site(g, config, &a.common) {
        Ok(s) => s,
        Err(code) => {
            progress.clear();
            return code;
        }
    };
    progress.clear();
    print_diags(g, &site.diags, &root);
    if report::is_failing(&site.diags, fail_on_warnings) {
        eprintln!(
            "error: build failed with {} and {}; nothing was written (the previous site in {} is unchanged)",
            plural(site.errors(), "error"),
            plural(site.warnings(), "warning"),
            out_dir.display()
        );
        return EXIT_FINDINGS;
    }
    let t = Instant::now();
    let templates = match crate::templates::Templates::load(&site.config) {
        Ok(t) => t,
        Err(d) => {
            print_diags(g, &d, &root);
            return EXIT_FINDINGS;
        }
    };
    let staging = match crate::output::Staging::new(&out_dir) {
        Ok(s) => s,
        Err(d) => {
            print_diags(g, std::slice::from_ref(&d), &root);
            // A refused output directory is a usage error; an I/O failure
            // a failed build.
            return if d.code == crate::diagnostics::Code::Config {
                EXIT_USAGE
            } else {
                EXIT_FINDINGS
            };
        }
    };
    progress.show(&format!(
        "rendering {} pages…",
        thousands(site.included.iter().filter(|&&b| b).count())
    ));
    let documents = crate::pages::render_documents(&site, &templates, &staging);
    site.release_sources();
    let rendered = crate::pages::render_rest(&site, &templates, &staging, documents);
    progress.clear();
    let render_phases = match rendered {
        Ok(t) => t.phases,
        Err(d) => {
            print_diags(g, &d, &root);
            eprintln!(
                "error: build failed; nothing was written (the previous site in {} is unchanged)",
                out_dir.display()
            );
            return EXIT_FINDINGS;
        }
    };
    let render_time = t.elapsed();
    let t = Instant::now();
    if let Err(d) = staging.commit() {
        print_diags(g, &[d], &root);
        return EXIT_FINDINGS;
    }
    // The parts of render+write, indented under it.
    let parts: Vec<(String, std::time::Duration)> =
        render_phases.into_iter().map(|(n, d)| (format!("  {n}"), d)).collect();
    let mut phases = vec![("render+write", render_time)];
    phases.extend(parts.iter().map(|(n, d)| (n.as_str(), *d)));
    phases.push(("swap", t.elapsed()));
    print_timings(g, &site, &phases);
    if !g.quiet {
        eprintln!(
            "built {} in {:.2} s — {} → {}",
            plural(site.included.iter().filter(|&&b| b).count(), "document"),
            started.elapsed().as_secs_f64(),
            plural(site.warnings(), "warning"),
            out_dir.display()
        );
    }
    EXIT_OK
}

fn check(g: &Global, a: &CheckArgs) -> i32 {
    let started = Instant::now();
    let config = match find_config(g) {
        Ok(c) => c,
        Err((diags, root)) => return check_stopped(g, a, &diags, &root),
    };
    let root = config.root.clone();
    let fail_on_warnings = config.fail_on_warnings || a.common.strict;
    let site = match Site::load(config, options(&a.common)) {
        Ok(s) => s,
        Err(diags) => return check_stopped(g, a, &diags, &root),
    };
    let failing = report::is_failing(&site.diags, fail_on_warnings);
    let mut stdout = std::io::stdout().lock();
    match a.format {
        Format::Human => {
            print_diags(g, &site.diags, &root);
            print_timings(g, &site, &[]);
            if !g.quiet || failing {
                eprintln!(
                    "{} {} in {:.2} s — {}, {}",
                    if failing { "check failed:" } else { "checked" },
                    plural(site.included.iter().filter(|&&b| b).count(), "document"),
                    started.elapsed().as_secs_f64(),
                    plural(site.errors(), "error"),
                    plural(site.warnings(), "warning"),
                );
            }
        }
        Format::Json => {
            let v = report::json_report(Some(&site), &site.diags, site.options.today);
            let _ = writeln!(stdout, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Github => {
            let _ = write!(stdout, "{}", report::github(&site.diags));
        }
        Format::Junit => {
            let _ = write!(stdout, "{}", report::junit(Some(&site), &site.diags, fail_on_warnings));
        }
    }
    if failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// A check that could not run (configuration or catalogue errors): the
/// findings go to stderr, and in a machine format to stdout too, so CI that
/// parses the report still sees why (exit code 2).
fn check_stopped(g: &Global, a: &CheckArgs, diags: &[Diagnostic], root: &Path) -> i32 {
    print_diags(g, diags, root);
    let mut stdout = std::io::stdout().lock();
    let today = a.common.today.unwrap_or_else(today);
    let _ = match a.format {
        Format::Human => Ok(()),
        Format::Json => writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&report::json_report(None, diags, today)).unwrap_or_default()
        ),
        Format::Github => write!(stdout, "{}", report::github(diags)),
        Format::Junit => write!(stdout, "{}", report::junit(None, diags, true)),
    };
    EXIT_USAGE
}

fn clauses(g: &Global, a: &ClausesArgs) -> i32 {
    // Inside a handbook, its own catalogues (and custom files) are used;
    // elsewhere the built-in ones.
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let has_config = match &g.root {
        Some(r) => r.join(config::CONFIG_FILE).is_file(),
        None => config::find_root(&cwd).is_some(),
    };
    let mut list = if has_config {
        let config = match load_config(g) {
            Ok(c) => c,
            Err(code) => return code,
        };
        match Catalogues::load(&config) {
            Ok(c) => c.list,
            Err(d) => {
                print_diags(g, &d, &config.root);
                return EXIT_USAGE;
            }
        }
    } else {
        Catalogues::builtin_ids()
            .iter()
            .filter_map(|id| Catalogues::builtin(id))
            .collect()
    };
    if let Some(std) = &a.standard {
        let builtin = Catalogues::builtin(std);
        match list.iter().position(|c| &c.id == std) {
            Some(p) => list = vec![list.swap_remove(p)],
            None if builtin.is_some() => list = builtin.into_iter().collect(),
            None => {
                let ids = Catalogues::builtin_ids();
                eprintln!("error: unknown standard `{std}`; available: {}", ids.join(", "));
                return EXIT_USAGE;
            }
        }
    } else {
        list.truncate(1);
    }
    let mut out = std::io::stdout().lock();
    for cat in &list {
        let _ = writeln!(out, "{} — {}", cat.title, cat.name);
        let example = cat
            .clauses
            .iter()
            .rev()
            .find(|c| c.children.is_empty())
            .map_or("1", |c| c.number.as_str());
        let _ = writeln!(
            out,
            "(tag clauses as `{example}`, or qualified as `{}:{example}`)\n",
            cat.id
        );
        if a.required {
            let width = cat.required.iter().map(|r| r.key.len()).max().unwrap_or(0);
            for r in &cat.required {
                let _ = writeln!(
                    out,
                    "{:<width$}  {} (clauses {}; {})",
                    r.key,
                    r.label,
                    r.clauses.join(", "),
                    r.basis
                );
            }
        } else {
            for c in &cat.clauses {
                let _ = writeln!(out, "{}{:<10} {}", "  ".repeat(c.depth), c.number, c.title);
            }
        }
        let _ = writeln!(out);
    }
    EXIT_OK
}

fn export(g: &Global, a: &ExportArgs) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let root = config.root.clone();
    let site = match load_site(g, config, &a.common) {
        Ok(s) => s,
        Err(code) => return code,
    };
    use crate::exports as x;
    use ExportFormat as F;
    use ExportWhat as W;
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    let text = match (a.what, a.format) {
        (W::Coverage, F::Json) => pretty(x::coverage_json(&site)),
        (W::Coverage, F::Csv) => x::coverage_csv(&site),
        (W::Coverage, F::Md) => x::coverage_md(&site),
        (W::Register, F::Json) => pretty(x::register_json(&site)),
        (W::Register, F::Csv) => x::register_csv(&site),
        (W::Register, F::Md) => x::register_md(&site),
        (W::Reviews, F::Ics) => x::reviews_ics(&site),
        (W::Reviews, F::Json) => pretty(x::reviews_json(&site)),
        (W::Reviews, F::Csv) => x::reviews_csv(&site),
        (what, format) => {
            eprintln!(
                "error: {} cannot be exported as {}; use {}",
                format!("{what:?}").to_lowercase(),
                format!("{format:?}").to_lowercase(),
                if what == W::Reviews {
                    "ics, csv or json"
                } else {
                    "csv, json or md"
                }
            );
            return EXIT_USAGE;
        }
    };
    let errors: Vec<Diagnostic> = site.diags.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        print_diags(g, &errors, &root);
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    EXIT_OK
}

fn init(g: &Global, a: &InitArgs) -> i32 {
    let dir = a
        .dir
        .clone()
        .or_else(|| g.root.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    match crate::init::init(&dir, &a.standard, a.force) {
        Ok(r) => {
            if !g.quiet {
                let shown = r.root.display();
                eprintln!(
                    "created a starter handbook in {shown} with {} draft documents\n\n\
                     next steps:\n  \
                     smsdoc serve --root {shown}     preview it in your browser while you write\n  \
                     smsdoc check --root {shown}     see what is still missing (drafts and gaps are expected)\n  \
                     smsdoc build --root {shown}     write the site to {shown}/public",
                    r.documents
                );
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one (the URL is printed).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address makes the
    /// handbook readable from other machines.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the handbook in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Poll for changes instead of using file-system notifications (for
    /// network and container file systems).
    #[arg(long)]
    pub poll: bool,
    /// Also write the site to this directory after every rebuild.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The date review findings are computed for (YYYY-MM-DD). Default: today.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub today: Option<Date>,
    /// Leave draft documents out of the site.
    #[arg(long = "no-drafts")]
    pub no_drafts: bool,
}

fn serve(g: &Global, a: &ServeArgs) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let opts = crate::serve::ServeOptions {
        bind: a.bind,
        port: a.port,
        open: a.open,
        poll: a.poll,
        out: a.out.as_ref().map(|o| crate::paths::normalise(&cwd.join(o))),
        today: a.today,
        drafts: !a.no_drafts,
    };
    crate::serve::run(g, config, opts)
}
