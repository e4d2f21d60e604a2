use clap::Parser;
use cmd::Cli;

mod cmd;

// A build allocates millions of small strings and JSON values across threads;
// mimalloc is faster than glibc's malloc there and returns memory sooner. Its
// `override` feature also serves C code's malloc (Oniguruma allocates a match
// region per regex search while highlighting code: 1.4% of a build's
// instructions went to glibc's malloc).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A panic is a bug in smsdoc, never the user's fault: report it in one
    // paragraph with a request to file it, and exit 3 instead of printing a
    // raw backtrace.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let payload = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        eprintln!(
            "internal error: smsdoc {} hit a bug ({payload}{location}).\n\
             Please file an issue with the command you ran and, if you can, the document that triggered it.\n\
             Your previous output was not modified.",
            cmd::VERSION
        );
    }));
    let cli = Cli::parse();
    let code = std::panic::catch_unwind(move || cmd::run(cli)).unwrap_or(cmd::EXIT_INTERNAL);
    std::process::exit(code);
}
