//! The command line: `kbgen build`, `kbgen check`, `kbgen serve`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "kbgen",
    version,
    about = "Build, check and preview a static knowledge-base site"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default: public/).
    Build(BuildArgs),
    /// Validate the whole site without writing anything; report every problem.
    Check(CheckArgs),
    /// Build, serve and rebuild on every change, with live reload.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct RootArg {
    /// The site folder (holding content/).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// The output folder [default: ROOT/public]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors: no warnings, no progress, no summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// Fail on warnings too (e.g. FAQ entries awaiting an answer).
    #[arg(long)]
    pub strict: bool,
    /// Print nothing but errors (and, with --strict, warnings).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub root: RootArg,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// The port to listen on.
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
}
