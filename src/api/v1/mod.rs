//! `/api/v1`: the JSON API of API.md.

pub mod admin;
pub mod auth;

use actix_web::web;

use super::resource;

/// Registers the v1 routes (relative to `/api/v1`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/auth/login", "POST").route(web::post().to(auth::login)))
        .service(resource("/auth/refresh", "POST").route(web::post().to(auth::refresh)))
        .service(resource("/auth/logout", "POST").route(web::post().to(auth::logout)))
        .service(resource("/auth/password", "POST").route(web::post().to(auth::change_password)))
        .service(resource("/me", "GET").route(web::get().to(auth::me)))
        .service(resource("/admin/outbox", "GET").route(web::get().to(admin::list_outbox)))
        .service(
            resource("/admin/outbox/{id}/retry", "POST").route(web::post().to(admin::retry_outbox)),
        )
        .service(
            resource("/admin/audit/verify", "GET")
                .route(web::get().to(admin::verify_platform_audit)),
        )
        .service(
            resource("/cooperatives/{id}/audit/verify", "GET")
                .route(web::get().to(admin::verify_cooperative_audit)),
        );
}
