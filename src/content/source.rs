//! Reading one content file: size and encoding checks, front-matter splitting, YAML parsing with
//! serde positions turned into file locations, and finding where an object sits in its file.

use std::io::Read;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Location};

/// The largest content file kbgen reads.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// How deep `[` and `{` may nest in a YAML file. Content needs a few levels; the YAML parser
/// slows down with every level, so deeper input is refused before it is parsed.
pub const MAX_FLOW_DEPTH: usize = 128;

/// Read `path` as UTF-8 text, without a byte-order mark, CRLF (and lone CR) line ends made LF.
/// Refuses what is not a regular file (a pipe would block), files over [`MAX_FILE_BYTES`],
/// UTF-16 and bytes that are not UTF-8, each with its place and a hint.
pub fn read_text(path: &Path) -> Result<String, Error> {
    let io = |e: std::io::Error| Error::io(path, &e).in_file(path);
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Error::new("not a regular file")
            .in_file(path)
            .hint("content files must be ordinary files; remove it or replace it with one"));
    }
    let too_large = |len: u64| {
        Error::new(format!(
            "file is too large ({len} bytes; content files may have at most {MAX_FILE_BYTES} bytes)"
        ))
        .in_file(path)
        .hint("split the content into several files, or move large assets to static/")
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64)); // it grew while being read
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::new("the file is UTF-16, not UTF-8")
            .in_file(path)
            .hint("save the file as UTF-8"));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let prefix = prefix.strip_prefix('\u{feff}').unwrap_or(&prefix);
            let byte = e.as_bytes().get(valid).copied().unwrap_or(0);
            return Err(Error::new(format!(
                "the file is not valid UTF-8 (byte 0x{byte:02X} at offset {valid})"
            ))
            .at(Location::from_offset(path, prefix, prefix.len()))
            .hint("save the file as UTF-8"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    })
}

/// Parse YAML text into `T`; `line_offset` is how many lines of the file precede `src`.
pub fn parse_yaml<T: DeserializeOwned>(
    path: &Path,
    src: &str,
    line_offset: usize,
) -> Result<T, Error> {
    if src.trim().is_empty() {
        return Err(Error::new("the YAML is empty")
            .at(Location::new(path, line_offset + 1, 1))
            .hint("see docs/content.md for the fields this file needs"));
    }
    if let Some(offset) = too_deep(src) {
        return Err(Error::new(format!(
            "the YAML nests `[` or `{{` more than {MAX_FLOW_DEPTH} levels deep"
        ))
        .at(Location::from_offset(path, src, offset).shifted(line_offset))
        .hint("content needs only a few levels; look for brackets that are never closed"));
    }
    if let Some((id, offset)) = long_id(src) {
        let shown: String = id.chars().take(20).collect();
        return Err(Error::new(format!("invalid id `{shown}…`: it is longer than 100 bytes"))
            .at(Location::from_offset(path, src, offset).shifted(line_offset))
            .hint("use a short id of lower-case ASCII letters, digits, `-` and `_`, e.g. `residence-permit`"));
    }
    serde_yaml::from_str(src).map_err(|e| yaml_error(path, src, &e, line_offset))
}

/// The fields whose values (or list items) are ids; the keys of `when` are ids too.
const ID_FIELDS: [&str; 4] = ["id", "related", "steps", "differs_from"];

/// An id over 100 bytes and its offset in `src`. Checked before the typed parse, because the
/// content model's own id check cuts such an id at a byte that may fall inside a character.
fn long_id(src: &str) -> Option<(String, usize)> {
    let value: serde_yaml::Value = serde_yaml::from_str(src).ok()?;
    let mut found = None;
    walk_ids(&value, &mut |id| {
        if id.len() > 100 && found.is_none() {
            found = Some(id.to_string());
        }
    });
    let id = found?;
    let offset = src.find(&id).unwrap_or(0);
    Some((id, offset))
}

