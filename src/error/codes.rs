//! The error vocabulary: every stable `code` the server returns, as one typed list.
//!
//! A code is rendered to the snake_case string clients switch on (`taken`, `sealed`…);
//! these strings are part of the API and never change. `docs/api.md` lists every code in
//! its error-code table (a test below keeps the two in step), the OpenAPI document
//! publishes them as the `ErrorCode` enum, and the portal translates each one
//! (`Msgs::field_error` matches exhaustively, so a new code needs its message).

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares [`ErrorCode`] with the wire string of each variant.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// A stable, machine-readable error code (a problem's `code`, a field error's `code`).
        ///
        /// Serialised as the snake_case of the variant's name, which is also the string
        /// given with it here (a test checks the two agree).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the table in `docs/api.md`.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant,)*];

            /// The string on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    /// 422: Award: a line's allocations sum to more than the line quantity.
    AboveLineQuantity = "above_line_quantity",
    /// 401: The account is disabled.
    AccountDisabled = "account_disabled",
    /// 409: The RFQ has been awarded already.
    AlreadyAwarded = "already_awarded",
    /// 409: Admin retry of an email or webhook that was delivered.
    AlreadySent = "already_sent",
    /// 409: Figures of values stored before the bounds existed cannot be computed; correct the stored values.
    AmountOutOfRange = "amount_out_of_range",
    /// 422: Quote: `valid_until` is before the deadline's date.
    BeforeDeadline = "before_deadline",
    /// 409: A user cannot disable its own account.
    CannotDisableSelf = "cannot_disable_self",
    /// 409: A draft round whose closing time has passed cannot be opened.
    ClosesAtPassed = "closes_at_passed",
    /// 422: The password is a common one.
    CommonPassword = "common_password",
    /// 422: Quote: currency not among the RFQ's.
    CurrencyNotAllowed = "currency_not_allowed",
    /// 503: The database cannot be reached or no connection became free in time; retry after `Retry-After`.
    DatabaseUnavailable = "database_unavailable",
    /// 422: Portal form: a date and time is missing or not one.
    Datetime = "datetime",
    /// 409: Publishing a draft whose deadline has passed (set a later one first).
    DeadlinePassed = "deadline_passed",
    /// 422: A quote or an award names the same RFQ line twice.
    DuplicateLine = "duplicate_line",
    /// 422: Award: the same quote twice on one line.
    DuplicateOffer = "duplicate_offer",
    /// 409: *CLI* `user create`: the email is in use.
    EmailTaken = "email_taken",
    /// 422: A list that must not be empty (materials, currencies, Incoterms, quote lines, award lines).
    Empty = "empty",
    /// 422: A round without `material_ids` in a cooperative that has no materials.
    EmptyCatalog = "empty_catalog",
    /// 403: The caller's role may never do this.
    Forbidden = "forbidden",
    /// 409: Comparison or award: no rate for a quoted currency on or before the RFQ's FX date; `detail` names it.
    FxRateMissing = "fx_rate_missing",
    /// 422: The `Idempotency-Key` was used for a different request.
    IdempotencyKeyReused = "idempotency_key_reused",
    /// 422: A closing time or deadline that is not in the future.
    InThePast = "in_the_past",
    /// 422: A unit of another dimension than the material's.
    IncompatibleUnit = "incompatible_unit",
    /// 422: Quote Incoterm (or a logistics adder's) not among the RFQ's.
    IncotermNotAllowed = "incoterm_not_allowed",
    /// 422: Password change: `current_password` is wrong.
    Incorrect = "incorrect",
    /// 422: The quantity does not convert exactly to the material's base unit; enter it in another unit.
    InexactConversion = "inexact_conversion",
    /// 500: An unexpected failure, logged on the server.
    InternalError = "internal_error",
    /// 422: Valid JSON of the wrong shape: unknown or missing field, wrong type.
    InvalidBody = "invalid_body",
    /// 422: Not a 10-digit Korean business number with a correct check digit.
    InvalidBusinessNumber = "invalid_business_number",
    /// 422: Supplier account claim: the link is unknown, already used or expired.
    InvalidClaim = "invalid_claim",
    /// 422: Control or NUL characters in a text field or query parameter.
    InvalidCharacters = "invalid_characters",
    /// 422: Material code: 1–32 letters, digits, `.`, `_` or `-`.
    InvalidCode = "invalid_code",
    /// 422: Not an ISO 3166-1 alpha-2 code.
    InvalidCountry = "invalid_country",
    /// 401: Login: wrong email or password (or a disabled account).
    InvalidCredentials = "invalid_credentials",
    /// 422: Not an ISO 4217 code.
    InvalidCurrency = "invalid_currency",
    /// 422: `cursor` was not returned by this list.
    InvalidCursor = "invalid_cursor",
    /// 422: Not a decimal number.
    InvalidDecimal = "invalid_decimal",
    /// 422: Not an email address.
    InvalidEmail = "invalid_email",
    /// 422: `format` other than `json` or `csv`.
    InvalidFormat = "invalid_format",
    /// 422: HS code: 6–10 digits.
    InvalidHsCode = "invalid_hs_code",
    /// 422: `Idempotency-Key` must be 1–255 visible ASCII characters.
    InvalidIdempotencyKey = "invalid_idempotency_key",
    /// 422: Not an Incoterms 2020 rule.
    InvalidIncoterm = "invalid_incoterm",
    /// 422: The invitation token is unknown, used or expired.
    InvalidInvitation = "invalid_invitation",
    /// 422: Material kind: `raw` or `subsidiary`.
    InvalidKind = "invalid_kind",
    /// 422: *portal* language switch: `ko` or `en`.
    InvalidLocale = "invalid_locale",
    /// 422: Membership: `regular` or `associate`.
    InvalidMembership = "invalid_membership",
    /// 422: A query parameter cannot be parsed (id, date, number, boolean).
    InvalidQuery = "invalid_query",
    /// 401: The refresh token is unknown, expired or its session ended.
    InvalidRefreshToken = "invalid_refresh_token",
    /// 422: The password-reset token is unknown, used or expired.
    InvalidResetToken = "invalid_reset_token",
    /// 422: Cooperative users are `coop_admin` or `member`.
    InvalidRole = "invalid_role",
    /// 422: Tax id: 2–40 letters, digits, spaces, dots, slashes or dashes.
    InvalidTaxId = "invalid_tax_id",
    /// 422: Not an IANA time zone.
    InvalidTimezone = "invalid_timezone",
    /// 401: The access token or `Authorization` header is malformed, forged or not Bearer.
    InvalidToken = "invalid_token",
    /// 409: The object's state does not allow this action (e.g. cancelling an awarded RFQ, acknowledging an acknowledged PO).
    InvalidTransition = "invalid_transition",
    /// 422: Not an acceptable `https://` webhook URL (see design.md).
    InvalidWebhookUrl = "invalid_webhook_url",
    /// 422: Award: lines without allocations and `partial` not set.
    LinesMissing = "lines_missing",
    /// 400: The body cannot be read.
    MalformedBody = "malformed_body",
    /// 400: The body is not valid JSON.
    MalformedJson = "malformed_json",
    /// 409: A material is already in another live RFQ of the round.
    MaterialInLiveRfq = "material_in_live_rfq",
    /// 405: The method is not supported on this path (`Allow` lists those that are).
    MethodNotAllowed = "method_not_allowed",
    /// 422: Quote: `min_quantity` above `max_quantity`.
    MinAboveMax = "min_above_max",
    /// 401: No `Authorization` header.
    MissingToken = "missing_token",
    /// 422: A value that must not be negative.
    Negative = "negative",
    /// 422: RFQ: a chosen material (or the whole round) has no demand.
    NoDemand = "no_demand",
    /// 409: Publishing an RFQ that invites no supplier.
    NoSuppliers = "no_suppliers",
    /// 422: Quote: a price break above the unit price or the previous break.
    NotADiscount = "not_a_discount",
    /// 422: `member_id` given for a `coop_admin` user.
    NotAllowed = "not_allowed",
    /// 422: Award: not a submitted offer on that line.
    NotAnOffer = "not_an_offer",
    /// 404: Unknown, not visible to the caller, or not an id.
    NotFound = "not_found",
    /// 422: RFQ: a duty rate for a material that is not one of its lines.
    NotInRfq = "not_in_rfq",
    /// 422: A material that is not one of the round's.
    NotInRound = "not_in_round",
    /// 422: Quote: price-break minimums must increase.
    NotIncreasing = "not_increasing",
    /// 422: Extending a deadline to a time not later than now and the current deadline.
    NotLater = "not_later",
    /// 422: Award: allocations do not sum to the line quantity and `partial` is not set.
    NotLineQuantity = "not_line_quantity",
    /// 422: A value that must be greater than 0.
    NotPositive = "not_positive",
    /// 422: A member user entering demand for another member.
    NotYourMember = "not_your_member",
    /// 422: Award: the offer is expired or its minimum is above the line quantity.
    OfferUnusable = "offer_unusable",
    /// 422: Outside the accepted range (dates 2000–2100, `limit` 1–200, lead time 0–365 days, duty 0–100 %, a number beyond `Decimal`).
    OutOfRange = "out_of_range",
    /// 422: Award: quantity outside the offer's minimum and maximum.
    OutsideOfferRange = "outside_offer_range",
    /// 422: *portal* form message, not a problem body: the two new-password fields differ (the form is shown again).
    PasswordsDiffer = "passwords_differ",
    /// 413: Body over 1 MiB.
    PayloadTooLarge = "payload_too_large",
    /// 422: RFQ: the round's demand for a material sums above 10⁹.
    QuantityTooLarge = "quantity_too_large",
    /// 409: The supplier has quoted on this RFQ already; revise with `PUT /quotes/{id}`.
    QuoteExists = "quote_exists",
    /// 409: The quote was withdrawn; it cannot be revised or withdrawn again.
    QuoteWithdrawn = "quote_withdrawn",
    /// 409: Award: a quote changed while the award was prepared; review the comparison and retry.
    QuotesChanged = "quotes_changed",
    /// 429: Too many requests from this IP to `/auth/*`; see `Retry-After`.
    RateLimited = "rate_limited",
    /// 422: The award costs more than 1 base-currency unit above the optimum; give a `rationale`.
    RationaleRequired = "rationale_required",
    /// 401: A rotated refresh token was presented again; the session is revoked.
    RefreshTokenReused = "refresh_token_reused",
    /// 422: A required field is missing or empty.
    Required = "required",
    /// 422: The password is the email address.
    ResemblesEmail = "resembles_email",
    /// 409: Quoting on a cancelled RFQ.
    RfqCancelled = "rfq_cancelled",
    /// 409: The RFQ's deadline changed while the quote was checked; submit it again.
    RfqChanged = "rfq_changed",
    /// 409: The deadline has passed: quotes and the RFQ can no longer change.
    RfqClosed = "rfq_closed",
    /// 409: A published RFQ can only have its deadline extended.
    RfqPublished = "rfq_published",
    /// 409: RFQs are created from a closed round.
    RoundNotClosed = "round_not_closed",
    /// 409: Demand can be entered or changed only while the round is open.
    RoundNotOpen = "round_not_open",
    /// 422: FX rate: `currency` equals `base`.
    SameAsBase = "same_as_base",
    /// 409: Quotes are sealed until the RFQ's deadline (quote reads, comparison, award).
    Sealed = "sealed",
    /// 422: The password is a run of neighbouring keys or characters.
    Sequential = "sequential",
    /// 401: The session reached its lifetime; log in again.
    SessionExpired = "session_expired",
    /// 401: The session was ended (logout, password change or reset, reuse, disabling).
    SessionRevoked = "session_revoked",
    /// 401: *portal*: the page needs a signed-in user (the portal shows the sign-in page).
    SignInRequired = "sign_in_required",
    /// 422: Unique value already in use (email, business number, tax id, material code).
    Taken = "taken",
    /// 401: The access token has expired; refresh it.
    TokenExpired = "token_expired",
    /// 401: The access token is not valid yet (clocks more than 30 s apart).
    TokenNotYetValid = "token_not_yet_valid",
    /// 422: `required_by` must be after the round's closing date.
    TooEarly = "too_early",
    /// 422: Above the bound (quantities and prices 10⁹, FX rates 10⁷); `message` states it.
    TooLarge = "too_large",
    /// 422: Text too long (`message` gives the limit).
    TooLong = "too_long",
    /// 422: Too many items (200 suppliers per RFQ, 20 price breaks per line).
    TooMany = "too_many",
    /// 429: Password guessing throttled for this account and source; see `Retry-After`.
    TooManyFailedLogins = "too_many_failed_logins",
    /// 422: An RFQ has at most 1000 lines.
    TooManyLines = "too_many_lines",
    /// 422: More decimals than allowed (the unit's precision, 6 for prices, 10 for rates) or than a `Decimal` holds exactly.
    TooPrecise = "too_precise",
    /// 422: The password has fewer than 5 distinct characters.
    TooRepetitive = "too_repetitive",
    /// 422: The password is shorter than 8 characters.
    TooShort = "too_short",
    /// 422: The new password equals the current one.
    Unchanged = "unchanged",
    /// 422: `cooperative_id` names a cooperative the caller may not use.
    UnknownCooperative = "unknown_cooperative",
    /// 422: Not a line of this RFQ.
    UnknownLine = "unknown_line",
    /// 422: Not in this cooperative's catalogue.
    UnknownMaterial = "unknown_material",
    /// 422: Not an active member of this cooperative.
    UnknownMember = "unknown_member",
    /// 422: Not a registered supplier.
    UnknownSupplier = "unknown_supplier",
    /// 422: Not a supported unit (`GET /units`).
    UnknownUnit = "unknown_unit",
    /// 415: Send `application/json`.
    UnsupportedMediaType = "unsupported_media_type",
    /// 422: *CLI* `user create`: only `platform_admin` users are created there.
    UnsupportedRole = "unsupported_role",
    /// 422: Several invalid fields with different codes; see `errors`.
    ValidationFailed = "validation_failed",
    /// 422: RFQ weights must not both be zero.
    ZeroSum = "zero_sum",
}

