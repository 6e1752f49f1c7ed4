//! Hostile content is inert: a site whose every text field tries to run script (`<script>` in
//! titles, `</script>` in text that ends up in embedded JSON and the search index, `javascript:`
//! and other script URLs, raw HTML with event handlers, quotes that try to break out of
//! attributes) is built by the real binary, and every file written is read back:
//!
//! - HTML: every `<script>` element is the theme's (an external `src`) or JSON data whose text
//!   holds no `<` and parses; no element has an `on…` attribute; no URL attribute holds a script
//!   URL (entities decoded first); hostile text shows escaped, as text.
//! - Search index: every file under `search/` is data: a fixed JavaScript wrapper around one JSON
//!   value, with the hostile text only inside JSON strings.
//! - XML (sitemap): no markup from content.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What each attack tries to run; its presence anywhere outside data is a failure.
const MARK: &str = "1337";
/// A plain word of the hostile entry, to find it in the search index.
const WORD: &str = "zebracorn";

const SITE: &str = r#"title: 'Help <script>alert(1337)</script> "quoted" site'
description: 'A site" onload="alert(1337)'
language: 'en" onload="alert(1337)'
base_url: 'https://kb.example.org/"><script>alert(1337)</script>/'
intro: |
  Welcome <script>alert(1337)</script>, see [here](javascript:alert(1337)).
sections:
  faq: '<b onmouseover="alert(1337)">FAQ</b>'
  checklists: "Lists</title><script>alert(1337)</script>"
source:
  name: '"><img src=x onerror=alert(1337)>'
  date: 2023-09-23
"#;

const QUESTIONS: &str = r#"questions:
  - id: subject
    label: 'Who</script><script>alert(1337)</script>?'
    options:
      - { value: person, label: '</script><script>alert(1337)</script>' }
      - { value: company, label: 'A "company" <!-- alert(1337)' }
  - id: abroad
    label: "Abroad' onfocus='alert(1337)"
    type: boolean
    help: "</script><script>alert(1337)</script> [x](javascript:alert(1337))"
"#;

const CHECKLIST: &str = r#"id: people
title: '</script><script>alert(1337)</script> people'
subject: person
intro: "<script>alert(1337)</script>"
items:
  - id: photo
    title: '<img src=x onerror=alert(1337)>'
    detail: |
      </script><script>alert(1337)</script> and [x](javascript:alert(1337))
    input: image
    constraints: { max_bytes: 204800 }
  - id: phone
    title: "Phone\" autofocus onfocus=\"alert(1337)"
    when: { abroad: true }
    source: faq:hostile
"#;

const TIMELINE: &str = r#"title: "Dates <script>alert(1337)</script>"
milestones:
  - id: launch
    date: 2023-09-01
    title: "</script><script>alert(1337)</script>"
    detail: "[x](  JaVaScRiPt:alert(1337))"
"#;

const PROCESS: &str = r#"title: "Steps ' onmouseover='alert(1337)"
stages:
  - id: start
    title: "<svg onload=alert(1337)>"
    steps: [apply]
steps:
  - id: apply
    title: "Apply</script><script>alert(1337)</script>"
    body: |
      <iframe src="javascript:alert(1337)"></iframe>

      [data](data:text/html,<script>alert(1337)</script>) and [vb](vbscript:msgbox(1337))
    duration: { max: 3, unit: days }
    notify: ["<script>alert(1337)</script>"]
"#;

const FAQ: &str = "---
id: hostile
title: '<script>alert(1337)</script> zebracorn'
order: 1
tags: ['\"><script>alert(1337)</script>']
related: [other]
---
Text </script><script>alert(1337)</script> zebracorn.

<img src=x onerror=alert(1337)>

<a href=\"javascript:alert(1337)\">raw link</a>

