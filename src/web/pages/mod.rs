//! Page handlers, one module per area. Each parses the request, calls the service the API
//! calls, and renders a template; formatting goes through [`Fmt`].

pub mod admin_cooperatives;
pub mod audit;
pub mod auth;
pub mod award_report;
pub mod awards;
pub mod claim;
pub mod company;
pub mod comparison;
pub mod demand;
pub mod fx_rates;
pub mod home;
pub mod materials;
pub mod members;
pub mod outbox;
pub mod purchase_orders;
pub mod quotes;
pub mod rfqs;
pub mod rounds;
pub mod suppliers;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::session::Page;
use crate::auth::{Locale, Principal};
use crate::cooperatives::service::get_cooperative;
use crate::error::{AppError, ErrorCode, FieldError};
use crate::i18n::{format, Msgs};
use crate::state::AppState;

/// Formatting in the viewer's language and the relevant time zone, for templates
/// (`{{ f.money(po.total, po.currency) }}`).
#[derive(Debug, Clone, Copy)]
pub struct Fmt {
    pub locale: Locale,
    pub tz: chrono_tz::Tz,
    pub now: DateTime<Utc>,
    t: &'static Msgs,
}

impl Fmt {
    /// Formatting for `page` in zone `tz` at `now`.
    pub fn new(page: &Page, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Self {
        Self {
            locale: page.locale,
            tz,
            now,
            t: page.t,
        }
    }

    /// Formatting for `who`'s `page` in the zone [`zone_of`] gives, now.
    pub async fn of(state: &AppState, page: &Page, who: &Principal) -> Result<Self, AppError> {
        Ok(Self::new(
            page,
            zone_of(state, who).await?,
            state.clock.now(),
        ))
    }

    /// `1,250.5`.
    pub fn num(&self, v: &Decimal) -> String {
        format::number(*v)
    }

    /// `1,337,382,934원` / `KRW 1,337,382,934`.
    pub fn money(&self, v: &Decimal, currency: &str) -> String {
        format::money(*v, currency, self.locale)
    }

    /// A unit price, exact: `12.5원` / `KRW 12.5`.
    pub fn price(&self, v: &Decimal, currency: &str) -> String {
        format::price(*v, currency, self.locale)
    }

    /// `2026. 12. 4. (금) 15:00 KST`.
    pub fn dt(&self, at: &DateTime<Utc>) -> String {
        format::datetime(*at, self.tz, self.locale)
    }

    /// [`Fmt::dt`] of an optional instant (empty when none).
    pub fn dt_opt(&self, at: &Option<DateTime<Utc>>) -> String {
        at.map(|a| self.dt(&a)).unwrap_or_default()
    }

    /// An RFC 3339 timestamp string as [`Fmt::dt`] (the quote API's `submitted_at`).
    pub fn dt_str(&self, at: &str) -> String {
        DateTime::parse_from_rfc3339(at)
            .map(|a| self.dt(&a.to_utc()))
            .unwrap_or_else(|_| at.to_owned())
    }

    /// `2027. 1. 10. (일)`.
    pub fn date(&self, d: &NaiveDate) -> String {
        format::date(*d, self.locale)
    }

    /// `3일 4시간 남음`, or "closed" once passed.
    pub fn left(&self, until: &DateTime<Utc>) -> String {
        format::countdown(self.now, *until, self.locale)
            .unwrap_or_else(|| self.t.closed_already.to_owned())
    }

    /// Whether `at` is still ahead.
    pub fn ahead(&self, at: &DateTime<Utc>) -> bool {
        *at > self.now
    }
}

/// The time zone to show times in: the viewer's cooperative's, else Korea's (suppliers and
/// platform admins; the deadline rules of the product are Korean).
pub async fn zone_of(state: &AppState, who: &Principal) -> Result<chrono_tz::Tz, AppError> {
    match who.cooperative_id {
        Some(coop) => Ok(format::zone(
            &get_cooperative(state, who, coop).await?.timezone,
        )),
        None => Ok(chrono_tz::Asia::Seoul),
    }
}

/// Field errors of a form, localized.
#[derive(Debug, Default)]
pub struct FormErrors(Vec<(String, &'static str)>);

impl FormErrors {
    /// The API's field errors in the viewer's language (the common words only).
    pub fn from_fields(t: &Msgs, errors: &[FieldError]) -> Self {
        Self::localized(t, errors, |_| None)
    }

    /// The services' field errors in the viewer's language: `own` words the codes a page's
    /// area has a message of its own for, the common words `t` every other code.
    pub fn localized(
        t: &Msgs,
        errors: &[FieldError],
        own: impl Fn(ErrorCode) -> Option<&'static str>,
    ) -> Self {
        Self::localized_on(t, errors, own, str::to_owned)
    }

    /// [`FormErrors::localized`], each error shown on the form field `on` names for the
    /// service's field (where the form lays its fields out otherwise than the API).
    pub fn localized_on(
        t: &Msgs,
        errors: &[FieldError],
        own: impl Fn(ErrorCode) -> Option<&'static str>,
        on: impl Fn(&str) -> String,
    ) -> Self {
        Self(
            errors
                .iter()
                .map(|e| {
                    let message = own(e.code).unwrap_or_else(|| t.field_error(e.code));
                    (on(&e.field), message)
                })
                .collect(),
        )
    }

    /// Adds an error on `field`.
    pub fn push(&mut self, field: &str, message: &'static str) {
        self.0.push((field.to_owned(), message));
    }

    /// The first error of `field`.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| *m)
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}
