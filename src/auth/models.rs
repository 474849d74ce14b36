//! Rows of the auth tables and the enums stored in them.

use chrono::{DateTime, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{IsNull, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use std::io::Write;
use utoipa::ToSchema;

use crate::ids::{CooperativeId, MemberId, SessionId, SupplierId, UserId};
use crate::schema::{login_failures, refresh_tokens, sessions, users};

/// Declares a text-backed enum stored as its snake_case name.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
        #[serde(rename_all = "snake_case")]
        #[diesel(sql_type = Text)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The stored and serialised name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            /// Parses the stored name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let s = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Self::parse(&s).ok_or_else(|| format!("unknown {} `{s}`", stringify!($name)).into())
            }
        }
    };
}

text_enum!(
    /// What a user may do (DESIGN "Actors and roles").
    Role {
        /// Operator of the platform.
        PlatformAdmin => "platform_admin",
        /// Staff (buyer) of one cooperative.
        CoopAdmin => "coop_admin",
        /// User of a member company.
        Member => "member",
        /// User of a supplier.
        Supplier => "supplier",
    }
);

text_enum!(
    /// Language of emails and the portal.
    Locale {
        /// Korean.
        Ko => "ko",
        /// English.
        En => "en",
    }
);

/// A user account.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub cooperative_id: Option<CooperativeId>,
    pub member_id: Option<MemberId>,
    pub supplier_id: Option<SupplierId>,
    pub locale: Locale,
    pub disabled: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A supplier user who may invite colleagues and manage the company's webhook.
    pub supplier_admin: bool,
}

/// Insert form of [`User`].
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub cooperative_id: Option<CooperativeId>,
    pub member_id: Option<MemberId>,
    pub supplier_id: Option<SupplierId>,
    pub locale: Locale,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A login session.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = sessions, check_for_backend(Pg))]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// One refresh token of a session (stored hashed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens, check_for_backend(Pg))]
pub struct RefreshToken {
    pub token_hash: Vec<u8>,
    pub session_id: SessionId,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Insert form of a failed login.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = login_failures)]
pub struct NewLoginFailure {
    /// The throttle's account key.
    pub email: String,
    pub at: DateTime<Utc>,
    /// The client address as seen.
    pub ip: Option<String>,
    /// The throttle's source key ([`super::throttle::source_key`]).
    pub source: String,
}
