//! The OpenAPI document, generated from the handlers' annotations, and Swagger UI served
//! from assets vendored into the binary (no CDN at run time, no download at build time).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{health, v1};

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
        v1::organisations::create_cooperative,
        v1::organisations::list_cooperatives,
        v1::organisations::get_cooperative,
        v1::organisations::create_member,
        v1::organisations::list_members,
        v1::organisations::get_member,
        v1::organisations::update_member,
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
        v1::admin::list_outbox,
        v1::admin::retry_outbox,
        v1::admin::list_webhooks,
        v1::admin::retry_webhook,
        v1::admin::verify_platform_audit,
        v1::admin::verify_cooperative_audit,
        v1::admin::list_cooperative_audit,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
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

/// `/api/docs` (Swagger UI) and `/api/openapi.json`.
pub fn swagger_ui() -> SwaggerUi {
    SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi())
}
