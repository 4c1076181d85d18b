//! `meshgate-cli`: Meshgate's `/api/v1` from a terminal or a CI job.
//!
//! The portal is `--url` (`MESHGATE_URL`), the caller a personal access token `--token`
//! (`MESHGATE_TOKEN`) made on the portal's API tokens page, or the OIDC ID token a GitLab CI
//! or GitHub Actions job is given for a pipeline an admin bound. `plan` and `apply` take a
//! product file (`meshgate.toml`, see [`product`]). Output is for people by default,
//! `--output json` prints the API's JSON for scripts. Exit codes a pipeline can branch on:
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | done |
//! | 1 | the portal refused the call for another reason (a conflict, say) |
//! | 2 | the command line itself is wrong |
//! | 3 | no valid token, or the token or its owner may not do this |
//! | 4 | not found |
//! | 5 | the input is invalid (the message names the field) |
//! | 6 | `wait` or `apply --wait` ran out of time |
//! | 7 | what was waited for ended badly (rejected, failed, cancelled) |
//! | 8 | the portal, its database or AWS is unavailable (after retries) |

use std::process::ExitCode;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::{json, Value};

mod product;

#[derive(Parser)]
#[command(
    name = "meshgate-cli",
    version,
    about = "Projects, access and decisions in Meshgate, from a terminal or a pipeline"
)]
struct Cli {
    /// The portal's address, such as https://meshgate.example.com.
    #[arg(long, env = "MESHGATE_URL", global = true, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// A personal access token (mgp_…) from the portal's API tokens page, or a CI job's OIDC
    /// ID token for a bound pipeline.
    #[arg(long, env = "MESHGATE_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    /// `human` (default) or `json` (the API's answer, for scripts).
    #[arg(long, value_enum, global = true, default_value_t = Output::Human)]
    output: Output,
    /// Sent as `Idempotency-Key` on changes; a re-run with the same key gets the first
    /// answer instead of doing the work twice. A fresh one per run when left out.
    #[arg(long, env = "MESHGATE_IDEMPOTENCY_KEY", global = true)]
    idempotency_key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Who the token acts for, with the roles it acts with.
    Whoami,
    /// Your projects and project requests, per product and environment.
    Projects,
    /// Request a new project (a product's Dev environment first).
    Request(NewProject),
    /// Request the next environment (Staging, Prod) of an active project.
    Promote {
        /// The project request to promote from.
        request: String,
        /// `staging` or `prod`.
        #[arg(long)]
        environment: String,
        #[arg(long)]
        justification: String,
    },
    /// Wait until a project request or subscription request settles, with a progress line.
    Wait {
        /// A project request id (a UUID) or a subscription request id.
        request: String,
        /// Give up after this many seconds (exit code 6).
        #[arg(long, default_value_t = 900)]
        timeout: u64,
        /// Seconds between checks.
        #[arg(long, default_value_t = 5)]
        every: u64,
    },
    /// Search the catalog of published assets and data products.
    Catalog {
        /// Text to search for; everything when left out.
        query: Option<String>,
    },
    /// Ask for access to data, and see where your requests stand.
    #[command(subcommand)]
    Access(AccessCommand),
    /// The steward inbox: subscription requests for data you govern.
    Inbox {
        /// `pending` (default), `accepted`, `rejected` or `all`.
        #[arg(long, default_value = "pending")]
        status: String,
    },
    /// Accept or reject subscription requests (data stewards).
    Decide(Decision),
    /// Any `/api/v1` call, as the OpenAPI document describes it: `api GET /reports/usage`,
    /// `api POST /decisions --data '{…}'` (or `--data @file.json`). Prints the JSON answer.
    Api {
        /// `GET` or `POST`.
        method: String,
        /// The path under /api/v1, with its query string.
        path: String,
        /// The JSON body of a POST, or `@file` to read it from a file.
        #[arg(long)]
        data: Option<String>,
    },
    /// Compare a product file (meshgate.toml) with what Meshgate holds, and print the steps.
    Plan {
        #[arg(long, short, default_value = "meshgate.toml")]
        file: std::path::PathBuf,
    },
    /// Take a product file's steps through the normal approval flow; `--wait` waits until
    /// nothing is left to do or wait for (a Prod project waits for its approver).
    Apply {
        #[arg(long, short, default_value = "meshgate.toml")]
        file: std::path::PathBuf,
        #[arg(long)]
        wait: bool,
        /// With `--wait`: give up after this many seconds (exit code 6).
        #[arg(long, default_value_t = 1800)]
        timeout: u64,
        /// With `--wait`: seconds between checks.
        #[arg(long, default_value_t = 10)]
        every: u64,
    },
}

