//! Front matter: splitting it off a document and parsing it into a small
//! value tree that remembers the line and column of every key and value.
//!
//! Positions are what make a diagnostic useful ("docs/x.md:7:10: invalid
//! date"), so YAML is read from yaml-rust2's event stream rather than through
//! a loader that forgets them. Aliases are refused (no alias bombs) and
//! nesting is bounded.

use crate::diagnostics::LineIndex;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// 1-based line and column in the document file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    Map(Vec<(String, Pos, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    /// The value as text when it is a scalar (numbers and booleans written
    /// without quotes included, as authors expect `version: 2.1` to work).
    pub fn as_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// JSON form for templates (`page.extra`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::List(l) => J::Array(l.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, _, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
}

/// A parse failure at a position in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FmError {
    pub pos: Pos,
    pub message: String,
    pub help: String,
}

#[derive(Debug)]
pub struct Split<'a> {
    pub format: Format,
    pub matter: &'a str,
    /// Line in the file of the first front matter line.
    pub matter_line: usize,
    pub body: &'a str,
    /// Byte offset of the body in the text.
    pub body_offset: usize,
}

const MAX_DEPTH: usize = 32;

/// Separates front matter from the body. `None`: no front matter at all.
pub fn split(text: &str) -> Result<Option<Split<'_>>, FmError> {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    let first = text[..first_end].trim_end();
    let (format, delim) = match first {
        "---" => (Format::Yaml, "---"),
        "+++" => (Format::Toml, "+++"),
        _ => return Ok(None),
    };
    let mut offset = first_end;
    let mut line_no = 2;
    while offset < text.len() {
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i + 1);
        let line = text[offset..end].trim_end();
        if line == delim || (format == Format::Yaml && line == "...") {
            return Ok(Some(Split {
                format,
                matter: &text[first_end..offset],
                matter_line: 2,
                body: &text[end..],
                body_offset: end,
            }));
        }
        offset = end;
        line_no += 1;
    }
    Err(FmError {
        pos: Pos { line: 1, column: 1 },
        message: format!("front matter opened with `{delim}` on line 1 is never closed"),
        help: format!(
            "end the front matter with a line containing only `{delim}` (the file has {} lines)",
            line_no - 1
        ),
    })
}

/// Parses front matter into a mapping node.
pub fn parse(split: &Split<'_>) -> Result<Node, FmError> {
    match split.format {
        Format::Yaml => parse_yaml(split.matter, split.matter_line, "front matter"),
        Format::Toml => parse_toml(split.matter, split.matter_line),
    }
}

/// Parses a whole YAML file (a catalogue, say) into a mapping node with
/// file positions; `subject` names the file's kind in messages.
pub fn parse_yaml_file(text: &str, subject: &str) -> Result<Node, FmError> {
    parse_yaml(text, 1, subject)
}