fn walk_ids(value: &serde_yaml::Value, f: &mut dyn FnMut(&str)) {
    use serde_yaml::Value;
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                match k.as_str() {
                    Some(key) if ID_FIELDS.contains(&key) => match v {
                        Value::String(s) => f(s),
                        Value::Sequence(items) => {
                            items.iter().filter_map(Value::as_str).for_each(&mut *f)
                        }
                        _ => {}
                    },
                    Some("when") => {
                        if let Value::Mapping(when) = v {
                            when.keys().filter_map(Value::as_str).for_each(&mut *f);
                        }
                    }
                    _ => {}
                }
                walk_ids(v, f);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| walk_ids(v, f)),
        Value::Tagged(t) => walk_ids(&t.value, f),
        _ => {}
    }
}

/// The offset of the first `[` or `{` nested deeper than [`MAX_FLOW_DEPTH`], counting every
/// bracket (also in quotes and text: a conservative bound that real content never reaches).
fn too_deep(src: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, b) in src.bytes().enumerate() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// A YAML or type error turned into kbgen's words: a message, the place (a byte offset into the
/// YAML text when a better one than serde's is known) and a hint.
struct Explained {
    message: String,
    hint: Option<String>,
    offset: Option<usize>,
}

impl Explained {
    fn new(message: impl Into<String>) -> Self {
        Explained {
            message: message.into(),
            hint: None,
            offset: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn at(mut self, offset: Option<usize>) -> Self {
        self.offset = offset.or(self.offset);
        self
    }
}

fn yaml_error(path: &Path, src: &str, e: &serde_yaml::Error, line_offset: usize) -> Error {
    let text = strip_positions(&e.to_string());
    let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let at = offset_of(src, line, col);
    // Type errors start with the path of the value: `steps[0].duration: invalid type …`.
    let (field, what) = match text.split_once(": ") {
        Some((p, rest)) if is_field_path(p) => (Some(p), rest),
        _ => (None, text.as_str()),
    };
    let explained = explain(src, what, field.is_none(), at);
    let message = match field {
        Some(f) => format!("{f}: {}", explained.message),
        None => explained.message,
    };
    let loc = match explained.offset {
        Some(o) => Location::from_offset(path, src, o),
        None => Location::new(path, line, col),
    };
    let err = Error::new(message).at(loc.shifted(line_offset));
    match explained.hint {
        Some(h) => err.hint(h),
        None => err,
    }
}

/// serde_yaml's ` at line L column C` (and libyaml's ` at position N`): the location says it.
fn strip_positions(text: &str) -> String {
    let mut out = text.to_string();
    for marker in [" at line ", " at position "] {
        while let Some(i) = out.find(marker) {
            let rest = &out[i + marker.len()..];
            let len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == ' ' || c.is_ascii_lowercase()))
                .unwrap_or(rest.len());
            // Keep what follows the numbers (", while parsing …").
            let tail = rest[len..].to_string();
            let words = &rest[..len];
            if !words.starts_with(|c: char| c.is_ascii_digit()) {
                break;
            }
            out.truncate(i);
            out.push_str(&tail);
        }
    }
    out
}

fn is_field_path(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
}

/// The byte offset of 1-based `line` and character `col` in `src`.
fn offset_of(src: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + l.char_indices().nth(col - 1).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    src.len()
}

