//! The `emulator` binary: its ready line, its flags and seed files.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use emulator::Seed;
use serde_json::Value;

#[tokio::test]
async fn the_binary_prints_its_address_and_serves_a_json_seed() {
    let mut seed = Seed::demo();
    seed.domain.name = "json-mesh".into();
    let path = std::env::temp_dir().join(format!("meshgate-seed-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&seed).unwrap()).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_emulator"))
        .args(["--listen", "127.0.0.1:0", "--deploy-delay-ms", "10", "--no-quotas"])
        .arg("--seed")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").expect("the ready line").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));

    let faults: Value = reqwest::get(format!("{url}/_emulator/faults")).await.unwrap().json().await.unwrap();
    let domains = reqwest::Client::new()
        .get(format!("{url}/v2/domains"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDBIN/20250101/us-east-1/datazone/aws4_request, SignedHeaders=host, Signature=00",
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_file(&path).unwrap();

    assert_eq!(faults["deployDelayMs"], 10);
    assert_eq!(faults["quotas"], false);
    assert_eq!(domains["items"][0]["name"], "json-mesh");
}

#[test]
fn the_binary_refuses_a_broken_seed() {
    let path = std::env::temp_dir().join(format!("meshgate-bad-seed-{}.toml", std::process::id()));
    std::fs::write(&path, "[domain]\nname = \"x\"\n\nprojects = []\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_emulator"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
}
