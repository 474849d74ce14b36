//! Liveness and readiness probes (outside `/api/v1`).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::error::Problem;
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// Probe answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers within 2 seconds.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, body = Health),
    (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    match tokio::time::timeout(Duration::from_secs(2), db::ping(&state.pool)).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(Health { status: "ok" })),
        Ok(Err(AppError::Internal(e))) => {
            tracing::warn!(error = format!("{e:#}"), "readiness check failed");
            Err(unavailable())
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(unavailable()),
    }
}

fn unavailable() -> AppError {
    AppError::Unavailable {
        code: ErrorCode::DatabaseUnavailable,
        detail: "The database does not answer.".into(),
    }
}