fn explain(src: &str, what: &str, top_level: bool, at: usize) -> Explained {
    if let Some(rest) = what.strip_prefix("unknown field `") {
        return unknown_name(rest, "field", "fields");
    }
    if let Some(rest) = what.strip_prefix("unknown variant `") {
        // "variant" is serde's word; kept, as tests and editors' searches know it.
        return unknown_name(rest, "variant", "values");
    }
    if let Some(rest) = what.strip_prefix("invalid type: ") {
        return wrong_type(rest, top_level);
    }
    if let Some(rest) = what.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return Explained::new(format!(
            "invalid value {}: expected {}",
            found_words(found),
            expected_words(expected)
        ))
        .hint(expected_hint(expected));
    }
    if let Some(field) = what.strip_prefix("missing field ") {
        return Explained::new(format!("missing field {field}")).hint(format!(
            "add {field} (see docs/content.md for the fields of this kind of file)"
        ));
    }
    if let Some(field) = what.strip_prefix("duplicate field `") {
        let field = field.trim_end_matches('`');
        return Explained::new(format!("the field `{field}` appears twice"))
            .hint("keep one of them")
            .at(second_key(src, field, at));
    }
    if what.starts_with("invalid date `") || what.starts_with("invalid id `") {
        // The content model's own checks: "invalid date `x`: what to do".
        let value = what.split('`').nth(1).unwrap_or_default();
        let offset = find_from(src, at, value);
        return match what.split_once("`: ") {
            Some((m, h)) => Explained::new(format!("{m}`")).hint(h),
            None => Explained::new(what),
        }
        .at(offset);
    }
    if what.contains("did not match any variant of untagged enum Answer") {
        return Explained::new("a condition's answer must be true, false or an option's value")
            .hint("write e.g. `when: { subject: individual }` or `when: { pre_approval: true }`");
    }
    if what.starts_with("repetition limit exceeded") {
        return Explained::new("the YAML's aliases (`*name`) expand to too much data")
            .hint("write the values out instead of repeating them through aliases")
            .at(first_alias(src));
    }
    if what.starts_with("recursion limit exceeded") {
        return Explained::new("the YAML nests too deeply")
            .hint("content needs only a few levels of nesting; look for a runaway indentation");
    }
    if what.starts_with("unknown anchor") {
        let name: String = src
            .get(at..)
            .unwrap_or_default()
            .trim_start_matches('*')
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}'))
            .collect();
        return Explained::new(format!("`*{name}` refers to an anchor that is not defined")).hint(
            format!("define it earlier with `&{name}`, or write the value out"),
        );
    }
    if what.contains("more than one document") {
        return Explained::new("the file holds more than one YAML document")
            .hint("a `---` line starts another document: remove it")
            .at(second_document(src));
    }
    if what.starts_with("control characters are not allowed") {
        let offset = src.find(|c: char| c.is_control() && !matches!(c, '\n' | '\t'));
        let c = offset.and_then(|o| src[o..].chars().next()).unwrap_or('\0');
        return Explained::new(format!(
            "the control character U+{:04X} is not allowed in YAML",
            c as u32
        ))
        .hint("delete it: most editors do not show it")
        .at(offset);
    }
    syntax_error(src, what, at)
}

/// libyaml's scanner and parser errors, in words an editor knows.
fn syntax_error(src: &str, what: &str, at: usize) -> Explained {
    let is = |s: &str| what.contains(s);
    if is("tab character") || (is("cannot start any token") && src[at..].starts_with('\t')) {
        return Explained::new("a tab character indents this line")
            .hint("YAML indents with spaces; replace the tabs with spaces");
    }
    if is("while scanning a quoted scalar") {
        return Explained::new("a quoted text is never closed")
            .hint("add the closing quote")
            .at(open_quote(src, at));
    }
    if is("while parsing a flow sequence") || is("while parsing a flow mapping") {
        let (open, close) = if is("sequence") {
            ('[', ']')
        } else {
            ('{', '}')
        };
        return Explained::new(format!("a `{open}` is never closed"))
            .hint(format!(
                "close it with `{close}`; put text with commas or brackets in quotes"
            ))
            .at(open_bracket(src, at));
    }
    if is("mapping values are not allowed") {
        return Explained::new("a `: ` inside a value makes YAML read a second field")
            .hint("put the value in quotes, e.g. `title: \"Step 1: apply\"`");
    }
    if is("cannot start any token") {
        let c = src[at..].chars().next().unwrap_or(' ');
        return Explained::new(format!("a value cannot start with `{c}`"))
            .hint(format!("put the value in quotes, e.g. \"{c}…\""));
    }
    if is("did not find expected key")
        || is("did not find expected '-' indicator")
        || is("block sequence entries are not allowed")
        || is("could not find expected ':'")
    {
        return Explained::new("this line is not indented like the lines around it")
            .hint("indent the fields of one object by the same number of spaces");
    }
    if is("unexpected end of stream") {
        return Explained::new("the file ends in the middle of a value")
            .hint("the file may be cut short: complete the last value");
    }
    Explained::new(what.to_string())
}

