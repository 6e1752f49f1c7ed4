//! What the rebuild loop and the request threads share: the files of the last good build, held
//! in memory; the problem of the last save, if it broke the site; which files each update
//! changed, so that a page that connects late learns what it missed; and the open live-reload
//! streams, each a channel that a request thread forwards to its browser tab.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Updates remembered for pages that connect late.
const HISTORY: usize = 64;
/// Beyond this many changed files, a notice says "everything" instead of naming them.
const MAX_LISTED: usize = 200;

/// A message for the open pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Files changed; `paths: None` means too many to name (or everything).
    Reload {
        generation: u64,
        paths: Option<Vec<String>>,
    },
    /// The last save broke the site (`Some(message)`), or no longer does (`None`).
    Problem(Option<String>),
}

impl Notice {
    /// The notice as one Server-Sent Events message.
    pub fn to_sse(&self) -> String {
        let (event, data) = match self {
            Notice::Reload { generation, paths } => (
                "reload",
                serde_json::json!({ "generation": generation, "paths": paths }),
            ),
            Notice::Problem(text) => ("problem", serde_json::json!({ "text": text })),
        };
        format!("event: {event}\ndata: {data}\n\n")
    }
}

/// Files changed by one rebuild, by `/`-separated path relative to the site root.
#[derive(Debug, Default)]
pub struct Update {
    pub files: Vec<(String, Vec<u8>)>,
    pub removed: Vec<String>,
    /// `files` is the whole site: every other file goes.
    pub complete: bool,
}

/// The site as served at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    files: HashMap<String, Arc<[u8]>>,
    generation: u64,
    /// Whether a build ever succeeded.
    built: bool,
    problem: Option<String>,
    /// Per generation, the files it changed (`None`: everything).
    history: VecDeque<(u64, Option<Vec<String>>)>,
}

impl Snapshot {
    pub fn file(&self, path: &str) -> Option<Arc<[u8]>> {
        self.files.get(path).cloned()
    }

    pub fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn built(&self) -> bool {
        self.built
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// The files changed after generation `since`: none when it is current, `None` when the
    /// history no longer reaches back that far or an update changed everything.
    pub fn changes_since(&self, since: u64) -> Option<Vec<String>> {
        if since == self.generation {
            return Some(Vec::new());
        }
        let oldest = self.history.front().map_or(u64::MAX, |(g, _)| *g);
        if since > self.generation || since + 1 < oldest {
            return None;
        }
        let mut paths = BTreeSet::new();
        for (_, changed) in self.history.iter().filter(|(g, _)| *g > since) {
            paths.extend(changed.as_ref()?.iter().cloned());
        }
        Some(paths.into_iter().collect())
    }

    /// Apply `update`; the paths whose bytes changed, sorted.
    fn apply(&mut self, update: Update) -> Vec<String> {
        let mut changed = BTreeSet::new();
        if update.complete {
            let keep: BTreeSet<&str> = update.files.iter().map(|(p, _)| p.as_str()).collect();
            let gone: Vec<String> = self
                .files
                .keys()
                .filter(|k| !keep.contains(k.as_str()))
                .cloned()
                .collect();
            for path in gone {
                self.files.remove(&path);
                changed.insert(path);
            }
        }
        for path in update.removed {
            if self.files.remove(&path).is_some() {
                changed.insert(path);
            }
        }
        for (path, bytes) in update.files {
            if self.files.get(&path).is_none_or(|old| **old != *bytes) {
                self.files.insert(path.clone(), bytes.into());
                changed.insert(path);
            }
        }
        changed.into_iter().collect()
    }
}

/// The state shared by the rebuild loop and the request threads.
#[derive(Debug)]
pub struct Shared {
    /// Tells this server from an earlier one on the same port, so pages reload after a restart.
    pub instance: String,
    snapshot: RwLock<Snapshot>,
    clients: Mutex<Vec<Sender<Notice>>>,
}

/// What a page learns when it connects to the live-reload stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    pub instance: String,
    pub generation: u64,
    /// The files changed since the generation the page was served at.
    pub paths: Option<Vec<String>>,
    pub problem: Option<String>,
}

impl Hello {
    pub fn to_sse(&self) -> String {
        let data = serde_json::json!({
            "instance": self.instance, "generation": self.generation,
            "paths": self.paths, "problem": self.problem,
        });
        format!("retry: 1000\nevent: hello\ndata: {data}\n\n")
    }
}

