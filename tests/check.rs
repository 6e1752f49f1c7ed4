//! `kbgen check` on broken input, through the real binary.
//!
//! The corpus: every folder under `tests/bad/` is a small broken site (`content/…`) with the
//! exact stderr that `kbgen check` must print (`expected.txt`) and, in `args`, extra arguments
//! (`--strict`). Each case runs from its own folder, so paths in messages are relative and the
//! text is stable. The same problems must stop `kbgen build`, which then writes nothing.
//! Set `KBGEN_BLESS=1` to write the expected files from the current output (then read them!).
//!
//! Inputs too big or too odd to commit (a 50 MB file, very long lines, deep nesting, billion
//! laughs, a symbolic link out of the site, a named pipe) are made at run time by the tests below.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SITE: &str = "title: Help\ndescription: A help site.\nlanguage: en\n";

/// What a run of the binary printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Run `kbgen args…` in `dir`, without colour, killing it (and failing) after `limit`.
fn kbgen_in(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kbgen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kbgen");
    // Read the pipes on threads so that a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut s).ok();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "kbgen {args:?} in {} ran over {limit:?}: a hang",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_reader.join().expect("stdout")).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().expect("stderr")).into_owned(),
        elapsed,
    }
}

fn check_in(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    kbgen_in(dir, &args, Duration::from_secs(20))
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("tests/bad")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

/// A problem line: `file:line:col: error: …`, `error: …` or the same for warnings.
fn is_problem_line(line: &str) -> bool {
    line.starts_with("error: ")
        || line.starts_with("warning: ")
        || line.contains(": error: ")
        || line.contains(": warning: ")
}

#[test]
fn corpus_of_broken_sites_gives_the_exact_messages() {
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "the corpus has {} cases, fewer than 30",
        cases.len()
    );
    let bless = std::env::var_os("KBGEN_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let args = fs::read_to_string(case.join("args")).unwrap_or_default();
        let args: Vec<&str> = args.split_whitespace().collect();
        let run = check_in(case, &args);
        let expected_path = case.join("expected.txt");
        if bless {
            fs::write(&expected_path, &run.stderr).unwrap();
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{name}: no expected.txt"));
        if run.stderr != expected {
            failures.push(format!(
                "== {name}: stderr differs\n-- expected\n{expected}-- got\n{}",
                run.stderr
            ));
        }
        if run.code != Some(1) {
            failures.push(format!("== {name}: exit {:?}, not 1", run.code));
        }
        if !run.stdout.is_empty() {
            failures.push(format!("== {name}: stdout not empty: {}", run.stdout));
        }
        if run.stderr.contains("panicked") {
            failures.push(format!("== {name}: panic"));
        }
        if !args.is_empty() {
            continue; // warnings that fail only with --strict do not stop a build
        }
        // The same validation stops a build, which then leaves no output at all.
        let out = tempfile::tempdir().unwrap();
        let public = out.path().join("public");
        let built = kbgen_in(
            case,
            &["build", "--out", public.to_str().unwrap()],
            Duration::from_secs(20),
        );
        let want = format!("{expected}build failed: the previous output, if any, is unchanged\n");
        if built.code != Some(1) || built.stderr != want {
            failures.push(format!(
                "== {name}: build exit {:?}, stderr\n{}",
                built.code, built.stderr
            ));
        }
        if public.exists() || fs::read_dir(out.path()).unwrap().count() != 0 {
            failures.push(format!("== {name}: a failed build left files"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_corpus_case_gives_one_located_message_with_a_hint() {
    // "Thirty kinds of broken input each give one clear, located message and nothing else":
    // all cases but those about several files have exactly one problem, which has a place
    // (`file:line:col`) unless the file itself is missing, and a hint.
    let several = ["errors-in-every-file", "cross-references-all-at-once"];
    let unlocated = ["missing-site-yaml", "no-content-folder"];
    let mut single = 0;
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected = fs::read_to_string(case.join("expected.txt")).unwrap();
        let problems: Vec<&str> = expected.lines().filter(|l| is_problem_line(l)).collect();
        let hints = expected
            .lines()
            .filter(|l| l.starts_with("  hint: "))
            .count();
        if several.contains(&name.as_str()) {
            assert!(problems.len() >= 5, "{name}: {expected}");
            continue;
        }
        single += 1;
        assert_eq!(problems.len(), 1, "{name}: {expected}");
        assert_eq!(hints, 1, "{name} has no hint: {expected}");
        if !unlocated.contains(&name.as_str()) {
            let place = problems[0].split(": ").next().unwrap();
            let parts: Vec<&str> = place.rsplitn(3, ':').collect();
            assert!(
                parts.len() == 3 && parts[0].parse::<usize>().is_ok(),
                "{name}: not located: {}",
                problems[0]
            );
            assert!(parts[2].starts_with("content/"), "{name}: {}", problems[0]);
        }
    }
    assert!(single >= 30, "only {single} single-problem cases");
}

#[test]
fn every_file_reports_its_error_in_one_run() {
    let run = check_in(&corpus_dir().join("errors-in-every-file"), &[]);
    for file in [
        "content/faq/a.md:",
        "content/faq/b.md:",
        "content/pages/about.md:",
        "content/process.yaml:",
        "content/timeline.yaml:",
    ] {
        assert!(run.stderr.contains(file), "{file} missing:\n{}", run.stderr);
    }
    assert!(
        run.stderr.ends_with("5 errors, 0 warnings\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn colour_only_on_a_terminal() {
    let case = corpus_dir().join("unknown-field");
    let run = Command::new(env!("CARGO_BIN_EXE_kbgen"))
        .arg("check")
        .current_dir(&case)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("error: unknown field `colour`"), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "escape codes in a pipe: {stderr:?}"
    );
}

/// A fresh site in a temporary folder with `files` under content/ (site.yaml given).
fn site(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    fs::create_dir_all(&content).unwrap();
    fs::write(content.join("site.yaml"), SITE).unwrap();
    for (name, bytes) in files {
        let path = content.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

fn assert_output(run: &Run, expected: &str) {
    assert_eq!(run.stderr, expected);
    assert_eq!(run.code, Some(1));
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_50_mb_file_is_refused_without_being_read() {
    let dir = site(&[]);
    let path = dir.path().join("content/faq/huge.md");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = fs::File::create(&path).unwrap();
    f.write_all(b"---\nid: huge\ntitle: Huge\norder: 1\n---\n")
        .unwrap();
    let line = "All work and no play makes a very long answer. ".repeat(20) + "\n";
    let mut written = 0;
    while written < 50 * 1024 * 1024 {
        f.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    drop(f);
    let size = fs::metadata(&path).unwrap().len();
    let run = check_in(dir.path(), &[]);
    assert_output(
        &run,
        &format!(
            "content/faq/huge.md:1:1: error: file is too large ({size} bytes; content files may have at most 4194304 bytes)
  |
1 | ---
  | ^
  hint: split the content into several files, or move large assets to static/

1 error, 0 warnings
"
        ),
    );
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn a_very_long_line_is_shown_cut_around_the_problem() {
    // A 1 MB title line with an unquoted `: ` at its end.
    let long = "a".repeat(1_000_000);
    let faq = format!("---\nid: long\ntitle: {long}: and more\norder: 1\n---\nBody.\n");
    let dir = site(&[("faq/long.md", faq.as_bytes())]);
    let run = check_in(dir.path(), &[]);
    let col = "title: ".len() + long.len() + 1;
    let shown = format!("…{}: and more", "a".repeat(90));
    assert_output(
        &run,
        &format!(
            "content/faq/long.md:3:{col}: error: a `: ` inside a value makes YAML read a second field
  |
3 | {shown}
  | {}^
  hint: put the value in quotes, e.g. `title: \"Step 1: apply\"`

1 error, 0 warnings
",
            " ".repeat(91)
        ),
    );
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn deep_flow_nesting_is_refused_before_parsing() {
    // Four hundred thousand `[`: the YAML parser would take minutes; kbgen refuses at once.
    let depth = 400_000;
    let yaml = format!(
        "title: Dates\nmilestones: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let dir = site(&[("timeline.yaml", yaml.as_bytes())]);
    let run = check_in(dir.path(), &[]);
    assert_output(
        &run,
        &format!(
            "content/timeline.yaml:2:141: error: the YAML nests `[` or `{{` more than 128 levels deep
  |
2 | …{}…
  | {}^
  hint: content needs only a few levels; look for brackets that are never closed

1 error, 0 warnings
",
            "[".repeat(100),
            " ".repeat(51)
        ),
    );
    assert!(run.elapsed < Duration::from_secs(2), "{:?}", run.elapsed);
}

#[test]
fn deep_block_nesting_is_refused() {
    // Mappings nested by indentation, 300 levels, where a condition takes any value.
    let mut yaml = String::from(
        "questions:\n  - id: q\n    label: Q\n    type: boolean\n    when:\n      q:\n",
    );
    for i in 0..300 {
        yaml.push_str(&format!("{}k:\n", " ".repeat(8 + 2 * i)));
    }
    let dir = site(&[("questions.yaml", yaml.as_bytes())]);
    let run = check_in(dir.path(), &[]);
    assert!(
        run.stderr.starts_with("content/questions.yaml:")
            && run.stderr.contains(": error: the YAML nests too deeply\n")
            && run
                .stderr
                .contains("  hint: content needs only a few levels of nesting")
            && run.stderr.ends_with("\n1 error, 0 warnings\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, Some(1));
    assert!(run.elapsed < Duration::from_secs(2), "{:?}", run.elapsed);
}

#[test]
fn billion_laughs_are_refused_fast() {
    // Ten levels of nine aliases: 9^10 (3.5 billion) strings if expanded.
    let mut yaml = String::from(
        "questions:\n  - id: q\n    label: Q\n    type: boolean\n    when:\n      q: [\n        &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol],\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        yaml.push_str(&format!("        &l{i} [{refs}],\n"));
    }
    yaml.push_str("      ]\n");
    let dir = site(&[("questions.yaml", yaml.as_bytes())]);
    let run = check_in(dir.path(), &[]);
    assert_output(
        &run,
        "content/questions.yaml:8:14: error: the YAML's aliases (`*name`) expand to too much data
  |
8 |         &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0],
  |              ^
  hint: write the values out instead of repeating them through aliases

1 error, 0 warnings
",
    );
    assert!(run.elapsed < Duration::from_secs(2), "{:?}", run.elapsed);
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_site_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    fs::write(
        &secret,
        "---\nid: secret\ntitle: Secret\norder: 1\n---\nx\n",
    )
    .unwrap();
    let dir = site(&[("faq/a.md", b"---\nid: a\ntitle: A\norder: 1\n---\nx\n")]);
    std::os::unix::fs::symlink(&secret, dir.path().join("content/faq/b.md")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("content/timeline.yaml")).unwrap();
    let run = check_in(dir.path(), &[]);
    let target = fs::canonicalize(&secret).unwrap();
    let stderr = run
        .stderr
        .replace(&target.display().to_string(), "<outside>");
    assert_output(
        &Run { stderr, ..run },
        "content/faq/b.md:1:1: error: symbolic link points outside the site, to <outside>
  |
1 | ---
  | ^
  hint: copy the file into the site instead of linking to it

content/timeline.yaml:1:1: error: symbolic link points outside the site, to <outside>
  |
1 | ---
  | ^
  hint: copy the file into the site instead of linking to it

2 errors, 0 warnings
",
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_never_blocks_the_check() {
    let dir = site(&[]);
    let fifo = dir.path().join("content/timeline.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let run = check_in(dir.path(), &[]);
    assert_output(
        &run,
        "content/timeline.yaml:1:1: error: not a regular file
  hint: content files must be ordinary files; remove it or replace it with one

1 error, 0 warnings
",
    );
}

#[test]
fn a_thousand_broken_files_are_all_reported() {
    let dir = site(&[]);
    let faq = dir.path().join("content/faq");
    fs::create_dir_all(&faq).unwrap();
    for i in 0..1000 {
        fs::write(
            faq.join(format!("{i:04}.md")),
            format!("---\nid: e{i}\ntitle: E{i}\norder: x{i}\n---\nBody.\n"),
        )
        .unwrap();
    }
    let run = check_in(dir.path(), &[]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr
            .matches(": error: order: expected a whole number")
            .count(),
        1000
    );
    assert!(run.stderr.ends_with("\n1000 errors, 0 warnings\n"));
    assert!(run.stderr.contains("content/faq/0999.md:4:8: error:"));
}

#[test]
fn the_bundled_site_is_clean_but_for_one_awaiting_entry() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = check_in(root, &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| is_problem_line(l))
            .map(|l| l.split(": ").nth(1).unwrap())
            .collect::<Vec<_>>(),
        ["warning"],
        "{}",
        run.stderr
    );
    assert!(run.stderr.ends_with("0 errors, 1 warning\n"));
    assert!(run.stdout.is_empty());

    let strict = check_in(root, &["--strict"]);
    assert_eq!(strict.code, Some(1));
    assert!(
        strict
            .stderr
            .ends_with("0 errors, 1 warning\ncheck failed: --strict makes warnings fail\n"),
        "{}",
        strict.stderr
    );

    let quiet = check_in(root, &["-q"]);
    assert_eq!(quiet.code, Some(0));
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
}

#[test]
fn a_clean_site_says_so_and_exits_0() {
    let dir = site(&[("faq/a.md", b"---\nid: a\ntitle: A\norder: 1\n---\nBody.\n")]);
    let run = check_in(dir.path(), &[]);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.stdout, "no problems found in .\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn build_prints_one_summary_line_and_q_quiets_it() {
    let dir = site(&[("faq/a.md", b"---\nid: a\ntitle: A\norder: 1\n---\nBody.\n")]);
    let run = kbgen_in(dir.path(), &["build"], Duration::from_secs(30));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stderr, "",
        "no progress line when stderr is not a terminal"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let line = lines[0];
    assert!(
        line.starts_with("built ")
            && line.contains(" pages (1 FAQ entries, ")
            && line.contains(" search documents) into public in ")
            && line.ends_with(" ms"),
        "{line}"
    );

    let with_warning = site(&[(
        "faq/a.md",
        b"---\nid: a\ntitle: A\norder: 1\nstatus: awaiting\n---\nBody.\n",
    )]);
    let quiet = kbgen_in(
        with_warning.path(),
        &["build", "-q"],
        Duration::from_secs(30),
    );
    assert_eq!(quiet.code, Some(0));
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));
    assert!(
        with_warning
            .path()
            .join("public/faq/a/index.html")
            .is_file()
    );
}
