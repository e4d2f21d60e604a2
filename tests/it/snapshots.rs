//! The theme API and the exports, pinned: the template context of every
//! page kind and every export file of the `handbook` fixture at a fixed
//! `--today`, as insta snapshots (`tests/it/snapshots/`). The smsdoc
//! version is redacted. A change here is a change for theme authors and
//! for whoever parses the exports: review it with `cargo insta review`.

use smsdoc::context::{PageContext, PrintData, SiteData};
use smsdoc::layout::{FileData, EXPORTS};
use smsdoc::site::{BuildOptions, Site};
use std::path::Path;

/// The fixture, copied out of this repository (whose Git history would
/// otherwise show in the contexts).
fn site() -> (tempfile::TempDir, Site) {
    fixture_site("handbook")
}

fn fixture_site(name: &str) -> (tempfile::TempDir, Site) {
    let dir = tempfile::tempdir().expect("temp dir");
    crate::common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name),
        dir.path(),
    );
    let config = smsdoc::config::load(dir.path()).expect("fixture config");
    let today = smsdoc::dates::parse_date(crate::common::TODAY).expect("date");
    let site = Site::load(config, BuildOptions { today, drafts: true }).expect("fixture loads");
    (dir, site)
}

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(r"smsdoc \d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", "smsdoc [version]");
    s
}

#[test]
fn every_page_kind_has_a_pinned_context() {
    let (_dir, site) = site();
    let shared = SiteData::shared(&site);
    settings().bind(|| {
        let pages = smsdoc::pages::list_pages(&site, &shared);
        // One of each kind: the fixed pages and the first clause page.
        let mut seen_clause = false;
        for (path, template, ctx) in &pages {
            // Series pages are pinned from the records fixture, below.
            if template == &smsdoc::layout::SERIES_TEMPLATE {
                continue;
            }
            if template == &smsdoc::layout::CLAUSE_TEMPLATE {
                if seen_clause {
                    continue;
                }
                seen_clause = true;
            }
            let name = format!("context-{}", template.trim_end_matches(".html"));
            insta::assert_json_snapshot!(name, ctx, { ".site.generator" => "[generator]" });
            assert!(!path.is_empty());
        }
        let incident = site.doc_by_id("PRO-001").expect("the fixture has PRO-001");
        let doc = smsdoc::pages::document_context(&site, &shared, incident, site.doc_html(incident));
        insta::assert_json_snapshot!("context-page", doc, { ".site.generator" => "[generator]" });
        let print = PageContext {
            site: shared.from_dir(&site, "print/"),
            current_path: "print/".to_string(),
            data: PrintData::new(&site, &site.register_order()),
        };
        insta::assert_json_snapshot!("context-print", print, { ".site.generator" => "[generator]" });
    });
    // Record series, findings, retention and exceptions: the records
    // fixture's management-review series page and a record's page.
    let (_dir, site) = fixture_site("records");
    let shared = SiteData::shared(&site);
    settings().bind(|| {
        let pages = smsdoc::pages::list_pages(&site, &shared);
        let (_, _, series) = pages
            .iter()
            .find(|(path, _, _)| path == "series/management-review/index.html")
            .expect("a page per series");
        insta::assert_json_snapshot!("context-series", series, { ".site.generator" => "[generator]" });
        let minutes = site.doc_by_id("REC-001").expect("REC-001");
        let doc = smsdoc::pages::document_context(&site, &shared, minutes, site.doc_html(minutes));
        insta::assert_json_snapshot!("context-page-record", doc, { ".site.generator" => "[generator]" });
    });
}

#[test]
fn every_export_is_pinned() {
    let (_dir, site) = site();
    settings().bind(|| {
        for (export, path) in EXPORTS {
            for file in smsdoc::exports::files(&site, export) {
                let FileData::Bytes(bytes) = file.data else {
                    panic!("{path}: exports are generated");
                };
                let text = String::from_utf8(bytes).expect("exports are UTF-8");
                insta::assert_snapshot!(format!("export-{}", file.path), text);
            }
        }
    });
}
