//! Rendering: the Tera environment built from a theme, the list of pages a site has, and the
//! context each page's template gets. Contexts hold data, not wording: every visible string that
//! is not content lives in the templates, so another edition needs only other templates.

use std::collections::BTreeMap;

use serde::Serialize;
use tera::{Context, Tera, Value};

use crate::content::links::Target;
use crate::content::model::{
    Answer, Checklist, Condition, Date, Duration, DurationUnit, Faq, Item, QuestionKind, Site,
    SourceInfo, Status,
};
use crate::error::{Diagnostics, Error};
use crate::markdown;
use crate::theme::Theme;

/// One output page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageRef {
    Home,
    Timeline,
    Process,
    Checklists,
    Checklist(usize),
    Faqs,
    Faq(usize),
    Page(usize),
    Search,
    NotFound,
}

impl PageRef {
    /// Every page of `site`.
    pub fn all(site: &Site) -> Vec<PageRef> {
        let mut pages = vec![
            PageRef::Home,
            PageRef::Faqs,
            PageRef::Search,
            PageRef::NotFound,
        ];
        if site.timeline.is_some() {
            pages.push(PageRef::Timeline);
        }
        if site.process.is_some() {
            pages.push(PageRef::Process);
        }
        if !site.checklists.is_empty() {
            pages.push(PageRef::Checklists);
        }
        pages.extend((0..site.checklists.len()).map(PageRef::Checklist));
        pages.extend((0..site.faqs.len()).map(PageRef::Faq));
        pages.extend((0..site.pages.len()).map(PageRef::Page));
        pages
    }

    /// The output path of the page, relative to the site root.
    pub fn path(&self, site: &Site) -> String {
        match self.target(site) {
            Some(t) => t.path(),
            None => "404.html".into(),
        }
    }

    fn target(&self, site: &Site) -> Option<Target> {
        Some(match *self {
            PageRef::Home => Target::Home,
            PageRef::Timeline => Target::Timeline,
            PageRef::Process => Target::Process,
            PageRef::Checklists => Target::Checklists,
            PageRef::Checklist(i) => Target::Checklist(site.checklists[i].id.0.clone()),
            PageRef::Faqs => Target::Faqs,
            PageRef::Faq(i) => Target::Faq(site.faqs[i].meta.id.0.clone()),
            PageRef::Page(i) => Target::Page(site.pages[i].meta.id.0.clone()),
            PageRef::Search => Target::Search,
            PageRef::NotFound => return None,
        })
    }

    fn template(&self) -> &'static str {
        match self {
            PageRef::Home => "index.html",
            PageRef::Timeline => "timeline.html",
            PageRef::Process => "process.html",
            PageRef::Checklists => "checklists.html",
            PageRef::Checklist(_) => "checklist.html",
            PageRef::Faqs => "faq_index.html",
            PageRef::Faq(_) => "faq.html",
            PageRef::Page(_) => "page.html",
            PageRef::Search => "search.html",
            PageRef::NotFound => "404.html",
        }
    }

    /// The section of the navigation the page belongs to.
    fn section(&self) -> &'static str {
        match self {
            PageRef::Home => "home",
            PageRef::Timeline => "timeline",
            PageRef::Process => "process",
            PageRef::Checklists | PageRef::Checklist(_) => "checklists",
            PageRef::Faqs | PageRef::Faq(_) => "faq",
            PageRef::Page(_) => "page",
            PageRef::Search => "search",
            PageRef::NotFound => "",
        }
    }
}

