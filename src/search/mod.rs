//! The client-side search index: which documents a site has ([`documents`]) and the index files
//! built from them ([`build_index`]), loaded by the browser as scripts so that search works from
//! disk (file://) too.
//!
//! Chinese needs no dictionary here: [`tokenize`] cuts Han text into characters and overlapping
//! bigrams, [`fold`] makes Simplified and Traditional one script, and [`index`] writes a sharded
//! inverted index with precomputed field-weighted BM25 weights. `themes/default/static/js/search-core.js` is
//! the browser's half: the same tokeniser, the ranking and the loading of shards.

mod documents;
pub mod encode;
pub mod fold;
pub mod index;
pub mod invert;
mod postings;
pub mod tokenize;

pub use documents::documents;

/// One searchable thing: an FAQ entry, a step, a milestone, a checklist item or a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// Path relative to the site root, with the anchor when it has one.
    pub url: String,
    pub title: String,
    /// The heading of the section it belongs to (the content's own words).
    pub section: String,
    /// Plain text of the body.
    pub text: String,
    /// Words that find the document without being shown in results (an FAQ entry's tags),
    /// indexed with the section.
    pub keywords: String,
}

#[cfg(test)]
impl SearchDoc {
    /// A document with only a title and a text, for unit tests.
    pub(crate) fn sample(title: &str, text: &str) -> SearchDoc {
        SearchDoc {
            url: "x".into(),
            title: title.into(),
            section: "S".into(),
            text: text.into(),
            keywords: String::new(),
        }
    }
}

/// The index files for `docs`: (path relative to the site root, bytes).
pub fn build_index(docs: &[SearchDoc]) -> Vec<(String, Vec<u8>)> {
    index::build(docs)
}
