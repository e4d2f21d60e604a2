//! `smsdoc.toml`: the handbook's configuration, its defaults and its errors.

use crate::dates::Interval;
use crate::diagnostics::{did_you_mean, Code, Diagnostic, LineIndex};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const CONFIG_FILE: &str = "smsdoc.toml";

/// What `fail_on` may name.
const FAIL_ON: [&str; 2] = ["error", "warning"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<Spanned<String>>,
    base_url: Option<String>,
    #[serde(default = "default_content_dir")]
    content_dir: PathBuf,
    #[serde(default = "default_output_dir")]
    output_dir: PathBuf,
    #[serde(default = "default_theme")]
    theme: String,
    #[serde(default = "default_standards")]
    standards: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    catalogues: Vec<Spanned<PathBuf>>,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    review: RawReview,
    #[serde(default)]
    check: RawCheck,
    #[serde(default)]
    history: RawHistory,
    #[serde(default)]
    series: std::collections::BTreeMap<String, Spanned<RawSeries>>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    #[serde(default)]
    applicability: Vec<Spanned<RawApplicability>>,
    #[serde(default)]
    coverage: RawCoverage,
    #[serde(default)]
    print: RawPrint,
}

/// A date in smsdoc.toml, written as a TOML date (`2026-11-20`) or a
/// string (`"2026-11-20"`); checked later, where the finding belongs.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateText {
    Date(toml::value::Datetime),
    Text(String),
}

impl DateText {
    fn text(&self) -> String {
        match self {
            DateText::Date(d) => d.to_string(),
            DateText::Text(s) => s.clone(),
        }
    }
}

/// `[series.<key>]`: records expected at planned intervals.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeries {
    title: Option<String>,
    every: Spanned<String>,
    grace: Option<Spanned<String>>,
    #[serde(default)]
    clauses: Vec<Spanned<String>>,
    owner: Option<String>,
}

/// `[[exceptions]]`: an accepted finding. Every value is checked later (by
/// `exceptions`), so a missing reason or an unknown code is a finding at
/// its line, not a stop.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    code: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    approved_by: Option<Spanned<String>>,
    approved_on: Option<Spanned<DateText>>,
    until: Option<Spanned<DateText>>,
}

/// `[coverage]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCoverage {
    /// A document citing a clause is also evidence for the corresponding
    /// clauses of the other standards in force (marked "via crosswalk").
    #[serde(default)]
    crosswalk: bool,
}

/// `[print]`: the print handbook (`/print/` and `smsdoc pdf`).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPrint {
    paper: Option<Spanned<String>>,
    #[serde(default)]
    drafts: bool,
    #[serde(default)]
    retired: bool,
    marking: Option<String>,
}

/// Paper size of the print handbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    /// The CSS `@page { size }` value.
    pub fn css(self) -> &'static str {
        match self {
            Paper::A4 => "A4",
            Paper::Letter => "letter",
        }
    }
    pub fn parse(s: &str) -> Option<Paper> {
        match s.to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "letter" => Some(Paper::Letter),
            _ => None,
        }
    }
}

/// What the print handbook holds and how each page is marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintSettings {
    pub paper: Paper,
    /// Drafts are printed too (default: left out, listed on the cover).
    pub drafts: bool,
    /// Retired documents are printed too (default: left out).
    pub retired: bool,
    /// The marking at the foot of every printed page ("" for none).
    pub marking: String,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings {
            paper: Paper::A4,
            drafts: false,
            retired: false,
            marking: DEFAULT_MARKING.to_string(),
        }
    }
}

/// A printed copy of a controlled document is not kept up to date
/// (ISO/IEC 20000-1 7.5.3 asks that obsolete copies be prevented from
/// unintended use): every page says so unless the handbook says otherwise.
pub const DEFAULT_MARKING: &str = "Uncontrolled when printed";

/// `[[applicability]]`: one line of the Statement of Applicability.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplicability {
    control: Spanned<String>,
    #[serde(default = "default_true")]
    applicable: bool,
    justification: Option<Spanned<String>>,
    approved_by: Option<Spanned<String>>,
    approved_on: Option<Spanned<DateText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    #[serde(default = "default_true")]
    enabled: bool,
    #[serde(default = "default_history_entries")]
    max_entries: usize,
}

