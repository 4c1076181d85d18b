//! sso-admin (awsJson1_1): ListInstances, which links the domain to its identity store.

use serde::Deserialize;
use serde_json::json;

use crate::dispatch::{Call, Route};
use crate::state::State;
use crate::wire::{self, epoch, Outcome, PageRequest, Reply};

pub fn route(name: &str) -> Option<Route> {
    (name == "ListInstances").then(|| Route { operation: "ListInstances", handler: list_instances, labels: Vec::new() })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInstancesInput {
    max_results: Option<i64>,
    next_token: Option<String>,
    region_scope: Option<String>,
}

fn list_instances(state: &mut State, call: &Call) -> Outcome {
    let input: ListInstancesInput = call.body()?;
    if let Some(scope) = &input.region_scope {
        wire::check_enum("RegionScope", scope, &["CURRENT_REGION", "ALL_REGIONS"])?;
    }
    // sso-admin's token may be empty, unlike DataZone's; an empty one means the first page.
    let token = input.next_token.as_deref().filter(|t| !t.is_empty());
    if let Some(token) = token {
        wire::check_len("NextToken", token, 0, 2048)?;
    }
    let page = PageRequest::new(input.max_results, token, (1, 100))?;
    let dir = &state.directory;
    let instance = json!({
        "InstanceArn": dir.instance_arn,
        "IdentityStoreId": dir.identity_store_id,
        "IdentityStoreArn": format!(
            "arn:aws:identitystore::{}:identitystore/{}",
            dir.account_id, dir.identity_store_id
        ),
        "OwnerAccountId": dir.account_id,
        "Name": "meshgate",
        "CreatedDate": epoch(dir.created_at),
        "Status": "ACTIVE",
        "PrimaryRegion": dir.region,
        "Regions": [{
            "RegionName": dir.region,
            "Status": "ACTIVE",
            "AddedDate": epoch(dir.created_at),
            "IsPrimaryRegion": true,
        }],
    });
    let (instances, next) = page.page(vec![instance]);
    Ok(Reply::ok(json!({"Instances": instances, "NextToken": next})))
}
