//! Typed identifiers. Each table's primary key has its own newtype so that a `SessionId`
//! can never be passed where a `UserId` is expected. All are UUIDs (v7: time-ordered, so
//! B-tree inserts stay local).

/// Declares a UUID newtype that maps to PostgreSQL `uuid`, (de)serialises as a string and
/// documents itself in OpenAPI as `format: uuid`.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <uuid::Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <uuid::Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(bytes).map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid)))
                    .build()
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

uuid_id!(
    /// A user account (`users.id`).
    UserId
);
uuid_id!(
    /// A login session, the family of one chain of refresh tokens (`sessions.id`).
    SessionId
);
uuid_id!(
    /// A cooperative (`cooperatives.id`).
    CooperativeId
);
uuid_id!(
    /// A member company of a cooperative (`members.id`).
    MemberId
);
uuid_id!(
    /// A supplier organisation (`suppliers.id`).
    SupplierId
);
uuid_id!(
    /// A material of a cooperative's catalog (`materials.id`).
    MaterialId
);
uuid_id!(
    /// A demand round (`demand_rounds.id`).
    RoundId
);
uuid_id!(
    /// A demand line (`demand_lines.id`).
    DemandLineId
);
uuid_id!(
    /// A request for quotation (`rfqs.id`).
    RfqId
);
uuid_id!(
    /// A line of an RFQ: one material and its quantity (`rfq_lines.id`).
    RfqLineId
);
uuid_id!(
    /// A supplier's quote on an RFQ (`quotes.id`).
    QuoteId
);
uuid_id!(
    /// An award decision on an RFQ (`awards.id`).
    AwardId
);
uuid_id!(
    /// A joint purchase order (`purchase_orders.id`).
    PurchaseOrderId
);
uuid_id!(
    /// A line of a purchase order (`po_lines.id`).
    PoLineId
);
