//! The OpenAPI document, generated from the handlers' annotations, and Swagger UI served
//! from assets vendored into the binary (no CDN at run time, no download at build time).

use std::sync::OnceLock;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};

use actix_web::http::header::ContentType;
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::{health, v1};
use crate::error::{ErrorCode, FieldError, Problem, PROBLEM_JSON};
use crate::notifications::OutboxStatus;

/// The whole API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "coprocure API",
        description = "Joint raw-material procurement for SME cooperatives. Errors are RFC 9457 problem+json with a stable `code`; decimals are JSON strings.",
    ),
    paths(
        health::healthz,
        health::readyz,
        v1::auth::login,
        v1::auth::refresh,
        v1::auth::logout,
        v1::auth::change_password,
        v1::auth::forgot_password,
        v1::auth::reset_password,
        v1::auth::me,
        v1::organisations::accept_invite,
        v1::organisations::claim_account,
        v1::organisations::create_cooperative,
        v1::organisations::list_cooperatives,
        v1::organisations::get_cooperative,
        v1::organisations::create_member,
        v1::organisations::list_members,
        v1::organisations::get_member,
        v1::organisations::update_member,
        v1::organisations::update_cooperative,
        v1::organisations::create_coop_user,
        v1::organisations::list_coop_users,
        v1::organisations::get_user,
        v1::organisations::update_user,
        v1::organisations::create_supplier,
        v1::organisations::list_suppliers,
        v1::organisations::get_supplier,
        v1::organisations::create_supplier_user,
        v1::organisations::list_supplier_users,
        v1::organisations::create_material,
        v1::organisations::list_materials,
        v1::organisations::get_material,
        v1::organisations::update_material,
        v1::organisations::list_units,
        v1::rounds::create_round,
        v1::rounds::list_rounds,
        v1::rounds::get_round,
        v1::rounds::open_round,
        v1::rounds::close_round,
        v1::rounds::cancel_round,
        v1::rounds::submit_demand,
        v1::rounds::list_demand,
        v1::rounds::update_demand,
        v1::rounds::delete_demand,
        v1::rounds::aggregate,
        v1::rfqs::create_rfq,
        v1::rfqs::list_rfqs,
        v1::rfqs::get_rfq,
        v1::rfqs::update_rfq,
        v1::rfqs::publish_rfq,
        v1::rfqs::cancel_rfq,
        v1::rfqs::submit_quote,
        v1::rfqs::list_quotes,
        v1::rfqs::get_quote,
        v1::rfqs::revise_quote,
        v1::rfqs::withdraw_quote,
        v1::rfqs::quote_revisions,
        v1::fx::get_comparison,
        v1::fx::create_rate,
        v1::fx::list_rates,
        v1::fx::refresh,
        v1::purchase_orders::award,
        v1::purchase_orders::list,
        v1::purchase_orders::get,
        v1::purchase_orders::acknowledge,
        v1::transparency::award_report,
        v1::transparency::verify_report,
        v1::transparency::rfq_releases,
        v1::transparency::rfq_record,
        v1::transparency::feed,
        v1::transparency::get_settings,
        v1::transparency::put_settings,
        v1::admin::list_outbox,
        v1::admin::retry_outbox,
        v1::admin::list_webhooks,
        v1::admin::retry_webhook,
        v1::admin::verify_platform_audit,
        v1::admin::verify_cooperative_audit,
        v1::admin::list_cooperative_audit,
    ),
    components(schemas(
        Problem,
        FieldError,
        ErrorCode,
        OutboxStatus,
    )),
    modifiers(&BearerAuth, &StandardProblems),
    tags(
        (name = "health", description = "Probes"),
        (name = "auth", description = "Login, tokens, sessions"),
        (name = "organisations", description = "Cooperatives, members, suppliers, users"),
        (name = "catalog", description = "Materials and units"),
        (name = "demand", description = "Demand rounds, demand lines, aggregation"),
        (name = "rfqs", description = "Requests for quotation to domestic and overseas suppliers"),
        (name = "quotes", description = "Sealed quotes, revisions and their receipts"),
        (name = "comparison", description = "Landed-cost comparison and the optimal award suggestion"),
        (name = "purchase-orders", description = "Joint purchase orders and member allocations"),
        (name = "transparency", description = "Award reports for members and the OCDS 1.1.5 export"),
        (name = "fx", description = "FX rates: manual entry and provider feeds"),
        (name = "operations", description = "Email and webhook outboxes, audit trail (platform admins)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Declares on every operation the problem answers its properties make possible, so 60-odd
/// annotations need not repeat them (an answer an annotation already declares keeps its
/// description; codes it does not mention are appended):
///
/// - bearer security: 401 (missing, invalid, expired or revoked token); 403 (a role that
///   may never do this) except on the few operations every role may call;
/// - a path parameter: 404 (unknown, outside the caller's reach, or not an id at all);
/// - a JSON body: 400 (not JSON), 413 (over 1 MiB), 415 (not `application/json`), 422;
/// - query parameters: 422 (unparsable, out of range, or holding a NUL character);
/// - an authenticated POST under `/api/v1`: the `Idempotency-Key` header with its 409 and
///   422 (the idempotency middleware's answers);
/// - `/api/v1/auth/*`: 429 `rate_limited` (per-IP limit) with `Retry-After`;
/// - anything that reads the database: 503 `database_unavailable` with `Retry-After`.
struct StandardProblems;

/// Secured operations every role may call (no 403).
const ANY_ROLE: &[(&str, &str)] = &[
    ("get", "/api/v1/me"),
    ("post", "/api/v1/auth/password"),
    ("get", "/api/v1/fx-rates"),
    ("get", "/api/v1/rfqs/{id}/award-report"),
    ("get", "/api/v1/rfqs/{id}/award-report/verify"),
];

/// Operations that never touch the database (no 503).
const NO_DATABASE: &[&str] = &["/healthz", "/api/v1/units"];

fn problem_response(description: &str, retry_after: bool) -> Response {
    let mut builder = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    if retry_after {
        builder = builder.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                ))
                .description(Some("Seconds to wait before retrying."))
                .build(),
        );
    }
    builder.build()
}

