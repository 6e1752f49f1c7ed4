//! Where a build's files go. [`Staging`] writes a whole build into a temporary folder beside the
//! output and swaps it in only when every file was written, so a failed or killed build leaves
//! the previous output whole and files of removed content vanish.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

/// Something that receives output files by their `/`-separated path relative to the site root.
pub trait Sink: Sync {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Error>;
}

/// Writes files under a folder, creating parent folders.
pub struct DirSink {
    pub dir: PathBuf,
}

impl Sink for DirSink {
    /// Write the file, and create its folder only when it is missing: a folder made ahead
    /// ([`DirSink::create_dirs`]) costs no further call, and creating a folder locks its parent
    /// (in a site, the one folder that holds every FAQ entry's).
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let target = self.dir.join(safe_relative(path)?);
        match std::fs::write(&target, bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
                }
                std::fs::write(&target, bytes)
            }
            done => done,
        }
        .map_err(|e| Error::io(&target, &e))
    }
}

impl DirSink {
    /// Create the folders of the files `paths`, one after the other. Folders created by one
    /// thread cost the file system far less than the same folders created from several at once,
    /// which contend for their parent's lock; this can run while other threads compute.
    pub fn create_dirs<'a>(&self, paths: impl IntoIterator<Item = &'a str>) -> Result<(), Error> {
        let mut made: HashSet<PathBuf> = HashSet::new();
        for path in paths {
            let Some(parent) = self
                .dir
                .join(safe_relative(path)?)
                .parent()
                .map(Path::to_path_buf)
            else {
                continue;
            };
            if parent == self.dir || made.contains(&parent) {
                continue;
            }
            match std::fs::create_dir(&parent) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, &e))?;
                }
                _ => {}
            }
            made.insert(parent);
        }
        Ok(())
    }
}

/// A relative output path that cannot leave the output folder.
fn safe_relative(path: &str) -> Result<&Path, Error> {
    let p = Path::new(path);
    if p.components().all(|c| matches!(c, Component::Normal(_))) {
        Ok(p)
    } else {
        Err(Error::new(format!(
            "refusing to write `{path}` outside the output folder"
        )))
    }
}

/// A build in progress: a temporary folder beside `out`.
pub struct Staging {
    out: PathBuf,
    sink: DirSink,
    committed: bool,
}

/// The site folders an output folder may neither hold nor sit inside.
pub const SOURCE_DIRS: [&str; 4] = ["content", "themes", "templates", "static"];

impl Staging {
    /// Start a build that will replace `out`, for the site at `root`. Refuses an output folder
    /// that is the root or holds it, or that is or lies inside one of its [`SOURCE_DIRS`].
    /// Leftovers of a killed build are cleaned up first, and an output lost between the two
    /// renames of a swap is put back.
    pub fn new(out: &Path, root: &Path) -> Result<Staging, Error> {
        check_out_dir(out, root)?;
        let parent = parent_of(out);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, &e))?;
        recover(out).map_err(|e| Error::io(out, &e))?;
        let tmp = side_folder(out, "tmp", std::process::id());
        std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, &e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            sink: DirSink { dir: tmp },
            committed: false,
        })
    }

    pub fn sink(&self) -> &DirSink {
        &self.sink
    }

    /// Swap the finished build in place of the output; the old output is removed.
    pub fn commit(mut self) -> Result<(), Error> {
        let tmp = self.sink.dir.clone();
        let old = side_folder(&self.out, "old", std::process::id());
        if self.out.exists() {
            std::fs::rename(&self.out, &old).map_err(|e| Error::io(&self.out, &e))?;
        }
        std::fs::rename(&tmp, &self.out).map_err(|e| Error::io(&self.out, &e))?;
        self.committed = true;
        if old.exists() {
            remove_tree(&old).map_err(|e| Error::io(&old, &e))?;
        }
        Ok(())
    }
}

/// `.NAME.kbgen-KIND-PID` beside `out`.
fn side_folder(out: &Path, kind: &str, pid: u32) -> PathBuf {
    let name = out
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy().into_owned());
    parent_of(out).join(format!(".{name}.kbgen-{kind}-{pid}"))
}

