//! The index files: an inverted index of the documents, sharded so that a query loads only a
//! little of it, written as scripts so that the browser can load them from disk (file://).
//!
//! - `search/index.js`, the manifest: document and shard counts, the fold table, the prefix
//!   groups of the word vocabulary.
//! - `search/p/<n>.js`, posting shards of bigrams and words, and `search/c/<n>.js`, of single
//!   CJK characters (loaded only for a one-character query or when no bigram matches): each
//!   term, by its hash, in one shard, with its postings (document number, impact); see
//!   [`super::postings`]. The impact is the term's field-weighted BM25 weight in the document,
//!   computed from the field lengths and quantised, so the browser needs no lengths: it
//!   multiplies by the IDF and sums over the query's terms.
//! - `search/d/<n>.js`, document shards: url, title, section and text of consecutive documents,
//!   for the results, the snippets and the phrase check of the top candidates.
//! - `search/v/<n>.js`, vocabulary groups: the words starting with a prefix, with their document
//!   frequency, for prefix matching of the last word of a query.
//!
//! Every file is `(globalThis.KB_SEARCH_SHARDS=…||{})["<path>"]=<JSON>;` with its path relative
//! to `search/`; the loader reads it from there once the script has run.
//!
//! The shard sizes weigh what a query downloads against the number of files a build writes:
//! each file costs the build a file creation, and a query loads one posting shard per term and
//! one document shard per candidate it shows or re-ranks. Both are sized by their compressed
//! size, estimated on a sample, since that is what a query downloads: text that compresses well
//! gets larger shards, hence fewer files.

use rayon::prelude::*;
use serde_json::json;

use super::SearchDoc;
use super::encode::{hash, hash_bytes};
use super::fold::Fold;
use super::invert::Inverted;
use super::postings::posting_shards;
use super::tokenize::is_cjk;

/// The version of the file format, checked by the browser.
pub const FORMAT: u32 = 2;
/// The most a document shard may weigh, compressed: the search page shows 50 results, each
/// from its own shard at worst, and the header box re-ranks 24.
const DOC_SHARD_GZ: usize = 1_400;
const MAX_DOCS_PER_SHARD: usize = 64;
/// How many document shards are compressed to choose their size.
const DOC_SAMPLES: usize = 8;
/// The longest text kept in the document shards (the index itself covers all of it).
const MAX_STORED_TEXT: usize = 4_000;
/// The aimed-at size of a vocabulary group, in bytes.
const VOCAB_GROUP_BYTES: usize = 8_000;

type Files = Vec<(String, Vec<u8>)>;

/// The index files of `docs`: (path relative to the site root, bytes).
pub fn build(docs: &[SearchDoc]) -> Vec<(String, Vec<u8>)> {
    let fold = site_fold(docs);
    let ((postings, vocab), (per_shard, doc_files)) = rayon::join(
        || {
            let mut inverted = Inverted::build(docs, &fold);
            (posting_shards(&mut inverted), vocab_groups(&inverted))
        },
        || {
            let per_shard = docs_per_shard(docs);
            (per_shard, doc_shards(docs, per_shard))
        },
    );
    let (shards, p, c) = postings;
    let (vocab_files, vocab) = vocab;
    let mut files: Files = shards
        .into_par_iter()
        .map(|(path, json)| {
            let bytes = script(&path, json.as_bytes());
            (path, bytes)
        })
        .collect();
    files.extend(doc_files);
    files.extend(vocab_files);
    let manifest = json!({
        "format": FORMAT,
        "docs": docs.len(),
        "postingShards": p,
        "charShards": c,
        "docsPerShard": per_shard,
        "fold": fold.to_pair_string(),
        "vocab": vocab,
        "build": format!("{:08x}", fingerprint(&files)),
    });
    files.push((
        "index.js".into(),
        script("index.js", manifest.to_string().as_bytes()),
    ));
    for (p, _) in &mut files {
        p.insert_str(0, "search/");
    }
    files
}

