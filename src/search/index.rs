//! The index files: an inverted index of the documents, sharded so that a query loads only a
//! little of it, written as scripts so that the browser can load them from disk (file://).
//!
//! - `search/index.js`, the manifest: document and shard counts, the fold table, the prefix
//!   groups of the word vocabulary.
//! - `search/p/<n>.js`, posting shards: each term, by [`hash`], in one shard, with its postings
//!   (document number, impact). The impact is the term's field-weighted BM25 weight in the
//!   document, computed here from the field lengths and quantised, so the browser needs no
//!   lengths: it multiplies by the IDF and sums over the query's terms.
//! - `search/d/<n>.js`, document shards: url, title, section and text of consecutive documents,
//!   for the results, the snippets and the phrase check of the top candidates.
//! - `search/v/<n>.js`, vocabulary groups: the words starting with a prefix, with their document
//!   frequency, for prefix matching of the last word of a query.
//!
//! Every file is `(globalThis.KB_SEARCH_SHARDS=…||{})["<path>"]=<JSON>;` with its path relative
//! to `search/`; the loader reads it from there once the script has run.

use rayon::prelude::*;
use serde_json::{Value, json};

use super::SearchDoc;
use super::encode::{hash, hash_bytes, push_number};
use super::fold::Fold;
use super::invert::{Inverted, Key, Posting};

/// The version of the file format, checked by the browser.
pub const FORMAT: u32 = 1;
/// The aimed-at size of a posting shard and of a document shard, in bytes before compression.
const POSTING_SHARD_BYTES: usize = 12_000;
const DOC_SHARD_BYTES: usize = 2_500;
const MAX_DOCS_PER_SHARD: usize = 64;
/// The longest text kept in the document shards (the index itself covers all of it).
const MAX_STORED_TEXT: usize = 4_000;
/// The aimed-at size of a vocabulary group, in bytes.
const VOCAB_GROUP_BYTES: usize = 8_000;

/// The index files of `docs`: (path relative to the site root, bytes).
pub fn build(docs: &[SearchDoc]) -> Vec<(String, Vec<u8>)> {
    let fold = Fold::for_chars(docs.iter().flat_map(|d| {
        d.title
            .chars()
            .chain(d.section.chars())
            .chain(d.keywords.chars())
            .chain(d.text.chars())
    }));
    let inverted = Inverted::build(docs, &fold);
    let mut files = Vec::new();
    let shards = posting_shards(&inverted, &mut files);
    let per_shard = docs_per_shard(docs);
    doc_shards(docs, per_shard, &mut files);
    let vocab = vocab_groups(&inverted, &mut files);
    drop(inverted);
    let manifest = json!({
        "format": FORMAT,
        "docs": docs.len(),
        "postingShards": shards,
        "docsPerShard": per_shard,
        "fold": fold.to_pair_string(),
        "vocab": vocab,
        "build": format!("{:08x}", fingerprint(&files)),
    });
    files.push(("index.js".into(), script("index.js", &manifest)));
    files
        .into_iter()
        .map(|(p, b)| (format!("search/{p}"), b))
        .collect()
}

/// A fingerprint of the files, so that a browser never mixes files of two builds.
fn fingerprint(files: &[(String, Vec<u8>)]) -> u32 {
    files
        .iter()
        .fold(0, |h, (p, b)| h.rotate_left(5) ^ hash(p) ^ hash_bytes(b))
}

/// The file for `payload` under `key`.
fn script(key: &str, payload: &Value) -> Vec<u8> {
    script_raw(key, &payload.to_string())
}

/// The file for the JSON text `payload` under `key`.
fn script_raw(key: &str, payload: &str) -> Vec<u8> {
    let key = Value::String(key.into());
    format!("(globalThis.KB_SEARCH_SHARDS=globalThis.KB_SEARCH_SHARDS||{{}})[{key}]={payload};\n")
        .into_bytes()
}

/// Append the postings of one term as numbers: first document, impact, then the gap to the
/// next document, impact …
fn encode_postings(out: &mut String, list: &[Posting]) {
    let mut prev = 0;
    for p in list {
        push_number(out, p.doc - prev);
        push_number(out, u32::from(p.level));
        prev = p.doc;
    }
}

/// Write the posting shards; returns their count (a power of two).
fn posting_shards(inv: &Inverted, files: &mut Vec<(String, Vec<u8>)>) -> u32 {
    let terms: Vec<(Key, &[Posting])> = inv.terms().collect();
    let entries: Vec<(u32, String)> = terms
        .par_iter()
        .map(|&(key, list)| {
            let text = key.text(&inv.words);
            let mut entry = Value::String(text.clone()).to_string();
            entry.push_str(":\"");
            encode_postings(&mut entry, list);
            entry.push('"');
            (hash(&text), entry)
        })
        .collect();
    let bytes: usize = entries.iter().map(|(_, e)| e.len() + 1).sum();
    let count = (bytes / POSTING_SHARD_BYTES).max(1).next_power_of_two() as u32;
    let mut shards = vec![String::from("{"); count as usize];
    for (h, entry) in entries {
        let shard = &mut shards[(h & (count - 1)) as usize];
        if shard.len() > 1 {
            shard.push(',');
        }
        shard.push_str(&entry);
    }
    for (i, mut shard) in shards.into_iter().enumerate() {
        shard.push('}');
        let key = format!("p/{i}.js");
        files.push((key.clone(), script_raw(&key, &shard)));
    }
    count
}

fn docs_per_shard(docs: &[SearchDoc]) -> usize {
    let total: usize = docs
        .iter()
        .map(|d| {
            d.url.len() + d.title.len() + d.section.len() + d.text.len().min(MAX_STORED_TEXT * 3)
        })
        .sum();
    let avg = (total / docs.len().max(1)).max(1);
    (DOC_SHARD_BYTES / avg).clamp(1, MAX_DOCS_PER_SHARD)
}

/// Write the document shards: `[url, title, section, text]` of each document.
fn doc_shards(docs: &[SearchDoc], per_shard: usize, files: &mut Vec<(String, Vec<u8>)>) {
    for (i, chunk) in docs.chunks(per_shard).enumerate() {
        let list: Vec<Value> = chunk
            .iter()
            .map(|d| {
                let text: String = d.text.chars().take(MAX_STORED_TEXT).collect();
                json!([d.url, d.title, d.section, text])
            })
            .collect();
        let key = format!("d/{i}.js");
        files.push((key.clone(), script(&key, &Value::Array(list))));
    }
}

/// Write the vocabulary of words (terms that are not CJK), sorted and cut into groups of about
/// [`VOCAB_GROUP_BYTES`] as `[[word, document frequency], …]`; returns the first word of each
/// group, so that the browser finds the groups that hold the words with a prefix.
fn vocab_groups(inv: &Inverted, files: &mut Vec<(String, Vec<u8>)>) -> Vec<String> {
    let mut df = vec![0; inv.words.len()];
    for (key, list) in inv.terms() {
        if let Some(d) = key.word_index().and_then(|i| df.get_mut(i)) {
            *d = list.len();
        }
    }
    let words: Vec<(&str, usize)> = inv.words.iter().map(String::as_str).zip(df).collect();
    let mut starts = Vec::new();
    for (i, group) in group_by_size(&words).into_iter().enumerate() {
        starts.push(group[0].0.to_string());
        let path = format!("v/{i}.js");
        files.push((path.clone(), script(&path, &json!(group))));
    }
    starts
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
