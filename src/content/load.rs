//! The loader: finds the content files of a site, parses each into the typed model and collects
//! every problem it meets, so that one run reports them all.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use super::model::{
    Checklist, Faq, FaqMeta, Page, PageMeta, Process, Questions, Site, SiteConfig, Timeline,
};
use super::source::{FrontMatter, Locator, parse_yaml, read_text, split_front_matter};
use crate::error::{Diagnostics, Error};

/// Where a site's files are.
#[derive(Debug, Clone)]
pub struct SitePaths {
    pub root: PathBuf,
    pub content: PathBuf,
}

impl SitePaths {
    pub fn new(root: &Path) -> Self {
        SitePaths {
            root: root.to_path_buf(),
            content: display_join(root, "content"),
        }
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.content.join(name)
    }
}

/// `root/name`, without a leading `./` when the root is the current folder.
pub fn display_join(root: &Path, name: &str) -> PathBuf {
    if root == Path::new(".") || root.as_os_str().is_empty() {
        PathBuf::from(name)
    } else {
        root.join(name)
    }
}

/// Load every content file under `root/content`. The site comes back only when every file
/// parsed; the diagnostics hold every problem (and warnings) either way.
pub fn load(root: &Path) -> (Option<Site>, Diagnostics) {
    let paths = SitePaths::new(root);
    let mut diags = Diagnostics::default();
    if !paths.content.is_dir() {
        diags.push(
            Error::new(format!("no content folder at {}", paths.content.display()))
                .hint("run kbgen in a site folder, or name one with --root DIR"),
        );
        return (None, diags);
    }
    let root_real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if let Err(e) = inside_site(&paths.content, &root_real) {
        diags.push(e);
        return (None, diags);
    }

    let config = load_config(&paths, &root_real, &mut diags);
    let timeline = optional_yaml::<Timeline>(&paths.file("timeline.yaml"), &root_real, &mut diags);
    let process = optional_yaml::<Process>(&paths.file("process.yaml"), &root_real, &mut diags);
    let questions =
        optional_yaml::<Questions>(&paths.file("questions.yaml"), &root_real, &mut diags);

    let files = |dir: &str, ext: &[&str], diags: &mut Diagnostics| {
        list_files(&paths.file(dir), ext, &root_real, diags)
    };
    let checklist_files = files("checklists", &["yaml", "yml"], &mut diags);
    let faq_files = files("faq", &["md"], &mut diags);
    let page_files = files("pages", &["md"], &mut diags);

    let mut checklists = collect(
        checklist_files
            .par_iter()
            .map(|p| guarded(p, load_checklist))
            .collect(),
        &mut diags,
    );
    let mut faqs = collect(
        faq_files.par_iter().map(|p| guarded(p, load_faq)).collect(),
        &mut diags,
    );
    let mut pages = collect(
        page_files
            .par_iter()
            .map(|p| guarded(p, load_page))
            .collect(),
        &mut diags,
    );

    checklists.sort_by(|a, b| (a.order, &a.id).cmp(&(b.order, &b.id)));
    faqs.sort_by(|a, b| (a.meta.order, &a.meta.id).cmp(&(b.meta.order, &b.meta.id)));
    pages.sort_by(|a, b| (a.meta.order, &a.meta.id).cmp(&(b.meta.order, &b.meta.id)));

    diags.sort();
    let Some(config) = config.filter(|_| !diags.has_errors()) else {
        return (None, diags);
    };
    let site = Site {
        config,
        config_file: paths.file("site.yaml"),
        timeline,
        process,
        questions: questions.map(|q| q.questions).unwrap_or_default(),
        checklists,
        faqs,
        pages,
    };
    (Some(site), diags)
}

fn collect<T>(results: Vec<Result<T, Error>>, diags: &mut Diagnostics) -> Vec<T> {
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(v) => out.push(v),
            Err(e) => diags.push(e),
        }
    }
    out
}