/// The size of `bytes` once gzipped (as a web server or the benchmark does, at level 6).
pub fn gzip_len(bytes: &[u8]) -> usize {
    const GZIP_FRAME: usize = 18;
    miniz_oxide::deflate::compress_to_vec(bytes, 6).len() + GZIP_FRAME
}

/// The fold table of the site: every CJK character of its documents, found in parallel.
fn site_fold(docs: &[SearchDoc]) -> Fold {
    const WORDS: usize = 0x3_1400 / 64;
    let seen = docs
        .par_iter()
        .fold(
            || vec![0u64; WORDS],
            |mut bits, d| {
                for text in [&d.title, &d.section, &d.keywords, &d.text] {
                    for c in text.chars().filter(|&c| is_cjk(c)) {
                        if let Some(w) = bits.get_mut(c as usize / 64) {
                            *w |= 1 << (c as usize % 64);
                        }
                    }
                }
                bits
            },
        )
        .reduce(
            || vec![0u64; WORDS],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x |= y);
                a
            },
        );
    Fold::for_chars(set_bits(&seen).filter_map(char::from_u32))
}

/// The numbers whose bits are set in `bits`.
fn set_bits(bits: &[u64]) -> impl Iterator<Item = u32> + '_ {
    bits.iter().enumerate().flat_map(|(i, &w)| {
        (0..64)
            .filter(move |b| w & (1 << b) != 0)
            .map(move |b| (i * 64 + b) as u32)
    })
}

/// A fingerprint of the files, so that a browser never mixes files of two builds.
fn fingerprint(files: &[(String, Vec<u8>)]) -> u32 {
    let each: Vec<u32> = files
        .par_iter()
        .map(|(p, b)| hash(p) ^ hash_bytes(b))
        .collect();
    each.into_iter().fold(0, |h, x| h.rotate_left(5) ^ x)
}

/// The file for the JSON text `payload` under `key`.
fn script(key: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 80);
    out.extend_from_slice(b"(globalThis.KB_SEARCH_SHARDS=globalThis.KB_SEARCH_SHARDS||{})[");
    push_json_str(&mut out, key);
    out.extend_from_slice(b"]=");
    out.extend_from_slice(payload);
    out.extend_from_slice(b";\n");
    out
}

/// Append `s` as a JSON string.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// The most documents a shard may hold while it compresses to at most [`DOC_SHARD_GZ`],
/// estimated on a sample of shards spread over the site: doubling from one while they fit,
/// then halving the interval (the larger the shards, the more they cost to try).
fn docs_per_shard(docs: &[SearchDoc]) -> usize {
    let fits = |n: usize| sampled_doc_shard_gz(docs, n) <= DOC_SHARD_GZ;
    let most = MAX_DOCS_PER_SHARD.min(docs.len()).max(1);
    let mut lo = 1;
    while lo < most && fits((2 * lo).min(most)) {
        lo = (2 * lo).min(most);
    }
    let mut hi = (2 * lo - 1).min(most);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The average compressed size of up to [`DOC_SAMPLES`] shards of `per_shard` documents.
fn sampled_doc_shard_gz(docs: &[SearchDoc], per_shard: usize) -> usize {
    let shards = docs.len().div_ceil(per_shard);
    let take = shards.clamp(1, DOC_SAMPLES);
    let sizes: Vec<usize> = (0..take)
        .into_par_iter()
        .map(|i| {
            let first = i * shards / take * per_shard;
            let chunk = &docs[first.min(docs.len())..(first + per_shard).min(docs.len())];
            gzip_len(&doc_shard_json(chunk))
        })
        .collect();
    sizes.iter().sum::<usize>() / take
}

/// The document shards: `[url, title, section, text]` of each document.
fn doc_shards(docs: &[SearchDoc], per_shard: usize) -> Files {
    docs.par_chunks(per_shard)
        .enumerate()
        .map(|(i, chunk)| {
            let path = format!("d/{i}.js");
            let bytes = script(&path, &doc_shard_json(chunk));
            (path, bytes)
        })
        .collect()
}

/// The JSON array of the documents of one shard.
fn doc_shard_json(chunk: &[SearchDoc]) -> Vec<u8> {
    let size = chunk.iter().map(|d| d.text.len() + 200).sum();
    let mut out = Vec::with_capacity(size);
    out.push(b'[');
    for (j, d) in chunk.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        out.push(b'[');
        for s in [&d.url, &d.title, &d.section] {
            push_json_str(&mut out, s);
            out.push(b',');
        }
        push_json_str(&mut out, stored_text(&d.text));
        out.push(b']');
    }
    out.push(b']');
    out
}

