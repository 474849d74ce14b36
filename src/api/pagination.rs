//! Cursor pagination of lists (API.md: `{"items": [...], "next_cursor": null | "..."}`,
//! `?limit=` up to 200, `&cursor=`). Cursors are opaque base64url strings of the last
//! item's sort key `(created_at, id)`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, ErrorCode};

/// The sort key a cursor encodes: `(created_at, id)` of the last item.
pub type SortKey = (DateTime<Utc>, uuid::Uuid);

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 200;

/// `?limit=&cursor=`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The validated limit.
    pub fn limit(&self) -> Result<i64, AppError> {
        match self.limit {
            None => Ok(i64::from(DEFAULT_LIMIT)),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(i64::from(n)),
            Some(_) => Err(AppError::invalid(
                "limit",
                ErrorCode::OutOfRange,
                format!("must be from 1 to {MAX_LIMIT}"),
            )),
        }
    }

    /// The decoded cursor.
    pub fn after(&self) -> Result<Option<(DateTime<Utc>, uuid::Uuid)>, AppError> {
        self.cursor.as_deref().map(decode).transpose()
    }
}

/// `?q=&limit=&cursor=` of searchable lists.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Case-insensitive search on name (and code or email where the list has one).
    pub q: Option<String>,
    /// Items per page, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    /// `(q, after, limit)`, validated.
    pub fn parts(&self) -> Result<(Option<&str>, Option<SortKey>, i64), AppError> {
        let page = PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        };
        if self.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
            return Err(AppError::invalid(
                "q",
                ErrorCode::TooLong,
                "must be at most 100 characters",
            ));
        }
        Ok((self.q.as_deref(), page.after()?, page.limit()?))
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit` items, `key` giving each item's sort key.
    pub fn new(items: Vec<T>, limit: i64, key: impl Fn(&T) -> (DateTime<Utc>, uuid::Uuid)) -> Self {
        let next_cursor = if items.len() as i64 == limit {
            items.last().map(|last| encode(key(last)))
        } else {
            None
        };
        Self { items, next_cursor }
    }
}

/// Encodes a sort key as a cursor.
pub fn encode((at, id): (DateTime<Utc>, uuid::Uuid)) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}",
        at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        id
    ))
}

fn decode(cursor: &str) -> Result<(DateTime<Utc>, uuid::Uuid), AppError> {
    let bad = || {
        AppError::invalid(
            "cursor",
            ErrorCode::InvalidCursor,
            "is not a cursor returned by this list",
        )
    };
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .to_utc();
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_422() {
        let key = (Utc::now(), uuid::Uuid::now_v7());
        let q = PageQuery {
            limit: None,
            cursor: Some(encode(key)),
        };
        let (at, id) = q.after().unwrap().unwrap();
        assert_eq!(id, key.1);
        assert_eq!(at.timestamp_micros(), key.0.timestamp_micros());
        let bad = PageQuery {
            limit: Some(0),
            cursor: Some("!!".into()),
        };
        assert!(bad.after().is_err());
        assert!(bad.limit().is_err());
        assert!(PageQuery {
            limit: Some(201),
            cursor: None
        }
        .limit()
        .is_err());
        assert_eq!(
            PageQuery {
                limit: Some(200),
                cursor: None
            }
            .limit()
            .unwrap(),
            200
        );
    }
}