impl Shared {
    pub fn new(instance: String) -> Shared {
        Shared {
            instance,
            snapshot: RwLock::default(),
            clients: Mutex::default(),
        }
    }

    /// Run `f` on the current site, unchanged while it runs.
    pub fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        f(&self.snapshot_read())
    }

    /// Serve `update` from now on and tell the open pages; returns the paths that changed.
    pub fn publish(&self, update: Update) -> Vec<String> {
        let mut snap = self.snapshot_write();
        let first = !snap.built;
        let changed = snap.apply(update);
        snap.built = true;
        if snap.problem.take().is_some() {
            self.broadcast(Notice::Problem(None));
        }
        if !changed.is_empty() || first {
            snap.generation += 1;
            let generation = snap.generation;
            let listed = (!first && changed.len() <= MAX_LISTED).then(|| changed.clone());
            snap.history.push_back((generation, listed.clone()));
            if snap.history.len() > HISTORY {
                snap.history.pop_front();
            }
            self.broadcast(Notice::Reload {
                generation,
                paths: listed,
            });
        }
        changed
    }

    /// Keep serving the last good site, and show `message` on every open page.
    pub fn fail(&self, message: String) {
        let mut snap = self.snapshot_write();
        snap.problem = Some(message.clone());
        self.broadcast(Notice::Problem(Some(message)));
    }

    /// A new live-reload stream for a page served at generation `since`.
    pub fn subscribe(&self, since: Option<u64>) -> (Hello, Receiver<Notice>) {
        // Under the snapshot lock: no update can fall between the hello and the stream.
        let snap = self.snapshot_read();
        let hello = Hello {
            instance: self.instance.clone(),
            generation: snap.generation,
            paths: since.and_then(|g| snap.changes_since(g)),
            problem: snap.problem.clone(),
        };
        let (tx, rx) = channel();
        self.clients().push(tx);
        (hello, rx)
    }

    /// How many pages are connected.
    pub fn client_count(&self) -> usize {
        self.clients().len()
    }

    fn broadcast(&self, notice: Notice) {
        self.clients().retain(|c| c.send(notice.clone()).is_ok());
    }

    fn clients(&self) -> MutexGuard<'_, Vec<Sender<Notice>>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn snapshot_read(&self) -> RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn snapshot_write(&self) -> RwLockWriteGuard<'_, Snapshot> {
        self.snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(files: &[(&str, &str)], complete: bool) -> Update {
        Update {
            files: files
                .iter()
                .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
                .collect(),
            removed: Vec::new(),
            complete,
        }
    }

    #[test]
    fn only_changed_bytes_count_and_pages_learn_what_they_missed() {
        let shared = Shared::new("t".into());
        let (_, rx) = shared.subscribe(None);
        shared.publish(update(&[("a.html", "a"), ("b.html", "b")], true));
        assert_eq!(
            rx.try_recv(),
            Ok(Notice::Reload {
                generation: 1,
                paths: None
            })
        );
        assert_eq!(
            shared.publish(update(&[("a.html", "a"), ("b.html", "B")], false)),
            vec!["b.html"]
        );
        assert!(shared.publish(update(&[("a.html", "a")], false)).is_empty());
        assert_eq!(
            shared.publish(update(&[("c.html", "c")], true)),
            vec!["a.html", "b.html", "c.html"]
        );
        shared.read(|s| {
            assert_eq!(s.generation(), 3);
            assert_eq!(s.changes_since(3), Some(vec![]));
            assert_eq!(s.changes_since(1).map(|p| p.len()), Some(3));
            assert_eq!(s.changes_since(0), None);
            assert!(s.has("c.html") && !s.has("a.html"));
        });
    }

    #[test]
    fn a_problem_is_shown_then_cleared() {
        let shared = Shared::new("t".into());
        shared.publish(update(&[("a.html", "a")], true));
        shared.fail("content/faq/x.md:2:1: error: <bad>".into());
        let (hello, rx) = shared.subscribe(Some(1));
        assert_eq!(hello.paths, Some(vec![]));
        assert!(hello.problem.is_some_and(|p| p.contains("<bad>")));
        shared.publish(update(&[("a.html", "a")], false));
        assert_eq!(rx.try_recv(), Ok(Notice::Problem(None)));
        assert!(rx.try_recv().is_err(), "nothing changed: no reload");
        assert!(
            Notice::Problem(Some("a\nb".into()))
                .to_sse()
                .ends_with("\"a\\nb\"}\n\n")
        );
    }
}
