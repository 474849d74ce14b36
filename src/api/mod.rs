//! The HTTP surface: routing, body limits, security headers, problem+json for every
//! failure the framework itself detects (unknown route, wrong method, bad body), health
//! checks and the OpenAPI document.

pub mod extract;
pub mod health;
pub mod idempotency;
pub mod openapi;
pub mod pagination;
pub mod v1;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest};

use crate::config::BODY_LIMIT;
use crate::error::{AppError, ErrorCode};

/// Registers every route and the request-body configuration.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(BODY_LIMIT)
            .error_handler(|err, _req: &HttpRequest| AppError::from(err).into()),
    )
    .app_data(web::PayloadConfig::default().limit(BODY_LIMIT))
    .app_data(web::QueryConfig::default().error_handler(|err, _| AppError::from(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, _| AppError::from(err).into()))
    .service(resource("/healthz", "GET").route(web::get().to(health::healthz)))
    .service(resource("/readyz", "GET").route(web::get().to(health::readyz)))
    .service(resource("/api/docs", "GET").route(web::get().to(|| async {
        actix_web::HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, "/api/docs/"))
            .finish()
    })))
    .service(resource(openapi::DOCUMENT_PATH, "GET").route(web::get().to(openapi::document)))
    .service(openapi::swagger_ui())
    .service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(idempotency::handle))
            .wrap(actix_web::middleware::from_fn(reject_nul_in_query))
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .configure(v1::configure),
    );
}

/// Refuses a query string with a NUL character in a parameter's name or value (after
/// percent-decoding, as `web::Query` reads it): PostgreSQL cannot store or compare text
/// holding one. 422 `invalid_characters` naming the parameter, for every query parameter
/// of every operation at once. (Bodies need no such guard: their text fields go through
/// `validation`, which refuses control characters; see also `error.rs`.)
pub async fn reject_nul_in_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let bad = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| {
            k.chars()
                .take(100)
                .map(|c| if c == '\0' { '\u{FFFD}' } else { c })
                .collect::<String>()
        });
    if let Some(field) = bad {
        let err = AppError::invalid(
            field,
            ErrorCode::InvalidCharacters,
            "must not contain NUL characters",
        );
        return Ok(req.into_response(actix_web::ResponseError::error_response(&err)));
    }
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_boxed_body)
}

/// Headers sent on every response.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// Name of the response header carrying the request id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Converts a request id to a header value.
pub fn request_id_value(id: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(id).ok()
}

/// A resource whose unsupported methods answer 405 with `Allow: <allow>`.
pub fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(AppError::MethodNotAllowed { allow })
    }))
}

/// `201 Created` with a `Location` header.
pub fn created(location: String, body: &impl serde::Serialize) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// Whether a report endpoint should answer CSV: `?format=csv|json` decides, else an
/// `Accept: text/csv` header; any other format is a 422.
pub fn wants_csv(format: Option<&str>, req: &actix_web::HttpRequest) -> Result<bool, AppError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(AppError::invalid(
            "format",
            ErrorCode::InvalidFormat,
            "must be `json` or `csv`",
        )),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
    }
}

/// The answer for any unknown route.
pub async fn not_found() -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
