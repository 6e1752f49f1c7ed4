//! The inverted index in memory: every (term, document, impact) of a site as one flat list sorted
//! by term, compact enough for large sites (16 bytes a posting, terms as numbers).
//!
//! The impact is the term's weight in the document: for each field (title, section, text) the
//! field weight times the BM25 term weight (saturated, length-normalised), summed, quantised to
//! 1..=[`IMPACT_LEVELS`]. The browser multiplies it by the term's IDF.

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::SearchDoc;
use super::fold::Fold;
use super::tokenize::{Term, for_each_term};

/// Impacts are quantised to 1..=IMPACT_LEVELS.
pub const IMPACT_LEVELS: u16 = 1023;
/// Field weights and length normalisation: title, section, text.
const FIELD_WEIGHT: [f64; 3] = [3.0, 1.5, 1.0];
const FIELD_B: [f64; 3] = [0.5, 0.3, 0.75];
const K1: f64 = 1.2;

const PAIR: u64 = 1 << 42;
const WORD: u64 = 1 << 62;

/// A term as a number: a CJK character, a pair of them, or a word by its place in the word list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(u64);

impl Key {
    fn of(term: Term, words: &HashMap<&str, u32>) -> Option<Key> {
        Some(Key(match term {
            Term::Char(c) => u64::from(c),
            Term::Pair(a, b) => PAIR | u64::from(a) << 21 | u64::from(b),
            Term::Word(w) => WORD | u64::from(*words.get(w)?),
        }))
    }

    pub fn is_word(self) -> bool {
        self.0 & WORD != 0
    }

    /// The place of a word in the word list.
    pub fn word_index(self) -> Option<usize> {
        self.is_word().then_some((self.0 & !WORD) as usize)
    }

    /// The term's text.
    pub fn text(self, words: &[String]) -> String {
        let ch = |v: u64| char::from_u32((v & 0x1f_ffff) as u32).unwrap_or('\u{fffd}');
        if let Some(i) = self.word_index() {
            words.get(i).cloned().unwrap_or_default()
        } else if self.0 & PAIR != 0 {
            [ch(self.0 >> 21), ch(self.0)].iter().collect()
        } else {
            ch(self.0).to_string()
        }
    }
}

/// A fast hasher for [`Key`]s (numbers that need no protection from chosen collisions).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

/// One term in one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub key: Key,
    pub doc: u32,
    pub level: u16,
}

/// The postings of a site, sorted by term then document, and its words.
pub struct Inverted {
    pub postings: Vec<Posting>,
    pub words: Vec<String>,
}

impl Inverted {
    pub fn build(docs: &[SearchDoc], fold: &Fold) -> Inverted {
        let firsts: Vec<([u32; 3], Vec<String>)> = docs
            .par_iter()
            .map(|d| lengths_and_words(d, fold))
            .collect();
        let words: Vec<String> = firsts
            .iter()
            .flat_map(|(_, w)| w.iter().cloned())
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let ids: HashMap<&str, u32> = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.as_str(), i as u32))
            .collect();
        let avg = average_lengths(firsts.iter().map(|(l, _)| l));
        let mut postings: Vec<Posting> = docs
            .par_iter()
            .zip(firsts.par_iter())
            .enumerate()
            .flat_map_iter(|(i, (d, (len, _)))| doc_postings(i as u32, d, len, &avg, fold, &ids))
            .collect();
        postings.par_sort_unstable_by_key(|p| (p.key, p.doc));
        Inverted { postings, words }
    }

    /// Each term with its postings, in term order.
    pub fn terms(&self) -> impl Iterator<Item = (Key, &[Posting])> {
        self.postings
            .chunk_by(|a, b| a.key == b.key)
            .map(|run| (run[0].key, run))
    }
}

