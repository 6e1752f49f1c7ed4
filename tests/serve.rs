//! `kbgen serve` end to end: the real binary on a temporary copy of the bundled site, on a free
//! port, spoken to over raw TCP so that no client tidies a request path before the server sees
//! it. Every wait is bounded; the server is killed when a test ends, passed or failed.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FAQ: &str = "content/faq/02-free-of-charge.md";
const FAQ_PAGE: &str = "/faq/free-of-charge/index.html";
/// The longest any one wait may take.
const WAIT: Duration = Duration::from_secs(20);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary copy of the bundled site's sources.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for part in ["content", "themes"] {
        copy_dir(&repo().join(part), &dir.path().join(part));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Lines a child printed, gathered by a thread.
type Lines = Arc<Mutex<Vec<String>>>;

fn gather(stream: impl Read + Send + 'static) -> Lines {
    let lines: Lines = Arc::default();
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().expect("lines").push(line);
        }
    });
    lines
}

/// A running `kbgen serve`, killed when dropped.
struct Serve {
    child: Child,
    port: u16,
    stdout: Lines,
    stderr: Lines,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(root: &Path, extra: &[&str]) -> Serve {
        let port = free_port().to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_kbgen"))
            .args(["serve", "--root", root.to_str().expect("utf-8 path")])
            .args(["--port", &port])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kbgen serve starts");
        let stdout = gather(child.stdout.take().expect("stdout"));
        let stderr = gather(child.stderr.take().expect("stderr"));
        let mut serve = Serve {
            child,
            port: 0,
            stdout,
            stderr,
        };
        let line = serve.wait_line("serving http://");
        let url = line.split_whitespace().nth(1).expect("a URL");
        let port = url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .expect("a port");
        serve.port = port.parse().expect("a port number");
        serve
    }

    /// The first stdout line containing `needle`, waiting for it.
    fn wait_line(&self, needle: &str) -> String {
        let mut found = None;
        let ok = wait_until(|| {
            found = self.find(&self.stdout, needle);
            found.is_some()
        });
        assert!(ok, "no `{needle}` in stdout: {}", self.output());
        found.unwrap_or_default()
    }

    fn find(&self, lines: &Lines, needle: &str) -> Option<String> {
        let lines = lines.lock().expect("lines");
        lines.iter().find(|l| l.contains(needle)).cloned()
    }

    fn output(&self) -> String {
        let out = self.stdout.lock().expect("lines").join("\n");
        let err = self.stderr.lock().expect("lines").join("\n");
        format!("\n--- stdout\n{out}\n--- stderr\n{err}")
    }

