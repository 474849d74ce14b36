//! `/api/v1`: the JSON API of API.md.

pub mod admin;
pub mod auth;
pub mod fx;
pub mod organisations;
pub mod purchase_orders;
pub mod rfqs;
pub mod rounds;
pub mod transparency;

use actix_web::web;

use super::resource;

/// Registers the v1 routes (relative to `/api/v1`), one group per resource family, in
/// the order actix matches them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth_routes)
        .configure(organisation_routes)
        .configure(round_routes)
        .configure(rfq_routes)
        .configure(decision_routes)
        .configure(transparency_routes)
        .configure(purchase_order_routes)
        .configure(admin_routes);
}

/// Sign-in, tokens and passwords, and claiming an invited account.
fn auth_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
        .service(resource("/auth/refresh", "POST").route(web::post().to(auth::refresh)))
        .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
        .service(resource("/auth/password", "POST").route(web::post().to(auth::change_password)))
        .service(
            resource("/auth/forgot-password", "POST").route(web::post().to(auth::forgot_password)),
        )
        .service(
            resource("/auth/reset-password", "POST").route(web::post().to(auth::reset_password)),
        )
        .service(resource("/me", "GET").route(web::get().to(auth::me)))
        .service(
            resource("/auth/claim", "POST").route(web::post().to(organisations::claim_account)),
        )
        .service(
            resource("/auth/accept-invite", "POST")
                .route(web::post().to(organisations::accept_invite)),
        );
}

/// Cooperatives, their members, users and materials; suppliers; units.
fn organisation_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/cooperatives", "GET, POST")
            .route(web::get().to(organisations::list_cooperatives))
            .route(web::post().to(organisations::create_cooperative)),
    )
    .service(
        resource("/cooperatives/{id}", "GET, PATCH")
            .route(web::get().to(organisations::get_cooperative))
            .route(web::patch().to(organisations::update_cooperative)),
    )
    .service(
        resource("/cooperatives/{id}/members", "GET, POST")
            .route(web::get().to(organisations::list_members))
            .route(web::post().to(organisations::create_member)),
    )
    .service(
        resource("/cooperatives/{id}/users", "GET, POST")
            .route(web::get().to(organisations::list_coop_users))
            .route(web::post().to(organisations::create_coop_user)),
    )
    .service(
        resource("/cooperatives/{id}/materials", "GET, POST")
            .route(web::get().to(organisations::list_materials))
            .route(web::post().to(organisations::create_material)),
    )
    .service(
        resource("/members/{id}", "GET, PATCH")
            .route(web::get().to(organisations::get_member))
            .route(web::patch().to(organisations::update_member)),
    )
    .service(
        resource("/users/{id}", "GET, PATCH")
            .route(web::get().to(organisations::get_user))
            .route(web::patch().to(organisations::update_user)),
    )
    .service(
        resource("/suppliers", "GET, POST")
            .route(web::get().to(organisations::list_suppliers))
            .route(web::post().to(organisations::create_supplier)),
    )
    .service(resource("/suppliers/{id}", "GET").route(web::get().to(organisations::get_supplier)))
    .service(
        resource("/suppliers/{id}/users", "GET, POST")
            .route(web::get().to(organisations::list_supplier_users))
            .route(web::post().to(organisations::create_supplier_user)),
    )
    .service(
        resource("/materials/{id}", "GET, PATCH")
            .route(web::get().to(organisations::get_material))
            .route(web::patch().to(organisations::update_material)),
    )
    .service(resource("/units", "GET").route(web::get().to(organisations::list_units)));
}

/// Demand rounds and their demand lines.
fn round_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/cooperatives/{id}/rounds", "GET, POST")
            .route(web::get().to(rounds::list_rounds))
            .route(web::post().to(rounds::create_round)),
    )
    .service(resource("/rounds/{id}", "GET").route(web::get().to(rounds::get_round)))
    .service(resource("/rounds/{id}/open", "POST").route(web::post().to(rounds::open_round)))
    .service(resource("/rounds/{id}/close", "POST").route(web::post().to(rounds::close_round)))
    .service(resource("/rounds/{id}/cancel", "POST").route(web::post().to(rounds::cancel_round)))
    .service(
        resource("/rounds/{id}/demand", "GET, POST")
            .route(web::get().to(rounds::list_demand))
            .route(web::post().to(rounds::submit_demand)),
    )
    .service(resource("/rounds/{id}/aggregate", "GET").route(web::get().to(rounds::aggregate)))
    .service(
        resource("/demand/{id}", "PATCH, DELETE")
            .route(web::patch().to(rounds::update_demand))
            .route(web::delete().to(rounds::delete_demand)),
    );
}

