//! The tokeniser, one specification with two implementations: this one indexes the documents,
//! `search-core.js` tokenises the queries, and `tests/search_vectors.json` holds the cases both
//! must pass.
//!
//! 1. Each character is normalised: full-width ASCII (U+FF01–U+FF5E) becomes ASCII, the
//!    ideographic space a space, letters are lower-cased, Han characters folded with the site's
//!    [`Fold`] table.
//! 2. Word characters (ASCII letters and digits, Latin-1 and Latin Extended letters, Greek,
//!    Cyrillic) make word runs. A run is split at an `x` that follows a digit and precedes a digit
//!    or ends the run (`1500x1100` is `1500` `1100`, like `1500×1100`). A word of digits loses its
//!    leading zeros (`09` is `9`); a word is cut to [`MAX_WORD`] characters.
//! 3. CJK characters (Han, kana, Hangul) make CJK runs, indexed as each character (unigram) and
//!    each pair of neighbours (bigram): `通讯地址` gives 通 通讯 讯 讯地 地 地址 址.
//! 4. Every other character (punctuation, spaces, symbols such as `×`) separates.

use super::fold::Fold;

/// The longest word, in characters.
pub const MAX_WORD: usize = 32;

/// One index term, as the tokeniser finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term<'a> {
    Word(&'a str),
    /// A CJK character (unigram).
    Char(char),
    /// Two neighbouring CJK characters of one run (bigram).
    Pair(char, char),
}

impl Term<'_> {
    pub fn text(&self) -> String {
        match *self {
            Term::Word(w) => w.to_string(),
            Term::Char(c) => c.to_string(),
            Term::Pair(a, b) => [a, b].iter().collect(),
        }
    }
}

/// Whether `c` is a CJK character: Han, kana or Hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3007
        | 0x3041..=0x3096
        | 0x30A1..=0x30FA
        | 0x30FC
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0x20000..=0x3134F)
}

/// Whether `c` (already normalised) belongs in a word.
fn is_word(c: char) -> bool {
    matches!(c as u32,
        0x30..=0x39
        | 0x61..=0x7A
        | 0xC0..=0xD6
        | 0xD8..=0xF6
        | 0xF8..=0x24F
        | 0x370..=0x3FF
        | 0x400..=0x4FF)
}

/// Full-width ASCII to ASCII, the ideographic space to a space.
pub fn fold_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// What a normalised character is.
enum Class {
    /// A word character, lower-cased (sometimes into more than one character).
    Word(std::char::ToLowercase),
    Cjk(char),
    Separator,
}

fn classify(c: char, fold: &Fold) -> Class {
    let c = fold_width(c);
    if is_cjk(c) {
        return Class::Cjk(fold.apply(c));
    }
    let lower = c.to_lowercase();
    if lower.clone().next().is_some_and(is_word) {
        Class::Word(lower)
    } else {
        Class::Separator
    }
}

/// Call `f` with each index term of `text`, in order: each word, and each CJK character followed
/// by the bigram it starts.
pub fn for_each_term(text: &str, fold: &Fold, mut f: impl FnMut(Term)) {
    let mut word = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii() {
            // The common case, without the general classification: ASCII is never CJK and
            // lower-cases to itself or one letter.
            let lower = c.to_ascii_lowercase();
            if lower.is_ascii_digit() || lower.is_ascii_lowercase() {
                word.push(lower);
            } else {
                flush_word(&mut word, &mut f);
            }
            prev = None;
            continue;
        }
        match classify(c, fold) {
            Class::Word(lower) => {
                word.extend(lower);
                prev = None;
            }
            Class::Cjk(h) => {
                flush_word(&mut word, &mut f);
                if let Some(p) = prev {
                    f(Term::Pair(p, h));
                }
                f(Term::Char(h));
                prev = Some(h);
            }
            Class::Separator => {
                flush_word(&mut word, &mut f);
                prev = None;
            }
        }
    }
    flush_word(&mut word, &mut f);
}

/// Hand the words of the run `word` to `f` and empty it.
fn flush_word(word: &mut String, f: &mut impl FnMut(Term)) {
    if !word.is_empty() {
        for_each_word(word, |w| f(Term::Word(w)));
        word.clear();
    }
}

/// Call `f` with each word of a word run: the run split at the `x` of dimensions, digits
/// without leading zeros, cut to [`MAX_WORD`] characters. `x` and digits are ASCII, so the
/// run's bytes tell where it splits.
fn for_each_word(run: &str, mut f: impl FnMut(&str)) {
    let bytes = run.as_bytes();
    let mut start = 0;
    for i in 0..bytes.len() {
        let splits = bytes[i] == b'x'
            && i > 0
            && bytes[i - 1].is_ascii_digit()
            && bytes.get(i + 1).is_none_or(u8::is_ascii_digit);
        if splits {
            emit_word(&run[start..i], &mut f);
            start = i + 1;
        }
    }
    emit_word(&run[start..], &mut f);
}

fn emit_word(part: &str, f: &mut impl FnMut(&str)) {
    if !part.is_empty() {
        f(normalise_word(part));
    }
}

/// A word run split at the `x` of dimensions, digits without leading zeros, cut to length.
pub fn split_word(run: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for_each_word(run, |w| parts.push(w.to_string()));
    parts
}

fn normalise_word(w: &str) -> &str {
    let w = if w.bytes().all(|b| b.is_ascii_digit()) {
        let t = w.trim_start_matches('0');
        if t.is_empty() { "0" } else { t }
    } else {
        w
    };
    match w.char_indices().nth(MAX_WORD) {
        Some((cut, _)) => &w[..cut],
        None => w,
    }
}

/// The index terms of `text`, in order: each word, and each CJK character followed by the
/// bigram it starts.
pub fn terms(text: &str, fold: &Fold) -> Vec<String> {
    let mut out = Vec::new();
    for_each_term(text, fold, |t| out.push(t.text()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        terms(s, &Fold::default())
    }

    #[test]
    fn han_bigrams_and_unigrams() {
        assert_eq!(
            t("通讯地址"),
            ["通", "通讯", "讯", "讯地", "地", "地址", "址"]
        );
    }

    #[test]
    fn widths_and_dimensions() {
        assert_eq!(t("１２３８１"), ["12381"]);
        assert_eq!(t("２００Ｋ"), ["200k"]);
        assert_eq!(t("1500×1100"), ["1500", "1100"]);
        assert_eq!(t("1500X1100"), ["1500", "1100"]);
        assert_eq!(t("0x1f 2x"), ["0", "1f", "2"]);
    }

    #[test]
    fn punctuation_breaks_runs() {
        assert_eq!(t("甲，乙"), ["甲", "乙"]);
        assert_eq!(t("24小時"), ["24", "小", "小時", "時"]);
    }
}