fn load_config(paths: &SitePaths, root_real: &Path, diags: &mut Diagnostics) -> Option<SiteConfig> {
    let path = paths.file("site.yaml");
    if std::fs::symlink_metadata(&path).is_err() {
        diags.push(Error::new(format!("missing {}", path.display())).hint(
            "create it with at least `title`, `description` and `language` (see docs/content.md)",
        ));
        return None;
    }
    let result = guarded(&path, |path| {
        inside_site(path, root_real)?;
        let src = read_content(path)?;
        parse_yaml::<SiteConfig>(path, &src, 0)
    });
    result.map_err(|e| diags.push(e)).ok()
}

/// A YAML file that a site may leave out; with positions of its objects filled in.
fn optional_yaml<T: serde::de::DeserializeOwned + Locate>(
    path: &Path,
    root_real: &Path,
    diags: &mut Diagnostics,
) -> Option<T> {
    if std::fs::symlink_metadata(path).is_err() {
        return None;
    }
    let loaded = guarded(path, |path| {
        inside_site(path, root_real)?;
        let src = read_content(path)?;
        let mut value: T = parse_yaml(path, &src, 0)?;
        value.locate(&mut Locator::new(path, &src, 0));
        Ok(value)
    });
    loaded.map_err(|e| diags.push(e)).ok()
}

/// Run the loader of one file. Should it panic (a bug, never the content's fault), the panic
/// becomes an error of that file, printed once and plainly, and the other files are still read.
fn guarded<T>(path: &Path, load: impl FnOnce(&Path) -> Result<T, Error>) -> Result<T, Error> {
    quiet_panics_while_loading();
    LOADING.with(|l| l.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(path)));
    LOADING.with(|l| l.set(false));
    result.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::new(format!(
            "kbgen failed while reading this file (an internal error: {what})"
        ))
        .in_file(path)
        .hint("please report this file to the kbgen maintainers; the other files were checked"))
    })
}

thread_local! {
    /// Whether this thread is inside [`guarded`], where a panic becomes an error of the file.
    static LOADING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Keep the panic hook from printing panics that [`guarded`] turns into errors; every other
/// panic goes to the hook that was there before.
fn quiet_panics_while_loading() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !LOADING.with(|l| l.get()) {
                previous(info);
            }
        }));
    });
}

/// The text of a content file that must not be empty.
fn read_content(path: &Path) -> Result<String, Error> {
    let src = read_text(path)?;
    if src.trim().is_empty() {
        let hint = if path.extension().is_some_and(|e| e == "md") {
            "write front matter between two `---` lines (at least `id` and `title`), then the Markdown; or delete the file"
        } else if path.file_name().is_some_and(|n| n == "site.yaml") {
            "write at least `title`, `description` and `language` (see docs/content.md)"
        } else {
            "write the file's fields (see docs/content.md), or delete the file"
        };
        return Err(Error::new("the file is empty").in_file(path).hint(hint));
    }
    Ok(src)
}

/// The front matter of a Markdown file, refused when empty.
fn front_matter<'a>(path: &Path, src: &'a str) -> Result<FrontMatter<'a>, Error> {
    let fm = split_front_matter(path, src)?;
    if fm.yaml.trim().is_empty() {
        return Err(Error::new("the front matter is empty")
            .in_file(path)
            .hint("write the fields between the `---` lines, at least `id` and `title`"));
    }
    Ok(fm)
}

/// Refuse a file (or folder) that is, or is reached through, a symbolic link leaving the site.
fn inside_site(path: &Path, root_real: &Path) -> Result<(), Error> {
    match std::fs::canonicalize(path) {
        Ok(target) if target.starts_with(root_real) => Ok(()),
        Ok(target) => Err(Error::new(format!(
            "symbolic link points outside the site, to {}",
            target.display()
        ))
        .in_file(path)
        .hint("copy the file into the site instead of linking to it")),
        Err(e) => Err(Error::new(format!("cannot open the file: {e}"))
            .in_file(path)
            .hint("a symbolic link whose target is missing? Fix or remove it")),
    }
}

