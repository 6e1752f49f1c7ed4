//! Checks across files, once everything has parsed: unique ids, references that resolve
//! (related entries, stage steps, "must differ from" items, conditions, content links), sane
//! durations and settings. Entries awaiting an answer are warnings.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::links::Target;
use super::model::{Answer, Condition, Id, QuestionKind, Site, Status};
use crate::error::{Diagnostics, Error, Location};
use crate::markdown;

/// Every cross-file problem of `site`.
pub fn validate(site: &Site) -> Diagnostics {
    let mut d = Diagnostics::default();
    let at = Finder::default();
    check_config(site, &at, &mut d);
    check_timeline(site, &at, &mut d);
    check_process(site, &at, &mut d);
    check_questions(site, &at, &mut d);
    check_checklists(site, &at, &mut d);
    check_faqs(site, &at, &mut d);
    check_pages(site, &at, &mut d);
    d.sort();
    d
}

/// Finds the exact place of a value that a problem is about (a `related` id, a link) in the
/// object's file, from the object's own location: the parsed model keeps only where each object
/// starts. Files are read once.
#[derive(Default)]
struct Finder {
    texts: RefCell<HashMap<PathBuf, Option<String>>>,
}

impl Finder {
    /// The place of `path[last]`, found by looking for each of `path` in turn, as whole words,
    /// from the line of `from`; `from` itself when the text is not found.
    fn find(&self, from: &Location, path: &[&str]) -> Location {
        self.try_find(from, path).unwrap_or_else(|| from.clone())
    }

    fn try_find(&self, from: &Location, path: &[&str]) -> Option<Location> {
        let mut texts = self.texts.borrow_mut();
        let text = texts
            .entry(from.file.clone())
            .or_insert_with(|| super::source::read_text(&from.file).ok())
            .as_deref()?;
        let mut pos: usize = text
            .split_inclusive('\n')
            .take(from.line - 1)
            .map(str::len)
            .sum();
        for needle in path {
            pos = find_word(text, pos, needle)?;
        }
        Some(Location::from_offset(&from.file, text, pos))
    }

    /// The start of a file, to search a whole file from.
    fn file(path: &Path) -> Location {
        Location::new(path, 1, 1)
    }
}

/// The offset of `needle` at or after `from` in `text`, not inside a longer id or word.
fn find_word(text: &str, from: usize, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut start = from.min(text.len());
    while let Some(i) = text.get(start..)?.find(needle) {
        let at = start + i;
        let end = at + needle.len();
        let before_ok =
            !needle.starts_with(is_word) || !text[..at].chars().next_back().is_some_and(is_word);
        let after_ok = !needle.ends_with(is_word) || !text[end..].starts_with(is_word);
        if before_ok && after_ok {
            return Some(at);
        }
        start = at + needle.chars().next().map_or(1, char::len_utf8);
    }
    None
}

fn err(message: String, loc: Option<&Location>) -> Error {
    let e = Error::new(message);
    match loc {
        Some(l) => e.at(l.clone()),
        None => e,
    }
}

/// Report the second and later uses of an id.
fn unique<'a>(
    what: &str,
    items: impl Iterator<Item = (&'a Id, Option<&'a Location>)>,
    d: &mut Diagnostics,
) {
    let mut seen: BTreeMap<&Id, Option<&Location>> = BTreeMap::new();
    for (id, loc) in items {
        if let Some(first) = seen.get(id) {
            let where_first = first.map_or(String::new(), |l| format!(" (first used at {l})"));
            d.push(
                err(format!("duplicate {what} id `{id}`{where_first}"), loc)
                    .hint("ids must be unique: they make URLs and keep customers' ticks"),
            );
        } else {
            seen.insert(id, loc);
        }
    }
}

