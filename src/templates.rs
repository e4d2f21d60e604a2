//! Templates: the built-in theme (embedded in the binary so smsdoc works
//! from any directory), a theme folder named in the config, and the user's
//! `templates/<name>.html` overrides, in that order of precedence.

use crate::config::Config;
use crate::diagnostics::{Code, Diagnostic};
use std::path::{Path, PathBuf};
use tera::{Context, Tera};

macro_rules! theme_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../themes/default/templates/", $name)))),*]
    };
}

/// The default theme's templates.
pub const THEME_TEMPLATES: &[(&str, &str)] = theme_files!(
    "base.html",
    "macros.html",
    "index.html",
    "page.html",
    "register.html",
    "clauses.html",
    "clause.html",
    "coverage.html",
    "reviews.html",
    "series.html",
    "soa.html",
    "search.html",
    "print.html",
    "print_doc.html",
    "404.html",
);

/// The default theme's static files, copied to the output root.
pub const THEME_STATIC: &[(&str, &[u8])] = &[
    ("smsdoc.css", include_bytes!("../themes/default/static/smsdoc.css")),
    ("smsdoc.js", include_bytes!("../themes/default/static/smsdoc.js")),
    ("favicon.svg", include_bytes!("../themes/default/static/favicon.svg")),
];

pub struct Templates {
    tera: Tera,
    /// Where each template came from, for error messages.
    origins: Vec<(String, PathBuf)>,
    /// Static files of a theme folder (the default theme's are embedded).
    pub theme_static_dir: Option<PathBuf>,
}

impl Templates {
    pub fn load(config: &Config) -> Result<Templates, Vec<Diagnostic>> {
        let mut sources: Vec<(String, String, PathBuf)> = THEME_TEMPLATES
            .iter()
            .map(|(n, t)| {
                (
                    n.to_string(),
                    t.to_string(),
                    PathBuf::from(format!("<built-in theme>/{n}")),
                )
            })
            .collect();
        let mut diags = Vec::new();
        let mut theme_static_dir = None;
        crate::config::check_theme(config).map_err(|d| vec![d])?;
        if config.theme != "default" {
            let dir = config.root.join(&config.theme);
            read_dir_templates(&dir.join("templates"), config, &mut sources, &mut diags);
            theme_static_dir = Some(dir.join("static"));
        }
        read_dir_templates(&config.root.join("templates"), config, &mut sources, &mut diags);
        if !diags.is_empty() {
            return Err(diags);
        }
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_html);
        tera.register_filter("css_string", css_string_filter);
        let origins: Vec<(String, PathBuf)> = sources.iter().map(|(n, _, p)| (n.clone(), p.clone())).collect();
        let raw: Vec<(String, String)> = sources.into_iter().map(|(n, t, _)| (n, t)).collect();
        if let Err(e) = tera.add_raw_templates(raw) {
            return Err(vec![tera_diagnostic(&e, &origins)]);
        }
        Ok(Templates {
            tera,
            origins,
            theme_static_dir,
        })
    }

    pub fn render(&self, name: &str, ctx: &Context) -> Result<String, Diagnostic> {
        self.tera
            .render(name, ctx)
            .map_err(|e| tera_diagnostic(&e, &self.origins))
    }
}

/// HTML escaping for template output. Tera's default also escapes `/`,
/// which is safe but makes every URL unreadable (`&#x2F;procedures&#x2F;`).
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    // Copies the runs between special characters (all ASCII, so every
    // split is a character boundary).
    let mut from = 0;
    for (i, b) in input.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&input[from..i]);
        out.push_str(entity);
        from = i + 1;
    }
    out.push_str(&input[from..]);
    out
}

/// `{{ x | css_string | safe }}`: `x` as a quoted CSS string, for the
/// running headers of the print handbook (`@page { @top-left { content:
/// … } }`) inside a `<style>` element, where HTML escaping does not apply:
/// quotes, backslashes, line breaks and `<` (so no `</style>`) are escaped
/// the CSS way.
fn css_string_filter(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = match value {
        tera::Value::String(s) => s.clone(),
        tera::Value::Null => String::new(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(css_string(&text)))
}

pub fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' | '>' | '&' => out.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads `dir/*.html` (later sources of the same name win).
fn read_dir_templates(
    dir: &Path,
    config: &Config,
    sources: &mut Vec<(String, String, PathBuf)>,
    diags: &mut Vec<Diagnostic>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if !path.is_file() || crate::paths::is_ignored_name(&name) || !name.ends_with(".html") {
            continue;
        }
        let rel = config.rel(&path).to_path_buf();
        match crate::paths::read_text(&path, &rel) {
            Ok(text) => {
                sources.retain(|(n, _, _)| *n != name);
                sources.push((name, text, rel));
            }
            Err(d) => diags.push(d),
        }
    }
}

fn tera_diagnostic(e: &tera::Error, origins: &[(String, PathBuf)]) -> Diagnostic {
    let mut chain = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    let message = chain.join(": ");
    // Tera names the template in quotes; map it back to its file.
    let file = origins
        .iter()
        .rev()
        .find(|(n, _)| message.contains(&format!("'{n}'")))
        .map(|(_, p)| p.clone());
    let (line, column) = error_position(&message);
    let mut d = Diagnostic::error(Code::Template, format!("template error: {message}"))
        .help("fix the template, or delete your override to fall back to the built-in theme");
    if let Some(f) = file {
        d = d.at(f, line, column);
    }
    d
}

/// Line and column of a Tera error: parse errors point at ` --> 5:18`,
/// other messages may say `line 5`. (0, 0) when the message has neither.
fn error_position(message: &str) -> (usize, usize) {
    let number = |s: &str| -> Option<usize> { s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok() };
    if let Some(rest) = message.split("--> ").nth(1) {
        if let Some(line) = number(rest) {
            let column = rest.split_once(':').and_then(|(_, c)| number(c)).unwrap_or(0);
            return (line, column);
        }
    }
    let line = message.split("line ").nth(1).and_then(number).unwrap_or(0);
    (line, 0)
}

#[cfg(test)]
mod tests {

    #[test]
    fn escapes_markup_and_quotes_but_not_slashes() {
        assert_eq!(
            super::escape_html(r#"<a href="/x?a=1&b='2'">é</a>"#),
            "&lt;a href=&quot;/x?a=1&amp;b=&#39;2&#39;&quot;&gt;é&lt;/a&gt;"
        );
        assert_eq!(super::escape_html("plain"), "plain");
        assert_eq!(super::escape_html(""), "");
        assert_eq!(super::escape_html("&"), "&amp;");
    }

    #[test]
    fn css_strings_cannot_leave_the_string_or_the_style_element() {
        assert_eq!(super::css_string("R&D \"A\" \\ x"), "\"R\\26 D \\\"A\\\" \\\\ x\"");
        assert_eq!(
            super::css_string("</style><script>"),
            "\"\\3c /style\\3e \\3c script\\3e \""
        );
        assert_eq!(super::css_string("a\nb"), "\"a\\a b\"");
        assert_eq!(super::css_string(""), "\"\"");
    }
    use super::*;

    #[test]
    fn tera_error_positions() {
        assert_eq!(
            error_position("Failed to parse 'page.html':  --> 5:18\n  |\n5 | <p>"),
            (5, 18)
        );
        assert_eq!(error_position("something on line 7 went wrong"), (7, 0));
        assert_eq!(error_position("Variable `x` not found"), (0, 0));
    }
}