/// The part of a document's text the document shards keep: at most [`MAX_STORED_TEXT`]
/// characters.
fn stored_text(text: &str) -> &str {
    match text.char_indices().nth(MAX_STORED_TEXT) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// The vocabulary of words (terms that are not CJK), sorted and cut into groups of about
/// [`VOCAB_GROUP_BYTES`] as `[[word, document frequency], …]`; with the first word of each
/// group, so that the browser finds the groups that hold the words with a prefix.
fn vocab_groups(inv: &Inverted) -> (Files, Vec<String>) {
    let words: Vec<(&str, usize)> = inv
        .words
        .iter()
        .map(String::as_str)
        .zip(inv.word_df.iter().map(|&n| n as usize))
        .collect();
    let mut starts = Vec::new();
    let mut files = Vec::new();
    for (i, group) in group_by_size(&words).into_iter().enumerate() {
        starts.push(group[0].0.to_string());
        let path = format!("v/{i}.js");
        let bytes = script(&path, json!(group).to_string().as_bytes());
        files.push((path, bytes));
    }
    (files, starts)
}

/// `words` cut into consecutive non-empty groups of about [`VOCAB_GROUP_BYTES`].
fn group_by_size<'a, 'b>(words: &'b [(&'a str, usize)]) -> Vec<&'b [(&'a str, usize)]> {
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, (w, _)) in words.iter().enumerate() {
        if bytes > VOCAB_GROUP_BYTES {
            groups.push(&words[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += w.len() + 8;
    }
    if start < words.len() {
        groups.push(&words[start..]);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, title: &str, text: &str) -> SearchDoc {
        SearchDoc {
            url: url.into(),
            title: title.into(),
            section: "S".into(),
            text: text.into(),
            keywords: String::new(),
        }
    }

    #[test]
    fn files_are_scripts_with_a_manifest() {
        let files = build(&[doc("faq/a/index.html", "備案", "1500×1100 APPID")]);
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert!(names.contains(&"search/index.js"), "{names:?}");
        assert!(names.contains(&"search/p/0.js"), "{names:?}");
        assert!(names.contains(&"search/d/0.js"), "{names:?}");
        let manifest =
            String::from_utf8_lossy(&files.last().map(|f| f.1.clone()).unwrap_or_default())
                .into_owned();
        assert!(
            manifest.starts_with("(globalThis.KB_SEARCH_SHARDS="),
            "{manifest}"
        );
        assert!(manifest.contains("備备"), "{manifest}");
    }

    #[test]
    fn vocabulary_groups_cover_every_word_once() {
        let owned: Vec<String> = (0..5000).map(|i| format!("a{i}")).collect();
        let mut words: Vec<(&str, usize)> = owned.iter().map(|w| (w.as_str(), 1)).collect();
        words.sort_unstable();
        let groups = group_by_size(&words);
        assert!(groups.len() > 1);
        assert_eq!(groups.iter().map(|g| g.len()).sum::<usize>(), words.len());
        assert!(groups.iter().all(|g| !g.is_empty()));
    }
}
