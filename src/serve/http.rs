//! The preview's HTTP side, on tiny_http: each request on its own thread, answered from the build
//! held in memory, so no request can reach a file on disk. A request path with `..`, `.`, an
//! encoded dot, slash or backslash, a backslash, `//`, a colon or a control character is refused
//! with 400 before any lookup. Folders serve their `index.html` (`/dir` redirects to `/dir/`),
//! missing files the theme's 404 page with status 404. HTML gets one `<script>` before `</body>`:
//! the live-reload client, served with its overlay style under `/__kbgen/`, where the
//! Server-Sent Events stream and a JSON status live too. Responses are written here, each
//! closing its connection (see [`send`] for why).

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use tiny_http::{Method, Request, Server};

use super::state::{Shared, Snapshot};
use crate::error::Error;

/// The live-reload client and its overlay's style: served by `kbgen serve` only.
const RELOAD_JS: &str = include_str!("../../themes/default/serve/reload.js");
const OVERLAY_CSS: &str = include_str!("../../themes/default/serve/overlay.css");
/// How often an idle event stream says it is alive, so that closed tabs are noticed.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How many ports after a taken one are tried.
const PORT_TRIES: u16 = 10;

/// A bound server.
pub struct Listening {
    pub server: Server,
    pub addr: SocketAddr,
    /// Set when the asked port was taken and another one is used.
    pub moved_from: Option<u16>,
}

/// Listen on `bind:port`, or on one of the next ports when it is taken.
pub fn listen(bind: &str, port: u16) -> Result<Listening, Error> {
    let ip = parse_ip(bind)?;
    let tries = if port == 0 { 1 } else { PORT_TRIES };
    for p in (0..tries).filter_map(|i| port.checked_add(i)) {
        match TcpListener::bind((ip, p)) {
            Ok(listener) => {
                let addr = listener
                    .local_addr()
                    .map_err(|e| Error::new(format!("cannot listen on {ip}:{p}: {e}")))?;
                let server = Server::from_listener(listener, None)
                    .map_err(|e| Error::new(format!("cannot listen on {addr}: {e}")))?;
                let moved_from = (p != port).then_some(port);
                return Ok(Listening {
                    server,
                    addr,
                    moved_from,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => {
                return Err(Error::new(format!("cannot listen on {ip}:{p}: {e}"))
                    .hint("choose another port with --port, or another address with --bind"));
            }
        }
    }
    Err(Error::new(format!(
        "port {port} on {ip} is in use, and so are the {} after it",
        tries - 1
    ))
    .hint(format!(
        "is another kbgen serve running? Stop it, or choose a free port with --port (e.g. --port {})",
        port.wrapping_add(1000)
    )))
}

fn parse_ip(bind: &str) -> Result<IpAddr, Error> {
    if bind.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::from([127, 0, 0, 1]));
    }
    bind.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| {
            Error::new(format!("--bind {bind}: not an IP address"))
                .hint("use 127.0.0.1 (this computer only, the default) or 0.0.0.0 (every network)")
        })
}

/// How often [`keep_pool_awake`] knocks.
const KNOCK: Duration = Duration::from_millis(100);

/// Knock on the server at `addr` every [`KNOCK`], for as long as the process runs. tiny_http hands
/// each new connection to a thread of its pool, and when connections arrive in a burst it can
/// queue one without waking a thread; the connection then waits until another one arrives (a
/// browser's page load stalls on its last request). A knock is such a connection: it is closed
/// at once, so the thread it wakes or adds goes on to take whatever was left queued.
pub fn keep_pool_awake(addr: SocketAddr) {
    let target = SocketAddr::new(super::url_ip(addr.ip()), addr.port());
    loop {
        std::thread::sleep(KNOCK);
        let _ = std::net::TcpStream::connect_timeout(&target, KNOCK);
    }
}

/// Answer requests until the server stops, each on its own thread.
pub fn accept(server: &Server, shared: &Arc<Shared>) {
    for request in server.incoming_requests() {
        let shared = Arc::clone(shared);
        std::thread::spawn(move || respond(request, &shared));
    }
}

fn respond(request: Request, shared: &Shared) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let refused = text(405, "method not allowed\n");
        return send(request, with_header(refused, "Allow", "GET, HEAD"));
    }
    let url = request.url().to_string();
    let Some(key) = site_key(&url) else {
        return send(
            request,
            text(400, "bad request: this path is not allowed\n"),
        );
    };
    match key.strip_prefix("__kbgen/") {
        Some("events") => events(request, shared, query_number(&url, "since")),
        Some("reload.js") => send(request, asset(RELOAD_JS, "reload.js")),
        Some("overlay.css") => send(request, asset(OVERLAY_CSS, "overlay.css")),
        Some("status") => send(request, status(shared)),
        Some(_) => send(request, text(404, "not found\n")),
        None => {
            let reply = shared.read(|snap| site_reply(snap, &shared.instance, &key, &url));
            send(request, reply);
        }
    }
}

