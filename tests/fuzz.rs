//! Property tests (proptest) over front-matter splitting and the content loader: arbitrary bytes,
//! arbitrary YAML-ish text and mutated real content files never make kbgen panic, and every
//! problem found renders with its place.
//!
//! cargo-fuzz needs a nightly toolchain, which this project's machines do not have; proptest
//! runs on stable, in `cargo test`. Each property runs 256 cases from a fixed seed by default;
//! set `PROPTEST_CASES=20000` (for example) for a long run from a random seed.

use std::fs;
use std::path::Path;

use kbgen::content::load::load;
use kbgen::content::model::{
    Checklist, FaqMeta, PageMeta, Process, Questions, SiteConfig, Timeline,
};
use kbgen::content::source::{parse_yaml, read_text, split_front_matter};
use kbgen::content::validate::validate;
use kbgen::{Diagnostics, Error};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// 256 cases from a fixed seed by default, so that `cargo test` (and CI) is repeatable; with
/// `PROPTEST_CASES` set, that many cases from a random seed (or `PROPTEST_RNG_SEED`).
fn config() -> Config {
    fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
        std::env::var(name).ok().and_then(|v| v.parse().ok())
    }
    let (cases, seed) = match env("PROPTEST_CASES") {
        Some(cases) => (
            cases,
            env("PROPTEST_RNG_SEED").map_or(RngSeed::Random, RngSeed::Fixed),
        ),
        None => (256, RngSeed::Fixed(0x6b62_6765_6e00)),
    };
    Config {
        cases,
        rng_seed: seed,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every field name of the content model, and YAML's odd corners.
const TOKENS: &[&str] = &[
    "id: a\n",
    "id: b\n",
    "title: T\n",
    "order: 1\n",
    "tags: [x, y]\n",
    "related: [a]\n",
    "status: awaiting\n",
    "date: 2023-09-01\n",
    "date: 2023-02-30\n",
    "milestones:\n",
    "steps:\n",
    "stages:\n",
    "duration:\n",
    "min: 3\n",
    "max: 1\n",
    "unit: days\n",
    "notify: [a]\n",
    "questions:\n",
    "label: L\n",
    "type: boolean\n",
    "options:\n",
    "value: v\n",
    "when: {a: true}\n",
    "help: h\n",
    "items:\n",
    "required: true\n",
    "detail: |\n",
    "input: image\n",
    "constraints:\n",
    "max_bytes: 1\n",
    "differs_from: a\n",
    "source: faq:a\n",
    "subject: s\n",
    "intro: >-\n",
    "description: D\n",
    "language: en\n",
    "base_url: http://x/\n",
    "sections:\n",
    "faq: F\n",
    "name: N\n",
    "- ",
    "  ",
    "    ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    ": ",
    ":",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "\\",
    "&a ",
    "*a",
    "*b",
    "!!str ",
    "!tag ",
    "? ",
    "|\n",
    ">\n",
    "---\n",
    "...\n",
    "---",
    "# c\n",
    "\u{feff}",
    "備案",
    "身份證",
    "\u{0}",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{2028}",
    "\u{fffd}",
    "%YAML 1.2\n",
    "<<: *a\n",
    "[faq](faq:a)",
    "[x](item:a/b)",
    "~",
    "null",
    "-1",
    "1e9",
    "0x1F",
    ".inf",
    "yes",
    "@",
    "`",
    "%",
    "=",
    "&",
    "*",
];

fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        8 => prop::sample::select(TOKENS).prop_map(str::to_string),
        1 => "[a-z_-]{1,12}",
        1 => any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ];
    prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
}

/// The bundled site's files, to mutate: near-valid input reaches deeper than random text.
fn real_files() -> Vec<String> {
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    [
        "site.yaml",
        "timeline.yaml",
        "process.yaml",
        "questions.yaml",
        "checklists/individual.yaml",
        "faq/14-residence-permit.md",
        "pages/about.md",
    ]
    .iter()
    .map(|f| fs::read_to_string(content.join(f)).unwrap())
    .collect()
}

#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
}

