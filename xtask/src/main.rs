//! `cargo xtask`: the two commands a newcomer needs (`run`, `test`) plus `bench` and `pg`.
//! Each installs what is missing first, so a fresh machine needs nothing by hand.

mod pg;
mod tools;
mod util;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pg::Cluster;
use util::{free_port, root, run, terminate, wait_for_ok, Result, Stages};

const USAGE: &str = "usage: cargo xtask <command>

  run     start Postgres and the portal on http://127.0.0.1:3000 (Ctrl-C stops all)
  test    formatting, sqlx offline data, clippy, every Rust test (schemathesis on /api/v1 among them), Playwright
  bench   print the budgets: first-load bytes and hydration per page, start-up, memory, queries
  pg      start|stop|url: the throwaway Postgres cluster under target/pg";

/// How long a starting portal may take to answer /readyz.
const READY_WAIT: Duration = Duration::from_mins(1);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    // Children get Ctrl-C themselves; xtask stays alive to stop what it started.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    prepare_env();
    let result = match args.first().map(String::as_str) {
        Some("run") => run_portal(&interrupted),
        Some("test") => test(),
        Some("bench") => bench(),
        Some("pg") => pg_command(args.get(1).map(String::as_str)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("\nxtask: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Builds share one target directory outside the clone (warm across fresh clones on one
/// machine), and sqlx macros read the committed offline data rather than a live database.
fn prepare_env() {
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        std::env::set_var("CARGO_TARGET_DIR", cache.join("meshgate/target"));
    }
    std::env::set_var("SQLX_OFFLINE", "true");
    std::env::set_var("CARGO_TERM_COLOR", std::env::var("CARGO_TERM_COLOR").unwrap_or_else(|_| "auto".into()));
}

fn target_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_TARGET_DIR").expect("set by prepare_env"))
}

fn install_common() -> Result {
    tools::debian(&[("postgresql", tools::postgres_present())])?;
    tools::rust()?;
    tools::npm(&root())?;
    tools::npm(&root().join("idp"))?;
    tools::aiosmtpd(&target_dir()).map(|_| ())
}

fn build_release() -> Result {
    // --precompress: gzip and brotli copies beside each site file, served as they are.
    run(Command::new("cargo").args(["leptos", "build", "--release", "--precompress"]))?;
    run(Command::new("cargo").args(["build", "--release", "--package", "emulator"]))
}

/// The local AWS stand-in with the demo mesh, on a free port; returns its endpoint.
fn spawn_emulator(slot: &mut Option<Child>) -> Result<String> {
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let mut cmd = Command::new(target_dir().join("release/emulator"));
    cmd.current_dir(root()).args(["--listen", &addr.to_string(), "--events-queue", EVENTS_QUEUE]);
    let emulator = slot.insert(spawn(&mut cmd)?);
    wait_for_ok(addr, "/_emulator/faults", emulator, READY_WAIT)?;
    Ok(format!("http://{addr}"))
}

/// The queue the emulator sends DataZone's EventBridge events to, as a rule would.
const EVENTS_QUEUE: &str = "meshgate-datazone-events";

/// The local stand-ins the portal talks to: the AWS emulator (with its events queue), the
/// OIDC provider and the SMTP server.
struct Upstreams {
    aws: String,
    idp: String,
    smtp: String,
}

impl Upstreams {
    /// Starts the emulator's demo mesh, the local IdP (with its client registered for a
    /// portal on `portal`) and the SMTP server, each on a free port.
    fn spawn(
        emulator: &mut Option<Child>,
        idp: &mut Option<Child>,
        smtp: &mut Option<Child>,
        portal: SocketAddr,
    ) -> Result<Self> {
        let aws = spawn_emulator(emulator)?;
        let idp = spawn_idp(idp, portal)?;
        let (smtp, maildir) = spawn_smtp(smtp)?;
        println!("AWS emulator (demo mesh): {aws}\nLocal sign-in (OIDC): {idp}");
        println!("Local SMTP server: {smtp} (mail it receives: {})", maildir.display());
        Ok(Self { aws, idp, smtp })
    }

    /// The emulator's events queue, as the SQS queue URL the portal reads.
    fn events_queue_url(&self) -> String {
        format!("{}/123456789012/{EVENTS_QUEUE}", self.aws)
    }
}

/// aiosmtpd on a free port, keeping what it receives in a Maildir under the target
/// directory (emptied each start); answers its smtp:// URL and the Maildir.
fn spawn_smtp(slot: &mut Option<Child>) -> Result<(String, PathBuf)> {
    let python = tools::aiosmtpd(&target_dir())?;
    let maildir = std::path::absolute(target_dir().join("mail")).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&maildir);
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let mut cmd = Command::new(python);
    cmd.args(["-m", "aiosmtpd", "-n", "-l", &addr.to_string(), "-c", "aiosmtpd.handlers.Mailbox"]).arg(&maildir);
    let smtp = slot.insert(spawn(&mut cmd)?);
    util::wait_for_port(addr, smtp, READY_WAIT)?;
    Ok((format!("smtp://{addr}"), maildir))
}

