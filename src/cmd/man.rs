//! `smsdoc man`: the man page (roff) on stdout, or one page per command
//! written into a folder.

use super::*;
use clap::CommandFactory;

#[derive(Args, Debug, Clone)]
pub struct ManArgs {
    /// Write smsdoc.1 and one smsdoc-COMMAND.1 per command into this
    /// folder instead of printing smsdoc.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub(crate) fn man(a: &ManArgs) -> i32 {
    let cmd = Cli::command();
    let result = match &a.out {
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock()),
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => {
            let where_ = a
                .out
                .as_ref()
                .map(|d| format!(" to {}", d.display()))
                .unwrap_or_default();
            eprintln!("error: cannot write the man page{where_}: {e}");
            EXIT_USAGE
        }
    }
}