impl Default for RawHistory {
    fn default() -> Self {
        RawHistory {
            enabled: true,
            max_entries: default_history_entries(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_history_entries() -> usize {
    20
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    #[serde(default = "default_interval")]
    default_interval: Spanned<String>,
    #[serde(default = "default_due_soon")]
    due_soon: Spanned<String>,
}

impl Default for RawReview {
    fn default() -> Self {
        RawReview {
            default_interval: default_interval(),
            due_soon: default_due_soon(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    #[serde(default = "default_fail_on")]
    fail_on: Vec<Spanned<String>>,
    #[serde(default = "default_require_clauses")]
    require_clauses: Vec<Spanned<String>>,
    self_approval: Option<Spanned<String>>,
}

impl Default for RawCheck {
    fn default() -> Self {
        RawCheck {
            fail_on: default_fail_on(),
            require_clauses: default_require_clauses(),
            self_approval: None,
        }
    }
}

fn default_content_dir() -> PathBuf {
    "docs".into()
}
fn default_output_dir() -> PathBuf {
    "public".into()
}
fn default_theme() -> String {
    "default".into()
}
fn default_standards() -> Spanned<Vec<Spanned<String>>> {
    Spanned::new(0..0, vec![Spanned::new(0..0, "iso20000-1:2018".into())])
}
fn default_language() -> String {
    "en".into()
}
fn default_interval() -> Spanned<String> {
    Spanned::new(0..0, "12 months".into())
}
fn default_due_soon() -> Spanned<String> {
    Spanned::new(0..0, "30 days".into())
}
fn default_fail_on() -> Vec<Spanned<String>> {
    vec![Spanned::new(0..0, "error".into())]
}
fn default_require_clauses() -> Vec<Spanned<String>> {
    ["policy", "procedure", "plan", "process"]
        .into_iter()
        .map(|s| Spanned::new(0..0, s.to_string()))
        .collect()
}

/// A configured value and where in smsdoc.toml it is written (line and
/// column 0 when it is a default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub line: usize,
    pub column: usize,
}

/// A record series (`[series.<key>]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesConfig {
    pub key: String,
    pub title: String,
    pub every: Interval,
    pub grace: Option<Interval>,
    /// Clause tags, resolved against the catalogues by `series`.
    pub clauses: Vec<Setting<String>>,
    pub owner: Option<String>,
    /// Where the `[series.<key>]` table starts.
    pub line: usize,
    pub column: usize,
}

/// An `[[applicability]]` entry as written; `soa` validates it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplicabilityConfig {
    pub control: Setting<String>,
    pub applicable: bool,
    pub justification: Option<Setting<String>>,
    pub approved_by: Option<Setting<String>>,
    pub approved_on: Option<Setting<String>>,
    /// Where the entry starts.
    pub line: usize,
    pub column: usize,
}

/// An `[[exceptions]]` entry as written; `exceptions` validates it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExceptionConfig {
    pub code: Option<Setting<String>>,
    pub target: Option<Setting<String>>,
    pub reason: Option<Setting<String>>,
    pub approved_by: Option<Setting<String>>,
    pub approved_on: Option<Setting<String>>,
    pub until: Option<Setting<String>>,
    /// Where the entry starts.
    pub line: usize,
    pub column: usize,
}

/// The validated configuration. Paths are absolute (resolved against the
/// root) so the rest of the program never has to think about the working
/// directory.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub title: String,
    /// Always ends with `/`.
    pub base_url: String,
    /// No `base_url` was configured: links are relative (`../x/index.html`)
    /// so the site also works opened from disk (`file://`).
    pub relative: bool,
    pub content_dir: PathBuf,
    pub output_dir: PathBuf,
    pub theme: String,
    /// The standards in force, where each is named (for messages about it).
    pub standards: Vec<Setting<String>>,
    /// The user's catalogue files (joined to the root), where each is named.
    pub catalogues: Vec<Setting<PathBuf>>,
    pub language: String,
    pub default_interval: Interval,
    pub due_soon: Interval,
    pub fail_on_warnings: bool,
    pub require_clauses: Vec<String>,
    /// `[check] self_approval = "warn"`: a document approved by its owner
    /// is a finding.
    pub warn_self_approval: bool,
    /// `[coverage] crosswalk`: count documents for corresponding clauses of
    /// the other standards in force too ("via crosswalk").
    pub crosswalk_coverage: bool,
    /// `[history] enabled`: read change history and approval integrity
    /// from Git.
    pub history: bool,
    /// `[history] max_entries`: commits listed on a document page.
    pub history_entries: usize,
    /// `[print]`.
    pub print: PrintSettings,
    /// `[series.<key>]`, by key.
    pub series: Vec<SeriesConfig>,
    /// `[[exceptions]]`, in file order.
    pub exceptions: Vec<ExceptionConfig>,
    /// `[[applicability]]` (the Statement of Applicability), in file order.
    pub applicability: Vec<ApplicabilityConfig>,
}

impl Config {
    /// A config for tests and `init`: defaults with the given title.
    pub fn with_defaults(root: &Path, title: &str) -> Config {
        let raw: RawConfig =
            toml::from_str(&format!("title = {title:?}")).unwrap_or_else(|_| unreachable!("default config parses"));
        match validate(raw, root, "") {
            Ok(c) => c,
            Err(_) => unreachable!("default config is valid"),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    /// Path of `p` relative to the root, for messages.
    pub fn rel<'a>(&self, p: &'a Path) -> &'a Path {
        p.strip_prefix(&self.root).unwrap_or(p)
    }

    pub fn set_base_url(&mut self, url: &str) {
        self.base_url = normalise_base_url(url);
        self.relative = false;
    }

    /// What a page in site directory `dir` (e.g. `procedures/x/`, or `""`
    /// for the home page) puts before a site path to link to it.
    pub fn root_from(&self, dir: &str) -> String {
        if self.relative {
            "../".repeat(dir.matches('/').count())
        } else {
            self.base_url.clone()
        }
    }

    /// Appended to links to pages: `index.html` when links are relative,
    /// since a browser opening files does not resolve `x/` to `x/index.html`.
    pub fn index_suffix(&self) -> &'static str {
        if self.relative {
            "index.html"
        } else {
            ""
        }
    }

    /// A page's site path as linked: `procedures/x/` or `procedures/x/index.html`.
    pub fn page_link(&self, path: &str) -> String {
        if path.is_empty() || path.ends_with('/') {
            format!("{path}{}", self.index_suffix())
        } else {
            path.to_string()
        }
    }
}

fn normalise_base_url(url: &str) -> String {
    let url = url.trim();
    if url.is_empty() {
        return "/".into();
    }
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

/// The configured theme is `default` or a folder (a configuration error
/// otherwise: the run stops with exit code 2).
pub fn check_theme(config: &Config) -> Result<(), Diagnostic> {
    if config.theme == "default" || config.root.join(&config.theme).is_dir() {
        return Ok(());
    }
    Err(Diagnostic::error(
        Code::Config,
        format!("theme `{}` is neither `default` nor a folder", config.theme),
    )
    .in_file(CONFIG_FILE)
    .help("set theme = \"default\" or to a folder (relative to the root) holding templates/ and static/"))
}

/// Finds the handbook root: `start` itself or the nearest ancestor holding
/// `smsdoc.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
}

/// Loads and validates `root/smsdoc.toml`. Every problem becomes a `config`
/// diagnostic with the line and column of the offending key.
pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
    let path = root.join(CONFIG_FILE);
    let text = match std::fs::read(&path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                return Err(vec![Diagnostic::error(Code::Config, "smsdoc.toml is not valid UTF-8")
                    .in_file(CONFIG_FILE)
                    .help("save the file as UTF-8")])
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(vec![Diagnostic::error(
                Code::Config,
                format!("no {CONFIG_FILE} found in {}", root.display()),
            )
            .help("run `smsdoc init` to create a starter handbook, or pass --root DIR")])
        }
        Err(e) => {
            return Err(vec![Diagnostic::error(
                Code::Config,
                format!("cannot read {}: {e}", path.display()),
            )
            .in_file(CONFIG_FILE)])
        }
    };
    parse(root, &text)
}

