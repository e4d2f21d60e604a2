//! `smsdoc init`: a starter handbook with one draft document per required
//! document of the chosen standard, front matter filled in and headings to
//! complete.

use crate::catalogue::{Catalogue, Catalogues, RequiredDoc};
use crate::model::DocType;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct InitReport {
    pub root: PathBuf,
    pub documents: usize,
}

/// The document type a required item is most naturally written as.
fn doc_type(req: &RequiredDoc) -> DocType {
    let k = req.key.as_str();
    let has = |w: &str| k.contains(w);
    if has("policy") {
        DocType::Policy
    } else if has("plan") && !has("planning") {
        DocType::Plan
    } else if has("procedure") || has("process") {
        DocType::Procedure
    } else if has("catalogue")
        || has("scope")
        || has("objectives")
        || has("requirements")
        || has("roles")
        || has("criteria")
    {
        DocType::Other
    } else if has("agreement") || has("contract") || has("sla") {
        DocType::Agreement
    } else if has("report") || has("results") {
        DocType::Report
    } else {
        DocType::Record
    }
}

fn prefix(t: DocType) -> &'static str {
    match t {
        DocType::Policy => "POL",
        DocType::Procedure => "PRO",
        DocType::Plan => "PLN",
        DocType::Process => "PRC",
        DocType::Record => "REC",
        DocType::Service => "SVC",
        DocType::Agreement => "AGR",
        DocType::Report => "RPT",
        DocType::Form => "FRM",
        DocType::Other => "SMS",
    }
}

fn folder(t: DocType) -> &'static str {
    match t {
        DocType::Other => "sms",
        DocType::Policy => "policies",
        DocType::Procedure => "procedures",
        DocType::Plan => "plans",
        DocType::Process => "processes",
        DocType::Record => "records",
        DocType::Service => "services",
        DocType::Agreement => "agreements",
        DocType::Report => "reports",
        DocType::Form => "forms",
    }
}

fn sections(t: DocType) -> &'static [&'static str] {
    match t {
        DocType::Policy => &[
            "Purpose",
            "Scope",
            "Policy statements",
            "Roles and responsibilities",
            "Compliance and review",
        ],
        DocType::Procedure | DocType::Process => &[
            "Purpose",
            "Scope",
            "Roles",
            "Inputs and triggers",
            "Steps",
            "Records",
            "Measures",
        ],
        DocType::Plan => &[
            "Purpose",
            "Scope",
            "Objectives",
            "Activities and timeline",
            "Resources",
            "Monitoring",
        ],
        DocType::Report => &["Summary", "Findings", "Actions"],
        _ => &["Purpose", "Content", "Maintenance"],
    }
}

