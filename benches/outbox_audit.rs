//! Benchmarks of the outbox and the audit trail, each against a baseline measured in the
//! same run:
//!
//! 1. Audit overhead on the request path: transactions that insert one small row
//!    (baseline) vs the same transactions that also call `audit::record`, sequentially and
//!    with 16 concurrent writers in one cooperative (to show there is no chain-wide lock).
//! 2. Outbox delivery rate to a local SMTP listener: lettre sending the same messages
//!    directly (baseline) vs the outbox worker (1 and 2 workers) draining enqueued rows.
//!
//! `cargo bench --bench outbox_audit` — uses `COPROCURE_BENCH_DATABASE_URL` (an admin URL)
//! if set, else a private cluster in a temporary directory.

#[path = "../tests/it/helpers/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use coprocure::audit::{self, Actor, Event};
use coprocure::auth::Locale;
use coprocure::clock::{Clock, SystemClock};
use coprocure::db::local::{LocalOptions, LocalPostgres};
use coprocure::ids::CooperativeId;
use coprocure::notifications::mailer::Mailer;
use coprocure::notifications::templates::{EmailTemplate, PasswordChanged, ZonedTime};
use coprocure::notifications::worker::Worker;
use coprocure::notifications::{self, Email};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use lettre::AsyncTransport;
use serde_json::json;

fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    (
        mean,
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 99 / 100]),
    )
}

async fn baseline_tx(conn: &mut AsyncPgConnection, i: usize) {
    conn.transaction(async |c| {
        diesel::sql_query(
            "INSERT INTO login_failures (email, at, ip) VALUES ($1, now(), '127.0.0.1')",
        )
        .bind::<diesel::sql_types::Text, _>(format!("bench{i}@coop.kr"))
        .execute(c)
        .await?;
        Ok::<_, diesel::result::Error>(())
    })
    .await
    .unwrap();
}

async fn audited_tx(conn: &mut AsyncPgConnection, i: usize, coop: CooperativeId) {
    conn.transaction(async |c| {
        diesel::sql_query(
            "INSERT INTO login_failures (email, at, ip) VALUES ($1, now(), '127.0.0.1')",
        )
        .bind::<diesel::sql_types::Text, _>(format!("bench{i}@coop.kr"))
        .execute(c)
        .await?;
        audit::record(
            c,
            Utc::now(),
            Event::platform(
                Actor::System,
                "demand.submitted",
                "demand_line",
                i,
                json!({"quantity": "12.5", "unit": "TNE"}),
            )
            .in_cooperative(Some(coop)),
        )
        .await?;
        Ok::<_, diesel::result::Error>(())
    })
    .await
    .unwrap();
}

