//! One document: front matter and every field validated against a config
//! with record series and the built-in 20000-1 and 27001 catalogues (loaded
//! once), then its Markdown body rendered.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smsdoc::catalogue::{Catalogue, Catalogues};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const CONFIG: &str = r#"title = "Fuzz"
standards = ["iso20000-1:2018", "iso27001:2022"]

[series.management-review]
every = "6 months"
clauses = ["9.3"]
"#;

fn setup() -> &'static (smsdoc::config::Config, Catalogues) {
    static SETUP: OnceLock<(smsdoc::config::Config, Catalogues)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let config = smsdoc::config::parse(Path::new("/fuzz"), CONFIG).expect("fuzz config");
        let list: Vec<Catalogue> = ["iso20000-1:2018", "iso27001:2022"]
            .iter()
            .filter_map(|id| Catalogues::builtin(id))
            .collect();
        (
            config,
            Catalogues {
                list,
                crosswalk: Vec::new(),
            },
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (config, cats) = setup();
    let (doc, _diags) = smsdoc::content::parse_document(
        config,
        cats,
        PathBuf::from("/fuzz/docs/doc.md"),
        PathBuf::from("docs/doc.md"),
        PathBuf::from("doc.md"),
        text.to_string(),
    );
    if let Some(doc) = doc {
        let _ = smsdoc::markdown::render(doc.body(), &doc.title, &NoLinks, true);
    }
});

/// Every link target unknown: the renderer's broken-link path.
struct NoLinks;
impl smsdoc::markdown::LinkResolver for NoLinks {
    fn resolve(&self, dest: &str, _wiki: bool, _image: bool) -> smsdoc::markdown::Resolved {
        smsdoc::markdown::Resolved {
            href: dest.to_string(),
            text: None,
            target: smsdoc::markdown::LinkTarget::Broken,
            anchor: None,
            problem: None,
        }
    }
}
