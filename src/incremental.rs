//! Incremental updates, for `kbgen serve`: re-read the FAQ entries a save touched, validate the
//! whole site again, and name the pages that show those entries, so that a save re-renders only
//! what it changed.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use crate::build::Project;
use crate::content::links::Target;
use crate::content::load::load_faq;
use crate::content::model::{Faq, FaqMeta, Id, Status};
use crate::content::validate::validate;
use crate::error::Diagnostics;
use crate::render::PageRef;

/// What pages other than an entry's own show of it: the fields of its links in the lists and in
/// its neighbours' and related entries' pages (`faq_link` in render.rs). Kept from one update to
/// the next to see which of them changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqSummary {
    pub id: Id,
    title: String,
    order: i64,
    tags: Vec<String>,
    status: Status,
}

impl FaqSummary {
    fn of(meta: &FaqMeta) -> FaqSummary {
        FaqSummary {
            id: meta.id.clone(),
            title: meta.title.clone(),
            order: meta.order,
            tags: meta.tags.clone(),
            status: meta.status,
        }
    }

    /// Whether links to the entry `meta` look as they did.
    fn shows(&self, meta: &FaqMeta) -> bool {
        self.id == meta.id
            && self.title == meta.title
            && self.order == meta.order
            && self.tags == meta.tags
            && self.status == meta.status
    }
}

/// The pages to render again after FAQ entries changed, and those gone.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FaqPages {
    /// Entry pages: the changed entries', their neighbours', those whose number moved and those
    /// that link to a changed entry.
    pub entries: Vec<PageRef>,
    /// The pages that list entries (home page, FAQ index), when a listed field or the order
    /// changed.
    pub lists: Vec<PageRef>,
    /// Output paths of the pages of entries that are gone.
    pub removed: Vec<String>,
}

impl Project {
    /// The linked fields of every FAQ entry, in order.
    pub fn faq_summaries(&self) -> Vec<FaqSummary> {
        self.site
            .faqs
            .iter()
            .map(|f| FaqSummary::of(&f.meta))
            .collect()
    }

    /// Read the FAQ files `files` again (each edited, new or deleted) and keep the entries in
    /// order; returns the ids that the files held before and hold now. On a parse error nothing
    /// changes. The site is not validated here: call [`Project::validate_site`] before rendering
    /// for good.
    pub fn reload_faqs(&mut self, files: &[PathBuf]) -> Result<BTreeSet<Id>, Diagnostics> {
        let mut read = Vec::new();
        let mut errors = Diagnostics::default();
        for file in files.iter().filter(|f| f.is_file()) {
            match load_faq(file) {
                Ok(faq) => read.push(faq),
                Err(e) => errors.push(e),
            }
        }
        if errors.has_errors() {
            return Err(errors);
        }
        let faqs = &mut self.site.faqs;
        let mut ids: BTreeSet<Id> = faqs
            .iter()
            .filter(|f| files.contains(&f.loc.file))
            .map(|f| f.meta.id.clone())
            .collect();
        faqs.retain(|f| !files.contains(&f.loc.file));
        ids.extend(read.iter().map(|f| f.meta.id.clone()));
        faqs.extend(read);
        faqs.sort_by(|a, b| (a.meta.order, &a.meta.id).cmp(&(b.meta.order, &b.meta.id)));
        Ok(ids)
    }

    /// Every cross-file problem of the site as it is now, errors and warnings.
    pub fn validate_site(&self) -> Diagnostics {
        validate(&self.site)
    }

    /// The pages that show what changed between the entries `before` and now, `edited` being the
    /// entries whose files changed.
    pub fn faq_pages(&self, before: &[FaqSummary], edited: &BTreeSet<Id>) -> FaqPages {
        let faqs = &self.site.faqs;
        let diff = FaqDiff::new(before, faqs);
        let entries = (0..faqs.len())
            .filter(|&i| edited.contains(&faqs[i].meta.id) || diff.entry_changed(i))
            .map(PageRef::Faq)
            .collect();
        let lists = if diff.linked.is_empty() {
            Vec::new()
        } else {
            vec![PageRef::Home, PageRef::Faqs]
        };
        let removed = diff
            .removed
            .iter()
            .map(|id| Target::Faq(id.0.clone()).path())
            .collect();
        FaqPages {
            entries,
            lists,
            removed,
        }
    }
}

/// The FAQ entries before and after a change.
struct FaqDiff<'a> {
    before: &'a [FaqSummary],
    now: &'a [Faq],
    /// Position before the change, by id.
    was_at: HashMap<&'a Id, usize>,
    /// Entries whose links look different: new, removed or with a changed field.
    linked: HashSet<&'a Id>,
    removed: Vec<&'a Id>,
}

impl<'a> FaqDiff<'a> {
    fn new(before: &'a [FaqSummary], now: &'a [Faq]) -> FaqDiff<'a> {
        let was_at: HashMap<&Id, usize> =
            before.iter().enumerate().map(|(i, s)| (&s.id, i)).collect();
        let present: HashSet<&Id> = now.iter().map(|f| &f.meta.id).collect();
        let removed: Vec<&Id> = before
            .iter()
            .map(|s| &s.id)
            .filter(|id| !present.contains(id))
            .collect();
        let changed = now
            .iter()
            .filter(|f| {
                was_at
                    .get(&f.meta.id)
                    .is_none_or(|&p| !before[p].shows(&f.meta))
            })
            .map(|f| &f.meta.id);
        let linked = changed.chain(removed.iter().copied()).collect();
        FaqDiff {
            before,
            now,
            was_at,
            linked,
            removed,
        }
    }

    /// Whether the page of entry `i` shows something that changed: its number, its neighbours,
    /// or a link to a changed entry.
    fn entry_changed(&self, i: usize) -> bool {
        let now_id = |i: Option<usize>| i.and_then(|i| self.now.get(i)).map(|f| &f.meta.id);
        let was_id = |i: Option<usize>| i.and_then(|i| self.before.get(i)).map(|s| &s.id);
        let was = self.was_at.get(&self.now[i].meta.id).copied();
        let (prev, next) = (now_id(i.checked_sub(1)), now_id(Some(i + 1)));
        let old_prev = was_id(was.and_then(|p| p.checked_sub(1)));
        let old_next = was_id(was.map(|p| p + 1));
        let related = &self.now[i].meta.related;
        let mut shown = [prev, next].into_iter().flatten().chain(related);
        was != Some(i)
            || (prev, next) != (old_prev, old_next)
            || shown.any(|id| self.linked.contains(id))
    }
}
