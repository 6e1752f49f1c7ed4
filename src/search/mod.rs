//! The client-side search index: which documents a site has ([`documents`]) and the index files
//! built from them ([`build_index`]), loaded by the browser as scripts so that search works from
//! disk (file://) too.

mod documents;

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
}

/// The index files for `docs`: (path relative to the site root, bytes).
pub fn build_index(docs: &[SearchDoc]) -> Vec<(String, Vec<u8>)> {
    let list: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| serde_json::json!({"url": d.url, "title": d.title, "section": d.section, "text": d.text}))
        .collect();
    let json = serde_json::to_string(&list).unwrap_or_default();
    vec![(
        "search/index.js".into(),
        format!("window.KB_SEARCH_DOCS={json};\n").into_bytes(),
    )]
}
