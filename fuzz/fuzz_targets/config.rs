//! `smsdoc.toml`: parsing and validation, from memory.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = smsdoc::config::parse(std::path::Path::new("/nonexistent/handbook"), text);
});
