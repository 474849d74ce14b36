//! Rows of `cooperatives` and `members`, and their API shapes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ids::{CooperativeId, MemberId};
use crate::reference::format_kr_business_number;
use crate::schema::{cooperatives, members};

/// A cooperative.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cooperatives, check_for_backend(diesel::pg::Pg))]
pub struct Cooperative {
    pub id: CooperativeId,
    pub name: String,
    pub business_number: String,
    pub country: String,
    pub base_currency: String,
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Cooperative {
    /// The calendar date of `at` in the cooperative's time zone (a round's closing date, an
    /// RFQ's FX date, a PO's year).
    pub fn local_date(&self, at: DateTime<Utc>) -> chrono::NaiveDate {
        let tz: chrono_tz::Tz = self.timezone.parse().unwrap_or(chrono_tz::Asia::Seoul);
        at.with_timezone(&tz).date_naive()
    }
}

/// A cooperative as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CooperativeOut {
    pub id: CooperativeId,
    pub name: String,
    /// `123-45-67890` for Korean cooperatives.
    pub business_number: String,
    pub country: String,
    pub base_currency: String,
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Shows a stored business number (Korean ones with dashes).
pub fn show_business_number(country: &str, stored: &str) -> String {
    if country == "KR" {
        format_kr_business_number(stored)
    } else {
        stored.to_owned()
    }
}

impl From<Cooperative> for CooperativeOut {
    fn from(c: Cooperative) -> Self {
        Self {
            business_number: show_business_number(&c.country, &c.business_number),
            id: c.id,
            name: c.name,
            country: c.country,
            base_currency: c.base_currency,
            timezone: c.timezone,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A member company.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = members, check_for_backend(diesel::pg::Pg))]
pub struct Member {
    pub id: MemberId,
    pub cooperative_id: CooperativeId,
    pub name: String,
    pub business_number: String,
    pub membership: String,
    pub contact_email: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    pub id: MemberId,
    pub cooperative_id: CooperativeId,
    pub name: String,
    pub business_number: String,
    /// `regular` or `associate`.
    pub membership: String,
    pub contact_email: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MemberOut {
    /// Renders a member of a cooperative in `country`.
    pub fn new(m: Member, country: &str) -> Self {
        Self {
            business_number: show_business_number(country, &m.business_number),
            id: m.id,
            cooperative_id: m.cooperative_id,
            name: m.name,
            membership: m.membership,
            contact_email: m.contact_email,
            disabled: m.disabled,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Member update.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = members)]
pub struct MemberUpdateForm {
    pub name: Option<String>,
    pub membership: Option<String>,
    pub contact_email: Option<String>,
    pub disabled: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
}
