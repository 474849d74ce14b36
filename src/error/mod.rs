//! One error type for the whole HTTP surface, rendered as RFC 9457 problem details
//! (`application/problem+json`) in exactly one place: [`AppError::error_response`].
//!
//! Every problem carries a stable snake_case `code`; clients switch on it, never on `title`
//! or `detail`. Internal errors are logged with their cause chain and answered with a
//! generic 500 whose body reveals nothing.

use crate::db::PoolError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::BODY_LIMIT;
use crate::decimal;

mod codes;

pub use codes::ErrorCode;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a 422 answer.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field (`email`, `lines[2].unit_price`), empty for the whole body.
    pub field: String,
    /// Stable snake_case reason (`required`, `too_short`, `common_password`…).
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// An error and its causes on one line (`a: b: c`), for logs and operator-facing reports.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// The RFC 9457 body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference identifying the problem type (`/problems/<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// Stable machine-readable identifier.
    pub code: ErrorCode,
    /// Invalid fields (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body or a parameter cannot be parsed at all.
    #[error("bad request: {detail}")]
    BadRequest { code: ErrorCode, detail: String },
    /// 401: no credentials, or credentials that are not (or no longer) valid.
    #[error("unauthenticated: {code}")]
    Unauthenticated { code: ErrorCode, detail: String },
    /// 403: the caller's role may never do this.
    #[error("forbidden")]
    Forbidden,
    /// 404: unknown, or not visible to the caller (the two are indistinguishable).
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    /// 409: not allowed in the current state.
    #[error("conflict: {code}")]
    Conflict { code: ErrorCode, detail: String },
    /// 413: body over the limit.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 415: body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: well-formed but invalid field values.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: throttled; retry after the given number of seconds.
    #[error("rate limited")]
    RateLimited {
        code: ErrorCode,
        retry_after_secs: u64,
    },
    /// 503: a dependency (the database) is unavailable right now.
    #[error("unavailable: {detail}")]
    Unavailable { code: ErrorCode, detail: String },
    /// 500: a bug or an unexpected failure; logged, never echoed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 409 with a stable code.
    pub fn conflict(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// A 401 with a stable code.
    pub fn unauthenticated(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Unauthenticated {
            code,
            detail: detail.into(),
        }
    }

    /// A 422 about one field.
    pub fn invalid(field: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    fn parts(&self) -> (StatusCode, ErrorCode, &'static str, String) {
        match self {
            Self::BadRequest { code, detail } => (
                StatusCode::BAD_REQUEST,
                *code,
                "Bad request",
                detail.clone(),
            ),
            Self::Unauthenticated { code, detail } => (
                StatusCode::UNAUTHORIZED,
                *code,
                "Unauthenticated",
                detail.clone(),
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "Forbidden",
                "Your role may not perform this action.".into(),
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "Not found",
                "The resource does not exist or is not visible to you.".into(),
            ),
            Self::MethodNotAllowed { allow } => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                "Method not allowed",
                format!("This resource supports: {allow}."),
            ),
            Self::Conflict { code, detail } => {
                (StatusCode::CONFLICT, *code, "Conflict", detail.clone())
            }
            Self::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                "Payload too large",
                format!("The request body exceeds {limit} bytes."),
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
                "Unsupported media type",
                "Send the body as application/json.".into(),
            ),
            Self::Validation(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                "Invalid field values",
                match errors.as_slice() {
                    [one] if !one.field.is_empty() => format!("{}: {}", one.field, one.message),
                    [one] => one.message.clone(),
                    many => format!("{} fields are invalid.", many.len()),
                },
            ),
            Self::RateLimited {
                code,
                retry_after_secs,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                *code,
                "Too many requests",
                format!("Try again in {retry_after_secs} seconds."),
            ),
            Self::Unavailable { code, detail } => (
                StatusCode::SERVICE_UNAVAILABLE,
                *code,
                "Service unavailable",
                detail.clone(),
            ),
            Self::Internal(e) if lost_database(e) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::DatabaseUnavailable,
                "Service unavailable",
                LOST.into(),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "Internal server error",
                "An unexpected error occurred; it has been logged.".into(),
            ),
        }
    }

    /// The problem body this error renders to.
    pub fn problem(&self) -> Problem {
        let (status, code, title, detail) = self.parts();
        let code = match self {
            Self::Validation(errors) => shared_code(errors),
            _ => code,
        };
        Problem {
            type_: format!("/problems/{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            code,
            errors: match self {
                Self::Validation(e) => Some(e.clone()),
                _ => None,
            },
        }
    }
}

