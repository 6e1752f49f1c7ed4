//! Builds are reproducible and never lose output, through the real binary:
//!
//! - two builds of the same input are byte for byte the same, whatever the folder, the number
//!   of threads, the time zone or the locale;
//! - files of removed content vanish on the next build;
//! - a failed build, and a build killed at any moment, leave the previous output whole;
//! - the output may not be the site root, the content folder, a parent of either, or a folder
//!   inside the site's sources.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kbgen(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kbgen"));
    cmd.args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run kbgen")
}

fn build(root: &Path, out: &Path, env: &[(&str, &str)]) -> Output {
    let run = kbgen(root, &["build", "--out", out.to_str().unwrap()], env);
    assert!(
        run.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    run
}

/// Every file under `dir` with its bytes, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            fs::copy(&p, &target).unwrap();
        }
    }
}

/// A copy of the bundled site (content only) in a fresh folder.
fn bundled_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("content"), &dir.path().join("content"));
    dir
}

/// A site with `n` FAQ entries that link to each other, and a checklist.
fn generated_site(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("content");
    fs::create_dir_all(c.join("faq")).unwrap();
    fs::create_dir_all(c.join("checklists")).unwrap();
    fs::write(
        c.join("site.yaml"),
        "title: 生成的網站\ndescription: A site.\nlanguage: zh-Hant\nbase_url: https://kb.example.org/\n",
    )
    .unwrap();
    fs::write(
        c.join("checklists/all.yaml"),
        "id: all\ntitle: 全部\nitems:\n  - id: one\n    title: 一\n  - id: two\n    title: 二\n",
    )
    .unwrap();
    for i in 0..n {
        let next = (i + 1) % n;
        fs::write(
            c.join(format!("faq/{i:05}.md")),
            format!(
                "---\nid: e{i}\ntitle: 第{i}題 question {i}\norder: {}\ntags: [t{}]\nrelated: [e{next}]\n---\n答案 {i}：見[下一題](faq:e{next})與[清單](item:all/one)。\n\nWords for the index, entry {i}.\n",
                i % 7,
                i % 5
            ),
        )
        .unwrap();
    }
    dir
}

fn assert_same(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: different files"
    );
    for (path, bytes) in a {
        assert!(bytes == &b[path], "{what}: {path} differs");
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let site = bundled_copy();
    let outs = tempfile::tempdir().unwrap();
    let one = outs.path().join("one");
    let two = outs.path().join("two");
    build(
        site.path(),
        &one,
        &[("RAYON_NUM_THREADS", "1"), ("TZ", "UTC")],
    );
    build(
        site.path(),
        &two,
        &[
            ("RAYON_NUM_THREADS", "8"),
            ("TZ", "Asia/Taipei"),
            ("LANG", "zh_TW.UTF-8"),
        ],
    );
    let first = tree(&one);
    assert!(first.len() > 20, "{:?}", first.keys());
    assert_same(&first, &tree(&two), "bundled site, two builds");

    // From another folder, into the same output again: still the same bytes.
    let elsewhere = bundled_copy();
    build(elsewhere.path(), &one, &[]);
    assert_same(&first, &tree(&one), "bundled site, from another folder");
    let site_path = site.path().to_string_lossy().into_owned();
    for (path, bytes) in &first {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(&site_path) && !text.contains(&*outs.path().to_string_lossy()),
            "{path} holds a path of the build machine"
        );
    }
}

#[test]
fn a_generated_site_builds_the_same_twice() {
    let site = generated_site(300);
    let outs = tempfile::tempdir().unwrap();
    build(
        site.path(),
        &outs.path().join("a"),
        &[("RAYON_NUM_THREADS", "2")],
    );
    build(
        site.path(),
        &outs.path().join("b"),
        &[("RAYON_NUM_THREADS", "16")],
    );
    let a = tree(&outs.path().join("a"));
    assert!(a.contains_key("faq/e299/index.html"));
    assert!(a.contains_key("sitemap.xml"));
    assert_same(&a, &tree(&outs.path().join("b")), "generated site");
}

