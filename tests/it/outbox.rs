//! The email outbox over a real SMTP listener: delivery, locale, Message-ID, retries,
//! dead letters, rollback, racing workers, file transport, operations endpoints.

use std::sync::Arc;
use std::time::Duration;

use coprocure::auth::Locale;
use coprocure::clock::Clock;
use coprocure::notifications::mailer::Mailer;
use coprocure::notifications::templates::{PasswordChanged, ZonedTime};
use coprocure::notifications::worker::Worker;
use coprocure::notifications::{self, Email};
use coprocure::schema::outbox_emails;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;

use crate::helpers::smtp::{Mode, SmtpSink};
use crate::helpers::{TestApp, PASSWORD};

const NEW_PASSWORD: &str = "aluminium-ingot-7";

async fn change_password(app: &TestApp, email: &str) {
    let pair = app.login(email, PASSWORD).await;
    let r = app
        .post(
            "/api/v1/auth/password",
            pair["access_token"].as_str(),
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
}

#[derive(Queryable, Debug)]
struct Row {
    id: uuid::Uuid,
    recipient: String,
    status: String,
    attempts: i32,
    message_id: Option<String>,
    last_error: Option<String>,
    smtp_response: Option<String>,
    next_attempt_at: chrono::DateTime<chrono::Utc>,
}

async fn rows(app: &TestApp) -> Vec<Row> {
    let mut conn = app.conn().await;
    outbox_emails::table
        .order(outbox_emails::created_at)
        .select((
            outbox_emails::id,
            outbox_emails::recipient,
            outbox_emails::status,
            outbox_emails::attempts,
            outbox_emails::message_id,
            outbox_emails::last_error,
            outbox_emails::smtp_response,
            outbox_emails::next_attempt_at,
        ))
        .load(&mut conn)
        .await
        .unwrap()
}

/// The one outbox row.
async fn only_row(app: &TestApp) -> Row {
    let mut all = rows(app).await;
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[tokio::test]
async fn password_change_email_arrives_over_smtp_in_each_locale() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    app.create_admin_in("kim@coop.kr", PASSWORD, Locale::Ko)
        .await;
    app.create_admin_in("lee@coop.kr", PASSWORD, Locale::En)
        .await;
    change_password(&app, "kim@coop.kr").await;
    change_password(&app, "lee@coop.kr").await;

    app.run_jobs_until_idle().await;
    let got = sink.messages();
    assert_eq!(got.len(), 2, "each email once");
    let ko = got
        .iter()
        .find(|m| m.rcpt_to == ["kim@coop.kr"])
        .expect("Korean email");
    let en = got
        .iter()
        .find(|m| m.rcpt_to == ["lee@coop.kr"])
        .expect("English email");

    assert_eq!(
        ko.header("Subject").unwrap(),
        "coprocure 비밀번호가 변경되었습니다"
    );
    assert_eq!(
        en.header("Subject").unwrap(),
        "Your coprocure password was changed"
    );
    assert_eq!(ko.header("Content-Language").as_deref(), Some("ko"));
    assert_eq!(
        en.header("From").unwrap(),
        "coprocure <no-reply@coprocure.test>"
    );
    assert!(ko.mail_from.contains("no-reply@coprocure.test"));
    assert!(ko.parsed().ctype.mimetype == "multipart/alternative");
    let ko_text = ko.part("text/plain").unwrap();
    let ko_html = ko.part("text/html").unwrap();
    assert!(
        ko_text.contains("비밀번호가") && ko_text.contains("KST"),
        "{ko_text}"
    );
    assert!(
        ko_html.contains("<html lang=\"ko\">") && ko_html.contains("kim@coop.kr"),
        "{ko_html}"
    );
    let en_text = en.part("text/plain").unwrap();
    assert!(
        en_text.contains("The password of your coprocure account lee@coop.kr was changed"),
        "{en_text}"
    );
    assert!(en.part("text/html").unwrap().contains("<html lang=\"en\">"));

    // Message-ID is the row's, and the row records the server's reply.
    let stored = rows(&app).await;
    for m in [ko, en] {
        let mid = m.header("Message-ID").unwrap();
        let row = stored
            .iter()
            .find(|r| r.message_id.as_deref() == Some(mid.as_str()))
            .expect("row of message");
        assert_eq!(mid, format!("<{}@coprocure.test>", row.id));
        assert_eq!(row.status, "sent");
        assert_eq!(row.attempts, 1);
        assert!(
            row.smtp_response.as_deref().unwrap().starts_with("250"),
            "{:?}",
            row.smtp_response
        );
    }
    app.run_jobs_until_idle().await;
    assert_eq!(sink.messages().len(), 2, "each email once");
}

/// Fault test (issue 12): the SMTP server is down for 10 minutes of clock time while emails
/// keep being enqueued. Every email is retried with backoff (not once per pass), none is
/// given up; when the server is back each is delivered exactly once, with the Message-ID of
/// its first attempt, and the one recipient the server refuses is dead-lettered and listed.
#[tokio::test]
async fn smtp_down_for_ten_minutes_loses_nothing_and_sends_nothing_twice() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app =
        TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))]).await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    app.create_admin_in("kim@coop.kr", PASSWORD, Locale::Ko)
        .await;
    change_password(&app, "kim@coop.kr").await;
    app.run_jobs_until_idle().await;

    let failed = only_row(&app).await;
    assert_eq!(failed.status, "pending");
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.is_some());
    let wait = (failed.next_attempt_at - app.clock.now()).num_milliseconds();
    assert!(
        (6_000..=12_500).contains(&wait),
        "first retry after ~10 s ±20 %, got {wait} ms"
    );
    assert!(
        failed.message_id.is_some(),
        "the Message-ID is fixed at the first attempt"
    );

    // Ten minutes of outage: two more emails every 30 s, the jobs running all along.
    const REFUSED: &str = "m7@coop.kr";
    let mut conn = app.conn().await;
    for n in 0..40 {
        let t = sample(n);
        notifications::enqueue(
            &mut conn,
            app.clock.now(),
            Email {
                to: &t.email,
                locale: Locale::En,
                template: &t,
                dedupe_key: None,
            },
        )
        .await
        .unwrap();
        if n % 2 == 1 {
            app.run_jobs_until_idle().await;
            app.clock.advance(chrono::Duration::seconds(30));
        }
    }
    app.run_jobs_until_idle().await;
    let during = rows(&app).await;
    assert_eq!(during.len(), 41, "nothing lost");
    assert!(
        during
            .iter()
            .all(|r| r.status == "pending" && r.attempts >= 1 && r.last_error.is_some()),
        "every email tried and kept: {during:?}"
    );
    let attempts_during: i32 = during.iter().map(|r| r.attempts).sum();
    let most = during.iter().map(|r| r.attempts).max().unwrap();
    assert!(
        most <= 8,
        "retries back off (10 s doubling): {most} attempts in 10 minutes, not one per pass"
    );

    // The server is back, refusing one recipient for good.
    let sink = SmtpSink::start_on(port).await;
    sink.refuse(REFUSED);
    app.run_jobs_until_idle().await;
    assert!(sink.messages().is_empty(), "not retried before its time");
    let mut waited = 0;
    while rows(&app).await.iter().any(|r| r.status == "pending") {
        assert!(
            waited < 3600,
            "still pending an hour after the server came back"
        );
        app.clock.advance(chrono::Duration::seconds(30));
        waited += 30;
        app.run_jobs_until_idle().await;
    }

    let after = rows(&app).await;
    let sent: Vec<&Row> = after.iter().filter(|r| r.status == "sent").collect();
    let dead: Vec<&Row> = after.iter().filter(|r| r.status == "dead").collect();
    assert_eq!(sent.len() + dead.len(), 41, "nothing lost: {after:?}");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].recipient, REFUSED);
    assert!(dead[0].last_error.as_deref().unwrap().contains("550"));
    let got = sink.messages();
    assert_eq!(got.len(), sent.len(), "each email delivered once");
    let mut ids: Vec<String> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    let mut sent_ids: Vec<String> = sent.iter().map(|r| r.message_id.clone().unwrap()).collect();
    sent_ids.sort();
    assert_eq!(
        ids, sent_ids,
        "no duplicate; every sent row's Message-ID once"
    );
    assert!(sent.iter().all(|r| r.attempts >= 2));
    let first = sink.one_to("kim@coop.kr");
    assert_eq!(
        first.header("Message-ID"),
        failed.message_id,
        "same Message-ID on the retry"
    );

    // The dead letter is visible to operations.
    let admin = app.login("ops@coop.kr", PASSWORD).await;
    let token = admin["access_token"].as_str();
    let list = app.get("/api/v1/admin/outbox?status=dead", token).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.json["items"][0]["id"], dead[0].id.to_string());
    assert_eq!(list.json["items"][0]["recipient"], REFUSED);
    assert_eq!(
        app.get("/api/v1/admin/outbox?status=pending", token)
            .await
            .json["items"],
        json!([])
    );
    println!(
        "FAULTS smtp: outage_clock_s=600 emails_enqueued=41 emails_delivered={} emails_duplicated={} emails_dead={} emails_lost={} attempts_during_outage={attempts_during} max_attempts_per_email_during_outage={most} all_delivered_clock_s_after_recovery={waited}",
        sent.len(),
        got.len() - ids.len(),
        dead.len(),
        41 - sent.len() - dead.len(),
    );
}

