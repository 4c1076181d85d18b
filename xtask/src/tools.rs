//! Installs what the build and tests need when it is missing, from the package registries
//! only: rustup's wasm target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock,
//! sqlx-cli, npm packages, Debian's PostgreSQL and Chromium, and schemathesis from PyPI.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{is_root, output, root, run, Result};

/// cargo-leptos 0.3.11 needs a newer rustc than this toolchain; 0.3.10 has the same code.
const CARGO_LEPTOS: &str = "0.3.10";

/// The property-based API client server/tests/schemathesis.rs runs against /api/v1: pinned,
/// so that a new release's new checks fail a change of the pin and never an unrelated one.
const SCHEMATHESIS: &str = "4.32.5";

/// The version Cargo.lock pins for `package`, so the CLIs always match the libraries.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&needle).ok_or_else(|| format!("{package} is not in Cargo.lock"))? + needle.len();
    Ok(lock[start..].split('"').next().unwrap_or_default().to_owned())
}

fn cargo_install(krate: &str, version: &str, extra: &[&str]) -> Result {
    println!("installing {krate} {version} (once per machine)");
    run(Command::new("cargo").args(["install", krate, "--version", &format!("={version}")]).args(extra))
}

pub fn rust() -> Result {
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let bindgen = locked_version("wasm-bindgen")?;
    if output(Command::new("wasm-bindgen").arg("--version")) != Some(format!("wasm-bindgen {bindgen}")) {
        // Not --locked: its lockfile names a webpki-roots release the registry lacks.
        cargo_install("wasm-bindgen-cli", &bindgen, &[])?;
    }
    if !output(Command::new("cargo-leptos").arg("--version")).is_some_and(|v| v.ends_with(CARGO_LEPTOS)) {
        cargo_install("cargo-leptos", CARGO_LEPTOS, &["--locked"])?;
    }
    Ok(())
}

pub fn sqlx_cli() -> Result {
    let sqlx = locked_version("sqlx")?;
    if !output(Command::new("cargo").args(["sqlx", "--version"])).is_some_and(|v| v.ends_with(&sqlx)) {
        cargo_install("sqlx-cli", &sqlx, &["--locked", "--no-default-features", "--features", "rustls,postgres"])?;
    }
    Ok(())
}

/// schemathesis in its own Python venv under `target`, installed once per target directory
/// (again when [`SCHEMATHESIS`] changes); answers its binary, which the tests find in
/// `MESHGATE_SCHEMATHESIS`.
pub fn schemathesis(target: &Path) -> Result<PathBuf> {
    // Absolute: the tests run in their package's directory, not this one.
    let venv =
        std::path::absolute(target.join("schemathesis-venv")).map_err(|e| format!("{}: {e}", target.display()))?;
    let binary = venv.join("bin/schemathesis");
    let wanted = format!("schemathesis, version {SCHEMATHESIS}");
    if output(Command::new(&binary).arg("--version")).is_some_and(|v| v == wanted) {
        return Ok(binary);
    }
    println!("installing schemathesis {SCHEMATHESIS} from PyPI into {} (once per target directory)", venv.display());
    run(Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv)).map_err(|e| {
        format!("{e}: schemathesis needs python3 (3.9 or newer) with its venv module (on Debian: apt-get install python3-venv)")
    })?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={SCHEMATHESIS}"),
    ]))
    .map_err(|e| format!("{e}: could not install schemathesis {SCHEMATHESIS} from PyPI"))?;
    match output(Command::new(&binary).arg("--version")) {
        Some(version) if version == wanted => Ok(binary),
        other => Err(format!("{} answers {other:?} to --version after the install, not `{wanted}`", binary.display())),
    }
}

/// `npm install` (not `npm ci`: the registry lacks the other platforms' optional packages
/// the lockfile names) wherever package.json changed since the last install.
pub fn npm(dir: &Path) -> Result {
    let stamp = dir.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&stamp), modified(&dir.join("package.json")), modified(&dir.join("package-lock.json")))
    {
        (Some(installed), Some(manifest), lock) => installed >= manifest && lock.is_none_or(|l| installed >= l),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(dir))
}

/// Installs Debian packages whose marker file is absent.
pub fn debian(packages: &[(&str, bool)]) -> Result {
    let missing: Vec<&str> = packages.iter().filter(|(_, present)| !present).map(|(p, _)| *p).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("installing Debian packages: {}", missing.join(" "));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(sudo.first().copied().unwrap_or("apt-get"));
        if !sudo.is_empty() {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    apt(&[&["install", "-y", "-qq", "--no-install-recommends"], missing.as_slice()].concat())
}

pub fn postgres_present() -> bool {
    crate::pg::bin_dir().is_some()
}

pub fn chromium_present() -> bool {
    Path::new("/usr/bin/chromium").exists()
}