/// Check the content links of one Markdown text: the body of a Markdown file, whose first line
/// is line `line_offset + 1` of `at.file`, or (`None`) a YAML field of the object at `at`.
fn check_markdown(
    site: &Site,
    finder: &Finder,
    text: &str,
    at: &Location,
    line_offset: Option<usize>,
    d: &mut Diagnostics,
) {
    for (dest, offset) in markdown::links(text) {
        let place = match line_offset {
            Some(lines) => Location::from_offset(&at.file, text, offset).shifted(lines),
            None => finder.find(at, &[&dest]),
        };
        check_link(site, &dest, place, d);
    }
}

fn check_link(site: &Site, dest: &str, place: Location, d: &mut Diagnostics) {
    match Target::parse(dest) {
        None => {}
        Some(Err(problem)) => d.push(Error::new(problem).at(place).hint(
            "see docs/content.md for the link forms, e.g. faq:<id>, item:<checklist-id>/<item-id>",
        )),
        Some(Ok(target)) if !target.exists_in(site) => d.push(
            Error::new(format!(
                "link `{dest}` goes nowhere: the site has no such entry"
            ))
            .at(place)
            .hint("check the id; links name ids, not titles or file names"),
        ),
        Some(Ok(_)) => {}
    }
}

fn check_config(site: &Site, at: &Finder, d: &mut Diagnostics) {
    let c = &site.config;
    let file = Finder::file(&site.config_file);
    if c.language.trim().is_empty() {
        d.push(
            err(
                "`language` is empty".into(),
                Some(&at.find(&file, &["language"])),
            )
            .hint("write a language tag such as zh-Hant"),
        );
    }
    if let Some(url) = &c.base_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        d.push(
            err(
                format!("`base_url` `{url}` is not an http(s) URL"),
                Some(&at.find(&file, &["base_url", url])),
            )
            .hint("write the full address, e.g. https://kb.example.org/guide/"),
        );
    }
    if let Some(intro) = &c.intro {
        check_markdown(site, at, intro, &file, None, d);
    }
}

fn check_timeline(site: &Site, at: &Finder, d: &mut Diagnostics) {
    let Some(t) = &site.timeline else { return };
    unique(
        "milestone",
        t.milestones.iter().map(|m| (&m.id, m.loc.as_ref())),
        d,
    );
    for m in &t.milestones {
        if let (Some(detail), Some(loc)) = (&m.detail, &m.loc) {
            check_markdown(site, at, detail, loc, None, d);
        }
    }
}

fn check_process(site: &Site, at: &Finder, d: &mut Diagnostics) {
    let Some(p) = &site.process else { return };
    unique("stage", p.stages.iter().map(|s| (&s.id, s.loc.as_ref())), d);
    unique("step", p.steps.iter().map(|s| (&s.id, s.loc.as_ref())), d);
    let steps: BTreeSet<&Id> = p.steps.iter().map(|s| &s.id).collect();
    for stage in &p.stages {
        for s in stage.steps.iter().filter(|s| !steps.contains(s)) {
            let place = stage
                .loc
                .as_ref()
                .map(|l| at.find(l, &["steps", s.as_str()]));
            d.push(
                err(
                    format!(
                        "stage `{}` names step `{s}`, which does not exist",
                        stage.id
                    ),
                    place.as_ref(),
                )
                .hint(format!("the steps are: {}", join(steps.iter()))),
            );
        }
    }
    for s in &p.steps {
        if let Some(dur) = &s.duration
            && let Some(min) = dur.min.filter(|&min| min > dur.max)
        {
            d.push(
                err(
                    format!(
                        "step `{}`: duration min {min} is above max {}",
                        s.id, dur.max
                    ),
                    s.loc
                        .as_ref()
                        .map(|l| at.find(l, &["duration", "min"]))
                        .as_ref(),
                )
                .hint("swap the two numbers"),
            );
        }
        if let (Some(body), Some(loc)) = (&s.body, &s.loc) {
            check_markdown(site, at, body, loc, None, d);
        }
    }
}