#[tokio::test]
async fn a_4xx_reply_is_retried_and_a_5xx_reply_is_dead_lettered_then_retried_by_hand() {
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Defer);
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    app.create_admin("ops@coop.kr", PASSWORD).await;
    let admin = app.login("ops@coop.kr", PASSWORD).await;
    let token = admin["access_token"].as_str();
    app.create_admin_in("kim@coop.kr", PASSWORD, Locale::Ko)
        .await;
    change_password(&app, "kim@coop.kr").await;

    app.run_jobs_until_idle().await;
    let deferred = only_row(&app).await;
    assert_eq!(deferred.attempts, 1);
    assert_eq!(deferred.status, "pending", "451 is transient");
    assert!(
        deferred.last_error.as_deref().unwrap().contains("451"),
        "{:?}",
        deferred.last_error
    );

    sink.set_mode(Mode::Reject);
    app.clock.advance(chrono::Duration::seconds(15));
    app.run_jobs_until_idle().await;
    let dead = only_row(&app).await;
    assert_eq!(dead.status, "dead");
    assert!(
        dead.last_error.as_deref().unwrap().contains("550"),
        "{:?}",
        dead.last_error
    );
    assert_eq!(dead.attempts, 2);
    assert!(sink.messages().is_empty());

    // Operations: the dead letter is listed, with its error, and can be retried by hand.
    let list = app.get("/api/v1/admin/outbox?status=dead", token).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["items"].as_array().unwrap().len(), 1);
    let item = &list.json["items"][0];
    assert_eq!(item["id"], dead.id.to_string());
    assert_eq!(item["attempts"], 2);
    assert!(item["last_error"].as_str().unwrap().contains("550"));
    assert!(item.get("payload").is_none(), "payloads are not exposed");
    assert_eq!(
        app.get("/api/v1/admin/outbox?status=pending", token)
            .await
            .json["items"],
        json!([])
    );

    sink.set_mode(Mode::Accept);
    let r = app
        .post(
            &format!("/api/v1/admin/outbox/{}/retry", dead.id),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "pending");
    app.run_jobs_until_idle().await;
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(only_row(&app).await.status, "sent", "sent after the retry");
    app.post(
        &format!("/api/v1/admin/outbox/{}/retry", dead.id),
        token,
        &json!({}),
    )
    .await
    .assert_problem(409, "already_sent");
    app.post(
        &format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::now_v7()),
        token,
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/admin/outbox?status=lost", token)
        .await
        .assert_problem(422, "invalid_query");
    app.get("/api/v1/admin/outbox", None)
        .await
        .assert_problem(401, "missing_token");
}

