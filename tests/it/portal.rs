//! The portal over plain HTTP, as a browser would speak it (cookies, form posts, fetch
//! metadata): sign-in and sign-out, sessions (idle and absolute expiry, revocation),
//! `next=` redirects, CSRF, security headers, languages, password reset, and the pages
//! every emailed link opens. Real Chromium is in `portal_browser.rs`.

use chrono::Duration as Span;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::smtp::SmtpSink;
use crate::helpers::visitor::{csrf_of, Visitor};
use crate::helpers::world::World;
use crate::helpers::{token, Resp, TestApp, PASSWORD};
use coprocure::schema::{audit_events, outbox_emails, sessions, users};

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

fn location(r: &Resp) -> &str {
    r.header("location").unwrap_or("")
}

/// Asserts the portal's page headers.
#[track_caller]
pub fn assert_page_headers(r: &Resp, what: &str) {
    assert_eq!(r.header("content-security-policy"), Some(CSP), "{what}");
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
}

async fn session_row(
    app: &TestApp,
    cookie: &str,
) -> (
    Option<String>,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::Utc>,
) {
    let mut conn = app.conn().await;
    sessions::table
        .filter(sessions::web_token_hash.eq(Sha256::digest(cookie.as_bytes()).to_vec()))
        .select((
            sessions::revoked_reason,
            sessions::created_at,
            sessions::expires_at,
        ))
        .first(&mut conn)
        .await
        .expect("the session row of the cookie")
}

async fn user_locale(app: &TestApp, email: &str) -> String {
    let mut conn = app.conn().await;
    users::table
        .filter(users::email.eq(email))
        .select(users::locale)
        .first(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn sign_in_and_out_with_a_cookie_session_throttled_like_the_api() {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let v = Visitor::new(&app);

    // Signed out, a page leads to the sign-in form and back.
    let r = v.get("/purchase-orders").await;
    assert_eq!(r.status, 303);
    assert_eq!(location(&r), "/login?next=%2Fpurchase-orders");
    let login = v.get("/login?next=%2Fpurchase-orders").await;
    assert_eq!(login.status, 200);
    assert_page_headers(&login, "sign-in");
    let pre = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("coprocure-pre="))
        .expect("a pre-session cookie");
    assert!(pre.contains("HttpOnly") && pre.contains("SameSite=Lax") && pre.contains("Path=/"));
    assert!(!pre.contains("Secure"), "plain http: no Secure flag");
    let csrf = csrf_of(&login.text);

    // A wrong password: the sign-in page again, in Korean, the email kept.
    let r = v
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", "ops@coop.kr"),
                ("password", "wrong-password-1"),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    assert!(
        r.text.contains("이메일 또는 비밀번호가 올바르지 않습니다."),
        "{}",
        r.text
    );
    assert!(r.text.contains("value=\"ops@coop.kr\""));
    assert!(v.cookie("coprocure").is_none());

    let r = v
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", "OPS@coop.kr"),
                ("password", PASSWORD),
                ("next", "/purchase-orders"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(location(&r), "/purchase-orders");
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("coprocure="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Max-Age=43200")
    );
    let cookie = v.cookie("coprocure").unwrap();
    assert_eq!(cookie.len(), 43, "256 random bits");
    assert!(
        v.cookie("coprocure-pre").is_none(),
        "the pre-session ends at sign-in"
    );
    // Only the hash is stored; the session ends 12 hours after sign-in at the latest.
    let (revoked, created, expires) = session_row(&app, &cookie).await;
    assert_eq!(revoked, None);
    assert_eq!((expires - created).num_minutes(), 12 * 60);
    {
        let mut conn = app.conn().await;
        let raw: i64 = sessions::table
            .filter(sessions::web_token_hash.eq(cookie.as_bytes().to_vec()))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(raw, 0);
    }
    let home = v.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.text.contains("테스트 관리자") || home.text.contains("Test Admin"),
        "{}",
        home.text
    );
    assert_page_headers(&home, "home");

    // A second sign-in (another tab's form) gets a new token and ends the first session.
    let csrf = v.csrf("/").await;
    let r = v
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", "ops@coop.kr"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let second = v.cookie("coprocure").unwrap();
    assert_ne!(second, cookie);
    assert_eq!(
        session_row(&app, &cookie).await.0.as_deref(),
        Some("logout")
    );

    // Sign-out: revoked, cookie expired, the browser told to drop cache and storage.
    let csrf = csrf_of(&v.get("/").await.text);
    let r = v.post("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, 303);
    assert_eq!(location(&r), "/login?signed_out=1");
    assert_eq!(r.header("clear-site-data"), Some("\"cache\", \"storage\""));
    assert!(v.cookie("coprocure").is_none());
    assert_eq!(
        session_row(&app, &second).await.0.as_deref(),
        Some("logout")
    );
    // The old cookie is worth nothing now.
    v.set_cookie("coprocure", &second);
    let r = v.get("/").await;
    assert_eq!(r.status, 303);
    assert_eq!(location(&r), "/login?expired=1");
    assert!(v.cookie("coprocure").is_none(), "a dead cookie is removed");

    // Throttling is the API's: failures through the API and the page count together.
    for _ in 0..3 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "ops@coop.kr", "password": "nope-nope-1"}),
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let csrf = v.csrf("/login").await;
    for _ in 0..2 {
        let r = v
            .post(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("email", "ops@coop.kr"),
                    ("password", "nope-nope-1"),
                ],
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let r = v
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", "ops@coop.kr"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.header("retry-after").is_some());
    assert!(r.text.contains("시도가 너무 많습니다"));
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": "ops@coop.kr", "password": PASSWORD}),
    )
    .await
    .assert_problem(429, "too_many_failed_logins");
}

