//! The site layout: a user file (asset under the content directory, or a
//! file of the handbook's `static/`) that would land on a generated file is
//! an `io` error naming both, and the build writes nothing; a site without
//! such a file is unaffected.

use crate::common::*;
use serde_json::Value;

const PAGE: &str = "---\nid: REC-001\ntitle: Log\ntype: record\nstatus: approved\n---\nText.\n";

fn handbook_with(files: &[(&str, &str)]) -> Handbook {
    let hb = Handbook::empty();
    hb.write("smsdoc.toml", "title = \"T\"\n");
    hb.write("docs/log.md", PAGE);
    for (rel, text) in files {
        hb.write(rel, text);
    }
    hb
}

fn io_messages(v: &Value) -> Vec<(String, String)> {
    with_code(v, "io")
        .into_iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn user_files_in_the_place_of_generated_ones_are_errors_naming_both() {
    let cases = [
        (
            "docs/search-index.js",
            "search-index.js",
            "the generated /search-index.js",
        ),
        (
            "docs/search-index.json",
            "search-index.json",
            "the generated /search-index.json",
        ),
        (
            "docs/static/smsdoc.css",
            "static/smsdoc.css",
            "the theme's /static/smsdoc.css",
        ),
        (
            "docs/static/highlight.css",
            "static/highlight.css",
            "the theme's /static/highlight.css",
        ),
        ("docs/sitemap.xml", "sitemap.xml", "the generated /sitemap.xml"),
        ("docs/index.html", "index.html", "the generated /index.html"),
        ("static/reviews.ics", "reviews.ics", "the generated /reviews.ics"),
        (
            "static/static/smsdoc.js",
            "static/smsdoc.js",
            "the theme's /static/smsdoc.js",
        ),
        (
            "static/register/index.html",
            "register/index.html",
            "the generated /register/ page",
        ),
    ];
    for (file, published, other) in cases {
        let hb = handbook_with(&[(file, "user content")]);
        let (code, v) = hb.check_json(TODAY, &[]);
        assert_eq!(code, 1, "{file}: {v}");
        let io = io_messages(&v);
        assert_eq!(io.len(), 1, "{file}: {io:?}");
        assert_eq!(io[0].0, file);
        assert_eq!(
            io[0].1,
            format!("this file would be published at /{published}, the same place as {other}"),
            "{file}"
        );
        hb.run(&["build", "--today", TODAY]).expect(1);
        assert!(!hb.exists("public"), "{file}: nothing is written");
    }
}

#[test]
fn an_asset_and_a_static_file_at_the_same_path_collide() {
    let hb = handbook_with(&[("docs/logo.png", "a"), ("static/logo.png", "b")]);
    let (code, v) = hb.check_json(TODAY, &[]);
    assert_eq!(code, 1);
    let io = io_messages(&v);
    assert_eq!(io.len(), 1, "{io:?}");
    assert_eq!(io[0].0, "docs/logo.png");
    assert!(io[0].1.ends_with("the same place as static/logo.png"), "{io:?}");
}

#[test]
fn a_theme_folder_may_replace_the_built_in_theme_files() {
    let hb = handbook_with(&[
        ("smsdoc.toml", "title = \"T\"\ntheme = \"mytheme\"\n"),
        ("mytheme/static/smsdoc.css", "body { color: red }\n"),
        ("static/robots.txt", "User-agent: *\n"),
    ]);
    hb.run(&["build", "--today", TODAY]).expect(0);
    assert_eq!(hb.read("public/static/smsdoc.css"), "body { color: red }\n");
    assert_eq!(hb.read("public/robots.txt"), "User-agent: *\n");
    assert!(hb.exists("public/search-index.js"));
}