/// The relative path from a page at `path` to the site root: `""`, `"../"`, `"../../"` …
pub fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// Templates ready to render a site's pages.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    pub fn new(theme: &Theme) -> Result<Renderer, Diagnostics> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        tera.set_escape_fn(escape_html);
        tera.register_filter("script_json", script_json);
        let templates = theme
            .templates
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()));
        tera.add_raw_templates(templates.collect::<Vec<_>>())
            .map_err(|e| Diagnostics::from(template_error(&e)))?;
        Ok(Renderer { tera })
    }

    /// Render one page of `site`.
    pub fn page(&self, site: &Site, page: PageRef) -> Result<String, Error> {
        let path = page.path(site);
        let ctx = context(site, page, &path);
        self.tera
            .render(page.template(), &ctx)
            .map_err(|e| template_error(&e))
    }

    /// Render a non-page template (`sitemap.xml`, `robots.txt`) with the site context.
    pub fn extra(&self, site: &Site, template: &str, pages: &[String]) -> Result<String, Error> {
        let mut ctx = base_context(site, "", "");
        ctx.insert("pages", pages);
        self.tera
            .render(template, &ctx)
            .map_err(|e| template_error(&e))
    }
}

/// HTML escaping of text and attribute values. Unlike Tera's default it leaves `/` alone, so that
/// URLs stay readable in the output.
fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// A Tera error with its whole cause chain (template name, line and column are in it).
fn template_error(e: &tera::Error) -> Error {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    Error::new(format!("template error: {msg}"))
        .hint("fix the template in templates/ or themes/; the content itself is fine")
}

/// JSON for a `<script type="application/json">` element: `<`, `>` and `&` escaped so that no
/// content can close the element.
fn script_json(value: &Value, _: &std::collections::HashMap<String, Value>) -> tera::Result<Value> {
    let json = serde_json::to_string(value).map_err(tera::Error::json)?;
    let safe = json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    Ok(Value::String(safe))
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    language: &'a str,
    base_url: Option<&'a str>,
    source: Option<&'a SourceInfo>,
    sections: &'a crate::content::model::SectionTitles,
    has_timeline: bool,
    has_process: bool,
    has_checklists: bool,
    pages: Vec<LinkView>,
}

#[derive(Serialize, Clone)]
struct LinkView {
    title: String,
    href: String,
}

fn link(title: &str, target: &Target, root: &str) -> LinkView {
    LinkView {
        title: title.to_string(),
        href: format!("{root}{}", target.path()),
    }
}

fn base_context(site: &Site, root: &str, section: &str) -> Context {
    let c = &site.config;
    let mut ctx = Context::new();
    ctx.insert(
        "site",
        &SiteView {
            title: &c.title,
            description: &c.description,
            language: &c.language,
            base_url: c.base_url.as_deref(),
            source: c.source.as_ref(),
            sections: &c.sections,
            has_timeline: site.timeline.is_some(),
            has_process: site.process.is_some(),
            has_checklists: !site.checklists.is_empty(),
            pages: site
                .pages
                .iter()
                .map(|p| link(&p.meta.title, &Target::Page(p.meta.id.0.clone()), root))
                .collect(),
        },
    );
    ctx.insert("root", root);
    ctx.insert("section", section);
    ctx
}

fn context(site: &Site, page: PageRef, path: &str) -> Context {
    // The 404 page is served at any depth: with a base URL its links are absolute.
    let root = match (page, &site.config.base_url) {
        (PageRef::NotFound, Some(base)) => format!("{}/", base.trim_end_matches('/')),
        _ => root_of(path),
    };
    let mut ctx = base_context(site, &root, page.section());
    ctx.insert("path", path);
    let md = |text: &str| markdown::to_html(text, &root);
    match page {
        PageRef::Home => {
            ctx.insert("intro", &site.config.intro.as_deref().map(md));
            if let Some(t) = &site.timeline {
                ctx.insert("milestones", &milestones(site, t, &root));
            }
            if let Some(p) = &site.process {
                ctx.insert("stages", &stages(p, &root));
                ctx.insert("total", &total_duration(p));
            }
            ctx.insert("checklists", &checklist_links(site, &root));
            ctx.insert("faqs", &faq_links(site, &root));
        }
        PageRef::Timeline => {
            let t = site
                .timeline
                .as_ref()
                .expect("page exists only with a timeline");
            ctx.insert("title", &t.title);
            ctx.insert("intro", &t.intro.as_deref().map(md));
            ctx.insert("milestones", &milestones(site, t, &root));
        }
        PageRef::Process => {
            let p = site
                .process
                .as_ref()
                .expect("page exists only with a process");
            ctx.insert("title", &p.title);
            ctx.insert("intro", &p.intro.as_deref().map(md));
            ctx.insert("stages", &stages(p, &root));
            ctx.insert("steps", &steps(p, &root));
            ctx.insert("total", &total_duration(p));
        }
        PageRef::Checklists => {
            ctx.insert(
                "checklists",
                &site
                    .checklists
                    .iter()
                    .map(|c| checklist_view(site, c, &root))
                    .collect::<Vec<_>>(),
            );
            ctx.insert("questions", &questions(site, &root));
        }
        PageRef::Checklist(i) => {
            ctx.insert(
                "checklist",
                &checklist_view(site, &site.checklists[i], &root),
            );
            ctx.insert("checklists", &checklist_links(site, &root));
            ctx.insert("questions", &questions(site, &root));
        }
        PageRef::Faqs => ctx.insert("faqs", &faq_links(site, &root)),
        PageRef::Faq(i) => ctx.insert("faq", &faq_view(site, i, &root)),
        PageRef::Page(i) => {
            let p = &site.pages[i];
            ctx.insert("title", &p.meta.title);
            ctx.insert("id", &p.meta.id);
            ctx.insert("body", &md(&p.body));
        }
        PageRef::Search | PageRef::NotFound => {}
    }
    ctx
}