#[derive(Args)]
struct NewProject {
    /// The data product the project is for.
    #[arg(long)]
    product: String,
    /// The project's name in DataZone; `<product> Dev` when left out.
    #[arg(long)]
    name: Option<String>,
    /// The domain unit's id.
    #[arg(long)]
    unit: String,
    /// `dev`, `staging` or `prod`.
    #[arg(long, default_value = "dev")]
    environment: String,
    #[arg(long, default_value = "")]
    description: String,
    #[arg(long)]
    justification: String,
}

#[derive(Subcommand)]
enum AccessCommand {
    /// Ask for access to a listing for one of your projects.
    Request {
        /// The catalog listing id.
        #[arg(long)]
        listing: String,
        /// The DataZone project id that will use the data.
        #[arg(long)]
        project: String,
        #[arg(long)]
        reason: String,
        /// Days of access; no end when left out.
        #[arg(long)]
        days: Option<u32>,
    },
    /// Where one subscription request stands.
    Status { request: String },
    /// What your projects subscribe to.
    List,
}

#[derive(Args)]
struct Decision {
    /// Subscription request ids.
    #[arg(required = true)]
    requests: Vec<String>,
    #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
    accept: bool,
    #[arg(long)]
    reject: bool,
    /// Shown to the requesters (required to reject).
    #[arg(long, default_value = "")]
    comment: String,
}

/// Why a command failed, with the exit code it ends in.
struct Failure {
    code: u8,
    message: String,
    /// The HTTP status of the answer that failed, 0 when there was none.
    status: u16,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), status: 0 }
    }
}

/// One call's failure as the API's problem document, or a transport failure.
fn failure(status: u16, problem: &Value) -> Failure {
    let detail = problem["detail"].as_str().unwrap_or("the portal refused the call").to_owned();
    let fields: Vec<String> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| format!("{}: {}", e["field"].as_str().unwrap_or(""), e["message"].as_str().unwrap_or("")))
        .collect();
    let message = if fields.is_empty() { detail } else { format!("{detail}\n  {}", fields.join("\n  ")) };
    let code = match status {
        401 | 403 => 3,
        404 => 4,
        400 | 422 => 5,
        429 | 500.. => 8,
        _ => 1,
    };
    Failure { status, ..Failure::new(code, message) }
}

/// GitHub Actions' ID-token endpoint for this job (`permissions: id-token: write`), when the
/// CLI runs in one: the request URL and its bearer token.
fn github_actions() -> Option<(String, String)> {
    let url = std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL").ok().filter(|v| !v.is_empty())?;
    let token = std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN").ok().filter(|v| !v.is_empty())?;
    Some((url, token))
}

/// A fresh ID token from GitHub Actions for `audience` (they live minutes, so a long
/// `apply --wait` asks again when the portal answers 401).
async fn github_id_token(
    http: &reqwest::Client,
    (url, token): &(String, String),
    audience: &str,
) -> Result<String, Failure> {
    let separator = if url.contains('?') { '&' } else { '?' };
    let answer: Value = http
        .get(format!("{url}{separator}audience={}", encode(audience)))
        .bearer_auth(token)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| Failure::new(3, format!("GitHub Actions gave no ID token: {e}")))?
        .json()
        .await
        .map_err(|e| Failure::new(3, format!("GitHub Actions gave no ID token: {e}")))?;
    answer["value"].as_str().map(str::to_owned).ok_or_else(|| Failure::new(3, "GitHub Actions gave no ID token"))
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: std::sync::Mutex<String>,
    /// Set when the token is the GitHub Actions job's own ID token, asked for again on a 401.
    github: Option<(String, String)>,
    key: String,
}