fn spawn_idp(slot: &mut Option<Child>, portal: SocketAddr) -> Result<String> {
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let mut cmd = Command::new("node");
    cmd.current_dir(root()).args([
        "idp/server.mjs",
        "--port",
        &addr.port().to_string(),
        "--redirect-uri",
        &format!("http://{portal}/auth/callback"),
        "--post-logout-redirect-uri",
        &format!("http://{portal}/signed-out"),
    ]);
    let idp = slot.insert(spawn(&mut cmd)?);
    wait_for_ok(addr, "/.well-known/openid-configuration", idp, READY_WAIT)?;
    Ok(format!("http://{addr}"))
}

/// The release portal on `addr` against `database_url`, using the emulator's demo mesh
/// (which accepts any credentials) and the local IdP. Plain http on loopback, so the
/// session cookie cannot be Secure here.
fn portal(addr: SocketAddr, database_url: &str, upstreams: &Upstreams) -> Command {
    let mut cmd = Command::new(target_dir().join("release/meshgate"));
    cmd.current_dir(root())
        .env("MESHGATE_LISTEN", addr.to_string())
        .env("MESHGATE_DATABASE_URL", database_url)
        .env("MESHGATE_SITE_ROOT", root().join("target/site"))
        .env("MESHGATE_AWS_DOMAIN", "enterprise-data-mesh")
        .env("MESHGATE_AWS_REGION", "us-east-1")
        .env("MESHGATE_AWS_ENDPOINT_URL", &upstreams.aws)
        .env("MESHGATE_OIDC_ISSUER_URL", &upstreams.idp)
        .env("MESHGATE_OIDC_CLIENT_ID", "meshgate-local")
        .env("MESHGATE_OIDC_CLIENT_SECRET", "meshgate-local-secret")
        .env("MESHGATE_STEWARD_GROUPS", DEMO_STEWARD_GROUPS)
        .env("MESHGATE_SMTP_URL", &upstreams.smtp)
        .env("MESHGATE_EVENTS_QUEUE_URL", upstreams.events_queue_url())
        .env("MESHGATE_SESSION_SECURE_COOKIE", "false")
        // The browser suite's alive check and the bench load pages much faster than a person.
        .env("MESHGATE_PERSON_CALLS_PER_SECOND", "200")
        // The emulator deploys in seconds, not minutes: look more often than against AWS.
        .env("MESHGATE_JOB_POLL_MS", "1000")
        .env("AWS_ACCESS_KEY_ID", "meshgate-local")
        .env("AWS_SECRET_ACCESS_KEY", "meshgate-local")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// The demo mesh's steward groups and the domain units they govern, by unit id
/// (MarketingAnalytics and SalesOperations): an id still holds after a unit is renamed.
const DEMO_STEWARD_GROUPS: &str = "meshgate-stewards-marketing=aoavcdz4dvo12y,meshgate-stewards-sales=jfsvu1d35z58uj";

/// `npx playwright test` in end2end/, aimed at the portal on `portal` and its emulator.
fn playwright(portal: SocketAddr, upstreams: &Upstreams) -> Command {
    let mut cmd = Command::new("npx");
    cmd.args(["playwright", "test"])
        .env("BASE_URL", format!("http://{portal}"))
        .env("EMULATOR_URL", &upstreams.aws)
        .current_dir(root().join("end2end"));
    cmd
}

fn spawn(cmd: &mut Command) -> Result<Child> {
    cmd.spawn().map_err(|e| format!("cannot start {}: {e}", util::describe(cmd)))
}

/// Stops what a command started, also when it fails half-way.
#[derive(Default)]
struct Running {
    portal: Option<Child>,
    emulator: Option<Child>,
    idp: Option<Child>,
    smtp: Option<Child>,
    cluster: Option<Cluster>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for child in [&mut self.portal, &mut self.emulator, &mut self.idp, &mut self.smtp].into_iter().flatten() {
            terminate(child, Duration::from_secs(10));
        }
        if let Some(cluster) = &self.cluster {
            let _ = cluster.stop();
        }
    }
}