/// The site path a request target names: percent-decoded, without the leading `/`, with
/// `index.html` left to the caller; `None` when the target is refused.
pub fn site_key(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    let encoded_separator = ["%2e", "%2f", "%5c", "%00"]
        .iter()
        .any(|s| lower.contains(s));
    let rest = path.strip_prefix('/')?;
    if rest.starts_with('/') || path.contains('\\') || encoded_separator {
        return None;
    }
    let decoded = percent_decode(rest)?;
    let bad_char = |c: char| c.is_control() || c == '\\' || c == ':';
    let segments: Vec<&str> = decoded.split('/').collect();
    let (last, folders) = segments.split_last()?;
    let bad = folders.iter().any(|s| matches!(*s, "" | "." | ".."))
        || matches!(*last, "." | "..")
        || decoded.chars().any(bad_char);
    (!bad).then_some(decoded)
}

/// `%XX` escapes decoded; `None` for a malformed escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The number `name=N` in the query of `url`, if any.
fn query_number(url: &str, name: &str) -> Option<u64> {
    let (_, query) = url.split_once('?')?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// A response body: a file of the site, shared, or bytes made for this response.
enum Body {
    Shared(Arc<[u8]>),
    Owned(Vec<u8>),
}

impl AsRef<[u8]> for Body {
    fn as_ref(&self) -> &[u8] {
        match self {
            Body::Shared(b) => b,
            Body::Owned(b) => b,
        }
    }
}

/// A response, written by [`send`].
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
}