/// Clean up after builds that were killed: an output renamed aside but never replaced is put
/// back; staging and old folders of processes that are gone are removed.
fn recover(out: &Path) -> std::io::Result<()> {
    let name = out
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.kbgen-");
    for entry in std::fs::read_dir(parent_of(out))? {
        let entry = entry?;
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some((kind, pid)) = file.strip_prefix(&prefix).and_then(|r| r.split_once('-')) else {
            continue;
        };
        let pid: u32 = pid.parse().unwrap_or(0);
        if pid != std::process::id() && process_alive(pid) {
            continue;
        }
        if kind == "old" && !out.exists() {
            std::fs::rename(entry.path(), out)?;
        } else {
            remove_tree(&entry.path())?;
        }
    }
    Ok(())
}

/// Whether process `pid` still runs (where /proc tells; elsewhere assume it does not).
fn process_alive(pid: u32) -> bool {
    pid != 0 && Path::new(&format!("/proc/{pid}")).exists()
}

/// Remove a folder and everything in it, sub-folders in parallel: a site's output holds a folder
/// per page, and removing ten thousand of them one by one costs as much as writing them.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    let entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.par_iter().try_for_each(|e| {
        if e.file_type()?.is_dir() {
            remove_tree(&e.path())
        } else {
            std::fs::remove_file(e.path())
        }
    })?;
    std::fs::remove_dir(dir)
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.sink.dir);
        }
    }
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `p` made absolute with `.` and `..` resolved, links resolved as far as the path exists.
fn resolve(p: &Path) -> PathBuf {
    let joined = std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p));
    let mut lexical = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                lexical.pop();
            }
            c => lexical.push(c),
        }
    }
    let mut rest = Vec::new();
    let mut base = lexical.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(base) {
            return rest.iter().rev().fold(real, |acc, n| acc.join(n));
        }
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                base = parent;
            }
            _ => return lexical,
        }
    }
}

fn check_out_dir(out: &Path, root: &Path) -> Result<(), Error> {
    let out_abs = resolve(out);
    let refuse = |what: String| {
        Err(
            Error::new(format!("the output folder {} {what}", out.display()))
                .hint("choose an output folder outside the site's sources, e.g. --out public"),
        )
    };
    if resolve(root).starts_with(&out_abs) {
        return refuse(format!("would replace {}", root.display()));
    }
    for name in SOURCE_DIRS {
        let dir = resolve(&root.join(name));
        if dir.starts_with(&out_abs) {
            return refuse(format!("would replace the site's {name} folder"));
        }
        if out_abs.starts_with(&dir) {
            return refuse(format!(
                "is inside the site's {name} folder, which a build would delete"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape() {
        assert!(safe_relative("faq/a/index.html").is_ok());
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
    }

    #[test]
    fn output_may_not_hold_the_sources() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("content")).unwrap();
        assert!(check_out_dir(root, root).is_err());
        assert!(check_out_dir(&root.join("content"), root).is_err());
        assert!(check_out_dir(&root.join("content/faq"), root).is_err());
        assert!(check_out_dir(&root.join("static/x"), root).is_err());
        assert!(check_out_dir(&root.join("."), root).is_err());
        assert!(check_out_dir(&root.join("public"), root).is_ok());
    }

    #[test]
    fn an_output_lost_mid_swap_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let dead = 4_000_000; // above any pid_max: never a live process
        std::fs::create_dir(side_folder(&out, "old", dead)).unwrap();
        std::fs::write(side_folder(&out, "old", dead).join("index.html"), "old").unwrap();
        std::fs::create_dir(side_folder(&out, "tmp", dead)).unwrap();
        let staging = Staging::new(&out, &dir.path().join("site")).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "old"
        );
        assert!(!side_folder(&out, "tmp", dead).exists());
        staging.sink().write("index.html", b"new").unwrap();
        staging.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).unwrap(),
            "new"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only public/ remains");
    }
}
