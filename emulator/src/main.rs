//! The `emulator` binary: serves Meshgate's AWS stand-in on one address until interrupted.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Parser;
use emulator::{Emulator, EmulatorConfig, Faults, Seed};

/// Local, in-memory stand-in for the DataZone, Identity Store, sso-admin and SQS APIs Meshgate calls.
#[derive(Debug, Parser)]
#[command(name = "emulator", version)]
struct Args {
    /// Address to listen on, e.g. 127.0.0.1:4566 (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// Seed file (TOML, or JSON when it ends in .json); the built-in demo mesh when absent.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// How long a project deployment, deletion or subscription grant takes, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    deploy_delay_ms: u64,
    /// Fixed latency added to every AWS call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Random extra latency of up to this many milliseconds per AWS call.
    #[arg(long, default_value_t = 0)]
    latency_jitter_ms: u64,
    /// Share of AWS calls (0..1) answered with ThrottlingException (429).
    #[arg(long, default_value_t = 0.0)]
    throttle_rate: f64,
    /// Share of AWS calls (0..1) answered with InternalServerException (500).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Share of project deployments (0..1) that end in FAILED_DEPLOYMENT.
    #[arg(long, default_value_t = 0.0)]
    deploy_fail_rate: f64,
    /// Do not enforce the per-operation AWS quotas (3 TPS accept/reject/cancel, 20 TPS search).
    #[arg(long)]
    no_quotas: bool,
    /// Create this SQS queue (and its dead-letter queue NAME-dlq, after 5 receives) and send
    /// it every DataZone event, as an EventBridge rule on the default bus would.
    #[arg(long, value_name = "NAME")]
    events_queue: Option<String>,
}

fn check_rate(name: &str, rate: f64) -> anyhow::Result<()> {
    anyhow::ensure!((0.0..=1.0).contains(&rate), "--{name} must be between 0 and 1");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "emulator=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    check_rate("throttle-rate", args.throttle_rate)?;
    check_rate("error-rate", args.error_rate)?;
    check_rate("deploy-fail-rate", args.deploy_fail_rate)?;
    let seed = match &args.seed {
        Some(path) => Seed::from_path(path)?,
        None => Seed::demo(),
    };
    let config = EmulatorConfig {
        seed,
        faults: Faults {
            latency_ms: args.latency_ms,
            latency_jitter_ms: args.latency_jitter_ms,
            throttle_rate: args.throttle_rate,
            error_rate: args.error_rate,
            deploy_fail_rate: args.deploy_fail_rate,
            deploy_delay_ms: args.deploy_delay_ms,
            quotas: !args.no_quotas,
            ..Faults::default()
        },
        events_queue: args.events_queue,
    };
    let emulator = Emulator::new(config)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(emulator::serve_emulator(listener, emulator));
    // Scripts wait for exactly this line before they start calling.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{addr}")?;
    stdout.flush()?;
    drop(stdout);
    tokio::select! {
        result = server => result.context("the server task failed")?.context("the server stopped")?,
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted, stopping"),
    }
    Ok(())
}