/// Validates the text of `root/smsdoc.toml` (read by [`load`]); nothing is
/// read from disk.
pub fn parse(root: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return Err(vec![toml_error(text, &e)]),
    };
    validate(raw, root, text)
}

fn toml_error(text: &str, e: &toml::de::Error) -> Diagnostic {
    let (line, col) = match e.span() {
        Some(span) => LineIndex::new(text).line_col(text, span.start),
        None => (0, 0),
    };
    let message = e.message().trim().to_string();
    let mut d = Diagnostic::error(Code::Config, format!("invalid smsdoc.toml: {message}")).at(CONFIG_FILE, line, col);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or("");
        let known = [
            "title",
            "base_url",
            "content_dir",
            "output_dir",
            "theme",
            "standards",
            "catalogues",
            "language",
            "review",
            "check",
            "default_interval",
            "due_soon",
            "fail_on",
            "require_clauses",
            "self_approval",
            "coverage",
            "crosswalk",
            "history",
            "enabled",
            "max_entries",
            "series",
            "every",
            "grace",
            "clauses",
            "owner",
            "exceptions",
            "applicability",
            "control",
            "applicable",
            "justification",
            "code",
            "target",
            "reason",
            "approved_by",
            "approved_on",
            "until",
            "print",
            "paper",
            "drafts",
            "retired",
            "marking",
        ];
        d = d.help(match did_you_mean(key, known) {
            Some(s) => format!("did you mean `{s}`? See the README for every key"),
            None => "remove the key; the README lists every key smsdoc.toml accepts".into(),
        });
    } else {
        d = d.help("see the README for the keys smsdoc.toml accepts and their types");
    }
    d
}