/// RFQs and the quotes on them.
fn rfq_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/rounds/{id}/rfqs", "POST").route(web::post().to(rfqs::create_rfq)))
        .service(resource("/rfqs", "GET").route(web::get().to(rfqs::list_rfqs)))
        .service(
            resource("/rfqs/{id}", "GET, PATCH")
                .route(web::get().to(rfqs::get_rfq))
                .route(web::patch().to(rfqs::update_rfq)),
        )
        .service(resource("/rfqs/{id}/publish", "POST").route(web::post().to(rfqs::publish_rfq)))
        .service(resource("/rfqs/{id}/cancel", "POST").route(web::post().to(rfqs::cancel_rfq)))
        .service(
            resource("/rfqs/{id}/quotes", "GET, POST")
                .route(web::get().to(rfqs::list_quotes))
                .route(web::post().to(rfqs::submit_quote)),
        )
        .service(
            resource("/quotes/{id}", "GET, PUT")
                .route(web::get().to(rfqs::get_quote))
                .route(web::put().to(rfqs::revise_quote)),
        )
        .service(
            resource("/quotes/{id}/withdraw", "POST").route(web::post().to(rfqs::withdraw_quote)),
        )
        .service(
            resource("/quotes/{id}/revisions", "GET").route(web::get().to(rfqs::quote_revisions)),
        );
}

/// The comparison, the FX rates it converts with, and the award.
fn decision_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/rfqs/{id}/comparison", "GET").route(web::get().to(fx::get_comparison)))
        .service(
            resource("/fx-rates", "GET, POST")
                .route(web::get().to(fx::list_rates))
                .route(web::post().to(fx::create_rate)),
        )
        .service(resource("/fx-rates/refresh", "POST").route(web::post().to(fx::refresh)))
        .service(
            resource("/rfqs/{id}/award", "POST").route(web::post().to(purchase_orders::award)),
        );
}

/// The award report and the OCDS export.
fn transparency_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/rfqs/{id}/award-report", "GET").route(web::get().to(transparency::award_report)),
    )
    .service(
        resource("/rfqs/{id}/award-report/verify", "GET")
            .route(web::get().to(transparency::verify_report)),
    )
    .service(
        resource("/rfqs/{id}/ocds/releases", "GET")
            .route(web::get().to(transparency::rfq_releases)),
    )
    .service(
        resource("/rfqs/{id}/ocds/record", "GET").route(web::get().to(transparency::rfq_record)),
    )
    .service(
        resource("/cooperatives/{id}/ocds/releases", "GET")
            .route(web::get().to(transparency::feed)),
    )
    .service(
        resource("/cooperatives/{id}/ocds-settings", "GET, PUT")
            .route(web::get().to(transparency::get_settings))
            .route(web::put().to(transparency::put_settings)),
    );
}

/// Purchase orders.
fn purchase_order_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/purchase-orders", "GET").route(web::get().to(purchase_orders::list)))
        .service(
            resource("/purchase-orders/{id}", "GET").route(web::get().to(purchase_orders::get)),
        )
        .service(
            resource("/purchase-orders/{id}/acknowledge", "POST")
                .route(web::post().to(purchase_orders::acknowledge)),
        );
}

/// The outbox, webhooks and the audit chains.
fn admin_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/outbox", "GET").route(web::get().to(admin::list_outbox)))
        .service(
            resource("/admin/outbox/{id}/retry", "POST").route(web::post().to(admin::retry_outbox)),
        )
        .service(resource("/admin/webhooks", "GET").route(web::get().to(admin::list_webhooks)))
        .service(
            resource("/admin/webhooks/{id}/retry", "POST")
                .route(web::post().to(admin::retry_webhook)),
        )
        .service(
            resource("/admin/audit/verify", "GET")
                .route(web::get().to(admin::verify_platform_audit)),
        )
        .service(
            resource("/cooperatives/{id}/audit", "GET")
                .route(web::get().to(admin::list_cooperative_audit)),
        )
        .service(
            resource("/cooperatives/{id}/audit/verify", "GET")
                .route(web::get().to(admin::verify_cooperative_audit)),
        );
}
