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
            match kbgen::build(&opts) {
                Ok(report) => {
                    print_problems(&report.warnings);
                    if !args.quiet {
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
            print_problems(&diags);
            let failed = diags.has_errors() || (args.strict && !diags.is_empty());
            if failed {
                ExitCode::from(1)
            } else {
                println!("no errors in {}", args.root.root.display());
                ExitCode::SUCCESS
            }
        }
        Command::Serve(_args) => {
            eprintln!("kbgen serve is not available yet");
            ExitCode::from(2)
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
