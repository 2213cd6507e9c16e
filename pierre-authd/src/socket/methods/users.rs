//! `users.add|list|remove|rename`: the Pierre users sharing this daemon.

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{
    RpcError, UserInfo, UsersAddParams, UsersListResult, UsersRemoveParams, UsersRemoveResult, UsersRenameParams,
};

use crate::daemon::add_user_with_defaults;
use crate::socket::session::{RequestContext, resolve_user};
use crate::vault::UserRecord;

fn info(u: UserRecord) -> UserInfo {
    UserInfo { user_id: u.user_id, name: u.name, created_at: u.created_at, is_owner: u.is_owner }
}

pub async fn add(ctx: &RequestContext<'_>, params: UsersAddParams) -> Result<UserInfo, RpcError> {
    ctx.require_admin("add users")?;
    let user = ctx.daemon.store(move |store| add_user_with_defaults(store, &params.name, false)).await?;
    tracing::info!(user_id = %user.user_id, "user added");
    Ok(info(user))
}

/// Administrators see every user; a pinned connection sees only itself.
pub async fn list(ctx: &RequestContext<'_>) -> Result<UsersListResult, RpcError> {
    let users = ctx.daemon.store(|store| store.list_users()).await?;
    let visible =
        users.into_iter().filter(|u| ctx.session.is_admin || u.user_id == ctx.user.user_id).map(info).collect();
    Ok(UsersListResult { users: visible })
}

pub async fn remove(ctx: &RequestContext<'_>, params: UsersRemoveParams) -> Result<UsersRemoveResult, RpcError> {
    ctx.require_admin("remove users")?;
    let user = resolve_user(ctx.daemon, &params.target).await?;
    if user.is_owner {
        return Err(RpcError::new(
            ErrorCode::UserProtected,
            "the owner user cannot be removed; use `pierre-authd purge` to delete the whole install",
        ));
    }
    let user_id = user.user_id.clone();
    ctx.daemon.store(move |store| store.remove_user(&user_id)).await?;
    tracing::info!(user_id = %user.user_id, "user removed");
    Ok(UsersRemoveResult { removed: user.user_id, name: user.name })
}

pub async fn rename(ctx: &RequestContext<'_>, params: UsersRenameParams) -> Result<UserInfo, RpcError> {
    ctx.require_admin("rename users")?;
    let user = resolve_user(ctx.daemon, &params.target).await?;
    let renamed = ctx.daemon.store(move |store| store.rename_user(&user.user_id, &params.new_name)).await?;
    Ok(info(renamed))
}