#[tokio::test]
async fn next_redirects_only_to_paths_of_this_site() {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    for (next, expected) in [
        ("/purchase-orders?x=1", "/purchase-orders?x=1"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        let v = Visitor::new(&app);
        let csrf = v.csrf("/login").await;
        let r = v
            .post(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("email", "ops@coop.kr"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{next:?}");
        assert_eq!(location(&r), expected, "{next:?}");
        // Signed in, the sign-in page sends on to `next` under the same rule.
        let r = v
            .get(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            ))
            .await;
        assert_eq!(location(&r), expected, "GET {next:?}");
        // And so does the language switch.
        let csrf = v.csrf("/").await;
        let r = v
            .post(
                "/language",
                &[("_csrf", &csrf), ("lang", "en"), ("next", next)],
            )
            .await;
        assert_eq!(location(&r), expected, "language {next:?}");
    }
}

#[tokio::test]
async fn forged_and_token_less_posts_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.create_admin_in("kim@coop.kr", PASSWORD, coprocure::auth::Locale::Ko)
        .await;
    app.create_admin_in("lee@coop.kr", PASSWORD, coprocure::auth::Locale::Ko)
        .await;
    let kim = Visitor::new(&app);
    kim.sign_in("kim@coop.kr", PASSWORD).await;
    let lee = Visitor::new(&app);
    lee.sign_in("lee@coop.kr", PASSWORD).await;
    let kim_token = kim.csrf("/").await;
    let lee_token = lee.csrf("/").await;
    assert_ne!(kim_token, lee_token);
    let switch = |t: &str| {
        vec![
            ("_csrf", t.to_owned()),
            ("lang", "en".to_owned()),
            ("next", "/".to_owned()),
        ]
    };

    type Case<'a> = (&'a str, Vec<(&'a str, String)>, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case> = vec![
        (
            "cross-site, valid token",
            switch(&kim_token),
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://evil.example"),
            ],
        ),
        (
            "same-site subdomain",
            switch(&kim_token),
            vec![("sec-fetch-site", "same-site")],
        ),
        (
            "foreign origin, no fetch metadata",
            switch(&kim_token),
            vec![("origin", "http://evil.example")],
        ),
        (
            "origin null, no fetch metadata",
            switch(&kim_token),
            vec![("origin", "null")],
        ),
        ("neither header", switch(&kim_token), vec![]),
        (
            "same-origin, no token",
            vec![("lang", "en".into()), ("next", "/".into())],
            vec![("sec-fetch-site", "same-origin")],
        ),
        (
            "same-origin, another session's token",
            switch(&lee_token),
            vec![("sec-fetch-site", "same-origin")],
        ),
        (
            "same-origin, forged token",
            switch("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            vec![("sec-fetch-site", "same-origin")],
        ),
    ];
    for (what, fields, headers) in &cases {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = kim.post_with("/language", &fields, headers).await;
        assert_eq!(r.status, 403, "{what}: {}", r.text);
        assert!(r.text.contains("<html lang=\"ko\""), "{what}");
        assert!(
            r.text.contains("요청을 확인할 수 없습니다"),
            "{what}: a localized page"
        );
        assert_page_headers(&r, what);
        assert_eq!(
            user_locale(&app, "kim@coop.kr").await,
            "ko",
            "{what}: nothing changed"
        );
    }
    // A forged sign-out does not end the session either.
    let r = kim
        .post_with(
            "/logout",
            &[("_csrf", &kim_token)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(kim.get("/").await.status, 200, "still signed in");
    // The token also works as the htmx header.
    let r = kim
        .post_with(
            "/language",
            &[("lang", "en"), ("next", "/")],
            &[
                ("sec-fetch-site", "same-origin"),
                ("x-csrf-token", &kim_token),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(user_locale(&app, "kim@coop.kr").await, "en");
    // The real thing, by form field.
    let r = kim
        .post(
            "/language",
            &switch(&kim_token)
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, 303);
}

#[tokio::test]
async fn the_origin_fallback_compares_with_the_public_url() {
    let app = TestApp::spawn_with(&[("COPROCURE_PUBLIC_URL", "http://portal.coop.test")]).await;
    let v = Visitor::new(&app);
    let csrf = v.csrf("/login").await;
    let fields = [("_csrf", csrf.as_str()), ("lang", "en"), ("next", "/login")];
    let r = v
        .post_with(
            "/language",
            &fields,
            &[("origin", "http://portal.coop.test")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(v.cookie("coprocure-lang").as_deref(), Some("en"));
    let r = v
        .post_with(
            "/language",
            &fields,
            &[("origin", "http://portal.coop.test.evil.example")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        r.text.contains("<html lang=\"en\""),
        "the refusal in the visitor's language"
    );
}

#[tokio::test]
async fn sessions_end_after_an_idle_hour_after_twelve_hours_and_on_revocation() {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let v = Visitor::new(&app);
    v.sign_in("ops@coop.kr", PASSWORD).await;
    let cookie = v.cookie("coprocure").unwrap();
    // Activity every 50 minutes keeps it alive…
    for _ in 0..5 {
        app.clock.advance(Span::minutes(50));
        assert_eq!(v.get("/").await.status, 200);
    }
    // …an idle hour ends it, for good.
    app.clock.advance(Span::minutes(60));
    let r = v.get("/purchase-orders").await;
    assert_eq!(r.status, 303);
    assert_eq!(location(&r), "/login?next=%2Fpurchase-orders&expired=1");
    assert_eq!(
        session_row(&app, &cookie).await.0.as_deref(),
        Some("idle_timeout")
    );
    v.set_cookie("coprocure", &cookie);
    app.clock.advance(Span::minutes(-59));
    assert_eq!(
        v.get("/").await.status,
        303,
        "a revoked session stays revoked"
    );

    // Twelve hours after sign-in it ends however active it is.
    v.sign_in("ops@coop.kr", PASSWORD).await;
    let cookie = v.cookie("coprocure").unwrap();
    for _ in 0..14 {
        app.clock.advance(Span::minutes(50));
        assert_eq!(v.get("/").await.status, 200);
    }
    app.clock.advance(Span::minutes(50));
    let r = v.get("/").await;
    assert_eq!(location(&r), "/login?expired=1");
    assert_eq!(
        session_row(&app, &cookie).await.0,
        None,
        "expired, not revoked"
    );

    // A password change through the API revokes the browser session (the API's rule).
    v.sign_in("ops@coop.kr", PASSWORD).await;
    let api = token(&app, "ops@coop.kr").await;
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&api),
            &json!({"current_password": PASSWORD, "new_password": "nickel-plate-2027"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(location(&v.get("/").await), "/login?expired=1");
    // So does disabling the account: a coop admin signed in, disabled by the platform.
    let w = World::build(&app).await;
    let a = Visitor::new(&app);
    a.sign_in("admin-a@coop.kr", PASSWORD).await;
    let r = app
        .send(
            app.client
                .patch(app.url(&format!("/api/v1/users/{}", w.a.admin_user)))
                .bearer_auth(&w.platform)
                .json(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(a.get("/").await.status, 303);
}

#[tokio::test]
async fn every_page_sends_the_security_headers_and_static_files_are_immutable() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let v = Visitor::new(&app);
    for path in [
        "/login",
        "/forgot-password",
        "/reset-password/nope",
        "/invite/nope",
        "/no-such-page",
    ] {
        let r = v.get(path).await;
        assert_page_headers(&r, path);
        assert!(
            r.header("strict-transport-security").is_none(),
            "plain http: no HSTS"
        );
    }
    v.sign_in("admin-a@coop.kr", PASSWORD).await;
    let pages = [
        "/".to_owned(),
        "/rfqs".into(),
        format!("/rfqs/{}", f.rfq),
        format!("/rounds/{}", w.a.round),
        "/purchase-orders".into(),
        "/account/password".into(),
    ];
    let html = v.get("/").await.text;
    for path in &pages {
        let r = v.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_page_headers(&r, path);
        assert!(
            r.text.starts_with("<!DOCTYPE html>\n<html lang=\"ko\">"),
            "{path}"
        );
    }
    // The API keeps its own headers.
    let api = app.get("/api/v1/me", Some(&w.a.admin)).await;
    assert_eq!(api.header("referrer-policy"), Some("no-referrer"));
    assert!(api.header("content-security-policy").is_none());
    // Unknown paths: HTML for a browser, problem+json for everyone else.
    assert_eq!(v.get("/no/such/page").await.status, 404);
    app.get("/no/such/page", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/api/nope", None)
        .await
        .assert_problem(404, "not_found");

    // Static files: content-hashed names, a year of caching, the right types.
    let mut assets = 0;
    for (attr, ty) in [
        ("href=\"/static/portal.", "text/css"),
        ("src=\"/static/portal.", "text/javascript"),
        ("src=\"/static/htmx-4.0.1.min.", "text/javascript"),
        ("href=\"/static/icon.", "image/svg+xml"),
    ] {
        let at = html
            .find(attr)
            .unwrap_or_else(|| panic!("{attr} in the page"));
        let url = html[at..].split('"').nth(1).unwrap();
        let r = app.get(url, None).await;
        assert_eq!(r.status, 200, "{url}");
        assert!(r.header("content-type").unwrap().starts_with(ty), "{url}");
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{url}"
        );
        assets += r.text.len();
        let stale = format!("/static/x{}", &url["/static/".len()..]);
        assert_eq!(app.get(&stale, None).await.status, 404);
    }
    assert!(assets > 30_000, "htmx is served");

    // Over https: HSTS, Secure __Host- cookies.
    let secure = TestApp::spawn_with(&[("COPROCURE_PUBLIC_URL", "https://portal.coop.test")]).await;
    let r = Visitor::new(&secure).get("/login").await;
    assert_eq!(
        r.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    let pre = r.header("set-cookie").unwrap();
    assert!(
        pre.starts_with("__Host-coprocure-pre=")
            && pre.contains("Secure")
            && pre.contains("Path=/"),
        "{pre}"
    );
    assert!(!pre.contains("Domain"));
}

#[test]
fn templates_hold_no_inline_script_style_or_event_handler() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/web");
    let mut checked = 0;
    // Area templates live in subfolders (`templates/web/<area>/`): walk them all.
    let mut files = vec![];
    let mut dirs = vec![dir];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let html = std::fs::read_to_string(&path).unwrap().to_lowercase();
        for bad in [
            "style=",
            "<style",
            "hx-on",
            "javascript:",
            " onclick",
            " onload",
            " onsubmit",
            " onchange",
            " oninput",
        ] {
            assert!(!html.contains(bad), "{}: {bad}", path.display());
        }
        for (at, _) in html.match_indices("<script") {
            assert!(
                html[at..].split('>').next().unwrap().contains(" src="),
                "{}: inline script",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 10);
}

#[tokio::test]
async fn the_language_comes_from_the_account_then_the_cookie_then_the_browser() {
    let app = TestApp::spawn().await;
    app.create_admin("ops@coop.kr", PASSWORD).await; // locale en
    let mut v = Visitor::new(&app);
    v.accept_language = Some("en-US,en;q=0.9");
    let r = v.get("/login").await;
    assert!(r.text.contains("<html lang=\"en\">") && r.text.contains("Sign in to coprocure"));
    v.accept_language = Some("ko-KR,ko;q=0.9,en;q=0.5");
    let r = v.get("/login").await;
    assert!(r.text.contains("<html lang=\"ko\">") && r.text.contains("coprocure 로그인"));
    // The switch, signed out: a cookie that beats Accept-Language.
    let csrf = csrf_of(&r.text);
    let r = v
        .post(
            "/language",
            &[("_csrf", &csrf), ("lang", "en"), ("next", "/login")],
        )
        .await;
    assert_eq!((r.status, location(&r)), (303, "/login"));
    assert_eq!(v.cookie("coprocure-lang").as_deref(), Some("en"));
    assert!(v.get("/login").await.text.contains("<html lang=\"en\">"));
    // Signed in, the account's language wins; switching stores it on the account.
    let csrf = v.csrf("/login").await;
    let r = v
        .post(
            "/language",
            &[("_csrf", &csrf), ("lang", "ko"), ("next", "/login")],
        )
        .await;
    assert_eq!(r.status, 303);
    v.sign_in("ops@coop.kr", PASSWORD).await;
    let home = v.get("/").await;
    assert!(
        home.text.contains("<html lang=\"en\">"),
        "the account says en, the cookie ko"
    );
    let csrf = csrf_of(&home.text);
    v.post(
        "/language",
        &[("_csrf", &csrf), ("lang", "ko"), ("next", "/")],
    )
    .await;
    assert_eq!(user_locale(&app, "ops@coop.kr").await, "ko");
    assert!(v.get("/").await.text.contains("<html lang=\"ko\">"));
    // Persisted: a new browser signing in gets Korean.
    let other = Visitor::new(&app);
    other.sign_in("ops@coop.kr", PASSWORD).await;
    assert!(other.get("/").await.text.contains("<html lang=\"ko\">"));
    {
        let mut conn = app.conn().await;
        let n: i64 = audit_events::table
            .filter(audit_events::action.eq("user.locale_changed"))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    // A bad language is refused.
    let csrf = v.csrf("/").await;
    let r = v
        .post(
            "/language",
            &[("_csrf", &csrf), ("lang", "fr"), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("<html lang=\"ko\">"));
}

fn link_in(mail: &crate::helpers::smtp::Received, marker: &str) -> String {
    let text = mail.part("text/plain").unwrap();
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"));
    let from = text[..start].rfind("http").unwrap();
    text[from..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn password_reset_by_email_works_once_expires_and_ends_every_session() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[
        ("COPROCURE_SMTP_URL", &sink.url()),
        ("COPROCURE_PUBLIC_URL", "http://portal.coop.test"),
    ])
    .await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let api = token(&app, "ops@coop.kr").await;
    let browser = Visitor::new(&app);
    browser.sign_in("ops@coop.kr", PASSWORD).await;

    // The same answer whether or not the address has an account.
    let known = app
        .post(
            "/api/v1/auth/forgot-password",
            None,
            &json!({"email": "ops@coop.kr"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/forgot-password",
            None,
            &json!({"email": "nobody@coop.kr"}),
        )
        .await;
    let malformed = app
        .post(
            "/api/v1/auth/forgot-password",
            None,
            &json!({"email": "not an email"}),
        )
        .await;
    for r in [&known, &unknown, &malformed] {
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(r.text, "");
        assert_eq!(r.header("content-length"), known.header("content-length"));
    }
    app.run_jobs_until_idle().await;
    let mail = sink.one_to("ops@coop.kr");
    assert_eq!(
        mail.header("Subject").unwrap(),
        "Your coprocure password reset link"
    );
    let link = link_in(&mail, "/reset-password/");
    assert!(
        link.starts_with("http://portal.coop.test/reset-password/"),
        "{link}"
    );
    let path = link.trim_start_matches("http://portal.coop.test");
    let token_value = path.rsplit('/').next().unwrap().to_owned();

    // The page shows the form; the policy applies; mismatched confirmations are caught.
    let mut v = Visitor::new(&app);
    v.accept_language = Some("en");
    let page = v.get(path).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("value=\"ops@coop.kr\""));
    let csrf = csrf_of(&page.text);
    let r = v
        .post(
            path,
            &[
                ("_csrf", &csrf),
                ("new_password", "password1"),
                ("confirm_password", "password1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("This password is too common"), "{}", r.text);
    let r = v
        .post(
            path,
            &[
                ("_csrf", &csrf),
                ("new_password", "bronze-ingot-2027"),
                ("confirm_password", "bronze-ingot-2028"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("The two passwords differ."));
    let r = v
        .post(
            path,
            &[
                ("_csrf", &csrf),
                ("new_password", "bronze-ingot-2027"),
                ("confirm_password", "bronze-ingot-2027"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(location(&r), "/login?reset=1");

    // Every session ended: the API's and the browser's.
    app.get("/api/v1/me", Some(&api))
        .await
        .assert_problem(401, "session_revoked");
    assert_eq!(browser.get("/").await.status, 303);
    app.login("ops@coop.kr", "bronze-ingot-2027").await;
    // The owner is told.
    app.run_jobs_until_idle().await;
    let changed = sink.messages();
    assert_eq!(changed.len(), 2);
    assert!(
        changed.iter().any(|m| m
            .header("Subject")
            .unwrap()
            .to_lowercase()
            .contains("password was changed")
            || m.header("Subject")
                .unwrap()
                .to_lowercase()
                .contains("password changed")),
        "{:?}",
        changed
            .iter()
            .map(|m| m.header("Subject"))
            .collect::<Vec<_>>()
    );

    // The link works once.
    assert_eq!(v.get(path).await.status, 404);
    app.post(
        "/api/v1/auth/reset-password",
        None,
        &json!({"token": token_value, "new_password": "another-pass-2029"}),
    )
    .await
    .assert_problem(422, "invalid_reset_token");

    // A new link expires after 30 minutes.
    app.post(
        "/api/v1/auth/forgot-password",
        None,
        &json!({"email": "ops@coop.kr"}),
    )
    .await;
    app.run_jobs_until_idle().await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 3);
    let second = mails
        .iter()
        .rev()
        .find(|m| m.header("Subject").unwrap().contains("reset link"))
        .unwrap();
    let second_token = link_in(second, "/reset-password/")
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(second_token, token_value);
    app.clock.advance(Span::minutes(31));
    app.post(
        "/api/v1/auth/reset-password",
        None,
        &json!({"token": second_token, "new_password": "another-pass-2029"}),
    )
    .await
    .assert_problem(422, "invalid_reset_token");
    app.post(
        "/api/v1/auth/reset-password",
        None,
        &json!({"token": "made-up", "new_password": "another-pass-2029"}),
    )
    .await
    .assert_problem(422, "invalid_reset_token");

    // Nothing went to the unknown address; the outbox keeps no usable link; it is audited.
    assert!(sink
        .messages()
        .iter()
        .all(|m| m.rcpt_to.iter().all(|r| r == "ops@coop.kr")));
    app.run_jobs_until_idle().await;
    let mut conn = app.conn().await;
    let payloads: Vec<serde_json::Value> = outbox_emails::table
        .filter(outbox_emails::template.eq("password_reset"))
        .select(outbox_emails::payload)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(payloads.len(), 2);
    let stored = serde_json::to_string(&payloads).unwrap();
    assert!(!stored.contains(&token_value) && !stored.contains(&second_token));
    let actions: Vec<String> = audit_events::table
        .filter(audit_events::action.like("auth.password_reset%"))
        .select(audit_events::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "auth.password_reset")
            .count(),
        1
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "auth.password_reset_requested")
            .count(),
        2
    );
}

#[tokio::test]
async fn reset_links_are_capped_per_account_and_hour() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let v = Visitor::new(&app);
    for _ in 0..5 {
        let csrf = v.csrf("/forgot-password").await;
        let r = v
            .post(
                "/forgot-password",
                &[("_csrf", &csrf), ("email", "ops@coop.kr")],
            )
            .await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("재설정 링크를 보냈습니다"), "{}", r.text);
    }
    app.run_jobs_until_idle().await;
    assert_eq!(sink.messages().len(), 3, "at most 3 an hour");
    app.clock.advance(Span::minutes(61));
    let csrf = v.csrf("/forgot-password").await;
    v.post(
        "/forgot-password",
        &[("_csrf", &csrf), ("email", "ops@coop.kr")],
    )
    .await;
    app.run_jobs_until_idle().await;
    assert_eq!(sink.messages().len(), 4);
}

#[tokio::test]
async fn emailed_links_open_pages_for_their_recipients_and_keep_quotes_sealed() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let rfq = format!("/rfqs/{}", f.rfq);
    let visitor = |email: &'static str| {
        let app = &app;
        async move {
            let v = Visitor::new(app);
            v.sign_in(email, PASSWORD).await;
            v
        }
    };
    let admin = visitor("admin-a@coop.kr").await;
    let s1 = visitor("rep@kcopper.kr").await;
    let s2 = visitor("rep@saigonmetals.vn").await;
    let member = visitor("user-a@member.kr").await;
    let other_member = visitor("user-b@member.kr").await;

    // The RFQ email's link: the invited supplier sees the RFQ and its own receipt.
    let r = s1.get(&rfq).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Copper Q1") && r.text.contains("sha256:"));
    // Not invited: 404, as in the API.
    let r = s2.get(&rfq).await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("Page not found") || r.text.contains("페이지를 찾을 수 없습니다"));
    // Sealed: before the deadline the buyer sees the count and nothing of the quote.
    let r = admin.get(&rfq).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("초대한 공급사 1곳 중 1곳 제출"),
        "{}",
        r.text
    );
    // (The invited supplier is named among the invitations; who quoted is not.)
    for secret in ["13,450,000", "13450000", "Rep 1", "sha256:"] {
        assert!(
            !r.text.contains(secret),
            "sealed, yet the page shows {secret}"
        );
    }
    for page in ["/", "/rfqs"] {
        let text = admin.get(page).await.text;
        assert!(
            !text.contains("13,450,000") && !text.contains("Korea Copper"),
            "{page}"
        );
    }

    // The round email's link: the member's own demand only.
    let round = format!("/rounds/{}", w.a.round);
    let r = member.get(&round).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("Round a") && r.text.contains("Siheung plant") && r.text.contains("12.5")
    );
    assert_eq!(other_member.get(&round).await.status, 404);

    // After the deadline and the award: the PO email's link for the winner, the members'
    // email link, the RFQ page unsealed for the buyer.
    app.clock.advance(Span::days(3));
    // Three idle days ended every browser session: sign in again.
    assert_eq!(admin.get(&rfq).await.status, 303);
    let admin = visitor("admin-a@coop.kr").await;
    let s1 = visitor("rep@kcopper.kr").await;
    let s2 = visitor("rep@saigonmetals.vn").await;
    let member = visitor("user-a@member.kr").await;
    let other_member = visitor("user-b@member.kr").await;
    let r = admin.get(&rfq).await;
    assert!(r.text.contains("Korea Copper"), "opened after the deadline");
    let award = app
        .post(
            &format!("/api/v1/rfqs/{}/award", f.rfq),
            Some(&token(&app, "admin-a@coop.kr").await),
            &json!({"lines": [{"rfq_line_id": f.line, "allocations": [{"quote_id": f.quote, "quantity": "40"}]}]}),
        )
        .await;
    assert_eq!(award.status, 201, "{}", award.text);
    let po_id = award.json["purchase_orders"][0]["id"].as_str().unwrap();
    let number = award.json["purchase_orders"][0]["number"].as_str().unwrap();
    let po = format!("/purchase-orders/{po_id}");
    let r = s1.get(&po).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains(number) && r.text.contains("13,450,000"),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("Member a"),
        "a supplier sees no member allocation"
    );
    // The supplier acknowledges it.
    assert!(
        r.text.contains("/acknowledge"),
        "the supplier may acknowledge"
    );
    let csrf = csrf_of(&r.text);
    let r = s1
        .post(&format!("{po}/acknowledge"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(location(&r), format!("{po}?acknowledged=1"));
    let api_po = app
        .get(
            &format!("/api/v1/{}", po.trim_start_matches('/')),
            Some(&token(&app, "rep@kcopper.kr").await),
        )
        .await;
    assert_eq!(api_po.json["status"], "acknowledged");
    let r = s1.get(&po).await;
    assert!(
        !r.text.contains("/acknowledge\""),
        "no second acknowledgement offered"
    );
    let r = s1
        .post(&format!("{po}/acknowledge"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 409, "only once");
    let r = member.get("/purchase-orders").await;
    assert!(r.text.contains(number));
    let r = member.get(&po).await;
    assert!(
        r.text.contains("id=\"po-allocations\"") && r.text.contains("data-label"),
        "its own allocation"
    );
    assert_eq!(other_member.get(&po).await.status, 404);
    assert_eq!(s2.get(&po).await.status, 404);
    // The buyer's and the member's links of the award emails.
    assert_eq!(admin.get(&rfq).await.status, 200);
    assert_eq!(admin.get(&po).await.status, 200);
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn an_invitation_link_sets_the_password_and_signs_in() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[
        ("COPROCURE_SMTP_URL", &sink.url()),
        ("COPROCURE_PUBLIC_URL", "http://portal.coop.test"),
    ])
    .await;
    let w = World::build(&app).await;
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/users", w.a.coop),
            Some(&w.a.admin),
            &json!({"email": "new@a.kr", "name": "신입", "role": "coop_admin", "locale": "ko"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.run_jobs_until_idle().await;
    let mail = sink.one_to("new@a.kr");
    let path = link_in(&mail, "/invite/")
        .trim_start_matches("http://portal.coop.test")
        .to_owned();
    let v = Visitor::new(&app);
    let page = v.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text
            .contains("Coop a에서 new@a.kr 계정으로 coprocure에 초대했습니다"),
        "{}",
        page.text
    );
    let csrf = csrf_of(&page.text);
    let r = v
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("8자 이상이어야 합니다."));
    let r = v
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("new_password", "zinc-ingot-2026"),
                ("confirm_password", "zinc-ingot-2026"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(location(&r), "/");
    let home = v.get("/").await;
    assert!(home.text.contains("신입님, 환영합니다"), "{}", home.text);
    // Once only.
    let again = Visitor::new(&app).get(&path).await;
    assert_eq!(again.status, 404);
    assert!(again
        .text
        .contains("이 초대 링크는 없거나, 이미 사용되었거나, 만료되었습니다"));
}
