//! Producers publishing: a project's owner sees its inventory, saves business metadata as
//! new DataZone revisions, publishes and unpublishes; outsiders are refused, bad input and
//! stale edits write nothing, and every change is in the audit trail.

mod support;

use serde_json::{json, Value};
use sqlx::PgPool;
use support::{ok, spawn};

async fn status_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The id of one of the caller's first project's assets, as My data lists it.
async fn asset_id(app: &support::TestApp, client: &reqwest::Client, name: &str) -> String {
    let inventory = ok(app.call(client, "my_data", &[("project", ""), ("query", "")]).await).await;
    let item = inventory["items"].as_array().unwrap().iter().find(|i| i["name"] == name).expect("listed");
    item["id"].as_str().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_revises_and_publishes_an_asset_and_outsiders_cannot(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;

    // trent owns CustomerSuccessInsights Dev: its assets, the draft among them.
    let inventory = ok(app.call(&trent, "my_data", &[("project", ""), ("query", "")]).await).await;
    let items = inventory["items"].as_array().unwrap();
    let draft = items.iter().find(|i| i["name"] == "customer_health_scores_draft").expect("the draft is listed");
    assert_eq!(draft["publication"], "Draft");
    assert!(items.iter().any(|i| i["name"] == "support_tickets_daily" && i["publication"] == "Published"));
    let id = draft["id"].as_str().unwrap().to_owned();

    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!((asset["revision"].as_str(), asset["may_edit"].as_bool()), (Some("1"), Some(true)));
    let term = asset["glossary"].as_array().unwrap().iter().find(|t| t["name"] == "Churn").unwrap()["id"].clone();

    let edit = |base: &str, description: &str, terms: Value| {
        json!({"edit": {"asset_id": id, "base_revision": base, "name": "customer_health_scores",
            "description": description, "glossary_terms": terms}})
    };
    // Bad input writes nothing.
    let (status, body) =
        status_of(app.call_json(&trent, "revise_asset", &edit("1", "x", json!(["nosuchterm000"]))).await).await;
    assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some("glossary_terms")), "{body}");
    let (status, _) =
        status_of(app.call_json(&trent, "revise_asset", &edit("1", &"x".repeat(2049), json!([]))).await).await;
    assert_eq!(status, 422);

    // A save is the next revision; saving the same edit again (a retry) makes no other.
    let saved = edit("1", "Health score per **customer**.", json!([term]));
    assert_eq!(ok(app.call_json(&trent, "revise_asset", &saved).await).await, json!("2"));
    assert_eq!(ok(app.call_json(&trent, "revise_asset", &saved).await).await, json!("2"));
    // Someone who opened revision 1 and saves something else is told, and nothing is written.
    let (status, body) =
        status_of(app.call_json(&trent, "revise_asset", &edit("1", "Older view", json!([]))).await).await;
    assert_eq!(status, 409, "{body}");
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let now = dz.get_asset().domain_identifier(&domain).identifier(&id).send().await.unwrap();
    assert_eq!((now.revision(), now.description()), ("2", Some("Health score per **customer**.")));

    // Publishing puts revision 2 in the catalog; publishing again changes nothing.
    let publish = [("id", id.as_str()), ("revision", "2"), ("publish", "true")];
    ok(app.call(&trent, "publish_asset", &publish).await).await;
    ok(app.call(&trent, "publish_asset", &publish).await).await;
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!((asset["publication"].as_str(), asset["published_revision"].as_str()), (Some("Published"), Some("2")));
    assert!(asset["description_html"].as_str().unwrap().contains("<strong>customer</strong>"));
    let changes: Vec<&str> =
        asset["changes"].as_array().unwrap().iter().map(|c| c["action"].as_str().unwrap()).collect();
    assert_eq!(changes, ["asset.published", "asset.revised"]);
    let search = json!({"query": {"q": "customer_health_scores", "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": ""}});
    let found = ok(app.call_json(&trent, "catalog_search", &search).await).await;
    assert!(found.to_string().contains("Health score per"), "{found}");

    // A revision after publication shows as changed until published again.
    ok(app.call_json(&trent, "revise_asset", &edit("2", "Health score per customer, weekly.", json!([term]))).await)
        .await;
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!(asset["publication"], "Changed");

    // Someone outside the project can neither read nor change it.
    let zoe = app.signed_in("zoe").await;
    assert_eq!(app.call(&zoe, "data_asset", &[("id", &id)]).await.status(), 403);
    assert_eq!(app.call_json(&zoe, "revise_asset", &edit("3", "mine now", json!([]))).await.status(), 403);
    assert_eq!(
        app.call(&zoe, "publish_asset", &[("id", id.as_str()), ("revision", "3"), ("publish", "false")]).await.status(),
        403
    );
    assert_eq!(
        app.call(&zoe, "my_data", &[("project", asset["project_id"].as_str().unwrap()), ("query", "")]).await.status(),
        403
    );

    // Unpublishing takes it out of the catalog.
    ok(app.call(&trent, "publish_asset", &[("id", id.as_str()), ("revision", "3"), ("publish", "false")]).await).await;
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!(asset["publication"], "Unpublished");
    let found = ok(app.call_json(&trent, "catalog_search", &search).await).await;
    assert!(!found.to_string().contains("Health score per"), "{found}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_glue_table_becomes_a_draft_asset_once(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;
    let inventory = ok(app.call(&trent, "my_data", &[("project", ""), ("query", "")]).await).await;
    assert_eq!(inventory["may_add"], true);
    let project = inventory["project"].as_str().unwrap().to_owned();
    let form = |table: &str, token: &str| {
        json!({"form": {"project_id": project, "account_id": "123456789012", "region": "eu-west-1",
            "database": "customer_success", "table": table, "name": "", "description": "Outreach calls.", "token": token}})
    };
    // The same form sent twice makes one asset.
    let first = ok(app.call_json(&trent, "add_glue_asset", &form("churn_outreach_log", "form-1")).await).await;
    let again = ok(app.call_json(&trent, "add_glue_asset", &form("churn_outreach_log", "form-1")).await).await;
    assert_eq!(first, again);
    let asset = ok(app.call(&trent, "data_asset", &[("id", first.as_str().unwrap())]).await).await;
    assert_eq!((asset["name"].as_str(), asset["publication"].as_str()), (Some("churn_outreach_log"), Some("Draft")));
    assert_eq!(asset["changes"][0]["action"], "asset.created");
    // The same table from another form is refused, as is a name Glue does not use.
    let (status, body) =
        status_of(app.call_json(&trent, "add_glue_asset", &form("churn_outreach_log", "form-2")).await).await;
    assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some("table")), "{body}");
    let (status, _) = status_of(app.call_json(&trent, "add_glue_asset", &form("Bad Table", "form-3")).await).await;
    assert_eq!(status, 422);
    // Only owners and contributors of the project may add to it.
    let zoe = app.signed_in("zoe").await;
    assert_eq!(app.call_json(&zoe, "add_glue_asset", &form("other_table", "form-4")).await.status(), 403);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_data_product_groups_assets_is_published_and_requested_like_an_asset(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;
    let inventory = ok(app.call(&trent, "my_data", &[("project", ""), ("query", "")]).await).await;
    let project = inventory["project"].as_str().unwrap().to_owned();
    assert_eq!(inventory["products"], json!([]));
    let asset = |name: &str| {
        inventory["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (tickets, draft) = (asset("support_tickets_daily"), asset("customer_health_scores_draft"));
    let blank = ok(app.call(&trent, "data_product", &[("id", ""), ("project", &project)]).await).await;
    assert!(blank["choices"].as_array().unwrap().len() >= 3, "{blank}");
    let edit = |id: &str, base: &str, assets: Value, token: &str| {
        json!({"edit": {"id": id, "project_id": project, "base_revision": base, "name": "Customer health",
            "description": "Tickets and **health scores**.", "asset_ids": assets, "token": token}})
    };

    // Bad input writes nothing: no assets, an asset of another project.
    let (status, body) =
        status_of(app.call_json(&trent, "save_data_product", &edit("", "", json!([]), "p1")).await).await;
    assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some("asset_ids")), "{body}");
    let erin = app.signed_in("erin").await;
    let theirs = ok(app.call(&erin, "my_data", &[("project", ""), ("query", "")]).await).await;
    let foreign = theirs["items"][0]["id"].as_str().map(str::to_owned);
    if let Some(foreign) = foreign {
        let (status, body) =
            status_of(app.call_json(&trent, "save_data_product", &edit("", "", json!([foreign]), "p1")).await).await;
        assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some("asset_ids")), "{body}");
    }
    // Someone outside the project may not make one in it.
    let zoe = app.signed_in("zoe").await;
    let made = edit("", "", json!([tickets, draft]), "p1");
    assert_eq!(app.call_json(&zoe, "save_data_product", &made).await.status(), 403);

    // The same form sent twice makes one product.
    let id = ok(app.call_json(&trent, "save_data_product", &made).await).await;
    assert_eq!(ok(app.call_json(&trent, "save_data_product", &made).await).await, id);
    let id = id.as_str().unwrap().to_owned();
    let product = ok(app.call(&trent, "data_product", &[("id", &id), ("project", "")]).await).await;
    assert_eq!((product["revision"].as_str(), product["publication"].as_str()), (Some("1"), Some("Draft")));
    assert_eq!(product["parts"].as_array().unwrap().len(), 2);
    assert_eq!(product["changes"][0]["what"], "created with 2 assets");

    // A stale edit is refused; a current one is the next revision.
    let (status, _) =
        status_of(app.call_json(&trent, "save_data_product", &edit(&id, "0", json!([tickets]), "")).await).await;
    assert_eq!(status, 409);
    ok(app.call_json(&trent, "save_data_product", &edit(&id, "1", json!([tickets, draft]), "")).await).await;

    // Publishing lists the draft asset along with the product.
    let publish = [("id", id.as_str()), ("revision", "1"), ("publish", "true")];
    assert_eq!(app.call(&zoe, "publish_data_product", &publish).await.status(), 403);
    ok(app.call(&trent, "publish_data_product", &publish).await).await;
    ok(app.call(&trent, "publish_data_product", &publish).await).await;
    let product = ok(app.call(&trent, "data_product", &[("id", &id), ("project", "")]).await).await;
    assert_eq!(product["publication"], "Published", "{product}");
    assert!(product["parts"].as_array().unwrap().iter().all(|p| p["publication"] == "Published"), "{product}");
    let inventory = ok(app.call(&trent, "my_data", &[("project", ""), ("query", "")]).await).await;
    assert_eq!(inventory["products"][0]["publication"], "Published");

    // A consumer finds it in the catalog, sees its assets, and asks for it; its steward decides.
    let search = json!({"query": {"q": "Customer health", "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": ""}});
    let found = ok(app.call_json(&erin, "catalog_search", &search).await).await;
    let hit = found["items"].as_array().unwrap().iter().find(|i| i["name"] == "Customer health").expect("listed");
    assert_eq!(hit["asset_type"], "Data product");
    let listing = hit["listing_id"].as_str().unwrap().to_owned();
    let detail = ok(app.call(&erin, "catalog_asset", &[("listing_id", &listing)]).await).await;
    let names: Vec<&str> =
        detail["product_assets"].as_array().unwrap().iter().map(|p| p[1].as_str().unwrap()).collect();
    assert!(names.contains(&"support_tickets_daily") && names.contains(&"customer_health_scores_draft"), "{detail}");
    let dev = detail["access"].as_array().unwrap().iter().find(|a| a["project_name"] == "CustomerChurnModel-v2 Dev");
    let dev = dev.unwrap()["project_id"].as_str().unwrap().to_owned();
    let form = json!({"form": {"listing_id": listing, "project_id": dev, "reason": "Health scores as churn labels", "days": 30, "token": "product-1"}});
    let request = ok(app.call_json(&erin, "request_access", &form).await).await;
    let dave = app.signed_in("dave").await;
    let queue = ok(app
        .call_json(&dave, "steward_inbox", &json!({"query": {"status": "", "q": "", "sort": "", "offset": 0}}))
        .await)
    .await;
    assert!(queue.to_string().contains(request.as_str().unwrap()), "{queue}");
    let decision = json!({"decision": {"ids": [request], "accept": true, "comment": "For churn labels only."}});
    ok(app.call_json(&dave, "decide_subscriptions", &decision).await).await;
    let mut status = String::new();
    support::wait_until("the decision", 30, async || {
        let detail = ok(app.call(&erin, "subscription_request", &[("id", request.as_str().unwrap())]).await).await;
        status = detail["row"]["status"].as_str().unwrap_or_default().to_owned();
        status != "PENDING"
    })
    .await;
    assert_eq!(status, "ACCEPTED");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_metadata_form_is_typed_by_its_form_type_and_required_fields_are_enforced(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;
    let id = asset_id(&app, &trent, "support_tickets_daily").await;
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    let quality = asset["form_types"].as_array().unwrap().iter().find(|t| t["name"] == "DataQualityForm").unwrap();
    let kinds: Vec<String> = quality["fields"].as_array().unwrap().iter().map(|f| f["kind"].to_string()).collect();
    assert!(kinds.iter().any(|k| k.contains("Choice")) && kinds.iter().any(|k| k.contains("Date")), "{kinds:?}");
    assert_eq!(asset["business_forms"], json!([]));
    let edit = |values: Value| {
        json!({"edit": {"asset_id": id, "base_revision": "1", "name": "support_tickets_daily",
            "description": "Support tickets per day, product and severity.", "glossary_terms": asset["terms"].as_array().unwrap().iter().map(|t| t["id"].clone()).collect::<Vec<_>>(),
            "forms": [{"type_name": "DataQualityForm", "values": values}]}})
    };
    // A required field left empty, a number that is none, a day that is none: refused inline.
    for (values, field) in [
        (json!([["refreshCadence", "DAILY"]]), "forms.DataQualityForm.steward"),
        (
            json!([["steward", "trent"], ["refreshCadence", "DAILY"], ["qualityScore", "high"]]),
            "forms.DataQualityForm.qualityScore",
        ),
        (
            json!([["steward", "trent"], ["refreshCadence", "DAILY"], ["lastReviewed", "yesterday"]]),
            "forms.DataQualityForm.lastReviewed",
        ),
    ] {
        let (status, body) = status_of(app.call_json(&trent, "revise_asset", &edit(values)).await).await;
        assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some(field)), "{body}");
    }
    let good = json!([
        ["steward", "trent"],
        ["refreshCadence", "WEEKLY"],
        ["qualityScore", "97"],
        ["certified", "true"],
        ["lastReviewed", "2026-11-02"]
    ]);
    assert_eq!(ok(app.call_json(&trent, "revise_asset", &edit(good)).await).await, json!("2"));

    // DataZone holds it typed; the editor reads it back as typed; the Glue form stayed.
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let now = dz.get_asset().domain_identifier(&domain).identifier(&id).send().await.unwrap();
    let form = now.forms_output().iter().find(|f| f.form_name() == "DataQualityForm").unwrap();
    let content: Value = serde_json::from_str(form.content().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"steward": "trent", "refreshCadence": "WEEKLY", "qualityScore": 97, "certified": true, "lastReviewed": 1_793_577_600})
    );
    assert!(now.forms_output().iter().any(|f| f.form_name() == "GlueTableForm"));
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    let values = &asset["business_forms"][0]["values"];
    assert!(values.as_array().unwrap().contains(&json!(["lastReviewed", "2026-11-02"])), "{values}");
    assert_eq!(asset["changes"][0]["what"], "revision 2: forms (DataQualityForm)");
}

