//! The posting shards: each term's postings (document number, impact) in the shard its
//! [`hash`] picks. Bigrams and words go to `p/<n>.js`; single CJK characters, needed only by a
//! one-character query or when no bigram matches, to `c/<n>.js`.
//!
//! A query loads one shard per term, so a shard should stay small once compressed; each shard is
//! also a file the build writes, so there should not be many more than that requires. The
//! postings are first cut into many fine buckets by hash, encoded; the number of shards is then
//! chosen from their size and how well a sample of them compresses, and shard `n` is the buckets
//! whose number is `n` modulo that count (counts are powers of two, so that is the hash's low
//! bits, as the browser computes it).

use rayon::prelude::*;

use super::encode::{hash, push_number};
use super::index::gzip_len;
use super::invert::{Inverted, Posting};

/// The aimed-at average size of a posting shard, compressed.
const SHARD_GZ: usize = 5_000;
/// The largest average size of a posting shard before compression (what the browser parses),
/// for postings that compress very well.
const SHARD_BYTES: usize = 64_000;
/// The bytes a posting takes, about: for the number of fine buckets.
const BYTES_PER_POSTING: usize = 4;
const MAX_BUCKETS: usize = 1 << 16;
/// How much of the encoded postings is compressed to estimate how well they compress, in how
/// many windows.
const SAMPLE_BYTES: usize = 32_000;
const SAMPLE_WINDOWS: usize = 16;

/// The encoded terms of one fine bucket: `"term":"postings"` entries joined by commas.
struct Bucket {
    text: String,
    terms: usize,
}

/// The posting shards as (path relative to `search/`, JSON object), and the number of
/// `p/` and of `c/` shards (powers of two).
pub fn posting_shards(inv: &mut Inverted) -> (Vec<(String, String)>, usize, usize) {
    let (chars, others) = inv.posting_counts();
    let (fp, fc) = (bucket_count(others), bucket_count(chars));
    let word_hashes: Vec<u32> = inv.words.par_iter().map(|w| hash(w)).collect();
    let lists = inv.shards(fp + fc, |k| {
        let h = k.hash(&word_hashes) as usize;
        if k.is_char() {
            fp + (h & (fc - 1))
        } else {
            h & (fp - 1)
        }
    });
    let words = &inv.words;
    let buckets: Vec<Bucket> = lists
        .into_par_iter()
        .map(|list| encode_bucket(&list, words))
        .collect();
    let (bigrams, singles) = buckets.split_at(fp);
    let (p, c) = (shard_count(bigrams), shard_count(singles));
    let mut files = merge(bigrams, p, "p");
    files.extend(merge(singles, c, "c"));
    (files, p, c)
}

/// The number of fine buckets for `postings` postings: a power of two, as many as there could
/// be shards if the postings did not compress at all.
fn bucket_count(postings: usize) -> usize {
    (postings * BYTES_PER_POSTING / SHARD_GZ)
        .clamp(1, MAX_BUCKETS)
        .next_power_of_two()
}

/// Encode the postings of a bucket, grouped by term: first document, impact, then the gap to
/// the next document, impact …
fn encode_bucket(list: &[Posting], words: &[String]) -> Bucket {
    let mut text = String::with_capacity(list.len() * BYTES_PER_POSTING);
    let mut term = String::new();
    let mut terms = 0;
    for run in list.chunk_by(|a, b| a.key == b.key) {
        if terms > 0 {
            text.push(',');
        }
        terms += 1;
        term.clear();
        run[0].key.push_text(words, &mut term);
        push_json_str(&mut text, &term);
        text.push_str(":\"");
        let mut prev = 0;
        for p in run {
            push_number(&mut text, p.doc - prev);
            push_number(&mut text, u32::from(p.level));
            prev = p.doc;
        }
        text.push('"');
    }
    Bucket { text, terms }
}

/// Append `s` as a JSON string.
fn push_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::String(s.to_string()).to_string());
}

/// The number of shards for `buckets`: enough that a shard compresses to about [`SHARD_GZ`]
/// and holds at most [`SHARD_BYTES`], but at most one per term (the lists of single characters
/// are few and long) and per bucket.
fn shard_count(buckets: &[Bucket]) -> usize {
    let raw: usize = buckets.iter().map(|b| b.text.len()).sum();
    let terms: usize = buckets.iter().map(|b| b.terms).sum();
    let compressed = raw as f64 * compression_ratio(buckets);
    let wanted = ((compressed / SHARD_GZ as f64).ceil() as usize)
        .max(raw.div_ceil(SHARD_BYTES))
        .max(1)
        .next_power_of_two();
    let per_term = if terms > 1 { 1 << terms.ilog2() } else { 1 };
    wanted.min(per_term).min(buckets.len()).max(1)
}

/// How well the encoded postings compress: windows spread evenly over their bytes (most of
/// which are a few long lists), compressed together as a shard would be.
fn compression_ratio(buckets: &[Bucket]) -> f64 {
    let raw: usize = buckets.iter().map(|b| b.text.len()).sum();
    if raw == 0 {
        return 1.0;
    }
    let window = SAMPLE_BYTES / SAMPLE_WINDOWS;
    let starts: Vec<usize> = (0..SAMPLE_WINDOWS)
        .map(|k| k * raw / SAMPLE_WINDOWS)
        .collect();
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    let mut offset = 0;
    for b in buckets {
        let (from, to) = (offset, offset + b.text.len());
        for &start in &starts {
            let (a, z) = (start.max(from), (start + window).min(to));
            if a < z {
                sample.extend_from_slice(&b.text.as_bytes()[a - from..z - from]);
            }
        }
        offset = to;
    }
    gzip_len(&sample) as f64 / sample.len() as f64
}

/// The shards made of `buckets`: shard `n` holds the buckets `n`, `n + count`, `n + 2 count` …
fn merge(buckets: &[Bucket], count: usize, dir: &str) -> Vec<(String, String)> {
    (0..count)
        .into_par_iter()
        .map(|n| {
            let parts = buckets
                .iter()
                .skip(n)
                .step_by(count)
                .filter(|b| b.terms > 0);
            let mut json = String::from("{");
            for (i, b) in parts.enumerate() {
                if i > 0 {
                    json.push(',');
                }
                json.push_str(&b.text);
            }
            json.push('}');
            (format!("{dir}/{n}.js"), json)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchDoc;
    use crate::search::fold::Fold;

    fn doc(title: &str, text: &str) -> SearchDoc {
        SearchDoc::sample(title, text)
    }

    #[test]
    fn every_term_is_in_the_shard_its_hash_picks() {
        let docs: Vec<SearchDoc> = (0..300)
            .map(|i| {
                doc(
                    &format!("第{i}條 備案"),
                    &format!("通訊地址 w{i} 負責人{}", i % 7),
                )
            })
            .collect();
        let mut inv = Inverted::build(&docs, &Fold::default());
        let (files, p, c) = posting_shards(&mut inv);
        assert_eq!(files.len(), p + c);
        let mut terms = 0;
        for (path, json) in &files {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(json).expect("a JSON object");
            for term in map.keys() {
                let single = term.chars().count() == 1
                    && super::super::tokenize::is_cjk(term.chars().next().unwrap_or(' '));
                let (dir, count) = if single { ("c", c) } else { ("p", p) };
                let n = hash(term) as usize & (count - 1);
                assert_eq!(path, &format!("{dir}/{n}.js"), "{term}");
                terms += 1;
            }
        }
        assert!(terms > 300, "{terms}");
    }
}
