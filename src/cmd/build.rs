//! `smsdoc build`: load, check, render into a staging directory, swap it in.

use super::*;

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

pub(crate) fn build(g: &Global, a: &BuildArgs) -> i32 {
    let started = Instant::now();
    let mut config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if let Some(out) = &a.out {
        config.output_dir = smsdoc::paths::normalise(&cwd.join(out));
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
    let (mut site, templates) = match load_checked(g, config, &a.common, fail_on_warnings) {
        Checked::Ready(ready) => *ready,
        Checked::Stopped(code) => return code,
        Checked::Failing(site) => {
            eprintln!(
                "error: build failed with {} and {}; nothing was written (the previous site in {} is unchanged)",
                plural(site.errors(), "error"),
                plural(site.warnings(), "warning"),
                out_dir.display()
            );
            return EXIT_FINDINGS;
        }
    };
    let progress = Progress::new(g);
    let t = Instant::now();
    let staging = match smsdoc::output::Staging::new(&out_dir) {
        Ok(s) => s,
        Err(d) => {
            print_diags(g, site.diags(), &root);
            print_diags(g, std::slice::from_ref(&d), &root);
            // A refused output directory is a usage error; an I/O failure
            // a failed build.
            return if d.code == smsdoc::diagnostics::Code::Config {
                EXIT_USAGE
            } else {
                EXIT_FINDINGS
            };
        }
    };
    // The findings are printed beside the rendering, which does not need
    // them: formatting thousands of warnings with their source lines would
    // otherwise keep every other core idle.
    let documents = std::thread::scope(|s| {
        s.spawn(|| {
            print_diags(g, site.diags(), &root);
            progress.show(&format!("rendering {} pages…", thousands(site.included_count())));
        });
        smsdoc::pages::render_documents(&site, &templates, &staging)
    });
    site.release_sources();
    let rendered = smsdoc::pages::render_rest(&site, &templates, &staging, documents);
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
            plural(site.included_count(), "document"),
            started.elapsed().as_secs_f64(),
            plural(site.warnings(), "warning"),
            out_dir.display()
        );
    }
    EXIT_OK
}
