//! API.md "Auth": login, tokens, sessions, the per-IP limit (password-guessing throttle: `throttle.rs`).

use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use coprocure::clock::Clock;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{TestApp, JWT_SECRET, PASSWORD};

const EMAIL: &str = "buyer@coop.kr";

async fn app_with_admin() -> TestApp {
    let app = TestApp::spawn().await;
    app.create_admin(EMAIL, PASSWORD).await;
    app
}

fn access(pair: &Value) -> &str {
    pair["access_token"].as_str().unwrap()
}

fn refresh_token(pair: &Value) -> &str {
    pair["refresh_token"].as_str().unwrap()
}

#[tokio::test]
async fn login_returns_a_token_pair_and_me_describes_the_caller() {
    let app = app_with_admin().await;
    // Email is case-insensitive and trimmed.
    let pair = app.login("  Buyer@Coop.KR ", PASSWORD).await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert_eq!(
        refresh_token(&pair).len(),
        43,
        "256-bit base64url refresh token"
    );

    // The access token carries exactly the documented claims.
    let payload = access(&pair).split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let mut keys: Vec<_> = claims.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["aud", "exp", "iat", "iss", "jti", "nbf", "role", "sid", "sub"]
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );

    let me = app.get("/api/v1/me", Some(access(&pair))).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["email"], EMAIL);
    assert_eq!(me.json["role"], "platform_admin");
    assert_eq!(me.json["locale"], "en");
    for k in ["id", "name", "cooperative_id", "member_id", "supplier_id"] {
        assert!(me.json.get(k).is_some(), "{k} missing");
    }
    assert_eq!(me.json["id"], claims["sub"]);

    // The session and its hashed refresh token are stored; the token itself is not.
    let mut conn = app.conn().await;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let hashes: Vec<Vec<u8>> = coprocure::schema::refresh_tokens::table
        .select(coprocure::schema::refresh_tokens::token_hash)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 1);
    assert_ne!(hashes[0], refresh_token(&pair).as_bytes());
    assert_eq!(
        hashes[0],
        coprocure::auth::tokens::digest(refresh_token(&pair))
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_are_indistinguishable() {
    let app = app_with_admin().await;
    let attempt = |email: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let r = app
                .post(
                    "/api/v1/auth/login",
                    None,
                    &json!({"email": email, "password": "not-the-password"}),
                )
                .await;
            (r, started.elapsed())
        }
    };
    let (wrong, _) = attempt(EMAIL).await;
    let (unknown, _) = attempt("nobody@coop.kr").await;
    wrong.assert_problem(401, "invalid_credentials");
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.text, unknown.text, "same body");
    assert_eq!(
        wrong.header("www-authenticate"),
        unknown.header("www-authenticate")
    );

    // Similar time: both verify an argon2id hash. Median of 3 each, within a factor of 3.
    let mut t_wrong = Vec::new();
    let mut t_unknown = Vec::new();
    for i in 0..3 {
        let e: &'static str = ["w1@coop.kr", "w2@coop.kr", "w3@coop.kr"][i];
        t_unknown.push(attempt(e).await.1);
        t_wrong.push(attempt(EMAIL).await.1);
    }
    t_wrong.sort();
    t_unknown.sort();
    let (w, u) = (t_wrong[1].as_secs_f64(), t_unknown[1].as_secs_f64());
    assert!(
        u > w / 3.0 && u < w * 3.0,
        "wrong password {w:.4}s vs unknown email {u:.4}s"
    );
}

