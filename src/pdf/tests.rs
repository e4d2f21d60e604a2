use super::*;

/// A PDF laid out as Chromium writes one: objects, a classic xref table,
/// a trailer; a nested page tree and a `/Dests` dictionary.
fn pdf(objects: &[(usize, &str)], root: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = std::collections::BTreeMap::new();
    for (n, body) in objects {
        offsets.insert(*n, out.len());
        out.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let size = offsets.keys().max().copied().unwrap_or(0) + 1;
    let xref_at = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for n in 1..size {
        match offsets.get(&n) {
            Some(o) => out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 65535 f \n"),
        }
    }
    out.extend_from_slice(
        format!("trailer\n<</Size {size}\n/Root {root} 0 R>>\nstartxref\n{xref_at}\n%%EOF").as_bytes(),
    );
    out
}

#[test]
fn reads_pages_in_order_and_named_destinations() {
    let doc = pdf(
        &[
            (1, "<</Type /Catalog\n/Pages 2 0 R\n/Dests 9 0 R>>"),
            (2, "<</Type /Pages\n/Count 4\n/Kids [3 0 R 4 0 R]>>"),
            (3, "<</Type /Pages\n/Count 2\n/Parent 2 0 R\n/Kids [5 0 R 6 0 R]>>"),
            (4, "<</Type /Pages\n/Count 2\n/Parent 2 0 R\n/Kids [7 0 R 8 0 R]>>"),
            (5, "<</Type /Page\n/Parent 3 0 R>>"),
            (6, "<</Type /Page\n/Parent 3 0 R>>"),
            (7, "<</Type /Page\n/Parent 4 0 R\n/Contents 10 0 R>>"),
            (8, "<</Type /Page\n/Parent 4 0 R>>"),
            (9, "<</doc-POL-001 [6 0 R /XYZ 6 827.66998 0]\n/doc-PRO-1.2 [8 0 R /XYZ 6 827 0]\n/print-toc-title [5 0 R /XYZ 0 0 0]\n/odd#20name [7 0 R /Fit]>>"),
            (10, "<</Length 12>> stream\n/Kids [1 0 R] endobj-like\nendstream"),
        ],
        1,
    );
    let index = read_index(&doc).expect("a Chromium-like PDF reads");
    assert_eq!(index.pages, 4);
    assert_eq!(index.dests["doc-POL-001"], 2);
    assert_eq!(index.dests["doc-PRO-1.2"], 4);
    assert_eq!(index.dests["odd name"], 3);
    let docs = index.document_pages();
    assert_eq!(docs.len(), 2, "only doc- destinations are documents: {docs:?}");
    assert_eq!(docs["PRO-1.2"], 4);
}

#[test]
fn anything_unexpected_reads_as_no_index() {
    assert_eq!(read_index(b""), None);
    assert_eq!(read_index(b"%PDF-1.7\nstartxref\n999999\n%%EOF"), None);
    // A cross-reference stream instead of a table.
    let mut doc = pdf(
        &[
            (1, "<</Type /Catalog\n/Pages 2 0 R>>"),
            (2, "<</Type /Pages /Kids []>>"),
        ],
        1,
    );
    let at = doc.windows(4).rposition(|w| w == b"xref").unwrap_or(0);
    doc[at..at + 4].copy_from_slice(b"XREF");
    assert_eq!(read_index(&doc), None);
    // A page tree that loops on itself ends, without an index.
    let looped = pdf(
        &[
            (1, "<</Type /Catalog\n/Pages 2 0 R>>"),
            (2, "<</Type /Pages\n/Kids [2 0 R]>>"),
        ],
        1,
    );
    assert_eq!(read_index(&looped), None);
    // No destinations: pages, no numbers.
    let plain = pdf(
        &[
            (1, "<</Type /Catalog\n/Pages 2 0 R>>"),
            (2, "<</Type /Pages\n/Kids [3 0 R]>>"),
            (3, "<</Type /Page>>"),
        ],
        1,
    );
    assert_eq!(
        read_index(&plain),
        Some(PdfIndex {
            pages: 1,
            dests: HashMap::new()
        })
    );
}

#[test]
fn contents_get_page_numbers_and_lose_old_ones() {
    let html = r##"<li><a href="#doc-A-1">A</a><span class="toc-page" data-toc-page="A-1"></span></li><li><span class="toc-page" data-toc-page="B-2">7</span></li><li><span data-toc-page="C-3"></span></li>"##;
    let pages: HashMap<String, usize> = [("A-1".to_string(), 3), ("B-2".to_string(), 12)].into();
    assert_eq!(
        fill_contents(html, &pages),
        r##"<li><a href="#doc-A-1">A</a><span class="toc-page" data-toc-page="A-1">3</span></li><li><span class="toc-page" data-toc-page="B-2">12</span></li><li><span data-toc-page="C-3"></span></li>"##
    );
    assert_eq!(fill_contents("no contents", &pages), "no contents");
    assert_eq!(
        fill_contents(r#"<span data-toc-page="A-1"#, &pages),
        r#"<span data-toc-page="A-1"#
    );
}

#[test]
fn file_urls_are_absolute_and_escaped() {
    let url = file_url(Path::new("/tmp/a b/print/index.html"));
    assert_eq!(url, "file:///tmp/a%20b/print/index.html");
}

#[test]
fn a_named_browser_that_is_not_there_is_a_clear_error() {
    let d = find_chromium(Some(Path::new("/no/such/chromium"))).expect_err("missing");
    assert!(d.message.contains("/no/such/chromium"), "{}", d.message);
    assert!(d.help.as_deref().unwrap_or("").contains("--chromium"));
}