/// A real file with a few edits: bytes deleted, tokens inserted, ranges repeated.
fn mutated() -> impl Strategy<Value = String> {
    let files = real_files();
    let edit = prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), prop::sample::select(TOKENS))
            .prop_map(|(at, t)| Edit::Insert(at, t.into())),
        (any::<usize>(), 0usize..200).prop_map(|(at, n)| Edit::Duplicate(at, n)),
    ];
    (0..files.len(), prop::collection::vec(edit, 1..6)).prop_map(move |(i, edits)| {
        let mut bytes = files[i].clone().into_bytes();
        for e in edits {
            let at = |p: usize| {
                if bytes.is_empty() {
                    0
                } else {
                    p % (bytes.len() + 1)
                }
            };
            match e {
                Edit::Delete(p, n) => {
                    let s = at(p);
                    let end = (s + n).min(bytes.len());
                    bytes.drain(s..end);
                }
                Edit::Insert(p, t) => {
                    let s = at(p);
                    bytes.splice(s..s, t.into_bytes());
                }
                Edit::Duplicate(p, n) => {
                    let s = at(p);
                    let end = (s + n).min(bytes.len());
                    let copy = bytes[s..end].to_vec();
                    bytes.splice(end..end, copy);
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![yamlish(), mutated(), any::<String>()]
}

/// An error must have a place inside the text (or just past its end) and render.
fn check_error(err: &Error, path: &Path, text: &str) {
    if let Some(loc) = &err.location {
        assert_eq!(loc.file, path);
        let lines = text.split('\n').count();
        assert!(
            loc.line >= 1 && loc.line <= lines + 1,
            "line {} of {lines}: {err}",
            loc.line
        );
        assert!(loc.col >= 1);
    }
    let rendered = err.render(false);
    assert!(
        !rendered.contains('\u{1b}'),
        "an escape reached the terminal"
    );
}

/// Parse `text` as every kind of content file; render each error against the file on disk.
fn parse_all(dir: &Path, text: &str) {
    let path = dir.join("f.yaml");
    fs::write(&path, text).unwrap();
    macro_rules! each {
        ($($t:ty),*) => {$(
            if let Err(e) = parse_yaml::<$t>(&path, text, 0) {
                check_error(&e, &path, text);
            }
        )*};
    }
    each!(
        SiteConfig, Timeline, Process, Questions, Checklist, FaqMeta, PageMeta
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn front_matter_splitting_never_panics(src in text()) {
        let path = Path::new("f.md");
        match split_front_matter(path, &src) {
            Ok(fm) => {
                // The parts are slices of the file, in order, with true line numbers.
                prop_assert!(src.contains(fm.yaml) && src.ends_with(fm.body));
                prop_assert_eq!(fm.yaml_line, 1);
                let before_body = &src[..src.len() - fm.body.len()];
                prop_assert_eq!(fm.body_line, before_body.matches('\n').count());
            }
            Err(e) => check_error(&e, path, &src),
        }
    }

    #[test]
    fn yaml_of_every_kind_never_panics(src in text()) {
        let dir = tempfile::tempdir().unwrap();
        parse_all(dir.path(), &src);
        if let Ok(fm) = split_front_matter(Path::new("f.md"), &src) {
            let path = dir.path().join("f.md");
            fs::write(&path, &src).unwrap();
            for r in [
                parse_yaml::<FaqMeta>(&path, fm.yaml, fm.yaml_line).err(),
                parse_yaml::<PageMeta>(&path, fm.yaml, fm.yaml_line).err(),
            ].into_iter().flatten() {
                check_error(&r, &path, &src);
            }
        }
    }

    #[test]
    fn reading_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.yaml");
        fs::write(&path, &bytes).unwrap();
        match read_text(&path) {
            Ok(text) => {
                let bom = '\u{feff}';
                prop_assert!(!text.contains('\r') && !text.starts_with(bom));
                parse_all(dir.path(), &text);
            }
            Err(e) => { e.render(false); }
        }
    }

    #[test]
    fn loading_a_site_of_broken_files_never_panics(
        files in prop::collection::vec(
            (
                prop::sample::select(&[
                    "site.yaml", "timeline.yaml", "process.yaml", "questions.yaml",
                    "checklists/a.yaml", "checklists/b.yaml", "faq/a.md", "faq/b.md",
                    "pages/a.md", "faq/c.txt",
                ][..]),
                prop_oneof![
                    text().prop_map(String::into_bytes),
                    prop::collection::vec(any::<u8>(), 0..200),
                ],
            ),
            1..5,
        )
    ) {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        fs::create_dir_all(&content).unwrap();
        fs::write(content.join("site.yaml"), "title: T\ndescription: D\nlanguage: en\n").unwrap();
        for (name, bytes) in &files {
            let path = content.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        let (site, mut diags): (_, Diagnostics) = load(dir.path());
        if let Some(site) = &site {
            diags.extend(validate(site));
        }
        for e in &diags.0 {
            prop_assert!(
                !e.message.contains("internal error"),
                "a loader panicked (caught): {e}"
            );
        }
        let rendered = diags.render(false);
        prop_assert!(site.is_some() || rendered.contains("error"));
        // The whole check, theme included, through the library's entry point.
        kbgen::check(dir.path());
    }
}
