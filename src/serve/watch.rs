//! Watching a site's sources with notify: `content/`, `templates/`, `themes/` and `static/` under
//! the root, each recursively, and the root itself (not recursively) to see those folders appear,
//! go or be replaced. Nothing else under the root is watched, so an output folder, `target/` or
//! `.git/` never wakes the server. Reads, editors' temporary files (`.#x`, `x~`, `.x.swp`, vim's
//! `4913` …) are dropped where events arrive, and a burst of events becomes one [`Batch`]: a
//! save rebuilds once, after the editor has finished renaming its temporary file into place.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};
use notify::{Event, EventKind, PollWatcher, RecursiveMode, Watcher};

use crate::content::load::is_ignored;
use crate::error::Error;

/// The folders of a site that make its pages.
pub const SOURCES: [&str; 4] = ["content", "templates", "themes", "static"];
/// How often the fallback watcher looks, where the system's watches run out.
const POLL: Duration = Duration::from_millis(250);

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// These sources changed (paths relative to the root).
    Changed(Vec<PathBuf>),
    /// Events were lost or the watcher failed: look at everything again.
    Rescan(String),
}

/// The changes of one burst.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Changed sources, relative to the root.
    pub paths: BTreeSet<PathBuf>,
    /// Why everything must be looked at again, if it must.
    pub rescan: Option<String>,
}

impl Batch {
    fn add(&mut self, msg: Msg) {
        match msg {
            Msg::Changed(paths) => self.paths.extend(paths),
            Msg::Rescan(why) => self.rescan = Some(why),
        }
    }
}

/// A running watcher.
pub struct Watch {
    watcher: Box<dyn Watcher + Send>,
    root: PathBuf,
    /// Set when the system's watcher could not be used and the folders are polled instead.
    pub polling: bool,
}

impl Watch {
    /// Watch the sources of the site at `root`, sending what changes to `tx`.
    pub fn start(root: &Path, tx: &Sender<Msg>) -> Result<Watch, Error> {
        let root = std::fs::canonicalize(root).map_err(|e| {
            Error::new(format!("cannot watch {}: {e}", root.display()))
                .hint("name an existing site folder with --root DIR")
        })?;
        let native = notify::recommended_watcher(handler(&root, tx));
        if let Ok(watcher) = native {
            let mut watch = Watch {
                watcher: Box::new(watcher),
                root: root.clone(),
                polling: false,
            };
            if watch.watch_all().is_ok() {
                return Ok(watch);
            }
        }
        let config = notify::Config::default().with_poll_interval(POLL);
        let poller = PollWatcher::new(handler(&root, tx), config)
            .map_err(|e| Error::new(format!("cannot watch {}: {e}", root.display())))?;
        let mut watch = Watch {
            watcher: Box::new(poller),
            root,
            polling: true,
        };
        watch
            .watch_all()
            .map_err(|e| Error::new(format!("cannot watch {}: {e}", watch.root.display())))?;
        Ok(watch)
    }

    fn watch_all(&mut self) -> notify::Result<()> {
        self.watcher
            .watch(&self.root, RecursiveMode::NonRecursive)?;
        for source in SOURCES {
            let dir = self.root.join(source);
            if dir.is_dir() {
                self.watcher.watch(&dir, RecursiveMode::Recursive)?;
            }
        }
        Ok(())
    }

    /// The source folders that exist, for the terminal.
    pub fn folders(&self) -> Vec<&'static str> {
        SOURCES
            .into_iter()
            .filter(|s| self.root.join(s).is_dir())
            .collect()
    }

    /// Watch again each source folder that `batch` says appeared, went or was replaced.
    pub fn refresh(&mut self, batch: &Batch) {
        let tops = batch.paths.iter().filter(|p| p.components().count() == 1);
        let all = batch
            .rescan
            .iter()
            .flat_map(|_| SOURCES.iter().map(Path::new));
        for top in tops.map(PathBuf::as_path).chain(all) {
            let dir = self.root.join(top);
            let _ = self.watcher.unwatch(&dir);
            if dir.is_dir() {
                let _ = self.watcher.watch(&dir, RecursiveMode::Recursive);
            }
        }
    }
}

