//! Claims of periodic jobs' periods in `job_runs`: one row per job and period, inserted
//! (or taken over) by exactly one instance.
//!
//! - [`claim`] is one statement, `INSERT … ON CONFLICT DO UPDATE … WHERE`: the row is
//!   inserted if the period is new, taken over if its claim neither finished nor holds a
//!   live lease, and left alone otherwise. PostgreSQL serialises concurrent claims of one
//!   row, so one of any number of instances gets the period.
//! - The claim's `attempts` is a fencing token: [`finish`] and [`fail`] only touch the row
//!   while it is still the caller's claim.
//! - A run that outlives its lease may be run again by another instance (at least once, not
//!   exactly once): leases are set far above a step's duration.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::job_runs;

/// Start of the period of length `every` that contains `now` (aligned on the Unix epoch).
pub fn period_start(now: DateTime<Utc>, every: std::time::Duration) -> DateTime<Utc> {
    let len = i64::try_from(every.as_millis()).unwrap_or(i64::MAX).max(1);
    let t = now.timestamp_millis();
    DateTime::from_timestamp_millis(t - t.rem_euclid(len)).unwrap_or(now)
}

/// Delay before a failed period is tried again: a minute, doubling per attempt, at most an
/// hour.
pub fn retry_delay(attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(6);
    Duration::minutes(1i64 << exp).min(Duration::hours(1))
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Integer)]
    attempts: i32,
}

/// Claims `job`'s period for `instance` until `lease_until`; the claim's attempt number
/// (its fencing token), or `None` when the period is finished or another claim holds it.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    job: &str,
    period: DateTime<Utc>,
    instance: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> QueryResult<Option<i32>> {
    let claimed: Option<Claimed> = diesel::sql_query(
        "INSERT INTO job_runs (job, period_start, instance, claimed_at, lease_until) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (job, period_start) DO UPDATE SET \
             instance = EXCLUDED.instance, claimed_at = EXCLUDED.claimed_at, \
             lease_until = EXCLUDED.lease_until, attempts = job_runs.attempts + 1 \
         WHERE job_runs.finished_at IS NULL AND job_runs.lease_until <= EXCLUDED.claimed_at \
         RETURNING attempts",
    )
    .bind::<Text, _>(job)
    .bind::<Timestamptz, _>(period)
    .bind::<Text, _>(instance)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .get_result(conn)
    .await
    .optional()?;
    Ok(claimed.map(|c| c.attempts))
}

/// Records that the claim `attempt` finished, having handled `items`; false when the claim
/// had been taken over meanwhile.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    job: &str,
    period: DateTime<Utc>,
    instance: &str,
    attempt: i32,
    now: DateTime<Utc>,
    items: usize,
) -> QueryResult<bool> {
    let n = diesel::update(
        job_runs::table
            .find((job, period))
            .filter(job_runs::instance.eq(instance))
            .filter(job_runs::attempts.eq(attempt))
            .filter(job_runs::finished_at.is_null()),
    )
    .set((
        job_runs::finished_at.eq(now),
        job_runs::items.eq(i32::try_from(items).unwrap_or(i32::MAX)),
        job_runs::last_error.eq(None::<String>),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Records that the claim `attempt` failed with `error`; any instance tries the period again
/// from `retry_at`.
pub async fn fail(
    conn: &mut AsyncPgConnection,
    job: &str,
    period: DateTime<Utc>,
    instance: &str,
    attempt: i32,
    retry_at: DateTime<Utc>,
    error: &str,
) -> QueryResult<bool> {
    let error: String = error.chars().take(2000).collect();
    let n = diesel::update(
        job_runs::table
            .find((job, period))
            .filter(job_runs::instance.eq(instance))
            .filter(job_runs::attempts.eq(attempt))
            .filter(job_runs::finished_at.is_null()),
    )
    .set((
        job_runs::lease_until.eq(retry_at),
        job_runs::last_error.eq(error),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Deletes the rows of periods that started before `before`; returns how many.
pub async fn prune(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(job_runs::table.filter(job_runs::period_start.lt(before)))
        .execute(conn)
        .await
}

/// One row of `job_runs`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_runs, check_for_backend(diesel::pg::Pg))]
pub struct JobRun {
    pub job: String,
    pub period_start: DateTime<Utc>,
    pub instance: String,
    pub claimed_at: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
    pub attempts: i32,
    pub finished_at: Option<DateTime<Utc>>,
    pub items: Option<i32>,
    pub last_error: Option<String>,
}

/// Every run of `job`, oldest period first.
pub async fn runs(conn: &mut AsyncPgConnection, job: &str) -> QueryResult<Vec<JobRun>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::period_start.asc())
        .select(JobRun::as_select())
        .load(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn days_start_at_midnight_utc_and_hours_on_the_hour() {
        let t: DateTime<Utc> = "2026-12-01T13:45:12.345Z".parse().unwrap();
        let day = std::time::Duration::from_secs(86_400);
        let hour = std::time::Duration::from_secs(3600);
        assert_eq!(
            period_start(t, day),
            "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            period_start(t, hour),
            "2026-12-01T13:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let midnight: DateTime<Utc> = "2026-12-02T00:00:00Z".parse().unwrap();
        assert_eq!(
            period_start(midnight, day),
            midnight,
            "a period includes its start"
        );
    }

    #[test]
    fn retry_delay_doubles_from_a_minute_to_an_hour() {
        let mins: Vec<i64> = (1..=8).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(mins, [1, 2, 4, 8, 16, 32, 60, 60]);
    }

    proptest! {
        #[test]
        fn a_period_contains_now_and_is_shared_by_every_instant_in_it(
            ms in 0i64..4_000_000_000_000, every_s in 1u64..200_000, back in 0i64..1_000_000
        ) {
            let now = DateTime::from_timestamp_millis(ms).unwrap();
            let every = std::time::Duration::from_secs(every_s);
            let start = period_start(now, every);
            prop_assert!(start <= now);
            prop_assert!(now - start < Duration::seconds(every_s as i64));
            let earlier = now - Duration::milliseconds(back);
            prop_assert_eq!(period_start(earlier, every) == start, earlier >= start);
        }
    }
}
