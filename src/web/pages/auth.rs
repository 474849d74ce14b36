//! Sign-in, sign-out, the language switch, password change, "forgot password" and the
//! invitation page.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::FormErrors;
use crate::api::extract::AuthRateLimit;
use crate::auth::service::{self, ClientMeta};
use crate::auth::{browser, reset as password_reset, Locale};
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::Msgs;
use crate::state::AppState;
use crate::users;
use crate::users::invitation::Invited;
use crate::web::render::{page, page_with, see_other};
use crate::web::session::{self, safe_next, Page};
use crate::web::Routes;

/// The sign-in, account and invitation pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/login").get(login_form).post(login))
        .service(Routes::at("/logout").post(logout))
        .service(Routes::at("/language").post(language))
        .service(Routes::at("/forgot-password").get(forgot_form).post(forgot))
        .service(
            Routes::at("/reset-password/{token}")
                .get(reset_form)
                .post(reset),
        )
        .service(Routes::at("/invite/{token}").get(invite_form).post(invite))
        .service(
            Routes::at("/account/password")
                .get(password_form)
                .post(password),
        );
}

#[derive(Template)]
#[template(path = "web/login.html")]
struct LoginPage<'a> {
    page: &'a Page,
    email: String,
    next: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// Query of `GET /login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
    reset: Option<String>,
}

/// `GET /login` (a signed-in visitor goes straight on).
pub async fn login_form(page: Page, q: web::Query<LoginQuery>) -> Result<HttpResponse, AppError> {
    let next = q
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or("/")
        .to_owned();
    if page.user.is_some() {
        return Ok(see_other(&next));
    }
    let t = page.t;
    let notice = if q.expired.is_some() {
        Some(t.session_expired_notice)
    } else if q.signed_out.is_some() {
        Some(t.signed_out_notice)
    } else if q.reset.is_some() {
        Some(t.password_reset_done)
    } else {
        None
    };
    page_login(&page, StatusCode::OK, String::new(), next, notice, None)
}

fn page_login(
    p: &Page,
    status: StatusCode,
    email: String,
    next: String,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    page_with(
        status,
        &LoginPage {
            page: p,
            email,
            next,
            notice,
            error,
        },
    )
}

/// `POST /login` form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Sets the session cookie (and ends the browser session this browser had before).
pub(super) async fn start(
    state: &AppState,
    p: &Page,
    token: String,
    next: &str,
) -> Result<HttpResponse, AppError> {
    if let Some(old) = &p.session_token {
        browser::sign_out(state, old).await?;
    }
    let names = p.cookie_names();
    let mut res = see_other(next);
    let _ = res.add_cookie(&session::session_cookie(token, p.secure()));
    let _ = res.add_cookie(&session::removal(names.pre, p.secure()));
    Ok(res)
}

