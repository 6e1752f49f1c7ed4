//! What serve tells the terminal: where the site is served, each rebuild with what changed and
//! how long it took, and each problem with file, line and column, worded as `kbgen build` words
//! it (the overlay in the pages shows the same text, without colour).

use std::net::SocketAddr;
use std::path::Path;

use super::rebuild::Done;
use super::watch::Batch;
use crate::error::Diagnostics;

/// The terminal, with colour or without.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    pub color: bool,
}

impl Console {
    /// After the first build.
    pub fn first_build(&self, result: &Result<Done, Diagnostics>) {
        match result {
            Ok(done) => {
                self.warnings(&done.new_warnings);
                println!(
                    "built {} pages in {} ms",
                    done.rendered,
                    done.elapsed.as_millis()
                );
            }
            Err(problems) => {
                eprint!("{}", problems.render(self.color));
                eprintln!(
                    "the site does not build yet: every page shows these errors until they are fixed"
                );
            }
        }
    }

    /// Where the site is served, and what is watched.
    pub fn serving(&self, url: &str, addr: SocketAddr, moved_from: Option<u16>, watched: &[&str]) {
        if let Some(port) = moved_from {
            eprintln!(
                "port {port} is in use, so serving on port {} instead (choose one with --port)",
                addr.port()
            );
        }
        if !addr.ip().is_loopback() {
            eprintln!(
                "warning: listening on {}: other computers on the network can open the preview \
                 (--bind 127.0.0.1 keeps it on this computer)",
                addr.ip()
            );
        }
        println!("serving {url} (Ctrl-C to stop)");
        let folders: Vec<String> = watched.iter().map(|f| format!("{f}/")).collect();
        println!("watching {} for changes", folders.join(", "));
    }

    /// After a rebuild for `batch`; `fixed` when the one before had failed.
    pub fn rebuilt(&self, batch: &Batch, result: &Result<Done, Diagnostics>, fixed: bool) {
        let what = describe(batch);
        match result {
            Ok(done) => {
                self.warnings(&done.new_warnings);
                let fixed = if fixed { " (fixed)" } else { "" };
                println!("{what}: {}{fixed}", timing(done));
            }
            Err(problems) => {
                eprintln!("{what}: the site has errors; still serving the last good version");
                eprint!("{}", problems.render(self.color));
            }
        }
    }

    pub fn note(&self, message: &str) {
        eprintln!("{message}");
    }

    fn warnings(&self, warnings: &Diagnostics) {
        if !warnings.is_empty() {
            eprint!("{}", warnings.render(self.color));
        }
    }
}

/// "3 pages in 4 ms, everything in 120 ms; 5 files changed": the pages that show the change
/// first, then everything (lists, search index).
fn timing(done: &Done) -> String {
    let files = match done.changed {
        0 => "nothing changed".to_string(),
        1 => "1 file changed".to_string(),
        n => format!("{n} files changed"),
    };
    let pages = if done.rendered == 1 { "page" } else { "pages" };
    if done.full {
        let ms = done.elapsed.as_millis();
        format!("rebuilt {} {pages} in {ms} ms; {files}", done.rendered)
    } else {
        let (first, all) = (done.first.as_millis(), done.elapsed.as_millis());
        format!(
            "{} {pages} in {first} ms, everything in {all} ms; {files}",
            done.rendered
        )
    }
}

/// What a batch changed, in a few words: `content/faq/a.md`, `content/faq/a.md and 2 more`.
pub fn describe(batch: &Batch) -> String {
    if let Some(why) = &batch.rescan {
        return format!("everything ({why})");
    }
    let mut paths = batch.paths.iter().map(|p| slashed(p));
    match (paths.next(), batch.paths.len()) {
        (None, _) => "nothing".to_string(),
        (Some(first), 1) => first,
        (Some(first), n) => format!("{first} and {} more", n - 1),
    }
}

fn slashed(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
