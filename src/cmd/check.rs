//! `smsdoc check`: the CI gate; findings as text, JSON, GitHub annotations or JUnit.

use super::*;

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub(crate) fn check(g: &Global, a: &CheckArgs) -> i32 {
    let started = Instant::now();
    let config = match find_config(g) {
        Ok(c) => c,
        Err((diags, root)) => return check_stopped(g, a, &diags, &root),
    };
    let root = config.root.clone();
    let fail_on_warnings = config.fail_on_warnings || a.common.strict;
    let mut site = match Site::load(config, options(&a.common)) {
        Ok(s) => s,
        Err(diags) => return check_stopped(g, a, &diags, &root),
    };
    load_templates(&mut site);
    let failing = report::is_failing(site.diags(), fail_on_warnings);
    let mut stdout = std::io::stdout().lock();
    match a.format {
        Format::Human => {
            print_diags(g, site.diags(), &root);
            if !g.quiet {
                for a in site.accepted() {
                    eprintln!("{}", report::accepted_line(a));
                }
            }
            print_timings(g, &site, &[]);
            if !g.quiet || failing {
                // Notes and accepted findings are counted when there are any.
                let mut extra = String::new();
                if site.notes() > 0 {
                    extra.push_str(&format!(", {}", plural(site.notes(), "note")));
                }
                if !site.accepted().is_empty() {
                    extra.push_str(&format!(", {} accepted", thousands(site.accepted().len())));
                }
                // Required and expected documents are counted apart: a
                // missing required one is never hidden in a percentage.
                if !g.quiet {
                    for sc in &site.coverage().standards {
                        let (r, e) = (&sc.required_totals, &sc.expected_totals);
                        if r.clauses + e.clauses == 0 {
                            continue;
                        }
                        eprintln!(
                            "{}: {} of {} present ({} missing), {} of {} expected present",
                            site.cats().list[sc.catalogue].title,
                            r.covered,
                            plural(r.clauses, "required document"),
                            r.gaps + r.draft_only,
                            e.covered,
                            e.clauses,
                        );
                    }
                }
                eprintln!(
                    "{} {} in {:.2} s — {}, {}{extra}",
                    if failing { "check failed:" } else { "checked" },
                    plural(site.included_count(), "document"),
                    started.elapsed().as_secs_f64(),
                    plural(site.errors(), "error"),
                    plural(site.warnings(), "warning"),
                );
            }
        }
        Format::Json => {
            let v = report::json_report(Some(&site), site.diags(), site.options().today);
            let _ = writeln!(stdout, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Github => {
            let _ = write!(stdout, "{}", report::github(site.diags(), &annotation_prefix(&root)));
        }
        Format::Junit => {
            let _ = write!(stdout, "{}", report::junit(Some(&site), site.diags(), fail_on_warnings));
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
    let today = a.common.today.unwrap_or_else(smsdoc::dates::today);
    let _ = match a.format {
        Format::Human => Ok(()),
        Format::Json => writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&report::json_report(None, diags, today)).unwrap_or_default()
        ),
        Format::Github => write!(stdout, "{}", report::github(diags, &annotation_prefix(root))),
        Format::Junit => write!(stdout, "{}", report::junit(None, diags, true)),
    };
    EXIT_USAGE
}

/// The handbook's folder as GitHub names paths: relative to the working
/// directory (a workflow step runs in the checkout's top), so annotations
/// land on the right file when the handbook is a subfolder of the repository.
fn annotation_prefix(root: &Path) -> PathBuf {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let root = canon(root);
    match std::env::current_dir() {
        Ok(cwd) => root.strip_prefix(canon(&cwd)).map(Path::to_path_buf).unwrap_or(root),
        Err(_) => root,
    }
}
