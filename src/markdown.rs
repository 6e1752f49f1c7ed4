//! Markdown: pulldown-cmark with kbgen's options and small event transforms. Raw HTML becomes
//! text, content links (`faq:<id>` …) become relative URLs, script URLs are dropped, and plain
//! text is extracted for the search index.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::content::links::{Target, is_unsafe_url};

fn options() -> Options {
    Options::ENABLE_TABLES
}

/// Every link and image destination of `text` with its byte offset.
pub fn links(text: &str) -> Vec<(String, usize)> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some((dest_url.into_string(), range.start))
            }
            _ => None,
        })
        .collect()
}

/// Render `text` to HTML; `root` is the relative path from the page to the site root.
pub fn to_html(text: &str, root: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, transform(Parser::new_ext(text, options()), root));
    out
}

/// The transforms: raw HTML as text, content links resolved, unsafe links unwrapped.
fn transform<'a>(
    events: impl Iterator<Item = Event<'a>>,
    root: &'a str,
) -> impl Iterator<Item = Event<'a>> {
    // For each open link: whether its tags were dropped.
    let mut dropped: Vec<bool> = Vec::new();
    events.filter_map(move |event| match event {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => match resolve(&dest_url, root) {
            Some(url) => {
                dropped.push(false);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url: url,
                    title,
                    id,
                }))
            }
            None => {
                dropped.push(true);
                None
            }
        },
        Event::End(TagEnd::Link) => match dropped.pop() {
            Some(true) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = resolve(&dest_url, root).unwrap_or(CowStr::Borrowed(""));
            Some(Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        other => Some(other),
    })
}

/// The URL a link destination becomes; `None` for one that must not be followed.
fn resolve<'a>(dest: &CowStr<'a>, root: &str) -> Option<CowStr<'a>> {
    if is_unsafe_url(dest) {
        return None;
    }
    match Target::parse(dest) {
        Some(Ok(t)) => Some(CowStr::from(format!("{root}{}", t.path()))),
        Some(Err(_)) => None,
        None => Some(dest.clone()),
    }
}

/// The text of `text` without markup, blocks separated by newlines, for search and summaries.
pub fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for event in Parser::new_ext(text, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::Heading(_) | TagEnd::TableCell,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = to_html(
            "a <script>alert(1)</script> b\n\n<div onclick=x>c</div>\n",
            "",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn content_links_become_relative() {
        let html = to_html("見[第14題](faq:residence-permit)。", "../../");
        assert!(
            html.contains(r#"<a href="../../faq/residence-permit/index.html">第14題</a>"#),
            "{html}"
        );
    }

    #[test]
    fn script_links_are_unwrapped() {
        let html = to_html(
            "[點我](javascript:alert(1)) 與 [好](https://example.org)",
            "",
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("點我"));
        assert!(html.contains(r#"href="https://example.org""#));
    }

    #[test]
    fn attribute_quotes_are_escaped() {
        let html = to_html(r#"[x](https://a.org/"onmouseover="alert(1) "t")"#, "");
        assert!(!html.contains(r#""onmouseover=""#), "{html}");
    }

    #[test]
    fn links_report_offsets() {
        let l = links("前文 [a](faq:x)\n");
        assert_eq!(l, vec![("faq:x".to_string(), "前文 ".len())]);
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("**粗體**與[連結](faq:a)\n\n- 一\n- 二"),
            "粗體與連結\n一\n二"
        );
    }
}
