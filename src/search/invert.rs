//! The inverted index in memory: every (term, document, impact) of a site, terms as numbers.
//!
//! Each document is tokenised once ([`Inverted::build`]), into its terms with their counts per
//! field; once the site's average field lengths are known, [`Inverted::shards`] turns the counts
//! into postings and hands them out by shard, each shard's postings grouped by term in document
//! order, ready to encode.
//!
//! The impact is the term's weight in the document: for each field (title, section, text) the
//! field weight times the BM25 term weight (saturated, length-normalised), summed, quantised to
//! 1..=[`IMPACT_LEVELS`]. The browser multiplies it by the term's IDF.

use std::collections::HashMap;
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
const WORD: u64 = 1 << 43;
const CHAR_MASK: u64 = 0x1f_ffff;

/// A term as a number: a CJK character, a pair of them, or a word by its place in the word list.
/// Keys order characters first, then pairs, then words in word-list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(u64);

impl Key {
    /// The key of a CJK term; words have theirs from their place in a word list.
    fn of_cjk(term: Term) -> Option<Key> {
        match term {
            Term::Char(c) => Some(Key(u64::from(c))),
            Term::Pair(a, b) => Some(Key(PAIR | u64::from(a) << 21 | u64::from(b))),
            Term::Word(_) => None,
        }
    }

    fn word(index: u32) -> Key {
        Key(WORD | u64::from(index))
    }

    pub fn is_word(self) -> bool {
        self.0 & WORD != 0
    }

    /// Whether the term is a single CJK character (a unigram).
    pub fn is_char(self) -> bool {
        self.0 & (PAIR | WORD) == 0
    }

    /// The place of a word in the word list.
    pub fn word_index(self) -> Option<usize> {
        self.is_word().then_some((self.0 & !WORD) as usize)
    }

    fn chars(self) -> [Option<char>; 2] {
        let ch = |v: u64| char::from_u32((v & CHAR_MASK) as u32);
        if self.is_word() {
            [None, None]
        } else if self.0 & PAIR != 0 {
            [ch(self.0 >> 21), ch(self.0)]
        } else {
            [ch(self.0), None]
        }
    }

    /// Append the term's text to `out`.
    pub fn push_text(self, words: &[String], out: &mut String) {
        match self.word_index() {
            Some(i) => out.push_str(words.get(i).map_or("", String::as_str)),
            None => out.extend(self.chars().into_iter().flatten()),
        }
    }

    /// The term's text.
    pub fn text(self, words: &[String]) -> String {
        let mut out = String::new();
        self.push_text(words, &mut out);
        out
    }

    /// [`super::encode::hash`] of the term's text, the words' hashes given.
    pub fn hash(self, word_hashes: &[u32]) -> u32 {
        if let Some(i) = self.word_index() {
            return word_hashes.get(i).copied().unwrap_or(0);
        }
        let mut units = [0u16; 4];
        let mut len = 0;
        for c in self.chars().into_iter().flatten() {
            match u16::try_from(u32::from(c)) {
                Ok(unit) => {
                    units[len] = unit;
                    len += 1;
                }
                Err(_) => len += c.encode_utf16(&mut units[len..]).len(),
            }
        }
        super::encode::hash_utf16(&units[..len])
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

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// One term in one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    pub key: Key,
    pub doc: u32,
    pub level: u16,
}

/// One document's terms, counted per field, before the site's average lengths are known.
#[derive(Default)]
struct DocTerms {
    /// The length of each field in terms.
    lengths: [u32; 3],
    /// Each term with its count per field (saturating); a word's key holds its place in
    /// `words`, to be replaced by its place in the site's word list.
    terms: Vec<(Key, [u16; 3])>,
    /// The document's distinct words.
    words: Vec<String>,
}

/// The terms of a site, counted, and its words.
pub struct Inverted {
    /// Every word of the site, sorted.
    pub words: Vec<String>,
    /// The number of documents each word is in.
    pub word_df: Vec<u32>,
    docs: Vec<DocTerms>,
    avg: [f64; 3],
}

/// What one worker reuses from document to document.
#[derive(Default)]
struct Scratch {
    counts: Counts,
    words: HashMap<String, u32>,
}

/// The count per field of each term of one document: a hash table of open addressing, kept
/// from one document to the next (a document has some hundreds of distinct terms, met some
/// thousands of times).
struct Counts {
    /// The key in each slot, or [`Counts::EMPTY`].
    keys: Vec<u64>,
    counts: Vec<[u16; 3]>,
    /// The slots in use, in the order their terms were first met.
    used: Vec<usize>,
    /// log2 of the number of slots.
    bits: u32,
}

impl Default for Counts {
    fn default() -> Counts {
        Counts::with_bits(10)
    }
}

impl Counts {
    /// No key: keys are below 2^44.
    const EMPTY: u64 = u64::MAX;

