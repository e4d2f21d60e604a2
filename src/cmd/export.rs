//! `smsdoc export`: coverage, register, review dates or record series on stdout.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    Coverage,
    Register,
    Reviews,
    Series,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Md,
    Ics,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    #[arg(value_enum)]
    pub what: ExportWhat,
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    #[command(flatten)]
    pub common: CommonArgs,
}

pub(crate) fn export(g: &Global, a: &ExportArgs) -> i32 {
    let config = match load_config(g) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let root = config.root.clone();
    let site = match load_site(g, config, &a.common) {
        Ok(s) => s,
        Err(code) => return code,
    };
    use smsdoc::exports as x;
    use ExportFormat as F;
    use ExportWhat as W;
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default() + "\n";
    let text = match (a.what, a.format) {
        (W::Coverage, F::Json) => pretty(x::coverage_json(&site)),
        (W::Coverage, F::Csv) => x::coverage_csv(&site),
        (W::Coverage, F::Md) => x::coverage_md(&site),
        (W::Register, F::Json) => pretty(x::register_json(&site)),
        (W::Register, F::Csv) => x::register_csv(&site),
        (W::Register, F::Md) => x::register_md(&site),
        (W::Reviews, F::Ics) => x::reviews_ics(&site),
        (W::Reviews, F::Json) => pretty(x::reviews_json(&site)),
        (W::Reviews, F::Csv) => x::reviews_csv(&site),
        (W::Series, F::Json) => pretty(x::series_json(&site)),
        (W::Series, F::Csv) => x::series_csv(&site),
        (what, format) => {
            eprintln!(
                "error: {} cannot be exported as {}; use {}",
                format!("{what:?}").to_lowercase(),
                format!("{format:?}").to_lowercase(),
                match what {
                    W::Reviews => "ics, csv or json",
                    W::Series => "csv or json",
                    _ => "csv, json or md",
                }
            );
            return EXIT_USAGE;
        }
    };
    let errors: Vec<Diagnostic> = site.diags().iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        print_diags(g, &errors, &root);
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    EXIT_OK
}
