//! Layered configuration: built-in defaults, then an optional TOML file, then `MESHGATE_*`
//! environment variables; validated once at start.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use app::model::Environment;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sqlx::postgres::PgConnectOptions;

/// Every setting: its key (also the TOML key; the environment variable is `MESHGATE_` and
/// the key in capitals), its default, and what it does. `meshgate --help` prints this table
/// and the defaults layer is built from it, so the two cannot drift apart.
#[rustfmt::skip]
pub const SETTINGS: &[Setting] = &[
    Setting { key: "listen", default: Some("127.0.0.1:3000"), help: "Address and port the portal listens on (port 0 picks a free one)." },
    Setting { key: "public_url", default: Some(""), help: "The portal's address as browsers reach it (https://meshgate.example.com); empty uses http://LISTEN." },
    Setting { key: "database_url", default: None, help: "PostgreSQL connection URL (secret). Required." },
    Setting { key: "database_max_connections", default: Some("20"), help: "Largest number of pooled database connections." },
    Setting { key: "database_timeout_ms", default: Some("3000"), help: "How long a request waits for a database connection before failing." },
    Setting { key: "database_startup_wait_ms", default: Some("30000"), help: "How long start-up keeps retrying an unreachable database." },
    Setting { key: "site_root", default: Some("target/site"), help: "Directory of the built web assets (pkg/, favicon)." },
    Setting { key: "aws_domain", default: None, help: "The DataZone domain: its id (dzd_…) or its name. Required." },
    Setting { key: "aws_region", default: Some(""), help: "AWS region; empty uses the SDK's usual sources (AWS_REGION, profile)." },
    Setting { key: "aws_endpoint_url", default: Some(""), help: "Send every AWS call here instead of AWS (the local emulator); empty for AWS." },
    Setting { key: "aws_role_arn", default: Some(""), help: "Role to assume for AWS calls; empty uses the ambient credentials (task role)." },
    Setting { key: "oidc_issuer_url", default: None, help: "OpenID Connect issuer of the company IdP (Okta, Entra ID, Keycloak…). Required." },
    Setting { key: "oidc_client_id", default: None, help: "Client id of the portal at the IdP. Required." },
    Setting { key: "oidc_client_secret", default: None, help: "Client secret of the portal at the IdP (secret). Required." },
    Setting { key: "oidc_scopes", default: Some("openid profile email groups"), help: "Scopes to ask for, space separated." },
    Setting { key: "oidc_username_claim", default: Some("preferred_username"), help: "ID-token claim holding the Identity Center userName." },
    Setting { key: "oidc_email_claim", default: Some("email"), help: "ID-token claim holding the email (see oidc_match_email)." },
    Setting { key: "oidc_match_email", default: Some("false"), help: "When the userName is not found in Identity Center, try the email claim, only if the IdP marks it email_verified." },
    Setting { key: "oidc_groups_claim", default: Some("groups"), help: "ID-token claim holding the person's group names." },
    Setting { key: "admin_groups", default: Some("meshgate-platform-admins"), help: "Groups whose members are platform admins, comma separated." },
    Setting { key: "steward_groups", default: Some(""), help: "Steward groups and the domain units they govern, by unit id (or a name or Parent/Child path only one unit has): GROUP=unitId;unitId2,GROUP2=unitId3." },
    Setting { key: "environment_profiles", default: Some("dev=Development-Project-Profile,staging=Staging-Project-Profile,prod=Production-Project-Profile"), help: "Project profile (by name) each environment is created from: dev=…,staging=…,prod=…." },
    Setting { key: "job_workers", default: Some("4"), help: "Background jobs (provisioning, decisions) each replica runs at once." },
    Setting { key: "job_poll_ms", default: Some("5000"), help: "How often a running deployment or deletion is checked in DataZone." },
    Setting { key: "job_max_attempts", default: Some("8"), help: "Failed attempts of one step (after the SDK's own retries) before a request is marked failed." },
    Setting { key: "aws_rate_limits", default: Some("CreateProject=2,DeleteProject=2,CreateProjectMembership=5,DeleteProjectMembership=5,GetProject=10,ListProjects=10,ListProjectMemberships=10,AcceptSubscriptionRequest=2.9,RejectSubscriptionRequest=2.9,CancelSubscription=2.9,RevokeSubscription=2.9"), help: "DataZone calls per second the jobs of all replicas keep to, per operation: Op=rate,…." },
    Setting { key: "subscription_sync_seconds", default: Some("30"), help: "How often subscription requests made outside the portal are read from DataZone (also on opening the inbox)." },
    Setting { key: "expiry_check_seconds", default: Some("60"), help: "How often time-limited subscriptions are checked for expiry." },
    Setting { key: "drift_check_seconds", default: Some("300"), help: "How often the portal's projects, members and subscriptions are reconciled with DataZone (the Drift report)." },
    Setting { key: "smtp_url", default: Some(""), help: "SMTP server for email notifications (secret): smtps://user:password@host:465 (TLS), smtp://user:password@host:587?tls=required (STARTTLS) or smtp://host:25 (plain, local relays only); empty sends no email." },
    Setting { key: "mail_from", default: Some("Meshgate <meshgate@localhost>"), help: "The From of notification emails: an address, or Name <address>." },
    Setting { key: "events_queue_url", default: Some(""), help: "SQS queue URL an EventBridge rule sends DataZone's events to (source aws.datazone); empty: outside changes arrive with the periodic sync only." },
    Setting { key: "notice_check_seconds", default: Some("300"), help: "How often expiry warnings (7 days ahead), review reminders and escalations are looked for." },
    Setting { key: "digest_hour_utc", default: Some("7"), help: "Hour of the day (UTC, 0-23) daily notification digests are sent." },
    Setting { key: "session_secure_cookie", default: Some("true"), help: "Mark the session cookie Secure; false only for plain-http localhost." },
    Setting { key: "session_idle_minutes", default: Some("60"), help: "A session ends after this long without a request." },
    Setting { key: "session_max_hours", default: Some("12"), help: "A session ends this long after sign-in, however active." },
    Setting { key: "person_calls_per_second", default: Some("10"), help: "Server-function calls per second one person may make, all replicas together (bursts of four seconds' worth); beyond it 429." },
    Setting { key: "sign_in_starts_per_minute", default: Some("600"), help: "Sign-ins that may start per minute, all replicas together; beyond it /auth/login answers 429." },
    Setting { key: "membership_cache_seconds", default: Some("30"), help: "How long the projects a person belongs to (DataZone ListProjects by user and by group) are reused; the portal's own membership changes clear it; 0 reads DataZone every time." },
    Setting { key: "read_cache_seconds", default: Some("30"), help: "How long DataZone reads that pages share are reused: catalog searches (SearchListings), glossary term searches (Search), asset listings (GetListing) and a project's subscription grants on My access (ListSubscriptionGrants; the portal's own grant retries and revokes clear them); 0 reads DataZone every time." },
    Setting { key: "identity_cache_seconds", default: Some("300"), help: "How long a person's Identity Center mapping and roles are reused." },
    Setting { key: "token_max_days", default: Some("90"), help: "The longest life, in days, people may give a personal access token for the /api/v1 API (1 to 366)." },
    Setting { key: "metrics_token", default: Some(""), help: "When set, /metrics answers only requests with `Authorization: Bearer <token>` (secret)." },
    Setting { key: "log_format", default: Some("text"), help: "Log format: text or json." },
    Setting { key: "log_filter", default: Some("info"), help: "Log filter, in tracing-subscriber EnvFilter syntax." },
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
    pub public_url: String,
    pub oidc_issuer_url: String,
    pub oidc_client_id: String,
    pub oidc_client_secret: SecretString,
    pub metrics_token: SecretString,
    pub oidc_scopes: String,
    pub oidc_username_claim: String,
    pub oidc_email_claim: String,
    pub oidc_groups_claim: String,
    pub oidc_match_email: bool,
    pub admin_groups: String,
    pub steward_groups: String,
    pub environment_profiles: String,
    pub job_workers: u32,
    pub job_poll_ms: u64,
    pub job_max_attempts: u32,
    pub aws_rate_limits: String,
    pub subscription_sync_seconds: u64,
    pub expiry_check_seconds: u64,
    pub drift_check_seconds: u64,
    pub smtp_url: SecretString,
    pub mail_from: String,
    pub events_queue_url: String,
    pub notice_check_seconds: u64,
    pub digest_hour_utc: u32,
    pub session_secure_cookie: bool,
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
    pub person_calls_per_second: f64,
    pub sign_in_starts_per_minute: u32,
    pub identity_cache_seconds: u64,
    pub token_max_days: u32,
    pub membership_cache_seconds: u64,
    pub read_cache_seconds: u64,
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
        let defaults: serde_json::Map<String, serde_json::Value> =
            SETTINGS.iter().filter_map(|s| s.default.map(|d| (s.key.to_owned(), default_value(d)))).collect();
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
            return invalid("database_max_connections (MESHGATE_DATABASE_MAX_CONNECTIONS) must be at least 1");
        }
        if self.database_timeout_ms == 0 {
            return invalid("database_timeout_ms (MESHGATE_DATABASE_TIMEOUT_MS) must be at least 1");
        }
        if self.aws_domain.trim().is_empty() {
            return invalid("aws_domain (MESHGATE_AWS_DOMAIN) must name the DataZone domain, by id (dzd_…) or name");
        }
        if !self.aws_endpoint_url.is_empty()
            && !self.aws_endpoint_url.starts_with("http://")
            && !self.aws_endpoint_url.starts_with("https://")
        {
            return invalid("aws_endpoint_url (MESHGATE_AWS_ENDPOINT_URL) must be an http:// or https:// URL");
        }
        let smtp = self.smtp_url.expose_secret();
        if !smtp.is_empty() && !smtp.starts_with("smtp://") && !smtp.starts_with("smtps://") {
            return invalid("smtp_url (MESHGATE_SMTP_URL) must be an smtp:// or smtps:// URL, such as smtps://user:password@mail.example.com:465");
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid("mail_from (MESHGATE_MAIL_FROM) must be an email address, or Name <address>");
        }
        if !self.events_queue_url.is_empty()
            && !self.events_queue_url.starts_with("https://")
            && !self.events_queue_url.starts_with("http://")
        {
            return invalid("events_queue_url (MESHGATE_EVENTS_QUEUE_URL) must be an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)");
        }
        if self.digest_hour_utc > 23 {
            return invalid("digest_hour_utc (MESHGATE_DIGEST_HOUR_UTC) must be an hour from 0 to 23");
        }
        if self.notice_check_seconds == 0 {
            return invalid("notice_check_seconds (MESHGATE_NOTICE_CHECK_SECONDS) must be at least 1");
        }
        if !self.aws_role_arn.is_empty() && !self.aws_role_arn.starts_with("arn:") {
            return invalid("aws_role_arn (MESHGATE_AWS_ROLE_ARN) must be an IAM role ARN (arn:aws:iam::…:role/…)");
        }
        for (key, url) in [
            ("public_url (MESHGATE_PUBLIC_URL)", &self.public_url),
            ("oidc_issuer_url (MESHGATE_OIDC_ISSUER_URL)", &self.oidc_issuer_url),
        ] {
            let empty_allowed = key.starts_with("public_url") && url.is_empty();
            if !(empty_allowed || url.starts_with("http://") || url.starts_with("https://")) {
                return invalid(&format!("{key} must be an http:// or https:// URL"));
            }
        }
        if self.oidc_client_id.trim().is_empty() {
            return invalid("oidc_client_id (MESHGATE_OIDC_CLIENT_ID) must not be empty");
        }
        if !self.oidc_scopes.split_whitespace().any(|s| s == "openid") {
            return invalid("oidc_scopes (MESHGATE_OIDC_SCOPES) must include openid");
        }
        if self.steward_group_units().is_none() {
            return invalid(
                "steward_groups (MESHGATE_STEWARD_GROUPS) must look like group-a=UnitA;UnitB,group-b=UnitC",
            );
        }
        if self.environment_profile_names().is_none() {
            return invalid(
                "environment_profiles (MESHGATE_ENVIRONMENT_PROFILES) must name a profile for dev, staging and prod: dev=A,staging=B,prod=C",
            );
        }
        if self.rate_limits().is_none() {
            return invalid("aws_rate_limits (MESHGATE_AWS_RATE_LIMITS) must look like CreateProject=2,GetProject=10 with positive rates");
        }
        if self.subscription_sync_seconds == 0 || self.expiry_check_seconds == 0 || self.drift_check_seconds == 0 {
            return invalid(
                "subscription_sync_seconds, expiry_check_seconds and drift_check_seconds must be at least 1",
            );
        }
        if self.job_workers == 0 || self.job_poll_ms == 0 || self.job_max_attempts == 0 {
            return invalid("job_workers, job_poll_ms and job_max_attempts must be at least 1");
        }
        // A running job holds a connection for its transaction and briefly takes a second
        // (rate limits, heartbeat); web requests need a couple more.
        // Per worker slot: a project and a decision worker, each a task transaction plus one
        // more connection while it runs.
        if self.job_workers * 4 + 2 > self.database_max_connections {
            return invalid("job_workers (MESHGATE_JOB_WORKERS) can be at most (database_max_connections - 2) / 4");
        }
        if !(1..=366).contains(&self.token_max_days) {
            return invalid("token_max_days (MESHGATE_TOKEN_MAX_DAYS) must be between 1 and 366");
        }
        if self.session_idle_minutes == 0 || self.session_max_hours == 0 {
            return invalid("session_idle_minutes and session_max_hours must be at least 1");
        }
        if !(self.person_calls_per_second.is_finite() && self.person_calls_per_second >= 1.0) {
            return invalid("person_calls_per_second (MESHGATE_PERSON_CALLS_PER_SECOND) must be at least 1");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_filter).is_err() {
            return invalid(
                "log_filter (MESHGATE_LOG_FILTER) is not a valid filter such as `info` or `meshgate=debug,info`",
            );
        }
        Ok(())
    }

    pub fn database_options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(self.database_url.expose_secret())
            .expect("validated at load")
            .application_name("meshgate")
    }

    /// The address browsers use, without a trailing slash: `public_url`, or the listener's.
    pub fn public_base(&self, bound: SocketAddr) -> String {
        if self.public_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }

    pub fn admin_group_names(&self) -> Vec<String> {
        split_list(&self.admin_groups, ',')
    }

    /// `steward_groups` parsed: group name → the domain units (by name) it governs;
    /// `None` when malformed.
    pub fn steward_group_units(&self) -> Option<Vec<(String, Vec<String>)>> {
        split_list(&self.steward_groups, ',')
            .into_iter()
            .map(|entry| {
                let (group, units) = entry.split_once('=')?;
                let units = split_list(units, ';');
                (!group.trim().is_empty() && !units.is_empty()).then(|| (group.trim().to_owned(), units))
            })
            .collect()
    }

    /// `environment_profiles` parsed: the profile name of each environment; `None` when one is
    /// missing or the text is malformed.
    pub fn environment_profile_names(&self) -> Option<Vec<(Environment, String)>> {
        let pairs: Option<Vec<(Environment, String)>> = split_list(&self.environment_profiles, ',')
            .into_iter()
            .map(|entry| {
                let (env, profile) = entry.split_once('=')?;
                let profile = profile.trim();
                Some((Environment::parse(env.trim())?, profile.to_owned())).filter(|_| !profile.is_empty())
            })
            .collect();
        pairs.filter(|pairs| Environment::ALL.iter().all(|e| pairs.iter().any(|(p, _)| p == e)))
    }

    /// `aws_rate_limits` parsed: operation → calls per second.
    pub fn rate_limits(&self) -> Option<Vec<(String, f64)>> {
        split_list(&self.aws_rate_limits, ',')
            .into_iter()
            .map(|entry| {
                let (op, rate) = entry.split_once('=')?;
                let rate: f64 = rate.trim().parse().ok().filter(|r: &f64| r.is_finite() && *r > 0.0)?;
                Some((op.trim().to_owned(), rate)).filter(|(op, _)| !op.is_empty())
            })
            .collect()
    }

    pub fn database_timeout(&self) -> Duration {
        Duration::from_millis(self.database_timeout_ms)
    }

    /// Where the database is, for logs: host, port and name, never the credentials.
    pub fn database_location(&self) -> String {
        let options = self.database_options();
        format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or("(default)"))
    }
}

fn split_list(text: &str, separator: char) -> Vec<String> {
    text.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A default as written in the table: numbers and booleans keep their type, anything else
/// is a string: the same reading the environment provider gives `MESHGATE_*` values.
fn default_value(text: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .filter(|v| v.is_number() || v.is_boolean())
        .unwrap_or_else(|| text.into())
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