    fn get(&self, target: &str) -> Reply {
        self.raw(&format!(
            "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        ))
    }

    fn raw(&self, request: &str) -> Reply {
        http(self.port, request.as_bytes())
    }

    fn status_json(&self) -> serde_json::Value {
        let reply = self.get("/__kbgen/status");
        serde_json::from_slice(&reply.body).expect("status is JSON")
    }

    /// Wait until the page at `target` contains `text`.
    fn wait_for_text(&self, target: &str, text: &str) {
        let ok = wait_until(|| self.get(target).text().contains(text));
        assert!(ok, "{target} never showed `{text}`{}", self.output());
    }

    /// Wait until no rebuild has happened for a while, so that every save was seen.
    fn settle(&self) {
        let mut last = (serde_json::Value::Null, Instant::now());
        let ok = wait_until(|| {
            let g = self.status_json()["generation"].clone();
            if g != last.0 {
                last = (g, Instant::now());
            }
            last.1.elapsed() > Duration::from_millis(600)
        });
        assert!(ok, "the server never settled{}", self.output());
    }
}

/// Poll `check` every 50 ms until it holds or [`WAIT`] passes.
fn wait_until(mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Send `request` as is and read the reply (status line, headers, body by Content-Length).
fn http(port: u16, request: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    stream.write_all(request).expect("send");
    let mut data = Vec::new();
    let mut buf = [0u8; 65536];
    let mut head_end = None;
    loop {
        if let Some(end) = head_end {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let reply = parse_head(&head);
            let length = reply.header("content-length").and_then(|l| l.parse().ok());
            let head_only = request.starts_with(b"HEAD ");
            if head_only || length.is_some_and(|l: usize| data.len() >= end + 4 + l) {
                let body_len = if head_only { 0 } else { length.unwrap_or(0) };
                let body = data[end + 4..end + 4 + body_len].to_vec();
                return Reply { body, ..reply };
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        head_end = data.windows(4).position(|w| w == b"\r\n\r\n");
    }
    let end = head_end.unwrap_or(data.len());
    let head = String::from_utf8_lossy(&data[..end]).into_owned();
    let body = data.get(end + 4..).unwrap_or_default().to_vec();
    Reply {
        body,
        ..parse_head(&head)
    }
}

fn parse_head(head: &str) -> Reply {
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_string(),
        body: Vec::new(),
    }
}

/// The events of a live-reload stream, as (event, data), read by a thread.
fn events(port: u16) -> Receiver<(String, String)> {
    let (tx, rx) = channel();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let request =
        "GET /__kbgen/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";
    stream.write_all(request.as_bytes()).expect("send");
    std::thread::spawn(move || {
        let (mut event, mut data) = (String::new(), String::new());
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Some(e) = line.strip_prefix("event: ") {
                event = e.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                data = d.to_string();
            } else if line.is_empty() && !event.is_empty() {
                let message = (std::mem::take(&mut event), std::mem::take(&mut data));
                if tx.send(message).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// The next event named `name` within [`WAIT`].
fn next_event(rx: &Receiver<(String, String)>, name: &str) -> Option<String> {
    let start = Instant::now();
    while let Some(left) = WAIT.checked_sub(start.elapsed()) {
        match rx.recv_timeout(left) {
            Ok((event, data)) if event == name => return Some(data),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
    None
}

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} has no `{from}`");
    fs::write(&path, text.replace(from, to)).expect("write");
}

/// `html` without the live-reload script that serve adds.
fn without_snippet(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let Some(start) = text.find("<script src=\"/__kbgen/reload.js\"") else {
        return html.to_vec();
    };
    let end = start + text[start..].find("</script>").expect("closed") + "</script>".len();
    format!("{}{}", &text[..start], &text[end..]).into_bytes()
}

/// Every file `kbgen build` writes for `root`, by path.
fn built(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().expect("temp dir");
    let status = Command::new(env!("CARGO_BIN_EXE_kbgen"))
        .args(["build", "--quiet", "--root", root.to_str().expect("utf-8")])
        .args(["--out", out.path().join("public").to_str().expect("utf-8")])
        .status()
        .expect("kbgen build runs");
    assert!(status.success(), "build failed");
    let public = out.path().join("public");
    walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&public).expect("inside");
            let rel = rel.to_string_lossy().replace('\\', "/");
            (rel, fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// Every file of a build is served with the same bytes, HTML with the reload script alone added.
fn assert_serves_the_build(serve: &Serve, root: &Path) {
    let files = built(root);
    assert!(files.len() > 20, "a real site");
    for (path, bytes) in &files {
        assert!(
            !bytes.windows(7).any(|w| w == b"__kbgen"),
            "{path} is built with serve's script"
        );
        let reply = serve.get(&format!("/{path}"));
        let status = if path == "404.html" {
            [200, 404]
        } else {
            [200, 200]
        };
        assert!(status.contains(&reply.status), "/{path}: {}", reply.status);
        assert!(
            without_snippet(&reply.body) == *bytes,
            "/{path} differs from the build{}",
            serve.output()
        );
    }
    let count = serve.status_json()["files"].as_u64();
    assert_eq!(count, Some(files.len() as u64), "serve has other files");
}

#[test]
fn serves_pages_with_their_types() {
    let dir = site();
    let serve = Serve::start(dir.path(), &[]);
    let home = serve.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(home.text().contains("<script src=\"/__kbgen/reload.js\""));
    for (target, kind) in [
        ("/css/site.css", "text/css; charset=utf-8"),
        ("/search/index.js", "text/javascript; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/__kbgen/reload.js", "text/javascript; charset=utf-8"),
        ("/__kbgen/overlay.css", "text/css; charset=utf-8"),
        ("/__kbgen/status", "application/json; charset=utf-8"),
        (FAQ_PAGE, "text/html; charset=utf-8"),
        ("/faq/", "text/html; charset=utf-8"),
    ] {
        let reply = serve.get(target);
        assert_eq!(reply.status, 200, "{target}");
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some(kind),
            "{target}"
        );
    }
    let folder = serve.get("/faq?x=1");
    assert_eq!(
        (folder.status, folder.header("location")),
        (302, Some("/faq/?x=1".into()))
    );

    let missing = serve.get("/no/such/page/");
    assert_eq!(missing.status, 404);
    let not_found = without_snippet(&missing.body);
    let built_404 = built(dir.path()).remove("404.html").expect("a 404 page");
    assert_eq!(not_found, built_404, "the theme's 404 page");

    let head = serve.raw("HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assert_eq!(head.status, 200);
    assert_eq!(
        head.header("content-length"),
        Some(home.body.len().to_string())
    );
    let post =
        serve.raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_eq!(post.status, 405);
}

#[test]
fn served_bytes_are_the_build_plus_the_reload_script() {
    let dir = site();
    let serve = Serve::start(dir.path(), &[]);
    assert_serves_the_build(&serve, dir.path());
}

#[test]
fn every_way_out_of_the_site_is_refused() {
    let dir = site();
    fs::write(dir.path().join("secret.txt"), "TOP SECRET").expect("write");
    let serve = Serve::start(dir.path(), &[]);
    for target in [
        "/../Cargo.toml",
        "/../secret.txt",
        "/../../../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/..%2Fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/%2e%2e%5csecret.txt",
        "/..\\secret.txt",
        "/\\secret.txt",
        "//etc/passwd",
        "//secret.txt",
        "/faq/../../secret.txt",
        "/index.html%00.txt",
        "/%00",
        "/secret.txt%00",
        "/C:/Windows/win.ini",
        "/./secret.txt",
        "/content/site.yaml",
        "/secret.txt",
    ] {
        let reply = serve.get(target);
        assert!(
            [400, 404].contains(&reply.status),
            "{target}: {}",
            reply.status
        );
        let text = reply.text();
        assert!(
            !text.contains("TOP SECRET") && !text.contains("root:"),
            "{target}"
        );
    }
    let nul = http(
        serve.port,
        b"GET /index.html\0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        [0, 400, 404].contains(&nul.status),
        "raw NUL: {}",
        nul.status
    );
    assert_eq!(serve.get("/").status, 200, "still serving");
}

#[test]
fn edits_errors_and_fixes_reach_the_pages() {
    let dir = site();
    let serve = Serve::start(dir.path(), &[]);
    let stream = events(serve.port);
    assert!(
        next_event(&stream, "hello").is_some(),
        "the stream says hello"
    );

    edit(
        dir.path(),
        FAQ,
        "小程序備案是免費的。",
        "小程序備案是免費的。第一次修改。",
    );
    serve.wait_for_text(FAQ_PAGE, "第一次修改");
    let reload = next_event(&stream, "reload").expect("a reload event");
    assert!(reload.contains("faq/free-of-charge/index.html"), "{reload}");

    edit(dir.path(), FAQ, "order: 2", "order: 2\ncolour: red");
    let ok = wait_until(|| serve.status_json()["problem"].is_string());
    assert!(ok, "the error is never reported{}", serve.output());
    let problem = serve.status_json()["problem"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(problem.contains("02-free-of-charge.md:"), "{problem}");
    assert!(problem.contains("colour"), "{problem}");
    let shown = next_event(&stream, "problem").expect("a problem event");
    assert!(shown.contains("colour"), "{shown}");
    let located = wait_until(|| serve.find(&serve.stderr, "02-free-of-charge.md:").is_some());
    assert!(located, "no file:line:col on stderr{}", serve.output());
    let page = serve.get(FAQ_PAGE);
    assert_eq!(page.status, 200, "the last good page is still served");
    assert!(page.text().contains("第一次修改"));

    edit(dir.path(), FAQ, "\ncolour: red", "");
    let cleared = wait_until(|| serve.status_json()["problem"].is_null());
    assert!(cleared, "the error never clears{}", serve.output());
    assert_eq!(
        next_event(&stream, "problem").as_deref(),
        Some(r#"{"text":null}"#)
    );
    serve.wait_line("(fixed)");
    assert_eq!(serve.get(FAQ_PAGE).status, 200);
}

#[test]
fn atomic_saves_new_and_deleted_files_are_seen() {
    let dir = site();
    let root = dir.path();
    let serve = Serve::start(root, &[]);

    // An editor's atomic save: write a temporary file, rename it over the real one.
    let text = fs::read_to_string(root.join(FAQ)).expect("read");
    let tmp = root.join("content/faq/.02-free-of-charge.md.tmp");
    fs::write(&tmp, text.replace("免費的", "免費的（原子保存）")).expect("write");
    fs::rename(&tmp, root.join(FAQ)).expect("rename");
    serve.wait_for_text(FAQ_PAGE, "原子保存");

    // A new entry, then the same in a new folder.
    let entry = "---\nid: brand-new\ntitle: 全新問題？\norder: 99\n---\n全新的答案。\n";
    fs::write(root.join("content/faq/99-brand-new.md"), entry).expect("write");
    serve.wait_for_text("/faq/brand-new/", "全新的答案");
    serve.wait_for_text("/faq/", "全新問題");
    fs::create_dir(root.join("content/faq/more")).expect("mkdir");
    let nested = entry
        .replace("brand-new", "nested-one")
        .replace("全新的答案", "子資料夾");
    fs::write(root.join("content/faq/more/a.md"), nested).expect("write");
    serve.wait_for_text("/faq/nested-one/", "子資料夾");

    // Renamed file, same entry; then deleted files and folders.
    fs::rename(
        root.join("content/faq/99-brand-new.md"),
        root.join("content/faq/98-renamed.md"),
    )
    .expect("rename");
    serve.settle();
    assert_eq!(serve.get("/faq/brand-new/").status, 200);
    fs::remove_file(root.join("content/faq/98-renamed.md")).expect("remove");
    assert!(
        wait_until(|| serve.get("/faq/brand-new/").status == 404),
        "{}",
        serve.output()
    );
    fs::rename(root.join("content/faq/more"), root.join("moved-away")).expect("move folder");
    assert!(
        wait_until(|| serve.get("/faq/nested-one/").status == 404),
        "{}",
        serve.output()
    );
    assert!(!serve.get("/faq/").text().contains("全新問題"));
}

#[test]
fn incremental_rebuilds_equal_a_fresh_build() {
    let dir = site();
    let root = dir.path();
    let serve = Serve::start(root, &[]);
    // A body, a title, an order that moves an entry, a new entry and a deleted one.
    edit(root, FAQ, "小程序備案是免費的。", "免費，不收任何費用。");
    serve.wait_for_text(FAQ_PAGE, "不收任何費用");
    edit(
        root,
        "content/faq/06-daily-limit.md",
        "title: ",
        "title: 改過的標題：",
    );
    serve.wait_for_text("/faq/", "改過的標題");
    edit(
        root,
        "content/faq/04-official-specialist.md",
        "order: 4",
        "order: 12",
    );
    serve.settle();
    let entry = "---\nid: added-entry\ntitle: 新增的問題？\norder: 7\n---\n答案。\n";
    fs::write(root.join("content/faq/07b-added.md"), entry).expect("write");
    serve.wait_for_text("/faq/", "新增的問題");
    fs::remove_file(root.join("content/faq/11-filing-number-display.md")).expect("remove");
    assert!(wait_until(|| serve
        .get("/faq/filing-number-display/")
        .status
        == 404));
    serve.settle();
    assert_serves_the_build(&serve, root);
    assert!(
        serve.find(&serve.stdout, "everything in").is_some(),
        "incremental"
    );
}

#[test]
fn temporary_files_do_not_rebuild() {
    let dir = site();
    let serve = Serve::start(dir.path(), &[]);
    let before = serve.status_json()["generation"].clone();
    for name in [
        ".#02.md",
        "02.md~",
        ".02.md.swp",
        "4913",
        "x.md___jb_tmp___",
    ] {
        let path = dir.path().join("content/faq").join(name);
        fs::write(&path, "junk").expect("write");
        fs::remove_file(&path).expect("remove");
    }
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(
        serve.status_json()["generation"],
        before,
        "{}",
        serve.output()
    );
    let lines = serve.stdout.lock().expect("lines").len();
    assert_eq!(lines, 3, "no rebuild line{}", serve.output());
}

#[test]
fn a_site_that_never_built_still_serves_its_errors() {
    let dir = site();
    edit(
        dir.path(),
        "content/site.yaml",
        "title: ",
        "colour: <b>&broken\ntitle: ",
    );
    let serve = Serve::start(dir.path(), &[]);
    let page = serve.get("/faq/free-of-charge/");
    assert_eq!(page.status, 500);
    let text = page.text();
    assert!(text.contains("site.yaml:"), "{text}");
    assert!(
        !text.contains("<b>&broken"),
        "the message is escaped: {text}"
    );
    assert!(text.contains("/__kbgen/reload.js"));
    let original = fs::read_to_string(repo().join("content/site.yaml")).expect("read");
    fs::write(dir.path().join("content/site.yaml"), original).expect("write");
    assert!(
        wait_until(|| serve.get(FAQ_PAGE).status == 200),
        "{}",
        serve.output()
    );
    assert!(serve.status_json()["problem"].is_null());
}

#[test]
fn a_taken_port_moves_to_the_next_and_says_so() {
    let dir = site();
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kbgen"))
        .args(["serve", "--root", dir.path().to_str().expect("utf-8")])
        .args(["--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = gather(child.stdout.take().expect("stdout"));
    let stderr = gather(child.stderr.take().expect("stderr"));
    let serve = Serve {
        child,
        port: 0,
        stdout,
        stderr,
    };
    let line = serve.wait_line("serving http://");
    assert!(!line.contains(&format!(":{port}/")), "{line}");
    let said = wait_until(|| {
        serve
            .find(&serve.stderr, &format!("port {port} is in use"))
            .is_some()
    });
    assert!(said, "{}", serve.output());
    drop(taken);
}

#[test]
fn binding_beyond_loopback_warns() {
    let dir = site();
    let serve = Serve::start(dir.path(), &["--bind", "0.0.0.0"]);
    let warned = wait_until(|| {
        serve
            .find(&serve.stderr, "warning: listening on 0.0.0.0")
            .is_some()
    });
    assert!(warned, "{}", serve.output());
    assert_eq!(serve.get("/").status, 200);
}

#[test]
fn a_burst_of_connections_beside_idle_ones_is_served() {
    let dir = site();
    let serve = Serve::start(dir.path(), &[]);
    // Connections a browser keeps open and idle, then a page's burst of requests.
    let idle: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(("127.0.0.1", serve.port)).expect("connect"))
        .collect();
    let targets = [
        "/",
        "/css/site.css",
        FAQ_PAGE,
        "/faq/",
        "/robots.txt",
        "/search/index.js",
    ];
    let (tx, rx) = channel();
    for round in 0..3 {
        for target in targets {
            let (tx, port) = (tx.clone(), serve.port);
            std::thread::spawn(move || {
                let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
                let _ = tx.send((round, target, http(port, request.as_bytes()).status));
            });
        }
    }
    for _ in 0..targets.len() * 3 {
        let (round, target, status) = rx.recv_timeout(WAIT).expect("every request is answered");
        assert_eq!(status, 200, "{target} (round {round})");
    }
    let reply = serve.get("/");
    assert_eq!(reply.header("connection").as_deref(), Some("close"));
    drop(idle);
}

#[test]
fn reference_and_template_errors_keep_the_last_good_site() {
    let dir = site();
    let root = dir.path();
    let serve = Serve::start(root, &[]);
    let good = serve.get(FAQ_PAGE).body;
    let problem = || serve.status_json()["problem"].as_str().map(str::to_string);

    // A related entry that does not exist: a validation error, located.
    edit(
        root,
        FAQ,
        "tags: [費用]",
        "tags: [費用]\nrelated: [no-such-entry]",
    );
    assert!(wait_until(|| problem().is_some()), "{}", serve.output());
    let text = problem().unwrap_or_default();
    assert!(
        text.contains("no-such-entry") && text.contains("02-free-of-charge.md:"),
        "{text}"
    );
    assert_eq!(serve.get(FAQ_PAGE).body, good, "the last good page");
    edit(root, FAQ, "\nrelated: [no-such-entry]", "");
    assert!(wait_until(|| problem().is_none()), "{}", serve.output());

    // A template that does not parse: a full rebuild fails, the site stays.
    let template = "themes/default/templates/faq.html";
    edit(
        root,
        template,
        "{% block main %}",
        "{% block main %}{{ faq.number + }}",
    );
    assert!(wait_until(|| problem().is_some()), "{}", serve.output());
    assert!(
        problem().unwrap_or_default().contains("faq.html"),
        "{:?}",
        problem()
    );
    assert_eq!(serve.get(FAQ_PAGE).body, good, "the last good page");
    edit(root, template, "{{ faq.number + }}", "");
    assert!(wait_until(|| problem().is_none()), "{}", serve.output());
    assert_eq!(serve.get(FAQ_PAGE).status, 200);
}
