//! `kbgen serve`: build the site into memory, serve it over HTTP, watch its sources and rebuild
//! on every save, with live reload in every open page. [`watch`] turns file events into batches,
//! [`rebuild`] turns a batch into files, [`state`] holds what is served and tells the pages,
//! [`http`] answers requests and [`console`] tells the terminal. A broken save never stops the
//! server: the last good site stays served and every page shows the error until it is fixed.
//!
//! Nothing is written to disk, so the output folder of `kbgen build` is never touched and
//! stopping the server (Ctrl-C) leaves nothing behind.

pub mod console;
pub mod http;
pub mod rebuild;
pub mod state;
pub mod watch;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use crate::error::{Diagnostics, Error};
use console::Console;
use rebuild::Builder;
use state::Shared;
use watch::Watch;

/// How long the files must stay quiet before a burst of events is rebuilt.
pub const QUIET: Duration = Duration::from_millis(50);
/// The longest a burst is gathered before a rebuild starts anyway.
const LIMIT: Duration = Duration::from_secs(1);

/// Options of `kbgen serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// The address to listen on (an IP address or `localhost`).
    pub bind: String,
    /// The port to listen on; the next free one is used when it is taken.
    pub port: u16,
    /// Open the site in the default browser.
    pub open: bool,
    /// Colour in the terminal.
    pub color: bool,
}

/// Serve the site at `opts.root` until the process is stopped. Errors only when the server
/// cannot start (no such folder, no port); content errors are shown, never returned.
pub fn serve(opts: &ServeOptions) -> Result<(), Error> {
    let console = Console { color: opts.color };
    let (tx, rx) = mpsc::channel();
    let mut watch = Watch::start(&opts.root, &tx)?;
    drop(tx);
    let listening = http::listen(&opts.bind, opts.port)?;
    let shared = Arc::new(Shared::new(instance_id()));
    let server = start_http(listening.server, listening.addr, &shared);
    let mut builder = Builder::new(&opts.root);
    let first = guarded(&mut builder, |b| b.full(&shared));
    console.first_build(&first);
    let failed = tell_pages(&shared, &first);
    let url = url_of(listening.addr);
    console.serving(&url, listening.addr, listening.moved_from, &watch.folders());
    if watch.polling {
        console.note("note: the system's file watches ran out, so the sources are polled");
    }
    if opts.open {
        open_browser(&url, &console);
    }
    rebuild_on_change(&rx, &mut watch, &mut builder, &shared, console, failed);
    server.unblock();
    Err(Error::new("the file watcher stopped").hint("start kbgen serve again"))
}

/// Answer requests from now on, on their own threads.
fn start_http(
    server: tiny_http::Server,
    addr: SocketAddr,
    shared: &Arc<Shared>,
) -> Arc<tiny_http::Server> {
    let server = Arc::new(server);
    let (accepting, shared) = (Arc::clone(&server), Arc::clone(shared));
    std::thread::spawn(move || http::accept(&accepting, &shared));
    std::thread::spawn(move || http::keep_pool_awake(addr));
    server
}

/// Rebuild after each burst of changes until the watcher stops; `failed` says whether the last
/// build failed.
fn rebuild_on_change(
    rx: &mpsc::Receiver<watch::Msg>,
    watch: &mut Watch,
    builder: &mut Builder,
    shared: &Shared,
    console: Console,
    mut failed: bool,
) {
    while let Some(batch) = watch::next_batch(rx, QUIET, LIMIT) {
        watch.refresh(&batch);
        let result = match guarded(builder, |b| b.rebuild(&batch, shared)) {
            Ok(None) => continue,
            Ok(Some(done)) => Ok(done),
            Err(problems) => Err(problems),
        };
        console.rebuilt(&batch, &result, failed && result.is_ok());
        failed = tell_pages(shared, &result);
    }
}

/// Run `f` on the builder; a panic (a bug, not a content error) becomes a reported problem, and
/// the server goes on.
fn guarded<T>(
    builder: &mut Builder,
    f: impl FnOnce(&mut Builder) -> Result<T, Diagnostics>,
) -> Result<T, Diagnostics> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| f(&mut *builder))) {
        Ok(result) => result,
        Err(_) => {
            builder.reset();
            Err(rebuild::internal_error())
        }
    }
}

/// Show a failed rebuild's problems in every page (the last good site stays); whether it failed.
fn tell_pages<T>(shared: &Shared, result: &Result<T, Diagnostics>) -> bool {
    match result {
        Ok(_) => false,
        Err(problems) => {
            shared.fail(problems.render(false));
            true
        }
    }
}

/// The URL to open for a server listening on `addr`.
pub fn url_of(addr: SocketAddr) -> String {
    format!(
        "http://{}/",
        SocketAddr::new(url_ip(addr.ip()), addr.port())
    )
}

/// The address to reach a server listening on `ip`: loopback for "every address".
fn url_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::from(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::from(Ipv6Addr::LOCALHOST),
        ip => ip,
    }
}

/// Tells this server from one started before on the same port.
fn instance_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}-{:x}", std::process::id(), nanos)
}

fn open_browser(url: &str, console: &Console) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        console.note(&format!(
            "cannot open a browser ({program}: {e}); open {url}"
        ));
    }
}
