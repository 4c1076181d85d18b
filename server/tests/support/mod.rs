//! A real portal for tests: Postgres from `#[sqlx::test]`, the AWS emulator in-process and
//! the local OIDC provider (idp/) as a child process, all on free ports.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod issuer;

use std::path::PathBuf;
use std::time::Duration;

use meshgate::{Application, Config};
use reqwest::redirect::Policy;
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const PASSWORD: &str = "meshgate";

pub struct TestApp {
    pub base: String,
    pub idp: String,
    pub aws: emulator::RunningEmulator,
    /// The portal's configuration, for tests that drive the library beside it.
    pub config: Config,
    _idp_process: Child,
}

/// Options that differ between tests.
#[derive(Default)]
pub struct Setup {
    pub seed: Option<emulator::Seed>,
    /// The people the local IdP signs in (a TOML file like emulator/seed/demo.toml);
    /// the demo users when absent.
    pub idp_seed: Option<PathBuf>,
    pub extra: Vec<(&'static str, serde_json::Value)>,
    /// The SQS queue the emulator sends DataZone's events to; the portal reads it.
    pub events_queue: Option<&'static str>,
}

/// The local IdP with its client registered for a portal at `portal`. A start that has not
/// answered within ten seconds (seen now and then under a loaded test run, never when
/// started alone) is killed and tried again.
async fn start_idp(portal: &str, seed: Option<&std::path::Path>) -> (Child, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
    assert!(
        root.join("idp/node_modules").exists(),
        "the local IdP is not installed: run `cargo xtask test`, or `npm install` in idp/"
    );
    for _ in 0..3 {
        let mut child = Command::new("node")
            .current_dir(&root)
            .args(["idp/server.mjs", "--port", "0", "--redirect-uri"])
            .arg(format!("{portal}/auth/callback"))
            .arg("--post-logout-redirect-uri")
            .arg(format!("{portal}/signed-out"))
            .args(seed.map(|s| ["--seed".as_ref(), s.as_os_str()]).into_iter().flatten())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node is installed");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = child.stderr.take().unwrap();
        // Keep the IdP's log for a failing test, and never let a full pipe block it.
        tokio::spawn(async move {
            let mut log = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = log.next_line().await {
                eprintln!("idp: {line}");
            }
        });
        if let Ok(line) = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await {
            let line = line.unwrap().expect("the IdP exited before it was ready");
            let issuer = line.strip_prefix("listening on ").expect("the IdP's ready line").to_owned();
            return (child, issuer);
        }
        eprintln!("the IdP did not start within 10 s; starting another");
    }
    panic!("the IdP did not start");
}

pub async fn spawn(pool: PgPool) -> TestApp {
    spawn_with(pool, Setup::default()).await
}

pub async fn spawn_with(pool: PgPool, setup: Setup) -> TestApp {
    // The portal finds credentials the SDK's usual way; the emulator accepts any.
    static CREDENTIALS: std::sync::Once = std::sync::Once::new();
    CREDENTIALS.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "meshgate-test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "meshgate-test");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
    let mut config = emulator::EmulatorConfig::default();
    if let Some(seed) = setup.seed {
        config.seed = seed;
    }
    config.events_queue = setup.events_queue.map(str::to_owned);
    let aws = emulator::spawn(config).await.unwrap();
    // The portal's port is held from here on: the IdP needs its address before it starts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let (idp_process, idp) = start_idp(&base, setup.idp_seed.as_deref()).await;
    let mut figment = Config::figment(None)
        .unwrap()
        .merge(("database_url", "postgres://postgres@127.0.0.1/pool-given-by-the-test"))
        .merge(("database_timeout_ms", 1000))
        .merge(("aws_domain", "enterprise-data-mesh"))
        .merge(("aws_region", "us-east-1"))
        .merge(("aws_endpoint_url", aws.endpoint_url()))
        .merge(("oidc_issuer_url", idp.clone()))
        .merge(("oidc_client_id", "meshgate-local"))
        .merge(("oidc_client_secret", "meshgate-local-secret"))
        .merge((
            "steward_groups",
            "meshgate-stewards-marketing=MarketingAnalytics,meshgate-stewards-sales=SalesOperations",
        ))
        .merge(("session_secure_cookie", false))
        .merge(("job_workers", 2))
        // Requests reach the inbox when it opens; the periodic sync stays out of the way.
        .merge(("subscription_sync_seconds", 3600))
        .merge(("expiry_check_seconds", 1))
        // Tests call far faster than people; the limit has its own test.
        .merge(("person_calls_per_second", 1000));
    if let Some(queue) = setup.events_queue {
        figment = figment.merge(("events_queue_url", format!("{}/123456789012/{queue}", aws.endpoint_url())));
    }
    for (key, value) in setup.extra {
        figment = figment.merge((key, value));
    }
    // #[sqlx::test] applied the portal's migrations (or none, on purpose); this adds the job
    // queue's schema next to them, as `meshgate migrate` does. The tests of an unreachable or
    // unmigrated database get none.
    if let Err(error) = underway::run_migrations(&pool).await {
        eprintln!("job queue schema not created: {error}");
    }
    let config = Config::from_figment(figment).unwrap();
    let app = Box::pin(Application::build_on(config.clone(), pool, listener)).await.unwrap();
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp { base, idp, aws, config, _idp_process: idp_process }
}

/// SDK settings aimed at the emulator (which takes any credentials).
async fn emulator_sdk(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_datazone::config::Credentials::new("test", "test", None, None, "test"))
        .load()
        .await
}