#[derive(Serialize)]
struct MilestoneView {
    id: String,
    date: Date,
    year: u16,
    month: u8,
    day: u8,
    title: String,
    detail: Option<String>,
    href: String,
}

fn milestones(_site: &Site, t: &crate::content::model::Timeline, root: &str) -> Vec<MilestoneView> {
    let mut list: Vec<&crate::content::model::Milestone> = t.milestones.iter().collect();
    list.sort_by_key(|m| m.date);
    list.into_iter()
        .map(|m| MilestoneView {
            id: m.id.0.clone(),
            date: m.date,
            year: m.date.year,
            month: m.date.month,
            day: m.date.day,
            title: m.title.clone(),
            detail: m.detail.as_deref().map(|d| markdown::to_html(d, root)),
            href: format!("{root}{}", Target::Milestone(m.id.0.clone()).path()),
        })
        .collect()
}

#[derive(Serialize)]
struct StageView {
    id: String,
    title: String,
    steps: Vec<StepRef>,
}

#[derive(Serialize)]
struct StepRef {
    number: usize,
    title: String,
    href: String,
    duration: Option<Duration>,
}

fn stages(p: &crate::content::model::Process, root: &str) -> Vec<StageView> {
    p.stages
        .iter()
        .map(|s| StageView {
            id: s.id.0.clone(),
            title: s.title.clone(),
            steps: s
                .steps
                .iter()
                .filter_map(|id| p.steps.iter().position(|st| &st.id == id))
                .map(|i| StepRef {
                    number: i + 1,
                    title: p.steps[i].title.clone(),
                    href: format!("{root}{}", Target::Step(p.steps[i].id.0.clone()).path()),
                    duration: p.steps[i].duration,
                })
                .collect(),
        })
        .collect()
}

#[derive(Serialize)]
struct StepView {
    id: String,
    number: usize,
    title: String,
    body: Option<String>,
    duration: Option<Duration>,
    notify: Vec<String>,
    stage: Option<String>,
}

fn steps(p: &crate::content::model::Process, root: &str) -> Vec<StepView> {
    p.steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            id: s.id.0.clone(),
            number: i + 1,
            title: s.title.clone(),
            body: s.body.as_deref().map(|b| markdown::to_html(b, root)),
            duration: s.duration,
            notify: s.notify.clone(),
            stage: p
                .stages
                .iter()
                .find(|st| st.steps.contains(&s.id))
                .map(|st| st.title.clone()),
        })
        .collect()
}

/// The whole process's duration, summed per unit: (unit, min, max).
#[derive(Serialize, Debug, PartialEq)]
pub struct TotalDuration {
    pub unit: DurationUnit,
    pub min: u32,
    pub max: u32,
}

