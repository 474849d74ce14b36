//! Rendering: askama templates to HTML responses, redirects, and the localized error pages
//! browsers get where the API answers problem+json.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, HttpResponseBuilder};
use askama::Template;

use super::session::{login_url, Page};
use crate::error::{AppError, ErrorCode};

/// `text/html` with `status`.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body)
}

/// A template rendered with 200.
pub fn page<T: Template>(tpl: &T) -> Result<HttpResponse, AppError> {
    page_with(StatusCode::OK, tpl)
}

/// A template rendered with `status` (e.g. 422 for a form with errors).
pub fn page_with<T: Template>(status: StatusCode, tpl: &T) -> Result<HttpResponse, AppError> {
    let body = tpl
        .render()
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("template")))?;
    Ok(html(status, body))
}

/// `303 See Other` to `location` (after a form post).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A CSV download named `filename` (200), the body to add whole or streamed.
pub fn csv_download(filename: &str) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ));
    res
}

/// The error page.
#[derive(Template)]
#[template(path = "web/error.html")]
pub struct ErrorPage<'a> {
    pub page: &'a Page,
    pub heading: &'static str,
    pub body: String,
}

/// The localized page for a failed request (`error` with `status`): 401 leads to the
/// sign-in page (coming back here after a GET); everything else is a page saying what
/// happened, with the same status.
pub fn error_response(
    page: &Page,
    status: StatusCode,
    error: Option<&AppError>,
    get: bool,
) -> HttpResponse {
    let t = page.t;
    if status == StatusCode::UNAUTHORIZED {
        let mut url = login_url(if get { &page.path } else { "/" });
        if page.stale_session {
            url.push_str(if url.contains('?') {
                "&expired=1"
            } else {
                "?expired=1"
            });
        }
        return see_other(&url);
    }
    let (heading, body) = match (status, error) {
        (StatusCode::FORBIDDEN, _) => (t.error_forbidden_title, t.error_forbidden_body.to_owned()),
        (StatusCode::NOT_FOUND, _) => (t.error_not_found_title, t.error_not_found_body.to_owned()),
        (
            StatusCode::CONFLICT,
            Some(AppError::Conflict {
                code: ErrorCode::Sealed,
                ..
            }),
        ) => (t.error_conflict_title, t.error_sealed_body.to_owned()),
        (StatusCode::CONFLICT, _) => (t.error_conflict_title, t.error_conflict_body.to_owned()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some(AppError::RateLimited {
                retry_after_secs, ..
            }),
        ) => (t.error_rate_limited_title, t.retry_in(*retry_after_secs)),
        (StatusCode::TOO_MANY_REQUESTS, _) => (t.error_rate_limited_title, t.retry_in(60)),
        (StatusCode::SERVICE_UNAVAILABLE, _) => (
            t.error_unavailable_title,
            t.error_unavailable_body.to_owned(),
        ),
        (s, _) if s.is_client_error() => (
            t.error_bad_request_title,
            t.error_bad_request_body.to_owned(),
        ),
        _ => (t.error_internal_title, t.error_internal_body.to_owned()),
    };
    error_page(page, status, heading, body)
}

/// An error page with a heading and a message.
pub fn error_page(
    page: &Page,
    status: StatusCode,
    heading: &'static str,
    body: String,
) -> HttpResponse {
    let tpl = ErrorPage {
        page,
        heading,
        body,
    };
    match tpl.render() {
        Ok(b) => html(status, b),
        Err(e) => {
            tracing::error!(error = %e, "error page template failed");
            HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body(heading)
        }
    }
}

/// The page for a refused cross-site (or token-less) request: 403, nothing changed.
pub fn csrf_refused(page: &Page) -> HttpResponse {
    error_page(
        page,
        StatusCode::FORBIDDEN,
        page.t.error_csrf_title,
        page.t.error_csrf_body.to_owned(),
    )
}