fn forge(claims: Value, key: &[u8]) -> String {
    encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

#[tokio::test]
async fn bad_access_tokens_are_401() {
    let app = app_with_admin().await;
    let pair = app.login(EMAIL, PASSWORD).await;
    let payload = access(&pair).split('.').nth(1).unwrap().to_owned();
    let good: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&payload).unwrap()).unwrap();
    let now = app.clock.now().timestamp();
    let with = |patch: Value| {
        let mut c = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };

    // The genuine token works, and so does one we forge with the right key: the checks
    // below fail for the reason named, not because forging is broken.
    assert_eq!(app.get("/api/v1/me", Some(access(&pair))).await.status, 200);
    let reforged = forge(good.clone(), JWT_SECRET.as_bytes());
    assert_eq!(app.get("/api/v1/me", Some(&reforged)).await.status, 200);

    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none",
            format!("{none_header}.{payload}."),
            "invalid_token",
        ),
        (
            "other key",
            forge(good.clone(), b"some-other-secret-some-other-secret!"),
            "invalid_token",
        ),
        (
            "expired",
            forge(
                with(json!({"iat": now - 3600, "nbf": now - 3600, "exp": now - 60})),
                JWT_SECRET.as_bytes(),
            ),
            "token_expired",
        ),
        (
            "nbf in future",
            forge(
                with(json!({"nbf": now + 600, "exp": now + 1500})),
                JWT_SECRET.as_bytes(),
            ),
            "token_not_yet_valid",
        ),
        (
            "wrong aud",
            forge(with(json!({"aud": "another-api"})), JWT_SECRET.as_bytes()),
            "invalid_token",
        ),
        (
            "wrong iss",
            forge(with(json!({"iss": "someone-else"})), JWT_SECRET.as_bytes()),
            "invalid_token",
        ),
        (
            "no exp",
            {
                let mut c = good.clone();
                c.as_object_mut().unwrap().remove("exp");
                forge(c, JWT_SECRET.as_bytes())
            },
            "invalid_token",
        ),
        (
            "HS512",
            encode(
                &Header::new(jsonwebtoken::Algorithm::HS512),
                &good,
                &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
            )
            .unwrap(),
            "invalid_token",
        ),
        (
            "refresh token as access token",
            refresh_token(&pair).to_owned(),
            "invalid_token",
        ),
        ("garbage", "abc.def.ghi".to_owned(), "invalid_token"),
    ];
    for (what, token, code) in cases {
        let r = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(r.status, 401, "{what}: {}", r.text);
        assert_eq!(r.json["code"], code, "{what}");
        assert!(
            r.header("www-authenticate").unwrap().starts_with("Bearer"),
            "{what}"
        );
    }

    let missing = app.get("/api/v1/me", None).await;
    missing.assert_problem(401, "missing_token");
    assert_eq!(
        missing.header("www-authenticate"),
        Some("Bearer realm=\"coprocure\"")
    );
    let basic = app
        .send(
            app.client
                .get(app.url("/api/v1/me"))
                .header("authorization", "Basic YTpi"),
        )
        .await;
    basic.assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn access_tokens_expire_after_fifteen_minutes_by_the_server_clock() {
    let app = app_with_admin().await;
    let pair = app.login(EMAIL, PASSWORD).await;
    app.clock.advance(chrono::Duration::minutes(15));
    assert_eq!(
        app.get("/api/v1/me", Some(access(&pair))).await.status,
        200,
        "within the 30 s leeway"
    );
    app.clock.advance(chrono::Duration::seconds(31));
    app.get("/api/v1/me", Some(access(&pair)))
        .await
        .assert_problem(401, "token_expired");
    // The refresh token still works and gives a fresh access token.
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token(&pair)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/me", Some(access(&r.json))).await.status,
        200
    );
}

#[tokio::test]
async fn logout_revokes_the_session_at_once() {
    let app = app_with_admin().await;
    let pair = app.login(EMAIL, PASSWORD).await;
    let other = app.login(EMAIL, PASSWORD).await;
    let r = app
        .post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": refresh_token(&pair)}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get("/api/v1/me", Some(access(&pair)))
        .await
        .assert_problem(401, "session_revoked");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": refresh_token(&pair)}),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
    assert_eq!(
        app.get("/api/v1/me", Some(access(&other))).await.status,
        200,
        "other sessions live on"
    );
    // Logging out twice, or with an unknown token, is harmless.
    assert_eq!(
        app.post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": refresh_token(&pair)})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/logout",
            None,
            &json!({"refresh_token": "unknown"})
        )
        .await
        .status,
        204
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = app_with_admin().await;
    let first = app.login(EMAIL, PASSWORD).await;
    let second = app
        .post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token(&first)}),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_ne!(refresh_token(&second.json), refresh_token(&first));
    assert_eq!(
        app.get("/api/v1/me", Some(access(&second.json)))
            .await
            .status,
        200
    );

    // The first refresh token is dead; presenting it again is reuse.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": refresh_token(&first)}),
    )
    .await
    .assert_problem(401, "refresh_token_reused");
    // …and the whole session is gone: the newest refresh token and every access token.
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": refresh_token(&second.json)}),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
    app.get("/api/v1/me", Some(access(&second.json)))
        .await
        .assert_problem(401, "session_revoked");
    app.get("/api/v1/me", Some(access(&first)))
        .await
        .assert_problem(401, "session_revoked");
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_yield_exactly_one_new_pair() {
    let app = app_with_admin().await;
    let pair = app.login(EMAIL, PASSWORD).await;
    let body = json!({"refresh_token": refresh_token(&pair)});
    let attempts: Vec<_> = (0..8)
        .map(|_| app.post("/api/v1/auth/refresh", None, &body))
        .collect();
    let results = futures_util::future::join_all(attempts).await;
    let ok: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        ok.len(),
        1,
        "{:?}",
        results
            .iter()
            .map(|r| (r.status, r.json["code"].clone()))
            .collect::<Vec<_>>()
    );
    assert!(results
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| r.status == 401));
    // Losing racers presented a used token: the session is revoked.
    app.get("/api/v1/me", Some(access(&ok[0].json)))
        .await
        .assert_problem(401, "session_revoked");
}

