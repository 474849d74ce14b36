//! Reading an invitation before accepting it (the portal's `/invite/{token}` page shows
//! whom it is for).

use crate::auth::repo as auth_repo;
use crate::auth::{tokens, Role};
use crate::context::Ctx;
use crate::error::AppError;
use crate::{cooperatives, db, suppliers};

/// Whom an open invitation is for.
#[derive(Debug, Clone)]
pub struct Invited {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The cooperative's or supplier's name.
    pub organisation: String,
}

/// The invitation of `token` if it is open (unused, not expired, the user not disabled).
pub async fn open(ctx: &Ctx, token: &str) -> Result<Option<Invited>, AppError> {
    let now = ctx.clock.now();
    let mut conn = db::conn(&ctx.pool).await?;
    let hash = tokens::digest(token.trim());
    let Some((user_id, expires, used)) =
        super::repo::invitation_for_update(&mut conn, &hash).await?
    else {
        return Ok(None);
    };
    if used.is_some() || expires <= now {
        return Ok(None);
    }
    let Some(user) = auth_repo::find_user(&mut conn, user_id)
        .await?
        .filter(|u| !u.disabled)
    else {
        return Ok(None);
    };
    let organisation = match (user.cooperative_id, user.supplier_id) {
        (Some(c), _) => cooperatives::repo::find_cooperative(&mut conn, c)
            .await?
            .map(|c| c.name),
        (None, Some(s)) => suppliers::repo::find(&mut conn, s).await?.map(|s| s.name),
        (None, None) => None,
    }
    .unwrap_or_else(|| "coprocure".to_owned());
    Ok(Some(Invited {
        email: user.email,
        name: user.name,
        role: user.role,
        organisation,
    }))
}