/// The `code` of a 422: the field errors' code when they all share one (so a client can
/// switch on `invalid_business_number` or `rationale_required` directly), else
/// `validation_failed`.
fn shared_code(errors: &[FieldError]) -> ErrorCode {
    match errors.first() {
        Some(first) if errors.iter().all(|e| e.code == first.code) => first.code,
        _ => ErrorCode::ValidationFailed,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(err) = self {
            if lost_database(err) {
                tracing::warn!(error = format!("{err:#}"), "database connection lost");
            } else {
                tracing::error!(error = format!("{err:#}"), "internal error");
            }
        }
        let problem = self.problem();
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            Self::Unauthenticated { code, .. } => {
                let value = if *code == ErrorCode::MissingToken {
                    "Bearer realm=\"coprocure\"".to_owned()
                } else {
                    format!("Bearer realm=\"coprocure\", error=\"invalid_token\", error_description=\"{code}\"")
                };
                res.insert_header((header::WWW_AUTHENTICATE, value));
            }
            Self::MethodNotAllowed { allow } => {
                res.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
            }
            Self::RateLimited {
                retry_after_secs, ..
            } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Unavailable { .. } => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Internal(e) if lost_database(e) => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        // serde_json cannot fail on this struct; fall back to an empty object regardless.
        res.body(serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec()))
    }
}

const LOST: &str = "The connection to the database was lost; try again shortly.";

/// Messages of the errors PostgreSQL sends as it drops a session or refuses a new one
/// during a shutdown, restart or crash recovery (SQLSTATE class 57P; diesel does not expose
/// the SQLSTATE, only the message, which is English unless `lc_messages` says otherwise —
/// the next statement on such a connection fails as "connection closed" in any case).
const SERVER_GOING_AWAY: [&str; 6] = [
    "terminating connection due to administrator command",
    "terminating connection because of crash of another server process",
    "terminating connection due to unexpected postmaster exit",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
];

/// Whether a database error means the connection to the server is gone (the server shut
/// down, restarted or crashed, or the network dropped) rather than that the statement was
/// wrong: the request did not happen and can be retried, so it is a 503, not a 500.
pub fn connection_lost(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as K, Error};
    match err {
        Error::DatabaseError(K::UnableToSendCommand | K::ClosedConnection, _) => true,
        Error::DatabaseError(K::Unknown, info) => SERVER_GOING_AWAY
            .iter()
            .any(|m| info.message().starts_with(m)),
        // The connection broke in the middle of BEGIN, COMMIT or ROLLBACK.
        Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit {
            commit_error,
            rollback_error,
        } => connection_lost(commit_error) || connection_lost(rollback_error),
        _ => false,
    }
}