pub async fn datazone_client(endpoint: &str) -> aws_sdk_datazone::Client {
    aws_sdk_datazone::Client::new(&emulator_sdk(endpoint).await)
}

/// An Identity Store client and the store's id, aimed at the emulator: to change what
/// Identity Center says about people, as the company IdP's SCIM sync would.
pub async fn identity_store(endpoint: &str) -> (aws_sdk_identitystore::Client, String) {
    let sdk = emulator_sdk(endpoint).await;
    let instances = aws_sdk_ssoadmin::Client::new(&sdk).list_instances().send().await.unwrap();
    let store = instances.instances()[0].identity_store_id().unwrap().to_owned();
    (aws_sdk_identitystore::Client::new(&sdk), store)
}

/// A plain client (follows redirects, keeps no cookies). Like every test client, it gives up
/// on a request after a minute, so a stalled answer fails its test instead of the suite.
pub fn plain() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_mins(1)).build().unwrap()
}

/// A client that keeps cookies and shows redirects, as the tests follow them by hand. A
/// request that gets no answer within a minute fails the test instead of hanging the suite.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_mins(1))
        .build()
        .unwrap()
}

pub fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Follows redirects (relative ones against `from`) until a non-redirect answer.
    pub async fn follow(&self, client: &reqwest::Client, mut url: String) -> (String, reqwest::Response) {
        for _ in 0..10 {
            let response = client.get(&url).send().await.unwrap();
            if !response.status().is_redirection() {
                return (url, response);
            }
            let next = location(&response);
            url = if next.starts_with('/') {
                let origin = url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
                format!("{origin}{next}")
            } else {
                next
            };
        }
        panic!("too many redirects");
    }

    /// Takes `authorize_url` through the IdP's login form as `username` and returns the
    /// portal callback URL the IdP sends the browser to.
    pub async fn idp_login(&self, client: &reqwest::Client, authorize_url: String, username: &str) -> String {
        let (page_url, page) = self.follow(client, authorize_url).await;
        let html = page.text().await.unwrap();
        let action = html.split("action=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a login form");
        let action = format!("{}{}", self.idp, action.replace("&amp;", "&"));
        assert!(page_url.starts_with(&self.idp));
        let mut response =
            client.post(&action).form(&[("username", username), ("password", PASSWORD)]).send().await.unwrap();
        while response.status().is_redirection() {
            let next = location(&response);
            let next = if next.starts_with('/') { format!("{}{next}", self.idp) } else { next };
            if next.starts_with(&self.base) {
                return next;
            }
            response = client.get(&next).send().await.unwrap();
        }
        panic!("the IdP did not send the browser back: {}", response.text().await.unwrap());
    }

    /// The IdP authorization URL `/auth/login` sends a new sign-in to.
    pub async fn start_sign_in(&self, client: &reqwest::Client) -> String {
        let response = client.get(self.url("/auth/login?next=/")).send().await.unwrap();
        assert_eq!(response.status(), 303, "sign-in starts with a redirect to the IdP");
        location(&response)
    }

    /// A sign-in started by `client` and completed at the IdP as `username`: the callback
    /// URL the browser is about to open.
    pub async fn callback_for(&self, client: &reqwest::Client, username: &str) -> String {
        let authorize = self.start_sign_in(client).await;
        self.idp_login(client, authorize, username).await
    }

    /// A client signed in as `username` through the real IdP.
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = browser();
        let callback = self.callback_for(&client, username).await;
        let done = client.get(&callback).send().await.unwrap();
        assert_eq!(location(&done), "/", "{username} is signed in and sent back");
        client
    }

    /// Calls a server function the way the hydrated page does.
    pub async fn call(&self, client: &reqwest::Client, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(&format!("/api/{endpoint}"))).form(form).send().await.unwrap()
    }

    /// Calls a server function that takes a JSON body.
    pub async fn call_json(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        client.post(self.url(&format!("/api/{endpoint}"))).json(body).send().await.unwrap()
    }

    /// A DataZone client aimed at the emulator, to check what the portal did there.
    pub async fn datazone(&self) -> aws_sdk_datazone::Client {
        datazone_client(&self.aws.endpoint_url()).await
    }

    pub async fn who_am_i(&self, client: &reqwest::Client) -> serde_json::Value {
        self.call(client, "who_am_i", &[]).await.json().await.unwrap()
    }
}

