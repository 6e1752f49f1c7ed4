//! The search documents of a site: every FAQ entry, process step, milestone, checklist (its page)
//! and checklist item, and free page, each pointing at its page and anchor.

use rayon::prelude::*;

use super::SearchDoc;
use crate::content::links::Target;
use crate::content::model::Site;
use crate::markdown::plain_text;

fn text(md: Option<&str>) -> String {
    md.map(plain_text).unwrap_or_default()
}

/// Every searchable document of `site`, in a stable order (the FAQ entries, the most, read in
/// parallel).
pub fn documents(site: &Site) -> Vec<SearchDoc> {
    let faq_section = &site.config.sections.faq;
    let mut docs: Vec<SearchDoc> = site
        .faqs
        .par_iter()
        .map(|f| SearchDoc {
            url: Target::Faq(f.meta.id.0.clone()).path(),
            title: f.meta.title.clone(),
            section: faq_section.clone(),
            text: plain_text(&f.body),
            keywords: f.meta.tags.join(" "),
        })
        .collect();
    if let Some(p) = &site.process {
        for (i, s) in p.steps.iter().enumerate() {
            docs.push(SearchDoc {
                url: Target::Step(s.id.0.clone()).path(),
                title: format!("{}. {}", i + 1, s.title),
                section: p.title.clone(),
                text: text(s.body.as_deref()),
                keywords: String::new(),
            });
        }
    }
    if let Some(t) = &site.timeline {
        for m in &t.milestones {
            docs.push(SearchDoc {
                url: Target::Milestone(m.id.0.clone()).path(),
                title: m.title.clone(),
                section: t.title.clone(),
                text: format!("{} {}", m.date, text(m.detail.as_deref())),
                keywords: String::new(),
            });
        }
    }
    for c in &site.checklists {
        docs.push(SearchDoc {
            url: Target::Checklist(c.id.0.clone()).path(),
            title: c.title.clone(),
            section: site.config.sections.checklists.clone(),
            text: text(c.intro.as_deref()),
            keywords: String::new(),
        });
        for i in &c.items {
            docs.push(SearchDoc {
                url: Target::Item(c.id.0.clone(), i.id.0.clone()).path(),
                title: i.title.clone(),
                section: c.title.clone(),
                text: text(i.detail.as_deref()),
                keywords: String::new(),
            });
        }
    }
    for p in &site.pages {
        docs.push(SearchDoc {
            url: Target::Page(p.meta.id.0.clone()).path(),
            title: p.meta.title.clone(),
            section: site.config.title.clone(),
            text: plain_text(&p.body),
            keywords: String::new(),
        });
    }
    docs
}