/// `POST /login`: the API's login use case (same throttling), then the session cookie.
pub async fn login(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    p: Page,
    meta: ClientMeta,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = form
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or("/")
        .to_owned();
    match browser::sign_in(&state, &state.jwt, &form.email, form.password, meta).await {
        Ok((token, _)) => start(&state, &p, token, &next).await,
        Err(AppError::Unauthenticated { .. }) => page_login(
            &p,
            StatusCode::UNAUTHORIZED,
            form.email,
            next,
            None,
            Some(p.t.invalid_credentials.to_owned()),
        ),
        Err(AppError::RateLimited {
            retry_after_secs, ..
        }) => {
            let mut res = page_login(
                &p,
                StatusCode::TOO_MANY_REQUESTS,
                form.email,
                next,
                None,
                Some(format!(
                    "{} {}",
                    p.t.error_rate_limited_title,
                    p.t.retry_in(retry_after_secs)
                )),
            )?;
            if let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// `POST /logout`: revokes the session, expires the cookie, clears the browser's cache and
/// storage for this site.
pub async fn logout(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    if let Some(token) = &p.session_token {
        browser::sign_out(&state, token).await?;
    }
    let mut res = see_other("/login?signed_out=1");
    res.headers_mut().insert(
        header::HeaderName::from_static("clear-site-data"),
        header::HeaderValue::from_static("\"cache\", \"storage\""),
    );
    let _ = res.add_cookie(&session::removal(p.cookie_names().session, p.secure()));
    Ok(res)
}

/// `POST /language` form.
#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// `POST /language`: remembers the language in a cookie and, when signed in, on the
/// account; back to the page the switch was on.
pub async fn language(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let Some(locale) = Locale::parse(&form.lang) else {
        return Err(AppError::invalid(
            "lang",
            ErrorCode::InvalidLocale,
            "must be ko or en",
        ));
    };
    if let Some(who) = &p.user {
        browser::set_locale(&state, who, locale).await?;
    }
    let next = form.next.as_deref().and_then(safe_next).unwrap_or("/");
    let mut res = see_other(next);
    let year = actix_web::cookie::time::Duration::days(365);
    let _ = res.add_cookie(&session::cookie(
        p.cookie_names().lang,
        locale.as_str().to_owned(),
        year,
        p.secure(),
    ));
    Ok(res)
}

#[derive(Template)]
#[template(path = "web/notice.html")]
struct NoticePage<'a> {
    page: &'a Page,
    heading: &'static str,
    message: String,
    link: Option<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage<'a> {
    page: &'a Page,
}

/// `GET /forgot-password`.
pub async fn forgot_form(p: Page) -> Result<HttpResponse, AppError> {
    page(&ForgotPage { page: &p })
}

/// `POST /forgot-password` form.
#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// `POST /forgot-password`: the same answer, at once, whether or not the address has an
/// account; the link is sent after the answer.
pub async fn forgot(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    p: Page,
    meta: ClientMeta,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    state.detached.spawn(password_reset::request_logged(
        state.ctx.clone(),
        form.into_inner().email,
        meta,
    ));
    page(&NoticePage {
        page: &p,
        heading: p.t.forgot_title,
        message: p.t.reset_link_sent.to_owned(),
        link: Some(("/login", p.t.back_to_sign_in)),
    })
}

#[derive(Template)]
#[template(path = "web/set_password.html")]
struct SetPasswordPage<'a> {
    page: &'a Page,
    heading: &'static str,
    intro: String,
    email: String,
    submit: &'static str,
    errors: FormErrors,
}

/// A link that leads nowhere (used, expired, never issued): 404 with `heading`, `message`
/// and a link on (`href`, its text).
pub(super) fn dead_link(
    p: &Page,
    heading: &'static str,
    message: &str,
    link: (&'static str, &'static str),
) -> Result<HttpResponse, AppError> {
    page_with(
        StatusCode::NOT_FOUND,
        &NoticePage {
            page: p,
            heading,
            message: message.to_owned(),
            link: Some(link),
        },
    )
}

fn invalid_link(
    p: &Page,
    heading: &'static str,
    message: &'static str,
) -> Result<HttpResponse, AppError> {
    dead_link(
        p,
        heading,
        message,
        ("/forgot-password", p.t.forgot_password_link),
    )
}

/// The error of the confirmation field when the two passwords typed differ.
pub(super) fn unconfirmed(t: &Msgs, new: &str, confirm: &str) -> Option<FormErrors> {
    (new != confirm).then(|| {
        let mut errors = FormErrors::default();
        errors.push("confirm_password", t.passwords_differ);
        errors
    })
}

/// The errors of a form that sets a password: the API names the field `password`, the
/// form calls it `new_password`.
pub(super) fn new_password_errors(t: &Msgs, errs: &[FieldError]) -> FormErrors {
    FormErrors::localized_on(
        t,
        errs,
        |_| None,
        |field| {
            if field == "password" {
                "new_password"
            } else {
                field
            }
            .to_owned()
        },
    )
}

/// The reset page for the account `email`.
fn reset_page<'a>(p: &'a Page, email: String, errors: FormErrors) -> SetPasswordPage<'a> {
    SetPasswordPage {
        page: p,
        heading: p.t.reset_title,
        intro: p.t.reset_intro.to_owned(),
        email,
        submit: p.t.save_password,
        errors,
    }
}

/// The invitation page for `inv`.
fn invite_page<'a>(p: &'a Page, inv: &Invited, errors: FormErrors) -> SetPasswordPage<'a> {
    SetPasswordPage {
        page: p,
        heading: p.t.invite_title,
        intro: p.t.invite_intro(&inv.email, &inv.organisation),
        email: inv.email.clone(),
        submit: p.t.accept_invitation,
        errors,
    }
}

/// `GET /reset-password/{token}`.
pub async fn reset_form(
    state: web::Data<AppState>,
    p: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let t = p.t;
    match password_reset::account_of(&state, &token).await? {
        None => invalid_link(&p, t.reset_title, t.reset_link_invalid),
        Some(user) => page(&reset_page(&p, user.email, FormErrors::default())),
    }
}

