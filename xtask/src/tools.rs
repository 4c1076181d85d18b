//! Installs what the build and tests need when it is missing, from the package registries
//! only: rustup's wasm target, cargo-leptos, the wasm-bindgen CLI matching Cargo.lock,
//! sqlx-cli, npm packages, Debian's PostgreSQL and Chromium, and schemathesis and aiosmtpd from PyPI.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{is_root, output, root, run, Result};

/// cargo-leptos 0.3.11 needs a newer rustc than this toolchain; 0.3.10 has the same code.
const CARGO_LEPTOS: &str = "0.3.10";

/// The property-based API client server/tests/schemathesis.rs runs against /api/v1: pinned,
/// so that a new release's new checks fail a change of the pin and never an unrelated one.
const SCHEMATHESIS: &str = "4.32.5";

/// The local SMTP server the run and test commands start, which tests read mail from.
const AIOSMTPD: &str = "1.4.6";

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
    let venv = python_venv(target, "schemathesis", SCHEMATHESIS)?;
    Ok(venv.join("bin/schemathesis"))
}

/// The local SMTP server (aiosmtpd, from PyPI) the run and test commands start: answers
/// the venv's python, which runs it as `python -m aiosmtpd`; the tests find it in
/// `MESHGATE_AIOSMTPD`.
pub fn aiosmtpd(target: &Path) -> Result<PathBuf> {
    let venv = python_venv(target, "aiosmtpd", AIOSMTPD)?;
    Ok(venv.join("bin/python"))
}

/// `package==version` in its own venv under `target` (`<package>-venv`), installed once per
/// target directory and again when the version changes; answers the venv.
fn python_venv(target: &Path, package: &str, version: &str) -> Result<PathBuf> {
    // Absolute: the tests run in their package's directory, not this one.
    let venv = std::path::absolute(target.join(format!("{package}-venv")))
        .map_err(|e| format!("{}: {e}", target.display()))?;
    let python = venv.join("bin/python");
    let installed = || {
        let probe = format!("import importlib.metadata as m; print(m.version('{package}'))");
        output(Command::new(&python).args(["-c", &probe])).is_some_and(|v| v == version)
    };
    if installed() {
        return Ok(venv);
    }
    println!("installing {package} {version} from PyPI into {} (once per target directory)", venv.display());
    run(Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv)).map_err(|e| {
        format!("{e}: {package} needs python3 (3.9 or newer) with its venv module (on Debian: apt-get install python3-venv)")
    })?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("{package}=={version}"),
    ]))
    .map_err(|e| format!("{e}: could not install {package} {version} from PyPI"))?;
    if installed() {
        Ok(venv)
    } else {
        Err(format!("{package} is not at {version} in {} after the install", venv.display()))
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
