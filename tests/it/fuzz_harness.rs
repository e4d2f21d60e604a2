//! The fuzz targets (`fuzz/`, built only with cargo-fuzz) load a fixed
//! configuration once; when it stops being valid every input crashes in
//! set-up and the run finds nothing real (it happened twice: `[history]`
//! keys, then `[[exceptions]]` keys). Their configurations must parse.

use std::path::Path;

#[test]
fn every_fuzz_target_configuration_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz targets") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("read target");
        let Some(start) = source.find("const CONFIG: &str = r#\"") else {
            continue;
        };
        let rest = &source[start + "const CONFIG: &str = r#\"".len()..];
        let config = &rest[..rest.find("\"#;").expect("end of CONFIG")];
        if let Err(d) = smsdoc::config::parse(Path::new("/fuzz"), config) {
            panic!("{}: the fuzz configuration does not parse: {d:?}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 2, "the document and pipeline targets have a configuration");
}
