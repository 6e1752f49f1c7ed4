//! The pipeline, stage by stage: load → validate → render → index → write. [`Project`] holds a
//! loaded, valid site with its theme and templates, so that `build` renders it all and `serve`
//! can re-render only what a change touched.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::content::load::{SitePaths, display_join, load};
use crate::content::model::Site;
use crate::content::validate::validate;
use crate::error::{Diagnostics, Error};
use crate::output::{DirSink, Sink, Staging};
use crate::render::{PageRef, Renderer};
use crate::search::{self, SearchDoc};
use crate::theme::Theme;

/// A site that loaded and validated, ready to render.
pub struct Project {
    pub paths: SitePaths,
    pub site: Site,
    pub theme: Theme,
    pub renderer: Renderer,
    /// Warnings found while loading.
    pub warnings: Diagnostics,
}

/// What a build wrote.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub faqs: usize,
    pub search_docs: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
}

/// Load and validate the site at `root`: every problem, errors and warnings.
pub fn check(root: &Path) -> Diagnostics {
    let (site, mut diags) = load(root);
    if let Some(site) = site {
        diags.extend(validate(&site));
        if let Err(e) = Theme::load(root, site.config.theme()).and_then(|t| Renderer::new(&t)) {
            diags.extend(e);
        }
    }
    diags.sort();
    diags
}

impl Project {
    /// Load, validate and prepare the theme; any error stops here.
    pub fn open(root: &Path) -> Result<Project, Diagnostics> {
        let (site, mut diags) = load(root);
        let Some(site) = site else { return Err(diags) };
        diags.extend(validate(&site));
        diags.sort();
        if diags.has_errors() {
            return Err(diags);
        }
        let theme = Theme::load(root, site.config.theme())?;
        let renderer = Renderer::new(&theme)?;
        Ok(Project {
            paths: SitePaths::new(root),
            site,
            theme,
            renderer,
            warnings: diags,
        })
    }

    /// Every page of the site.
    pub fn pages(&self) -> Vec<PageRef> {
        PageRef::all(&self.site)
    }

    /// Render `pages` in parallel and hand each to `sink`; every distinct failure is reported.
    pub fn write_pages(&self, pages: &[PageRef], sink: &dyn Sink) -> Result<(), Diagnostics> {
        let mut errors: Vec<Error> = pages
            .par_iter()
            .filter_map(|&p| match self.renderer.page(&self.site, p) {
                Ok(html) => sink.write(&p.path(&self.site), html.as_bytes()).err(),
                Err(e) => Some(e),
            })
            .collect();
        // A template error fails every page that uses the template: say it once.
        errors.sort_by(|a, b| a.message.cmp(&b.message));
        errors.dedup_by(|a, b| a.message == b.message);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(errors))
        }
    }

    /// The search documents of the site.
    pub fn search_docs(&self) -> Vec<SearchDoc> {
        search::documents(&self.site)
    }

    /// The files other than pages: search index, static assets, sitemap, robots.txt.
    pub fn support_files(&self, docs: &[SearchDoc]) -> Result<Vec<(String, Vec<u8>)>, Diagnostics> {
        let mut files = search::build_index(docs);
        for (name, bytes) in &self.theme.static_files {
            files.push((name.clone(), bytes.clone()));
        }
        let page_paths: Vec<String> = self
            .pages()
            .iter()
            .filter(|p| **p != PageRef::NotFound)
            .map(|p| p.path(&self.site))
            .collect();
        files.push((
            "robots.txt".into(),
            self.renderer
                .extra(&self.site, "robots.txt", &page_paths)?
                .into_bytes(),
        ));
        if self.site.config.base_url.is_some() {
            files.push((
                "sitemap.xml".into(),
                self.renderer
                    .extra(&self.site, "sitemap.xml", &page_paths)?
                    .into_bytes(),
            ));
        }
        Ok(files)
    }
}

/// Options of `kbgen build`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// The output folder; by default `public` in the root.
    pub out: Option<PathBuf>,
}