fn validate(raw: RawConfig, root: &Path, text: &str) -> Result<Config, Vec<Diagnostic>> {
    let index = LineIndex::new(text);
    let at = |span: std::ops::Range<usize>, d: Diagnostic| {
        let (l, c) = if span.is_empty() && span.start == 0 {
            (0, 0)
        } else {
            index.line_col(text, span.start)
        };
        d.at(CONFIG_FILE, l, c)
    };
    let mut diags = Vec::new();

    let title = match raw.title {
        Some(t) if !t.get_ref().trim().is_empty() => t.into_inner(),
        Some(t) => {
            diags.push(at(
                t.span(),
                Diagnostic::error(Code::Config, "`title` is empty")
                    .help("give the handbook a title, e.g. title = \"Acme IT — SMS Handbook\""),
            ));
            String::new()
        }
        None => {
            diags.push(
                Diagnostic::error(Code::Config, "`title` is missing from smsdoc.toml")
                    .at(CONFIG_FILE, 1, 1)
                    .help("add a line like: title = \"Acme IT — SMS Handbook\""),
            );
            String::new()
        }
    };

    let mut interval = |s: &Spanned<String>, key: &str| match Interval::parse(s.get_ref()) {
        Ok(i) => i,
        Err(e) => {
            diags.push(at(
                s.span(),
                Diagnostic::error(Code::Config, format!("`{key}`: {e}"))
                    .help("write a duration like \"12 months\", \"1 year\", \"6 weeks\" or \"90 days\""),
            ));
            Interval::Months(12)
        }
    };
    let default_interval = interval(&raw.review.default_interval, "review.default_interval");
    let due_soon = interval(&raw.review.due_soon, "review.due_soon");

    let mut fail_on_warnings = false;
    for f in &raw.check.fail_on {
        match f.get_ref().as_str() {
            "error" => {}
            "warning" => fail_on_warnings = true,
            other => diags.push(at(
                f.span(),
                Diagnostic::error(Code::Config, format!("`check.fail_on`: unknown severity `{other}`"))
                    .help(format!("use one of: {}", FAIL_ON.join(", "))),
            )),
        }
    }
    let warn_self_approval = match &raw.check.self_approval {
        None => false,
        Some(v) => match v.get_ref().as_str() {
            "warn" => true,
            "off" => false,
            other => {
                diags.push(at(
                    v.span(),
                    Diagnostic::error(Code::Config, format!("`check.self_approval`: unknown value `{other}`"))
                        .help("use \"warn\" (a document approved by its own owner is a finding) or \"off\""),
                ));
                false
            }
        },
    };
    let mut require_clauses = Vec::new();
    for t in &raw.check.require_clauses {
        if crate::model::DocType::parse(t.get_ref()).is_none() {
            diags.push(at(
                t.span(),
                Diagnostic::error(
                    Code::Config,
                    format!("`check.require_clauses`: unknown document type `{}`", t.get_ref()),
                )
                .help(format!(
                    "use document types: {}",
                    crate::model::DocType::NAMES.join(", ")
                )),
            ));
        } else {
            require_clauses.push(t.get_ref().clone());
        }
    }
    if raw.standards.get_ref().is_empty() {
        diags.push(at(
            raw.standards.span(),
            Diagnostic::error(Code::Config, "`standards` is empty")
                .help("name at least one standard, e.g. standards = [\"iso20000-1:2018\"]"),
        ));
    }
    // Standards are checked against the catalogues later (the catalogue
    // module knows which exist); the span is kept for that message.
    let content_dir = root.join(&raw.content_dir);
    let output_dir = root.join(&raw.output_dir);
    if let Err(d) = check_output_dir(root, &content_dir, &output_dir) {
        // Point at the key that set it (output_dir, else content_dir).
        let key_line = |key: &str| {
            text.lines().position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
        };
        let line = key_line("output_dir").or_else(|| key_line("content_dir"));
        diags.push(match line {
            Some(l) => d.at(CONFIG_FILE, l + 1, 1),
            None => d,
        });
    }
    let place = |span: std::ops::Range<usize>| {
        if span.is_empty() && span.start == 0 {
            (0, 0)
        } else {
            index.line_col(text, span.start)
        }
    };
    let catalogues = raw
        .catalogues
        .iter()
        .map(|c| {
            let (line, column) = place(c.span());
            Setting {
                value: root.join(c.get_ref()),
                line,
                column,
            }
        })
        .collect();
    let setting = |s: &Spanned<String>| {
        let (line, column) = place(s.span());
        Setting {
            value: s.get_ref().trim().to_string(),
            line,
            column,
        }
    };
    let date_setting = |s: &Spanned<DateText>| {
        let (line, column) = index.line_col(text, s.span().start);
        Setting {
            value: s.get_ref().text(),
            line,
            column,
        }
    };
    let mut series = Vec::new();
    for (key, table) in &raw.series {
        let (line, column) = index.line_col(text, table.span().start);
        let t = table.get_ref();
        let mut duration = |s: &Spanned<String>, what: &str| match Interval::parse(s.get_ref()) {
            Ok(i) => Some(i),
            Err(e) => {
                diags.push(at(
                    s.span(),
                    Diagnostic::error(Code::Config, format!("`series.{key}.{what}`: {e}"))
                        .help("write a duration like \"12 months\", \"3 months\", \"1 year\" or \"30 days\""),
                ));
                None
            }
        };
        let every = duration(&t.every, "every");
        // `None`: written but not a duration (reported above).
        let grace = match &t.grace {
            Some(g) => duration(g, "grace").map(Some),
            None => Some(None),
        };
        let valid_key = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid_key {
            diags.push(
                Diagnostic::error(Code::Config, format!("series key `{key}` is not a valid name"))
                    .at(CONFIG_FILE, line, column)
                    .help("use lowercase letters, digits and dashes, e.g. [series.management-review]: the key is the page's URL"),
            );
        }
        if let (Some(every), Some(grace)) = (every, grace) {
            series.push(SeriesConfig {
                key: key.clone(),
                title: t
                    .title
                    .clone()
                    .filter(|x| !x.trim().is_empty())
                    .unwrap_or_else(|| key.clone()),
                every,
                grace,
                clauses: t.clauses.iter().map(setting).collect(),
                owner: t.owner.clone(),
                line,
                column,
            });
        }
    }
    let exceptions = raw
        .exceptions
        .iter()
        .map(|e| {
            let (line, column) = index.line_col(text, e.span().start);
            let r = e.get_ref();
            ExceptionConfig {
                code: r.code.as_ref().map(setting),
                target: r.target.as_ref().map(setting),
                reason: r.reason.as_ref().map(setting),
                approved_by: r.approved_by.as_ref().map(setting),
                approved_on: r.approved_on.as_ref().map(date_setting),
                until: r.until.as_ref().map(date_setting),
                line,
                column,
            }
        })
        .collect();
    let applicability = raw
        .applicability
        .iter()
        .map(|e| {
            let (line, column) = index.line_col(text, e.span().start);
            let r = e.get_ref();
            ApplicabilityConfig {
                control: setting(&r.control),
                applicable: r.applicable,
                justification: r.justification.as_ref().map(setting),
                approved_by: r.approved_by.as_ref().map(setting),
                approved_on: r.approved_on.as_ref().map(date_setting),
                line,
                column,
            }
        })
        .collect();
    let paper = match &raw.print.paper {
        None => Paper::A4,
        Some(p) => Paper::parse(p.get_ref()).unwrap_or_else(|| {
            diags.push(at(
                p.span(),
                Diagnostic::error(Code::Config, format!("unknown paper size `{}` in [print]", p.get_ref()))
                    .help("use paper = \"a4\" or paper = \"letter\""),
            ));
            Paper::A4
        }),
    };
    let print = PrintSettings {
        paper,
        drafts: raw.print.drafts,
        retired: raw.print.retired,
        marking: raw.print.marking.unwrap_or_else(|| DEFAULT_MARKING.to_string()),
    };
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(Config {
        root: root.to_path_buf(),
        title,
        relative: raw.base_url.is_none(),
        base_url: normalise_base_url(raw.base_url.as_deref().unwrap_or("/")),
        content_dir,
        output_dir,
        theme: raw.theme,
        standards: raw.standards.get_ref().iter().map(setting).collect(),
        catalogues,
        language: raw.language,
        default_interval,
        due_soon,
        fail_on_warnings,
        require_clauses,
        warn_self_approval,
        crosswalk_coverage: raw.coverage.crosswalk,
        history: raw.history.enabled,
        history_entries: raw.history.max_entries,
        print,
        series,
        exceptions,
        applicability,
    })
}

