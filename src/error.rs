//! The one error type of kbgen: a problem with a severity, a message, where it is (file, line,
//! column) and a hint on what to do, plus [`Diagnostics`], the list that a run collects so that
//! every problem is reported at once, and the printer that shows them with a source excerpt.

use std::fmt;
use std::path::{Path, PathBuf};

/// Whether a problem stops the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a file: 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl Location {
    pub fn new(file: &Path, line: usize, col: usize) -> Self {
        Location {
            file: file.to_path_buf(),
            line: line.max(1),
            col: col.max(1),
        }
    }

    /// The location of a byte offset into `src`, the text of `file`.
    pub fn from_offset(file: &Path, src: &str, offset: usize) -> Self {
        let offset = offset.min(src.len());
        let before = &src[..floor_char_boundary(src, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        Location::new(file, line, col)
    }

    /// This location moved down by `lines` lines (for text that starts inside a file).
    pub fn shifted(mut self, lines: usize) -> Self {
        self.line += lines;
        self
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// One problem found in a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Error {
            severity: Severity::Warning,
            ..Error::new(message)
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Point at a whole file (line 1, column 1) when no finer place is known.
    pub fn in_file(self, file: &Path) -> Self {
        self.at(Location::new(file, 1, 1))
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An I/O failure on `path`.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        Error::new(format!("cannot access {}: {err}", path.display()))
    }

    /// The error printed for a terminal (`color`) or a log: `file:line:col: error: message`,
    /// then the source line with a caret under the column, then the hint.
    pub fn render(&self, color: bool) -> String {
        let (label, code) = match self.severity {
            Severity::Error => ("error", "31"),
            Severity::Warning => ("warning", "33"),
        };
        let paint = |s: &str, c: &str| {
            if color {
                format!("\x1b[1;{c}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        if let Some(loc) = &self.location {
            out.push_str(&format!("{}: ", sanitize(&loc.to_string())));
        }
        out.push_str(&format!(
            "{}: {}\n",
            paint(label, code),
            sanitize(&self.message)
        ));
        if let Some(excerpt) = self.location.as_ref().and_then(excerpt) {
            out.push_str(&excerpt);
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  {} {}\n", paint("hint:", "36"), sanitize(hint)));
        }
        out
    }
}

/// How many bytes of a file the excerpt printer reads at most: enough for any content file.
const EXCERPT_READ_LIMIT: u64 = 8 * 1024 * 1024;

/// How many characters of a long line an excerpt shows, around the column.
const EXCERPT_WIDTH: usize = 100;

/// The source line of `loc` with a caret under its column, read from disk; none for unreadable
/// files. Long lines are cut to a window around the column, marked with `…`.
fn excerpt(loc: &Location) -> Option<String> {
    use std::io::Read;
    if !std::fs::metadata(&loc.file).ok()?.is_file() {
        return None; // never block on a pipe or a device
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&loc.file)
        .ok()?
        .take(EXCERPT_READ_LIMIT)
        .read_to_end(&mut bytes)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Lines end as the loader reads them: LF, CRLF or a lone CR.
    let line = text
        .split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .nth(loc.line - 1)?;
    let chars: Vec<char> = line.chars().collect();
    if chars.iter().all(|c| c.is_whitespace()) || chars.contains(&'\0') {
        return None; // nothing to point at, or not text (UTF-16, binary)
    }
    let col = (loc.col - 1).min(chars.len());
    let (start, end) = if chars.len() <= EXCERPT_WIDTH {
        (0, chars.len())
    } else {
        let start = col.saturating_sub(EXCERPT_WIDTH / 2);
        let start = start.min(chars.len().saturating_sub(EXCERPT_WIDTH));
        (start, (start + EXCERPT_WIDTH).min(chars.len()))
    };
    let mut shown: String = chars[start..end].iter().map(|&c| printable(c)).collect();
    let mut pad: String = chars[start..col].iter().map(|&c| pad_for(c)).collect();
    if start > 0 {
        shown.insert(0, '…');
        pad.insert(0, ' ');
    }
    if end < chars.len() {
        shown.push('…');
    }
    let width = loc.line.to_string().len();
    Some(format!(
        "{:width$} |\n{} | {shown}\n{:width$} | {pad}^\n",
        "", loc.line, ""
    ))
}

/// The blank that takes the place of `c` under the excerpt, so the caret lines up.
fn pad_for(c: char) -> char {
    if c == '\t' {
        '\t'
    } else if is_wide(c) {
        '　'
    } else {
        ' '
    }
}

/// A character as it may be shown in a terminal: control characters (which could move the
/// cursor or change colours) become the replacement character; tabs stay.
fn printable(c: char) -> char {
    if c != '\t'
        && (c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'))
    {
        '\u{fffd}'
    } else {
        c
    }
}

/// Text from content (messages quote values) made safe to print: see [`printable`]; line breaks
/// stay in multi-line messages.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' { c } else { printable(c) })
        .collect()
}

/// Characters that take two columns in a terminal (CJK and full-width forms).
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Every problem a run found, errors and warnings, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Error>);

impl Diagnostics {
    pub fn push(&mut self, err: Error) {
        self.0.push(err);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|e| e.severity == Severity::Error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Error> {
        self.0.iter().filter(|e| e.severity == Severity::Error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Error> {
        self.0.iter().filter(|e| e.severity == Severity::Warning)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sort by file, line and column (problems without a place first), so output is stable.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| a.location.cmp(&b.location));
    }

    /// All problems, printed, followed by a count line.
    pub fn render(&self, color: bool) -> String {
        let mut out: String = self.0.iter().map(|e| e.render(color) + "\n").collect();
        let (e, w) = (self.errors().count(), self.warnings().count());
        if e + w > 0 {
            out.push_str(&format!(
                "{e} error{}, {w} warning{}\n",
                if e == 1 { "" } else { "s" },
                if w == 1 { "" } else { "s" }
            ));
        }
        out
    }
}

impl From<Error> for Diagnostics {
    fn from(err: Error) -> Self {
        Diagnostics(vec![err])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let src = "a: 1\n標題: 備案\n";
        let at = src.find("備").unwrap();
        let loc = Location::from_offset(Path::new("f.yaml"), src, at);
        assert_eq!((loc.line, loc.col), (2, 5));
        assert_eq!(loc.to_string(), "f.yaml:2:5");
    }

    #[test]
    fn display_names_place_message_and_hint() {
        let e = Error::new("bad date `2023-02-30`")
            .at(Location::new(Path::new("content/timeline.yaml"), 4, 11))
            .hint("write YYYY-MM-DD");
        assert_eq!(
            e.to_string(),
            "content/timeline.yaml:4:11: error: bad date `2023-02-30` (hint: write YYYY-MM-DD)"
        );
    }
}