impl Client {
    /// One call; with a GitHub Actions job's own ID token, tried once more with a fresh
    /// token after a 401 (those tokens live minutes).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        key: &str,
    ) -> Result<Value, Failure> {
        match self.call_once(method.clone(), path, body.clone(), key).await {
            Err(failure) if failure.status == 401 => {
                let Some(github) = &self.github else { return Err(failure) };
                let fresh = github_id_token(&self.http, github, &self.base).await?;
                *self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
                self.call_once(method, path, body, key).await
            }
            answer => answer,
        }
    }

    /// One call with retries (backoff, at most five tries) on what a retry can fix: no
    /// answer, a 429 or a 5xx. Changes carry the same `Idempotency-Key` on every try.
    async fn call_once(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        key: &str,
    ) -> Result<Value, Failure> {
        let attempt = || async {
            let token = self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
            let mut request = self
                .http
                .request(method.clone(), format!("{}/api/v1{path}", self.base))
                .bearer_auth(token)
                .header("accept", "application/json");
            if let Some(body) = &body {
                request = request.header("idempotency-key", key).json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| (true, Failure::new(8, format!("cannot reach {}: {e}", self.base))))?;
            let status = response.status().as_u16();
            let value: Value = response.json().await.unwrap_or(Value::Null);
            if (200..300).contains(&status) {
                Ok(value)
            } else {
                Err((status == 429 || status >= 500, failure(status, &value)))
            }
        };
        attempt
            .retry(ExponentialBuilder::default().with_min_delay(Duration::from_millis(500)).with_max_times(4))
            .when(|(retry, _)| *retry)
            .await
            .map_err(|(_, failure)| failure)
    }

    async fn get(&self, path: &str) -> Result<Value, Failure> {
        self.call(reqwest::Method::GET, path, None, "").await
    }

    /// A change, with the run's `Idempotency-Key`.
    async fn post(&self, path: &str, body: Value) -> Result<Value, Failure> {
        self.call(reqwest::Method::POST, path, Some(body), &self.key).await
    }

    /// One of several changes of a run: its key is the run's key and `step`, so a re-run
    /// of the same job replays each step's first answer.
    async fn post_step(&self, path: &str, body: Value, step: &str) -> Result<Value, Failure> {
        let key: String = format!("{}:{step}", self.key).chars().take(255).collect();
        self.call(reqwest::Method::POST, path, Some(body), &key).await
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or("")
}

/// Whether a project request's status is final, and if so whether it ended well.
fn project_settled(status: &str) -> Option<bool> {
    match status {
        "active" | "retired" => Some(true),
        "rejected" | "failed" | "cancelled" => Some(false),
        _ => None,
    }
}

