//! Builds the HTTP server from the use cases' context (settings, pool, clock). The binary
//! and the integration tests both go through [`Application::build`], so tests run the real
//! thing.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::{web, App, HttpMessage, HttpServer};
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::api;
use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::IpRateLimiter;
use crate::context::Ctx;
use crate::db;
use crate::db::listen::{self, Listener};
use crate::state::{AppState, Detached};
use crate::web as portal;

/// How long in-flight requests may run after a stop signal.
pub const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    detached: Arc<Detached>,
    /// Keeps the caches in step with the database while the server runs.
    invalidations: Listener,
}

impl Application {
    /// Binds `settings.listen` and prepares the server. `settings.jwt_secret` must be set.
    pub fn build(ctx: Ctx) -> anyhow::Result<Self> {
        let settings = ctx.settings.clone();
        let secret = settings
            .jwt_secret
            .clone()
            .context("the JWT secret is not resolved")?;
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        });
        // The instance's connections: a pool per worker, the rest to the shared one.
        let (per_worker, shared) = db::share_out(ctx.pool.status().max_size, workers);
        ctx.pool.resize(shared);
        db::worker_pool(&ctx.pool, per_worker)?;
        let detached = Arc::new(Detached::default());
        let invalidations = ctx.listen();
        let state = web::Data::new(AppState {
            jwt: Arc::new(JwtKeys::new(&secret)),
            auth_limiter: Arc::new(IpRateLimiter::new(
                settings.auth_rate_per_minute,
                ctx.clock.clone(),
            )),
            detached: detached.clone(),
            ctx,
        });

        let server = HttpServer::new(move || {
            let mut worker = state.as_ref().clone();
            worker.ctx.pool = db::worker_pool(&worker.ctx.pool, per_worker)
                .expect("a worker's pool builds as it did before the server started");
            App::new()
                .app_data(web::Data::new(worker))
                .configure(api::configure)
                .configure(portal::configure)
                .default_service(web::to(portal::fallback))
                .wrap(api::security_headers())
                .wrap_fn(|req, srv| {
                    // What the request changed reaches this instance's caches before
                    // the client has its answer (`listen::collecting`).
                    let state = req.app_data::<web::Data<AppState>>().cloned();
                    let fut = listen::collecting(srv.call(req));
                    async move {
                        let (res, changes) = fut.await;
                        if let (Some(state), false) = (state, changes.is_empty()) {
                            state.ctx.notice_local(&changes);
                        }
                        res
                    }
                })
                .wrap_fn(|req, srv| {
                    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(value) = request_id.as_deref().and_then(api::request_id_value) {
                            res.headers_mut().insert(api::REQUEST_ID_HEADER, value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
        })
        .listen(listener)?
        .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS)
        // Signals are handled by the caller, which stops gracefully on SIGINT as well as
        // SIGTERM and then shuts down the pool and the embedded database.
        .disable_signals()
        .workers(workers);
        Ok(Self {
            port,
            server: server.run(),
            detached,
            invalidations,
        })
    }

    /// The bound port (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The work its requests started after answering (tests wait for it to settle).
    pub fn detached(&self) -> Arc<Detached> {
        self.detached.clone()
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped through the handle.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            server,
            invalidations,
            ..
        } = self;
        let result = server.await;
        drop(invalidations);
        result
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {},
                    _ = term.recv() => {},
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