/// Writes the starter handbook into `dir`. Refuses a non-empty directory
/// unless `force`.
pub fn init(dir: &Path, standard: &str, force: bool) -> Result<InitReport, String> {
    let Some(cat) = Catalogues::builtin(standard) else {
        return Err(format!(
            "unknown standard `{standard}`; built-in standards: {}",
            Catalogues::builtin_ids().join(", ")
        ));
    };
    if dir.exists() {
        if !dir.is_dir() {
            return Err(format!("{} exists and is not a folder", dir.display()));
        }
        let non_empty = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            return Err(format!(
                "{} is not empty; choose an empty folder, or pass --force to add the starter files (existing files with the same names are overwritten)",
                dir.display()
            ));
        }
    }
    let write = |rel: &str, text: &str| -> Result<(), String> {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let title = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "Our organisation".into());
    write(
        "smsdoc.toml",
        &format!(
            "# smsdoc configuration — every key is documented in the smsdoc README.\n\
             title = \"{} — SMS Handbook\"\n\
             # base_url = \"https://intranet.example.com/sms/\"  # unset: relative links (works from disk too)\n\
             content_dir = \"docs\"\n\
             output_dir = \"public\"\n\
             standards = [\"{}\"]\n\n\
             [review]\n\
             default_interval = \"12 months\"\n\
             due_soon = \"30 days\"\n\n\
             [check]\n\
             fail_on = [\"error\"]\n",
            title.replace('"', "'"),
            cat.id
        ),
    )?;
    write(".gitignore", "/public\n")?;
    let mut counters = std::collections::HashMap::new();
    let mut index = String::new();
    // Catch-alls ("records required by this document") get no draft of
    // their own: the specific items do.
    let drafts: Vec<&RequiredDoc> = cat.required.iter().filter(|r| !r.informational).collect();
    for &req in &drafts {
        let t = doc_type(req);
        let n = counters.entry(t).or_insert(0);
        *n += 1;
        let id = format!("{}-{:03}", prefix(t), n);
        let rel = format!("docs/{}/{}.md", folder(t), req.key);
        write(&rel, &document(&cat, req, t, &id))?;
        let _ = writeln!(index, "- [[{id}]] — {}", req.label);
    }
    // Clauses no required document cites still need an owner in the SMS:
    // one starter document per top-level clause gathers them, with a
    // section per clause to describe how it is met.
    let cited: std::collections::HashSet<&str> = drafts
        .iter()
        .flat_map(|r| r.clauses.iter().map(String::as_str))
        .collect();
    let mut extra = 0;
    for (g, group) in cat.clauses.iter().enumerate().filter(|(_, c)| c.parent.is_none()) {
        let leaves: Vec<&crate::catalogue::Clause> = cat
            .subtree(g)
            .into_iter()
            .skip(1)
            .map(|i| &cat.clauses[i])
            .filter(|c| c.children.is_empty() && !cited.contains(c.number.as_str()))
            .collect();
        if leaves.is_empty() {
            continue;
        }
        extra += 1;
        let id = format!("SMS-{:03}", 900 + extra);
        let numbers: Vec<String> = leaves.iter().map(|c| format!("\"{}\"", c.number)).collect();
        let mut text = format!(
            "---\nid: {id}\ntitle: {title}\ntype: process\nowner: SMS Manager\nstatus: draft\nversion: \"0.1\"\nclauses: [{clauses}]\nreview_interval: 12 months\n---\n",
            title = yaml_str(&format!("How we meet clause {} — {}", group.number, group.title)),
            clauses = numbers.join(", ")
        );
        let _ = writeln!(
            text,
            "<!-- Describe, for each clause below, how the organisation meets it and where the evidence is. -->\n"
        );
        for c in leaves {
            let _ = writeln!(text, "## {} {}\n\n_To be completed._\n", c.number, c.title);
        }
        write(&format!("docs/sms/clause-{}.md", group.number.replace('.', "-")), &text)?;
        let _ = writeln!(index, "- [[{id}]] — clause {} {}", group.number, group.title);
    }
    let start = format!(
        "---\nid: SMS-000\ntitle: About this handbook\ntype: other\nowner: SMS Manager\nstatus: draft\n---\n\
         ## How this handbook works\n\n\
         Each document is a Markdown file under `docs/` with front matter: an `id`, a `title`, a `type`, \
         an `owner`, a `status` (draft until approved), the `clauses` of {std} it addresses and the \
         required document it `provides`. `smsdoc build` turns them into the handbook site; \
         `smsdoc check` reports broken links, coverage gaps and overdue reviews.\n\n\
         ## Documents to complete\n\n{index}",
        std = cat.title
    );
    write("docs/about-this-handbook.md", &start)?;
    Ok(InitReport {
        root: dir.to_path_buf(),
        documents: drafts.len() + extra + 1,
    })
}

fn document(cat: &Catalogue, req: &RequiredDoc, t: DocType, id: &str) -> String {
    let clauses: Vec<String> = req.clauses.iter().map(|c| format!("\"{c}\"")).collect();
    let mut s = format!(
        "---\nid: {id}\ntitle: {title}\ntype: {ty}\nowner: SMS Manager\nstatus: draft\nversion: \"0.1\"\n\
         clauses: [{clauses}]\nprovides: [{key}]\nreview_interval: 12 months\nconfidentiality: internal\n---\n",
        title = yaml_str(&req.label),
        ty = t.as_str(),
        clauses = clauses.join(", "),
        key = req.key,
    );
    let _ = writeln!(
        s,
        "<!-- Starter document for \"{}\" ({}: {}). Replace the prompts, set the owner, \
         then set status: approved, approved_by, approved_on and last_reviewed. -->\n",
        req.label,
        cat.title,
        req.clauses.join(", ")
    );
    for h in sections(t) {
        let _ = writeln!(s, "## {h}\n\n_To be completed._\n");
    }
    s
}

fn yaml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