impl ErrorCode {
    /// The code whose wire string is `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The codes of the table between the `error-codes` markers of `docs/api.md`.
    fn documented() -> Vec<String> {
        let doc = include_str!("../../docs/api.md");
        let start = doc
            .find("<!-- error-codes:start -->")
            .expect("start marker");
        let end = doc.find("<!-- error-codes:end -->").expect("end marker");
        doc[start..end]
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split_once('`').map(|(code, _)| code.to_owned()))
            .collect()
    }

    #[test]
    fn every_code_is_documented_and_every_documented_code_exists() {
        let documented = documented();
        let table: BTreeSet<&str> = documented.iter().map(String::as_str).collect();
        assert_eq!(table.len(), documented.len(), "a code is listed twice");
        let codes: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let undocumented: Vec<_> = codes.difference(&table).collect();
        let unknown: Vec<_> = table.difference(&codes).collect();
        assert!(
            undocumented.is_empty() && unknown.is_empty(),
            "not in docs/api.md: {undocumented:?}; in docs/api.md but not an ErrorCode: {unknown:?}"
        );
    }

    #[test]
    fn codes_are_distinct_snake_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for &code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert_eq!(ErrorCode::parse(s), Some(code));
            assert_eq!(serde_json::to_value(code).unwrap(), s);
            assert_eq!(code.to_string(), s);
        }
        assert_eq!(ErrorCode::parse("no_such_code"), None);
    }
}
