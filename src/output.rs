//! Where a build's files go. [`Staging`] writes a whole build into a temporary folder beside the
//! output and swaps it in only when every file was written, so a failed or killed build leaves
//! the previous output whole and files of removed content vanish.

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
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), Error> {
        let target = self.dir.join(safe_relative(path)?);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, &e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| Error::io(&target, &e))
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

impl Staging {
    /// Start a build that will replace `out`. Refuses an output folder that is the site root, the
    /// content folder, or a folder that holds either.
    pub fn new(out: &Path, protected: &[&Path]) -> Result<Staging, Error> {
        check_out_dir(out, protected)?;
        let name = out
            .file_name()
            .map_or("public".into(), |n| n.to_string_lossy().into_owned());
        let parent = parent_of(out);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, &e))?;
        let tmp = parent.join(format!(".{name}.kbgen-tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, &e))?;
        }
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
        let old = tmp.with_extension("old");
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

fn absolute(p: &Path) -> PathBuf {
    // The output may not exist yet: resolve its parent and add the name.
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    match (std::fs::canonicalize(parent_of(p)), p.file_name()) {
        (Ok(parent), Some(name)) => parent.join(name),
        _ => std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf()),
    }
}

fn check_out_dir(out: &Path, protected: &[&Path]) -> Result<(), Error> {
    let out_abs = absolute(out);
    for p in protected {
        let p_abs = absolute(p);
        if p_abs.starts_with(&out_abs) {
            return Err(Error::new(format!(
                "the output folder {} would replace {}",
                out.display(),
                p.display()
            ))
            .hint("choose an output folder outside the site's sources, e.g. --out public"));
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
        let content = root.join("content");
        std::fs::create_dir(&content).unwrap();
        assert!(check_out_dir(root, &[root, &content]).is_err());
        assert!(check_out_dir(&content, &[root, &content]).is_err());
        assert!(check_out_dir(&root.join("public"), &[root, &content]).is_ok());
    }
}
