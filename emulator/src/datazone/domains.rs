//! Domains: ListDomains and GetDomain, including the Identity Center link users are mapped through.

use serde_json::{json, Value};

use crate::dispatch::Call;
use crate::state::{Domain, State};
use crate::wire::{self, epoch, Outcome, Reply, DOMAIN_ID};

const DOMAIN_STATUSES: &[&str] =
    &["CREATING", "AVAILABLE", "CREATION_FAILED", "DELETING", "DELETED", "DELETION_FAILED"];

fn summary(d: &Domain) -> Value {
    json!({
        "id": d.id,
        "name": d.name,
        "description": d.description,
        "arn": d.arn(),
        "managedAccountId": d.account_id,
        "status": "AVAILABLE",
        "portalUrl": d.portal_url(),
        "createdAt": epoch(d.created_at),
        "lastUpdatedAt": epoch(d.created_at),
        "domainVersion": "V2",
    })
}

pub fn list_domains(state: &mut State, call: &Call) -> Outcome {
    let status = call.query("status");
    if let Some(status) = status {
        wire::check_enum("status", status, DOMAIN_STATUSES)?;
    }
    let page = call.query_page((1, 25))?;
    let items: Vec<Value> =
        state.domains.iter().filter(|_| status.is_none_or(|s| s == "AVAILABLE")).map(summary).collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

pub fn get_domain(state: &mut State, call: &Call) -> Outcome {
    let id = call.label(0);
    wire::check_pattern("identifier", id, &DOMAIN_ID)?;
    let d = state.domain(id)?;
    let dir = &state.directory;
    Ok(Reply::ok(json!({
        "id": d.id,
        "rootDomainUnitId": d.root_unit_id,
        "name": d.name,
        "description": d.description,
        "singleSignOn": {
            "type": "IAM_IDC",
            "userAssignment": "AUTOMATIC",
            "idcInstanceArn": dir.instance_arn,
        },
        "domainExecutionRole": format!(
            "arn:aws:iam::{}:role/service-role/AmazonSageMakerDomainExecution", d.account_id
        ),
        "serviceRole": format!(
            "arn:aws:iam::{}:role/service-role/AmazonSageMakerDomainService", d.account_id
        ),
        "arn": d.arn(),
        "status": "AVAILABLE",
        "portalUrl": d.portal_url(),
        "createdAt": epoch(d.created_at),
        "lastUpdatedAt": epoch(d.created_at),
        "tags": {},
        "domainVersion": "V2",
    })))
}
