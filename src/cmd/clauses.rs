//! `smsdoc clauses`: print a clause catalogue and its required-document keys.

use super::*;

#[derive(Args, Debug, Clone)]
pub struct ClausesArgs {
    /// Standard id, e.g. iso27001:2022 (default: the handbook's first standard).
    #[arg(long, value_name = "ID")]
    pub standard: Option<String>,
    /// List the required documented information (keys for `provides`).
    #[arg(long)]
    pub required: bool,
    /// Print the crosswalk: the clauses of the standards in force (outside
    /// a handbook: all built-in ones) that share a topic.
    #[arg(long, conflicts_with = "required")]
    pub crosswalk: bool,
    /// Print the Statement of Applicability of the handbook (controls,
    /// applicability, justification, implementing documents).
    #[arg(long, conflicts_with_all = ["required", "crosswalk"])]
    pub soa: bool,
}

pub(crate) fn clauses(g: &Global, a: &ClausesArgs) -> i32 {
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
    if a.crosswalk {
        return print_crosswalk(list);
    }
    if a.soa {
        return print_soa(g, a.standard.as_deref());
    }
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
            // Grouped as they are counted: required, expected, and the
            // catch-alls that are listed but never counted.
            for (kind, heading) in [
                ("required", "Required (the standard asks for it; counted):"),
                ("expected", "Expected (auditors commonly ask for it; counted apart):"),
                (
                    "informational",
                    "Catch-alls (listed, never counted; provide the specific keys):",
                ),
            ] {
                let items: Vec<_> = cat.required.iter().filter(|r| r.counted_as() == kind).collect();
                if items.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "{heading}");
                for r in items {
                    let _ = writeln!(
                        out,
                        "  {:<width$}  {} (clauses {})",
                        r.key,
                        r.label,
                        r.clauses.join(", ")
                    );
                }
                let _ = writeln!(out);
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

/// The crosswalk as a table: one row per topic, one column per standard.
fn print_crosswalk(list: Vec<smsdoc::catalogue::Catalogue>) -> i32 {
    let mut diags = Vec::new();
    let rows = Catalogues::crosswalk_for(&list, &[], &mut diags);
    let mut out = std::io::stdout().lock();
    if list.len() < 2 || rows.is_empty() {
        let _ = writeln!(
            out,
            "The crosswalk relates two or more standards; add another to `standards`."
        );
        return EXIT_OK;
    }
    let topic_w = rows.iter().map(|r| r.topic.chars().count()).max().unwrap_or(5).max(5);
    let col_w: Vec<usize> = list.iter().map(|c| c.id.len().max(6)).collect();
    let mut line = format!("{:<topic_w$}", "topic");
    for (c, w) in list.iter().zip(&col_w) {
        line.push_str(&format!("  {:<w$}", c.id));
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for row in &rows {
        let mut line = format!("{:<topic_w$}", row.topic);
        for (ci, w) in col_w.iter().enumerate() {
            let cell = row
                .clauses
                .iter()
                .find(|r| r.catalogue == ci)
                .map_or("—".to_string(), |r| list[ci].clauses[r.clause].number.clone());
            line.push_str(&format!("  {cell:<w$}"));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    EXIT_OK
}

/// The Statement of Applicability of the handbook, as a table.
fn print_soa(g: &Global, standard: Option<&str>) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let common = CommonArgs {
        today: None,
        strict: false,
        no_drafts: false,
        drafts: false,
    };
    let site = match load_site(g, config, &common) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let data = smsdoc::context::SoaData::new(&site);
    let mut out = std::io::stdout().lock();
    let shown: Vec<_> = data
        .standards
        .iter()
        .filter(|s| standard.is_none_or(|id| s.id == id))
        .collect();
    if shown.is_empty() {
        eprintln!(
            "error: no standard with controls in force{}; add iso27001:2022 to `standards`",
            standard.map(|s| format!(" named `{s}`")).unwrap_or_default()
        );
        return EXIT_USAGE;
    }
    for s in shown {
        let _ = writeln!(
            out,
            "{} — Statement of Applicability: {} applicable, {} excluded, {} not stated\n",
            s.title, s.applicable, s.excluded, s.not_stated
        );
        for c in &s.controls {
            let docs: Vec<&str> = c.documents.iter().map(|d| d.id.as_str()).collect();
            let why = c.justification.as_deref().unwrap_or("");
            let _ = writeln!(
                out,
                "{:<7} {:<10} {:<12} {}{}{}",
                c.control,
                c.applicable,
                c.status,
                c.title,
                if docs.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", docs.join(", "))
                },
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" — {why}")
                },
            );
        }
        let _ = writeln!(out);
    }
    EXIT_OK
}
