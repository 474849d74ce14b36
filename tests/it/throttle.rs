//! Throttling of password guessing (issue 12, defect 6): per account *and source* with
//! progressive delays, an account-wide budget that never refuses the owner's known
//! sources, state shared by every instance through PostgreSQL.
//!
//! Sources are told apart by `X-Forwarded-For` (the apps run with
//! `COPROCURE_TRUST_FORWARDED=1`, as behind a load balancer).

use chrono::Duration;
use coprocure::auth::throttle::{ACCOUNT_BUDGET, FREE_FAILURES};
use serde_json::json;

use crate::helpers::{Resp, TestApp, PASSWORD};

const EMAIL: &str = "owner@coop.kr";
const WRONG: &str = "guess-guess-guess";
const OWNER_IP: &str = "198.51.100.10";
const STRANGER_IP: &str = "203.0.113.66";

async fn app() -> TestApp {
    let app = TestApp::spawn_with(&[("COPROCURE_TRUST_FORWARDED", "1")]).await;
    app.create_admin(EMAIL, PASSWORD).await;
    app
}

async fn login_from(app: &TestApp, ip: &str, password: &str) -> Resp {
    app.send(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": EMAIL, "password": password})),
    )
    .await
}

#[track_caller]
fn assert_throttled(r: &Resp) -> u64 {
    r.assert_problem(429, "too_many_failed_logins");
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds")
}

/// The `n`-th of many distinct stranger addresses.
fn stranger(n: usize) -> String {
    format!("203.0.{}.{}", 113 + n / 250, 1 + n % 250)
}

