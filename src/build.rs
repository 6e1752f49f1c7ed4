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
        let errors: Vec<Error> = pages
            .par_iter()
            .filter_map(|&p| match self.renderer.page(&self.site, p) {
                Ok(html) => sink.write(&p.path(&self.site), html.as_bytes()).err(),
                Err(e) => Some(e),
            })
            .collect();
        each_once(errors)
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
    each_once(failed.into_inner().unwrap_or_else(|e| e.into_inner()).0)
}

/// Rendering errors, each said once: a template error fails every page that uses the template.
fn each_once(mut errors: Vec<Error>) -> Result<(), Diagnostics> {
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