fn sample(n: usize) -> PasswordChanged {
    PasswordChanged {
        name: format!("Member {n}"),
        email: format!("m{n}@coop.kr"),
        changed_at: ZonedTime::new(
            chrono::DateTime::parse_from_rfc3339("2026-11-29T04:00:00Z")
                .unwrap()
                .to_utc(),
            "Asia/Seoul",
        ),
        other_sessions_revoked: 0,
    }
}

#[tokio::test]
async fn a_rolled_back_transaction_enqueues_nothing_and_dedupe_keys_hold() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let now = app.clock.now();
    let result: Result<(), anyhow::Error> = conn
        .transaction(async |conn| {
            let email = Email {
                to: "a@coop.kr",
                locale: Locale::En,
                template: &sample(1),
                dedupe_key: None,
            };
            notifications::enqueue(conn, now, email).await?;
            anyhow::bail!("the use case failed after enqueuing")
        })
        .await;
    assert!(result.is_err());
    assert!(rows(&app).await.is_empty(), "rollback leaves no email");

    let key = Some("rfq:1:invite:a".to_owned());
    let first = notifications::enqueue(
        &mut conn,
        now,
        Email {
            to: "a@coop.kr",
            locale: Locale::En,
            template: &sample(1),
            dedupe_key: key.clone(),
        },
    )
    .await
    .unwrap();
    let second = notifications::enqueue(
        &mut conn,
        now,
        Email {
            to: "a@coop.kr",
            locale: Locale::En,
            template: &sample(1),
            dedupe_key: key,
        },
    )
    .await
    .unwrap();
    assert!(first.is_some());
    assert_eq!(second, None);
    assert_eq!(rows(&app).await.len(), 1);
    app.expect_pending(1, 0);
}

