//! The preview's request rules, unit by unit.

use super::*;

fn site<E>(path: &str, dir: bool) -> Result<Route, E> {
    Ok(Route::Site { path: path.into(), dir })
}

#[test]
fn routes_normalise_and_refuse_escapes() {
    assert_eq!(route("/"), site("", true));
    assert_eq!(route("/procedures/x/"), site("procedures/x", true));
    assert_eq!(route("/procedures/x"), site("procedures/x", false));
    assert_eq!(route("/a//b/./c.css?v=1#top"), site("a/b/c.css", false));
    assert_eq!(route("//etc/passwd"), site("etc/passwd", false));
    assert_eq!(route("/st%C3%B6rung/"), site("störung", true));
    assert_eq!(route("/%252e%252e/secret.txt"), site("%2e%2e/secret.txt", false));
    assert_eq!(route(live::EVENTS_PATH), Ok(Route::Events));
    for bad in [
        "/../secret.txt",
        "/a/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%5csecret.txt",
        "/a\\..\\b",
        "/a%00.html",
        "/a%0d%0aSet-Cookie:x",
        "/%zz",
        "/%c3",
        "/%",
        "http://example.com/",
        "*",
        "../x",
    ] {
        assert_eq!(route(bad), Err(BadPath), "{bad}");
    }
}

#[test]
fn the_rules_apply_in_order() {
    let head = |method, path, host, has_body| Head {
        method,
        path,
        host,
        has_body,
    };
    let status = |h: Head, any| admit(&h, any).map_err(|r| r.status);
    assert_eq!(
        status(head("GET", Some("/a/"), Some("localhost"), false), false),
        site("a", true)
    );
    assert_eq!(status(head("HEAD", Some("/"), None, false), false), site("", true));
    // A foreign host is refused before anything else, unless bound beyond loopback.
    assert_eq!(
        status(head("POST", Some("/"), Some("evil.example"), true), false),
        Err(403)
    );
    assert_eq!(status(head("GET", Some("/"), Some(""), false), false), Err(403));
    assert_eq!(
        status(head("GET", Some("/"), Some("evil.example"), false), true),
        site("", true)
    );
    assert_eq!(status(head("POST", Some("/"), None, true), false), Err(405));
    assert_eq!(status(head("get", Some("/"), None, false), false), Err(405));
    assert_eq!(status(head("GET", Some("/"), None, true), false), Err(413));
    assert_eq!(status(head("GET", None, None, false), false), Err(400));
    assert_eq!(status(head("GET", Some("/../x"), None, false), false), Err(400));
}

#[test]
fn only_local_host_names_are_accepted() {
    for ok in [
        "localhost",
        "localhost:1111",
        "127.0.0.1:8080",
        "127.1.2.3",
        "[::1]:1111",
        "app.localhost:1",
        "LOCALHOST.",
    ] {
        assert!(is_local_host(ok), "{ok}");
    }
    for bad in [
        "evil.example",
        "evil.example:1111",
        "127.0.0.1.evil.example",
        "[::2]:1",
        "[::1",
        "10.0.0.1",
        "localhost.evil.example",
    ] {
        assert!(!is_local_host(bad), "{bad}");
    }
}

#[test]
fn content_types() {
    assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
    assert_eq!(content_type("reviews.ics"), "text/calendar; charset=utf-8");
    assert_eq!(content_type("coverage.csv"), "text/csv; charset=utf-8");
    assert_eq!(content_type("x.JSON"), "application/json");
    assert_eq!(content_type("static/favicon.svg"), "image/svg+xml");
    assert_eq!(content_type("f.woff2"), "font/woff2");
    assert_eq!(content_type("sitemap.xml"), "application/xml; charset=utf-8");
    assert_eq!(content_type("noext"), "application/octet-stream");
}