/// The callback notify calls on its own thread: keep what matters, send it on.
fn handler(root: &Path, tx: &Sender<Msg>) -> impl FnMut(notify::Result<Event>) + Send + 'static {
    let (root, tx) = (root.to_path_buf(), tx.clone());
    move |result| {
        let msg = match result {
            Ok(event) => to_msg(&root, &event),
            Err(e) => Some(Msg::Rescan(e.to_string())),
        };
        if let Some(msg) = msg {
            let _ = tx.send(msg);
        }
    }
}

fn to_msg(root: &Path, event: &Event) -> Option<Msg> {
    if event.need_rescan() {
        return Some(Msg::Rescan("the system dropped file events".into()));
    }
    if !changes_files(&event.kind) {
        return None;
    }
    let paths: Vec<PathBuf> = event
        .paths
        .iter()
        .filter_map(|p| source_path(root, p))
        .collect();
    (!paths.is_empty()).then_some(Msg::Changed(paths))
}

/// Whether an event can change a file: not an open, a read or an access time.
fn changes_files(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        _ => true,
    }
}

/// `path` relative to `root` when it is one of the site's sources and no temporary file.
pub fn source_path(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?;
    if !SOURCES.iter().any(|s| first.as_os_str() == *s) {
        return None;
    }
    let names: Vec<&OsStr> = rel
        .components()
        .map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if names.iter().any(|n| is_ignored(n)) || is_temp_file(path) {
        return None;
    }
    Some(rel.to_path_buf())
}

/// Editors' temporary files that the loader's list of ignored names misses: vim's write test
/// (`4913`, a number), JetBrains' safe write, Kate's swap, partial downloads.
fn is_temp_file(path: &Path) -> bool {
    let Some(name) = path.file_name().map(OsStr::to_string_lossy) else {
        return false;
    };
    let numbered = !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) && !path.is_dir();
    numbered
        || name.ends_with("___jb_tmp___")
        || name.ends_with("___jb_old___")
        || name.ends_with(".kate-swp")
        || name.ends_with(".part")
        || name.ends_with(".crdownload")
        || name.starts_with("~$")
}

/// Wait for a change, then gather more until `quiet` passes without one (or `limit` in all):
/// `None` once the watcher is gone.
pub fn next_batch(rx: &Receiver<Msg>, quiet: Duration, limit: Duration) -> Option<Batch> {
    let mut batch = Batch::default();
    batch.add(rx.recv().ok()?);
    let start = Instant::now();
    loop {
        let left = limit.saturating_sub(start.elapsed());
        match rx.recv_timeout(quiet.min(left)) {
            Ok(msg) => batch.add(msg),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if left.is_zero() {
            break;
        }
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sources_and_no_temporary_files() {
        let root = Path::new("/site");
        let rel = |p: &str| source_path(root, &root.join(p));
        assert_eq!(
            rel("content/faq/a.md"),
            Some(PathBuf::from("content/faq/a.md"))
        );
        assert_eq!(rel("content"), Some(PathBuf::from("content")));
        assert!(rel("themes/default/templates/base.html").is_some());
        for ignored in [
            "public/index.html",
            "target/debug/kbgen",
            ".git/index",
            "content/faq/.a.md.swp",
            "content/faq/a.md~",
            "content/faq/.#a.md",
            "content/faq/4913",
            "content/faq/a.md___jb_tmp___",
            "content/.hidden/a.md",
            ".public.kbgen-tmp-12/index.html",
        ] {
            assert_eq!(rel(ignored), None, "{ignored}");
        }
        assert_eq!(
            source_path(root, Path::new("/elsewhere/content/a.md")),
            None
        );
    }

    #[test]
    fn reads_do_not_count() {
        assert!(!changes_files(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(changes_files(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(changes_files(&EventKind::Modify(ModifyKind::Any)));
    }

    #[test]
    fn a_burst_is_one_batch() {
        let (tx, rx) = std::sync::mpsc::channel();
        let quiet = Duration::from_millis(50);
        let sender = std::thread::spawn(move || {
            for i in 0..5 {
                let _ = tx.send(Msg::Changed(vec![PathBuf::from(format!("content/{i}.md"))]));
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(200));
            let _ = tx.send(Msg::Rescan("later".into()));
        });
        let first = next_batch(&rx, quiet, Duration::from_secs(1));
        assert_eq!(first.map(|b| b.paths.len()), Some(5));
        let second = next_batch(&rx, quiet, Duration::from_secs(1));
        assert_eq!(second.and_then(|b| b.rescan), Some("later".into()));
        let _ = sender.join();
        assert_eq!(next_batch(&rx, quiet, Duration::from_secs(1)), None);
    }
}