#[tokio::test]
async fn two_workers_racing_over_200_rows_deliver_each_once() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let mut conn = app.conn().await;
    let now = app.clock.now();
    for n in 0..200 {
        let t = sample(n);
        notifications::enqueue(
            &mut conn,
            now,
            Email {
                to: &t.email,
                locale: if n % 2 == 0 { Locale::Ko } else { Locale::En },
                template: &t,
                dedupe_key: None,
            },
        )
        .await
        .unwrap();
    }
    let make_worker = || {
        let pool = coprocure::db::build_pool(&app.db.url, 2, Duration::from_secs(5)).unwrap();
        let mailer = Mailer::from_settings(Some(&sink.url()), &app.data_dir).unwrap();
        Worker::new(
            pool,
            mailer,
            app.clock.clone() as Arc<dyn Clock>,
            "coprocure <no-reply@coprocure.test>",
        )
        .unwrap()
    };
    let (a, b) = (make_worker(), make_worker());
    let drain = |w: Worker| {
        tokio::spawn(async move {
            let mut total = 0;
            loop {
                let n = w.run_once().await.unwrap();
                if n == 0 {
                    return total;
                }
                total += n;
            }
        })
    };
    let (ta, tb) = (drain(a), drain(b));
    let (na, nb) = (ta.await.unwrap(), tb.await.unwrap());
    assert_eq!(na + nb, 200, "worker A sent {na}, worker B {nb}");
    assert!(na > 0 && nb > 0, "both workers took part: {na} / {nb}");
    let got = sink.messages();
    assert_eq!(got.len(), 200);
    let mut ids: Vec<String> = got
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "no email sent twice");
    assert!(rows(&app)
        .await
        .iter()
        .all(|r| r.status == "sent" && r.attempts == 1));
}