#[tokio::test]
async fn password_change_revokes_other_sessions_and_enforces_the_policy() {
    let app = app_with_admin().await;
    let here = app.login(EMAIL, PASSWORD).await;
    let elsewhere = app.login(EMAIL, PASSWORD).await;
    let path = "/api/v1/auth/password";

    let r = app
        .post(
            path,
            Some(access(&here)),
            &json!({"current_password": PASSWORD, "new_password": "password123"}),
        )
        .await;
    r.assert_problem(422, "common_password");
    assert_eq!(r.json["errors"][0]["field"], "new_password");
    assert_eq!(r.json["errors"][0]["code"], "common_password");
    let r = app
        .post(
            path,
            Some(access(&here)),
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(r.json["errors"][0]["code"], "too_short");
    let r = app
        .post(
            path,
            Some(access(&here)),
            &json!({"current_password": PASSWORD, "new_password": "x".repeat(129)}),
        )
        .await;
    assert_eq!(r.json["errors"][0]["code"], "too_long");
    let r = app
        .post(
            path,
            Some(access(&here)),
            &json!({"current_password": "wrong-password", "new_password": "aluminium-ingot-7"}),
        )
        .await;
    r.assert_problem(422, "incorrect");
    assert_eq!(r.json["errors"][0]["field"], "current_password");
    // Nothing changed so far.
    assert_eq!(
        app.get("/api/v1/me", Some(access(&elsewhere))).await.status,
        200
    );

    let r = app
        .post(
            path,
            Some(access(&here)),
            &json!({"current_password": PASSWORD, "new_password": "aluminium-ingot-7"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/me", Some(access(&here))).await.status,
        200,
        "this session stays"
    );
    app.get("/api/v1/me", Some(access(&elsewhere)))
        .await
        .assert_problem(401, "session_revoked");
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": refresh_token(&elsewhere)}),
    )
    .await
    .assert_problem(401, "invalid_refresh_token");
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": EMAIL, "password": PASSWORD}),
    )
    .await
    .assert_problem(401, "invalid_credentials");
    app.login(EMAIL, "aluminium-ingot-7").await;
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn one_ip_is_rate_limited_across_auth_endpoints() {
    let app = TestApp::spawn_with(&[("COPROCURE_AUTH_RATE_PER_MINUTE", "5")]).await;
    let body = json!({"refresh_token": "nothing"});
    for _ in 0..5 {
        assert_eq!(
            app.post("/api/v1/auth/logout", None, &body).await.status,
            204
        );
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await;
    r.assert_problem(429, "rate_limited");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "{retry}");
    // Non-auth endpoints are not limited by it.
    assert_eq!(app.get("/healthz", None).await.status, 200);
    app.clock.advance(chrono::Duration::seconds(13));
    assert_eq!(
        app.post("/api/v1/auth/logout", None, &body).await.status,
        204
    );
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id() {
    let app = app_with_admin().await;
    let mut conn = app.conn().await;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let hash: Option<String> = coprocure::schema::users::table
        .select(coprocure::schema::users::password_hash)
        .first(&mut conn)
        .await
        .unwrap();
    let hash = hash.unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
}