/// Whether an internal error was caused by a lost database connection (anywhere in its
/// chain: repositories and workers wrap diesel errors in `anyhow`).
fn lost_database(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<diesel::result::Error>()
            .is_some_and(connection_lost)
    })
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        if let Some(known) = violation(&err) {
            return known.into();
        }
        match err {
            diesel::result::Error::NotFound => Self::NotFound,
            diesel::result::Error::DatabaseError(_, ref info) if is_nul_refusal(info.message()) => {
                // Input validation refuses NUL characters field by field; should one still
                // reach PostgreSQL, the statement fails, its transaction rolls back, and the
                // client gets the same 422 rather than a 500.
                tracing::warn!(error = %err, "a NUL character reached the database");
                Self::invalid(
                    "",
                    ErrorCode::InvalidCharacters,
                    "text must not contain NUL characters",
                )
            }
            lost if connection_lost(&lost) => {
                tracing::warn!(error = %lost, "database connection lost");
                Self::Unavailable {
                    code: ErrorCode::DatabaseUnavailable,
                    detail: LOST.into(),
                }
            }
            other => Self::Internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

/// Whether PostgreSQL refused a statement because a text (22021) or jsonb (22P05) value
/// held a NUL character.
fn is_nul_refusal(message: &str) -> bool {
    (message.contains("invalid byte sequence") && message.contains("0x00"))
        || message.contains("unsupported Unicode escape sequence")
}

/// What a violated database constraint means to the client.
#[derive(Debug, Clone, Copy)]
pub enum Violation {
    /// A 422 on one field: the value is unacceptable (already in use…).
    Field(&'static str, ErrorCode, &'static str),
    /// A 409: the state does not allow the write.
    Conflict(ErrorCode, &'static str),
}

/// Every constraint (or unique index) whose violation is the client's doing, by name: the
/// one place where database constraints become API errors. A violation of any other
/// constraint is a bug and stays a 500.
pub const CONSTRAINTS: &[(&str, Violation)] = &[
    (
        "users_email_key",
        Violation::Field("email", ErrorCode::Taken, TAKEN),
    ),
    (
        "cooperatives_business_number_key",
        Violation::Field("business_number", ErrorCode::Taken, TAKEN),
    ),
    (
        "members_business_number_key",
        Violation::Field("business_number", ErrorCode::Taken, TAKEN),
    ),
    (
        "suppliers_business_number_key",
        Violation::Field("business_number", ErrorCode::Taken, TAKEN),
    ),
    (
        "suppliers_tax_id_key",
        Violation::Field("tax_id", ErrorCode::Taken, TAKEN),
    ),
    (
        "materials_code_key",
        Violation::Field("code", ErrorCode::Taken, TAKEN),
    ),
    (
        "rfq_lines_one_live_per_material",
        Violation::Conflict(
            ErrorCode::MaterialInLiveRfq,
            "A material of this RFQ is already in another live RFQ of the round; cancel that one first.",
        ),
    ),
    (
        "quotes_one_per_supplier",
        Violation::Conflict(
            ErrorCode::QuoteExists,
            "You have quoted on this RFQ already; revise it with PUT /quotes/{id}.",
        ),
    ),
    (
        "awards_one_per_rfq",
        Violation::Conflict(
            ErrorCode::AlreadyAwarded,
            "This RFQ has been awarded already.",
        ),
    ),
];

const TAKEN: &str = "is already in use";

/// The meaning of a unique or foreign-key violation of a constraint listed in
/// [`CONSTRAINTS`], if `err` is one.
pub fn violation(err: &diesel::result::Error) -> Option<Violation> {
    use diesel::result::{DatabaseErrorKind as K, Error};
    match err {
        Error::DatabaseError(K::UniqueViolation | K::ForeignKeyViolation, info) => {
            let name = info.constraint_name()?;
            CONSTRAINTS
                .iter()
                .find(|(c, _)| *c == name)
                .map(|(_, v)| *v)
        }
        _ => None,
    }
}

impl From<Violation> for AppError {
    fn from(v: Violation) -> Self {
        match v {
            Violation::Field(field, code, message) => Self::invalid(field, code, message),
            Violation::Conflict(code, detail) => Self::conflict(code, detail),
        }
    }
}

impl From<PoolError> for AppError {
    fn from(err: PoolError) -> Self {
        match err {
            PoolError::Timeout(_) => Self::Unavailable {
                code: ErrorCode::DatabaseUnavailable,
                detail: "No database connection became available in time; try again shortly."
                    .into(),
            },
            PoolError::Backend(e) => {
                tracing::warn!(error = %e, "cannot connect to the database");
                Self::Unavailable {
                    code: ErrorCode::DatabaseUnavailable,
                    detail: "The database cannot be reached right now; try again shortly.".into(),
                }
            }
            other => Self::Internal(anyhow::anyhow!("connection pool: {other}")),
        }
    }
}

impl From<actix_web::error::JsonPayloadError> for AppError {
    fn from(err: actix_web::error::JsonPayloadError) -> Self {
        use actix_web::error::JsonPayloadError as J;
        match err {
            J::OverflowKnownLength { limit, .. } | J::Overflow { limit } => {
                Self::PayloadTooLarge { limit }
            }
            J::ContentType => Self::UnsupportedMediaType,
            J::Deserialize(e) if e.is_data() => {
                let message = e.to_string();
                // A decimal refused as it was parsed keeps its own code (`too_precise`…).
                let code = decimal::error_code(&message).unwrap_or(ErrorCode::InvalidBody);
                Self::invalid("", code, message)
            }
            J::Deserialize(e) => Self::BadRequest {
                code: ErrorCode::MalformedJson,
                detail: format!("The body is not valid JSON: {e}"),
            },
            J::Payload(actix_web::error::PayloadError::Overflow) => {
                Self::PayloadTooLarge { limit: BODY_LIMIT }
            }
            other => Self::BadRequest {
                code: ErrorCode::MalformedBody,
                detail: format!("The body cannot be read: {other}"),
            },
        }
    }
}

impl From<actix_web::error::QueryPayloadError> for AppError {
    fn from(err: actix_web::error::QueryPayloadError) -> Self {
        Self::invalid("", ErrorCode::InvalidQuery, err.to_string())
    }
}

impl From<actix_web::error::PathError> for AppError {
    fn from(_: actix_web::error::PathError) -> Self {
        // A path segment that is not a valid id cannot name a visible resource.
        Self::NotFound
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(
        err: AppError,
    ) -> (
        StatusCode,
        serde_json::Value,
        actix_web::http::header::HeaderMap,
    ) {
        let res = err.error_response();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), headers)
    }

    #[test]
    fn internal_errors_reveal_nothing() {
        let (status, body, _) = body_of(AppError::Internal(anyhow::anyhow!(
            "password=hunter2 at db.internal"
        )));
        assert_eq!(status, 500);
        assert_eq!(body["code"], "internal_error");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[test]
    fn validation_lists_fields() {
        let (status, body, headers) = body_of(AppError::invalid(
            "email",
            ErrorCode::Required,
            "email is required",
        ));
        assert_eq!(status, 422);
        assert_eq!(headers.get("content-type").unwrap(), PROBLEM_JSON);
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(
            body["code"], "required",
            "one field error: its code is the problem's code"
        );
        assert_eq!(body["type"], "/problems/required");
        assert_eq!(body["status"], 422);
    }

    #[test]
    fn unauthenticated_carries_www_authenticate() {
        let (_, _, headers) = body_of(AppError::unauthenticated(
            ErrorCode::TokenExpired,
            "expired",
        ));
        let v = headers.get("www-authenticate").unwrap().to_str().unwrap();
        assert!(v.starts_with("Bearer"));
        assert!(v.contains("invalid_token"));
    }

    #[test]
    fn a_lost_database_connection_is_a_503_with_retry_after() {
        use diesel::result::{DatabaseErrorKind, Error};
        let closed = || {
            Error::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand,
                Box::new("connection closed".to_owned()),
            )
        };
        let shutdown = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("terminating connection due to administrator command".to_owned()),
        );
        for err in [
            AppError::from(closed()),
            AppError::from(shutdown),
            AppError::from(Error::BrokenTransactionManager),
            // Wrapped in anyhow on the way up, as repositories and the outbox do.
            AppError::Internal(anyhow::Error::new(closed()).context("cannot enqueue")),
        ] {
            let (status, body, headers) = body_of(err);
            assert_eq!(status, 503);
            assert_eq!(body["code"], "database_unavailable");
            assert_eq!(headers.get("retry-after").unwrap(), "5");
        }
        let syntax = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("syntax error at or near \"SELEC\"".to_owned()),
        );
        assert_eq!(AppError::from(syntax).status_code(), 500);
        assert_eq!(
            AppError::Internal(anyhow::anyhow!("connection closed")).status_code(),
            500,
            "only a diesel error in the chain counts"
        );
    }

    #[test]
    fn listed_constraints_exist_and_their_violations_map_to_errors() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut sql = String::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let up = entry.unwrap().path().join("up.sql");
            sql.push_str(&std::fs::read_to_string(up).unwrap_or_default());
        }
        for (name, _) in CONSTRAINTS {
            assert!(sql.contains(name), "{name} is not in any migration");
        }

        struct Info(&'static str);
        impl diesel::result::DatabaseErrorInformation for Info {
            fn message(&self) -> &str {
                "duplicate key value violates unique constraint"
            }
            fn details(&self) -> Option<&str> {
                None
            }
            fn hint(&self) -> Option<&str> {
                None
            }
            fn table_name(&self) -> Option<&str> {
                None
            }
            fn column_name(&self) -> Option<&str> {
                None
            }
            fn constraint_name(&self) -> Option<&str> {
                Some(self.0)
            }
            fn statement_position(&self) -> Option<i32> {
                None
            }
        }
        let unique = |name| {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                Box::new(Info(name)),
            )
        };
        let taken = AppError::from(unique("suppliers_tax_id_key")).problem();
        assert_eq!((taken.status, taken.code), (422, ErrorCode::Taken));
        assert_eq!(taken.errors.unwrap()[0].field, "tax_id");
        let awarded = AppError::from(unique("awards_one_per_rfq")).problem();
        assert_eq!(
            (awarded.status, awarded.code),
            (409, ErrorCode::AlreadyAwarded)
        );
        let other = AppError::from(unique("audit_chain_position"));
        assert_eq!(other.status_code(), 500, "an unlisted constraint is a bug");
    }

    #[test]
    fn diesel_not_found_is_404() {
        assert_eq!(
            AppError::from(diesel::result::Error::NotFound).status_code(),
            404
        );
    }
}
