//! What the email and the webhook outbox share: their tables differ in the payload columns,
//! but rows are claimed, paged, locked, re-queued and counted by the same SQL, and a failed
//! attempt's error is stored the same way.

/// The longest error text stored with an outbox row, in characters.
pub const MAX_ERROR_CHARS: usize = 2000;

/// `error` as an outbox row stores it: its first [`MAX_ERROR_CHARS`] characters.
pub fn stored_error(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// Defines, in a repo module, the queries of the outbox table `$table` (a `crate::schema`
/// module with `id`, `status`, `created_at`, `next_attempt_at` and
/// `retry_window_started_at`) whose rows the operations pages show as `$row` and the
/// worker claims as `$due` (both `Selectable` on `$table`):
/// - `lock_due`: up to `limit` pending rows due at `now`, oldest due first, locked until the
///   transaction ends; rows another worker holds are skipped;
/// - `list`, `find_for_update`, `requeue` and `count_by_status`.
///
/// The calling module has `diesel::prelude::*` and `diesel_async::RunQueryDsl` in scope,
/// as every repo does.
macro_rules! outbox_queries {
    ($table:ident, row: $row:ident, due: $due:ident) => {
        /// Up to `limit` pending rows due at `now`, oldest due first, locked until the
        /// transaction ends; rows locked by another worker are skipped.
        async fn lock_due(
            conn: &mut ::diesel_async::AsyncPgConnection,
            now: ::chrono::DateTime<::chrono::Utc>,
            limit: i64,
        ) -> ::diesel::QueryResult<Vec<$due>> {
            $table::table
                .filter($table::status.eq("pending"))
                .filter($table::next_attempt_at.le(now))
                .order($table::next_attempt_at.asc())
                .limit(limit)
                .select($due::as_select())
                .for_update()
                .skip_locked()
                .load(conn)
                .await
        }

        /// A page of rows of one status (or all), newest first, after a `(created_at, id)`
        /// cursor.
        pub async fn list(
            conn: &mut ::diesel_async::AsyncPgConnection,
            status: Option<&str>,
            after: Option<(::chrono::DateTime<::chrono::Utc>, ::uuid::Uuid)>,
            limit: i64,
        ) -> ::diesel::QueryResult<Vec<$row>> {
            let mut q = $table::table.select($row::as_select()).into_boxed();
            if let Some(s) = status {
                q = q.filter($table::status.eq(s.to_owned()));
            }
            if let Some((at, id)) = after {
                q = q.filter(
                    $table::created_at
                        .lt(at)
                        .or($table::created_at.eq(at).and($table::id.lt(id))),
                );
            }
            q.order(($table::created_at.desc(), $table::id.desc()))
                .limit(limit)
                .load(conn)
                .await
        }

        /// One row, locked for update.
        pub async fn find_for_update(
            conn: &mut ::diesel_async::AsyncPgConnection,
            id: ::uuid::Uuid,
        ) -> ::diesel::QueryResult<Option<$row>> {
            $table::table
                .find(id)
                .select($row::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()
        }

        /// Puts a row back in the queue now, with a fresh 48-hour retry window.
        pub async fn requeue(
            conn: &mut ::diesel_async::AsyncPgConnection,
            id: ::uuid::Uuid,
            now: ::chrono::DateTime<::chrono::Utc>,
        ) -> ::diesel::QueryResult<$row> {
            diesel::update($table::table.find(id))
                .set((
                    $table::status.eq("pending"),
                    $table::next_attempt_at.eq(now),
                    $table::retry_window_started_at.eq(now),
                ))
                .returning($row::as_returning())
                .get_result(conn)
                .await
        }

        /// How many rows have `status`.
        pub async fn count_by_status(
            conn: &mut ::diesel_async::AsyncPgConnection,
            status: &str,
        ) -> ::diesel::QueryResult<i64> {
            $table::table
                .filter($table::status.eq(status))
                .count()
                .get_result(conn)
                .await
        }
    };
}
pub(crate) use outbox_queries;
