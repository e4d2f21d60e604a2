//! The search index: every document's title, id, clauses and body words,
//! as compact JSON for the search page (and as a script, for sites opened
//! from disk). Built from entries collected while the document pages are
//! rendered, so each document's Markdown is parsed once.

use crate::layout::{Export, SiteFile};
use crate::model::{DocId, PerDoc};
use crate::site::Site;
use serde_json::json;

/// The search index files from the entries a build collected while
/// rendering the document pages (see [`search_index_from`]).
pub fn files_from(site: &Site, entries: PerDoc<Option<SearchEntry>>) -> Vec<SiteFile> {
    files(index_from(site, entries))
}

/// The search index as JSON (fetched by the search page), and the same as
/// a script (`window.SMSDOC_SEARCH_INDEX = …`) that the search page loads
/// when the site is opened from disk, where browsers refuse to fetch files.
pub fn files(json: Vec<u8>) -> Vec<SiteFile> {
    let mut js = Vec::with_capacity(json.len() + 40);
    js.extend_from_slice(b"window.SMSDOC_SEARCH_INDEX = ");
    js.extend_from_slice(&json);
    js.extend_from_slice(b";\n");
    vec![
        SiteFile::bytes(Export::SearchIndexJson.path(), json),
        SiteFile::bytes(Export::SearchIndexJs.path(), js),
    ]
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026`: the
/// same data for every JSON parser, but a title like
/// `<script>…</script>` can never be taken for markup, whether a browser
/// sniffs the file or a template inlines it in a `<script>` element.
/// Outside strings JSON has none of these bytes, so a byte replacement is
/// exact.
pub fn html_safe(json: Vec<u8>) -> Vec<u8> {
    if !json.iter().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 64);
    for b in json {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            b => out.push(b),
        }
    }
    out
}

/// Characters of body text kept verbatim per document in the search index,
/// for result snippets. Words beyond it are kept as vocabulary ids.
const SEARCH_EXCERPT_CHARS: usize = 280;

/// Words too common to be worth indexing; the client drops them from
/// queries too (the list travels in the index as `stop`).
const SEARCH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "its", "of", "on",
    "or", "that", "the", "this", "to", "was", "were", "will", "with",
];

/// `SEARCH_STOP_WORDS.contains(t)`, as a match the compiler turns into a few
/// integer comparisons (this runs for every word of every document).
fn is_stop_word(t: &str) -> bool {
    matches!(
        t,
        "a" | "an"
            | "and"
            | "are"
            | "as"
            | "at"
            | "be"
            | "by"
            | "for"
            | "from"
            | "has"
            | "have"
            | "in"
            | "is"
            | "it"
            | "its"
            | "of"
            | "on"
            | "or"
            | "that"
            | "the"
            | "this"
            | "to"
            | "was"
            | "were"
            | "will"
            | "with"
    )
}

/// Longest token indexed (longer ones are hashes, URLs, base64…).
const SEARCH_MAX_TOKEN: usize = 40;

/// Byte classes of the tokenizer: ASCII is decided by table lookup (most
/// text is ASCII), other bytes start a character that is decoded.
const SEP: u8 = 0;
const WORD: u8 = 1;
const JOINER: u8 = 2;
const NON_ASCII: u8 = 3;
static BYTE_CLASS: [u8; 256] = {
    let mut table = [SEP; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if !c.is_ascii() {
            NON_ASCII
        } else if c.is_ascii_alphanumeric() {
            WORD
        } else if matches!(c, b'.' | b'-' | b'_') {
            JOINER
        } else {
            SEP
        };
        b += 1;
    }
    table
};

fn class(b: u8) -> u8 {
    BYTE_CLASS[usize::from(b)]
}

/// Search tokens of `text` (already lower-cased): runs of letters, digits
/// and inner `.`, `-`, `_` (so `8.6.1`, `pro-004` and `http_errors_total`
/// stay whole), plus the parts of such compound tokens. Tokens of one
/// character and stop words are dropped.
fn search_tokens<'a>(text: &'a str, mut f: impl FnMut(&'a str)) {
    let bytes = text.as_bytes();
    // A character outside ASCII: whether it is a word character, its length.
    let decode = |i: usize| -> (bool, usize) {
        let c = text[i..].chars().next().unwrap_or(' ');
        (c.is_alphanumeric(), c.len_utf8())
    };
    let keep = |t: &str, ascii: bool| {
        let n = if ascii { t.len() } else { t.chars().count() };
        // (stop words are at most 5 bytes: most tokens skip the lookup)
        (2..=SEARCH_MAX_TOKEN).contains(&n) && (n > 5 || !is_stop_word(t))
    };
    let mut i = 0;
    while i < bytes.len() {
        match class(bytes[i]) {
            SEP => {
                i += 1;
                continue;
            }
            NON_ASCII => {
                let (is_word, len) = decode(i);
                if !is_word {
                    i += len;
                    continue;
                }
            }
            _ => {}
        }
        // A run of word characters from `start`.
        let start = i;
        let (mut ascii, mut joined) = (true, false);
        while i < bytes.len() {
            match class(bytes[i]) {
                WORD => i += 1,
                JOINER => {
                    joined = true;
                    i += 1;
                }
                SEP => break,
                _ => {
                    let (is_word, len) = decode(i);
                    if !is_word {
                        break;
                    }
                    ascii = false;
                    i += len;
                }
            }
        }
        let (mut s, mut e) = (start, i);
        if joined {
            while s < e && class(bytes[s]) == JOINER {
                s += 1;
            }
            while e > s && class(bytes[e - 1]) == JOINER {
                e -= 1;
            }
        }
        let t = &text[s..e];
        if !keep(t, ascii) {
            continue;
        }
        if joined && t.bytes().any(|b| class(b) == JOINER) {
            t.split(['.', '-', '_']).filter(|p| keep(p, ascii)).for_each(&mut f);
        }
        f(t);
    }
}

/// The first `max` characters of `text`, cut at a word boundary.
fn excerpt(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        None => text,
        Some((cut, _)) => {
            let head = &text[..cut];
            head.rfind(char::is_whitespace).map_or(head, |ws| head[..ws].trim_end())
        }
    }
}

/// A fast, fixed-seed hash for the short word keys of the search index
/// (the default SipHash guards against hostile keys, which a build does not
/// face; a fixed seed keeps builds reproducible whatever the map order).
type WordHash = foldhash::fast::FixedState;

/// Base-36 id of a vocabulary entry (frequent words get the short ids).
fn base36(mut n: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[n % 36]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `search-index.json` (HTML-safe, see [`html_safe`]), read by
/// `static/smsdoc.js` (format version 2):
///
/// ```json
/// {"v":2,
///  "fields":["id","title","type","status","owner","clauses","url","excerpt","words","changed"],
///  "stop":"a an and …",
///  "vocab":"incident service …",
///  "docs":[["PRO-004","Incident management","procedure","approved","Service Desk Manager",
///           "8.6.1 8.6.2","procedures/incident-management/","Purpose Restore …","0 1 a 2f …"]]}
/// ```
///
/// One array per document, in register order, with the fields named in
/// `fields`. `clauses` are clause numbers separated by spaces; `url` is
/// the page's link relative to the site root (each page's `data-base-url`
/// leads there); `excerpt` is the start of the body text
/// (whitespace collapsed) for snippets; `words` are the other distinct
/// words of the body (lower-cased, not in the title or excerpt), as
/// space-separated base-36 indexes into `vocab`, a space-separated list
/// ordered by document frequency. This keeps the index near 1 KB per
/// document while every word of every body stays searchable.
pub fn index(site: &Site) -> Vec<u8> {
    use rayon::prelude::*;
    // The body text is derived here and dropped at once: it is as large as
    // the sources.
    let entries: Vec<Option<SearchEntry>> = (0..site.docs.len())
        .into_par_iter()
        .map(DocId::new)
        .map(|i| site.included[i].then(|| entry(site, i, &site.doc_text(i))))
        .collect();
    index_from(site, entries.into())
}

/// What the search index keeps of one document: its excerpt, and its
/// distinct words outside the title and excerpt, lower-cased and joined by
/// spaces.
pub struct SearchEntry {
    excerpt: String,
    words: String,
}

/// The search entry of document `i` from its body `text`.
pub fn entry(site: &Site, i: DocId, text: &str) -> SearchEntry {
    use std::collections::HashSet;
    let head = excerpt(text, SEARCH_EXCERPT_CHARS);
    let mut excerpt = head.split_whitespace().collect::<Vec<_>>().join(" ");
    if head.len() < text.trim_end().len() {
        excerpt.push('…');
    }
    let lower = |s: &str| {
        if s.is_ascii() {
            s.to_ascii_lowercase()
        } else {
            s.to_lowercase()
        }
    };
    let (title, head, lower) = (lower(&site.docs[i].title), lower(&excerpt), lower(text));
    // About one distinct word per 16 bytes of prose.
    let mut seen: HashSet<&str, WordHash> = HashSet::with_capacity_and_hasher(lower.len() / 16, WordHash::default());
    search_tokens(&title, |t| {
        seen.insert(t);
    });
    search_tokens(&head, |t| {
        seen.insert(t);
    });
    let mut words = String::new();
    search_tokens(&lower, |t| {
        if seen.insert(t) {
            if !words.is_empty() {
                words.push(' ');
            }
            words.push_str(t);
        }
    });
    drop(seen);
    words.shrink_to_fit();
    SearchEntry { excerpt, words }
}

/// The search index from the entries of the documents (by document index;
/// `None` for documents left out of the site).
pub fn index_from(site: &Site, mut entries: PerDoc<Option<SearchEntry>>) -> Vec<u8> {
    use rayon::prelude::*;
    use std::collections::HashMap;
    let order = site.register_order();
    let prepared: Vec<(String, String)> = order
        .iter()
        .map(|&i| {
            entries
                .get_mut(i)
                .and_then(Option::take)
                .map_or_else(Default::default, |e| (e.excerpt, e.words))
        })
        .collect();
    drop(entries);
    // Document frequency of every word: counted per thread, then merged.
    let freq: HashMap<&str, usize, WordHash> = prepared
        .par_iter()
        .fold(
            HashMap::default,
            |mut freq: HashMap<&str, usize, WordHash>, (_, words)| {
                for w in words.split(' ').filter(|w| !w.is_empty()) {
                    *freq.entry(w).or_default() += 1;
                }
                freq
            },
        )
        .reduce(HashMap::default, |a, b| {
            let (mut a, b) = if a.len() < b.len() { (b, a) } else { (a, b) };
            for (w, n) in b {
                *a.entry(w).or_default() += n;
            }
            a
        });
    let mut vocab: Vec<(&str, usize)> = freq.into_iter().collect();
    vocab.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let ids: HashMap<&str, String, WordHash> = vocab.iter().enumerate().map(|(k, (w, _))| (*w, base36(k))).collect();
    // Rows are written as JSON text in parallel (a value tree of the whole
    // index would be larger than the file), then joined in order.
    let rows: Vec<Vec<u8>> = order
        .par_iter()
        .zip(&prepared)
        .map(|(&i, (excerpt, words))| {
            let d = &site.docs[i];
            let mut clauses: Vec<&str> = Vec::new();
            for c in d.clauses.iter().filter_map(|t| t.clause) {
                let n = site.cats.clause(c).number.as_str();
                if !clauses.contains(&n) {
                    clauses.push(n);
                }
            }
            let words: Vec<&str> = words
                .split(' ')
                .filter_map(|w| ids.get(w).map(String::as_str))
                .collect();
            let changed = site.last_changed(i).unwrap_or_default();
            let row = (
                &d.id,
                &d.title,
                d.doc_type.as_str(),
                d.status.as_str(),
                d.owner.as_deref().unwrap_or(""),
                clauses.join(" "),
                site.config.page_link(&d.url),
                excerpt,
                words.join(" "),
                changed,
            );
            html_safe(serde_json::to_vec(&row).unwrap_or_default())
        })
        .collect();
    let vocab = vocab.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
    // The words are in the rows and the vocabulary now.
    drop(ids);
    drop(prepared);
    let mut out = Vec::with_capacity(rows.iter().map(|r| r.len() + 1).sum::<usize>() + vocab.len() + 512);
    // Keys in the order serde_json writes an object's keys (sorted).
    out.extend_from_slice(b"{\"docs\":[");
    for (k, r) in rows.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        out.extend_from_slice(r);
    }
    drop(rows);
    let tail = json!({
        "fields": ["id", "title", "type", "status", "owner", "clauses", "url", "excerpt", "words", "changed"],
        "stop": SEARCH_STOP_WORDS.join(" "),
        "v": 2,
        "vocab": vocab,
    });
    let tail = html_safe(serde_json::to_vec(&tail).unwrap_or_default());
    out.extend_from_slice(b"],");
    out.extend_from_slice(tail.get(1..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_tokens_keep_ids_clauses_and_parts() {
        let mut out = Vec::new();
        let text = "See PRO-004, clause 8.6.1 and rate(http_errors_total[5m]) of the É-Mail.".to_lowercase();
        search_tokens(&text, |t| out.push(t));
        for want in [
            "see",
            "pro-004",
            "pro",
            "004",
            "clause",
            "8.6.1",
            "http_errors_total",
            "http",
            "errors",
            "total",
            "5m",
            "é-mail",
            "mail",
        ] {
            assert!(out.contains(&want), "{want} missing from {out:?}");
        }
        assert!(
            !out.iter()
                .any(|t| *t == "the" || *t == "and" || *t == "8" || *t == "of"),
            "{out:?}"
        );
        // The list travels in the index; the match must say the same.
        for w in SEARCH_STOP_WORDS {
            assert!(is_stop_word(w), "{w}");
        }
        for w in ["", "b", "ands", "thee", "wit", "service"] {
            assert!(!is_stop_word(w), "{w}");
        }
        let mut n = 0;
        for a in b'a'..=b'z' {
            for b in [None].into_iter().chain((b'a'..=b'z').map(Some)) {
                let w: String = [Some(a), b].into_iter().flatten().map(char::from).collect();
                n += usize::from(is_stop_word(&w));
            }
        }
        let short = SEARCH_STOP_WORDS.iter().filter(|w| w.len() <= 2).count();
        assert_eq!(n, short, "no one- or two-letter word is a stop word unless listed");
    }

    /// The tokenizer's definition, one character at a time: what the
    /// table-driven [`search_tokens`] must agree with.
    fn tokens_by_char(text: &str) -> Vec<&str> {
        let joiner = |c: char| matches!(c, '.' | '-' | '_');
        let keep = |t: &str| (2..=SEARCH_MAX_TOKEN).contains(&t.chars().count()) && !is_stop_word(t);
        let mut out = Vec::new();
        for run in text.split(|c: char| !(c.is_alphanumeric() || joiner(c))) {
            let t = run.trim_matches(joiner);
            if !keep(t) {
                continue;
            }
            if t.contains(joiner) {
                out.extend(t.split(joiner).filter(|p| keep(p)));
            }
            out.push(t);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn search_tokens_agree_with_the_definition(text in "([a-zé0-9ß½ .,_-]|\\PC){0,80}") {
            let text = text.to_lowercase();
            let mut out = Vec::new();
            search_tokens(&text, |t| out.push(t));
            proptest::prop_assert_eq!(out, tokens_by_char(&text));
        }
    }

    #[test]
    fn search_tokens_trim_and_split_joiners() {
        let mut out = Vec::new();
        search_tokens("--pro-004-- ..x.y.. naïve-café é½ _a_ 8.6", |t| out.push(t));
        // (`½` is a number, so `é½` is a word of two characters)
        assert_eq!(
            out,
            [
                "pro",
                "004",
                "pro-004",
                "x.y",
                "naïve",
                "café",
                "naïve-café",
                "é½",
                "8.6"
            ]
        );
    }

    #[test]
    fn excerpt_cuts_at_a_word_boundary() {
        assert_eq!(excerpt("short text", 280), "short text");
        assert_eq!(excerpt("alpha beta gamma", 8), "alpha");
        assert_eq!(excerpt("ééééé ééé", 7), "ééééé");
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
