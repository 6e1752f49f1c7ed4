//! The typed content model: what each content file holds once parsed. Every struct denies
//! unknown fields, so a misspelt key is an error and never silently ignored. Positions of objects
//! in their files (`loc`) are filled in by the loader after parsing.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Location;

/// A stable identifier: lower-case ASCII letters, digits, `-` and `_`, used in URLs and anchors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl Id {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Why `s` is not a valid id, if it is not.
    pub fn problem(s: &str) -> Option<String> {
        if s.is_empty() {
            return Some("an id may not be empty".into());
        }
        if s.len() > 100 {
            return Some(format!(
                "the id `{}…` is longer than 100 characters",
                s.chars().take(20).collect::<String>()
            ));
        }
        let ok_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !s.chars().all(ok_char) || !s.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Some(format!(
                "invalid id `{s}`: use lower-case ASCII letters, digits, `-` and `_`, starting with a letter or digit (e.g. `residence-permit`)"
            ));
        }
        None
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match Id::problem(&s) {
            Some(p) => Err(serde::de::Error::custom(p)),
            None => Ok(Id(s)),
        }
    }
}

/// A calendar date, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u16>().ok();
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > days {
            return None;
        }
        Some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid date `{s}`: write an existing calendar date as YYYY-MM-DD, e.g. 2024-03-31"
            ))
        })
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    pub description: String,
    pub language: String,
    pub base_url: Option<String>,
    pub theme: Option<String>,
    pub intro: Option<String>,
    pub source: Option<SourceInfo>,
    #[serde(default)]
    pub sections: SectionTitles,
}

/// Headings of the sections whose content has no title of its own.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SectionTitles {
    #[serde(default = "default_faq_title")]
    pub faq: String,
    #[serde(default = "default_checklists_title")]
    pub checklists: String,
}

fn default_faq_title() -> String {
    "FAQ".into()
}

fn default_checklists_title() -> String {
    "Checklists".into()
}

impl Default for SectionTitles {
    fn default() -> Self {
        SectionTitles {
            faq: default_faq_title(),
            checklists: default_checklists_title(),
        }
    }
}

impl SiteConfig {
    pub fn theme(&self) -> &str {
        self.theme.as_deref().unwrap_or("default")
    }
}

/// Where the content comes from, shown in the footer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    pub name: String,
    pub date: Option<Date>,
}

/// `timeline.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    pub title: String,
    pub intro: Option<String>,
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub id: Id,
    pub date: Date,
    pub title: String,
    pub detail: Option<String>,
    #[serde(skip)]
    pub loc: Option<Location>,
}

/// `process.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub title: String,
    pub intro: Option<String>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: Id,
    pub title: String,
    #[serde(default)]
    pub steps: Vec<Id>,
    #[serde(skip)]
    pub loc: Option<Location>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: Id,
    pub title: String,
    pub body: Option<String>,
    pub duration: Option<Duration>,
    #[serde(default)]
    pub notify: Vec<String>,
    #[serde(skip)]
    pub loc: Option<Location>,
}

/// How long a step takes: up to `max` units, from `min` when given.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Duration {
    pub min: Option<u32>,
    pub max: u32,
    pub unit: DurationUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    WorkingDays,
    Days,
    Hours,
}

/// `questions.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questions {
    pub questions: Vec<Question>,
}

/// A question that tailors the checklists.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: Id,
    pub label: String,
    #[serde(rename = "type", default)]
    pub kind: QuestionKind,
    #[serde(default)]
    pub options: Vec<AnswerOption>,
    pub help: Option<String>,
    #[serde(default)]
    pub when: Condition,
    #[serde(skip)]
    pub loc: Option<Location>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of `options`.
    #[default]
    Choice,
    /// Yes or no.
    Boolean,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    pub value: String,
    pub label: String,
}

/// The answers under which something applies: question id → required answer. Empty: always.
pub type Condition = BTreeMap<Id, Answer>;

/// An answer to a question: yes/no or an option's value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Bool(bool),
    Value(String),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Bool(b) => write!(f, "{b}"),
            Answer::Value(v) => f.write_str(v),
        }
    }
}

/// `checklists/*.yaml`: the documents one subject type needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub id: Id,
    pub title: String,
    pub subject: Option<String>,
    #[serde(default)]
    pub order: i64,
    pub intro: Option<String>,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub loc: Option<Location>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: Id,
    pub title: String,
    #[serde(default = "yes")]
    pub required: bool,
    pub detail: Option<String>,
    pub input: Option<InputKind>,
    #[serde(default)]
    pub constraints: Constraints,
    #[serde(default)]
    pub when: Condition,
    pub source: Option<String>,
    #[serde(skip)]
    pub loc: Option<Location>,
}

fn yes() -> bool {
    true
}

/// What a customer can check locally for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Image,
    Phone,
    Date,
}

/// Checkable requirements of an item, all optional.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_validity_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differs_from: Option<Id>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.max_bytes.is_none()
            && self.min_width.is_none()
            && self.min_height.is_none()
            && self.min_validity_days.is_none()
            && self.differs_from.is_none()
    }
}

/// Whether an FAQ entry has its answer yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Answered,
    Awaiting,
}

/// The front matter of `faq/*.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqMeta {
    pub id: Id,
    pub title: String,
    pub order: i64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub related: Vec<Id>,
    #[serde(default)]
    pub status: Status,
}

/// An FAQ entry: its front matter and Markdown body.
#[derive(Debug, Clone)]
pub struct Faq {
    pub meta: FaqMeta,
    pub body: String,
    /// Where the front matter's `id` is.
    pub loc: Location,
    /// How many lines precede the body in the file.
    pub body_line: usize,
}

/// The front matter of `pages/*.md`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    pub id: Id,
    pub title: String,
    #[serde(default)]
    pub order: i64,
}

/// A free page.
#[derive(Debug, Clone)]
pub struct Page {
    pub meta: PageMeta,
    pub body: String,
    pub loc: Location,
    pub body_line: usize,
}

/// The whole site's content, loaded and typed.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: SiteConfig,
    /// The path of site.yaml, for problems with the settings.
    pub config_file: std::path::PathBuf,
    pub timeline: Option<Timeline>,
    pub process: Option<Process>,
    pub questions: Vec<Question>,
    /// In `order`, then id order.
    pub checklists: Vec<Checklist>,
    /// In `order`, then id order.
    pub faqs: Vec<Faq>,
    /// In `order`, then id order.
    pub pages: Vec<Page>,
}

impl Site {
    pub fn faq(&self, id: &str) -> Option<&Faq> {
        self.faqs.iter().find(|f| f.meta.id.as_str() == id)
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id.as_str() == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert!(Date::parse("2023-9-1").is_none());
        assert!(Date::parse("2023-09-00").is_none());
    }

    #[test]
    fn ids_are_url_safe() {
        assert!(Id::problem("residence-permit").is_none());
        assert!(Id::problem("a b").is_some());
        assert!(Id::problem("../x").is_some());
        assert!(Id::problem("a/b").is_some());
        assert!(Id::problem("Upper").is_some());
        assert!(Id::problem("").is_some());
    }
}