impl BuildOptions {
    pub fn out_dir(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| display_join(&self.root, "public"))
    }
}

/// Build the site into its output folder, replacing it only when everything was written.
///
/// Two halves run side by side: the pages (their folders made by one thread, the pages rendered
/// and written behind it by any thread) and the other files (the search index built, then
/// everything written in parallel). Each takes about half of the work.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    let start = Instant::now();
    let (project, ()) = rayon::join(|| Project::open(&opts.root), search::fold::prepare);
    let project = project?;
    let out = opts.out_dir();
    let staging = Staging::new(&out, &project.paths.root)?;
    let pages = project.pages();
    let sink = staging.sink();
    let (written, support) = rayon::join(
        || write_pages_behind_dirs(&project, &pages, sink),
        || write_support_files(&project, sink),
    );
    written?;
    let (search_docs, support_files) = support?;
    staging.commit()?;
    Ok(BuildReport {
        pages: pages.len(),
        faqs: project.site.faqs.len(),
        search_docs,
        files: pages.len() + support_files,
        elapsed: start.elapsed(),
        warnings: project.warnings,
    })
}

/// Pages rendered and written by a batch.
const PAGE_BATCH: usize = 256;

/// Make the folders of `pages` one after the other (made from several threads at once, folders
/// contend for their parent's lock and cost the file system about twice as much) and, behind
/// them, render and write the pages in batches that any idle thread takes up.
fn write_pages_behind_dirs(
    project: &Project,
    pages: &[PageRef],
    sink: &DirSink,
) -> Result<(), Diagnostics> {
    let failed = Mutex::new(Diagnostics::default());
    let fail = |d: Diagnostics| failed.lock().unwrap_or_else(|e| e.into_inner()).extend(d);
    rayon::scope(|s| {
        for batch in pages.chunks(PAGE_BATCH) {
            let paths: Vec<String> = batch.iter().map(|p| p.path(&project.site)).collect();
            if let Err(e) = sink.create_dirs(paths.iter().map(String::as_str)) {
                fail(e.into());
                return;
            }
            s.spawn(|_| {
                if let Err(d) = project.write_pages(batch, sink) {
                    fail(d);
                }
            });
        }
    });
    let mut errors = failed.into_inner().unwrap_or_else(|e| e.into_inner()).0;
    // A template error fails every batch that uses the template: say it once.
    errors.sort_by(|a, b| a.message.cmp(&b.message));
    errors.dedup_by(|a, b| a.message == b.message);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(errors))
    }
}

/// Make and write the files other than pages, in parallel; returns the number of search
/// documents and of files.
fn write_support_files(project: &Project, sink: &dyn Sink) -> Result<(usize, usize), Diagnostics> {
    let docs = project.search_docs();
    let files = project.support_files(&docs)?;
    files
        .par_iter()
        .try_for_each(|(path, bytes)| sink.write(path, bytes))?;
    Ok((docs.len(), files.len()))
}

// Incremental updates, for `kbgen serve`: re-read the FAQ entries a save touched, validate the
// whole site again, and name the pages that show those entries.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::content::links::Target;
use crate::content::model::{Faq, FaqMeta, Id, Status};
use crate::content::source::{Locator, parse_yaml, read_text, split_front_matter};

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
            match read_faq(file) {
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

/// One FAQ file, read as the loader reads it (`load_faq` in content/load.rs); a file it refuses
/// is refused here too, and serve then asks the loader for its exact words.
fn read_faq(path: &Path) -> Result<Faq, Error> {
    let src = read_text(path)?;
    let fm = split_front_matter(path, &src)?;
    let meta: FaqMeta = parse_yaml(path, fm.yaml, fm.yaml_line)?;
    let loc = Locator::new(path, fm.yaml, fm.yaml_line).next("id", meta.id.as_str());
    Ok(Faq {
        meta,
        body: fm.body.to_string(),
        loc,
        body_line: fm.body_line,
    })
}
