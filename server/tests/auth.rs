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
    assert!(start.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
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
