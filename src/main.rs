//! The `kbgen` binary: parse arguments, run, print problems, exit 0 (fine), 1 (content errors)
//! or 2 (usage).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use kbgen::cli::{Cli, Command};
use kbgen::{BuildOptions, Diagnostics};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => {
            let opts = BuildOptions {
                root: args.root.root,
                out: args.out,
            };
            let progress = (!args.quiet && std::io::stderr().is_terminal())
                .then(|| Progress::start(&opts.out_dir()));
            let result = kbgen::build(&opts);
            drop(progress);
            match result {
                Ok(report) => {
                    if !args.quiet {
                        print_problems(&report.warnings);
                        println!(
                            "built {} pages ({} FAQ entries, {} search documents) into {} in {} ms",
                            report.pages,
                            report.faqs,
                            report.search_docs,
                            opts.out_dir().display(),
                            report.elapsed.as_millis()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(diags) => fail(&diags),
            }
        }
        Command::Check(args) => {
            let diags = kbgen::check(&args.root.root);
            let warned = diags.warnings().next().is_some();
            if diags.has_errors() || !args.quiet || (args.strict && warned) {
                print_problems(&diags);
            }
            if diags.has_errors() {
                ExitCode::from(1)
            } else if args.strict && warned {
                eprintln!("check failed: --strict makes warnings fail");
                ExitCode::from(1)
            } else {
                if !args.quiet && diags.is_empty() {
                    println!("no problems found in {}", args.root.root.display());
                }
                ExitCode::SUCCESS
            }
        }
        Command::Serve(args) => {
            let opts = kbgen::serve::ServeOptions {
                root: args.root.root,
                bind: args.bind,
                port: args.port,
                open: args.open,
                color: color(),
            };
            match kbgen::serve::serve(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprint!("{}", e.render(color()));
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print_problems(diags: &Diagnostics) {
    if !diags.is_empty() {
        eprint!("{}", diags.render(color()));
    }
}

fn fail(diags: &Diagnostics) -> ExitCode {
    print_problems(diags);
    eprintln!("build failed: the previous output, if any, is unchanged");
    ExitCode::from(1)
}

/// A progress line on stderr while a build runs, for a terminal only: it appears when the build
/// takes longer than half a second (a large site) and counts the files written so far into the
/// build's staging folder beside the output; it is erased when the build ends.
struct Progress {
    done: std::sync::mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(out: &std::path::Path) -> Progress {
        use std::time::{Duration, Instant};
        let (done, stop) = std::sync::mpsc::channel::<()>();
        let out = out.to_path_buf();
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut shown = false;
            let mut wait = Duration::from_millis(500);
            let mut files = 0; // once swapped in, the staging folder is gone: keep the count
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(wait) {
                files = files.max(staged_files(&out));
                eprint!(
                    "\r\x1b[2Kbuilding: {files} files written, {:.1} s",
                    start.elapsed().as_secs_f64()
                );
                shown = true;
                wait = Duration::from_millis(200);
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        });
        Progress {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        let _ = self.done.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How many files the build has written so far: those in the staging folder(s) beside `out`
/// (`.<name>.kbgen-tmp-…`).
fn staged_files(out: &std::path::Path) -> usize {
    let name = out
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.kbgen-tmp-");
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| count_files(&e.path()))
        .sum()
}

fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(_) => 1,
            Err(_) => 0,
        })
        .sum()
}