/// The form of the reset and invitation pages.
#[derive(Deserialize)]
pub struct NewPasswordForm {
    new_password: String,
    confirm_password: String,
}

/// `POST /reset-password/{token}`: sets the password (every session of the account ends),
/// then on to sign in.
pub async fn reset(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    p: Page,
    token: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let t = p.t;
    let Some(user) = password_reset::account_of(&state, &token).await? else {
        return invalid_link(&p, t.reset_title, t.reset_link_invalid);
    };
    let form = form.into_inner();
    let rerender = |errors: FormErrors| {
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reset_page(&p, user.email.clone(), errors),
        )
    };
    if let Some(errors) = unconfirmed(t, &form.new_password, &form.confirm_password) {
        return rerender(errors);
    }
    match password_reset::reset(&state, &token, form.new_password).await {
        Ok(()) => Ok(see_other("/login?reset=1")),
        Err(AppError::Validation(errs)) if errs.iter().any(|e| e.field == "token") => {
            invalid_link(&p, t.reset_title, t.reset_link_invalid)
        }
        Err(AppError::Validation(errs)) => rerender(FormErrors::from_fields(t, &errs)),
        Err(e) => Err(e),
    }
}

/// `GET /invite/{token}` (the link of the invitation email).
pub async fn invite_form(
    state: web::Data<AppState>,
    p: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match users::invitation::open(&state, &token).await? {
        None => invalid_invitation(&p),
        Some(inv) => page(&invite_page(&p, &inv, FormErrors::default())),
    }
}

fn invalid_invitation(p: &Page) -> Result<HttpResponse, AppError> {
    dead_link(
        p,
        p.t.invite_title,
        p.t.invite_link_invalid,
        ("/login", p.t.back_to_sign_in),
    )
}

/// `POST /invite/{token}`: the API's accept-invite use case, then signed in with the new
/// password (through the login use case).
pub async fn invite(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    p: Page,
    meta: ClientMeta,
    token: web::Path<String>,
    form: web::Form<NewPasswordForm>,
) -> Result<HttpResponse, AppError> {
    let t = p.t;
    let Some(inv) = users::invitation::open(&state, &token).await? else {
        return invalid_invitation(&p);
    };
    let form = form.into_inner();
    let rerender = |errors: FormErrors| {
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &invite_page(&p, &inv, errors),
        )
    };
    if let Some(errors) = unconfirmed(t, &form.new_password, &form.confirm_password) {
        return rerender(errors);
    }
    let accepted = users::service::accept_invite(
        &state,
        users::service::AcceptInvite {
            token: token.into_inner(),
            password: form.new_password.clone(),
        },
    )
    .await;
    match accepted {
        Ok(()) => {}
        Err(AppError::Validation(errs)) if errs.iter().any(|e| e.field == "token") => {
            return invalid_invitation(&p)
        }
        Err(AppError::Validation(errs)) => return rerender(new_password_errors(t, &errs)),
        Err(e) => return Err(e),
    }
    let (session_token, _) =
        browser::sign_in(&state, &state.jwt, &inv.email, form.new_password, meta).await?;
    start(&state, &p, session_token, "/").await
}

#[derive(Template)]
#[template(path = "web/password.html")]
struct PasswordPage<'a> {
    page: &'a Page,
    errors: FormErrors,
    done: bool,
}

/// `GET /account/password`.
pub async fn password_form(p: Page) -> Result<HttpResponse, AppError> {
    p.who()?;
    page(&PasswordPage {
        page: &p,
        errors: FormErrors::default(),
        done: false,
    })
}

/// `POST /account/password` form.
#[derive(Deserialize)]
pub struct ChangePasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// `POST /account/password`: the API's use case (every other session ends).
pub async fn password(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    p: Page,
    meta: ClientMeta,
    form: web::Form<ChangePasswordForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let form = form.into_inner();
    let rerender = |errors: FormErrors| {
        page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                page: &p,
                errors,
                done: false,
            },
        )
    };
    if let Some(errors) = unconfirmed(p.t, &form.new_password, &form.confirm_password) {
        return rerender(errors);
    }
    match service::change_password(
        &state,
        &who,
        form.current_password,
        form.new_password,
        &meta,
    )
    .await
    {
        Ok(()) => page(&PasswordPage {
            page: &p,
            errors: FormErrors::default(),
            done: true,
        }),
        Err(AppError::Validation(errs)) => rerender(FormErrors::from_fields(p.t, &errs)),
        Err(e) => Err(e),
    }
}
