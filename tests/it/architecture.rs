//! The layers of ARCHITECTURE.md, enforced: every `crate::<module>` a
//! library module names must sit in a lower layer than the module itself
//! (so there are no import cycles and data flows one way), every module is
//! placed in a layer, and only the binary (`src/cmd/`, `src/main.rs`)
//! prints to the terminal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Library modules from the bottom up. A module may use modules of lower
/// layers only. Keep in step with ARCHITECTURE.md.
const LAYERS: &[&[&str]] = &[
    &["diagnostics"],
    &["paths", "dates", "model"],
    &["frontmatter", "config", "history"],
    &["catalogue", "templates"],
    &["content", "markdown", "init"],
    &["links"],
    &[
        "coverage",
        "reviews",
        "approval",
        "retention",
        "series",
        "findings",
        "exceptions",
        "soa",
    ],
    &["layout"],
    &["site", "output"],
    &["context", "report", "search", "diff"],
    &["exports"],
    &["pages", "pdf"],
    &["rebuild"],
    &["serve"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The library module a source file belongs to (`src/serve/http.rs` →
/// `serve`), or `None` for the crate root and the binary.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "main" | "cmd")).then_some(name)
}

/// The code of a file without its unit-test module (tests may reach
/// anywhere).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests").map_or(text, |i| &text[..i])
}

/// Every module named as `crate::<name>` in `code`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            !name.is_empty(),
            "grouped `use crate::{{…}}` imports hide edges; name each module"
        );
        out.insert(name);
        rest = after;
    }
    out
}

fn library_files() -> Vec<(String, PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|f| {
            let m = module_of(&src, &f)?;
            let text = std::fs::read_to_string(&f).expect("source is UTF-8");
            Some((m, f, text))
        })
        .collect()
}

#[test]
fn modules_only_use_lower_layers() {
    let mut violations = Vec::new();
    for (module, file, text) in library_files() {
        let Some(own) = layer_of(&module) else {
            violations.push(format!("{}: module `{module}` is in no layer", file.display()));
            continue;
        };
        for used in crate_paths(without_tests(&text)) {
            if used == module {
                continue;
            }
            match layer_of(&used) {
                Some(l) if l < own => {}
                Some(_) => violations.push(format!(
                    "{}: `{module}` (layer {own}) uses `{used}`, which is not below it",
                    file.display()
                )),
                None => violations.push(format!("{}: uses `{used}`, which is in no layer", file.display())),
            }
        }
    }
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn every_library_module_is_declared_and_placed() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).expect("lib.rs");
    let declared: BTreeSet<&str> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("pub(crate) mod "))?
                .strip_suffix(';')
        })
        .collect();
    let layered: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(declared, layered, "src/lib.rs and LAYERS list different modules");
}

#[test]
fn only_the_binary_prints() {
    let mut printing = Vec::new();
    for (_, file, text) in library_files() {
        let code = without_tests(&text);
        if ["println!", "eprintln!", "print!(", "eprint!("]
            .iter()
            .any(|m| code.contains(m))
        {
            printing.push(file.display().to_string());
        }
    }
    assert!(
        printing.is_empty(),
        "library files printing to the terminal: {printing:?}"
    );
}

#[test]
fn the_checker_sees_edges() {
    // The checker itself: a use of a higher layer is found.
    let code = "use crate::site::Site;\nfn f() { crate::serve::run(); }\n#[cfg(test)]\nmod tests { use crate::pages; }";
    assert_eq!(
        crate_paths(without_tests(code)),
        ["serve", "site"].iter().map(|s| s.to_string()).collect()
    );
    assert!(layer_of("serve") > layer_of("site"));
}
