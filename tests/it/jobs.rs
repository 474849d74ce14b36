//! The background runner: periodic jobs once per period across instances, a crashed
//! claimer's period taken over after its lease, a webhook receiver answering 500, and the
//! real loops end to end.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use coprocure::background::periods::{self, JobRun};
use coprocure::clock::Clock;
use coprocure::schema::{audit_chain, audit_events, audit_pending, outbox_emails, outbox_webhooks};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::json;

use crate::helpers::http_sink::HttpSink;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::World;
use crate::helpers::{TestApp, PASSWORD};

const ECB: &str = include_str!("../fixtures/fx/ecb-daily.xml");
const DAY: Duration = Duration::from_secs(86_400);

/// `offset` after the start of the next period of length `every` on the app clock.
fn next_period(app: &TestApp, every: Duration, offset: chrono::Duration) -> DateTime<Utc> {
    periods::period_start(app.clock.now(), every)
        + chrono::Duration::from_std(every).unwrap()
        + offset
}

/// Moves the app clock to `at` (so that what follows happens at known places in known
/// periods).
fn move_to(app: &TestApp, at: DateTime<Utc>) {
    app.clock.advance(at - app.clock.now());
}

async fn count_actions(app: &TestApp, action: &str) -> i64 {
    let mut conn = app.conn().await;
    audit_events::table
        .filter(audit_events::action.eq(action))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

/// (status, HTTP status of the last answer) of the webhooks to `sink`.
async fn statuses(app: &TestApp, sink: &HttpSink) -> Vec<(String, Option<i32>)> {
    let mut conn = app.conn().await;
    outbox_webhooks::table
        .filter(outbox_webhooks::url.eq(sink.url("/hook")))
        .select((outbox_webhooks::status, outbox_webhooks::response_status))
        .load(&mut conn)
        .await
        .unwrap()
}

async fn runs(app: &TestApp, job: &str) -> Vec<JobRun> {
    let mut conn = app.conn().await;
    periods::runs(&mut conn, job).await.unwrap()
}

/// Fault test (issue 12): two instances on one database (two servers, two runners, one
/// clock) run their jobs concurrently over six days. The FX feed is fetched and
/// `fx.refreshed` recorded once a day, housekeeping runs once an hour-period, each day's
/// reminder goes out once, every email is delivered once, every audit event chained once.
#[tokio::test]
async fn periodic_jobs_run_once_per_period_across_two_instances() {
    let feed = HttpSink::start().await;
    feed.serve(200, ECB, Duration::ZERO);
    let sink = SmtpSink::start().await;
    let a = TestApp::spawn_with(&[
        ("COPROCURE_SMTP_URL", &sink.url()),
        ("COPROCURE_FX_REFRESH_HOURS", "24"),
        (
            "COPROCURE_FX_URL",
            &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
        ),
    ])
    .await;
    let b = a.another_instance().await;
    assert_ne!(a.jobs.instance(), b.jobs.instance());
    assert_eq!(
        a.jobs.job_names(),
        [
            "fx_refresh",
            "housekeeping",
            "round_reminders",
            "email_outbox",
            "webhook_outbox",
            "audit_sealer"
        ]
    );
    let w = World::build(&a).await;
    // Day 0 starts at 01:00 UTC; round k closes on day k at 13:00, so its reminder (24 h
    // before) falls due on day k-1 at 13:00 and goes out in the pass of day k.
    let t0 = next_period(&a, DAY, chrono::Duration::hours(1));
    const DAYS: i64 = 6;
    let mut rounds = Vec::new();
    for k in 1..DAYS {
        let closes_at = t0 + chrono::Duration::days(k) + chrono::Duration::hours(12);
        let r = a
            .post(
                &format!("/api/v1/cooperatives/{}/rounds", w.a.coop),
                Some(&w.a.admin),
                &json!({"title": format!("Round {k}"), "closes_at": closes_at.to_rfc3339()}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json["id"].as_str().unwrap().to_owned();
        let opened = a
            .post(
                &format!("/api/v1/rounds/{id}/open"),
                Some(&w.a.admin),
                &json!({}),
            )
            .await;
        assert_eq!(opened.status, 200, "{}", opened.text);
        rounds.push(id);
    }
    move_to(&a, t0);
    let fetches_before = feed.hits().len();
    let refreshed_before = count_actions(&a, "fx.refreshed").await;
    let mut reminders_per_day = Vec::new();
    let mut fetches_per_day = Vec::new();

    for day in 0..DAYS {
        if day > 0 {
            a.clock.advance(chrono::Duration::days(1));
        }
        let reminders_before = count_actions(&a, "round.reminder_sent").await;
        let fetched_before = feed.hits().len();
        // Both instances, concurrently, twice over: the second pass finds nothing to do.
        for _ in 0..2 {
            tokio::join!(a.run_jobs_until_idle(), b.run_jobs_until_idle());
        }
        reminders_per_day.push(count_actions(&a, "round.reminder_sent").await - reminders_before);
        fetches_per_day.push(feed.hits().len() - fetched_before);
    }

    // FX: one fetch and one event per day, whichever instance ran it.
    let fetches = feed.hits().len() - fetches_before;
    let refreshed = count_actions(&a, "fx.refreshed").await - refreshed_before;
    assert_eq!(
        fetches, DAYS as usize,
        "one feed request per day across both instances"
    );
    assert_eq!(fetches_per_day, [1; DAYS as usize]);
    assert_eq!(refreshed, DAYS, "one fx.refreshed event per day");
    let fx_runs: Vec<JobRun> = runs(&a, "fx_refresh")
        .await
        .into_iter()
        .filter(|r| r.period_start >= t0 - chrono::Duration::hours(1))
        .collect();
    assert_eq!(fx_runs.len(), DAYS as usize, "{fx_runs:?}");
    let instances = [a.jobs.instance(), b.jobs.instance()];
    let mut per_instance: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in fx_runs.iter().enumerate() {
        assert_eq!(
            r.period_start,
            t0 - chrono::Duration::hours(1) + chrono::Duration::days(i as i64)
        );
        assert!(r.finished_at.is_some() && r.attempts == 1, "{r:?}");
        assert!(instances.contains(&r.instance.as_str()), "{r:?}");
        *per_instance.entry(&r.instance).or_default() += 1;
    }
    // Housekeeping: one run per hour-period visited (one per day here), never two.
    let hk: Vec<JobRun> = runs(&a, "housekeeping")
        .await
        .into_iter()
        .filter(|r| r.period_start >= t0 - chrono::Duration::hours(1))
        .collect();
    assert_eq!(hk.len(), DAYS as usize, "{hk:?}");
    assert!(hk
        .iter()
        .all(|r| r.attempts == 1 && r.finished_at.is_some()));
    let hk_a = hk
        .iter()
        .filter(|r| r.instance == a.jobs.instance())
        .count();

    // Reminders: round k's on day k, once, one email to the member's user each.
    assert_eq!(reminders_per_day, [0, 1, 1, 1, 1, 1]);
    let mut conn = a.conn().await;
    let reminder_rows: Vec<(String, Option<String>)> = outbox_emails::table
        .filter(outbox_emails::template.eq("round_reminder"))
        .select((outbox_emails::recipient, outbox_emails::message_id))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(reminder_rows.len(), rounds.len(), "one reminder per round");
    let reminder_mails: Vec<_> = sink
        .messages()
        .into_iter()
        .filter(|m| {
            reminder_rows
                .iter()
                .any(|(_, id)| m.header("Message-ID") == *id)
        })
        .collect();
    assert!(reminder_rows.iter().all(|(to, _)| to == "user-a@member.kr"));

    // Every email delivered once; nothing pending.
    let sent: Vec<Option<String>> = outbox_emails::table
        .select(outbox_emails::message_id)
        .filter(outbox_emails::status.eq("sent"))
        .load(&mut conn)
        .await
        .unwrap();
    let got = sink.messages();
    let mut ids: Vec<String> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(got.len(), sent.len(), "each email sent once");
    assert_eq!(ids.len(), got.len(), "no Message-ID twice");
    assert_eq!(reminder_mails.len(), (DAYS - 1) as usize);

    // Every audit event chained once, and every chain verifies.
    let events: i64 = audit_events::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let links: i64 = audit_chain::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let pending: i64 = audit_pending::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((links, pending), (events, 0));
    let platform = crate::helpers::token(&a, "platform@coprocure.kr").await;
    let v = a.get("/api/v1/admin/audit/verify", Some(&platform)).await;
    assert_eq!(v.json["ok"], true, "{}", v.text);
    for coop in [&w.a.coop, &w.b.coop] {
        let v = b
            .get(
                &format!("/api/v1/cooperatives/{coop}/audit/verify"),
                Some(&platform),
            )
            .await;
        assert_eq!(v.json["ok"], true, "{}", v.text);
    }
    println!(
        "FAULTS jobs: instances=2 days={DAYS} fx_fetches={fetches} fx_refreshed_events={refreshed} fx_runs_a={} fx_runs_b={} housekeeping_runs={} housekeeping_runs_a={hk_a} housekeeping_runs_b={} fx_fetches_per_day={} reminders_sent={} reminder_emails={} emails_delivered={} emails_duplicated={} audit_events={events} audit_links={links}",
        per_instance.get(a.jobs.instance()).copied().unwrap_or(0),
        per_instance.get(b.jobs.instance()).copied().unwrap_or(0),
        hk.len(),
        hk.len() - hk_a,
        fetches_per_day
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(","),
        reminders_per_day.iter().sum::<i64>(),
        reminder_mails.len(),
        got.len(),
        got.len() - ids.len(),
    );
}

/// An instance that claims a period and dies (no finish) holds it until its lease runs out;
/// then the next instance to ask runs the period, once.
#[tokio::test]
async fn a_crashed_claimers_period_is_run_after_its_lease_expires() {
    let feed = HttpSink::start().await;
    feed.serve(200, ECB, Duration::ZERO);
    let app = TestApp::spawn_with(&[
        ("COPROCURE_FX_REFRESH_HOURS", "24"),
        (
            "COPROCURE_FX_URL",
            &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
        ),
    ])
    .await;
    let now = next_period(&app, DAY, chrono::Duration::hours(2));
    move_to(&app, now);
    let period = periods::period_start(now, DAY);
    let mut conn = app.conn().await;
    let lease =
        now + chrono::Duration::seconds(coprocure::background::jobs::FX_LEASE.as_secs() as i64);
    let claimed = periods::claim(
        &mut conn,
        "fx_refresh",
        period,
        "crashed:1:000000",
        now,
        lease,
    )
    .await
    .unwrap();
    assert_eq!(claimed, Some(1));

    app.run_jobs_until_idle().await;
    assert_eq!(
        feed.hits().len(),
        0,
        "the period is held by the crashed claimer"
    );
    app.clock.advance(chrono::Duration::minutes(9));
    app.run_jobs_until_idle().await;
    assert_eq!(feed.hits().len(), 0, "its lease still holds");

    app.clock.advance(chrono::Duration::minutes(2));
    app.run_jobs_until_idle().await;
    assert_eq!(feed.hits().len(), 1, "taken over once the lease ran out");
    app.run_jobs_until_idle().await;
    assert_eq!(feed.hits().len(), 1, "and run once");
    let run = runs(&app, "fx_refresh")
        .await
        .into_iter()
        .find(|r| r.period_start == period)
        .unwrap();
    assert_eq!(run.instance, app.jobs.instance());
    assert_eq!(run.attempts, 2);
    assert!(run.finished_at.is_some());
    assert!(run.items.unwrap() > 0, "rates stored: {run:?}");

    // The crashed claimer's late finish cannot overwrite the run that took over.
    assert!(!periods::finish(
        &mut conn,
        "fx_refresh",
        period,
        "crashed:1:000000",
        1,
        app.clock.now(),
        0
    )
    .await
    .unwrap());
    assert_eq!(count_actions(&app, "fx.refreshed").await, 1);
}

/// Sixteen instances claim one period at the same instant on their own connections: one
/// wins. After its lease runs out, sixteen take-overs race: one wins, with attempt 2.
#[tokio::test]
async fn racing_claims_of_one_period_have_exactly_one_winner() {
    let app = TestApp::spawn().await;
    let now = app.clock.now();
    let period = periods::period_start(now, DAY);
    let race = |at: DateTime<Utc>| {
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(16));
        let tasks: Vec<_> = (0..16)
            .map(|i| {
                let (url, barrier) = (app.db.url.clone(), barrier.clone());
                tokio::spawn(async move {
                    use diesel_async::AsyncConnection;
                    let mut conn = diesel_async::AsyncPgConnection::establish(&url)
                        .await
                        .unwrap();
                    barrier.wait().await;
                    let lease = at + chrono::Duration::minutes(10);
                    periods::claim(&mut conn, "race", period, &format!("i{i}"), at, lease)
                        .await
                        .unwrap()
                        .map(|attempt| (i, attempt))
                })
            })
            .collect();
        async move {
            let mut won = Vec::new();
            for t in tasks {
                won.extend(t.await.unwrap());
            }
            won
        }
    };
    let first = race(now).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].1, 1);
    let again = race(now + chrono::Duration::minutes(5)).await;
    assert!(again.is_empty(), "the lease holds: {again:?}");
    let takeover = race(now + chrono::Duration::minutes(11)).await;
    assert_eq!(takeover.len(), 1, "{takeover:?}");
    assert_eq!(takeover[0].1, 2);
    let mut conn = app.conn().await;
    let winner = format!("i{}", takeover[0].0);
    assert!(
        periods::finish(&mut conn, "race", period, &winner, 2, now, 3)
            .await
            .unwrap()
    );
    let done = race(now + chrono::Duration::hours(2)).await;
    assert!(
        done.is_empty(),
        "a finished period is never claimed again: {done:?}"
    );
    let run = &runs(&app, "race").await[0];
    assert_eq!(
        (run.instance.as_str(), run.items),
        (winner.as_str(), Some(3))
    );
}

