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

use super::Routes;

/// Registers the v1 routes (relative to `/api/v1`), listed one group per resource family
/// and served one scope per first path segment ([`Routes`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut r = Routes::default();
    auth_routes(&mut r);
    organisation_routes(&mut r);
    round_routes(&mut r);
    rfq_routes(&mut r);
    decision_routes(&mut r);
    transparency_routes(&mut r);
    purchase_order_routes(&mut r);
    admin_routes(&mut r);
    r.register(cfg);
}

/// Sign-in, tokens and passwords, and claiming an invited account.
fn auth_routes(r: &mut Routes) {
    r.add("/auth/login", "POST", |res| {
        res.route(web::post().to(auth::login))
    });
    r.add("/auth/refresh", "POST", |res| {
        res.route(web::post().to(auth::refresh))
    });
    r.add("/auth/logout", "POST", |res| {
        res.route(web::post().to(auth::logout))
    });
    r.add("/auth/password", "POST", |res| {
        res.route(web::post().to(auth::change_password))
    });
    r.add("/auth/forgot-password", "POST", |res| {
        res.route(web::post().to(auth::forgot_password))
    });
    r.add("/auth/reset-password", "POST", |res| {
        res.route(web::post().to(auth::reset_password))
    });
    r.add("/me", "GET", |res| res.route(web::get().to(auth::me)));
    r.add("/auth/claim", "POST", |res| {
        res.route(web::post().to(organisations::claim_account))
    });
    r.add("/auth/accept-invite", "POST", |res| {
        res.route(web::post().to(organisations::accept_invite))
    });
}

/// Cooperatives, their members, users and materials; suppliers; units.
fn organisation_routes(r: &mut Routes) {
    r.add("/cooperatives", "GET, POST", |res| {
        res.route(web::get().to(organisations::list_cooperatives))
            .route(web::post().to(organisations::create_cooperative))
    });
    r.add("/cooperatives/{id}", "GET, PATCH", |res| {
        res.route(web::get().to(organisations::get_cooperative))
            .route(web::patch().to(organisations::update_cooperative))
    });
    r.add("/cooperatives/{id}/members", "GET, POST", |res| {
        res.route(web::get().to(organisations::list_members))
            .route(web::post().to(organisations::create_member))
    });
    r.add("/cooperatives/{id}/users", "GET, POST", |res| {
        res.route(web::get().to(organisations::list_coop_users))
            .route(web::post().to(organisations::create_coop_user))
    });
    r.add("/cooperatives/{id}/materials", "GET, POST", |res| {
        res.route(web::get().to(organisations::list_materials))
            .route(web::post().to(organisations::create_material))
    });
    r.add("/members/{id}", "GET, PATCH", |res| {
        res.route(web::get().to(organisations::get_member))
            .route(web::patch().to(organisations::update_member))
    });
    r.add("/users/{id}", "GET, PATCH", |res| {
        res.route(web::get().to(organisations::get_user))
            .route(web::patch().to(organisations::update_user))
    });
    r.add("/suppliers", "GET, POST", |res| {
        res.route(web::get().to(organisations::list_suppliers))
            .route(web::post().to(organisations::create_supplier))
    });
    r.add("/suppliers/{id}", "GET", |res| {
        res.route(web::get().to(organisations::get_supplier))
    });
    r.add("/suppliers/{id}/users", "GET, POST", |res| {
        res.route(web::get().to(organisations::list_supplier_users))
            .route(web::post().to(organisations::create_supplier_user))
    });
    r.add("/materials/{id}", "GET, PATCH", |res| {
        res.route(web::get().to(organisations::get_material))
            .route(web::patch().to(organisations::update_material))
    });
    r.add("/units", "GET", |res| {
        res.route(web::get().to(organisations::list_units))
    });
}

/// Demand rounds and their demand lines.
fn round_routes(r: &mut Routes) {
    r.add("/cooperatives/{id}/rounds", "GET, POST", |res| {
        res.route(web::get().to(rounds::list_rounds))
            .route(web::post().to(rounds::create_round))
    });
    r.add("/rounds/{id}", "GET", |res| {
        res.route(web::get().to(rounds::get_round))
    });
    r.add("/rounds/{id}/open", "POST", |res| {
        res.route(web::post().to(rounds::open_round))
    });
    r.add("/rounds/{id}/close", "POST", |res| {
        res.route(web::post().to(rounds::close_round))
    });
    r.add("/rounds/{id}/cancel", "POST", |res| {
        res.route(web::post().to(rounds::cancel_round))
    });
    r.add("/rounds/{id}/demand", "GET, POST", |res| {
        res.route(web::get().to(rounds::list_demand))
            .route(web::post().to(rounds::submit_demand))
    });
    r.add("/rounds/{id}/aggregate", "GET", |res| {
        res.route(web::get().to(rounds::aggregate))
    });
    r.add("/demand/{id}", "PATCH, DELETE", |res| {
        res.route(web::patch().to(rounds::update_demand))
            .route(web::delete().to(rounds::delete_demand))
    });
}

