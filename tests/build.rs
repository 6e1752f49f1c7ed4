//! `kbgen build` end to end: the real binary on the bundled site and on fixture sites, with
//! checks on the files it wrote.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kbgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kbgen"))
        .args(args)
        .output()
        .expect("kbgen runs")
}

/// Build the site at `root` into a fresh folder; panics with stderr when the build fails.
fn build(root: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let o = kbgen(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, out)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file under `dir`, by `/`-separated relative path.
fn files(dir: &Path) -> BTreeMap<String, PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, e.path().to_path_buf())
        })
        .collect()
}

/// The values of `attr="…"` in `html`.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// A Han character followed by a pinyin syllable in parentheses, like `人(rén)`.
fn reading_annotations(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for i in 0..chars.len().saturating_sub(2) {
        let han = ('\u{4e00}'..='\u{9fff}').contains(&chars[i]);
        if han && chars[i + 1] == '(' {
            let syllable: String = chars[i + 2..].iter().take_while(|c| **c != ')').collect();
            let is_pinyin = !syllable.is_empty()
                && syllable.len() <= 12
                && syllable
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü".contains(c));
            if is_pinyin && chars.get(i + 2 + syllable.chars().count()) == Some(&')') {
                found.push(format!("{}({syllable})", chars[i]));
            }
        }
    }
    found
}

#[test]
fn bundled_site_has_every_part_of_the_source() {
    let (_tmp, out) = build(&repo());
    let all = files(&out);
    let faq_pages: Vec<_> = all
        .keys()
        .filter(|k| k.starts_with("faq/") && k.ends_with("/index.html") && *k != "faq/index.html")
        .collect();
    assert_eq!(faq_pages.len(), 16, "{faq_pages:?}");

    let timeline = read(&out.join("timeline/index.html"));
    for date in ["2023-09-01", "2023-09-04", "2024-03-31", "2024-04-01"] {
        assert!(
            timeline.contains(&format!("datetime=\"{date}\"")),
            "milestone {date} missing"
        );
    }
    assert_eq!(
        timeline.matches("<time datetime=").count(),
        4 + 1,
        "4 milestones and the footer date"
    );

    let process = read(&out.join("process/index.html"));
    assert_eq!(process.matches("class=\"step\"").count(), 7, "seven steps");
    for stage in [
        "找備案入口",
        "填主體信息",
        "填小程序信息",
        "初審",
        "短信核驗",
        "通管局審核",
    ] {
        assert!(process.contains(stage), "stage {stage}");
    }
    assert!(process.contains("1～2 個工作日"));
    assert!(process.contains("24 小時內"));
    assert!(process.contains("1～20 個工作日"));
    assert!(
        process.contains("2～22 個工作日"),
        "total range computed from the data"
    );
    assert!(process.contains("12381"));

    let faq15 = read(&out.join("faq/legal-representative/index.html"));
    assert!(
        faq15.contains("待解答"),
        "FAQ 15 is visibly awaiting an answer"
    );
    let index = read(&out.join("faq/index.html"));
    let positions: Vec<usize> = [
        "similar-to-website-icp",
        "free-of-charge",
        "legal-representative",
        "responsible-person-mismatch",
    ]
    .iter()
    .map(|id| {
        index
            .find(&format!("faq/{id}/index.html"))
            .unwrap_or_else(|| panic!("{id} listed"))
    })
    .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "FAQ index in content order"
    );

    for f in [
        "404.html",
        "robots.txt",
        "index.html",
        "search/index.html",
        "checklists/index.html",
    ] {
        assert!(all.contains_key(f), "{f} written");
    }
    assert!(
        !all.contains_key("sitemap.xml"),
        "no sitemap without a base URL"
    );
    assert!(read(&out.join("index.html")).starts_with("<!DOCTYPE html>\n<html lang=\"zh-Hant\">"));
}

#[test]
fn checklists_list_every_item_of_the_content() {
    let (_tmp, out) = build(&repo());
    for list in ["individual", "non-individual"] {
        let yaml: serde_yaml::Value = serde_yaml::from_str(&read(
            &repo().join(format!("content/checklists/{list}.yaml")),
        ))
        .unwrap();
        let page = read(&out.join(format!("checklists/{list}/index.html")));
        let items = yaml["items"].as_sequence().unwrap();
        assert!(items.len() >= 6, "{list}: {} items", items.len());
        for item in items {
            let id = item["id"].as_str().unwrap();
            let title = item["title"].as_str().unwrap();
            assert!(
                page.contains(&format!("id=\"{id}\"")),
                "{list}: anchor for {id}"
            );
            assert!(page.contains(title), "{list}: title {title}");
        }
    }
    let individual = read(&out.join("checklists/individual/index.html"));
    assert!(individual.contains("1500×1100"));
    assert!(individual.contains("200K"));
}

#[test]
fn no_reading_annotation_in_content_or_output() {
    assert_eq!(
        reading_annotations("人(rén)與了(le)"),
        vec!["人(rén)", "了(le)"],
        "the detector works"
    );
    let (_tmp, out) = build(&repo());
    for dir in [repo().join("content"), out] {
        for (name, path) in files(&dir) {
            if let Ok(text) = fs::read_to_string(&path) {
                let found = reading_annotations(&text);
                assert!(found.is_empty(), "{name}: {found:?}");
                assert!(!text.contains("15001100"), "{name}: lost ×");
                assert!(!text.contains("傳送門"), "{name}: lost link marker");
            }
        }
    }
}