pub fn total_duration(p: &crate::content::model::Process) -> Vec<TotalDuration> {
    let mut sums: BTreeMap<DurationUnit, (u32, u32)> = BTreeMap::new();
    for d in p.steps.iter().filter_map(|s| s.duration) {
        let e = sums.entry(d.unit).or_default();
        e.0 += d.min.unwrap_or(0);
        e.1 += d.max;
    }
    sums.into_iter()
        .map(|(unit, (min, max))| TotalDuration { unit, min, max })
        .collect()
}

fn checklist_links(site: &Site, root: &str) -> Vec<LinkView> {
    site.checklists
        .iter()
        .map(|c| link(&c.title, &Target::Checklist(c.id.0.clone()), root))
        .collect()
}

#[derive(Serialize)]
struct FaqLink {
    id: String,
    title: String,
    href: String,
    order: i64,
    awaiting: bool,
    tags: Vec<String>,
}

fn faq_link(f: &Faq, root: &str) -> FaqLink {
    FaqLink {
        id: f.meta.id.0.clone(),
        title: f.meta.title.clone(),
        href: format!("{root}{}", Target::Faq(f.meta.id.0.clone()).path()),
        order: f.meta.order,
        awaiting: f.meta.status == Status::Awaiting,
        tags: f.meta.tags.clone(),
    }
}

fn faq_links(site: &Site, root: &str) -> Vec<FaqLink> {
    site.faqs.iter().map(|f| faq_link(f, root)).collect()
}

#[derive(Serialize)]
struct FaqView {
    #[serde(flatten)]
    link: FaqLink,
    number: usize,
    body: String,
    related: Vec<FaqLink>,
    prev: Option<FaqLink>,
    next: Option<FaqLink>,
}

fn faq_view(site: &Site, i: usize, root: &str) -> FaqView {
    let f = &site.faqs[i];
    FaqView {
        link: faq_link(f, root),
        number: i + 1,
        body: markdown::to_html(&f.body, root),
        related: f
            .meta
            .related
            .iter()
            .filter_map(|r| site.faq(r.as_str()))
            .map(|r| faq_link(r, root))
            .collect(),
        prev: i.checked_sub(1).map(|p| faq_link(&site.faqs[p], root)),
        next: site.faqs.get(i + 1).map(|n| faq_link(n, root)),
    }
}

#[derive(Serialize)]
struct QuestionView {
    id: String,
    label: String,
    boolean: bool,
    options: Vec<(String, String)>,
    help: Option<String>,
    when: Vec<ConditionPart>,
    when_data: Condition,
}

fn questions(site: &Site, root: &str) -> Vec<QuestionView> {
    site.questions
        .iter()
        .map(|q| QuestionView {
            id: q.id.0.clone(),
            label: q.label.clone(),
            boolean: q.kind == QuestionKind::Boolean,
            options: q
                .options
                .iter()
                .map(|o| (o.value.clone(), o.label.clone()))
                .collect(),
            help: q.help.as_deref().map(|h| markdown::to_html(h, root)),
            when: condition_parts(site, &q.when),
            when_data: q.when.clone(),
        })
        .collect()
}

/// One clause of a condition, in the content's own words: the question and the answer's label
/// (for yes/no questions `answer` is empty and `yes` says which).
#[derive(Serialize)]
struct ConditionPart {
    question: String,
    answer: String,
    yes: bool,
}

fn condition_parts(site: &Site, when: &Condition) -> Vec<ConditionPart> {
    when.iter()
        .filter_map(|(qid, a)| {
            let q = site.question(qid.as_str())?;
            Some(match a {
                Answer::Bool(b) => ConditionPart {
                    question: q.label.clone(),
                    answer: String::new(),
                    yes: *b,
                },
                Answer::Value(v) => ConditionPart {
                    question: q.label.clone(),
                    answer: q
                        .options
                        .iter()
                        .find(|o| &o.value == v)
                        .map_or(v.clone(), |o| o.label.clone()),
                    yes: true,
                },
            })
        })
        .collect()
}