#[test]
fn files_of_removed_content_vanish() {
    let site = bundled_copy();
    let out = site.path().join("public");
    build(site.path(), &out, &[]);
    let faq = out.join("faq/free-of-charge/index.html");
    assert!(faq.is_file());
    let about = out.join("about/index.html");
    assert!(about.is_file());
    // A stray file in the output is not the build's either.
    fs::write(out.join("stray.txt"), "x").unwrap();

    let entry = site.path().join("content/faq/02-free-of-charge.md");
    fs::remove_file(&entry).unwrap();
    fs::remove_file(site.path().join("content/pages/about.md")).unwrap();
    let config = site.path().join("content/site.yaml");
    let settings = fs::read_to_string(&config).unwrap();
    fs::write(&config, settings.replace("page:about", "home:")).unwrap();
    // Nothing else links to the removed page, so the site is valid without it…
    for e in fs::read_dir(site.path().join("content/faq")).unwrap() {
        let p = e.unwrap().path();
        let t = fs::read_to_string(&p).unwrap();
        let fixed = t
            .replace("[free-of-charge]", "[]")
            .replace(", free-of-charge", "");
        fs::write(&p, fixed.replace("faq:free-of-charge", "faq:")).unwrap();
    }
    build(site.path(), &out, &[]);
    assert!(!faq.exists() && !out.join("faq/free-of-charge").exists());
    assert!(!about.exists() && !out.join("about").exists());
    assert!(!out.join("stray.txt").exists());
    let search = tree(&out.join("search"));
    assert!(
        search
            .values()
            .all(|b| !String::from_utf8_lossy(b).contains("faq/free-of-charge/")),
        "the removed entry is still in the search index"
    );
    // No staging folder is left beside the output.
    let left: Vec<String> = fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "content" && n != "public")
        .collect();
    assert!(left.is_empty(), "left beside the output: {left:?}");
}

#[test]
fn a_failed_build_leaves_the_previous_output_whole() {
    let site = bundled_copy();
    let out = site.path().join("public");
    build(site.path(), &out, &[]);
    let before = tree(&out);

    // A content error: stopped before anything is written.
    let bad = site.path().join("content/faq/99-bad.md");
    fs::write(&bad, "---\nid: bad\ntitle: Bad\norder: first\n---\nx\n").unwrap();
    let run = kbgen(site.path(), &["build", "--out", "public"], &[]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.starts_with(
            "content/faq/99-bad.md:4:8: error: order: expected a whole number, found the text \"first\"\n"
        ),
        "{stderr}"
    );
    assert!(stderr.ends_with("build failed: the previous output, if any, is unchanged\n"));
    assert_same(&before, &tree(&out), "after a content error");
    fs::remove_file(&bad).unwrap();

    // A template error while pages are being written: the half-written build is thrown away.
    let templates = site.path().join("templates");
    fs::create_dir_all(&templates).unwrap();
    fs::write(
        templates.join("faq.html"),
        "{% extends \"base.html\" %}{% block main %}{{ no_such_thing.field }}{% endblock main %}",
    )
    .unwrap();
    let run = kbgen(site.path(), &["build", "--out", "public"], &[]);
    assert_eq!(run.status.code(), Some(1), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("template"));
    assert_same(&before, &tree(&out), "after a template error");
    let left: Vec<String> = fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !matches!(n.as_str(), "content" | "public" | "templates"))
        .collect();
    assert!(left.is_empty(), "left beside the output: {left:?}");
}

#[cfg(unix)]
#[test]
fn a_killed_build_leaves_the_previous_output_whole() {
    let site = generated_site(1500);
    let out = site.path().join("public");
    let first = Instant::now();
    build(site.path(), &out, &[]);
    let full = first.elapsed();
    let before = tree(&out);
    // Kill builds at moments spread over a whole build, from its start to its swap.
    let steps = 12;
    for k in 0..steps {
        let delay = full * k / steps;
        let mut child = Command::new(env!("CARGO_BIN_EXE_kbgen"))
            .args(["build", "-q", "--out", "public"])
            .current_dir(site.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().ok(); // SIGKILL: no clean-up runs
        child.wait().unwrap();
        let after = tree(&out);
        assert_same(&before, &after, &format!("killed after {delay:?}"));
    }
    // The next build succeeds and gives the same output.
    build(site.path(), &out, &[]);
    assert_same(&before, &tree(&out), "rebuilt after kills");
}

#[test]
fn the_output_may_not_replace_the_sources() {
    let site = bundled_copy();
    let root = site.path();
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/logo.txt"), "logo").unwrap();
    let sources = tree(root);
    let parent = root.parent().unwrap().to_str().unwrap().to_string();
    let abs_root = root.to_str().unwrap().to_string();
    let cases: [(&str, &str); 7] = [
        (".", "error: the output folder . would replace .\n"),
        (&abs_root, ""),
        (
            "content",
            "error: the output folder content would replace the site's content folder\n",
        ),
        ("..", "error: the output folder .. would replace .\n"),
        (&parent, ""),
        (
            "content/faq",
            "error: the output folder content/faq is inside the site's content folder, which a build would delete\n",
        ),
        (
            "static",
            "error: the output folder static would replace the site's static folder\n",
        ),
    ];
    for (out, first_line) in cases {
        let run = kbgen(root, &["build", "--out", out], &[]);
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "--out {out}: {stderr}");
        if !first_line.is_empty() {
            assert!(stderr.starts_with(first_line), "--out {out}: {stderr}");
        }
        assert!(
            stderr.contains("  hint: choose an output folder outside the site's sources"),
            "--out {out}: {stderr}"
        );
        assert_same(&sources, &tree(root), &format!("sources after --out {out}"));
    }
}