/// "unknown field `x`, expected one of `a`, `b`": the allowed names and a did-you-mean.
fn unknown_name(rest: &str, kind: &str, kinds: &str) -> Explained {
    let (name, rest) = rest.split_once('`').unwrap_or((rest, ""));
    let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let message = format!("unknown {kind} `{name}`");
    if allowed.is_empty() {
        return Explained::new(message).hint(format!("no {kinds} are allowed here"));
    }
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match near_miss(name, &allowed) {
        Some(a) => format!("did you mean `{a}`? The allowed {kinds} are: {list}"),
        None => format!("the allowed {kinds} are: {list}"),
    };
    Explained::new(message).hint(hint)
}

/// The allowed name closest to `name`, if it is a plausible typo of it.
fn near_miss<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::levenshtein(&name.to_lowercase(), a), *a))
        .min()
        .filter(|(d, a)| *d <= 2.max(a.len() / 3))
        .map(|(_, a)| a)
}

/// "invalid type: string \"x\", expected i64".
fn wrong_type(rest: &str, top_level: bool) -> Explained {
    let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
    if top_level && expected.starts_with("struct ") {
        return Explained::new(format!(
            "the file must be a mapping of fields (`name: value` lines), not {}",
            found_words(found)
        ))
        .hint("see docs/content.md for the fields of this kind of file");
    }
    Explained::new(format!(
        "expected {}, found {}",
        expected_words(expected),
        found_words(found)
    ))
    .hint(expected_hint(expected))
}

fn expected_words(expected: &str) -> String {
    match expected {
        "i64" | "i32" => "a whole number".into(),
        "u64" | "u32" | "u16" | "u8" => "a whole number (0 or more)".into(),
        "a sequence" => "a list".into(),
        "a boolean" => "true or false".into(),
        "a map" => "a mapping of fields".into(),
        e if e.starts_with("struct ") => "a mapping of fields".into(),
        e => e.into(),
    }
}

fn found_words(found: &str) -> String {
    match found {
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        "unit value" => "nothing".into(),
        f => f
            .replacen("string ", "the text ", 1)
            .replacen("integer ", "the number ", 1)
            .replacen("floating point ", "the number ", 1)
            .replacen("boolean ", "", 1),
    }
}

fn expected_hint(expected: &str) -> String {
    match expected_words(expected).as_str() {
        "a whole number" | "a whole number (0 or more)" => {
            "write digits only, without quotes, e.g. `3`".into()
        }
        "a list" => "write a list: `[a, b]`, or one `- a` line per value".into(),
        "true or false" => "write true or false".into(),
        "a mapping of fields" => {
            "write the fields on the lines below, indented, e.g. `max: 3`".into()
        }
        "a string" => "write text; put it in quotes if it looks like something else".into(),
        _ => "see docs/content.md for what this field takes".into(),
    }
}

/// `value` at or after `from` (the place serde gives is the start of the enclosing mapping),
/// within the next 50 lines.
fn find_from(src: &str, from: usize, value: &str) -> Option<usize> {
    if value.is_empty() {
        return None;
    }
    let start = src[..from.min(src.len())].rfind('\n').map_or(0, |i| i + 1);
    let window: usize = src[start..]
        .split_inclusive('\n')
        .take(50)
        .map(str::len)
        .sum();
    src[start..start + window].find(value).map(|i| start + i)
}

/// The second `key:` line at the indentation of the first one found from `from`.
fn second_key(src: &str, key: &str, from: usize) -> Option<usize> {
    let line_start = src[..from.min(src.len())].rfind('\n').map_or(0, |i| i + 1);
    let mut offset = line_start;
    let mut found = 0;
    for line in src[line_start..].split_inclusive('\n') {
        let t = line.trim_start().trim_start_matches("- ");
        let is_key = t
            .strip_prefix(key)
            .is_some_and(|r| r.starts_with(':') || r.starts_with(" :"));
        if is_key {
            found += 1;
            if found == 2 {
                return Some(offset + (line.len() - t.len()));
            }
        }
        offset += line.len();
    }
    None
}

