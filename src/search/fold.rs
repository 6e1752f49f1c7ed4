//! Simplified and Traditional Chinese as one script: a character table that folds Traditional
//! (and Taiwan and Hong Kong variant) characters to Simplified, generated at build time from the
//! OpenCC dictionaries of `ferrous-opencc`. The index applies it to the documents and ships the part
//! of it that matters for the site, so the browser folds queries with the very same table.
//!
//! Folding is per character, never per phrase: the browser has only the table, and both sides must
//! agree. A [`Fold`] for a site holds every character whose folded form the site uses, so a query
//! typed in either script folds onto the site's own characters.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use ferrous_opencc::OpenCC;
use ferrous_opencc::config::BuiltinConfig;
use rayon::prelude::*;

use super::tokenize::is_cjk;

/// The code points scanned for Traditional characters: the Han blocks of the BMP and the
/// supplementary ideographic planes.
const HAN_RANGES: [(u32, u32); 5] = [
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FFFF),
    (0x30000, 0x3134F),
];

/// The converters, built once per process.
struct Converters {
    /// Traditional to Simplified, then the Taiwan and Hong Kong variants to Simplified.
    to_simplified: Vec<OpenCC>,
    /// Simplified to Traditional, Taiwan and Hong Kong: candidates for the reverse direction.
    to_traditional: Vec<OpenCC>,
}

fn converters() -> Option<&'static Converters> {
    static CONVERTERS: OnceLock<Option<Converters>> = OnceLock::new();
    CONVERTERS
        .get_or_init(|| {
            let build = |configs: &[BuiltinConfig]| -> Option<Vec<OpenCC>> {
                configs
                    .iter()
                    .map(|c| OpenCC::from_config(*c).ok())
                    .collect()
            };
            Some(Converters {
                to_simplified: build(&[
                    BuiltinConfig::T2s,
                    BuiltinConfig::Tw2s,
                    BuiltinConfig::Hk2s,
                ])?,
                to_traditional: build(&[
                    BuiltinConfig::S2t,
                    BuiltinConfig::S2tw,
                    BuiltinConfig::S2hk,
                ])?,
            })
        })
        .as_ref()
}

/// `c` converted alone by `cc`, when the result is one other character.
fn convert_char(cc: &OpenCC, c: char) -> Option<char> {
    let mut buf = [0u8; 4];
    let out = cc.convert(c.encode_utf8(&mut buf));
    let mut chars = out.chars();
    match (chars.next(), chars.next()) {
        (Some(d), None) if d != c => Some(d),
        _ => None,
    }
}

/// Every Han character that Traditional-to-Simplified conversion changes, with its result:
/// a scan of all Han code points, done once per process, in parallel. The first call must not
/// come from inside a parallel job of the same pool (see [`Fold::for_chars`]).
fn t2s_scan() -> &'static HashMap<char, char> {
    static SCAN: OnceLock<HashMap<char, char>> = OnceLock::new();
    SCAN.get_or_init(|| {
        let Some(cv) = converters() else {
            return HashMap::new();
        };
        let t2s = &cv.to_simplified[0];
        HAN_RANGES
            .par_iter()
            .flat_map_iter(|&(lo, hi)| (lo..=hi).filter_map(char::from_u32))
            .filter_map(|c| convert_char(t2s, c).map(|d| (c, d)))
            .collect()
    })
}

/// Load the converters and scan the Han code points now (a few tens of milliseconds), for
/// instance while a site loads, so that the first [`Fold::for_chars`] need not wait for them.
pub fn prepare() {
    t2s_scan();
}

/// One step of folding: the first converter that changes `c` alone.
fn fold_step(c: char) -> Option<char> {
    if let Some(&d) = t2s_scan().get(&c) {
        return Some(d);
    }
    converters()?.to_simplified[1..]
        .iter()
        .find_map(|cc| convert_char(cc, c))
}

/// The folded form of `c`: folding repeated until it no longer changes (at most a few steps).
pub fn fold_char(c: char) -> char {
    let mut cur = c;
    for _ in 0..4 {
        match fold_step(cur) {
            Some(next) if next != cur => cur = next,
            _ => break,
        }
    }
    cur
}

/// A character table folding Traditional to Simplified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fold {
    table: HashMap<char, char>,
    /// The table for the main Han blocks as an array (from [`DENSE_START`]), for speed: the
    /// tokeniser looks up every Han character of a site.
    dense: Vec<char>,
}

/// The first and last code points of the dense part of a [`Fold`]: the Extension A and
/// unified ideograph blocks.
const DENSE_START: u32 = 0x3400;
const DENSE_END: u32 = 0x9FFF;