fn check_questions(site: &Site, at: &Finder, d: &mut Diagnostics) {
    unique(
        "question",
        site.questions.iter().map(|q| (&q.id, q.loc.as_ref())),
        d,
    );
    for q in &site.questions {
        match q.kind {
            QuestionKind::Choice if q.options.len() < 2 => d.push(
                err(
                    format!("question `{}` needs at least two options", q.id),
                    q.loc.as_ref(),
                )
                .hint("add `options`, or write `type: boolean` for a yes/no question"),
            ),
            QuestionKind::Boolean if !q.options.is_empty() => d.push(
                err(
                    format!("question `{}` is yes/no but has options", q.id),
                    q.loc.as_ref(),
                )
                .hint("remove `options` or `type: boolean`"),
            ),
            _ => {}
        }
        check_condition(site, at, &q.when, q.loc.as_ref(), d);
        if let (Some(help), Some(loc)) = (&q.help, &q.loc) {
            check_markdown(site, at, help, loc, None, d);
        }
    }
}

/// Each key of a condition names a question, and each value is one of its answers.
fn check_condition(
    site: &Site,
    at: &Finder,
    when: &Condition,
    loc: Option<&Location>,
    d: &mut Diagnostics,
) {
    for (qid, answer) in when {
        let key = loc.map(|l| at.find(l, &["when", qid.as_str()]));
        let Some(q) = site.question(qid.as_str()) else {
            d.push(
                err(
                    format!("condition on `{qid}`, which is not a question"),
                    key.as_ref(),
                )
                .hint(format!(
                    "the questions (questions.yaml) are: {}",
                    join(site.questions.iter().map(|q| &q.id))
                )),
            );
            continue;
        };
        let fits = match (q.kind, answer) {
            (QuestionKind::Boolean, Answer::Bool(_)) => true,
            (QuestionKind::Choice, Answer::Value(v)) => q.options.iter().any(|o| &o.value == v),
            _ => false,
        };
        if !fits {
            let allowed = match q.kind {
                QuestionKind::Boolean => "true, false".to_string(),
                QuestionKind::Choice => join(q.options.iter().map(|o| &o.value)),
            };
            let value = key
                .as_ref()
                .map(|k| at.find(k, &[qid.as_str(), &answer.to_string()]));
            d.push(
                err(
                    format!("`{answer}` is not an answer to question `{qid}`"),
                    value.as_ref(),
                )
                .hint(format!("the answers are: {allowed}")),
            );
        }
    }
}

fn check_checklists(site: &Site, at: &Finder, d: &mut Diagnostics) {
    unique(
        "checklist",
        site.checklists.iter().map(|c| (&c.id, c.loc.as_ref())),
        d,
    );
    let subjects: Option<Vec<&String>> = site
        .question("subject")
        .map(|q| q.options.iter().map(|o| &o.value).collect());
    for list in &site.checklists {
        if let (Some(subject), Some(allowed)) = (&list.subject, &subjects)
            && !allowed.contains(&subject)
        {
            let place = list
                .loc
                .as_ref()
                .map(|l| at.find(&Finder::file(&l.file), &["subject", subject]));
            d.push(
                err(
                    format!(
                        "checklist `{}`: subject `{subject}` is not an answer to question `subject`",
                        list.id
                    ),
                    place.as_ref(),
                )
                .hint(format!("the answers are: {}", join(allowed.iter()))),
            );
        }
        unique(
            "item",
            list.items.iter().map(|i| (&i.id, i.loc.as_ref())),
            d,
        );
        let ids: BTreeSet<&Id> = list.items.iter().map(|i| &i.id).collect();
        for item in &list.items {
            if let Some(other) = &item.constraints.differs_from
                && (!ids.contains(other) || other == &item.id)
            {
                let place = item
                    .loc
                    .as_ref()
                    .map(|l| at.find(l, &["differs_from", other.as_str()]));
                d.push(
                    err(
                        format!(
                            "item `{}`: `differs_from` names `{other}`, which is not another item of checklist `{}`",
                            item.id, list.id
                        ),
                        place.as_ref(),
                    )
                    .hint(format!("the items are: {}", join(ids.iter()))),
                );
            }
            check_condition(site, at, &item.when, item.loc.as_ref(), d);
            if let Some(loc) = &item.loc {
                if let Some(detail) = &item.detail {
                    check_markdown(site, at, detail, loc, None, d);
                }
                if let Some(source) = &item.source {
                    let loc = &at.find(loc, &["source", source]);
                    match Target::parse(source) {
                        None => d.push(
                            err(
                                format!(
                                    "item `{}`: `source` `{source}` is not a content link",
                                    item.id
                                ),
                                Some(loc),
                            )
                            .hint("write e.g. faq:<id> or step:<id>"),
                        ),
                        Some(_) => check_link(site, source, loc.clone(), d),
                    }
                }
            }
        }
        if let (Some(intro), Some(loc)) = (&list.intro, &list.loc) {
            check_markdown(site, at, intro, &Finder::file(&loc.file), None, d);
        }
    }
}

