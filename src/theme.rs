//! Themes: the default theme is embedded in the binary, so an installed kbgen works anywhere. A
//! theme folder on disk (`themes/<name>/`) replaces its files one by one, and a site's own
//! `templates/` and `static/` replace those in turn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use walkdir::WalkDir;

use crate::content::load::{display_join, is_ignored};
use crate::error::{Diagnostics, Error};

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// The files of a theme after overrides: templates by name, static files by output path.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, String>,
    pub static_files: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The theme `name` for the site at `root`: built-in files, then `themes/<name>/`, then the
    /// site's `templates/` and `static/`.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostics> {
        let mut theme = Theme::default();
        theme.add_embedded(&DEFAULT_THEME);
        let dir = display_join(root, "themes").join(name);
        if !dir.is_dir() && name != "default" {
            return Err(
                Error::new(format!("theme `{name}` not found at {}", dir.display()))
                    .hint("remove `theme` from site.yaml to use the built-in theme")
                    .into(),
            );
        }
        let mut diags = Diagnostics::default();
        theme.add_dir(&dir.join("templates"), Kind::Template, &mut diags);
        theme.add_dir(&dir.join("static"), Kind::Static, &mut diags);
        theme.add_dir(&display_join(root, "templates"), Kind::Template, &mut diags);
        theme.add_dir(&display_join(root, "static"), Kind::Static, &mut diags);
        if diags.has_errors() {
            Err(diags)
        } else {
            Ok(theme)
        }
    }

    fn add_embedded(&mut self, dir: &Dir<'static>) {
        for entry in dir.entries() {
            if let Some(d) = entry.as_dir() {
                self.add_embedded(d);
            } else if let Some(f) = entry.as_file() {
                let path = f.path().to_string_lossy().replace('\\', "/");
                if let Some(name) = path.strip_prefix("templates/") {
                    let text = String::from_utf8_lossy(f.contents()).into_owned();
                    self.templates.insert(name.to_string(), text);
                } else if let Some(name) = path.strip_prefix("static/") {
                    self.static_files
                        .insert(name.to_string(), f.contents().to_vec());
                }
            }
        }
    }

    fn add_dir(&mut self, dir: &Path, kind: Kind, diags: &mut Diagnostics) {
        for (name, path) in files_under(dir) {
            match (kind, std::fs::read(&path)) {
                (_, Err(e)) => diags.push(Error::io(&path, &e).in_file(&path)),
                (Kind::Template, Ok(bytes)) => match String::from_utf8(bytes) {
                    Ok(text) => {
                        self.templates.insert(name, text);
                    }
                    Err(_) => diags.push(Error::new("template is not valid UTF-8").in_file(&path)),
                },
                (Kind::Static, Ok(bytes)) => {
                    self.static_files.insert(name, bytes);
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Template,
    Static,
}

/// The files under `dir` as (`/`-separated relative name, path), sorted, temp files skipped.
pub fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Some((name, e.path().to_path_buf()))
        })
        .collect()
}