fn parse_yaml(text: &str, first_line: usize, subject: &str) -> Result<Node, FmError> {
    let pos = |line: usize, col0: usize| Pos {
        line: first_line + line.saturating_sub(1),
        column: col0 + 1,
    };
    enum Frame {
        List(Pos, Vec<Node>),
        Map(Pos, Vec<(String, Pos, Node)>, Option<(String, Pos)>),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let (mut line, mut col) = (e.marker().line(), e.marker().col());
            // The scanner reports a tab at the start of the token it was
            // reading (often the line before); point at the tab itself.
            if e.info().contains("tab") {
                if let Some((l, c)) = first_tab(text, line) {
                    (line, col) = (l, c);
                }
            }
            // The scanner notices a missing `: ` or an unclosed `[`/`{` only
            // on a later line; point at the line that has the mistake.
            let mut help = yaml_help(e.info());
            let info = e.info();
            let colon = info.contains("simple key") || info.contains("expected ':'");
            let flow = info.contains("flow") || info.contains("indentation") || info.contains("']'") || info.contains("'}'");
            if let Some((l, c)) = missing_space_after_colon(text, line).filter(|_| colon) {
                (line, col) = (l, c);
                help = "put a space after the colon: `key: value`".into();
            } else if let Some((l, c)) = unclosed_bracket(text, line).filter(|_| flow || colon) {
                (line, col) = (l, c);
                help = "this `[` or `{` is never closed: end the list on the same line, e.g. `clauses: [\"8.1\", \"8.2\"]`".into();
            }
            FmError {
                pos: pos(line, col),
                message: format!("{subject} is not valid YAML: {}", e.info()),
                help,
            }
        })?;
        let here = pos(mark.line(), mark.col());
        let node = match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart => continue,
            Event::Alias(_) => {
                return Err(FmError {
                    pos: here,
                    message: format!("YAML aliases (`*name`) are not allowed in {subject}"),
                    help: "write the value out in full".into(),
                })
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(FmError {
                        pos: here,
                        message: format!("{subject} is nested more than {MAX_DEPTH} levels deep"),
                        help: "front matter fields are flat values and lists".into(),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::List(here, Vec::new())
                } else {
                    Frame::Map(here, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::List(p, items)) => Node {
                    value: Value::List(items),
                    pos: p,
                },
                _ => unreachable!("yaml-rust2 balances sequence events"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(p, entries, _)) => Node {
                    value: Value::Map(entries),
                    pos: p,
                },
                _ => unreachable!("yaml-rust2 balances mapping events"),
            },
            Event::Scalar(s, style, _, _) => Node {
                value: scalar(s, style),
                pos: here,
            },
        };
        match stack.last_mut() {
            None => {
                root = Some(node);
            }
            Some(Frame::List(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending)) => match pending.take() {
                None => {
                    let key = match node.value {
                        Value::Str(s) => s,
                        Value::Int(i) => i.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Float(f) => f.to_string(),
                        Value::Null => "null".into(),
                        _ => {
                            return Err(FmError {
                                pos: node.pos,
                                message: format!("a {subject} key must be a plain word"),
                                help: "write `key: value` pairs".into(),
                            })
                        }
                    };
                    if let Some((_, first, _)) = entries.iter().find(|(k, _, _)| *k == key) {
                        return Err(FmError {
                            pos: node.pos,
                            message: format!("duplicate key `{key}` (first on line {})", first.line),
                            help: "each field may appear once; remove one of them".into(),
                        });
                    }
                    *pending = Some((key, node.pos));
                }
                Some((key, kpos)) => entries.push((key, kpos, node)),
            },
        }
    }
    match root {
        None => Ok(Node {
            value: Value::Map(Vec::new()),
            pos: Pos {
                line: first_line,
                column: 1,
            },
        }),
        Some(
            n @ Node {
                value: Value::Map(_), ..
            },
        ) => Ok(n),
        Some(n) => Err(FmError {
            pos: n.pos,
            message: format!("{subject} must be a mapping of fields, found {}", n.kind()),
            help: "write one `field: value` per line, e.g. `id: PRO-001`".into(),
        }),
    }
}

/// 1-based line and 0-based char column of the first tab on or after
/// 1-based `from_line` (in leading whitespace, where YAML forbids it).
fn first_tab(text: &str, from_line: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find_map(|(i, l)| {
            let indent = &l[..l.len() - l.trim_start().len()];
            indent.chars().position(|c| c == '\t').map(|c| (i + 1, c))
        })
}

/// The last line up to `to_line` (1-based) that looks like `key:value`,
/// a key directly followed by its value without the space YAML needs, and
/// the column (0-based) just after its colon.
fn missing_space_after_colon(text: &str, to_line: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().take(to_line).collect();
    lines.iter().enumerate().rev().find_map(|(i, l)| {
        let trimmed = l.trim_start();
        let indent = l.len() - trimmed.len();
        let key_len = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|&n| n > 0)?;
        let after = &trimmed[key_len..];
        let value = after.strip_prefix(':')?;
        let next = value.chars().next()?;
        // `key: value`, `key:` and `key::x` are fine; so is a time or URL
        // inside a value, which never starts a line.
        (!next.is_whitespace() && next != ':').then_some((i + 1, indent + key_len + 1))
    })
}

