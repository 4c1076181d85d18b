//! Sign-in through the real local IdP: sessions, roles, refusals of forged or replayed
//! responses, sign-out, and the browser protections around them.

mod support;

use meshgate::store::audit;
use sqlx::PgPool;
use support::{browser, location, spawn, spawn_with, Setup};

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_maps_people_to_their_roles(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    for (username, roles) in [
        ("zoe", vec!["TeamLead"]),
        ("carol", vec!["TeamLead", "Steward"]),
        ("erin", vec!["TeamLead", "Steward"]),
        ("alice", vec!["TeamLead", "Steward", "Admin"]),
    ] {
        let client = app.signed_in(username).await;
        let me = app.who_am_i(&client).await;
        assert_eq!(me["username"], username);
        assert_eq!(me["roles"], serde_json::json!(roles), "{username}");
    }
    let events = audit::recent(&pool, 10, Some("carol")).await.unwrap();
    assert_eq!(events[0].action, "auth.signed_in");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_anonymous_visitor_is_nobody(pool: PgPool) {
    let app = spawn(pool).await;
    assert_eq!(app.who_am_i(&browser()).await, serde_json::Value::Null);
}

/// Anonymous traffic cannot grow the audit trail or the sessions table without bound:
/// refusals are counted (the first per hour and path is an audit event), and sign-ins
/// started per minute are capped.
#[sqlx::test(migrations = "../migrations")]
async fn anonymous_clients_write_a_bounded_amount(pool: PgPool) {
    let setup = Setup { extra: vec![("sign_in_starts_per_minute", serde_json::json!(5))], ..Setup::default() };
    let app = spawn_with(pool.clone(), setup).await;
    let anonymous = browser();
    for _ in 0..40 {
        assert_eq!(app.call(&anonymous, "my_projects", &[]).await.status(), 401);
    }
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE actor = 'anonymous' AND action = 'access.refused'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1, "one audit event for forty refusals");
    let counted: i64 =
        sqlx::query_scalar("SELECT count FROM anonymous_counts WHERE kind = 'refusal'").fetch_one(&pool).await.unwrap();
    assert_eq!(counted, 40, "and every refusal counted");

    let sessions = || sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sessions").fetch_one(&pool);
    let before = sessions().await.unwrap();
    let mut refused = 0;
    for _ in 0..8 {
        let started = browser().get(app.url("/auth/login?next=/")).send().await.unwrap();
        if started.status() == 429 {
            refused += 1;
            assert_eq!(started.headers()["retry-after"], "60");
        }
    }
    assert!(refused >= 3, "beyond five a minute sign-ins wait ({refused} refused)");
    assert!(sessions().await.unwrap() - before <= 5, "no session row for a refused start");
    let expiry: (bool,) = sqlx::query_as("SELECT bool_and(expiry_date < now() + interval '11 minutes') FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(expiry.0, "a sign-in not completed leaves in ten minutes");
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_returns_to_the_page_asked_for_and_never_elsewhere(pool: PgPool) {
    let app = spawn(pool).await;
    for (next, expected) in
        [("/no-such-page?x=1", "/no-such-page?x=1"), ("https://evil.example/", "/"), ("//evil.example", "/")]
    {
        let client = browser();
        let start = client.get(app.url("/auth/login")).query(&[("next", next)]).send().await.unwrap();
        let callback = app.idp_login(&client, location(&start), "zoe").await;
        let done = client.get(&callback).send().await.unwrap();
        assert_eq!(location(&done), expected);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_session_id_changes_at_sign_in_and_the_cookie_is_guarded(pool: PgPool) {
    let app = spawn(pool).await;
    let client = browser();
    let start = client.get(app.url("/auth/login?next=/")).send().await.unwrap();
    let before = start.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(before.contains("HttpOnly") && before.contains("SameSite=Lax"), "{before}");
    let callback = app.idp_login(&client, location(&start), "zoe").await;
    let done = client.get(&callback).send().await.unwrap();
    let after = done.headers()["set-cookie"].to_str().unwrap().to_owned();
    let id = |cookie: &str| cookie.split(';').next().unwrap().to_owned();
    assert_ne!(id(&before), id(&after), "a new session id after sign-in");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_cookie_is_secure_unless_configured_for_plain_http(pool: PgPool) {
    let app = spawn_with(pool, Setup { extra: vec![("session_secure_cookie", true.into())], ..Setup::default() }).await;
    let start = browser().get(app.url("/auth/login?next=/")).send().await.unwrap();
    let cookie = start.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"), "{cookie}");
    assert!(cookie.starts_with("__Host-meshgate_session="), "bound to this host: {cookie}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_https_portal_tells_browsers_to_stay_on_https(pool: PgPool) {
    let plain = spawn(pool.clone()).await;
    let healthz = |app: &support::TestApp| browser().get(app.url("/healthz")).send();
    assert!(!healthz(&plain).await.unwrap().headers().contains_key("strict-transport-security"));
    let setup = Setup { extra: vec![("public_url", "https://meshgate.example.com".into())], ..Setup::default() };
    let app = spawn_with(pool, setup).await;
    let answer = healthz(&app).await.unwrap();
    assert_eq!(answer.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

#[sqlx::test(migrations = "../migrations")]
async fn roles_follow_identity_center_groups_within_the_cache_time(pool: PgPool) {
    use aws_sdk_identitystore::types::{AlternateIdentifier, MemberId, UniqueAttribute};
    let setup = Setup { extra: vec![("identity_cache_seconds", 1.into())], ..Setup::default() };
    let app = spawn_with(pool, setup).await;
    let alice = app.signed_in("alice").await;
    assert_eq!(app.who_am_i(&alice).await["roles"], serde_json::json!(["TeamLead", "Steward", "Admin"]));

    // Alice leaves the admin group in Identity Center; her ID token still names it.
    let (ids, store) = support::identity_store(&app.aws.endpoint_url()).await;
    let by_name = UniqueAttribute::builder()
        .attribute_path("userName")
        .attribute_value(aws_smithy_types::Document::String("alice".into()))
        .build()
        .unwrap();
    let user = ids
        .get_user_id()
        .identity_store_id(&store)
        .alternate_identifier(AlternateIdentifier::UniqueAttribute(by_name))
        .send()
        .await
        .unwrap();
    let memberships = ids
        .list_group_memberships_for_member()
        .identity_store_id(&store)
        .member_id(MemberId::UserId(user.user_id().to_owned()))
        .send()
        .await
        .unwrap();
    for membership in memberships.group_memberships() {
        let group =
            ids.describe_group().identity_store_id(&store).group_id(membership.group_id().unwrap()).send().await;
        if group.unwrap().display_name() == Some("meshgate-platform-admins") {
            let id = membership.membership_id();
            ids.delete_group_membership().identity_store_id(&store).membership_id(id).send().await.unwrap();
        }
    }
    // The cache time is counted in whole seconds: past two of them it has run out.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let me = app.who_am_i(&alice).await;
    // Still a steward: she owns DataGovernance Prod, which publishes assets.
    assert_eq!(me["roles"], serde_json::json!(["TeamLead", "Steward"]), "no admin role after the re-read: {me}");
    assert_eq!(app.call(&alice, "report_dashboard", &[]).await.status(), 403);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_forged_state_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let client = browser();
    let callback = app.callback_for(&client, "alice").await;
    let forged = callback.replace("state=", "state=forged");
    let answer = client.get(&forged).send().await.unwrap();
    assert_eq!(location(&answer), "/sign-in?error=state");
    assert_eq!(app.who_am_i(&client).await, serde_json::Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_replayed_code_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let client = browser();
    let callback = app.callback_for(&client, "alice").await;
    assert_eq!(location(&client.get(&callback).send().await.unwrap()), "/");

    // The same response again: the sign-in it belonged to is over.
    let again = browser().get(&callback).send().await.unwrap();
    assert_eq!(location(&again), "/sign-in?error=state");

    // The used code under a fresh sign-in's state: the IdP refuses to redeem it twice.
    let attacker = browser();
    let fresh = app.start_sign_in(&attacker).await;
    let state = fresh.split("state=").nth(1).unwrap().split('&').next().unwrap();
    let code = callback.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let replay = attacker.get(app.url(&format!("/auth/callback?code={code}&state={state}"))).send().await.unwrap();
    assert_eq!(location(&replay), "/sign-in?error=refused");
    assert_eq!(app.who_am_i(&attacker).await, serde_json::Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_id_token_with_another_nonce_is_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let client = browser();
    let authorize = app.start_sign_in(&client).await;
    let nonce = authorize.split("nonce=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let tampered = authorize.replace(&format!("nonce={nonce}"), "nonce=not-the-portals-nonce");
    let callback = app.idp_login(&client, tampered, "alice").await;
    let answer = client.get(&callback).send().await.unwrap();
    assert_eq!(location(&answer), "/sign-in?error=token");
    assert_eq!(app.who_am_i(&client).await, serde_json::Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_person_unknown_to_identity_center_is_told_so(pool: PgPool) {
    let mut seed = emulator::Seed::demo();
    seed.users.retain(|u| u.user_name != "zoe");
    let app = spawn_with(pool.clone(), Setup { seed: Some(seed), ..Setup::default() }).await;
    let client = browser();
    let callback = app.callback_for(&client, "zoe").await;
    let answer = client.get(&callback).send().await.unwrap();
    assert_eq!(location(&answer), "/sign-in?error=unknown_user");
    let page = client.get(app.url("/sign-in?error=unknown_user")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("IAM Identity Center for this data mesh doesn"), "{page}");
    assert_eq!(app.who_am_i(&client).await, serde_json::Value::Null);
    let events = audit::recent(&pool, 5, Some("zoe")).await.unwrap();
    assert_eq!(events[0].action, "auth.sign_in_refused");
}

/// One person's server-function calls are limited (shared by every replica): past the
/// burst the answer is 429, and the bucket refills.
#[sqlx::test(migrations = "../migrations")]
async fn one_person_cannot_call_faster_than_the_limit(pool: PgPool) {
    let setup = Setup { extra: vec![("person_calls_per_second", serde_json::json!(2))], ..Setup::default() };
    let app = spawn_with(pool, setup).await;
    let zoe = app.signed_in("zoe").await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(app.call(&zoe, "my_projects", &[]).await.status().as_u16());
    }
    assert!(statuses.contains(&429), "a burst of eight, then 429: {statuses:?}");
    assert_eq!(statuses[0], 200);
    let refused = app.call(&zoe, "my_projects", &[]).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.text().await.unwrap().contains("TooManyRequests"), "the error the page explains");
    // Someone else is not held up by Zoe.
    let erin = app.signed_in("erin").await;
    assert_eq!(app.call(&erin, "my_projects", &[]).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.call(&zoe, "my_projects", &[]).await.status(), 200, "the bucket refills");
}

/// Zoe's ID token names the admin group, which Identity Center does not list her in: she
/// gets no admin role, and the sign-in page tells her why before leading her on.
#[sqlx::test(migrations = "../migrations")]
async fn a_role_group_identity_center_does_not_confirm_is_explained_at_sign_in(pool: PgPool) {
    let idp_seed = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        idp_seed.path(),
        "users = [{ user_name = \"zoe\", display_name = \"Zoe Zimmermann\", groups = [\"meshgate-platform-admins\"] }]\n",
    )
    .unwrap();
    let app = spawn_with(pool, Setup { idp_seed: Some(idp_seed.path().to_owned()), ..Setup::default() }).await;
    let client = browser();
    let callback = app.callback_for(&client, "zoe").await;
    let answer = client.get(&callback).send().await.unwrap();
    assert_eq!(location(&answer), "/sign-in?notice=fewer_roles&next=%2F");
    let me = app.who_am_i(&client).await;
    assert_eq!(me["roles"], serde_json::json!(["TeamLead"]), "no role from the unconfirmed group");
    let note = me["role_note"].as_str().unwrap();
    assert!(note.contains("meshgate-platform-admins") && note.contains("IAM Identity Center"), "{note}");
    let page = client.get(app.url("/sign-in?notice=fewer_roles&next=%2F")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("meshgate-platform-admins"), "the page says why: {page}");
}

/// Zoe's IdP account carries Walter's address; Identity Center has no `zoe`.
fn zoe_with_walters_email(verified: bool) -> (Setup, tempfile::NamedTempFile) {
    let mut seed = emulator::Seed::demo();
    seed.users.retain(|u| u.user_name != "zoe");
    let idp_seed = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        idp_seed.path(),
        format!(
            "users = [{{ user_name = \"zoe\", display_name = \"Zoe Zimmermann\", email = \"walter@example.com\", email_verified = {verified} }}]\n"
        ),
    )
    .unwrap();
    let setup = Setup { seed: Some(seed), idp_seed: Some(idp_seed.path().to_owned()), ..Setup::default() };
    (setup, idp_seed)
}

#[sqlx::test(migrations = "../migrations")]
async fn an_email_links_to_identity_center_only_when_allowed_and_verified(pool: PgPool) {
    let sign_in = |app: support::TestApp| async move {
        let client = browser();
        let callback = app.callback_for(&client, "zoe").await;
        let answer = client.get(&callback).send().await.unwrap();
        (location(&answer), app.who_am_i(&client).await)
    };
    // By default the username alone decides: no Identity Center user is called zoe.
    let (setup, _file) = zoe_with_walters_email(true);
    let (to, me) = sign_in(spawn_with(pool.clone(), setup).await).await;
    assert_eq!((to.as_str(), me), ("/sign-in?error=unknown_user", serde_json::Value::Null));

    // Allowed, but the IdP does not vouch for the address: still nobody.
    let (mut setup, _file) = zoe_with_walters_email(false);
    setup.extra.push(("oidc_match_email", true.into()));
    let (to, me) = sign_in(spawn_with(pool.clone(), setup).await).await;
    assert_eq!((to.as_str(), me), ("/sign-in?error=unknown_user", serde_json::Value::Null));

    // Allowed and verified: the address finds Walter's Identity Center user.
    let (mut setup, _file) = zoe_with_walters_email(true);
    setup.extra.push(("oidc_match_email", true.into()));
    let (to, me) = sign_in(spawn_with(pool, setup).await).await;
    assert_eq!(to, "/");
    assert_eq!(me["display_name"], "Zoe Zimmermann", "{me}");
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_ends_the_session_here_and_at_the_idp(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let client = app.signed_in("carol").await;
    let out = client.post(app.url("/auth/logout")).send().await.unwrap();
    assert_eq!(out.status(), 303);
    let to = location(&out);
    assert!(to.starts_with(&app.idp), "to the IdP's end-session endpoint: {to}");
    assert!(to.contains("id_token_hint=") && to.contains("post_logout_redirect_uri="), "{to}");
    assert_eq!(app.who_am_i(&client).await, serde_json::Value::Null);
    let events = audit::recent(&pool, 5, Some("carol")).await.unwrap();
    assert_eq!(events[0].action, "auth.signed_out");
}

#[sqlx::test(migrations = "../migrations")]
async fn posts_from_another_site_are_refused(pool: PgPool) {
    let app = spawn(pool).await;
    let client = app.signed_in("alice").await;
    let cross_origin =
        client.post(app.url("/auth/logout")).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(cross_origin.status(), 403);
    let cross_site = client
        .post(app.url("/api/recent_activity"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("limit", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    for (header, value) in [("sec-fetch-site", "same-site"), ("origin", "null")] {
        let refused = client
            .post(app.url("/api/recent_activity"))
            .header(header, value)
            .form(&[("limit", "5")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403, "{header}: {value}");
    }
    assert_eq!(app.who_am_i(&client).await["username"], "alice", "still signed in");
    let same_origin = client.post(app.url("/api/who_am_i")).header("origin", app.base.clone()).send().await.unwrap();
    assert_eq!(same_origin.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_carry_a_nonce_csp_and_never_the_tokens(pool: PgPool) {
    let app = spawn(pool).await;
    let client = app.signed_in("alice").await;
    let page = client.get(app.url("/")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.headers().contains_key("referrer-policy"));
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the page's nonce");
    assert!(!html.contains("eyJ"), "no JWT in the page");
    assert!(!html.contains("meshgate-local-secret"));
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_are_never_stored_and_hold_early_clicks_for_hydration(pool: PgPool) {
    let app = spawn(pool).await;
    let client = app.signed_in("alice").await;
    let page = client.get(app.url("/inbox")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store", "a signed-in page holds people's data");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let replay = html.find("window.meshgateReplay").expect("the early-click script is in the page");
    let script_start = html[..replay].rfind("<script").unwrap();
    assert!(html[script_start..replay].contains(&format!("nonce=\"{nonce}\"")), "it may run under the CSP");
    assert!(replay < html.find("/pkg/meshgate").unwrap(), "it runs before the wasm loads");
    // Unhashed site files (no hash.txt beside this test binary) are checked each time.
    let favicon = client.get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(favicon.headers()["cache-control"], "no-cache");
}
