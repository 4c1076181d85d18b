//! Starting an emulator on port 0 and building SDK clients that only differ from production in the endpoint.

use aws_sdk_datazone::config::retry::RetryConfig;
use aws_sdk_datazone::config::{BehaviorVersion, Credentials, Region};
use emulator::{EmulatorConfig, Faults, RunningEmulator, Seed};

pub struct Mesh {
    pub server: RunningEmulator,
    pub dz: aws_sdk_datazone::Client,
    pub ids: aws_sdk_identitystore::Client,
    pub sso: aws_sdk_ssoadmin::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub domain: String,
    pub store: String,
}

/// Settings that keep tests fast and deterministic: short deployments, no quotas.
pub fn test_faults() -> Faults {
    Faults { deploy_delay_ms: 300, quotas: false, ..Faults::default() }
}

fn credentials() -> Credentials {
    Credentials::new("AKIDMESHGATETEST", "test-secret", None, None, "conformance")
}

pub async fn mesh() -> Mesh {
    mesh_with(test_faults()).await
}

pub async fn mesh_with(faults: Faults) -> Mesh {
    mesh_from(EmulatorConfig { seed: Seed::demo(), faults, events_queue: None }).await
}

/// A mesh whose DataZone events go to the SQS queue `queue`.
pub async fn mesh_with_events(queue: &str) -> Mesh {
    mesh_from(EmulatorConfig { seed: Seed::demo(), faults: test_faults(), events_queue: Some(queue.to_owned()) }).await
}

pub async fn mesh_from(config: EmulatorConfig) -> Mesh {
    let server = emulator::spawn(config).await.expect("emulator starts");
    let url = server.endpoint_url();
    // Retries are off so that every injected fault reaches the test as the SDK's typed error.
    let dz = aws_sdk_datazone::Client::from_conf(
        aws_sdk_datazone::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(&url)
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let ids = aws_sdk_identitystore::Client::from_conf(
        aws_sdk_identitystore::Config::builder()
            .behavior_version(aws_sdk_identitystore::config::BehaviorVersion::latest())
            .region(aws_sdk_identitystore::config::Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(&url)
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let sso = aws_sdk_ssoadmin::Client::from_conf(
        aws_sdk_ssoadmin::Config::builder()
            .behavior_version(aws_sdk_ssoadmin::config::BehaviorVersion::latest())
            .region(aws_sdk_ssoadmin::config::Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(&url)
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::Config::builder()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .region(aws_sdk_sqs::config::Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(&url)
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let domain = server.emulator.domain_id();
    let store = server.emulator.identity_store_id();
    Mesh { server, dz, ids, sso, sqs, domain, store }
}

impl Mesh {
    /// The id of a seeded project, found the way the portal finds it: by exact name.
    pub async fn project_id(&self, name: &str) -> String {
        let out =
            self.dz.list_projects().domain_identifier(&self.domain).name(name).send().await.expect("list projects");
        out.items().first().unwrap_or_else(|| panic!("project {name} is seeded")).id().to_owned()
    }

    /// The DataZone user id of a seeded user, via GetUserProfile by userName.
    pub async fn user_id(&self, user_name: &str) -> String {
        self.dz
            .get_user_profile()
            .domain_identifier(&self.domain)
            .user_identifier(user_name)
            .r#type(aws_sdk_datazone::types::UserProfileType::Sso)
            .send()
            .await
            .expect("get user profile")
            .id()
            .expect("user profiles have an id")
            .to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.endpoint_url())
    }
}