#[tokio::test]
async fn without_smtp_emails_become_eml_files() {
    let app = TestApp::spawn().await;
    app.create_admin_in("kim@coop.kr", PASSWORD, Locale::En)
        .await;
    change_password(&app, "kim@coop.kr").await;
    app.run_jobs_until_idle().await;
    let row = only_row(&app).await;
    assert_eq!(row.status, "sent", "sent to a file");
    let path = app.data_dir.join("mail").join(format!("{}.eml", row.id));
    assert!(row
        .smtp_response
        .as_deref()
        .unwrap()
        .contains(&path.display().to_string()));
    let raw = std::fs::read(&path).expect("eml file");
    let parsed = mailparse::parse_mail(&raw).unwrap();
    use mailparse::MailHeaderMap;
    assert_eq!(
        parsed.headers.get_first_value("Subject").unwrap(),
        "Your coprocure password was changed"
    );
    assert_eq!(parsed.headers.get_first_value("To").unwrap(), "kim@coop.kr");
}

#[tokio::test]
async fn rows_queued_by_the_previous_version_are_sent_or_dead_lettered_never_stuck() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let mut conn = app.conn().await;
    let now = app.clock.now();
    // Payloads exactly as the previous version stored them: instants as text, and the
    // award notices' lines as pre-rendered English sentences.
    let old_reset = json!({
        "name": "김회원", "email": "kim@member.kr",
        "link": "http://portal.coop.test/reset-password/old-token",
        "expires_at_utc": "2026-11-29 04:42 UTC", "expires_at_kst": "2026-11-29 13:42 KST",
    });
    let old_regret = json!({
        "name": "부산수지", "cooperative": "경기조합", "rfq_title": "Q1", "reference": null,
        "lines": ["Resin PA66 (PA66): your offer ranked 2 of 2; your landed cost 2,400 KRW per KGM"],
        "total": null, "terms": null, "note": null, "link": "http://portal.coop.test/rfqs/1",
    });
    for (to, template, payload) in [
        ("kim@member.kr", "password_reset", old_reset),
        ("sales@busanresin.kr", "award_regret", old_regret),
    ] {
        notifications::repo::insert(&mut conn, now, to, Locale::Ko, template, payload, None)
            .await
            .unwrap();
    }
    // And one of this version behind them, in the same batch.
    let email = Email {
        to: "new@coop.kr",
        locale: Locale::Ko,
        template: &sample(1),
        dedupe_key: None,
    };
    notifications::enqueue(&mut conn, now, email).await.unwrap();

    app.run_jobs_until_idle().await;
    let after = rows(&app).await;
    let status = |to: &str| after.iter().find(|r| r.recipient == to).unwrap();
    // The reset link still arrives, in Korean, with its expiry read back.
    assert_eq!(status("kim@member.kr").status, "sent", "{after:?}");
    let text = sink.one_to("kim@member.kr").part("text/plain").unwrap();
    assert!(
        text.contains("http://portal.coop.test/reset-password/old-token")
            && text.contains("2026. 11. 29. (일) 13:42 KST (2026-11-29 04:42 UTC)"),
        "{text}"
    );
    // The old award notice is not sent with English lines: dead, saying why.
    let dead = status("sales@busanresin.kr");
    assert_eq!(
        (dead.status.as_str(), dead.attempts),
        ("dead", 1),
        "{after:?}"
    );
    let error = dead.last_error.as_deref().unwrap();
    assert!(
        error.contains("payload does not fit template `award_regret` (queued by an earlier version of coprocure?)"),
        "{error}"
    );
    assert!(sink.to("sales@busanresin.kr").is_empty());
    assert_eq!(status("new@coop.kr").status, "sent");
}
