//! Integration tests of the search index: the tokeniser, the folding and the encodings against
//! the vectors shared with the JavaScript tests (`tests/search_vectors.json`), and the index files
//! of the bundled site.

use std::path::Path;

use kbgen::search::encode::{decode_numbers, encode_numbers, hash};
use kbgen::search::fold::{Fold, fold_char};
use kbgen::search::tokenize::terms;
use serde_json::Value;

fn vectors() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search_vectors.json");
    let text = std::fs::read_to_string(&path).expect("tests/search_vectors.json is readable");
    serde_json::from_str(&text).expect("tests/search_vectors.json is JSON")
}

fn str_of(v: &Value) -> &str {
    v.as_str().expect("a string")
}

fn one_char(s: &str) -> char {
    let mut it = s.chars();
    let c = it.next().expect("a character");
    assert!(it.next().is_none(), "{s:?} is one character");
    c
}

fn table(v: &Value) -> Fold {
    let map = v["fold_table"]
        .as_object()
        .expect("fold_table is an object");
    Fold::from_pairs(map.iter().map(|(k, v)| (one_char(k), one_char(str_of(v)))))
}

#[test]
fn fold_table_agrees_with_opencc() {
    let v = vectors();
    for (from, to) in v["fold_table"].as_object().expect("object") {
        assert_eq!(
            fold_char(one_char(from)).to_string(),
            str_of(to),
            "fold of {from}"
        );
    }
}

#[test]
fn fold_cases() {
    let v = vectors();
    for case in v["fold"].as_array().expect("array") {
        let input = str_of(&case["input"]);
        let fold = Fold::for_chars(input.chars());
        let got: String = input.chars().map(|c| fold.apply(c)).collect();
        assert_eq!(got, str_of(&case["output"]), "fold of {input}");
    }
}

#[test]
fn tokenize_cases() {
    let v = vectors();
    let fold = table(&v);
    let cases = v["tokenize"].as_array().expect("array");
    assert!(cases.len() >= 30);
    for case in cases {
        let input = str_of(&case["input"]);
        let want: Vec<&str> = case["terms"]
            .as_array()
            .expect("array")
            .iter()
            .map(str_of)
            .collect();
        assert_eq!(terms(input, &fold), want, "terms of {input:?}");
    }
}

#[test]
fn hash_cases() {
    let v = vectors();
    for case in v["hash"].as_array().expect("array") {
        let input = str_of(&case["input"]);
        assert_eq!(
            u64::from(hash(input)),
            case["hash"].as_u64().expect("a number"),
            "hash of {input:?}"
        );
    }
}

#[test]
fn number_cases() {
    let v = vectors();
    for case in v["numbers"].as_array().expect("array") {
        let numbers: Vec<u32> = case["numbers"]
            .as_array()
            .expect("array")
            .iter()
            .map(|n| {
                n.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .expect("a u32")
            })
            .collect();
        let encoded = str_of(&case["encoded"]);
        assert_eq!(encode_numbers(&numbers), encoded);
        assert_eq!(decode_numbers(encoded), numbers);
    }
}

#[test]
fn simplified_and_traditional_sites_fold_both_ways() {
    let traditional = Fold::for_chars("備案通訊地址負責人".chars());
    let simplified = Fold::for_chars("备案通讯地址负责人".chars());
    for fold in [&traditional, &simplified] {
        assert_eq!(
            terms("備案 通訊地址 負責人", fold),
            terms("备案 通讯地址 负责人", fold)
        );
    }
    assert!(
        simplified
            .pairs()
            .any(|(from, to)| from == '備' && to == '备')
    );
}

fn bundled_docs() -> Vec<kbgen::search::SearchDoc> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (site, diags) = kbgen::content::load::load(root);
    assert!(!diags.has_errors(), "{diags:?}");
    kbgen::search::documents(&site.expect("the bundled site loads"))
}

#[test]
fn bundled_site_documents_cover_everything() {
    let docs = bundled_docs();
    let count = |prefix: &str| docs.iter().filter(|d| d.url.starts_with(prefix)).count();
    assert_eq!(count("faq/"), 16);
    assert_eq!(count("process/index.html#"), 7);
    assert_eq!(count("timeline/index.html#"), 4);
    assert_eq!(count("checklists/"), 17);
    assert_eq!(count("about/"), 1);
    assert!(
        docs.iter()
            .all(|d| !d.title.is_empty() && !d.section.is_empty())
    );
}

#[test]
fn bundled_site_index_is_deterministic_and_complete() {
    let docs = bundled_docs();
    let files = kbgen::search::build_index(&docs);
    assert_eq!(files, kbgen::search::build_index(&docs));
    let manifest = files
        .iter()
        .find(|(p, _)| p == "search/index.js")
        .expect("a manifest");
    let text = String::from_utf8_lossy(&manifest.1);
    assert!(text.contains(&format!("\"docs\":{}", docs.len())), "{text}");
    assert!(text.contains("備备") && text.contains("證证"), "{text}");
    assert!(
        files
            .iter()
            .all(|(p, b)| p.starts_with("search/") && p.ends_with(".js") && !b.is_empty())
    );
}

#[test]
fn index_folds_documents_like_the_table_it_ships() {
    let docs = bundled_docs();
    let chars = || {
        docs.iter()
            .flat_map(|d| d.title.chars().chain(d.text.chars()))
    };
    let fold = Fold::for_chars(chars());
    for c in chars().filter(|&c| kbgen::search::tokenize::is_cjk(c)) {
        assert_eq!(fold.apply(c), fold_char(c), "{c}");
    }
}
