//! Reading one content file: size and encoding checks, front-matter splitting, YAML parsing with
//! serde positions turned into file locations, and finding where an object sits in its file.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Location};

/// The largest content file kbgen reads.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Read `path` as UTF-8 text, without a byte-order mark, CRLF line ends made LF.
pub fn read_text(path: &Path) -> Result<String, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e).in_file(path))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::new(format!(
            "file is too large ({} bytes; content files may have at most {} bytes)",
            meta.len(),
            MAX_FILE_BYTES
        ))
        .in_file(path)
        .hint("split the content into several files, or move large assets to static/"));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e).in_file(path))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let byte = e.as_bytes()[valid];
            return Err(Error::new(format!(
                "the file is not valid UTF-8 (byte 0x{byte:02X} at offset {valid})"
            ))
            .at(Location::from_offset(path, &prefix, valid))
            .hint("save the file as UTF-8"));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
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
    serde_yaml::from_str(src).map_err(|e| yaml_error(path, src, &e, line_offset))
}

/// serde_yaml places errors raised by a value's own check (a bad date or id) at the start of the
/// enclosing mapping; point at the value itself, the first `quoted` text of the message, when it
/// stands within the next lines.
fn refine(src: &str, message: &str, line: usize, col: usize) -> (usize, usize) {
    let refinable = ["invalid date `", "invalid id `", "unknown variant `"];
    let Some(value) = refinable
        .iter()
        .find_map(|p| message.split(p).nth(1))
        .and_then(|rest| rest.split('`').next())
        .filter(|v| !v.is_empty())
    else {
        return (line, col);
    };
    for (i, text) in src.lines().enumerate().skip(line - 1).take(50) {
        if let Some(byte) = text.find(value) {
            return (i + 1, text[..byte].chars().count() + 1);
        }
    }
    (line, col)
}

fn yaml_error(path: &Path, src: &str, e: &serde_yaml::Error, line_offset: usize) -> Error {
    let text = e.to_string();
    // serde_yaml appends " at line L column C"; the location says that already.
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text.clone(),
    };
    let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let (line, col) = refine(src, &message, line, col);
    let mut err = Error::new(message.clone()).at(Location::new(path, line + line_offset, col));
    if let Some(hint) = unknown_field_hint(&message) {
        err = err.hint(hint);
    } else if message.contains("found character that cannot start any token")
        || message.contains("tab")
    {
        err = err.hint("YAML indents with spaces; replace tabs with spaces");
    } else if message.contains("missing field") {
        err = err.hint("add the field; see docs/content.md for every field of this file kind");
    } else if message.contains("recursion limit") || message.contains("repetition limit") {
        err =
            err.hint("the YAML nests or repeats aliases too deeply; write the values out plainly");
    }
    err
}

/// For serde's "unknown field `x`, expected one of `a`, `b`": a did-you-mean hint.
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (field, rest) = rest.split_once('`')?;
    let allowed: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let best = allowed
        .iter()
        .map(|a| (strsim::levenshtein(field, a), *a))
        .min()
        .filter(|(d, a)| *d <= 2.max(a.len() / 3));
    Some(match best {
        Some((_, a)) => format!("did you mean `{a}`?"),
        None => format!("the allowed fields are: {}", allowed.join(", ")),
    })
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
    let mut line = 1;
    for l in src[yaml_start..].split_inclusive('\n') {
        line += 1;
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
        assert_eq!(err.hint.as_deref(), Some("did you mean `title`?"));
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