/// The last line up to `to_line` (1-based) with more `[`/`{` than `]`/`}`
/// outside quotes, and the column (0-based) of its first unclosed one.
fn unclosed_bracket(text: &str, to_line: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().take(to_line).collect();
    lines.iter().enumerate().rev().find_map(|(i, l)| {
        let mut open: Vec<usize> = Vec::new();
        let mut quote: Option<char> = None;
        for (c, ch) in l.chars().enumerate() {
            match (quote, ch) {
                (Some(q), _) if ch == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(ch),
                (None, '#') => break,
                (None, '[' | '{') => open.push(c),
                (None, ']' | '}') => {
                    open.pop();
                }
                _ => {}
            }
        }
        open.first().map(|&c| (i + 1, c))
    })
}

fn yaml_help(info: &str) -> String {
    if info.contains("tab") {
        "YAML does not allow tabs for indentation; use spaces".into()
    } else if info.contains("quoted scalar") {
        "a quoted value is missing its closing quote".into()
    } else if info.contains("mapping values are not allowed") {
        "a value containing `: ` must be quoted, e.g. title: \"Scope: services\"".into()
    } else {
        "check the indentation and quoting of this line; fields are `key: value`".into()
    }
}

fn scalar(s: String, style: TScalarStyle) -> Value {
    if style != TScalarStyle::Plain {
        return Value::Str(s);
    }
    match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return Value::Int(i);
    }
    if s.contains('.')
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        if let Ok(f) = s.parse::<f64>() {
            // Keep the author's spelling ("2.10") for things like versions.
            if f.to_string() == s {
                return Value::Float(f);
            }
        }
    }
    Value::Str(s)
}

