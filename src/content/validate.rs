//! Checks across files, once everything has parsed: unique ids, references that resolve
//! (related entries, stage steps, "must differ from" items, conditions, content links), sane
//! durations and settings. Entries awaiting an answer are warnings.

use std::collections::{BTreeMap, BTreeSet};

use super::links::Target;
use super::model::{Answer, Condition, Id, QuestionKind, Site, Status};
use crate::error::{Diagnostics, Error, Location};
use crate::markdown;

/// Every cross-file problem of `site`.
pub fn validate(site: &Site) -> Diagnostics {
    let mut d = Diagnostics::default();
    check_config(site, &mut d);
    check_timeline(site, &mut d);
    check_process(site, &mut d);
    check_questions(site, &mut d);
    check_checklists(site, &mut d);
    check_faqs(site, &mut d);
    check_pages(site, &mut d);
    d.sort();
    d
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

/// Check the content links of one Markdown text.
fn check_markdown(
    site: &Site,
    text: &str,
    at: &Location,
    line_offset: Option<usize>,
    d: &mut Diagnostics,
) {
    for (dest, offset) in markdown::links(text) {
        let place = match line_offset {
            Some(lines) => Location::from_offset(&at.file, text, offset).shifted(lines),
            None => at.clone(),
        };
        check_link(site, &dest, place, d);
    }
}

fn check_link(site: &Site, dest: &str, place: Location, d: &mut Diagnostics) {
    match Target::parse(dest) {
        None => {}
        Some(Err(problem)) => d.push(Error::new(problem).at(place)),
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

fn check_config(site: &Site, d: &mut Diagnostics) {
    let c = &site.config;
    let file = Location::new(&site.config_file, 1, 1);
    if c.language.trim().is_empty() {
        d.push(
            err("`language` is empty".into(), Some(&file))
                .hint("write a language tag such as zh-Hant"),
        );
    }
    if let Some(url) = &c.base_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            d.push(
                err(
                    format!("`base_url` `{url}` is not an http(s) URL"),
                    Some(&file),
                )
                .hint("write the full address, e.g. https://kb.example.org/guide/"),
            );
        }
    }
    if let Some(intro) = &c.intro {
        check_markdown(site, intro, &file, None, d);
    }
}

fn check_timeline(site: &Site, d: &mut Diagnostics) {
    let Some(t) = &site.timeline else { return };
    unique(
        "milestone",
        t.milestones.iter().map(|m| (&m.id, m.loc.as_ref())),
        d,
    );
    for m in &t.milestones {
        if let (Some(detail), Some(loc)) = (&m.detail, &m.loc) {
            check_markdown(site, detail, loc, None, d);
        }
    }
}

fn check_process(site: &Site, d: &mut Diagnostics) {
    let Some(p) = &site.process else { return };
    unique("stage", p.stages.iter().map(|s| (&s.id, s.loc.as_ref())), d);
    unique("step", p.steps.iter().map(|s| (&s.id, s.loc.as_ref())), d);
    let steps: BTreeSet<&Id> = p.steps.iter().map(|s| &s.id).collect();
    for stage in &p.stages {
        for s in stage.steps.iter().filter(|s| !steps.contains(s)) {
            d.push(
                err(
                    format!(
                        "stage `{}` names step `{s}`, which does not exist",
                        stage.id
                    ),
                    stage.loc.as_ref(),
                )
                .hint(format!("the steps are: {}", join(steps.iter()))),
            );
        }
    }
    for s in &p.steps {
        if let Some(dur) = &s.duration {
            if dur.min.is_some_and(|min| min > dur.max) {
                d.push(
                    err(
                        format!(
                            "step `{}`: duration min {} is above max {}",
                            s.id,
                            dur.min.unwrap_or(0),
                            dur.max
                        ),
                        s.loc.as_ref(),
                    )
                    .hint("swap the two numbers"),
                );
            }
        }
        if let (Some(body), Some(loc)) = (&s.body, &s.loc) {
            check_markdown(site, body, loc, None, d);
        }
    }
}

fn check_questions(site: &Site, d: &mut Diagnostics) {
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
        check_condition(site, &q.when, q.loc.as_ref(), d);
        if let (Some(help), Some(loc)) = (&q.help, &q.loc) {
            check_markdown(site, help, loc, None, d);
        }
    }
}

/// Each key of a condition names a question, and each value is one of its answers.
fn check_condition(site: &Site, when: &Condition, loc: Option<&Location>, d: &mut Diagnostics) {
    for (qid, answer) in when {
        let Some(q) = site.question(qid.as_str()) else {
            d.push(
                err(
                    format!("condition on `{qid}`, which is not a question"),
                    loc,
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
            d.push(
                err(
                    format!("`{answer}` is not an answer to question `{qid}`"),
                    loc,
                )
                .hint(format!("the answers are: {allowed}")),
            );
        }
    }
}

fn check_checklists(site: &Site, d: &mut Diagnostics) {
    unique(
        "checklist",
        site.checklists.iter().map(|c| (&c.id, c.loc.as_ref())),
        d,
    );
    let subjects: Option<Vec<&String>> = site
        .question("subject")
        .map(|q| q.options.iter().map(|o| &o.value).collect());
    for list in &site.checklists {
        if let (Some(subject), Some(allowed)) = (&list.subject, &subjects) {
            if !allowed.contains(&subject) {
                d.push(err(format!("checklist `{}`: subject `{subject}` is not an answer to question `subject`", list.id), list.loc.as_ref())
                    .hint(format!("the answers are: {}", join(allowed.iter()))));
            }
        }
        unique(
            "item",
            list.items.iter().map(|i| (&i.id, i.loc.as_ref())),
            d,
        );
        let ids: BTreeSet<&Id> = list.items.iter().map(|i| &i.id).collect();
        for item in &list.items {
            if let Some(other) = &item.constraints.differs_from {
                if !ids.contains(other) || other == &item.id {
                    d.push(err(format!("item `{}`: `differs_from` names `{other}`, which is not another item of checklist `{}`", item.id, list.id), item.loc.as_ref())
                        .hint(format!("the items are: {}", join(ids.iter()))));
                }
            }
            check_condition(site, &item.when, item.loc.as_ref(), d);
            if let Some(loc) = &item.loc {
                if let Some(detail) = &item.detail {
                    check_markdown(site, detail, loc, None, d);
                }
                if let Some(source) = &item.source {
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
            check_markdown(site, intro, loc, None, d);
        }
    }
}

fn check_faqs(site: &Site, d: &mut Diagnostics) {
    unique(
        "FAQ",
        site.faqs.iter().map(|f| (&f.meta.id, Some(&f.loc))),
        d,
    );
    let ids: BTreeSet<&Id> = site.faqs.iter().map(|f| &f.meta.id).collect();
    for f in &site.faqs {
        for r in &f.meta.related {
            if r == &f.meta.id {
                d.push(Error::new(format!("FAQ `{r}` lists itself as related")).at(f.loc.clone()));
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
                        .at(f.loc.clone())
                        .hint(hint),
                );
            }
        }
        if f.meta.status == Status::Awaiting {
            d.push(
                Error::warning(format!("FAQ `{}` is awaiting an answer", f.meta.id))
                    .at(f.loc.clone())
                    .hint("it is published with a notice that the answer is not yet known"),
            );
        }
        check_markdown(site, &f.body, &f.loc, Some(f.body_line), d);
    }
}

fn check_pages(site: &Site, d: &mut Diagnostics) {
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
        check_markdown(site, &p.body, &p.loc, Some(p.body_line), d);
    }
}

fn join<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