#[test]
fn every_relative_link_resolves() {
    let (_tmp, out) = build(&repo());
    let mut checked = 0;
    for (name, path) in files(&out)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".html"))
    {
        let html = read(&path);
        let base = path.parent().unwrap();
        for url in attr_values(&html, "href")
            .into_iter()
            .chain(attr_values(&html, "src"))
        {
            let external = ["http://", "https://", "mailto:", "data:"];
            if external.iter().any(|scheme| url.starts_with(scheme)) {
                continue;
            }
            assert!(!url.starts_with('/'), "{name}: root-absolute link {url}");
            let (file, anchor) = url.split_once('#').unwrap_or((url, ""));
            let file = file.split('?').next().unwrap();
            let target = if file.is_empty() {
                path.clone()
            } else {
                base.join(file)
            };
            assert!(target.is_file(), "{name}: {url} does not resolve");
            if !anchor.is_empty() {
                assert!(
                    read(&target).contains(&format!("id=\"{anchor}\"")),
                    "{name}: anchor {url} missing"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} links checked");
}

#[test]
fn minimal_site_builds_with_no_optional_sections() {
    let (_tmp, out) = build(&repo().join("tests/fixtures/minimal"));
    let all = files(&out);
    assert!(all.contains_key("faq/only/index.html"));
    assert!(!all.contains_key("timeline/index.html"));
    assert!(!all.contains_key("process/index.html"));
    let home = read(&out.join("index.html"));
    assert!(home.contains("<html lang=\"en\">"));
    assert!(
        !home.contains("timeline/index.html"),
        "no link to a missing section"
    );
}

#[test]
fn site_templates_and_static_files_override_the_theme() {
    let (_tmp, out) = build(&repo().join("tests/fixtures/override"));
    let a = read(&out.join("faq/a/index.html"));
    assert!(a.contains("<h1 class=\"custom-faq\">First</h1>"), "{a}");
    assert!(
        a.contains("href=\"../../faq/b/index.html\""),
        "content link made relative"
    );
    assert_eq!(fs::read(out.join("img/logo.gif")).unwrap(), b"GIF89a");
    assert!(
        out.join("css/site.css").is_file(),
        "theme files the site does not replace stay"
    );
    let sitemap = read(&out.join("sitemap.xml"));
    assert!(
        sitemap.contains("<loc>https://kb.example.org/guide/faq/a/</loc>"),
        "{sitemap}"
    );
    assert!(
        sitemap.contains("<loc>https://kb.example.org/guide/</loc>"),
        "{sitemap}"
    );
    assert!(
        read(&out.join("robots.txt")).contains("Sitemap: https://kb.example.org/guide/sitemap.xml")
    );
}

#[test]
fn content_errors_name_file_line_and_column_and_keep_the_output() {
    let site = tempfile::tempdir().unwrap();
    let src = repo().join("tests/fixtures/minimal");
    fs::create_dir_all(site.path().join("content/faq")).unwrap();
    fs::copy(
        src.join("content/site.yaml"),
        site.path().join("content/site.yaml"),
    )
    .unwrap();
    fs::copy(
        src.join("content/faq/only.md"),
        site.path().join("content/faq/only.md"),
    )
    .unwrap();
    let out = site.path().join("public");
    let root = site.path().to_str().unwrap();
    let ok = kbgen(&["build", "--root", root, "--out", out.to_str().unwrap()]);
    assert!(ok.status.success());
    let before = read(&out.join("faq/only/index.html"));

    fs::write(
        site.path().join("content/faq/bad.md"),
        "---\nid: bad\ntitle: Bad\norder: 2\nrelated: [nowhere]\nstatus: unsure\n---\nx\n",
    )
    .unwrap();
    let failed = kbgen(&["build", "--root", root, "--out", out.to_str().unwrap()]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    let bad = site.path().join("content/faq/bad.md");
    assert!(
        stderr.contains(&format!(
            "{}:6:9: error: status: unknown variant `unsure`",
            bad.display()
        )),
        "{stderr}"
    );
    assert!(
        read(&out.join("faq/only/index.html")) == before,
        "previous output kept"
    );
    assert!(!out.join("faq/bad").exists());
}

/// Facts of the source article (../shared/seed), as the mended content words them. A reader of
/// the built site must find each one.
const SOURCE_FACTS: &[&str] = &[
    "必須備案後才能上架",
    "清退",
    "【去備案】",
    "設置-基本設置",
    "補充備案",
    "服務標識",
    "互聯網信息服務前置審批項",
    "人臉核身",
    "站內信",
    "模板消息",
    "電話暢通",
    "12381",
    "24小時內",
    "通信管理局",
    "備案號",
    "200K",
    "1500×1100",
    "大於1個月",
    "純白色",
    "不遮擋面部",
    "營業執照",
    "組織機構代碼證",
    "ICP",
    "免費",
    "小程序運營專員",
    "wwen",
    "10月份",
    "系統限制",
    "微信認證",
    "虛假備案",
    "共用",
    "首個備案小程序審核通過後",
    "更多資料",
    "5～15天",
    "手寫日期",
    "個體工商戶無公章",
    "吉林、上海、江蘇、浙江、安徽、山東、湖北、廣東、四川、貴州、雲南",
    "法定代表人",
    "成員管理-管理員-修改",
    "掃碼驗證",
    "原管理員的信息",
    "2023-09-23",
];

#[test]
fn a_reader_finds_every_fact_of_the_source() {
    let (_tmp, out) = build(&repo());
    let text: String = files(&out)
        .values()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| read(p))
        .collect();
    let missing: Vec<_> = SOURCE_FACTS
        .iter()
        .filter(|f| !text.contains(**f))
        .collect();
    assert!(
        missing.is_empty(),
        "facts missing from the built site: {missing:?}"
    );
}
