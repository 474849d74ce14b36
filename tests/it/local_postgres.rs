//! The embedded cluster library: start, reuse a running server, survive a stale pid file.

use std::time::Duration;

use coprocure::db::local::{LocalOptions, LocalPostgres};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[tokio::test]
async fn starts_reuses_and_recovers_from_a_stale_pid_file() {
    let root =
        std::env::temp_dir().join(format!("coprocure-local-{}", uuid::Uuid::new_v4().simple()));
    let opts = LocalOptions {
        data_dir: root.join("pg"),
        database: "coprocure".into(),
        ephemeral: true,
    };
    let mut first = LocalPostgres::start(opts.clone()).await.expect("start");
    let mut conn = AsyncPgConnection::establish(&first.url)
        .await
        .expect("connect");
    diesel::sql_query("CREATE TABLE kept (v int)")
        .execute(&mut conn)
        .await
        .ok();
    diesel::sql_query("INSERT INTO kept VALUES (42)")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);

    // A second start while the first runs reuses it (same port) and does not own it.
    let mut second = LocalPostgres::start(opts.clone()).await.expect("reuse");
    assert_eq!(second.port, first.port);
    second.stop(); // not owned: must not stop the server
    assert!(AsyncPgConnection::establish(&first.url).await.is_ok());

    first.stop();
    assert!(
        AsyncPgConnection::establish(&first.url).await.is_err(),
        "stopped"
    );

    // A crash leaves postmaster.pid naming a process that no longer exists.
    std::fs::write(
        root.join("pg/postmaster.pid"),
        "999999\n/x\n0\n5432\n\n127.0.0.1\n",
    )
    .unwrap();
    let mut third = LocalPostgres::start(opts).await.expect("start after crash");
    let mut conn = AsyncPgConnection::establish(&third.url).await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        v: i32,
    }
    let rows: Vec<V> = diesel::sql_query("SELECT v FROM kept")
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.v).collect::<Vec<_>>(),
        [42],
        "data survives restarts"
    );
    drop(conn);
    third.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    std::fs::remove_dir_all(root).ok();
}