/// The output directory is replaced wholesale on every build, so it must
/// never be the root, the content, or anything containing them.
pub fn check_output_dir(root: &Path, content: &Path, out: &Path) -> Result<(), Diagnostic> {
    let norm = |p: &Path| crate::paths::normalise(p);
    // Lexically, and through symbolic links when the paths exist (an
    // output folder that is a link to the content is the content).
    let mut views = vec![(norm(root), norm(content), norm(out))];
    if let (Ok(r), Ok(o)) = (root.canonicalize(), out.canonicalize()) {
        views.push((r, content.canonicalize().unwrap_or_else(|_| norm(content)), o));
    }
    let mut bad = None;
    for (root, content, out) in &views {
        let overlaps = |p: &Path| out == p || out.starts_with(p) || p.starts_with(out);
        bad = if out == root || root.starts_with(out) {
            Some("the handbook root")
        } else if overlaps(content) {
            Some("the content directory")
        } else if overlaps(&root.join("templates")) {
            Some("the templates folder")
        } else if overlaps(&root.join("static")) {
            Some("the static folder")
        } else if overlaps(&root.join(".git")) {
            Some("the Git repository")
        } else {
            None
        };
        if bad.is_some() {
            break;
        }
    }
    match bad {
        Some(what) => Err(Diagnostic::error(
            Code::Config,
            format!(
                "output directory {} overlaps {what}; building would delete your sources",
                out.display()
            ),
        )
        .in_file(CONFIG_FILE)
        .help("set output_dir (or --out) to a separate folder such as \"public\"")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
        validate(raw, Path::new("/h"), text)
    }

    #[test]
    fn defaults_fill_every_key_but_title() {
        let c = parse("title = \"T\"").unwrap();
        assert_eq!(c.base_url, "/");
        assert_eq!(c.content_dir, Path::new("/h/docs"));
        assert_eq!(c.output_dir, Path::new("/h/public"));
        assert_eq!(
            c.standards.iter().map(|s| s.value.as_str()).collect::<Vec<_>>(),
            ["iso20000-1:2018"]
        );
        assert_eq!(c.default_interval, Interval::Months(12));
        assert_eq!(c.due_soon, Interval::Days(30));
        assert!(!c.fail_on_warnings);
        assert_eq!(c.require_clauses.len(), 4);
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let e = parse("title = \"T\"\n\n[review]\ndue_son = \"3 days\"\n").unwrap_err();
        assert_eq!(e[0].code, Code::Config);
        assert_eq!((e[0].line, e[0].column), (4, 1));
        assert!(e[0].message.contains("due_son"), "{}", e[0].message);
        assert!(e[0].help.as_deref().unwrap().contains("due_soon"));
    }

    #[test]
    fn wrong_type_and_bad_interval_are_located() {
        let e = parse("title = 3\n").unwrap_err();
        assert_eq!(e[0].line, 1);
        let e = parse("title = \"T\"\n[review]\ndefault_interval = \"twelve\"\n").unwrap_err();
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("review.default_interval"));
    }

    #[test]
    fn output_inside_content_is_refused() {
        let e = parse("title = \"T\"\noutput_dir = \"docs/out\"\n").unwrap_err();
        assert!(e[0].message.contains("content directory"));
        let e = parse("title = \"T\"\noutput_dir = \".\"\n").unwrap_err();
        assert!(e[0].message.contains("root"));
    }
}
