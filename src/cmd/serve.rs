//! `smsdoc serve`: the preview server.

use super::*;
use smsdoc::serve::{Event, ServeError};

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
    /// Open connections at most. Past it the oldest connection without a
    /// request in flight is closed; when all are busy, new ones get 503.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_connections: u32,
}

/// Errors printed for a held-back rebuild; the first ones are the cause.
const TERMINAL_ERRORS: usize = 5;

/// After Ctrl-C the server stops within this time, even in the middle of a
/// long rebuild (the previous output stays, as writing it is atomic).
const STOP_GRACE: std::time::Duration = std::time::Duration::from_millis(150);

pub(crate) fn serve(g: &Global, a: &ServeArgs) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let opts = smsdoc::serve::ServeOptions {
        bind: a.bind,
        port: a.port,
        poll: a.poll,
        out: a.out.as_ref().map(|o| smsdoc::paths::normalise(&cwd.join(o))),
        today: a.today,
        drafts: !a.no_drafts,
        max_connections: a.max_connections as usize,
    };
    let t = terminal(g);
    let root = config.root.clone();
    let (control, stop) = smsdoc::serve::Control::new();
    let quiet = g.quiet;
    let handler = ctrlc::set_handler(move || {
        stop.stop();
        // A rebuild in progress is not waited for.
        std::thread::spawn(move || {
            std::thread::sleep(STOP_GRACE);
            if !quiet {
                eprintln!("stopped");
            }
            std::process::exit(EXIT_OK);
        });
    });
    if let Err(e) = handler {
        eprintln!("warning: cannot handle Ctrl-C ({e}); stop the server by closing the terminal");
    }
    let mut report = |e: Event<'_>| print_event(&t, &root, a.open, e);
    match smsdoc::serve::run(config, opts, control, &mut report) {
        Ok(()) => {
            if !g.quiet {
                eprintln!("stopped");
            }
            EXIT_OK
        }
        Err(ServeError::Invalid(diags)) => {
            t.print_diags(&diags, &root);
            EXIT_USAGE
        }
        Err(ServeError::Bind { addr, error }) => {
            if error.kind() == std::io::ErrorKind::AddrInUse {
                eprintln!(
                    "error: cannot listen on {addr}: the port is already in use (another `smsdoc serve`?)\n  \
                     help: stop the other server, or pass --port N for another port (--port 0 picks a free one)"
                );
            } else {
                eprintln!("error: cannot listen on {addr}: {error}\n  help: check --bind and --port");
            }
            EXIT_USAGE
        }
        Err(ServeError::Internal(why)) => {
            eprintln!("error: {why}");
            EXIT_INTERNAL
        }
    }
}

/// Prints what the preview reports: one line per rebuild, the errors of a
/// held-back one, timings with --verbose.
fn print_event(t: &Terminal, root: &Path, open: bool, event: Event<'_>) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    match event {
        Event::Built {
            documents,
            pages,
            elapsed,
            errors,
            warnings,
            diagnostics,
        } => {
            let shown: Vec<Diagnostic> = diagnostics
                .iter()
                .filter(|d| d.is_error() || t.verbose)
                .cloned()
                .collect();
            t.print_diags(&shown, root);
            if !t.quiet {
                eprintln!(
                    "built {} ({} pages) in {:.2} s — {}, {}{}",
                    plural(documents, "document"),
                    thousands(pages),
                    elapsed.as_secs_f64(),
                    plural(errors, "error"),
                    plural(warnings, "warning"),
                    if warnings > 0 && !t.verbose {
                        " (`smsdoc check` lists them)"
                    } else {
                        ""
                    },
                );
            }
        }
        Event::Unrenderable { errors } => {
            t.print_diags(errors, root);
            eprintln!("error: the site cannot be rendered; every page shows the errors until they are fixed");
        }
        Event::Serving {
            title,
            url,
            root,
            polling,
        } => {
            // On stdout, alone on its line, for scripts (and tests) to pick up.
            println!("Serving {title} at {url}");
            let _ = std::io::stdout().flush();
            if !t.quiet {
                eprintln!(
                    "watching {} for changes{} — Ctrl-C to stop",
                    root.display(),
                    if polling { " (polling)" } else { "" }
                );
            }
            if open {
                open_browser(url);
            }
        }
        Event::Rebuilt {
            reason,
            full,
            pages,
            elapsed,
            errors,
            phases,
        } => {
            if t.quiet {
                return;
            }
            eprintln!(
                "rebuilt {}{} page{} in {} ms ({reason}){}",
                if full { "all " } else { "" },
                thousands(pages),
                if pages == 1 { "" } else { "s" },
                elapsed.as_millis(),
                match errors {
                    0 => String::new(),
                    1 => " — 1 error remains".to_string(),
                    n => format!(" — {n} errors remain"),
                }
            );
            if t.verbose {
                for (name, d) in phases {
                    eprintln!("  {name:<18} {:>8.1} ms", ms(*d));
                }
            }
        }
        Event::FilesChanged { reason } => {
            if !t.quiet {
                eprintln!("reloading open pages ({reason})");
            }
        }
        Event::HeldBack { reason, errors } => {
            t.print_diags(&errors[..errors.len().min(TERMINAL_ERRORS)], root);
            if errors.len() > TERMINAL_ERRORS {
                eprintln!(
                    "… and {} more errors (`smsdoc check` lists them all)",
                    errors.len() - TERMINAL_ERRORS
                );
            }
            eprintln!("error: rebuild failed ({reason}) — still serving the last good version; fix it and save again");
        }
        Event::FullReload { why } => {
            if t.verbose {
                eprintln!("  reloading everything: {why}");
            }
        }
        Event::Overview { pages, elapsed } => {
            if t.verbose {
                eprintln!(
                    "  then {pages} overview page{} and exports in {:.1} ms",
                    if pages == 1 { "" } else { "s" },
                    ms(elapsed)
                );
            }
        }
        Event::Print { elapsed } => {
            if t.verbose {
                eprintln!("  /print/ in {:.1} ms", ms(elapsed));
            }
        }
        Event::Diagnostics(diags) => t.print_diags(diags, root),
        Event::Warning(w) => eprintln!("warning: {w}"),
    }
}

fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    match cmd.spawn() {
        // Reap the opener so it does not linger as a zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => eprintln!("warning: cannot open a browser ({e}); open {url} yourself"),
    }
}
