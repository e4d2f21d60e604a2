//! The whole pipeline on a small handbook: the input becomes one more
//! document beside three fixed ones (a policy it may link to, a procedure,
//! a record series instance), the handbook is derived (links, graph,
//! reviews, coverage, series, findings, collisions), and the fuzzed
//! document's page and one more output (an overview page, the page of a
//! clause it cites, `/print/` or an export, by the input's length) are
//! rendered in memory. Configuration, catalogues, templates and the fixed
//! documents are loaded once.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smsdoc::model::{DocId, PerDoc};
use smsdoc::catalogue::{Catalogue, Catalogues};
use smsdoc::config::Config;
use smsdoc::content::Document;
use smsdoc::layout::MemorySink;
use smsdoc::site::{BuildOptions, Parsed, Site, Timings};
use smsdoc::templates::Templates;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const CONFIG: &str = r#"title = "Fuzz"
standards = ["iso20000-1:2018"]

[history]
enabled = false

[series.management-review]
every = "6 months"
clauses = ["9.3"]

[[exceptions]]
code = "review-overdue"
target = "PRO-001"
until = "2030-01-01"
approved_by = "Top management"
approved_on = "2026-01-01"
reason = "fuzzing"
"#;

const FIXED: [(&str, &str); 3] = [
    (
        "policies/policy.md",
        "---\nid: POL-001\ntitle: Service management policy\ntype: policy\nowner: CEO\nstatus: approved\n\
         approved_by: Board\napproved_on: 2026-01-10\nversion: \"1.0\"\nlast_reviewed: 2026-01-10\n\
         clauses: [\"5.2\", \"4.1\"]\n---\n# Policy\n\nSee [[PRO-001]] and [the procedure](../procedures/proc.md).\n",
    ),
    (
        "procedures/proc.md",
        "---\nid: PRO-001\ntitle: Incident management\ntype: procedure\nowner: Service desk\nstatus: approved\n\
         approved_by: SMS manager\napproved_on: 2025-01-10\nversion: \"2.1\"\nlast_reviewed: 2025-01-10\n\
         clauses: [\"8.6.1\"]\nprovides: [incident-management-procedure]\n---\n# Incident\n\n| a | b |\n|---|---|\n| [[POL-001]] | [[clause:8.6.1]] |\n",
    ),
    (
        "records/mr.md",
        "---\nid: REC-001\ntitle: Management review minutes\ntype: record\nstatus: approved\n\
         approved_by: CEO\napproved_on: 2026-03-01\nseries: management-review\ndate: 2026-03-01\n\
         retention: 3 years\n---\nMinutes.\n",
    ),
];

struct Setup {
    config: Config,
    cats: Catalogues,
    templates: Templates,
    fixed: Vec<Document>,
    options: BuildOptions,
}

fn parse(s: &Setup, rel: &str, text: &str) -> (Option<Document>, Vec<smsdoc::diagnostics::Diagnostic>) {
    smsdoc::content::parse_document(
        &s.config,
        &s.cats,
        PathBuf::from("/fuzz/docs").join(rel),
        PathBuf::from("docs").join(rel),
        PathBuf::from(rel),
        text.to_string(),
    )
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let config = smsdoc::config::parse(Path::new("/fuzz"), CONFIG).expect("fuzz config");
        let list: Vec<Catalogue> = Catalogues::builtin("iso20000-1:2018").into_iter().collect();
        let cats = Catalogues {
            list,
            crosswalk: Vec::new(),
        };
        let templates = Templates::load(&config).expect("default theme");
        let options = BuildOptions {
            today: "2026-12-04".parse().expect("date"),
            drafts: true,
        };
        let mut s = Setup {
            config,
            cats,
            templates,
            fixed: Vec::new(),
            options,
        };
        s.fixed = FIXED
            .iter()
            .map(|(rel, text)| parse(&s, rel, text).0.expect("fixed document"))
            .collect();
        s
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let s = setup();
    let (doc, file_diags) = parse(s, "procedures/fuzzed.md", text);
    let mut docs: PerDoc<_> = s.fixed.clone().into();
    if let Some(d) = doc {
        docs.push(d);
    }
    let fuzzed = DocId::new(docs.len() - 1);
    let parsed = Parsed {
        rendered: docs.iter().map(|_| None).collect(),
        docs,
        assets: Vec::new(),
        index: None,
        file_diags,
        control: None,
        identity: None,
    };
    let site = Site::derive(s.config.clone(), s.cats.clone(), s.options.clone(), parsed, Timings::default());
    let shared = smsdoc::context::SiteData::shared(&site);
    if site.is_included(fuzzed) {
        let _ = smsdoc::pages::render_doc(&site, &s.templates, &shared, fuzzed);
    }
    // Beside the document's own page, one more output per input, chosen by
    // its length so that every kind is exercised across a run: an overview
    // page, the page of a clause it cites, `/print/` or an export. Template
    // rendering under coverage instrumentation dominates an execution
    // (perf: Tera's evaluator), so rendering everything each time (about
    // 200 clause pages at first) kept the target at 4 executions a second.
    match text.len() % 4 {
        0 => {
            let pages = smsdoc::pages::overview_pages(&site);
            let fixed: Vec<_> = pages.iter().filter(|p| !p.path.starts_with("clauses/")).collect();
            if let Some(page) = fixed.get(text.len() / 4 % fixed.len().max(1)) {
                if let Ok(ctx) = smsdoc::pages::context(&page.context(&site, &shared)) {
                    let _ = s.templates.render(page.template, &ctx);
                }
            }
        }
        1 => {
            let cited = site.docs()[fuzzed]
                .clause_refs()
                .next()
                .map(|r| smsdoc::layout::clause_page_path(&site.cats(), r));
            let pages = smsdoc::pages::overview_pages(&site);
            for page in pages.iter().filter(|p| Some(&p.path) == cited.as_ref()) {
                if let Ok(ctx) = smsdoc::pages::context(&page.context(&site, &shared)) {
                    let _ = s.templates.render(page.template, &ctx);
                }
            }
        }
        2 => {
            let _ = smsdoc::pages::render_print_page(&site, &s.templates, &MemorySink::default());
        }
        _ => {
            let exports = smsdoc::layout::EXPORTS;
            let _ = smsdoc::exports::files(&site, exports[text.len() / 4 % exports.len()].0);
        }
    }
});
