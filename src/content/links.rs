//! Content links (`faq:<id>`, `step:<id>`, `item:<list>/<item>` …) and the output path of every
//! addressable thing. The one place that knows the site's URL layout.

use super::model::Site;

/// Something a page can link to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Home,
    Timeline,
    Milestone(String),
    Process,
    Step(String),
    Checklists,
    Checklist(String),
    Item(String, String),
    Faqs,
    Faq(String),
    Page(String),
    Search,
}

impl Target {
    /// Parse a Markdown link destination. `None`: not a content link (an ordinary URL);
    /// `Some(Err)`: a content link that is malformed.
    pub fn parse(dest: &str) -> Option<Result<Target, String>> {
        let (scheme, rest) = dest.split_once(':')?;
        let id = || {
            if rest.is_empty() {
                Err(format!("`{dest}` needs an id after `{scheme}:`"))
            } else {
                Ok(rest.to_string())
            }
        };
        let t = match scheme {
            "home" => Ok(Target::Home),
            "timeline" => Ok(Target::Timeline),
            "process" => Ok(Target::Process),
            "search" => Ok(Target::Search),
            "milestone" => id().map(Target::Milestone),
            "step" => id().map(Target::Step),
            "page" => id().map(Target::Page),
            "faq" if rest.is_empty() => Ok(Target::Faqs),
            "faq" => Ok(Target::Faq(rest.into())),
            "checklist" if rest.is_empty() => Ok(Target::Checklists),
            "checklist" => Ok(Target::Checklist(rest.into())),
            "item" => match rest.split_once('/') {
                Some((l, i)) if !l.is_empty() && !i.is_empty() => {
                    Ok(Target::Item(l.into(), i.into()))
                }
                _ => Err(format!(
                    "`{dest}` must name a checklist and an item: item:<list>/<item>"
                )),
            },
            _ => return None,
        };
        Some(t)
    }

    /// The path of the target relative to the site root, with `index.html` spelled out so that
    /// links work from disk too, and the anchor when it has one.
    pub fn path(&self) -> String {
        match self {
            Target::Home => "index.html".into(),
            Target::Timeline => "timeline/index.html".into(),
            Target::Milestone(id) => format!("timeline/index.html#{id}"),
            Target::Process => "process/index.html".into(),
            Target::Step(id) => format!("process/index.html#{id}"),
            Target::Checklists => "checklists/index.html".into(),
            Target::Checklist(id) => format!("checklists/{id}/index.html"),
            Target::Item(list, item) => format!("checklists/{list}/index.html#{item}"),
            Target::Faqs => "faq/index.html".into(),
            Target::Faq(id) => format!("faq/{id}/index.html"),
            Target::Page(id) => format!("{id}/index.html"),
            Target::Search => "search/index.html".into(),
        }
    }

    /// Whether the site has this target.
    pub fn exists_in(&self, site: &Site) -> bool {
        match self {
            Target::Home | Target::Faqs | Target::Search => true,
            Target::Timeline => site.timeline.is_some(),
            Target::Process => site.process.is_some(),
            Target::Checklists => !site.checklists.is_empty(),
            Target::Milestone(id) => site
                .timeline
                .as_ref()
                .is_some_and(|t| t.milestones.iter().any(|m| m.id.as_str() == id)),
            Target::Step(id) => site
                .process
                .as_ref()
                .is_some_and(|p| p.steps.iter().any(|s| s.id.as_str() == id)),
            Target::Checklist(id) => site.checklists.iter().any(|c| c.id.as_str() == id),
            Target::Item(list, item) => site
                .checklists
                .iter()
                .any(|c| c.id.as_str() == list && c.items.iter().any(|i| i.id.as_str() == item)),
            Target::Faq(id) => site.faq(id).is_some(),
            Target::Page(id) => site.pages.iter().any(|p| p.meta.id.as_str() == id),
        }
    }
}

/// A link destination that is never followed: script and data URLs.
pub fn is_unsafe_url(dest: &str) -> bool {
    let lower: String = dest
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| lower.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_links() {
        assert_eq!(Target::parse("faq:a"), Some(Ok(Target::Faq("a".into()))));
        assert_eq!(Target::parse("faq:"), Some(Ok(Target::Faqs)));
        assert_eq!(
            Target::parse("item:individual/id-card")
                .unwrap()
                .unwrap()
                .path(),
            "checklists/individual/index.html#id-card"
        );
        assert!(Target::parse("item:x").unwrap().is_err());
        assert_eq!(Target::parse("https://example.org"), None);
        assert_eq!(Target::parse("../a.html"), None);
    }

    #[test]
    fn script_urls_are_unsafe() {
        assert!(is_unsafe_url("javascript:alert(1)"));
        assert!(is_unsafe_url(" JavaScript:alert(1)"));
        assert!(is_unsafe_url("java\tscript:alert(1)"));
        assert!(!is_unsafe_url("https://example.org"));
    }
}