/// The indexed fields: title, section (with the keywords), text.
fn fields(doc: &SearchDoc) -> [std::borrow::Cow<'_, str>; 3] {
    let section = if doc.keywords.is_empty() {
        doc.section.as_str().into()
    } else {
        format!("{} {}", doc.section, doc.keywords).into()
    };
    [doc.title.as_str().into(), section, doc.text.as_str().into()]
}

/// The length of each field in terms, and the words of the document.
fn lengths_and_words(doc: &SearchDoc, fold: &Fold) -> ([u32; 3], Vec<String>) {
    let mut lengths = [0; 3];
    let mut words = BTreeSet::new();
    for (f, text) in fields(doc).iter().enumerate() {
        for_each_term(text, fold, |t| {
            lengths[f] += 1;
            if let Term::Word(w) = t
                && !words.contains(w)
            {
                words.insert(w.to_string());
            }
        });
    }
    (lengths, words.into_iter().collect())
}

fn average_lengths<'a>(lengths: impl Iterator<Item = &'a [u32; 3]>) -> [f64; 3] {
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for l in lengths {
        for (s, &v) in sum.iter_mut().zip(l) {
            *s += f64::from(v);
        }
        n += 1.0;
    }
    sum.map(|s| if n > 0.0 { s / n } else { 0.0 })
}

fn doc_postings(
    doc: u32,
    d: &SearchDoc,
    lengths: &[u32; 3],
    avg: &[f64; 3],
    fold: &Fold,
    words: &HashMap<&str, u32>,
) -> Vec<Posting> {
    let mut counts: KeyMap<[u32; 3]> = KeyMap::default();
    for (f, text) in fields(d).iter().enumerate() {
        for_each_term(text, fold, |t| {
            if let Some(key) = Key::of(t, words) {
                counts.entry(key).or_default()[f] += 1;
            }
        });
    }
    counts
        .into_iter()
        .map(|(key, tf)| Posting {
            key,
            doc,
            level: impact_level(&tf, lengths, avg),
        })
        .collect()
}

/// The weight of a term with per-field counts `tf` in a document: the sum over fields of the
/// field weight times the field's BM25 term weight, quantised. Summing per field keeps a title
/// match visible however often the body repeats the term.
pub fn impact_level(tf: &[u32; 3], lengths: &[u32; 3], avg: &[f64; 3]) -> u16 {
    let mut impact = 0.0;
    for f in 0..3 {
        if tf[f] > 0 {
            let norm = 1.0 - FIELD_B[f] + FIELD_B[f] * f64::from(lengths[f]) / avg[f].max(1.0);
            let t = f64::from(tf[f]) / norm;
            impact += FIELD_WEIGHT[f] * t / (K1 + t);
        }
    }
    let max: f64 = FIELD_WEIGHT.iter().sum();
    let levels = f64::from(IMPACT_LEVELS);
    ((impact / max * levels).round() as u16).clamp(1, IMPACT_LEVELS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, text: &str) -> SearchDoc {
        SearchDoc {
            url: "x".into(),
            title: title.into(),
            section: "S".into(),
            text: text.into(),
            keywords: String::new(),
        }
    }

    #[test]
    fn title_outweighs_text() {
        let inv = Inverted::build(
            &[doc("身份證", "其他"), doc("其他", "身份證")],
            &Fold::default(),
        );
        let (_, list) = inv
            .terms()
            .find(|(k, _)| k.text(&inv.words) == "身份")
            .expect("the bigram");
        assert_eq!(list.len(), 2);
        assert!(list[0].level > list[1].level, "{list:?}");
    }

    #[test]
    fn keys_give_back_their_text() {
        let inv = Inverted::build(&[doc("APPID 備案", "")], &Fold::default());
        let texts: Vec<String> = inv.terms().map(|(k, _)| k.text(&inv.words)).collect();
        for t in ["appid", "備", "案", "備案", "s"] {
            assert!(texts.contains(&t.to_string()), "{t} in {texts:?}");
        }
        assert!(
            inv.terms()
                .all(|(_, l)| l.windows(2).all(|w| w[0].doc < w[1].doc))
        );
    }
}