/// Whether a subscription request (DataZone's status, then its grant's as the portal last
/// saw it) is final: accepted with its grant completed or not yet seen, rejected, or its
/// grant failed. A grant DataZone is still working on is waited for.
fn subscription_settled(status: &str, grant: &str) -> Option<bool> {
    match (status, grant) {
        ("REJECTED", _) => Some(false),
        ("ACCEPTED", "COMPLETED" | "") => Some(true),
        ("ACCEPTED", grant) if grant.contains("FAILED") => Some(false),
        _ => None,
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_mins(1))
        .user_agent(concat!("meshgate-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Failure::new(1, e.to_string()))?;
    let base = cli.url.trim_end_matches('/').to_owned();
    // A token given wins; in a GitHub Actions job without one, the job's own ID token.
    let given = cli.token.clone().filter(|t| !t.trim().is_empty());
    let github = if given.is_none() { github_actions() } else { None };
    let token = match (&given, &github) {
        (Some(token), _) => token.clone(),
        (None, Some(github)) => github_id_token(&http, github, &base).await?,
        (None, None) => {
            return Err(Failure::new(
                3,
                "Set MESHGATE_TOKEN (or --token) to a personal access token from the portal's API tokens page, \
                 or to your CI job's ID token for a pipeline bound on Admin → Pipelines.",
            ))
        }
    };
    let client = Client {
        http,
        base,
        token: std::sync::Mutex::new(token),
        github,
        key: cli.idempotency_key.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
    };
    let json = cli.output == Output::Json;
    let print = |value: &Value, human: &dyn Fn(&Value)| {
        if json {
            println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        } else {
            human(value);
        }
    };
    match cli.command {
        Command::Whoami => {
            let me = client.get("/me").await?;
            print(&me, &|me| {
                let roles: Vec<&str> = me["roles"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                println!("{} ({}) · {}", text(me, "display_name"), text(me, "username"), roles.join(", "));
            });
        }
        Command::Projects => {
            let projects = client.get("/projects").await?;
            print(&projects, &|p| {
                for product in p["products"].as_array().into_iter().flatten() {
                    println!("{}", text(product, "product"));
                    for env in product["environments"].as_array().into_iter().flatten() {
                        println!(
                            "  {:<8} {:<18} {:<40} {}",
                            text(env, "environment"),
                            text(env, "status"),
                            text(env, "project_name"),
                            text(env, "id")
                        );
                    }
                }
            });
        }
        Command::Request(new) => {
            let environment = new.environment.to_lowercase();
            let name = new.name.unwrap_or_else(|| {
                let mut letters = environment.chars();
                let label: String =
                    letters.next().map(|c| c.to_uppercase().chain(letters).collect()).unwrap_or_default();
                format!("{} {label}", new.product)
            });
            let body = json!({
                "product": new.product, "project_name": name, "description": new.description,
                "domain_unit_id": new.unit, "environment": environment, "members": [],
                "justification": new.justification,
            });
            let made = client.post("/project-requests", body).await?;
            print(&made, &|m| println!("Requested: {}", text(m, "id")));
        }
        Command::Promote { request, environment, justification } => {
            let body = json!({ "environment": environment.to_lowercase(), "justification": justification });
            let made = client.post(&format!("/project-requests/{request}/promote"), body).await?;
            print(&made, &|m| println!("Requested {environment}: {}", text(m, "id")));
        }
        Command::Wait { request, timeout, every } => {
            let project = uuid::Uuid::parse_str(&request).is_ok();
            let started = Instant::now();
            loop {
                let (status, outcome, shown) = if project {
                    let detail = client.get(&format!("/project-requests/{request}")).await?;
                    let status = text(&detail["summary"], "status").to_owned();
                    (status.clone(), project_settled(&status), detail)
                } else {
                    let detail = client.get(&format!("/subscription-requests/{request}")).await?;
                    let (status, grant) = (text(&detail["row"], "status"), text(&detail, "grant_status"));
                    let shown = if grant.is_empty() { status.to_owned() } else { format!("{status}, grant {grant}") };
                    (shown, subscription_settled(status, grant), detail)
                };
                if !json {
                    eprintln!("{request}: {status} after {} s", started.elapsed().as_secs());
                }
                match outcome {
                    Some(true) => {
                        print(&shown, &|_| println!("{status}"));
                        return Ok(());
                    }
                    Some(false) => {
                        print(&shown, &|_| println!("{status}"));
                        return Err(Failure::new(7, format!("{request} ended {status}")));
                    }
                    None if started.elapsed() >= Duration::from_secs(timeout) => {
                        return Err(Failure::new(6, format!("{request} is still {status} after {timeout} s")));
                    }
                    None => tokio::time::sleep(Duration::from_secs(every.max(1))).await,
                }
            }
        }
        Command::Catalog { query } => {
            let q: String = query.unwrap_or_default();
            let page = client.get(&format!("/catalog?q={}", encode(&q))).await?;
            print(&page, &|p| {
                for item in p["items"].as_array().into_iter().flatten() {
                    println!(
                        "{:<40} {:<14} {}",
                        text(item, "name"),
                        text(item, "asset_type"),
                        text(item, "listing_id")
                    );
                }
                println!("{} found", p["total"]);
            });
        }
        Command::Access(AccessCommand::Request { listing, project, reason, days }) => {
            let body = json!({ "listing_id": listing, "project_id": project, "reason": reason, "days": days });
            let made = client.post("/subscription-requests", body).await?;
            print(&made, &|m| println!("Requested: {}", text(m, "id")));
        }
        Command::Access(AccessCommand::Status { request }) => {
            let detail = client.get(&format!("/subscription-requests/{request}")).await?;
            print(&detail, &|d| {
                let grant = text(d, "grant_status");
                println!(
                    "{request}: {}{}",
                    text(&d["row"], "status"),
                    if grant.is_empty() { String::new() } else { format!(", grant {grant}") }
                );
            });
        }
        Command::Access(AccessCommand::List) => {
            let list = client.get("/subscriptions").await?;
            print(&list, &|l| {
                for project in l.as_array().into_iter().flatten() {
                    println!("{}", text(project, "project_name"));
                    for row in project["items"].as_array().into_iter().flatten() {
                        println!("  {:<40} {}", text(row, "asset_name"), text(row, "status"));
                    }
                }
            });
        }
        Command::Inbox { status } => {
            let page = client.get(&format!("/inbox?status={}", encode(&status))).await?;
            print(&page, &|p| {
                for row in p["rows"].as_array().into_iter().flatten() {
                    println!(
                        "{:<28} {:<36} {:<32} {}",
                        text(row, "id"),
                        text(row, "asset_name"),
                        text(row, "subscriber_project"),
                        text(row, "status")
                    );
                }
            });
        }
        Command::Decide(decision) => {
            let body = json!({ "ids": decision.requests, "accept": decision.accept, "comment": decision.comment });
            let run = client.post("/decisions", body).await?;
            print(&run, &|r| {
                println!(
                    "{} {} request(s) queued (run {}); {} skipped",
                    if decision.accept { "Accepting" } else { "Rejecting" },
                    r["total"],
                    text(r, "id"),
                    r["skipped"]
                );
            });
        }
        Command::Api { method, path, data } => {
            let path = if path.starts_with('/') { path } else { format!("/{path}") };
            let body = match data.as_deref() {
                None => None,
                Some(text) => {
                    let text = match text.strip_prefix('@') {
                        Some(file) => std::fs::read_to_string(file)
                            .map_err(|e| Failure::new(2, format!("cannot read {file}: {e}")))?,
                        None => text.to_owned(),
                    };
                    Some(serde_json::from_str(&text).map_err(|e| Failure::new(2, format!("--data is not JSON: {e}")))?)
                }
            };
            let answer = match (method.to_ascii_uppercase().as_str(), body) {
                ("GET", None) => client.get(&path).await?,
                ("POST", Some(body)) => client.post(&path, body).await?,
                ("POST", None) => return Err(Failure::new(2, "a POST needs --data")),
                ("GET", Some(_)) => return Err(Failure::new(2, "a GET takes no --data")),
                (other, _) => return Err(Failure::new(2, format!("the API has GET and POST calls, not {other}"))),
            };
            println!("{}", serde_json::to_string_pretty(&answer).unwrap_or_default());
        }
        Command::Plan { file } => {
            let file = product::read(&file)?;
            let plan = product::plan(&client, &file).await?;
            print(&plan.to_json(), &|_| plan.print());
        }
        Command::Apply { file, wait, timeout, every } => {
            let file = product::read(&file)?;
            let started = Instant::now();
            let mut applied = Vec::new();
            loop {
                let plan = product::plan(&client, &file).await?;
                if !json && (applied.is_empty() || !plan.steps.is_empty()) {
                    plan.print();
                }
                applied.extend(product::apply(&client, &plan, json).await?);
                let settled = plan.steps.is_empty() && plan.waiting.is_empty();
                // What needs a person does not come by waiting: report it and stop.
                if !wait || settled || !plan.attention.is_empty() {
                    if json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&json!({ "applied": applied, "left": plan.to_json() }))
                                .unwrap_or_default()
                        );
                    } else if settled && plan.attention.is_empty() {
                        println!("Meshgate holds what the file declares.");
                    }
                    if !plan.attention.is_empty() {
                        return Err(Failure::new(7, format!("needs a person: {}", plan.attention.join("; "))));
                    }
                    return Ok(());
                }
                if started.elapsed() >= Duration::from_secs(timeout) {
                    return Err(Failure::new(
                        6,
                        format!("still waiting after {timeout} s: {}", plan.waiting.join("; ")),
                    ));
                }
                if !json {
                    for wait in &plan.waiting {
                        eprintln!("… {wait} ({} s)", started.elapsed().as_secs());
                    }
                }
                tokio::time::sleep(Duration::from_secs(every.max(1))).await;
            }
        }
    }
    Ok(())
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("meshgate-cli: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