#[derive(Serialize)]
struct ChecklistView {
    id: String,
    title: String,
    subject: Option<String>,
    href: String,
    intro: Option<String>,
    items: Vec<ItemView>,
    required_count: usize,
    /// Ids of the questions that can change this list, in questions.yaml order: those its
    /// items' conditions name (and the questions those depend on), without the subject question
    /// (fixed by `subject`) and without questions whose own condition excludes that subject.
    questions: Vec<String>,
    /// What the page script needs: the site, the list and its items' rules.
    data: serde_json::Value,
}

#[derive(Serialize)]
struct ItemView {
    id: String,
    title: String,
    required: bool,
    detail: Option<String>,
    input: Option<crate::content::model::InputKind>,
    constraints: crate::content::model::Constraints,
    differs_from_title: Option<String>,
    when: Vec<ConditionPart>,
    source: Option<String>,
}

fn checklist_view(site: &Site, c: &Checklist, root: &str) -> ChecklistView {
    // The questions the page asks: see `ChecklistView::questions`.
    fn relevant_questions(site: &Site, c: &Checklist) -> Vec<String> {
        const SUBJECT: &str = "subject";
        let mut wanted: std::collections::BTreeSet<&str> = c
            .items
            .iter()
            .flat_map(|i| i.when.keys().map(|k| k.as_str()))
            .collect();
        // Questions that decide whether a wanted question is asked are wanted too.
        loop {
            let before = wanted.len();
            for q in &site.questions {
                if wanted.contains(q.id.as_str()) {
                    wanted.extend(q.when.keys().map(|k| k.as_str()));
                }
            }
            if wanted.len() == before {
                break;
            }
        }
        let excluded = |q: &crate::content::model::Question| match (
            &c.subject,
            q.when
                .iter()
                .find(|(k, _)| k.as_str() == SUBJECT)
                .map(|(_, a)| a),
        ) {
            (Some(s), Some(Answer::Value(v))) => v != s,
            (Some(_), Some(Answer::Bool(_))) => true,
            _ => false,
        };
        site.questions
            .iter()
            .filter(|q| wanted.contains(q.id.as_str()))
            .filter(|q| !(c.subject.is_some() && q.id.as_str() == SUBJECT))
            .filter(|q| !excluded(q))
            .map(|q| q.id.0.clone())
            .collect()
    }
    let items: Vec<ItemView> = c
        .items
        .iter()
        .map(|i| item_view(site, c, i, root))
        .collect();
    ChecklistView {
        id: c.id.0.clone(),
        title: c.title.clone(),
        subject: c.subject.clone(),
        href: format!("{root}{}", Target::Checklist(c.id.0.clone()).path()),
        intro: c.intro.as_deref().map(|t| markdown::to_html(t, root)),
        required_count: c.items.iter().filter(|i| i.required).count(),
        items,
        questions: relevant_questions(site, c),
        data: checklist_data(site, c),
    }
}

fn item_view(site: &Site, c: &Checklist, i: &Item, root: &str) -> ItemView {
    ItemView {
        id: i.id.0.clone(),
        title: i.title.clone(),
        required: i.required,
        detail: i.detail.as_deref().map(|d| markdown::to_html(d, root)),
        input: i.input,
        constraints: i.constraints.clone(),
        differs_from_title: i
            .constraints
            .differs_from
            .as_ref()
            .and_then(|d| c.items.iter().find(|o| &o.id == d))
            .map(|o| o.title.clone()),
        when: condition_parts(site, &i.when),
        source: i
            .source
            .as_deref()
            .and_then(Target::parse)
            .and_then(Result::ok)
            .map(|t| format!("{root}{}", t.path())),
    }
}

/// The data the checklist script reads, embedded in the page as JSON.
fn checklist_data(site: &Site, c: &Checklist) -> serde_json::Value {
    let items: Vec<serde_json::Value> = c
        .items
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id, "title": i.title, "required": i.required, "input": i.input,
                "constraints": i.constraints, "when": i.when,
            })
        })
        .collect();
    serde_json::json!({
        "site": site.config.title,
        "checklist": c.id,
        "subject": c.subject,
        "items": items,
    })
}
