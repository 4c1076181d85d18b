//! Small process, network and timing helpers shared by the commands.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root: xtask lives one level below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_owned()
}

/// Runs a command to completion in the workspace root; its output goes to the terminal.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd.current_dir_if_unset().status().map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(cmd)))
    }
}

/// Runs a command and returns its standard output, or `None` when it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.current_dir_if_unset().stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

trait CurrentDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl CurrentDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

pub fn is_root() -> bool {
    output(Command::new("id").arg("-u")).as_deref() == Some("0")
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A minimal HTTP/1.0 GET on loopback: status code and body. Enough for readiness polls
/// and checks, with no HTTP client to compile.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Some((status, body))
}

/// Polls `path` until it answers 200, the child exits, or `limit` passes.
pub fn wait_for_ok(addr: SocketAddr, path: &str, child: &mut Child, limit: Duration) -> Result<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some((200, _)) = http_get(addr, path) {
            return Ok(start.elapsed());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the process exited ({status}) before http://{addr}{path} was ready"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Err(format!("http://{addr}{path} was not ready after {limit:?}"))
}

/// Waits until `addr` accepts TCP connections (a server that speaks no HTTP, like SMTP).
pub fn wait_for_port(addr: SocketAddr, child: &mut Child, limit: Duration) -> Result<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(start.elapsed());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the process exited ({status}) before {addr} accepted connections"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("{addr} accepted no connection after {limit:?}"))
}

/// Asks a child to stop with SIGTERM, then waits; SIGKILL after `grace`.
pub fn terminate(child: &mut Child, grace: Duration) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let start = Instant::now();
    while start.elapsed() < grace {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Prints how long each stage took, as it ends and once more at the end.
pub struct Stages {
    start: Instant,
    done: Vec<(String, Duration)>,
}

impl Stages {
    pub fn new() -> Self {
        Self { start: Instant::now(), done: Vec::new() }
    }

    pub fn run(&mut self, name: &str, stage: impl FnOnce() -> Result) -> Result {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = stage();
        let took = start.elapsed();
        println!("<== {name}: {} in {:.1}s", if result.is_ok() { "ok" } else { "FAILED" }, took.as_secs_f64());
        self.done.push((name.to_owned(), took));
        result.map_err(|e| format!("{name}: {e}"))
    }

    pub fn summary(&self) {
        println!("\nStage timings:");
        for (name, took) in &self.done {
            println!("  {:>7.1}s  {name}", took.as_secs_f64());
        }
        println!("  {:>7.1}s  total", self.start.elapsed().as_secs_f64());
    }
}
