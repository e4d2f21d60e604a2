//! `smsdoc init`: a starter handbook.

use super::*;

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    /// Folder to create the handbook in (default: the current folder).
    pub dir: Option<PathBuf>,
    /// Standard whose required documents become starter documents.
    #[arg(long, default_value = "iso20000-1:2018", value_name = "ID")]
    pub standard: String,
    /// Write into a non-empty folder (files with the same names are overwritten).
    #[arg(long)]
    pub force: bool,
}

pub(crate) fn init(g: &Global, a: &InitArgs) -> i32 {
    let dir = a
        .dir
        .clone()
        .or_else(|| g.root.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    match smsdoc::init::init(&dir, &a.standard, a.force) {
        Ok(r) => {
            if !g.quiet {
                let shown = r.root.display();
                eprintln!(
                    "created a starter handbook in {shown} with {} draft documents\n\n\
                     next steps:\n  \
                     smsdoc serve --root {shown}     preview it in your browser while you write\n  \
                     smsdoc check --root {shown}     see what is still missing (drafts and gaps are expected)\n  \
                     smsdoc build --root {shown}     write the site to {shown}/public",
                    r.documents
                );
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_USAGE
        }
    }
}
