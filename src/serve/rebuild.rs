//! Rebuilding after a change, into memory. A change to FAQ files only re-reads those files,
//! validates the whole site again and renders what shows them, in two steps: first the entries'
//! own pages and their neighbours (open on the editor's screen, so they reload at once), then the
//! lists and the search index. Any other change (site.yaml, other content, templates, theme,
//! static files) loads and renders the whole site again, as `kbgen build` does. A failed
//! rebuild leaves the served site as it was.

use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::build::Project;
use crate::content::load::display_join;
use crate::content::model::Id;
use crate::error::{Diagnostics, Error};
use crate::incremental::{FaqPages, FaqSummary};
use crate::output::Sink;
use crate::render::PageRef;

use super::state::{Shared, Update};
use super::watch::Batch;

/// Rendered files: (path relative to the site root, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// A changed path, for an incremental rebuild.
enum Kind {
    Faq(PathBuf),
    Gone,
}

/// Collects rendered files in memory.
#[derive(Default)]
struct MemSink(Mutex<Files>);

impl Sink for MemSink {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let mut files = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        files.push((path.to_string(), bytes.to_vec()));
        Ok(())
    }
}

impl MemSink {
    fn into_files(self) -> Files {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a successful rebuild did.
#[derive(Debug, Clone)]
pub struct Done {
    /// Whether the whole site was loaded and rendered.
    pub full: bool,
    /// Pages rendered.
    pub rendered: usize,
    /// Files whose bytes changed.
    pub changed: usize,
    /// Until the first pages were served (incremental rebuilds; the whole time otherwise).
    pub first: Duration,
    pub elapsed: Duration,
    /// Warnings not reported before.
    pub new_warnings: Diagnostics,
}

/// The site being served: the last loaded project and what it knows of the last good render.
pub struct Builder {
    root: PathBuf,
    project: Option<Project>,
    /// The FAQ entries as of the last good render.
    summaries: Vec<FaqSummary>,
    /// FAQ files changed since the last good render.
    pending: BTreeSet<PathBuf>,
    /// Whether the next rebuild must load everything.
    needs_full: bool,
    warned: Diagnostics,
}

impl Builder {
    pub fn new(root: &Path) -> Builder {
        Builder {
            root: root.to_path_buf(),
            project: None,
            summaries: Vec::new(),
            pending: BTreeSet::new(),
            needs_full: true,
            warned: Diagnostics::default(),
        }
    }

    /// Forget what the last render knew: the next rebuild loads everything (after a panic).
    pub fn reset(&mut self) {
        self.needs_full = true;
    }

    /// Rebuild after `batch` and serve the result; on failure the served site stays as it was.
    /// `None` when the batch held only temporary files that came and went.
    pub fn rebuild(&mut self, batch: &Batch, shared: &Shared) -> Result<Option<Done>, Diagnostics> {
        match self.faq_files(batch) {
            Some(files) if files.is_empty() && self.pending.is_empty() => Ok(None),
            Some(files) => self.faqs(files, shared).map(Some),
            None => self.full(shared).map(Some),
        }
    }

    /// The FAQ files of `batch` when it holds nothing else and the last rebuild succeeded.
    fn faq_files(&self, batch: &Batch) -> Option<Vec<PathBuf>> {
        if self.needs_full || batch.rescan.is_some() {
            return None;
        }
        let project = self.project.as_ref()?;
        let mut files = Vec::new();
        for rel in &batch.paths {
            match self.kind_of(project, rel)? {
                Kind::Faq(path) => files.push(path),
                Kind::Gone => {}
            }
        }
        Some(files)
    }

    /// What `rel` is to an incremental rebuild: an FAQ file (a Markdown file under content/faq/,
    /// or one that was there), a file gone that held no entry (an editor's temporary file), or
    /// anything else (`None`).
    fn kind_of(&self, project: &Project, rel: &Path) -> Option<Kind> {
        if !rel.starts_with("content/faq") {
            return None;
        }
        let path = display_join(&self.root, rel.to_str()?);
        let markdown = rel.extension().is_some_and(|e| e == "md");
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && markdown => Some(Kind::Faq(path)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let held = project
                    .site
                    .faqs
                    .iter()
                    .any(|f| f.loc.file.starts_with(&path));
                match (markdown, held) {
                    (true, _) => Some(Kind::Faq(path)),
                    (false, false) => Some(Kind::Gone),
                    (false, true) => None,
                }
            }
            _ => None,
        }
    }

    /// Load and render the whole site.
    pub fn full(&mut self, shared: &Shared) -> Result<Done, Diagnostics> {
        let start = Instant::now();
        self.needs_full = true;
        let project = Project::open(&self.root)?;
        let pages = project.pages();
        let sink = MemSink::default();
        let (written, support) = rayon::join(
            || project.write_pages(&pages, &sink),
            || project.support_files(&project.search_docs()),
        );
        written?;
        let mut files = sink.into_files();
        files.extend(support?);
        let changed = shared.publish(Update {
            files,
            removed: Vec::new(),
            complete: true,
        });
        self.project = Some(project);
        Ok(self.finish(true, pages.len(), changed.len(), start, None))
    }

    /// Read the FAQ files `files` again and render the pages that show them: the entries' own
    /// pages while the whole site is validated, served as soon as it passes; then the lists and
    /// the search index.
    fn faqs(&mut self, files: Vec<PathBuf>, shared: &Shared) -> Result<Done, Diagnostics> {
        let start = Instant::now();
        let Some(project) = self.project.as_mut() else {
            return self.full(shared);
        };
        self.pending.extend(files);
        let pending: Vec<PathBuf> = self.pending.iter().cloned().collect();
        let edited = project
            .reload_faqs(&pending)
            .map_err(|d| exact_problems(&self.root, d))?;
        let (problems, first) = {
            let (project, before) = (&*project, &self.summaries);
            rayon::join(
                || project.validate_site(),
                || entry_pages(project, before, &edited),
            )
        };
        if problems.has_errors() {
            return Err(Diagnostics(problems.errors().cloned().collect()));
        }
        project.warnings = problems;
        let project = &*project;
        let (pages, entries) = first.inspect_err(|_| self.needs_full = true)?;
        let mut changed = shared.publish(Update {
            files: entries,
            removed: pages.removed.clone(),
            complete: false,
        });
        let first = start.elapsed();
        let files =
            lists_and_support(project, &pages.lists).inspect_err(|_| self.needs_full = true)?;
        changed.extend(shared.publish(Update {
            files,
            ..Update::default()
        }));
        let rendered = pages.entries.len() + pages.lists.len();
        Ok(self.finish(false, rendered, changed.len(), start, Some(first)))
    }

    /// Remember the render just served as the last good one.
    fn finish(
        &mut self,
        full: bool,
        rendered: usize,
        changed: usize,
        start: Instant,
        first: Option<Duration>,
    ) -> Done {
        let project = self.project.as_ref();
        self.summaries = project.map(Project::faq_summaries).unwrap_or_default();
        self.pending.clear();
        self.needs_full = false;
        let warnings = project.map(|p| p.warnings.clone()).unwrap_or_default();
        let new_warnings = warnings
            .warnings()
            .filter(|w| !self.warned.0.contains(w))
            .cloned()
            .collect();
        self.warned = warnings;
        let elapsed = start.elapsed();
        Done {
            full,
            rendered,
            changed,
            first: first.unwrap_or(elapsed),
            elapsed,
            new_warnings: Diagnostics(new_warnings),
        }
    }
}

/// The list pages `lists` rendered, and the files other than pages (search index, assets).
fn lists_and_support(project: &Project, lists: &[PageRef]) -> Result<Files, Diagnostics> {
    let (lists, support) = rayon::join(
        || render(project, lists),
        || project.support_files(&project.search_docs()),
    );
    let mut files = lists?;
    files.extend(support?);
    Ok(files)
}

fn render(project: &Project, pages: &[PageRef]) -> Result<Files, Diagnostics> {
    let sink = MemSink::default();
    project.write_pages(pages, &sink)?;
    Ok(sink.into_files())
}

/// The pages that show the entries `edited` (and the changes since `before`), rendered. The
/// site may not be valid yet (it is validated meanwhile), so a panic is caught and reported.
fn entry_pages(
    project: &Project,
    before: &[FaqSummary],
    edited: &BTreeSet<Id>,
) -> Result<(FaqPages, Files), Diagnostics> {
    let rendered = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let pages = project.faq_pages(before, edited);
        let files = render(project, &pages.entries)?;
        Ok((pages, files))
    }));
    rendered.unwrap_or_else(|_| Err(internal_error()))
}

/// A panic while rebuilding: a bug of kbgen, not of the site.
pub fn internal_error() -> Diagnostics {
    Error::new(
        "kbgen failed while rebuilding (an internal error); still serving the last good site",
    )
    .hint("please report this to the kbgen maintainers, with the change that caused it")
    .into()
}

/// The problems of the site in the loader's own words (an incremental read may word a broken
/// file differently), errors only; `found` when the loader sees none.
fn exact_problems(root: &Path, found: Diagnostics) -> Diagnostics {
    let all = crate::build::check(root);
    if all.has_errors() {
        Diagnostics(all.errors().cloned().collect())
    } else {
        found
    }
}