    fn with_bits(bits: u32) -> Counts {
        Counts {
            keys: vec![Counts::EMPTY; 1 << bits],
            counts: vec![[0; 3]; 1 << bits],
            used: Vec::new(),
            bits,
        }
    }

    /// Count one more `key` in `field`.
    #[inline]
    fn add(&mut self, key: u64, field: usize) {
        if 2 * self.used.len() >= self.keys.len() {
            self.grow();
        }
        let slot = self.slot(key);
        let n = &mut self.counts[slot][field];
        *n = n.saturating_add(1);
    }

    /// The slot of `key`, taken (with no counts) if it is new.
    #[inline]
    fn slot(&mut self, key: u64) -> usize {
        let mask = self.keys.len() - 1;
        let mut slot = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.bits)) as usize;
        loop {
            let k = self.keys[slot];
            if k == key {
                return slot;
            }
            if k == Counts::EMPTY {
                self.keys[slot] = key;
                self.counts[slot] = [0; 3];
                self.used.push(slot);
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// Twice the slots, the counts kept.
    fn grow(&mut self) {
        let old = std::mem::replace(self, Counts::with_bits(self.bits + 1));
        for &slot in &old.used {
            let new = self.slot(old.keys[slot]);
            self.counts[new] = old.counts[slot];
        }
    }

    /// Every term counted, in the order first met; the table is left empty.
    fn drain(&mut self) -> Vec<(Key, [u16; 3])> {
        let mut out = Vec::with_capacity(self.used.len());
        for &slot in &self.used {
            out.push((Key(self.keys[slot]), self.counts[slot]));
            self.keys[slot] = Counts::EMPTY;
        }
        self.used.clear();
        out
    }
}

impl Inverted {
    pub fn build(docs: &[SearchDoc], fold: &Fold) -> Inverted {
        let mut terms: Vec<DocTerms> = docs
            .par_iter()
            .map_init(Scratch::default, |s, d| doc_terms(d, fold, s))
            .collect();
        let (words, word_df) = site_words(&terms);
        terms
            .par_iter_mut()
            .for_each(|d| globalise_words(d, &words));
        let avg = average_lengths(terms.iter().map(|d| &d.lengths));
        Inverted {
            words,
            word_df,
            docs: terms,
            avg,
        }
    }

    /// The number of postings of single CJK characters and of the other terms.
    pub fn posting_counts(&self) -> (usize, usize) {
        let chars = self
            .docs
            .par_iter()
            .map(|d| d.terms.iter().filter(|(k, _)| k.is_char()).count())
            .sum::<usize>();
        let all: usize = self.docs.iter().map(|d| d.terms.len()).sum();
        (chars, all - chars)
    }

    /// The postings, handed out into `count` shards by `shard_of` (which must return less than
    /// `count`); each shard's postings grouped by term, terms in key order, and each term's in
    /// document order. The counts are consumed.
    pub fn shards(
        &mut self,
        count: usize,
        shard_of: impl Fn(Key) -> usize + Sync,
    ) -> Vec<Vec<Posting>> {
        let per_chunk = self
            .docs
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(64);
        let avg = self.avg;
        let parts: Vec<Vec<Vec<Posting>>> = self
            .docs
            .par_chunks_mut(per_chunk)
            .enumerate()
            .map(|(c, chunk)| {
                let first = (c * per_chunk) as u32;
                scatter(chunk, first, &avg, count, &shard_of)
            })
            .collect();
        (0..count)
            .into_par_iter()
            .map(|s| group_by_term(parts.iter().map(|p| p[s].as_slice())))
            .collect()
    }
}

/// Tokenise one document: its field lengths, terms and words.
fn doc_terms(doc: &SearchDoc, fold: &Fold, s: &mut Scratch) -> DocTerms {
    let mut lengths = [0; 3];
    for (f, text) in fields(doc).iter().enumerate() {
        for_each_term(text, fold, |t| {
            lengths[f] += 1;
            let key = match Key::of_cjk(t) {
                Some(key) => key,
                None => word_key(t, &mut s.words),
            };
            s.counts.add(key.0, f);
        });
    }
    let terms = s.counts.drain();
    let mut words: Vec<(u32, String)> = s.words.drain().map(|(w, i)| (i, w)).collect();
    words.sort_unstable();
    DocTerms {
        lengths,
        terms,
        words: words.into_iter().map(|(_, w)| w).collect(),
    }
}

/// The key of a word by its place among the document's words `seen`, added when new.
fn word_key(t: Term, seen: &mut HashMap<String, u32>) -> Key {
    let Term::Word(w) = t else { return Key(0) };
    if let Some(&i) = seen.get(w) {
        return Key::word(i);
    }
    let i = seen.len() as u32;
    seen.insert(w.to_string(), i);
    Key::word(i)
}

/// The site's words, sorted, with the number of documents each is in.
fn site_words(docs: &[DocTerms]) -> (Vec<String>, Vec<u32>) {
    let mut all: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.words.iter().map(String::as_str))
        .collect();
    all.par_sort_unstable();
    let mut words = Vec::new();
    let mut df = Vec::new();
    for run in all.chunk_by(|a, b| a == b) {
        words.push(run[0].to_string());
        df.push(run.len() as u32);
    }
    (words, df)
}

/// Give the words of `doc` their place in the site's sorted `words`.
fn globalise_words(doc: &mut DocTerms, words: &[String]) {
    if doc.words.is_empty() {
        return;
    }
    let global: Vec<u32> = doc
        .words
        .iter()
        .map(|w| words.binary_search(w).map_or(0, |i| i as u32))
        .collect();
    for (key, _) in &mut doc.terms {
        if let Some(i) = key.word_index() {
            *key = Key::word(global.get(i).copied().unwrap_or(0));
        }
    }
    doc.words = Vec::new();
}

/// The postings of the documents `chunk` (numbered from `first`), by shard: counted first, so
/// that each shard's list is allocated once.
fn scatter(
    chunk: &mut [DocTerms],
    first: u32,
    avg: &[f64; 3],
    count: usize,
    shard_of: &(impl Fn(Key) -> usize + Sync),
) -> Vec<Vec<Posting>> {
    let shards: Vec<u32> = chunk
        .iter()
        .flat_map(|d| d.terms.iter().map(|&(k, _)| shard_of(k) as u32))
        .collect();
    let mut sizes = vec![0usize; count];
    for &s in &shards {
        sizes[s as usize] += 1;
    }
    let mut out: Vec<Vec<Posting>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
    let mut shard = shards.iter();
    for (i, d) in chunk.iter_mut().enumerate() {
        let doc = first + i as u32;
        let weights = Weights::new(&d.lengths, avg);
        for (key, tf) in std::mem::take(&mut d.terms) {
            let s = shard.next().map_or(0, |&s| s as usize);
            out[s].push(Posting {
                key,
                doc,
                level: weights.level(&tf),
            });
        }
    }
    out
}

/// The postings of `parts` (each in document order, together in document order) grouped by term
/// in key order, keeping document order within each term: a counting sort.
fn group_by_term<'a>(parts: impl Iterator<Item = &'a [Posting]> + Clone) -> Vec<Posting> {
    let mut slot: KeyMap<u32> = KeyMap::default();
    let mut keys: Vec<(Key, u32)> = Vec::new();
    let mut ids: Vec<u32> = Vec::new();
    for p in parts.clone().flatten() {
        let id = *slot.entry(p.key.0).or_insert_with(|| {
            keys.push((p.key, keys.len() as u32));
            keys.len() as u32 - 1
        });
        ids.push(id);
    }
    keys.sort_unstable();
    let mut rank = vec![0usize; keys.len()];
    for (r, &(_, id)) in keys.iter().enumerate() {
        rank[id as usize] = r;
    }
    let mut starts = vec![0usize; keys.len() + 1];
    for &id in &ids {
        starts[rank[id as usize] + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let filler = Posting {
        key: Key(0),
        doc: 0,
        level: 0,
    };
    let mut out = vec![filler; ids.len()];
    for (p, &id) in parts.flatten().zip(&ids) {
        let s = &mut starts[rank[id as usize]];
        out[*s] = *p;
        *s += 1;
    }
    out
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

/// The weight of a term with per-field counts `tf` in a document: the sum over fields of the
/// field weight times the field's BM25 term weight, quantised. Summing per field keeps a title
/// match visible however often the body repeats the term.
pub fn impact_level(tf: &[u16; 3], lengths: &[u32; 3], avg: &[f64; 3]) -> u16 {
    Weights::new(lengths, avg).level(tf)
}

/// The length normalisation of one document's fields, and the impact of the commonest terms,
/// those found only in the text a few times, worked out once.
struct Weights {
    norm: [f64; 3],
    text_only: [u16; TEXT_ONLY],
}

/// Counts up to this (exclusive) of a term found only in the text have their impact ready.
const TEXT_ONLY: usize = 5;

impl Weights {
    fn new(lengths: &[u32; 3], avg: &[f64; 3]) -> Weights {
        let norm = std::array::from_fn(|f| {
            1.0 - FIELD_B[f] + FIELD_B[f] * f64::from(lengths[f]) / avg[f].max(1.0)
        });
        let mut w = Weights {
            norm,
            text_only: [0; TEXT_ONLY],
        };
        for n in 1..TEXT_ONLY {
            w.text_only[n] = w.compute(&[0, 0, n as u16]);
        }
        w
    }

    fn level(&self, tf: &[u16; 3]) -> u16 {
        match *tf {
            [0, 0, n] if (1..TEXT_ONLY as u16).contains(&n) => self.text_only[n as usize],
            _ => self.compute(tf),
        }
    }

    fn compute(&self, tf: &[u16; 3]) -> u16 {
        let mut impact = 0.0;
        for f in 0..3 {
            if tf[f] > 0 {
                let t = f64::from(tf[f]) / self.norm[f];
                impact += FIELD_WEIGHT[f] * t / (K1 + t);
            }
        }
        let max: f64 = FIELD_WEIGHT.iter().sum();
        let levels = f64::from(IMPACT_LEVELS);
        ((impact / max * levels).round() as u16).clamp(1, IMPACT_LEVELS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, text: &str) -> SearchDoc {
        SearchDoc::sample(title, text)
    }

    /// Every posting of `docs` in one shard.
    fn postings(docs: &[SearchDoc]) -> (Vec<Posting>, Vec<String>) {
        let mut inv = Inverted::build(docs, &Fold::default());
        let all = inv.shards(1, |_| 0).remove(0);
        (all, inv.words)
    }

    #[test]
    fn title_outweighs_text() {
        let (all, words) = postings(&[doc("身份證", "其他"), doc("其他", "身份證")]);
        let list: Vec<&Posting> = all
            .iter()
            .filter(|p| p.key.text(&words) == "身份")
            .collect();
        assert_eq!(list.len(), 2);
        assert!(list[0].level > list[1].level, "{list:?}");
    }

    #[test]
    fn keys_give_back_their_text() {
        let (all, words) = postings(&[doc("APPID 備案", ""), doc("備 appid 2x", "")]);
        let texts: Vec<String> = all.iter().map(|p| p.key.text(&words)).collect();
        for t in ["appid", "備", "案", "備案", "s", "2"] {
            assert!(texts.contains(&t.to_string()), "{t} in {texts:?}");
        }
        assert!(
            all.windows(2)
                .all(|w| { w[0].key < w[1].key || (w[0].key == w[1].key && w[0].doc < w[1].doc) })
        );
        assert_eq!(words, ["2", "appid", "s"]);
    }

    #[test]
    fn key_hashes_are_the_text_hashes() {
        let words = vec!["appid".to_string()];
        let hashes = vec![super::super::encode::hash("appid")];
        for key in [
            Key(u64::from('備')),
            Key::word(0),
            Key(PAIR | 0x5099 << 21 | 0x2_0000),
        ] {
            assert_eq!(
                key.hash(&hashes),
                super::super::encode::hash(&key.text(&words))
            );
        }
    }

    #[test]
    fn counts_survive_growing() {
        let mut c = Counts::with_bits(2);
        for k in 0..100u64 {
            for _ in 0..=k % 3 {
                c.add(k, (k % 3) as usize);
            }
        }
        let all = c.drain();
        assert_eq!(all.len(), 100);
        assert!(
            all.iter()
                .all(|(k, tf)| tf[(k.0 % 3) as usize] == (k.0 % 3) as u16 + 1)
        );
        assert!(c.drain().is_empty());
    }

    #[test]
    fn shards_partition_the_postings() {
        let docs = [doc("甲乙丙", "abc 1"), doc("乙丙丁", "abc 2")];
        let mut inv = Inverted::build(&docs, &Fold::default());
        let (chars, others) = inv.posting_counts();
        let shards = inv.shards(3, |k| (k.0 % 3) as usize);
        assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), chars + others);
        assert!(
            shards
                .iter()
                .enumerate()
                .all(|(s, list)| list.iter().all(|p| (p.key.0 % 3) as usize == s))
        );
    }
}
