//! Layered configuration: built-in defaults, then an optional TOML file, then `MESHGATE_*`
//! environment variables; validated once at start.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sqlx::postgres::PgConnectOptions;

/// Every setting: its key (also the TOML key; the environment variable is `MESHGATE_` and
/// the key in capitals), its default, and what it does. `meshgate --help` prints this table
/// and the defaults layer is built from it, so the two cannot drift apart.
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "listen",
        default: Some("127.0.0.1:3000"),
        help: "Address and port the portal listens on (port 0 picks a free one).",
    },
    Setting {
        key: "database_url",
        default: None,
        help: "PostgreSQL connection URL (secret). Required.",
    },
    Setting {
        key: "database_max_connections",
        default: Some("10"),
        help: "Largest number of pooled database connections.",
    },
    Setting {
        key: "database_timeout_ms",
        default: Some("3000"),
        help: "How long a request waits for a database connection before failing.",
    },
    Setting {
        key: "database_startup_wait_ms",
        default: Some("30000"),
        help: "How long start-up keeps retrying an unreachable database.",
    },
    Setting {
        key: "site_root",
        default: Some("target/site"),
        help: "Directory of the built web assets (pkg/, favicon).",
    },
    Setting {
        key: "aws_domain",
        default: None,
        help: "The DataZone domain: its id (dzd_…) or its name. Required.",
    },
    Setting {
        key: "aws_region",
        default: Some(""),
        help: "AWS region; empty uses the SDK's usual sources (AWS_REGION, profile).",
    },
    Setting {
        key: "aws_endpoint_url",
        default: Some(""),
        help: "Send every AWS call here instead of AWS (the local emulator); empty for AWS.",
    },
    Setting {
        key: "aws_role_arn",
        default: Some(""),
        help: "Role to assume for AWS calls; empty uses the ambient credentials (task role).",
    },
    Setting {
        key: "log_format",
        default: Some("text"),
        help: "Log format: text or json.",
    },
    Setting {
        key: "log_filter",
        default: Some("info"),
        help: "Log filter, in tracing-subscriber EnvFilter syntax.",
    },
];

pub struct Setting {
    pub key: &'static str,
    pub default: Option<&'static str>,
    pub help: &'static str,
}

impl Setting {
    pub fn env_var(&self) -> String {
        format!("MESHGATE_{}", self.key.to_ascii_uppercase())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The validated configuration. `Debug` shows secrets as `[REDACTED]`.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: SecretString,
    pub database_max_connections: u32,
    pub database_timeout_ms: u64,
    pub database_startup_wait_ms: u64,
    pub site_root: PathBuf,
    pub aws_domain: String,
    pub aws_region: String,
    pub aws_endpoint_url: String,
    pub aws_role_arn: String,
    pub log_format: LogFormat,
    pub log_filter: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads defaults, then `file` if given, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::from_figment(Self::figment(file)?.merge(Env::prefixed("MESHGATE_")))
    }

    /// The defaults and file layers; the caller adds the environment on top.
    pub fn figment(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let defaults: serde_json::Map<String, serde_json::Value> = SETTINGS
            .iter()
            .filter_map(|s| s.default.map(|d| (s.key.to_owned(), default_value(d))))
            .collect();
        let mut figment = Figment::from(Serialized::defaults(defaults));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        Ok(figment)
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment.extract().map_err(|e| {
            // figment names the key; say which variable sets it, and never echo values.
            let key = match &e.kind {
                figment::error::Kind::MissingField(field) => field.to_string(),
                _ => e.path.join("."),
            };
            let hint = SETTINGS
                .iter()
                .find(|s| s.key == key)
                .map(|s| format!(" (set {} or `{}` in the config file)", s.env_var(), s.key))
                .unwrap_or_default();
            ConfigError::Invalid(format!("{}{hint}", e.kind))
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        let url = self.database_url.expose_secret();
        let postgres_scheme = url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !postgres_scheme || PgConnectOptions::from_str(url).is_err() {
            return invalid("database_url (MESHGATE_DATABASE_URL) is not a PostgreSQL URL such as postgres://user:password@host:5432/meshgate");
        }
        if self.database_max_connections == 0 {
            return invalid(
                "database_max_connections (MESHGATE_DATABASE_MAX_CONNECTIONS) must be at least 1",
            );
        }
        if self.database_timeout_ms == 0 {
            return invalid(
                "database_timeout_ms (MESHGATE_DATABASE_TIMEOUT_MS) must be at least 1",
            );
        }
        if self.aws_domain.trim().is_empty() {
            return invalid("aws_domain (MESHGATE_AWS_DOMAIN) must name the DataZone domain, by id (dzd_…) or name");
        }
        if !self.aws_endpoint_url.is_empty()
            && !self.aws_endpoint_url.starts_with("http://")
            && !self.aws_endpoint_url.starts_with("https://")
        {
            return invalid(
                "aws_endpoint_url (MESHGATE_AWS_ENDPOINT_URL) must be an http:// or https:// URL",
            );
        }
        if !self.aws_role_arn.is_empty() && !self.aws_role_arn.starts_with("arn:") {
            return invalid("aws_role_arn (MESHGATE_AWS_ROLE_ARN) must be an IAM role ARN (arn:aws:iam::…:role/…)");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_filter).is_err() {
            return invalid("log_filter (MESHGATE_LOG_FILTER) is not a valid filter such as `info` or `meshgate=debug,info`");
        }
        Ok(())
    }

    pub fn database_options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(self.database_url.expose_secret())
            .expect("validated at load")
            .application_name("meshgate")
    }

    pub fn database_timeout(&self) -> Duration {
        Duration::from_millis(self.database_timeout_ms)
    }

    /// Where the database is, for logs: host, port and name, never the credentials.
    pub fn database_location(&self) -> String {
        let options = self.database_options();
        format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default)")
        )
    }
}

/// A default as written in the table: numbers become numbers, anything else a string, the
/// same reading the environment provider gives `MESHGATE_*` values.
fn default_value(text: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Number>(text)
        .map_or_else(|_| text.into(), serde_json::Value::Number)
}

/// The settings table as `--help` shows it.
pub fn settings_help() -> String {
    let mut out = String::from("Settings (defaults → --config FILE → environment):\n");
    for s in SETTINGS {
        let default = match s.default {
            None => "required".to_owned(),
            Some("") => "optional".to_owned(),
            Some(d) => format!("default {d}"),
        };
        let _ = writeln!(out, "  {:<34} {} [{}]", s.env_var(), s.help, default);
    }
    out
}