/// Opens `n` pending subscription requests straight in DataZone, as people do in SageMaker
/// Unified Studio, for pairs of project and listing that have none yet; answers their ids.
pub async fn open_requests_in_datazone(dz: &aws_sdk_datazone::Client, n: usize) -> Vec<String> {
    use aws_sdk_datazone::types::{
        SearchResultItem, SubscribedListingInput, SubscribedPrincipalInput, SubscribedProjectInput,
    };
    let domains = dz.list_domains().send().await.unwrap();
    let domain = domains.items()[0].id().to_owned();
    let projects = dz.list_projects().domain_identifier(&domain).max_results(50).send().await.unwrap();
    let listings = dz.search_listings().domain_identifier(&domain).max_results(50).send().await.unwrap();
    let mut ids = Vec::new();
    for item in listings.items() {
        let SearchResultItem::AssetListing(listing) = item else { continue };
        for project in projects.items() {
            if ids.len() == n {
                return ids;
            }
            if Some(project.id()) == listing.owning_project_id() {
                continue;
            }
            let created = dz
                .create_subscription_request()
                .domain_identifier(&domain)
                .subscribed_principals(SubscribedPrincipalInput::Project(
                    SubscribedProjectInput::builder().identifier(project.id()).build(),
                ))
                .subscribed_listings(
                    SubscribedListingInput::builder().identifier(listing.listing_id().unwrap()).build().unwrap(),
                )
                .request_reason("Load for the steward inbox")
                .send()
                .await;
            // Pairs that already have a request or a subscription are refused; skip them.
            if let Ok(created) = created {
                ids.push(created.id().to_owned());
            }
        }
    }
    ids
}

/// How many subscriptions DataZone made from one request (one, when it was accepted once).
pub async fn subscriptions_from(
    aws: &emulator::RunningEmulator,
    dz: &aws_sdk_datazone::Client,
    request: &str,
) -> usize {
    let found = dz
        .list_subscriptions()
        .domain_identifier(aws.emulator.domain_id())
        .subscription_request_identifier(request)
        .send()
        .await
        .unwrap();
    found.items().len()
}