#[sqlx::test(migrations = "../migrations")]
async fn access_terms_bound_the_period_and_can_spare_the_steward(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;
    let id = asset_id(&app, &trent, "support_tickets_daily").await;
    let terms = |approval: bool, default: Option<u32>, max: Option<u32>| json!({"terms": {"entity_id": id, "approval_required": approval, "default_days": default, "max_days": max}});
    let (status, body) =
        status_of(app.call_json(&trent, "set_access_terms", &terms(false, Some(120), Some(90))).await).await;
    assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some("default_days")), "{body}");
    let zoe = app.signed_in("zoe").await;
    assert_eq!(app.call_json(&zoe, "set_access_terms", &terms(false, Some(30), Some(90))).await.status(), 403);
    ok(app.call_json(&trent, "set_access_terms", &terms(false, Some(30), Some(90))).await).await;
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!(asset["access_terms"]["max_days"], 90);
    assert_eq!(asset["changes"][0]["what"], "access terms: no approval needed, default 30 days, at most 90 days");

    // A consumer reads the terms before asking; a period beyond them is refused.
    let erin = app.signed_in("erin").await;
    let search = json!({"query": {"q": "support_tickets_daily", "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": ""}});
    let found = ok(app.call_json(&erin, "catalog_search", &search).await).await;
    let listing = found["items"][0]["listing_id"].as_str().unwrap().to_owned();
    let detail = ok(app.call(&erin, "catalog_asset", &[("listing_id", &listing)]).await).await;
    assert_eq!(detail["access_terms"]["default_days"], 30);
    let dev = detail["access"].as_array().unwrap().iter().find(|a| a["project_name"] == "CustomerChurnModel-v2 Dev");
    let dev = dev.unwrap()["project_id"].as_str().unwrap().to_owned();
    let form = |days: Option<u32>, token: &str| json!({"form": {"listing_id": listing, "project_id": dev, "reason": "Support load as churn signal", "days": days, "token": token}});
    for days in [None, Some(91)] {
        let (status, body) = status_of(app.call_json(&erin, "request_access", &form(days, "t")).await).await;
        assert_eq!((status, body["Invalid"]["field"].as_str()), (422, Some("days")), "{body}");
    }
    // Within the terms, no steward is needed.
    let request = ok(app.call_json(&erin, "request_access", &form(Some(60), "t2")).await).await;
    let mut decided = Value::Null;
    support::wait_until("the terms' decision", 30, async || {
        decided = ok(app.call(&erin, "subscription_request", &[("id", request.as_str().unwrap())]).await).await;
        decided["row"]["status"] != "PENDING"
    })
    .await;
    assert_eq!(decided["row"]["status"], "ACCEPTED", "{decided}");
    assert!(decided["decision_comment"].as_str().unwrap().contains("access terms"), "{decided}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_revision_that_drops_listed_columns_is_flagged_before_publishing(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;
    let id = asset_id(&app, &trent, "support_tickets_daily").await;
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!(asset["dropped_columns"], json!([]));

    // A data source run in SageMaker Unified Studio brings a revision without `severity`.
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let now = dz.get_asset().domain_identifier(&domain).identifier(&id).send().await.unwrap();
    let glue = now.forms_output().iter().find(|f| f.form_name() == "GlueTableForm").unwrap();
    let mut content: Value = serde_json::from_str(glue.content().unwrap()).unwrap();
    content["columns"].as_array_mut().unwrap().retain(|c| c["columnName"] != "severity");
    dz.create_asset_revision()
        .domain_identifier(&domain)
        .identifier(&id)
        .name("support_tickets_daily")
        .forms_input(
            aws_sdk_datazone::types::FormInput::builder()
                .form_name("GlueTableForm")
                .type_identifier("amazon.datazone.GlueTableFormType")
                .content(content.to_string())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let asset = ok(app.call(&trent, "data_asset", &[("id", &id)]).await).await;
    assert_eq!(asset["publication"], "Changed");
    assert_eq!(asset["dropped_columns"], json!(["severity"]));
}