fn parse_toml(text: &str, first_line: usize) -> Result<Node, FmError> {
    let index = LineIndex::new(text);
    let at = |offset: usize| {
        let (l, c) = index.line_col(text, offset);
        Pos {
            line: first_line + l - 1,
            column: c,
        }
    };
    let table: toml::Table = toml::from_str(text).map_err(|e| FmError {
        pos: e.span().map_or(
            Pos {
                line: first_line,
                column: 1,
            },
            |s| at(s.start),
        ),
        message: format!("front matter is not valid TOML: {}", e.message().trim()),
        help: "fields are `key = value`; strings need quotes, e.g. id = \"PRO-001\"".into(),
    })?;
    // toml::Table does not keep spans; the key's own line is found by
    // scanning top-level lines, which is exact for the flat fields we read.
    let key_pos = |key: &str| {
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix(key).or_else(|| {
                t.strip_prefix('"')
                    .and_then(|r| r.strip_prefix(key))
                    .and_then(|r| r.strip_prefix('"'))
            }) {
                if rest.trim_start().starts_with('=') {
                    return at(offset + (line.len() - t.len()));
                }
            }
            offset += line.len();
        }
        Pos {
            line: first_line,
            column: 1,
        }
    };
    fn conv(v: toml::Value, pos: Pos, depth: usize) -> Node {
        let value = match v {
            toml::Value::String(s) => Value::Str(s),
            toml::Value::Integer(i) => Value::Int(i),
            toml::Value::Float(f) => Value::Float(f),
            toml::Value::Boolean(b) => Value::Bool(b),
            // Dates are read as text and validated like YAML dates.
            toml::Value::Datetime(d) => Value::Str(d.to_string()),
            toml::Value::Array(a) if depth < MAX_DEPTH => {
                Value::List(a.into_iter().map(|x| conv(x, pos, depth + 1)).collect())
            }
            toml::Value::Table(t) if depth < MAX_DEPTH => {
                Value::Map(t.into_iter().map(|(k, x)| (k, pos, conv(x, pos, depth + 1))).collect())
            }
            _ => Value::Null,
        };
        Node { value, pos }
    }
    let entries = table
        .into_iter()
        .map(|(k, v)| {
            let p = key_pos(&k);
            let value_pos = Pos {
                line: p.line,
                column: p.column,
            };
            (k, p, conv(v, value_pos, 0))
        })
        .collect();
    Ok(Node {
        value: Value::Map(entries),
        pos: Pos {
            line: first_line,
            column: 1,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fm(text: &str) -> Result<Node, FmError> {
        let s = split(text)?.expect("has front matter");
        parse(&s)
    }

    fn map(n: &Node) -> &Vec<(String, Pos, Node)> {
        match &n.value {
            Value::Map(m) => m,
            _ => panic!("not a map"),
        }
    }

    #[test]
    fn yaml_positions_are_file_positions() {
        let n = fm("---\nid: PRO-1\ntitle:   \"Hello\"\nclauses:\n  - 8.1\n  - \"8.2\"\n---\nbody").unwrap();
        let m = map(&n);
        assert_eq!(m[0].0, "id");
        assert_eq!(m[0].1, Pos { line: 2, column: 1 });
        assert_eq!(m[1].2.pos, Pos { line: 3, column: 10 });
        match &m[2].2.value {
            Value::List(items) => {
                assert_eq!(items[0].pos, Pos { line: 5, column: 5 });
                assert_eq!(items[0].as_text().as_deref(), Some("8.1"));
                assert_eq!(items[1].as_text().as_deref(), Some("8.2"));
            }
            _ => panic!(),
        }
    }

    #[test]
    fn crlf_and_body_offset() {
        let text = "---\r\nid: A-1\r\n---\r\n# Body\r\n";
        let s = split(text).unwrap().unwrap();
        assert_eq!(s.body, "# Body\r\n");
        assert_eq!(&text[s.body_offset..], s.body);
        let n = parse(&s).unwrap();
        assert_eq!(map(&n)[0].2.as_text().as_deref(), Some("A-1"));
    }

    #[test]
    fn errors_are_located_and_explained() {
        let e = fm("---\nid: A-1\ntitle: 'open\n---\n").unwrap_err();
        assert!(e.message.contains("not valid YAML"), "{e:?}");
        assert!(e.pos.line >= 3);
        let e = fm("---\nid: A-1\ntitle: T\n\ttype: record\n---\n").unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (4, 1), "{e:?}");
        assert!(e.help.contains("tabs"), "{e:?}");
        let e = fm("---\nid: A-1\nid: A-2\n---\n").unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert!(e.message.contains("duplicate key `id`"));
        // The mistake's line, not the line where the scanner noticed it.
        let e = fm("---\nid: A-1\nstatus:approved\nversion: \"1\"\n---\n").unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (3, 8), "{e:?}");
        assert!(e.help.contains("space after the colon"), "{e:?}");
        let e = fm("---\nid: A-1\nclauses: [\"8.1\", \"8.2\"\ntitle: T\ntype: policy\n---\n").unwrap_err();
        assert_eq!((e.pos.line, e.pos.column), (3, 10), "{e:?}");
        assert!(e.help.contains("never closed"), "{e:?}");
        let e = fm("---\na: &x [1]\nb: *x\n---\n").unwrap_err();
        assert!(e.message.contains("aliases"));
        let e = split("---\nid: A-1\n").unwrap_err();
        assert!(e.message.contains("never closed"));
        let e = fm("---\n- a\n- b\n---\n").unwrap_err();
        assert!(e.message.contains("mapping"));
        let deep = format!("---\na: {}{}\n---\n", "[".repeat(100), "]".repeat(100));
        assert!(fm(&deep).unwrap_err().message.contains("nested"));
    }

    #[test]
    fn toml_front_matter() {
        let n = fm("+++\nid = \"A-1\"\nclauses = [\"8.1\"]\nlast_reviewed = 2026-01-02\n+++\nbody").unwrap();
        let m = map(&n);
        let date = m.iter().find(|(k, _, _)| k == "last_reviewed").unwrap();
        assert_eq!(date.2.as_text().as_deref(), Some("2026-01-02"));
        assert_eq!(date.1.line, 4);
        let e = fm("+++\nid = A-1\n+++\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
    }

    #[test]
    fn no_front_matter() {
        assert!(split("# Just a heading\n").unwrap().is_none());
    }
}