/// Polls `done` every 100 ms until it holds, failing the test after `seconds`.
pub async fn wait_until(what: &str, seconds: u64, mut done: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    while !done().await {
        assert!(std::time::Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The body of a 200 answer as JSON (`null` for an empty one); any other status fails the
/// test with the body.
pub async fn ok(response: reqwest::Response) -> serde_json::Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
}

impl TestApp {
    /// A domain unit's id, as the project form lists it.
    pub async fn unit_id(&self, client: &reqwest::Client, name: &str) -> String {
        let units = ok(self.call(client, "project_units", &[]).await).await;
        let unit = units.as_array().unwrap().iter().find(|u| u["name"] == name).expect("unit in the demo mesh");
        unit["id"].as_str().unwrap().to_owned()
    }

    /// The first person or group the member picker finds for `query`.
    pub async fn principal(&self, client: &reqwest::Client, query: &str) -> serde_json::Value {
        ok(self.call(client, "search_principals", &[("query", query)]).await).await[0].clone()
    }

    /// Takes a user out of a project straight in DataZone, as someone in SageMaker Unified
    /// Studio would.
    pub async fn remove_in_datazone(&self, project: &str, user_id: String) {
        self.datazone()
            .await
            .delete_project_membership()
            .domain_identifier(self.aws.emulator.domain_id())
            .project_identifier(project)
            .member(aws_sdk_datazone::types::Member::UserIdentifier(user_id))
            .send()
            .await
            .unwrap();
    }

    /// Waits until the project request reaches `status`, failing on another end state.
    pub async fn project_request_reaches(&self, client: &reqwest::Client, id: &str, status: &str) -> serde_json::Value {
        let mut last = serde_json::Value::Null;
        wait_until(status, 30, async || {
            last = ok(self.call(client, "project_request", &[("id", id)]).await).await;
            let now = last["summary"]["status"].as_str().unwrap_or_default().to_owned();
            assert!(now != "failed" || status == "failed", "request failed: {}", last["failure"]);
            now == status
        })
        .await;
        last
    }
}

/// The local SMTP server (aiosmtpd, installed by `cargo xtask test` and named by
/// `MESHGATE_AIOSMTPD`), keeping what it receives in a Maildir.
pub struct Mailbox {
    pub url: String,
    pub dir: tempfile_dir::Dir,
    _process: Child,
}

/// A directory removed when dropped.
pub mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Mailbox {
    pub async fn start() -> Self {
        let python = std::env::var("MESHGATE_AIOSMTPD")
            .expect("MESHGATE_AIOSMTPD names aiosmtpd's python: run `cargo xtask test`, which installs it");
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("meshgate-mail-{}", uuid::Uuid::new_v4()));
        let process = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("aiosmtpd starts");
        wait_until("the SMTP server to listen", 20, async || {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
        })
        .await;
        Self { url: format!("smtp://127.0.0.1:{port}"), dir: tempfile_dir::Dir(dir), _process: process }
    }

    /// Every message received so far, as raw RFC 5322 text.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.0.join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        // Long headers come folded (RFC 5322 §2.2.3): unfolded here, as a mail client shows them.
        entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|m| m.replace("\r\n ", " ").replace("\n ", " "))
            .collect()
    }

    /// The messages to `address`.
    pub fn to(&self, address: &str) -> Vec<String> {
        let header = format!("To: {address}");
        self.messages().into_iter().filter(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&header))).collect()
    }
}

/// A chat webhook receiver on loopback standing in for Slack's or Teams' incoming webhook:
/// it answers 200 after `hold` and counts a message only once it has answered (as a
/// webhook accepts one), so a sender killed while waiting leaves nothing counted.
pub struct ChatReceiver {
    pub url: String,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    pub attempts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl ChatReceiver {
    pub async fn start(hold: Duration) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let attempts = Arc::new(AtomicUsize::new(0));
        let (kept, tried) = (received.clone(), attempts.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let (kept, tried) = (kept.clone(), tried.clone());
                async move {
                    tried.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(hold).await;
                    kept.lock().unwrap().push(body);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, received, attempts }
    }

    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.received.lock().unwrap().clone()
    }
}