fn reply(status: u16, content_type: &str, body: Body) -> Reply {
    let headers = vec![
        ("Content-Type", content_type.to_string()),
        ("Cache-Control", "no-store".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ];
    Reply {
        status,
        headers,
        body,
    }
}

/// `reply` with one more header; a value that would end the header (a line break) is dropped.
fn with_header(mut reply: Reply, name: &'static str, value: &str) -> Reply {
    if !value.contains(['\r', '\n']) {
        reply.headers.push((name, value.to_string()));
    }
    reply
}

fn text(status: u16, message: &str) -> Reply {
    let body = Body::Owned(message.as_bytes().to_vec());
    reply(status, "text/plain; charset=utf-8", body)
}

fn asset(source: &'static str, name: &str) -> Reply {
    let body = Body::Owned(source.as_bytes().to_vec());
    reply(200, content_type(name), body)
}

/// Write `reply` (no body for HEAD) and close the connection. tiny_http gives each open
/// connection a thread of its pool for as long as the browser keeps it, and a burst of new
/// connections can find every thread waiting on an idle one, stalling a page's last requests
/// for good; closing after each response frees the threads at once.
fn send(request: Request, reply: Reply) {
    let head_only = request.method() == &Method::Head;
    let mut out = request.into_writer();
    // The browser may have gone: nothing to do about it.
    let _ = write_reply(&mut out, &reply, head_only);
}

fn write_reply(out: &mut impl Write, reply: &Reply, head_only: bool) -> std::io::Result<()> {
    let body = reply.body.as_ref();
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(body)?;
    }
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// The reply for site path `key` of request target `url`.
fn site_reply(snap: &Snapshot, instance: &str, key: &str, url: &str) -> Reply {
    if !snap.built() {
        return not_built(snap, instance, key);
    }
    let file = if key.is_empty() || key.ends_with('/') {
        format!("{key}index.html")
    } else {
        key.to_string()
    };
    if let Some(bytes) = snap.file(&file) {
        return file_reply(200, &file, bytes, &snippet(snap, instance, &file));
    }
    if snap.has(&format!("{file}/index.html")) {
        return redirect(url);
    }
    match snap.file("404.html") {
        Some(bytes) => file_reply(404, "404.html", bytes, &snippet(snap, instance, &file)),
        None => text(404, "not found\n"),
    }
}

fn file_reply(status: u16, name: &str, bytes: Arc<[u8]>, snippet: &str) -> Reply {
    let content_type = content_type(name);
    if content_type.starts_with("text/html") {
        reply(status, content_type, Body::Owned(inject(&bytes, snippet)))
    } else {
        reply(status, content_type, Body::Shared(bytes))
    }
}

/// `/dir` → `/dir/`, the query kept.
fn redirect(url: &str) -> Reply {
    let (path, query) = url.split_once('?').map_or((url, ""), |(p, q)| (p, q));
    let location = if query.is_empty() {
        format!("{path}/")
    } else {
        format!("{path}/?{query}")
    };
    with_header(text(302, "found\n"), "Location", &location)
}

/// Before any build succeeded: a page that says why, and reloads once the site builds.
fn not_built(snap: &Snapshot, instance: &str, key: &str) -> Reply {
    let (status, title, detail) = match snap.problem() {
        Some(problem) => (
            500,
            "The site does not build yet",
            format!(
                "<p>The preview appears as soon as these errors are fixed:</p>\n<pre>{}</pre>",
                escape(problem)
            ),
        ),
        None => (503, "Building the site…", String::new()),
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kbgen serve: \
         {title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{detail}\n{}</body>\n</html>\n",
        snippet(snap, instance, key)
    );
    reply(
        status,
        "text/html; charset=utf-8",
        Body::Owned(html.into_bytes()),
    )
}

/// The live-reload `<script>` for a page served as `key`.
fn snippet(snap: &Snapshot, instance: &str, key: &str) -> String {
    format!(
        "<script src=\"/__kbgen/reload.js\" data-instance=\"{}\" data-generation=\"{}\" \
         data-key=\"{}\"></script>",
        escape(instance),
        snap.generation(),
        escape(key)
    )
}

/// `html` with `snippet` before its last `</body>` (at its end when it has none).
pub fn inject(html: &[u8], snippet: &str) -> Vec<u8> {
    let tag = b"</body>";
    let at = html
        .windows(tag.len())
        .rposition(|w| w.eq_ignore_ascii_case(tag))
        .unwrap_or(html.len());
    [&html[..at], snippet.as_bytes(), &html[at..]].concat()
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The Content-Type of a file by its name.
pub fn content_type(name: &str) -> &'static str {
    let file = name.rsplit('/').next().unwrap_or(name);
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json" | "map") => "application/json; charset=utf-8",
        Some("webmanifest") => "application/manifest+json; charset=utf-8",
        Some("svg") => "image/svg+xml; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("otf") => "font/otf",
        Some("pdf") => "application/pdf",
        Some("wasm") => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// The server's state as JSON, for tests and tools.
fn status(shared: &Shared) -> Reply {
    let json = shared.read(|snap| {
        serde_json::json!({
            "instance": shared.instance, "generation": snap.generation(), "built": snap.built(),
            "problem": snap.problem(), "files": snap.file_count(), "clients": shared.client_count(),
        })
    });
    let body = Body::Owned(json.to_string().into_bytes());
    reply(200, "application/json; charset=utf-8", body)
}

/// A Server-Sent Events stream for one page: a hello with what the page missed since it was
/// served, then each notice as it comes, until the page goes.
fn events(request: Request, shared: &Shared, since: Option<u64>) {
    if request.method() == &Method::Head {
        return send(
            request,
            reply(200, "text/event-stream", Body::Owned(Vec::new())),
        );
    }
    let (hello, notices) = shared.subscribe(since);
    let mut out = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
                Cache-Control: no-store\r\nConnection: close\r\n\r\n";
    if write_flush(&mut out, &format!("{head}{}", hello.to_sse())).is_err() {
        return;
    }
    loop {
        let message = match notices.recv_timeout(KEEP_ALIVE) {
            Ok(notice) => notice.to_sse(),
            Err(RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if write_flush(&mut out, &message).is_err() {
            return;
        }
    }
}

fn write_flush(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    out.write_all(s.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_paths_are_decoded() {
        assert_eq!(site_key("/"), Some(String::new()));
        assert_eq!(
            site_key("/faq/a/index.html?x=1#top"),
            Some("faq/a/index.html".into())
        );
        assert_eq!(site_key("/faq/a/"), Some("faq/a/".into()));
        assert_eq!(site_key("/%E5%82%99%E6%A1%88"), Some("備案".into()));
    }

    #[test]
    fn every_escape_is_refused() {
        for target in [
            "/../Cargo.toml",
            "/a/../../etc/passwd",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E/Cargo.toml",
            "/..%2fCargo.toml",
            "/..%2FCargo.toml",
            "/%2e%2e%5cCargo.toml",
            "/..\\Cargo.toml",
            "/\\etc\\passwd",
            "//etc/passwd",
            "/index.html%00.css",
            "/a/./b",
            "/a//b",
            "/..",
            "/C:/Windows/win.ini",
            "/%zz",
            "/%ff",
            "/%0a",
            "C:/x",
            "http://example.com/",
            "*",
            "",
        ] {
            assert_eq!(site_key(target), None, "{target}");
        }
    }

    #[test]
    fn types_and_injection() {
        assert_eq!(content_type("faq/a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("css/site.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("a.b/font.WOFF2"), "font/woff2");
        assert_eq!(content_type("a.b/README"), "application/octet-stream");
        assert_eq!(
            inject(b"<p>x</p></body></html>", "S"),
            b"<p>x</p>S</body></html>"
        );
        assert_eq!(inject(b"<p>x</p>", "S"), b"<p>x</p>S");
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(query_number("/e?a=1&since=42", "since"), Some(42));
        assert_eq!(query_number("/e?since=x", "since"), None);
    }
}
