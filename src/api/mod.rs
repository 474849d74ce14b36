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

/// Resources grouped into a tree of scopes by their leading segments, the way they are
/// matched. actix tries one service's pattern after another until one matches, and a
/// pattern with a `{param}` is a regex run over the path — twice per request, since the
/// request span's route name matches again. Among 58 API resources, a request for one of
/// the last ran some forty regexes (14 % of the server's CPU under demand entry). Here a
/// route's first segment becomes a static scope (a string comparison) and, when its second
/// segment is a parameter, a scope of that parameter follows (one regex for all the
/// resources below it): `/rounds/{id}/demand` is `/rounds` → `/{id}` → `/demand`.
///
/// Groups differ in their static first segment, so their order does not matter. Within a
/// group, resources keep the order they were added in, and the group's own resources come
/// before its parameter scope: a static second segment (`/fx-rates/refresh`) wins over a
/// parameter one, whatever order the two were added in.
#[derive(Default)]
pub struct Routes {
    groups: Vec<Group>,
}

/// The resources under one static first segment: its own (`""`, `/outbox`, …) and those
/// under a parameter second segment.
struct Group {
    prefix: &'static str,
    resources: Vec<actix_web::Resource>,
    param: Option<(&'static str, Vec<actix_web::Resource>)>,
}

impl Routes {
    /// Adds the resource at `path` (relative to where the routes are registered; its first
    /// segment must be static), answering 405 with `allow` to other methods; `routes`
    /// gives it its methods.
    pub fn add(
        &mut self,
        path: &'static str,
        allow: &'static str,
        routes: impl FnOnce(actix_web::Resource) -> actix_web::Resource,
    ) {
        let (prefix, rest) = split_first_segment(path);
        assert!(
            !prefix.contains('{'),
            "route {path}: its first segment must be static"
        );
        let at = match self.groups.iter().position(|g| g.prefix == prefix) {
            Some(i) => i,
            None => {
                self.groups.push(Group {
                    prefix,
                    resources: Vec::new(),
                    param: None,
                });
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[at];
        let (second, below) = if rest.is_empty() {
            ("", "")
        } else {
            split_first_segment(rest)
        };
        if second.starts_with("/{") && second.ends_with('}') {
            let (param, resources) = group.param.get_or_insert((second, Vec::new()));
            assert_eq!(
                *param, second,
                "route {path}: one parameter name per segment"
            );
            resources.push(routes(resource(below, allow)));
        } else {
            group.resources.push(routes(resource(rest, allow)));
        }
    }

    /// Registers the tree of scopes.
    pub fn register(self, cfg: &mut web::ServiceConfig) {
        for g in self.groups {
            let mut scope = g
                .resources
                .into_iter()
                .fold(web::scope(g.prefix), |scope, r| scope.service(r));
            if let Some((param, resources)) = g.param {
                scope = scope.service(
                    resources
                        .into_iter()
                        .fold(web::scope(param), |scope, r| scope.service(r)),
                );
            }
            cfg.service(scope);
        }
    }
}

/// `/rounds/{id}/demand` → (`/rounds`, `/{id}/demand`); `/rfqs` → (`/rfqs`, ``).
fn split_first_segment(path: &'static str) -> (&'static str, &'static str) {
    assert!(path.starts_with('/'), "route {path} must start with /");
    let end = path[1..].find('/').map_or(path.len(), |i| i + 1);
    path.split_at(end)
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

#[cfg(test)]
mod tests {
    use super::split_first_segment;

    #[test]
    fn a_route_splits_at_its_first_segment() {
        assert_eq!(
            split_first_segment("/rounds/{id}/demand"),
            ("/rounds", "/{id}/demand")
        );
        assert_eq!(split_first_segment("/rfqs"), ("/rfqs", ""));
        assert_eq!(split_first_segment("/auth/login"), ("/auth", "/login"));
    }

    #[test]
    #[should_panic(expected = "must be static")]
    fn a_route_whose_first_segment_is_a_parameter_is_refused() {
        // (A variable, not a literal: `tests/it/health.rs` reads the literal calls of `add`
        // in this file as the application's routes.)
        let path = "/{id}/demand";
        super::Routes::default().add(path, "GET", |r| r);
    }
}
