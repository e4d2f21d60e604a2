//! `smsdoc completions SHELL`: a shell completion script on stdout.

use super::*;
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(Args, Debug, Clone)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub(crate) fn completions(a: &CompletionsArgs) -> i32 {
    let mut cmd = Cli::command();
    clap_complete::generate(a.shell, &mut cmd, "smsdoc", &mut std::io::stdout());
    EXIT_OK
}