fn check_faqs(site: &Site, at: &Finder, d: &mut Diagnostics) {
    unique(
        "FAQ",
        site.faqs.iter().map(|f| (&f.meta.id, Some(&f.loc))),
        d,
    );
    let ids: BTreeSet<&Id> = site.faqs.iter().map(|f| &f.meta.id).collect();
    for f in &site.faqs {
        let file = Finder::file(&f.loc.file);
        for r in &f.meta.related {
            let place = at.find(&file, &["related", r.as_str()]);
            if r == &f.meta.id {
                d.push(
                    Error::new(format!("FAQ `{r}` lists itself as related"))
                        .at(place)
                        .hint("remove it from `related`"),
                );
            } else if !ids.contains(r) {
                let near = ids
                    .iter()
                    .min_by_key(|i| strsim::levenshtein(i.as_str(), r.as_str()))
                    .filter(|i| strsim::levenshtein(i.as_str(), r.as_str()) <= 3);
                let hint = match near {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => "name the id of an existing FAQ entry".into(),
                };
                d.push(
                    Error::new(format!("related entry `{r}` does not exist"))
                        .at(place)
                        .hint(hint),
                );
            }
        }
        if f.meta.status == Status::Awaiting {
            d.push(
                Error::warning(format!("FAQ `{}` is awaiting an answer", f.meta.id))
                    .at(at.find(&file, &["status", "awaiting"]))
                    .hint("it is published with a notice that the answer is not yet known"),
            );
        }
        check_markdown(site, at, &f.body, &f.loc, Some(f.body_line), d);
    }
}

fn check_pages(site: &Site, at: &Finder, d: &mut Diagnostics) {
    unique(
        "page",
        site.pages.iter().map(|p| (&p.meta.id, Some(&p.loc))),
        d,
    );
    const RESERVED: [&str; 7] = [
        "faq",
        "checklists",
        "process",
        "timeline",
        "search",
        "static",
        "assets",
    ];
    for p in &site.pages {
        if RESERVED.contains(&p.meta.id.as_str()) {
            d.push(
                Error::new(format!(
                    "page id `{}` is reserved for a section of the site",
                    p.meta.id
                ))
                .at(p.loc.clone())
                .hint("choose another id"),
            );
        }
        check_markdown(site, at, &p.body, &p.loc, Some(p.body_line), d);
    }
}

fn join<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_whole() {
        let text = "related: [free-of-charge, free]\n";
        assert_eq!(find_word(text, 0, "free"), Some(26));
        assert_eq!(find_word(text, 0, "free-of-charge"), Some(10));
        assert_eq!(find_word(text, 0, "charge"), None);
        assert_eq!(
            find_word("[x](faq:fees) [y](faq:fee)", 0, "faq:fee"),
            Some(18)
        );
        assert_eq!(find_word("備a", 0, "a"), None);
    }
}
