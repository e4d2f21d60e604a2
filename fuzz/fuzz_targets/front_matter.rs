//! Front matter: splitting a file, YAML/TOML into the position-keeping value
//! tree, and the same parser on a whole YAML file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smsdoc::frontmatter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(Some(split)) = frontmatter::split(text) {
        let _ = frontmatter::parse(&split);
    }
    let _ = frontmatter::parse_yaml_file(text, "fuzz");
});