/// Fault test (issue 12): webhook receivers answering 500. Every delivery is retried with
/// backoff; the receiver that recovers after two hours gets each delivery accepted exactly
/// once; the one that never recovers has its deliveries dead-lettered after 48 hours, listed
/// for operations, and retried by hand once it is fixed, each delivered once.
#[tokio::test]
async fn webhook_receivers_answering_500_lose_nothing_and_get_nothing_twice() {
    let app = TestApp::spawn_with(&[("COPROCURE_ALLOW_LOOPBACK_WEBHOOKS", "1")]).await;
    let w = World::build(&app).await;
    let (flaky, broken) = (HttpSink::start().await, HttpSink::start().await);
    flaky.answer(500);
    broken.answer(500);
    let mut suppliers = Vec::new();
    for (name, tax, sink) in [
        ("Flaky Metals GmbH", "DE123456789", &flaky),
        ("Broken Alloys Ltd", "GB123456789", &broken),
    ] {
        let s = app
            .post(
                "/api/v1/suppliers",
                Some(&w.platform),
                &json!({"name": name, "country": &tax[..2], "tax_id": tax, "default_currency": "EUR",
                        "contact_email": format!("x@{}.example", &tax[..2].to_lowercase()), "webhook_url": sink.url("/hook")}),
            )
            .await;
        assert_eq!(s.status, 201, "{}", s.text);
        suppliers.push(
            s.json["id"]
                .as_str()
                .unwrap()
                .parse::<coprocure::ids::SupplierId>()
                .unwrap(),
        );
    }
    const PER_RECEIVER: usize = 5;
    let mut conn = app.conn().await;
    for (i, (supplier, sink)) in suppliers.iter().zip([&flaky, &broken]).enumerate() {
        for n in 0..PER_RECEIVER {
            assert!(coprocure::webhooks::enqueue(
                &mut conn,
                app.clock.now(),
                *supplier,
                &sink.url("/hook"),
                "rfq.published",
                &json!({"event": "rfq.published", "n": n}),
                format!("fault:{i}:{n}"),
            )
            .await
            .unwrap());
        }
    }
    let started = app.clock.now();

    // Two hours of 500s from both, the jobs running every 10 minutes.
    for _ in 0..12 {
        app.run_jobs_until_idle().await;
        app.clock.advance(chrono::Duration::minutes(10));
    }
    let attempts_2h = flaky.hits().len();
    assert!(
        (PER_RECEIVER * 5..=PER_RECEIVER * 10).contains(&attempts_2h),
        "backoff from 10 s doubling: 5–10 attempts each in 2 h, got {attempts_2h} for {PER_RECEIVER}"
    );
    assert_eq!(broken.hits().len(), attempts_2h, "same schedule for both");

    // The flaky receiver recovers: within the longest backoff step each delivery is
    // accepted, once.
    flaky.answer(200);
    let recovered_at = flaky.hits().len();
    for _ in 0..8 {
        app.clock.advance(chrono::Duration::minutes(10));
        app.run_jobs_until_idle().await;
    }
    let after: Vec<String> = flaky.hits()[recovered_at..]
        .iter()
        .map(|h| h.header("x-coprocure-delivery").unwrap().to_owned())
        .collect();
    let mut distinct = after.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        after.len(),
        PER_RECEIVER,
        "each delivery accepted once: {after:?}"
    );
    assert_eq!(distinct.len(), PER_RECEIVER);
    assert!(statuses(&app, &flaky)
        .await
        .iter()
        .all(|s| *s == ("sent".to_owned(), Some(200))));

    // The broken one never recovers: after 48 hours its deliveries are dead letters.
    let mut hours = 0;
    while statuses(&app, &broken)
        .await
        .iter()
        .any(|(s, _)| s == "pending")
    {
        assert!(hours < 60, "still pending after 60 h");
        app.clock.advance(chrono::Duration::hours(1));
        hours += 1;
        app.run_jobs_until_idle().await;
    }
    assert!(app.clock.now() - started >= chrono::Duration::hours(48));
    assert_eq!(
        statuses(&app, &broken).await,
        vec![("dead".to_owned(), Some(500)); PER_RECEIVER]
    );
    let attempts_broken = broken.hits().len();
    assert!(
        attempts_broken <= PER_RECEIVER * 60,
        "at most hourly after the first hour: {attempts_broken}"
    );
    assert_eq!(
        flaky.hits().len(),
        recovered_at + PER_RECEIVER,
        "nothing resent"
    );

    // Operations see them, with the error, and retry them by hand once the receiver is fixed.
    let platform = crate::helpers::token(&app, "platform@coprocure.kr").await;
    let dead = app
        .get("/api/v1/admin/webhooks?status=dead", Some(&platform))
        .await;
    assert_eq!(dead.status, 200, "{}", dead.text);
    let items = dead.json["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), PER_RECEIVER);
    for item in &items {
        assert_eq!(item["supplier_id"], suppliers[1].to_string());
        assert_eq!(item["response_status"], 500);
        assert!(
            item["last_error"]
                .as_str()
                .unwrap()
                .starts_with("gave up after 48 h: HTTP 500"),
            "{item}"
        );
        assert!(item.get("body").is_none(), "bodies are not listed");
    }
    let w_admin = crate::helpers::token(&app, "admin-a@coop.kr").await;
    app.get("/api/v1/admin/webhooks", Some(&w_admin))
        .await
        .assert_problem(403, "forbidden");
    broken.answer(204);
    let before_retry = broken.hits().len();
    for item in &items {
        let id = item["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/admin/webhooks/{id}/retry"),
                Some(&platform),
                &json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["status"], "pending");
    }
    app.run_jobs_until_idle().await;
    let mut got: Vec<String> = broken.hits()[before_retry..]
        .iter()
        .map(|h| h.header("x-coprocure-delivery").unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    expected.sort();
    assert_eq!(
        got, expected,
        "each dead letter delivered once after the manual retry"
    );
    assert!(statuses(&app, &broken)
        .await
        .iter()
        .all(|s| *s == ("sent".to_owned(), Some(204))));
    let id = items[0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/admin/webhooks/{id}/retry"),
        Some(&platform),
        &json!({}),
    )
    .await
    .assert_problem(409, "already_sent");
    app.post(
        &format!("/api/v1/admin/webhooks/{}/retry", uuid::Uuid::now_v7()),
        Some(&platform),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(
        count_actions(&app, "webhook.retried").await,
        PER_RECEIVER as i64
    );
    app.run_jobs_until_idle().await;
    println!(
        "FAULTS webhooks: deliveries={} receivers_500=2 attempts_first_2h_per_receiver={attempts_2h} recovered_delivered={} recovered_duplicates={} dead_after_48h={} attempts_until_dead={attempts_broken} retried_by_hand={} delivered_after_retry={} duplicates_after_retry=0 lost=0",
        2 * PER_RECEIVER,
        distinct.len(),
        after.len() - distinct.len(),
        items.len(),
        items.len(),
        got.len(),
    );
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    // The one place a test waits for real time: the real loops, end to end.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "not within 20 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The real loops, as `serve` runs them: the periodic jobs run at start, emails and
/// webhooks go out and events are chained without anyone driving them, and the loops stop
/// when asked.
#[tokio::test]
async fn the_background_loops_run_by_themselves_and_stop() {
    let feed = HttpSink::start().await;
    feed.serve(200, ECB, Duration::ZERO);
    let sink = SmtpSink::start().await;
    let receiver = HttpSink::start().await;
    let mut app = TestApp::spawn_with(&[
        ("COPROCURE_SMTP_URL", &sink.url()),
        ("COPROCURE_ALLOW_LOOPBACK_WEBHOOKS", "1"),
        ("COPROCURE_FX_REFRESH_HOURS", "24"),
        (
            "COPROCURE_FX_URL",
            &feed.url("/stats/eurofxref/eurofxref-daily.xml"),
        ),
    ])
    .await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    app.start_background();

    wait_until("the FX refresh at start", || async {
        feed.hits().len() == 1
    })
    .await;
    wait_until("housekeeping at start", || async {
        runs(&app, "housekeeping").await.len() == 1
    })
    .await;
    let token = crate::helpers::token(&app, "ops@coop.kr").await;
    let s = app
        .post(
            "/api/v1/suppliers",
            Some(&token),
            &json!({"name": "Hook GmbH", "country": "DE", "tax_id": "DE123456789", "default_currency": "EUR",
                    "contact_email": "x@de.example", "webhook_url": receiver.url("/hook")}),
        )
        .await;
    assert_eq!(s.status, 201, "{}", s.text);
    let supplier: coprocure::ids::SupplierId = s.json["id"].as_str().unwrap().parse().unwrap();
    let mut conn = app.conn().await;
    coprocure::webhooks::enqueue(
        &mut conn,
        app.clock.now(),
        supplier,
        &receiver.url("/hook"),
        "rfq.published",
        &json!({"event": "rfq.published"}),
        "loop:1".into(),
    )
    .await
    .unwrap();
    let r = app
        .post(
            "/api/v1/auth/password",
            Some(&token),
            &json!({"current_password": PASSWORD, "new_password": "aluminium-ingot-7"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);

    wait_until("the email", || async { sink.to("ops@coop.kr").len() == 1 }).await;
    wait_until("the webhook", || async { receiver.hits().len() == 1 }).await;
    wait_until("every event chained", || async {
        let mut conn = app.conn().await;
        let pending: i64 = audit_pending::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap();
        pending == 0
    })
    .await;
    let stopped = std::time::Instant::now();
    app.stop_background().await;
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "the loops stop promptly: {:?}",
        stopped.elapsed()
    );
}
