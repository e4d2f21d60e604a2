//! Benchmark floor: pulldown-cmark's own HTML renderer over every Markdown
//! file under a directory, with nothing else (no front-matter parsing, no
//! templates, no link resolution, no output files).
//!
//! Used by `bench/run.sh` as the lower bound that `smsdoc build` is compared
//! against (see BENCHMARKS.md).
//!
//!     cargo run --release --example pulldown_floor -- DIR [--threads N]
//!
//! `--threads N` (default: all available cores, as `smsdoc build` uses)
//! splits the files round-robin over N threads. A leading YAML (`---`) or
//! TOML (`+++`) front-matter block is skipped so that only the Markdown body
//! is rendered. The HTML goes to a sink (its length is summed so the work
//! cannot be optimised away); one summary line is printed to stdout.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pulldown_cmark::{html, Options, Parser};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            collect(&path, out)?;
        } else if ft.is_file() && path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// The Markdown body after a leading `---`/`+++` front-matter block, if any.
fn body(text: &str) -> &str {
    for fence in ["---", "+++"] {
        if let Some(rest) = text.strip_prefix(fence) {
            let rest = rest.strip_prefix('\r').unwrap_or(rest);
            if let Some(rest) = rest.strip_prefix('\n') {
                let mut pos = 0;
                for line in rest.split_inclusive('\n') {
                    pos += line.len();
                    if line.trim_end() == fence {
                        return &rest[pos..];
                    }
                }
            }
        }
    }
    text
}

fn render(files: &[PathBuf]) -> (usize, usize) {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    let mut html_buf = String::new();
    let (mut bytes_in, mut bytes_out) = (0usize, 0usize);
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("pulldown_floor: {}: {e}", path.display());
                std::process::exit(1);
            }
        };
        bytes_in += text.len();
        html_buf.clear();
        html::push_html(&mut html_buf, Parser::new_ext(body(&text), opts));
        bytes_out += std::hint::black_box(&html_buf).len();
    }
    (bytes_in, bytes_out)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir: Option<PathBuf> = None;
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" | "-j" => {
                threads = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .unwrap_or_else(|| {
                        eprintln!("pulldown_floor: --threads needs a positive number");
                        std::process::exit(2);
                    });
            }
            "-h" | "--help" => {
                println!("usage: pulldown_floor DIR [--threads N]");
                return;
            }
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => {
                eprintln!("pulldown_floor: unexpected argument {a:?}");
                std::process::exit(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: pulldown_floor DIR [--threads N]");
        std::process::exit(2);
    };

    let start = Instant::now();
    let mut files = Vec::new();
    if let Err(e) = collect(&dir, &mut files) {
        eprintln!("pulldown_floor: {}: {e}", dir.display());
        std::process::exit(1);
    }
    files.sort();
    let threads = threads.min(files.len().max(1));
    let (bytes_in, bytes_out) = if threads <= 1 {
        render(&files)
    } else {
        let shards: Vec<Vec<PathBuf>> = (0..threads)
            .map(|t| files.iter().skip(t).step_by(threads).cloned().collect())
            .collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = shards.iter().map(|sh| s.spawn(|| render(sh))).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("render thread panicked"))
                .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
        })
    };
    println!(
        "rendered {} files ({} bytes of Markdown -> {} bytes of HTML) on {} thread(s) in {:.3} s",
        files.len(),
        bytes_in,
        bytes_out,
        threads,
        start.elapsed().as_secs_f64()
    );
}