/// Adds a problem answer for `status`, or appends `description` to the one declared.
fn ensure(op: &mut Operation, status: &str, description: &str, retry_after: bool) {
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            if !existing.description.contains(description) {
                existing.description = if existing.description.is_empty() {
                    description.to_owned()
                } else {
                    format!("{}; {description}", existing.description)
                };
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses.responses.insert(
                status.to_owned(),
                RefOr::T(problem_response(description, retry_after)),
            );
        }
    }
}

fn has_parameter(op: &Operation, location: ParameterIn, name: Option<&str>) -> bool {
    op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => {
            p.parameter_in == location && name.is_none_or(|n| p.name.eq_ignore_ascii_case(n))
        }
        RefOr::Ref(_) => false,
    })
}

fn standard_problems(path: &str, method: &str, op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if secured {
        ensure(op, "401", "`missing_token`, `invalid_token`, `token_expired`, `session_revoked`, `session_expired`, `account_disabled`", false);
        if !ANY_ROLE.contains(&(method, path)) {
            ensure(
                op,
                "403",
                "`forbidden`: the caller's role may never do this",
                false,
            );
        }
    }
    if has_parameter(op, ParameterIn::Path, None) {
        ensure(
            op,
            "404",
            "`not_found`: unknown, not visible to the caller, or not an id",
            false,
        );
    }
    if op.request_body.is_some() {
        ensure(op, "400", "`malformed_json`, `malformed_body`", false);
        ensure(op, "413", "`payload_too_large` (over 1 MiB)", false);
        ensure(
            op,
            "415",
            "`unsupported_media_type`: send `application/json`",
            false,
        );
        ensure(
            op,
            "422",
            "invalid field values (`errors` lists each), or `invalid_body`",
            false,
        );
    }
    if has_parameter(op, ParameterIn::Query, None) {
        ensure(op, "422", "invalid query parameter (`invalid_query`, `invalid_characters`, `out_of_range`, `invalid_cursor`…)", false);
    }
    if secured && method == "post" && path.starts_with("/api/v1/") {
        // One declaration, replacing any an annotation made.
        let params = op.parameters.get_or_insert_with(Vec::new);
        params.retain(|p| {
            !matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header
                && p.name.eq_ignore_ascii_case("Idempotency-Key"))
        });
        {
            params.push(RefOr::T(
                ParameterBuilder::new()
                    .name("Idempotency-Key")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some("The first request with a key runs; its effect and its answer commit together. A request with the same key waits for one still running, then gets the stored answer (`Idempotent-Replayed: true`); kept 24 h, per user"))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .min_length(Some(1))
                            .max_length(Some(255))
                            .pattern(Some("^[!-~]+$")),
                    ))
                    .build(),
            ));
        }
        ensure(
            op,
            "422",
            "`invalid_idempotency_key`, `idempotency_key_reused`",
            false,
        );
    }
    if path.starts_with("/api/v1/auth/") {
        ensure(
            op,
            "429",
            "`rate_limited` (requests per client IP); see `Retry-After`",
            true,
        );
    }
    if !NO_DATABASE.contains(&path) {
        ensure(op, "503", "`database_unavailable`; see `Retry-After`", true);
    }
}

impl Modify for StandardProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, op) in [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ] {
                if let Some(op) = op {
                    standard_problems(path, method, op);
                }
            }
        }
    }
}

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";

/// `/api/docs` (Swagger UI), reading the document from [`DOCUMENT_PATH`].
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").config(Config::new([DOCUMENT_PATH]))
}

/// `GET /api/openapi.json`. The document is built on the first request and its JSON shared
/// by every worker: handed to Swagger UI's service, each worker built and kept its own
/// copy at start, some 6 MB of heap apiece that an idle server carried for nothing.
pub async fn document() -> HttpResponse {
    static JSON: OnceLock<Bytes> = OnceLock::new();
    let json = JSON.get_or_init(|| {
        Bytes::from(
            serde_json::to_vec(&ApiDoc::openapi()).expect("the OpenAPI document serialises"),
        )
    });
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(json.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_error_code() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schemas = &doc["components"]["schemas"];
        let listed: Vec<&str> = schemas["ErrorCode"]["enum"]
            .as_array()
            .expect("ErrorCode is a string enum")
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, codes);
        for schema in ["Problem", "FieldError"] {
            assert_eq!(
                schemas[schema]["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode",
                "{schema}"
            );
        }
    }
}