/// The first alias (`*name`) of the text.
fn first_alias(src: &str) -> Option<usize> {
    let b = src.as_bytes();
    (0..b.len()).find(|&i| {
        b[i] == b'*'
            && (i == 0 || matches!(b[i - 1], b' ' | b'[' | b'{' | b',' | b'\n'))
            && b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The line that starts a second document: a `---` or `...` line after some content.
fn second_document(src: &str) -> Option<usize> {
    let mut offset = 0;
    let mut content = false;
    for line in src.split_inclusive('\n') {
        let t = line.trim_end();
        if (t == "---" || t == "...") && content {
            return Some(offset);
        }
        if !t.is_empty() && !t.starts_with('#') && t != "---" {
            content = true;
        }
        offset += line.len();
    }
    None
}

/// The quote that opens the unclosed quoted text before `at`: the last line before it with an
/// odd number of quotes.
fn open_quote(src: &str, at: usize) -> Option<usize> {
    let before = &src[..at.min(src.len())];
    let mut offset = 0;
    let mut found = None;
    for line in before.split_inclusive('\n') {
        for q in ['"', '\''] {
            let n = line.matches(q).count() - line.matches(&format!("\\{q}")).count();
            if n % 2 == 1 {
                found = line.rfind(q).map(|i| offset + i);
            }
        }
        offset += line.len();
    }
    found
}

/// The innermost `[` or `{` left open before `at`.
fn open_bracket(src: &str, at: usize) -> Option<usize> {
    let mut open = Vec::new();
    for (i, b) in src.as_bytes()[..at.min(src.len())].iter().enumerate() {
        match b {
            b'[' | b'{' => open.push(i),
            b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// A Markdown file split into its YAML front matter and its body.
pub struct FrontMatter<'a> {
    pub yaml: &'a str,
    /// Lines of the file before the YAML (the opening `---`).
    pub yaml_line: usize,
    pub body: &'a str,
    /// Lines of the file before the body.
    pub body_line: usize,
}

/// Split `src` at its `---` fences; the YAML keeps its true line numbers.
pub fn split_front_matter<'a>(path: &Path, src: &'a str) -> Result<FrontMatter<'a>, Error> {
    let first_end = src.find('\n').unwrap_or(src.len());
    if src[..first_end].trim_end() != "---" {
        return Err(Error::new("the file does not start with front matter")
            .in_file(path)
            .hint("begin the file with a `---` line, the YAML fields (at least `id` and `title`), and another `---` line"));
    }
    let yaml_start = (first_end + 1).min(src.len());
    let mut offset = yaml_start;
    for (line, l) in (2..).zip(src[yaml_start..].split_inclusive('\n')) {
        if l.trim_end() == "---" {
            let body_start = offset + l.len();
            return Ok(FrontMatter {
                yaml: &src[yaml_start..offset],
                yaml_line: 1,
                body: &src[body_start..],
                body_line: line,
            });
        }
        offset += l.len();
    }
    Err(Error::new("the front matter is not closed")
        .in_file(path)
        .hint("end the front matter with a line holding only `---`"))
}

/// Finds where objects sit in a YAML file: the `key: value` lines, searched forward so that
/// objects parsed in order (and duplicates) get their own lines.
pub struct Locator<'a> {
    path: &'a Path,
    src: &'a str,
    line_offset: usize,
    pos: usize,
}

impl<'a> Locator<'a> {
    pub fn new(path: &'a Path, src: &'a str, line_offset: usize) -> Self {
        Locator {
            path,
            src,
            line_offset,
            pos: 0,
        }
    }

    /// The location of the next line `key: value` (value plain or quoted) from the last one found;
    /// the start of the file when there is none.
    pub fn next(&mut self, key: &str, value: &str) -> Location {
        let mut offset = self.pos;
        for line in self.src[self.pos..].split_inclusive('\n') {
            let t = line.trim_start().trim_start_matches("- ").trim_start();
            if let Some(rest) = t.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                let v = rest.trim().trim_matches(|c| c == '"' || c == '\'');
                if v == value {
                    let col_offset = offset + (line.len() - t.len());
                    self.pos = offset + line.len();
                    return Location::from_offset(self.path, self.src, col_offset)
                        .shifted(self.line_offset);
                }
            }
            offset += line.len();
        }
        Location::new(self.path, self.line_offset + 1, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::model::Timeline;

    #[test]
    fn front_matter_keeps_line_numbers() {
        let src = "---\nid: a\ntitle: T\n---\nbody\n";
        let fm = split_front_matter(Path::new("f.md"), src).unwrap();
        assert_eq!(fm.yaml, "id: a\ntitle: T\n");
        assert_eq!(fm.body, "body\n");
        assert_eq!(fm.body_line, 4);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = split_front_matter(Path::new("f.md"), "---\nid: a\n")
            .err()
            .unwrap();
        assert!(err.message.contains("not closed"));
    }

    #[test]
    fn yaml_errors_point_into_the_file() {
        let src = "title: T\nmilestones:\n  - id: a\n    date: 2023-02-30\n    title: x\n";
        let err = parse_yaml::<Timeline>(Path::new("t.yaml"), src, 0)
            .err()
            .unwrap();
        let loc = err.location.clone().unwrap();
        assert_eq!(loc.line, 4, "{err}");
        assert!(err.message.contains("invalid date `2023-02-30`"), "{err}");
    }

    #[test]
    fn unknown_fields_suggest_the_near_one() {
        let src = "titel: T\nmilestones: []\n";
        let err = parse_yaml::<Timeline>(Path::new("t.yaml"), src, 2)
            .err()
            .unwrap();
        assert_eq!(err.location.unwrap().line, 3);
        assert_eq!(
            err.hint.as_deref(),
            Some("did you mean `title`? The allowed fields are: `title`, `intro`, `milestones`")
        );
        assert_eq!(err.message, "unknown field `titel`");
    }

    #[test]
    fn positions_leave_the_message() {
        assert_eq!(
            strip_positions(
                "did not find expected key at line 5 column 4, while parsing a block mapping"
            ),
            "did not find expected key, while parsing a block mapping"
        );
        assert_eq!(
            strip_positions("control characters are not allowed at position 15"),
            "control characters are not allowed"
        );
        assert_eq!(strip_positions("at line one"), "at line one");
    }

    #[test]
    fn deep_brackets_are_refused_before_parsing() {
        let deep = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        let err = parse_yaml::<Timeline>(Path::new("t.yaml"), &deep, 3)
            .err()
            .unwrap();
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.col), (4, 3 + MAX_FLOW_DEPTH + 1));
        assert!(too_deep(&"[]".repeat(10_000)).is_none());
    }

    #[test]
    fn long_ids_are_refused_whole_characters() {
        let src = format!("title: T\nmilestones:\n  - id: {}\n", "備".repeat(40));
        let err = parse_yaml::<Timeline>(Path::new("t.yaml"), &src, 0)
            .err()
            .unwrap();
        assert!(err.message.starts_with("invalid id `備備"), "{err}");
        assert_eq!(err.location.unwrap().line, 3);
    }

    #[test]
    fn offsets_of_lines_and_columns() {
        let src = "ab\n備c\n";
        assert_eq!(offset_of(src, 2, 2), 3 + "備".len());
        assert_eq!(offset_of(src, 9, 1), src.len());
    }

    #[test]
    fn locator_walks_forward() {
        let src = "items:\n  - id: a\n  - id: \"b\"\n  - id: a\n";
        let mut l = Locator::new(Path::new("c.yaml"), src, 0);
        assert_eq!(l.next("id", "a").line, 2);
        assert_eq!(l.next("id", "b").line, 3);
        let third = l.next("id", "a");
        assert_eq!((third.line, third.col), (4, 5));
    }
}