async fn concurrent(
    url: &str,
    writers: usize,
    per: usize,
    audited: bool,
    coop: CooperativeId,
) -> f64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let url = url.to_owned();
            tokio::spawn(async move {
                let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
                for i in 0..per {
                    if audited {
                        audited_tx(&mut conn, w * per + i, coop).await;
                    } else {
                        baseline_tx(&mut conn, w * per + i).await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (writers * per) as f64 / started.elapsed().as_secs_f64()
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
        other_sessions_revoked: 1,
    }
}

#[tokio::main]
async fn main() {
    let (admin_url, mut cluster) = match std::env::var("COPROCURE_BENCH_DATABASE_URL") {
        Ok(u) => (u, None),
        Err(_) => {
            let dir =
                std::env::temp_dir().join(format!("coprocure-bench-pg-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            let c = LocalPostgres::start(LocalOptions {
                data_dir: dir.join("data"),
                database: "postgres".into(),
                ephemeral: false,
            })
            .await
            .unwrap();
            (c.admin_url(), Some(c))
        }
    };
    let db = format!("coprocure_bench_{}", std::process::id());
    let mut admin = AsyncPgConnection::establish(&admin_url).await.unwrap();
    diesel::sql_query(format!("CREATE DATABASE {db}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin_url).unwrap();
    url.set_path(&format!("/{db}"));
    let url = url.to_string();
    coprocure::db::run_migrations(&url).await.unwrap();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    let coop = CooperativeId::new();

    // ---- 1. audit overhead -------------------------------------------------------------
    const N: usize = 3000;
    for i in 0..200 {
        baseline_tx(&mut conn, i).await;
        audited_tx(&mut conn, i, coop).await;
    }
    let mut base = Vec::with_capacity(N);
    let mut with = Vec::with_capacity(N);
    for i in 0..N {
        // Interleaved so both see the same machine conditions.
        let t = Instant::now();
        baseline_tx(&mut conn, i).await;
        base.push(t.elapsed());
        let t = Instant::now();
        audited_tx(&mut conn, i, coop).await;
        with.push(t.elapsed());
    }
    let (bm, b50, b99) = stats(base);
    let (wm, w50, w99) = stats(with);
    println!("audit overhead, sequential ({N} transactions each, interleaved)");
    println!("  baseline tx (1 insert)          mean {bm:.3} ms  p50 {b50:.3} ms  p99 {b99:.3} ms");
    println!("  same tx + audit::record         mean {wm:.3} ms  p50 {w50:.3} ms  p99 {w99:.3} ms");
    println!(
        "  overhead per event              mean {:+.3} ms  p50 {:+.3} ms",
        wm - bm,
        w50 - b50
    );
    let tb = concurrent(&url, 16, 500, false, coop).await;
    let tw = concurrent(&url, 16, 500, true, coop).await;
    println!("audit overhead, 16 concurrent writers in one cooperative (8000 tx each)");
    println!(
        "  baseline {tb:.0} tx/s · with audit {tw:.0} tx/s · ratio {:.2}",
        tw / tb
    );
    let t = Instant::now();
    let sealed = audit::seal_pending(&mut conn, Utc::now()).await.unwrap();
    let seal_rate = sealed as f64 / t.elapsed().as_secs_f64();
    let v = audit::verify(&mut conn, &coop.to_string()).await.unwrap();
    println!(
        "  sealer: {sealed} events chained at {seal_rate:.0} events/s; verify ok={} over {} events",
        v.ok, v.events
    );

    // ---- 2. outbox delivery rate ------------------------------------------------------
    const M: usize = 2000;
    let sink = smtp::SmtpSink::start().await;
    let from: lettre::message::Mailbox = "coprocure <no-reply@coprocure.test>".parse().unwrap();
    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&sink.url())
        .unwrap()
        .build();
    let t = Instant::now();
    for n in 0..M {
        let r = sample(n).render(Locale::Ko).unwrap();
        let msg = lettre::Message::builder()
            .from(from.clone())
            .to(format!("m{n}@coop.kr").parse().unwrap())
            .subject(r.subject)
            .multipart(lettre::message::MultiPart::alternative_plain_html(
                r.text, r.html,
            ))
            .unwrap();
        transport.send(msg).await.unwrap();
    }
    let direct = M as f64 / t.elapsed().as_secs_f64();
    assert_eq!(sink.messages().len(), M, "every message accepted");

    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut rates = Vec::new();
    for workers in [1usize, 2] {
        let now = Utc::now();
        for n in 0..M {
            let t = sample(n);
            notifications::enqueue(
                &mut conn,
                now,
                Email {
                    to: &t.email,
                    locale: Locale::Ko,
                    template: &t,
                    dedupe_key: None,
                },
            )
            .await
            .unwrap();
        }
        let before = sink.messages().len();
        let t = Instant::now();
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let pool = coprocure::db::build_pool(&url, 2, Duration::from_secs(5)).unwrap();
                let mailer =
                    Mailer::from_settings(Some(&sink.url()), std::path::Path::new("/tmp")).unwrap();
                let w = Worker::new(
                    pool,
                    mailer,
                    clock.clone(),
                    "coprocure <no-reply@coprocure.test>",
                )
                .unwrap();
                tokio::spawn(async move { while w.run_once().await.unwrap() > 0 {} })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        let rate = M as f64 / t.elapsed().as_secs_f64();
        assert_eq!(
            sink.messages().len() - before,
            M,
            "every email delivered once"
        );
        rates.push((workers, rate));
    }
    println!("outbox delivery to a local SMTP listener ({M} emails, ko, text+HTML)");
    println!("  baseline: lettre direct, no DB  {direct:.0} emails/s");
    for (w, r) in rates {
        println!(
            "  outbox, {w} worker(s)             {r:.0} emails/s ({:.2} of baseline)",
            r / direct
        );
    }

    drop(conn);
    diesel::sql_query(format!("DROP DATABASE {db} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Some(c) = cluster.as_mut() {
        c.stop();
    }
}