#[tokio::test]
async fn a_stranger_hammering_wrong_passwords_does_not_lock_the_owner_out() {
    let app = app().await;
    for _ in 0..FREE_FAILURES {
        login_from(&app, STRANGER_IP, WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // The stranger is now made to wait, and keeps being refused while it hammers on…
    for _ in 0..20 {
        assert_throttled(&login_from(&app, STRANGER_IP, WRONG).await);
    }
    // …while the owner, from its own address, logs in with the right password at once —
    // the first time ever from there, too.
    let r = login_from(&app, OWNER_IP, PASSWORD).await;
    assert_eq!(r.status, 200, "the owner is locked out: {}", r.text);
    // The owner's own typo is an ordinary 401, not a 429 earned by the stranger.
    login_from(&app, OWNER_IP, WRONG)
        .await
        .assert_problem(401, "invalid_credentials");
    assert_eq!(login_from(&app, OWNER_IP, PASSWORD).await.status, 200);
    // Refused attempts are not failures: the stranger's wait did not grow past the second
    // it owed after its fifth failure.
    app.clock.advance(Duration::seconds(1));
    login_from(&app, STRANGER_IP, WRONG)
        .await
        .assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn a_strangers_delays_double_with_every_failure_up_to_fifteen_minutes() {
    let app = app().await;
    for _ in 0..FREE_FAILURES {
        login_from(&app, STRANGER_IP, WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let mut waits = Vec::new();
    for _ in 0..12 {
        let wait = assert_throttled(&login_from(&app, STRANGER_IP, WRONG).await);
        // While it waits, even the right password is refused: no answer tells a guess.
        assert_eq!(
            assert_throttled(&login_from(&app, STRANGER_IP, PASSWORD).await),
            wait
        );
        waits.push(wait);
        app.clock.advance(Duration::seconds(wait as i64));
        login_from(&app, STRANGER_IP, WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    // The right password after the wait logs in, and forgets this source's failures.
    app.clock.advance(Duration::seconds(900));
    assert_eq!(login_from(&app, STRANGER_IP, PASSWORD).await.status, 200);
    for _ in 0..FREE_FAILURES {
        login_from(&app, STRANGER_IP, WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    assert_eq!(
        assert_throttled(&login_from(&app, STRANGER_IP, WRONG).await),
        1
    );
    // Failures older than a day are forgotten.
    app.clock
        .advance(Duration::hours(24) + Duration::seconds(1));
    login_from(&app, STRANGER_IP, WRONG)
        .await
        .assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn guessing_spread_over_many_addresses_is_held_to_the_account_budget() {
    let app = app().await;
    // The owner has logged in from its address before.
    assert_eq!(login_from(&app, OWNER_IP, PASSWORD).await.status, 200);
    // One guess from each of many addresses: no address is ever delayed on its own.
    for n in 0..ACCOUNT_BUDGET {
        login_from(&app, &stranger(n), WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    // The budget is spent: any other address is refused, with the right password too.
    for n in ACCOUNT_BUDGET..ACCOUNT_BUDGET + 5 {
        let wait = assert_throttled(&login_from(&app, &stranger(n), WRONG).await);
        assert!((3500..=3600).contains(&wait), "{wait}");
    }
    assert_throttled(&login_from(&app, "192.0.2.200", PASSWORD).await);
    // IPv6 addresses of one /64 are one source, and a fresh /64 is refused as well.
    assert_throttled(&login_from(&app, "2001:db8:7:7::1", WRONG).await);
    // The owner's known address is not subject to the budget.
    assert_eq!(login_from(&app, OWNER_IP, PASSWORD).await.status, 200);
    // An hour later the budget has room again.
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    login_from(&app, &stranger(ACCOUNT_BUDGET + 9), WRONG)
        .await
        .assert_problem(401, "invalid_credentials");
    assert_eq!(login_from(&app, "192.0.2.200", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn strangers_cannot_stop_the_owner_changing_the_password_but_its_guesses_are_delayed() {
    let app = app().await;
    let tokens = login_from(&app, OWNER_IP, PASSWORD).await.json;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    for n in 0..ACCOUNT_BUDGET {
        login_from(&app, &stranger(n), WRONG).await;
    }
    for _ in 0..FREE_FAILURES {
        login_from(&app, STRANGER_IP, WRONG).await;
    }
    let change = |current: &str, new: &str, ip: &str| {
        app.client
            .post(app.url("/api/v1/auth/password"))
            .bearer_auth(&access)
            .header("x-forwarded-for", ip)
            .json(&json!({"current_password": current, "new_password": new}))
    };
    // Guessing the current password with a stolen access token is throttled per source.
    for _ in 0..FREE_FAILURES {
        app.send(change(WRONG, "aluminium-ingot-7", "192.0.2.99"))
            .await
            .assert_problem(422, "incorrect");
    }
    assert_throttled(
        &app.send(change(PASSWORD, "aluminium-ingot-7", "192.0.2.99"))
            .await,
    );
    // The owner changes it from its own address regardless.
    let r = app
        .send(change(PASSWORD, "aluminium-ingot-7", OWNER_IP))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn two_instances_share_the_throttle() {
    let a = app().await;
    let b = a.spawn_sibling(&[("COPROCURE_TRUST_FORWARDED", "1")]).await;
    assert_ne!(a.address, b.address);
    assert_eq!(login_from(&b, OWNER_IP, PASSWORD).await.status, 200);
    // A source's failures on one instance delay it on the other.
    for i in 0..FREE_FAILURES {
        let app = if i % 2 == 0 { &a } else { &b };
        login_from(app, STRANGER_IP, WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    assert_eq!(
        assert_throttled(&login_from(&a, STRANGER_IP, WRONG).await),
        1
    );
    assert_eq!(
        assert_throttled(&login_from(&b, STRANGER_IP, WRONG).await),
        1
    );
    // Guesses spread over addresses and instances spend one budget (those five included).
    for n in 0..ACCOUNT_BUDGET - FREE_FAILURES as usize {
        let app = if n % 2 == 0 { &a } else { &b };
        login_from(app, &stranger(n), WRONG)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    assert_throttled(&login_from(&a, &stranger(500), WRONG).await);
    assert_throttled(&login_from(&b, &stranger(501), WRONG).await);
    // The owner's address, known from its login on `b`, logs in on `a`.
    assert_eq!(login_from(&a, OWNER_IP, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn parallel_guesses_from_one_source_get_exactly_the_free_failures() {
    let app = app().await;
    let attempts: Vec<_> = (0..30)
        .map(|_| login_from(&app, STRANGER_IP, WRONG))
        .collect();
    let results = futures_util::future::join_all(attempts).await;
    let failed = results.iter().filter(|r| r.status == 401).count();
    let refused = results.iter().filter(|r| r.status == 429).count();
    assert_eq!(
        (failed, refused),
        (FREE_FAILURES as usize, 30 - FREE_FAILURES as usize)
    );
}

#[tokio::test]
async fn the_prune_forgets_only_what_no_limit_looks_at() {
    use coprocure::clock::Clock;
    let app = app().await;
    for n in 0..3 {
        login_from(&app, &stranger(n), WRONG).await;
    }
    assert_eq!(login_from(&app, OWNER_IP, PASSWORD).await.status, 200);
    let mut conn = app.conn().await;
    let now = app.clock.now();
    assert_eq!(
        coprocure::auth::repo::prune_login_failures(&mut conn, now)
            .await
            .unwrap(),
        0
    );
    // A day later the failures are of no use; the owner's source is still known.
    let later = now + Duration::hours(24) + Duration::seconds(1);
    assert_eq!(
        coprocure::auth::repo::prune_login_failures(&mut conn, later)
            .await
            .unwrap(),
        3
    );
    let since = now - Duration::days(1);
    assert!(
        coprocure::auth::repo::is_known_login_source(&mut conn, EMAIL, OWNER_IP, since)
            .await
            .unwrap()
    );
    // After 90 days without a login from it, the source is forgotten too.
    let much_later = now + Duration::days(90) + Duration::seconds(1);
    assert_eq!(
        coprocure::auth::repo::prune_login_failures(&mut conn, much_later)
            .await
            .unwrap(),
        1
    );
}