[a](javascript:alert(1337)) [b](JAVASCRIPT:alert(1337)) [c](java\tscript:alert(1337))
[d](vbscript:msgbox(1337)) [e](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMzM3KTwvc2NyaXB0Pg==)
![i](javascript:alert(1337)) <javascript:alert(1337)>
[q](https://example.org/\"onmouseover=\"alert(1337) \"t\" onmouseover=\"alert(1337)\")
[r][ref]

[ref]: javascript:alert(1337)
";

const OTHER: &str = "---
id: other
title: \"Other \\\" onmouseover=\\\"alert(1337)\"
order: 2
status: awaiting
---
```html
<script>alert(1337)</script>
```
";

const PAGE: &str = "---
id: about
title: 'About \" onmouseover=\"alert(1337)'
---
<style>body{background:url(javascript:alert(1337))}</style>
";

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join("content").join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn hostile_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "site.yaml", SITE);
    write(root, "questions.yaml", QUESTIONS);
    write(root, "checklists/people.yaml", CHECKLIST);
    write(root, "timeline.yaml", TIMELINE);
    write(root, "process.yaml", PROCESS);
    write(root, "faq/hostile.md", FAQ);
    write(root, "faq/other.md", OTHER);
    write(root, "pages/about.md", PAGE);
    dir
}

/// Build the hostile site; every output file by its path relative to the output folder.
fn build() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let site = hostile_site();
    let out = site.path().join("public");
    let run = Command::new(env!("CARGO_BIN_EXE_kbgen"))
        .args(["build", "--root"])
        .arg(site.path())
        .arg("--out")
        .arg(&out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut files = BTreeMap::new();
    collect(&out, &out, &mut files);
    (site, files)
}

fn collect(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        if path.is_dir() {
            collect(base, &path, files);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, fs::read(&path).unwrap());
        }
    }
}

/// One start tag of an HTML document, with its attributes (values with entities decoded), and
/// for `<script>` and `<style>` the raw text up to the end tag.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    raw_text: Option<String>,
}

/// The start tags of `html`, read the way a browser's tokenizer reads them (well enough for
/// markup that kbgen writes): comments and end tags skipped, script and style text taken raw.
fn tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"<!--") {
            i = find_bytes(b, i, b"-->").map_or(b.len(), |e| e + 3);
            continue;
        }
        if b[i] != b'<' || !b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let s = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/')
            {
                i += 1;
            }
            let attr = html[s..i].to_ascii_lowercase();
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let e = find_bytes(b, i + 1, &[q]).unwrap_or(b.len());
                    value = html[i + 1..e].to_string();
                    i = (e + 1).min(b.len());
                } else {
                    let s = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[s..i].to_string();
                }
            }
            attrs.push((attr, decode_entities(&value)));
        }
        let raw_text = if name == "script" || name == "style" {
            let end_tag = format!("</{name}");
            let rest = html[i.min(b.len())..].to_ascii_lowercase();
            let e = rest.find(&end_tag).unwrap_or(rest.len());
            let text = html[i..i + e].to_string();
            i += e;
            Some(text)
        } else {
            None
        };
        out.push(Tag {
            name,
            attrs,
            raw_text,
        });
    }
    out
}

/// The offset of `pat` in `b` at or after `from`.
fn find_bytes(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| from + p)
}

/// HTML character references in an attribute value, as a browser decodes them.
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e < 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "Tab" => Some('\t'),
                "NewLine" => Some('\n'),
                "colon" => Some(':'),
                n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a URL attribute would run script, read as a browser reads it.
fn is_script_url(value: &str) -> bool {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    v.starts_with("javascript:") || v.starts_with("vbscript:") || v.starts_with("data:text/html")
}

const URL_ATTRS: [&str; 8] = [
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "data",
];