/// Fill in the `loc` of each object from its `id: …` line.
trait Locate {
    fn locate(&mut self, at: &mut Locator);
}

impl Locate for Timeline {
    fn locate(&mut self, at: &mut Locator) {
        for m in &mut self.milestones {
            m.loc = Some(at.next("id", m.id.as_str()));
        }
    }
}

impl Locate for Process {
    fn locate(&mut self, at: &mut Locator) {
        for s in &mut self.stages {
            s.loc = Some(at.next("id", s.id.as_str()));
        }
        for s in &mut self.steps {
            s.loc = Some(at.next("id", s.id.as_str()));
        }
    }
}

impl Locate for Questions {
    fn locate(&mut self, at: &mut Locator) {
        for q in &mut self.questions {
            q.loc = Some(at.next("id", q.id.as_str()));
        }
    }
}

impl Locate for Checklist {
    fn locate(&mut self, at: &mut Locator) {
        self.loc = Some(at.next("id", self.id.as_str()));
        for i in &mut self.items {
            i.loc = Some(at.next("id", i.id.as_str()));
        }
    }
}

fn load_checklist(path: &Path) -> Result<Checklist, Error> {
    let src = read_content(path)?;
    let mut list: Checklist = parse_yaml(path, &src, 0)?;
    list.locate(&mut Locator::new(path, &src, 0));
    Ok(list)
}

/// Read one FAQ file (front matter and body) with every check of a full load: for `serve`,
/// which re-reads only the files a save touched.
pub fn load_faq(path: &Path) -> Result<Faq, Error> {
    let src = read_content(path)?;
    let fm = front_matter(path, &src)?;
    let meta: FaqMeta = parse_yaml(path, fm.yaml, fm.yaml_line)?;
    let loc = Locator::new(path, fm.yaml, fm.yaml_line).next("id", meta.id.as_str());
    Ok(Faq {
        meta,
        body: fm.body.to_string(),
        loc,
        body_line: fm.body_line,
    })
}

/// Read one free page (front matter and body) with every check of a full load.
pub fn load_page(path: &Path) -> Result<Page, Error> {
    let src = read_content(path)?;
    let fm = front_matter(path, &src)?;
    let meta: PageMeta = parse_yaml(path, fm.yaml, fm.yaml_line)?;
    let loc = Locator::new(path, fm.yaml, fm.yaml_line).next("id", meta.id.as_str());
    Ok(Page {
        meta,
        body: fm.body.to_string(),
        loc,
        body_line: fm.body_line,
    })
}

/// The files with one of `ext` under `dir`, sorted; editor temp files and hidden files skipped,
/// other files warned about, links that leave the site refused.
fn list_files(dir: &Path, ext: &[&str], root_real: &Path, diags: &mut Diagnostics) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return out;
    }
    let walker = WalkDir::new(dir).sort_by_file_name().into_iter();
    for entry in walker.filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name())) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(dir).to_path_buf();
                diags.push(
                    Error::new(format!("cannot read {}: {e}", path.display())).in_file(&path),
                );
                continue;
            }
        };
        let path = entry.path();
        if let Err(e) = inside_site(path, root_real) {
            diags.push(e);
            continue;
        }
        if path.is_dir() {
            continue;
        }
        let matches = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ext.contains(&e));
        if matches {
            out.push(path.to_path_buf());
        } else {
            diags.push(
                Error::warning(format!(
                    "ignored file: this folder holds only .{} files",
                    ext[0]
                ))
                .in_file(path)
                .hint(format!(
                    "move it out of the content folder, or name it .{} if it is content",
                    ext[0]
                )),
            );
        }
    }
    out
}

/// Hidden files and editors' temporary files.
pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
        || name.ends_with(".bak")
}
