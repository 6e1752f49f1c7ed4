//! kbgen: a static knowledge-base site generator. Content (YAML and Markdown) and a theme (Tera
//! templates and static assets) go in; a static site with a client-side search index comes out.
//!
//! The pipeline keeps each stage in one place: [`content`] loads and validates, [`markdown`] and
//! [`render`] turn content into pages, [`search`] indexes it, [`output`] writes it, and [`build`]
//! runs the stages in order. [`serve`] wraps build with a watcher and a preview server.

pub mod build;
pub mod cli;
pub mod content;
pub mod error;
pub mod incremental;
pub mod markdown;
pub mod output;
pub mod render;
pub mod search;
pub mod serve;
pub mod theme;

pub use build::{BuildOptions, BuildReport, Project, build, check};
pub use error::{Diagnostics, Error, Location, Severity};
