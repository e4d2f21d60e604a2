//! A user catalogue file (clauses, required documents, crosswalk rows).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = smsdoc::catalogue::Catalogue::parse(text, std::path::Path::new("fuzz.yaml"));
});
