//! `smsdoc serve`: the preview server.

use super::*;

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
}

pub(crate) fn serve(g: &Global, a: &ServeArgs) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let opts = smsdoc::serve::ServeOptions {
        bind: a.bind,
        port: a.port,
        open: a.open,
        poll: a.poll,
        out: a.out.as_ref().map(|o| smsdoc::paths::normalise(&cwd.join(o))),
        today: a.today,
        drafts: !a.no_drafts,
    };
    match smsdoc::serve::run(&terminal(g), config, opts) {
        Ok(()) => EXIT_OK,
        Err(smsdoc::serve::Stopped::Unusable) => EXIT_USAGE,
        Err(smsdoc::serve::Stopped::Internal) => EXIT_INTERNAL,
    }
}
