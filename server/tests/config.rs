//! Configuration layering, validation and secrecy.

// figment::Jail dictates the closure's error type.
#![allow(clippy::result_large_err)]

use std::io::Write;

use meshgate::config::{settings_help, LogFormat, SETTINGS};
use meshgate::Config;

const URL: &str = "postgres://meshgate:s3cret-password@db.internal:5432/meshgate";

/// The settings without defaults, other than the database URL.
const REQUIRED: &[(&str, &str)] = &[
    ("MESHGATE_AWS_DOMAIN", "enterprise-data-mesh"),
    ("MESHGATE_OIDC_ISSUER_URL", "https://idp.example.com/oauth2/default"),
    ("MESHGATE_OIDC_CLIENT_ID", "meshgate"),
    ("MESHGATE_OIDC_CLIENT_SECRET", "oidc-s3cret"),
];

fn set_required(jail: &mut figment::Jail) {
    for (key, value) in REQUIRED {
        jail.set_env(key, value);
    }
}

#[test]
fn the_environment_overrides_the_file_which_overrides_the_defaults() {
    figment::Jail::expect_with(|jail| {
        set_required(jail);
        jail.create_file("meshgate.toml", &format!("database_url = \"{URL}\"\naws_domain = \"dzd_abc123\"\nlisten = \"0.0.0.0:8080\"\nlog_format = \"json\"\n"))?;
        jail.set_env("MESHGATE_LISTEN", "127.0.0.1:9000");
        let config = Config::load(Some(std::path::Path::new("meshgate.toml"))).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9000", "env wins over file");
        assert_eq!(config.log_format, LogFormat::Json, "file wins over default");
        assert_eq!(config.database_max_connections, 20, "default kept");
        Ok(())
    });
}

#[test]
fn a_missing_database_url_names_the_variable_to_set() {
    figment::Jail::expect_with(|jail| {
        set_required(jail);
        let error = Config::load(None).unwrap_err().to_string();
        assert!(error.contains("MESHGATE_DATABASE_URL"), "{error}");
        Ok(())
    });
}

#[test]
fn invalid_values_are_refused_with_a_clear_message() {
    figment::Jail::expect_with(|jail| {
        set_required(jail);
        jail.set_env("MESHGATE_DATABASE_URL", "mysql://nope");
        let error = Config::load(None).unwrap_err().to_string();
        assert!(error.contains("not a PostgreSQL URL"), "{error}");

        jail.set_env("MESHGATE_DATABASE_URL", URL);
        jail.set_env("MESHGATE_DATABASE_MAX_CONNECTIONS", "0");
        let error = Config::load(None).unwrap_err().to_string();
        assert!(error.contains("at least 1"), "{error}");

        jail.set_env("MESHGATE_DATABASE_MAX_CONNECTIONS", "many");
        let error = Config::load(None).unwrap_err().to_string();
        assert!(error.contains("MESHGATE_DATABASE_MAX_CONNECTIONS"), "{error}");

        jail.set_env("MESHGATE_DATABASE_MAX_CONNECTIONS", "5");
        jail.set_env("MESHGATE_AWS_ENDPOINT_URL", "localhost:4566");
        let error = Config::load(None).unwrap_err().to_string();
        assert!(error.contains("MESHGATE_AWS_ENDPOINT_URL"), "{error}");
        Ok(())
    });
}

#[test]
fn a_named_config_file_that_does_not_exist_is_an_error() {
    let error = Config::load(Some(std::path::Path::new("/nonexistent/meshgate.toml"))).unwrap_err();
    assert!(error.to_string().contains("does not exist"));
}

#[test]
fn secrets_never_appear_in_debug_output_or_logs() {
    figment::Jail::expect_with(|jail| {
        set_required(jail);
        jail.set_env("MESHGATE_DATABASE_URL", URL);
        jail.set_env("MESHGATE_METRICS_TOKEN", "scrape-s3cret");
        let config = Config::load(None).unwrap();
        let shown = format!("{config:?} {}", config.database_location());
        assert!(!shown.contains("s3cret-password"), "{shown}");
        assert!(!shown.contains("scrape-s3cret"), "{shown}");
        assert!(!shown.contains("oidc-s3cret"), "{shown}");
        assert!(shown.contains("db.internal:5432/meshgate"));
        Ok(())
    });
}

#[test]
fn help_lists_every_setting_with_its_variable() {
    let help = settings_help();
    for setting in SETTINGS {
        assert!(help.contains(&setting.env_var()), "{} missing from --help", setting.key);
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "database_url = \"{URL}\"").unwrap();
    for (key, value) in REQUIRED {
        writeln!(file, "{} = \"{value}\"", key.trim_start_matches("MESHGATE_").to_lowercase()).unwrap();
    }
    // Every other setting has a default, so these make a whole configuration.
    assert!(Config::from_figment(Config::figment(Some(file.path())).unwrap()).is_ok());
}
