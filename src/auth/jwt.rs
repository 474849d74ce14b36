//! HS256 access tokens.
//!
//! Claims: `iss, aud, sub, role, sid, iat, nbf, exp, jti`. Validation accepts only HS256
//! (so `alg: none` and algorithm-confusion tokens fail), requires `exp`, `nbf`, `iss`,
//! `aud` and `sub`, and checks issuer and audience. `exp` and `nbf` are checked here against
//! the injected [`Clock`](crate::clock::Clock) with 30 s leeway, rather than inside
//! jsonwebtoken against the system clock, so that the whole application agrees on one "now".

use chrono::{DateTime, Utc};
use jsonwebtoken::{
    decode, encode, errors::ErrorKind, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::ErrorCode;
use crate::ids::{SessionId, UserId};

/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECS: i64 = 30;
/// `iss` of every token.
pub const ISSUER: &str = "coprocure";
/// `aud` of every token.
pub const AUDIENCE: &str = "coprocure-api";

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user.
    pub sub: UserId,
    /// The user's role when the token was issued (the database stays authoritative).
    pub role: Role,
    /// The session this token belongs to; checked on every request.
    pub sid: SessionId,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Unique token id.
    pub jti: uuid::Uuid,
}

/// Why a token was refused; each maps to a 401 `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Unparseable, wrong signature, wrong algorithm, missing claim, wrong iss/aud.
    Invalid,
    /// Past `exp` (+ leeway).
    Expired,
    /// Before `nbf` (− leeway).
    NotYetValid,
}

impl TokenError {
    /// The problem `code`.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Invalid => ErrorCode::InvalidToken,
            Self::Expired => ErrorCode::TokenExpired,
            Self::NotYetValid => ErrorCode::TokenNotYetValid,
        }
    }
}

/// Signing and verification keys with the fixed validation rules.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    /// Keys from an HS256 secret (at least 32 bytes; checked by configuration).
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        // Checked against the injected clock in `verify`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues an access token; returns it with its lifetime in seconds.
    pub fn issue(
        &self,
        user: UserId,
        role: Role,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(String, i64)> {
        let iat = now.timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user,
            role,
            sid: session,
            iat,
            nbf: iat,
            exp: iat + ACCESS_TTL_SECS,
            jti: uuid::Uuid::now_v7(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, ACCESS_TTL_SECS))
    }

    /// Verifies signature, algorithm, issuer, audience and the time window.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                    _ => TokenError::Invalid,
                }
            })?;
        let c = data.claims;
        let now = now.timestamp();
        if now > c.exp + LEEWAY_SECS {
            return Err(TokenError::Expired);
        }
        if now < c.nbf - LEEWAY_SECS {
            return Err(TokenError::NotYetValid);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use chrono::Duration;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET)
    }

    #[test]
    fn round_trip_carries_every_claim() {
        let now = Utc::now();
        let (user, sid) = (UserId::new(), SessionId::new());
        let (token, ttl) = keys().issue(user, Role::PlatformAdmin, sid, now).unwrap();
        assert_eq!(ttl, 900);
        let c = keys().verify(&token, now).unwrap();
        assert_eq!((c.sub, c.sid, c.role), (user, sid, Role::PlatformAdmin));
        assert_eq!((c.iss.as_str(), c.aud.as_str()), (ISSUER, AUDIENCE));
        assert_eq!(c.exp - c.iat, 900);
        assert_eq!(c.nbf, c.iat);
    }

    #[test]
    fn expiry_and_leeway() {
        let now = Utc::now();
        let (token, _) = keys()
            .issue(UserId::new(), Role::Member, SessionId::new(), now)
            .unwrap();
        assert!(keys()
            .verify(&token, now + Duration::seconds(900 + 30))
            .is_ok());
        assert_eq!(
            keys().verify(&token, now + Duration::seconds(900 + 31)),
            Err(TokenError::Expired)
        );
        assert!(keys().verify(&token, now - Duration::seconds(30)).is_ok());
        assert_eq!(
            keys().verify(&token, now - Duration::seconds(31)),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn alg_none_and_foreign_keys_are_refused() {
        let now = Utc::now();
        let (token, _) = keys()
            .issue(UserId::new(), Role::Member, SessionId::new(), now)
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            keys().verify(&format!("{none_header}.{payload}."), now),
            Err(TokenError::Invalid)
        );
        let other = JwtKeys::new(b"another-secret-another-secret-xx");
        let (foreign, _) = other
            .issue(UserId::new(), Role::Member, SessionId::new(), now)
            .unwrap();
        assert_eq!(keys().verify(&foreign, now), Err(TokenError::Invalid));
        assert_eq!(keys().verify("not.a.token", now), Err(TokenError::Invalid));
    }
}
