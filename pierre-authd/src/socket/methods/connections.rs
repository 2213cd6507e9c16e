//! `connections.list`: the resolved user's provider connections.

use pierre_shared::protocol::{ConnectionInfo, ConnectionsListResult, RpcError};

use crate::socket::session::RequestContext;

pub async fn list(ctx: &RequestContext<'_>) -> Result<ConnectionsListResult, RpcError> {
    let user_id = ctx.user.user_id.clone();
    let records = ctx.daemon.store(move |store| store.list_connections(&user_id)).await?;
    let connections = records
        .into_iter()
        .map(|r| ConnectionInfo {
            provider: r.provider,
            state: r.state,
            connection_id: r.connection_id,
            account_id: r.account_id,
            connected_at: r.connected_at,
        })
        .collect();
    Ok(ConnectionsListResult { user_id: ctx.user.user_id.clone(), connections })
}
