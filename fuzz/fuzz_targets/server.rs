//! The preview server's request rules (hyper parses the protocol; this is
//! what smsdoc decides): `serve::http::admit` on an arbitrary method,
//! target and Host header. Beyond not crashing, every admitted site path
//! must stay inside the site: no `..` or empty segment, no leading slash,
//! no backslash, NUL or other control character.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smsdoc::serve::http::{admit, Head, Route};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(4, '\n');
    let method = parts.next().unwrap_or("");
    let path = parts.next();
    let host = parts.next();
    let has_body = parts.next().is_some_and(|b| !b.is_empty());
    for any_host in [false, true] {
        let head = Head {
            method,
            path,
            host,
            has_body,
        };
        match admit(&head, any_host) {
            Ok(Route::Site { path: site, .. }) => {
                assert!(method == "GET" || method == "HEAD");
                assert!(!has_body);
                assert!(!site.starts_with('/'), "{site:?}");
                assert!(
                    site.is_empty() || site.split('/').all(|s| !s.is_empty() && s != ".." && s != "."),
                    "{site:?}"
                );
                assert!(!site.chars().any(|c| c == '\\' || c.is_control()), "{site:?}");
            }
            Ok(_) => {}
            Err(r) => assert!(matches!(r.status, 400 | 403 | 405 | 413)),
        }
    }
});
