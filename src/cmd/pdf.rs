//! `smsdoc pdf`: build the site into a scratch folder, print `/print/` with
//! a headless Chromium, put each document's page number into the contents
//! and print again; the PDF replaces `--out` only when it is complete.

use super::*;
use smsdoc::config::Paper;
use smsdoc::pdf;
use std::collections::HashMap;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct PdfArgs {
    /// The PDF to write (default: handbook.pdf in the current folder).
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The Chromium or Chrome executable (default: SMSDOC_CHROMIUM, then
    /// chromium, google-chrome … on PATH).
    #[arg(long, value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// Print retired documents too (default: left out, as not in force).
    #[arg(long)]
    pub retired: bool,
    /// Paper size (default: [print] paper in smsdoc.toml, else a4).
    #[arg(long, value_enum)]
    pub paper: Option<PaperArg>,
    /// Seconds to wait for the browser to print, per pass.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum PaperArg {
    A4,
    Letter,
}

pub(crate) fn pdf(g: &Global, a: &PdfArgs) -> i32 {
    let started = Instant::now();
    let mut config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let root = config.root.clone();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let out = cwd.join(a.out.clone().unwrap_or_else(|| PathBuf::from("handbook.pdf")));
    // Find the browser before the (longer) build, so a missing one is said at once.
    let chromium = match pdf::find_chromium(a.chromium.as_deref()) {
        Ok(c) => c,
        Err(d) => {
            print_diags(g, &[d], &root);
            return EXIT_USAGE;
        }
    };
    // `--drafts` prints drafts (the site always has them unless --no-drafts).
    config.print.drafts |= a.common.drafts;
    config.print.retired |= a.retired;
    if let Some(p) = a.paper {
        config.print.paper = match p {
            PaperArg::A4 => Paper::A4,
            PaperArg::Letter => Paper::Letter,
        };
    }
    let scratch = match tempfile::Builder::new().prefix("smsdoc-pdf-").tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot create a scratch folder: {e}");
            return EXIT_FINDINGS;
        }
    };
    // The site is opened from disk: relative links.
    config.relative = true;
    config.output_dir = scratch.path().join("site");
    let fail_on_warnings = config.fail_on_warnings || a.common.strict;
    let (site, templates) = match load_checked(g, config, &a.common, fail_on_warnings) {
        Checked::Ready(ready) => {
            print_diags(g, ready.0.diags(), &ready.0.config().root);
            *ready
        }
        Checked::Stopped(code) => return code,
        Checked::Failing(site) => {
            eprintln!(
                "error: no PDF: the handbook has {} and {}; {} is unchanged",
                plural(site.errors(), "error"),
                plural(site.warnings(), "warning"),
                out.display()
            );
            return EXIT_FINDINGS;
        }
    };
    let progress = Progress::new(g);
    progress.show("rendering the print handbook…");
    let rendered = smsdoc::output::Staging::new(&site.config().output_dir)
        .map_err(|d| vec![d])
        .and_then(|staging| {
            let documents = smsdoc::pages::render_documents(&site, &templates, &staging);
            smsdoc::pages::render_rest(&site, &templates, &staging, documents)?;
            staging.commit().map_err(|d| vec![d])
        });
    progress.clear();
    if let Err(d) = rendered {
        print_diags(g, &d, &root);
        eprintln!("error: no PDF written; {} is unchanged", out.display());
        return EXIT_FINDINGS;
    }
    let printed = site.print_order();
    let page = site.config().output_dir.join(smsdoc::layout::PRINT_PATH);
    let timeout = Duration::from_secs(a.timeout.max(1));
    let pdf_file = scratch.path().join("handbook.pdf");

    // Print, read where each document starts, fill in the contents, print
    // again until the numbers hold (they do on the second pass: the space
    // for them is reserved).
    let mut numbers: HashMap<String, usize> = HashMap::new();
    let mut pages = 0;
    let mut settled = false;
    for pass in 1..=3 {
        progress.show(&format!("printing with {} (pass {pass})…", chromium.display()));
        let done = pdf::print(&chromium, &page, &pdf_file, scratch.path(), timeout);
        progress.clear();
        if let Err(d) = done {
            print_diags(g, &[d], &root);
            eprintln!("error: no PDF written; {} is unchanged", out.display());
            return EXIT_FINDINGS;
        }
        let Some(index) = std::fs::read(&pdf_file).ok().and_then(|b| pdf::read_index(&b)) else {
            eprintln!("warning: could not read the page numbers of the printed PDF; the contents have none");
            break;
        };
        pages = index.pages;
        let found = index.document_pages();
        if found == numbers {
            settled = true;
            break;
        }
        numbers = found;
        let html = match std::fs::read_to_string(&page) {
            Ok(h) => h,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", page.display());
                return EXIT_FINDINGS;
            }
        };
        if let Err(e) = std::fs::write(&page, pdf::fill_contents(&html, &numbers)) {
            eprintln!("error: cannot write {}: {e}", page.display());
            return EXIT_FINDINGS;
        }
    }
    if !settled && !numbers.is_empty() {
        eprintln!("warning: page numbers in the contents moved between prints; they may be off by a page");
    }
    let missing = printed
        .iter()
        .filter(|&&i| !numbers.contains_key(&site.docs()[i].id))
        .count();
    if missing > 0 && !numbers.is_empty() {
        eprintln!(
            "warning: {} without a page number in the contents",
            plural(missing, "document")
        );
    }

    // Replace the output only with a complete PDF.
    let partial = out.with_extension("pdf.partial");
    if let Some(dir) = out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let saved = std::fs::copy(&pdf_file, &partial).and_then(|_| std::fs::rename(&partial, &out));
    if let Err(e) = saved {
        let _ = std::fs::remove_file(&partial);
        eprintln!("error: cannot write {}: {e}", out.display());
        return EXIT_FINDINGS;
    }
    if !g.quiet {
        let p = &site.config().print;
        let (drafts, retired) = site.left_out_of_print();
        let mut left_out = Vec::new();
        if drafts > 0 {
            left_out.push(plural(drafts, "draft"));
        }
        if retired > 0 {
            left_out.push(plural(retired, "retired document"));
        }
        eprintln!(
            "wrote {}: {} pages ({}), {}{} in {:.1} s",
            out.display(),
            thousands(pages),
            p.paper.css(),
            plural(printed.len(), "document"),
            if left_out.is_empty() {
                String::new()
            } else {
                format!(" ({} left out: --drafts, --retired)", left_out.join(" and "))
            },
            started.elapsed().as_secs_f64()
        );
    }
    EXIT_OK
}