impl Fold {
    /// The table for a site whose text has `chars`: each of the site's characters that folds, and
    /// every other character that folds onto a folded character of the site.
    pub fn for_chars(chars: impl IntoIterator<Item = char>) -> Fold {
        // Scan before the parallel work below: a worker that waits on the scan's one-time
        // initialisation inside a parallel job could be the very thread running it.
        let scan = t2s_scan();
        let site: BTreeSet<char> = chars.into_iter().filter(|&c| is_cjk(c)).collect();
        let site: Vec<char> = site.into_iter().collect();
        let folded: Vec<(char, char)> = site.par_iter().map(|&c| (c, fold_char(c))).collect();
        let targets: BTreeSet<char> = folded.iter().map(|&(_, f)| f).collect();
        let mut table: BTreeMap<char, char> = folded.into_iter().filter(|(c, f)| c != f).collect();
        let mut others: Vec<char> = scan
            .iter()
            .filter(|(_, s)| targets.contains(s))
            .map(|(&t, _)| t)
            .collect();
        let sorted: Vec<char> = targets.iter().copied().collect();
        others.par_extend(sorted.par_iter().flat_map_iter(|&s| traditional_forms(s)));
        let more: Vec<(char, char)> = others
            .into_par_iter()
            .map(|c| (c, fold_char(c)))
            .filter(|(c, f)| f != c && targets.contains(f))
            .collect();
        table.extend(more);
        Fold::from_pairs(table)
    }

    /// A table given as pairs (tests and the browser's copy).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (char, char)>) -> Fold {
        let table: HashMap<char, char> = pairs.into_iter().collect();
        let mut dense = Vec::new();
        if !table.is_empty() {
            dense = (DENSE_START..=DENSE_END)
                .map(|v| char::from_u32(v).unwrap_or('\0'))
                .collect();
            for (&from, &to) in &table {
                if let Some(slot) = dense_slot(from).and_then(|i| dense.get_mut(i)) {
                    *slot = to;
                }
            }
        }
        Fold { table, dense }
    }

    /// `c` folded.
    pub fn apply(&self, c: char) -> char {
        if let Some(i) = dense_slot(c) {
            return self.dense.get(i).copied().unwrap_or(c);
        }
        self.table.get(&c).copied().unwrap_or(c)
    }

    /// The table as pairs, in code point order.
    pub fn pairs(&self) -> impl Iterator<Item = (char, char)> + '_ {
        let sorted: BTreeMap<char, char> = self.table.iter().map(|(&a, &b)| (a, b)).collect();
        sorted.into_iter()
    }

    /// The table as one string of pairs (from, to, from, to …): the browser's copy.
    pub fn to_pair_string(&self) -> String {
        self.pairs().flat_map(|(a, b)| [a, b]).collect()
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// The place of `c` in the dense part of a table, when it lies in its range.
fn dense_slot(c: char) -> Option<usize> {
    let v = c as u32;
    (DENSE_START..=DENSE_END)
        .contains(&v)
        .then(|| (v - DENSE_START) as usize)
}

/// The Traditional forms that the Simplified-to-Traditional converters give for `s`.
fn traditional_forms(s: char) -> Vec<char> {
    converters()
        .map(|cv| {
            cv.to_traditional
                .iter()
                .filter_map(|cc| convert_char(cc, s))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_to_simplified() {
        let f = Fold::for_chars("備案通訊地址負責人".chars());
        let folded: String = "備案通訊地址負責人".chars().map(|c| f.apply(c)).collect();
        assert_eq!(folded, "备案通讯地址负责人");
    }

    #[test]
    fn a_simplified_site_gets_the_traditional_forms() {
        let f = Fold::for_chars("备案 头发".chars());
        assert_eq!(f.apply('備'), '备');
        assert_eq!(f.apply('髮'), '发');
        assert_eq!(f.apply('發'), '发');
        assert_eq!(f.apply('头'), '头');
    }

    #[test]
    fn only_related_characters_are_shipped() {
        let f = Fold::for_chars("備案".chars());
        assert!(f.pairs().all(|(_, to)| to == '备'), "{f:?}");
        assert!(!f.is_empty());
    }

    #[test]
    fn folding_is_idempotent() {
        for (&c, _) in t2s_scan().iter().take(500) {
            let f = fold_char(c);
            assert_eq!(fold_char(f), f, "{c}");
        }
    }

    #[test]
    fn variants_fold_too() {
        assert_eq!(fold_char('著'), '着');
        assert_eq!(fold_char('裡'), '里');
    }
}