/// RFQs and the quotes on them.
fn rfq_routes(r: &mut Routes) {
    r.add("/rounds/{id}/rfqs", "POST", |res| {
        res.route(web::post().to(rfqs::create_rfq))
    });
    r.add("/rfqs", "GET", |res| {
        res.route(web::get().to(rfqs::list_rfqs))
    });
    r.add("/rfqs/{id}", "GET, PATCH", |res| {
        res.route(web::get().to(rfqs::get_rfq))
            .route(web::patch().to(rfqs::update_rfq))
    });
    r.add("/rfqs/{id}/publish", "POST", |res| {
        res.route(web::post().to(rfqs::publish_rfq))
    });
    r.add("/rfqs/{id}/cancel", "POST", |res| {
        res.route(web::post().to(rfqs::cancel_rfq))
    });
    r.add("/rfqs/{id}/quotes", "GET, POST", |res| {
        res.route(web::get().to(rfqs::list_quotes))
            .route(web::post().to(rfqs::submit_quote))
    });
    r.add("/quotes/{id}", "GET, PUT", |res| {
        res.route(web::get().to(rfqs::get_quote))
            .route(web::put().to(rfqs::revise_quote))
    });
    r.add("/quotes/{id}/withdraw", "POST", |res| {
        res.route(web::post().to(rfqs::withdraw_quote))
    });
    r.add("/quotes/{id}/revisions", "GET", |res| {
        res.route(web::get().to(rfqs::quote_revisions))
    });
}

/// The comparison, the FX rates it converts with, and the award.
fn decision_routes(r: &mut Routes) {
    r.add("/rfqs/{id}/comparison", "GET", |res| {
        res.route(web::get().to(fx::get_comparison))
    });
    r.add("/fx-rates", "GET, POST", |res| {
        res.route(web::get().to(fx::list_rates))
            .route(web::post().to(fx::create_rate))
    });
    r.add("/fx-rates/refresh", "POST", |res| {
        res.route(web::post().to(fx::refresh))
    });
    r.add("/rfqs/{id}/award", "POST", |res| {
        res.route(web::post().to(purchase_orders::award))
    });
}

/// The award report and the OCDS export.
fn transparency_routes(r: &mut Routes) {
    r.add("/rfqs/{id}/award-report", "GET", |res| {
        res.route(web::get().to(transparency::award_report))
    });
    r.add("/rfqs/{id}/award-report/verify", "GET", |res| {
        res.route(web::get().to(transparency::verify_report))
    });
    r.add("/rfqs/{id}/ocds/releases", "GET", |res| {
        res.route(web::get().to(transparency::rfq_releases))
    });
    r.add("/rfqs/{id}/ocds/record", "GET", |res| {
        res.route(web::get().to(transparency::rfq_record))
    });
    r.add("/cooperatives/{id}/ocds/releases", "GET", |res| {
        res.route(web::get().to(transparency::feed))
    });
    r.add("/cooperatives/{id}/ocds-settings", "GET, PUT", |res| {
        res.route(web::get().to(transparency::get_settings))
            .route(web::put().to(transparency::put_settings))
    });
}

/// Purchase orders.
fn purchase_order_routes(r: &mut Routes) {
    r.add("/purchase-orders", "GET", |res| {
        res.route(web::get().to(purchase_orders::list))
    });
    r.add("/purchase-orders/{id}", "GET", |res| {
        res.route(web::get().to(purchase_orders::get))
    });
    r.add("/purchase-orders/{id}/acknowledge", "POST", |res| {
        res.route(web::post().to(purchase_orders::acknowledge))
    });
}

/// The outbox, webhooks and the audit chains.
fn admin_routes(r: &mut Routes) {
    r.add("/admin/outbox", "GET", |res| {
        res.route(web::get().to(admin::list_outbox))
    });
    r.add("/admin/outbox/{id}/retry", "POST", |res| {
        res.route(web::post().to(admin::retry_outbox))
    });
    r.add("/admin/webhooks", "GET", |res| {
        res.route(web::get().to(admin::list_webhooks))
    });
    r.add("/admin/webhooks/{id}/retry", "POST", |res| {
        res.route(web::post().to(admin::retry_webhook))
    });
    r.add("/admin/audit/verify", "GET", |res| {
        res.route(web::get().to(admin::verify_platform_audit))
    });
    r.add("/cooperatives/{id}/audit", "GET", |res| {
        res.route(web::get().to(admin::list_cooperative_audit))
    });
    r.add("/cooperatives/{id}/audit/verify", "GET", |res| {
        res.route(web::get().to(admin::verify_cooperative_audit))
    });
}