fn run_portal(interrupted: &AtomicBool) -> Result {
    let mut stages = Stages::new();
    stages.run("install missing tools", install_common)?;
    let mut running = Running::default();
    // 3000 when it is free; another port when something (a second run) already has it.
    let port = if std::net::TcpListener::bind(("127.0.0.1", 3000)).is_ok() { 3000 } else { free_port()? };
    // A fresh database each run (one per port, so a second run leaves the first one's
    // alone): the emulator starts from its seed too, so the portal's workflow state never
    // points at projects and requests the emulator no longer has.
    let database = if port == 3000 { "meshgate".to_owned() } else { format!("meshgate_{port}") };
    let database_url = running.cluster.insert(Cluster::start()?).fresh_database(&database)?;
    stages.run("build (release)", build_release)?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let upstreams = Upstreams::spawn(&mut running.emulator, &mut running.idp, &mut running.smtp, addr)?;
    let server = running.portal.insert(spawn(&mut portal(addr, &database_url, &upstreams))?);
    wait_for_ok(addr, "/readyz", server, READY_WAIT)?;
    stages.summary();
    println!("\n  Meshgate is running at http://{addr}   (Ctrl-C stops it)");
    println!(
        "  Sign in as any demo user (alice: admin, carol: steward, zoe: team lead) with the password `meshgate`.\n"
    );
    while !interrupted.load(Ordering::SeqCst) {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("the portal stopped unexpectedly ({status})"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!("\nstopping…");
    Ok(())
}

fn test() -> Result {
    let mut stages = Stages::new();
    let result = test_stages(&mut stages);
    stages.summary();
    result
}

fn test_stages(stages: &mut Stages) -> Result {
    let mut schemathesis = PathBuf::new();
    let mut aiosmtpd = PathBuf::new();
    stages.run("install missing tools", || {
        tools::debian(&[("postgresql", tools::postgres_present()), ("chromium", tools::chromium_present())])?;
        tools::rust()?;
        tools::sqlx_cli()?;
        tools::npm(&root())?;
        tools::npm(&root().join("idp"))?;
        tools::npm(&root().join("end2end"))?;
        schemathesis = tools::schemathesis(&target_dir())?;
        aiosmtpd = tools::aiosmtpd(&target_dir())?;
        Ok(())
    })?;
    let mut running = Running::default();
    let cluster = running.cluster.insert(Cluster::start()?);
    stages.run("rustfmt", || run(Command::new("cargo").args(["fmt", "--all", "--check"])))?;
    stages.run("sqlx offline data is current", || {
        let url = cluster.fresh_database("meshgate_sqlx")?;
        run(Command::new("cargo").args(["sqlx", "migrate", "run", "--source", "migrations", "--database-url", &url]))?;
        pg::job_queue_schema(&url)?;
        run(Command::new("cargo")
            .args(["sqlx", "prepare", "--check", "--database-url", &url])
            .env_remove("SQLX_OFFLINE")
            .current_dir(root().join("server")))
    })?;
    stages.run("clippy", || {
        run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--exclude",
            "frontend",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]))?;
        run(Command::new("cargo").args([
            "clippy",
            "-p",
            "frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    let admin_url = cluster.url("postgres");
    stages.run("cargo test", || {
        run(Command::new("cargo")
            .args(["test", "--workspace", "--exclude", "frontend"])
            .env("DATABASE_URL", &admin_url)
            // server/tests/schemathesis.rs runs it against /api/v1.
            .env("MESHGATE_SCHEMATHESIS", &schemathesis)
            // server/tests/notifications.rs reads the mail it receives.
            .env("MESHGATE_AIOSMTPD", &aiosmtpd))
    })?;
    stages.run("build (release)", build_release)?;
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let database_url = cluster.fresh_database("meshgate_e2e")?;
    let upstreams = Upstreams::spawn(&mut running.emulator, &mut running.idp, &mut running.smtp, addr)?;
    let server = running.portal.insert(spawn(&mut portal(addr, &database_url, &upstreams))?);
    wait_for_ok(addr, "/readyz", server, READY_WAIT)?;
    let playwright = |args: &[&str]| run(playwright(addr, &upstreams).args(args));
    stages.run("playwright", || playwright(&["--grep-invert", "@outage"]))?;
    stages.run("playwright with the database stopped", || {
        cluster.stop()?;
        let outcome = playwright(&["--grep", "@outage"]);
        cluster.launch()?;
        outcome
    })
}

fn bench() -> Result {
    install_common()?;
    let mut running = Running::default();
    let cluster = running.cluster.insert(Cluster::start()?);
    build_release()?;
    // The IdP knows one portal address: the one the browser checks below sign in to.
    let browser_portal: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
    let upstreams = Upstreams::spawn(&mut running.emulator, &mut running.idp, &mut running.smtp, browser_portal)?;
    tools::npm(&root().join("end2end"))?;

    println!("\nStart-up, process start to /readyz = 200 (first run migrates an empty database):");
    let database_url = cluster.fresh_database("meshgate_bench")?;
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for round in 0..6 {
        let addr: SocketAddr = ([127, 0, 0, 1], free_port()?).into();
        let started = Instant::now();
        let mut portal = spawn(
            portal(addr, &database_url, &upstreams)
                .env("MESHGATE_LOG_FILTER", "warn")
                .stdout(std::process::Stdio::null()),
        )?;
        let ready = wait_for_ok(addr, "/readyz", &mut portal, READY_WAIT).map(|_| started.elapsed());
        let idle = ready.is_ok().then(|| {
            std::thread::sleep(Duration::from_secs(1));
            rss_kib(portal.id())
        });
        let after_load = ready.is_ok().then(|| {
            for _ in 0..200 {
                let _ = util::http_get(addr, "/");
            }
            rss_kib(portal.id())
        });
        terminate(&mut portal, Duration::from_secs(10));
        let ready = ready?;
        let label = if round == 0 { "cold (migrates)" } else { "warm" };
        println!("  run {round}: {:>7.1} ms  {label}", ready.as_secs_f64() * 1000.0);
        if round > 0 {
            times.push(ready);
        }
        rss.push((idle.flatten(), after_load.flatten()));
    }
    times.sort();
    println!("  warm median: {:.1} ms", times[times.len() / 2].as_secs_f64() * 1000.0);
    println!("\nServer memory (VmRSS):");
    if let Some((Some(idle), Some(loaded))) = rss.last() {
        println!("  idle after start: {:.1} MiB", f64::from(*idle) / 1024.0);
        println!("  after 200 renders of the home page (signed out): {:.1} MiB", f64::from(*loaded) / 1024.0);
    }
    // Pages in a browser: what each first load downloads, and whether 1,000 loads all
    // hydrate while their data changes underneath (end2end/tests/alive.spec.ts).
    println!("\nPages in Chromium (first load per page; hydration over 1,000 loads):");
    let server = running.portal.insert(spawn(&mut portal(
        browser_portal,
        &cluster.fresh_database("meshgate_alive_bench")?,
        &upstreams,
    ))?);
    wait_for_ok(browser_portal, "/readyz", server, READY_WAIT)?;
    run(playwright(browser_portal, &upstreams)
        .args(["tests/alive.spec.ts", "--reporter=list"])
        .env("ALIVE_LOADS", "1000")
        .env("FIRST_LOAD", "1"))?;
    if let Some(mut server) = running.portal.take() {
        terminate(&mut server, Duration::from_secs(10));
    }
    // The audit log over a million events (the seed is kept between runs of the same cluster).
    let audit_db = cluster.database("meshgate_audit_bench")?;
    run(Command::new("cargo").args(["bench", "-p", "server", "--bench", "audit"]).env("DATABASE_URL", &audit_db))?;
    // Reports over a large history, on the same database (its seed is kept as well).
    run(Command::new("cargo").args(["bench", "-p", "server", "--bench", "reports"]).env("DATABASE_URL", &audit_db))?;
    // The subscription workflow against the emulator's quotas (its own emulator and database).
    let subscriptions_db = cluster.fresh_database("meshgate_subscriptions_bench")?;
    run(Command::new("cargo")
        .args(["bench", "-p", "server", "--bench", "subscriptions"])
        .env("DATABASE_URL", subscriptions_db))?;
    // /api/v1 list and get latency beside the pages' server functions.
    let api_db = cluster.fresh_database("meshgate_api_bench")?;
    run(Command::new("cargo").args(["bench", "-p", "server", "--bench", "api"]).env("DATABASE_URL", api_db))?;
    // Outside decisions to the inbox with and without DataZone's events; outbox throughput.
    let notifications_db = cluster.fresh_database("meshgate_notifications_bench")?;
    run(Command::new("cargo")
        .args(["bench", "-p", "server", "--bench", "notifications"])
        .env("DATABASE_URL", notifications_db)
        .env("MESHGATE_AIOSMTPD", tools::aiosmtpd(&target_dir())?))?;
    // 200 people browsing at once: DataZone calls per second per operation, page latency.
    let browsing_db = cluster.fresh_database("meshgate_browsing_bench")?;
    run(Command::new("cargo").args(["bench", "-p", "server", "--bench", "browsing"]).env("DATABASE_URL", browsing_db))
}

fn rss_kib(pid: u32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn pg_command(action: Option<&str>) -> Result {
    match action {
        Some("start") => {
            tools::debian(&[("postgresql", tools::postgres_present())])?;
            let cluster = Cluster::start()?;
            println!("{}", cluster.url("meshgate"));
            cluster.database("meshgate").map(drop)
        }
        Some("url") => Cluster::start().map(|c| println!("{}", c.url("meshgate"))),
        Some("stop") => Cluster::start()?.stop(),
        _ => Err("usage: cargo xtask pg start|stop|url".into()),
    }
}
