//! The throwaway PostgreSQL cluster: data under target/pg, started once and reused by later
//! commands, stopped on request. Works as root (runs the server as `postgres`) and as a
//! normal user.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{free_port, is_root, output, root, run, Result};

pub struct Cluster {
    pub port: u16,
    dir: PathBuf,
}

pub fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    dirs.pop()
}

/// initdb and postgres refuse to run as root, so as root they run as the `postgres` user,
/// which must be able to reach the data directory: a repository under a private home
/// directory gets its cluster under /tmp instead.
fn data_root() -> PathBuf {
    let in_repo = root().join("target/pg");
    if !is_root() {
        return in_repo;
    }
    let reachable = Command::new("runuser")
        .args(["-u", "postgres", "--", "test", "-x"])
        .arg(root())
        .status()
        .is_ok_and(|s| s.success());
    if reachable {
        in_repo
    } else {
        let id: u64 = root().to_string_lossy().bytes().fold(5381, |h, b| h.wrapping_mul(33) ^ u64::from(b));
        std::env::temp_dir().join(format!("meshgate-pg-{id:x}"))
    }
}

fn pg(dir: &PathBuf, tool: &str) -> Command {
    let bin = bin_dir().expect("PostgreSQL is installed").join(tool);
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    // runuser complains when it cannot enter the caller's directory.
    cmd.current_dir(dir);
    cmd
}

impl Cluster {
    /// Starts the cluster, or finds the one already running.
    pub fn start() -> Result<Self> {
        let dir = data_root();
        let data = dir.join("data");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if is_root() {
            id_postgres()?;
            run(Command::new("chown").arg("postgres").arg(&dir))?;
        }
        if !data.join("PG_VERSION").exists() {
            let log = std::fs::File::create(dir.join("initdb.log")).map_err(|e| e.to_string())?;
            run(pg(&dir, "initdb")
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
                .stdout(log))?;
        }
        let port_file = dir.join("port");
        let running = pg(&dir, "pg_ctl").arg("-D").arg(&data).arg("status").output().is_ok_and(|o| o.status.success());
        let saved_port = std::fs::read_to_string(&port_file).ok().and_then(|p| p.trim().parse().ok());
        if let (true, Some(port)) = (running, saved_port) {
            return Ok(Self { port, dir });
        }
        let cluster = Self { port: free_port()?, dir };
        cluster.launch()?;
        std::fs::write(&port_file, cluster.port.to_string()).map_err(|e| e.to_string())?;
        Ok(cluster)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Drops and re-creates `database`, for a run that starts from nothing.
    pub fn fresh_database(&self, database: &str) -> Result<String> {
        let admin = self.url("postgres");
        for sql in [format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"), format!("CREATE DATABASE {database}")] {
            run(Command::new("psql").args(["-q", "-v", "ON_ERROR_STOP=1", &admin, "-c", &sql]))?;
        }
        Ok(self.url(database))
    }

    /// Creates `database` if it does not exist yet; keeps its data otherwise.
    pub fn database(&self, database: &str) -> Result<String> {
        let admin = self.url("postgres");
        let exists = output(Command::new("psql").args([
            "-tA",
            &admin,
            "-c",
            &format!("SELECT 1 FROM pg_database WHERE datname = '{database}'"),
        ]));
        if exists.as_deref() != Some("1") {
            run(Command::new("psql").args(["-q", &admin, "-c", &format!("CREATE DATABASE {database}")]))?;
        }
        Ok(self.url(database))
    }

    pub fn stop(&self) -> Result {
        run(pg(&self.dir, "pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "fast", "-w", "stop"])
            .stdout(std::process::Stdio::null()))
    }

    /// Starts the postmaster on this cluster's port; also brings it back after [`Cluster::stop`].
    pub fn launch(&self) -> Result {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        run(pg(&self.dir, "pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .args(["-w", "-o", &options, "start"])
            .stdout(std::process::Stdio::null()))
    }
}

fn id_postgres() -> Result {
    if output(Command::new("id").arg("postgres")).is_some() {
        return Ok(());
    }
    run(Command::new("useradd").args(["--system", "--no-create-home", "postgres"]))
}

/// Adds the job queue's schema (the migrations shipped in the `underway` crate) to a
/// database that sqlx's compile-time checks read: with a live database, underway's own
/// queries are checked against it too. The portal applies the same migrations at start.
pub fn job_queue_schema(url: &str) -> Result {
    let metadata = output(Command::new("cargo").args(["metadata", "--format-version", "1"]))
        .ok_or_else(|| "cargo metadata failed".to_owned())?;
    let manifest = metadata
        .split("\"manifest_path\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|path| path.contains("/underway-"))
        .ok_or_else(|| "the underway crate is not among the dependencies".to_owned())?;
    let dir = PathBuf::from(manifest).parent().ok_or_else(|| "odd manifest path".to_owned())?.join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let mut psql = Command::new("psql");
    psql.args([
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        url,
        "-c",
        "CREATE SCHEMA IF NOT EXISTS underway",
        "-c",
        "SET search_path TO underway",
    ]);
    for file in &files {
        psql.arg("-f").arg(file);
    }
    run(&mut psql)
}