#[test]
fn hostile_content_never_becomes_markup_or_script() {
    let (_site, files) = build();
    let pages: Vec<(&String, String)> = files
        .iter()
        .filter(|(p, _)| p.ends_with(".html"))
        .map(|(p, b)| (p, String::from_utf8(b.clone()).expect("UTF-8 HTML")))
        .collect();
    assert!(pages.len() >= 8, "{:?}", files.keys().collect::<Vec<_>>());
    let mut json_blocks_with_attack = 0;
    let mut failures = Vec::new();
    for (path, html) in &pages {
        for tag in tags(html) {
            for (attr, value) in &tag.attrs {
                if attr.starts_with("on") {
                    failures.push(format!("{path}: <{} {attr}={value:?}>", tag.name));
                }
                if URL_ATTRS.contains(&attr.as_str()) && is_script_url(value) {
                    failures.push(format!("{path}: <{} {attr}={value:?}>", tag.name));
                }
                if attr == "style" && value.contains(MARK) {
                    failures.push(format!("{path}: style attribute {value:?}"));
                }
            }
            if !matches!(
                tag.name.as_str(),
                "script" | "style" | "a" | "img" | "link" | "meta" | "form"
            ) && tag.attrs.iter().any(|(_, v)| v.contains(MARK))
            {
                // Content may stand in a few attributes (titles, labels, data-…), as text.
                let ok = tag.attrs.iter().all(|(a, v)| {
                    !v.contains(MARK)
                        || a.starts_with("data-")
                        || matches!(
                            a.as_str(),
                            "title" | "aria-label" | "alt" | "value" | "lang"
                        )
                });
                if !ok {
                    failures.push(format!("{path}: {tag:?}"));
                }
            }
            if tag.name == "iframe" || tag.name == "svg" || tag.name == "object" {
                failures.push(format!("{path}: an <{}> element", tag.name));
            }
            if tag.name == "img" && tag.attrs.iter().any(|(a, v)| a == "src" && v == "x") {
                failures.push(format!("{path}: content's <img>"));
            }
            let text = tag.raw_text.as_deref().unwrap_or("");
            match tag.name.as_str() {
                "script" => {
                    let attr = |n: &str| tag.attrs.iter().find(|(a, _)| a == n).map(|(_, v)| v);
                    if attr("src").is_some() {
                        if !text.trim().is_empty() {
                            failures.push(format!("{path}: script with src and text {text:?}"));
                        }
                    } else if attr("type").is_some_and(|t| t == "application/json") {
                        if text.contains('<') {
                            failures.push(format!("{path}: `<` in JSON data: {text}"));
                        }
                        match serde_json::from_str::<serde_json::Value>(text) {
                            Ok(v) => {
                                if v.to_string().contains("</script><script>alert(1337)") {
                                    json_blocks_with_attack += 1;
                                }
                            }
                            Err(e) => failures.push(format!("{path}: JSON data broken: {e}")),
                        }
                    } else if text.contains(MARK) {
                        failures.push(format!("{path}: script from content: {text}"));
                    }
                }
                "style" if text.contains(MARK) => {
                    failures.push(format!("{path}: style from content: {text}"));
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        json_blocks_with_attack > 0,
        "the hostile labels reach no embedded JSON: the test proves nothing about it"
    );
}

#[test]
fn hostile_text_is_shown_escaped() {
    let (_site, files) = build();
    let faq = String::from_utf8(files["faq/hostile/index.html"].clone()).unwrap();
    assert!(
        faq.contains("&lt;script&gt;alert(1337)&lt;/script&gt; zebracorn"),
        "the title is not shown as text: {faq}"
    );
    assert!(
        faq.contains("&lt;/script&gt;&lt;script&gt;alert(1337)&lt;/script&gt; zebracorn."),
        "{faq}"
    );
    assert!(
        faq.contains("&lt;img src=x onerror=alert(1337)&gt;"),
        "{faq}"
    );
    // Unsafe links keep their words but lose the link.
    assert!(faq.contains("raw link"), "{faq}");
    let html_tag = tags(&faq).into_iter().find(|t| t.name == "html").unwrap();
    assert_eq!(
        html_tag.attrs,
        [("lang".to_string(), "en\" onload=\"alert(1337)".to_string())],
        "the quote did not break out of the attribute"
    );
    let about = String::from_utf8(files["about/index.html"].clone()).unwrap();
    assert!(
        about.contains("&lt;style&gt;body{background:url(javascript:alert(1337))}&lt;/style&gt;"),
        "{about}"
    );
}

/// Where the one JSON value of a search file starts: at the start, or after an `=`, such that
/// the value runs to the end of the file but for `;` and white space.
fn json_payload(text: &str) -> Option<(usize, serde_json::Value)> {
    let starts = std::iter::once(0).chain(text.match_indices('=').map(|(i, _)| i + 1));
    for start in starts {
        let mut stream =
            serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
        if let Some(Ok(value)) = stream.next() {
            let end = start + stream.byte_offset();
            if text[end..].trim().trim_end_matches(';').trim().is_empty() {
                return Some((start, value));
            }
        }
    }
    None
}

#[test]
fn the_search_index_holds_hostile_text_only_as_data() {
    let (_site, files) = build();
    let search: Vec<(&String, &Vec<u8>)> = files
        .iter()
        .filter(|(p, _)| p.starts_with("search/"))
        .collect();
    let index: Vec<_> = search
        .iter()
        .filter(|(p, _)| !p.ends_with(".html"))
        .collect();
    assert!(!index.is_empty(), "no search index files");
    let mut found_word = false;
    let mut found_attack = false;
    for (path, bytes) in index {
        let text = std::str::from_utf8(bytes).expect("UTF-8 index");
        let (start, value) = json_payload(text)
            .unwrap_or_else(|| panic!("{path}: not one JSON value in a wrapper: {text:.300}"));
        let wrapper = &text[..start];
        assert!(
            !wrapper.contains(MARK) && !wrapper.contains(WORD),
            "{path}: content outside the JSON data: {wrapper}"
        );
        let data = value.to_string();
        found_word |= data.contains(WORD);
        found_attack |= data.contains("</script><script>alert(1337)</script>");
    }
    assert!(found_word, "the hostile entry is not in the search index");
    assert!(
        found_attack,
        "the hostile text is not in the index: the test proves nothing about it"
    );
}

#[test]
fn xml_files_hold_no_markup_from_content() {
    let (_site, files) = build();
    let sitemap = String::from_utf8(files["sitemap.xml"].clone()).unwrap();
    assert!(!sitemap.to_lowercase().contains("<script"), "{sitemap}");
    assert!(sitemap.contains("&lt;script&gt;alert(1337)"), "{sitemap}");
}

#[test]
fn the_scanner_sees_what_a_browser_sees() {
    // The checks above are only as good as the tag reader: it must see injected markup.
    let html = "<p title='a \"b'>x</p><!-- <script>no</script> -->\
        <a href=\"&#106;ava&#x73;cript&colon;alert(1)\">y</a><img src=x onerror=alert(1)>\
        <script>alert(1337)</script><script type=\"application/json\">{\"a\":\"\\u003c\"}</script>\
        <p lang=\"en\" onload=\"x\">";
    let t = tags(html);
    let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["p", "a", "img", "script", "script", "p"]);
    assert_eq!(t[0].attrs, [("title".to_string(), "a \"b".to_string())]);
    assert!(is_script_url(&t[1].attrs[0].1), "{:?}", t[1]);
    assert!(t[2].attrs.iter().any(|(a, _)| a == "onerror"));
    assert_eq!(t[3].raw_text.as_deref(), Some("alert(1337)"));
    assert_eq!(t[4].raw_text.as_deref(), Some("{\"a\":\"\\u003c\"}"));
    assert!(t[5].attrs.iter().any(|(a, _)| a == "onload"));
    let (start, _) = json_payload("(g.X=g.X||{})[\"p/0.js\"]={\"t\":\"=</script>\"};\n").unwrap();
    assert_eq!(start, "(g.X=g.X||{})[\"p/0.js\"]=".len());
    assert!(json_payload("x={\"a\":1};alert(1337)").is_none());
}
