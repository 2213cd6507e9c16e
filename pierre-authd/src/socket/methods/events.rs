//! `events.subscribe`: the one method that keeps answering after its
//! result, with `event` notifications on the same connection. The
//! connection calls it directly (it needs the connection's writer), not
//! through the dispatch table.

use std::sync::Arc;

use pierre_shared::protocol::{EventsSubscribeResult, NoParams, RpcError};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::parse;
use crate::daemon::Daemon;
use crate::socket::session::{Session, take_user_param, user_for_request};

/// The kinds of event a subscriber receives.
const EVENT_KINDS: [&str; 5] = ["oauth_complete", "oauth_error", "token_refreshed", "needs_reconnect", "disconnected"];

/// `events.subscribe`: from now on, this connection also receives
/// `{"jsonrpc":"2.0","method":"event","params":{...}}` notifications for
/// the request's user (the session's, or the `user` an administrator names),
/// until it closes.
pub async fn subscribe(
    daemon: &Arc<Daemon>,
    session: &Session,
    params: Value,
    notes: mpsc::Sender<String>,
) -> Result<EventsSubscribeResult, RpcError> {
    let mut params = params;
    let named = take_user_param(&mut params)?;
    let NoParams {} = parse(params)?;
    let user = user_for_request(daemon, session, named).await?;
    let mut subscription = daemon.events.subscribe(&user.user_id);
    let user_id = user.user_id.clone();
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                event = subscription.next() => event,
                // The connection's writer is gone: the connection closed.
                _ = notes.closed() => None,
            };
            let Some(kind) = event else { break };
            let mut params = serde_json::to_value(&kind).unwrap_or_default();
            params["user_id"] = json!(user_id);
            let line = json!({ "jsonrpc": "2.0", "method": "event", "params": params }).to_string();
            if notes.send(line).await.is_err() {
                break;
            }
        }
    });
    Ok(EventsSubscribeResult {
        subscribed: true,
        user_id: user.user_id,
        events: EVENT_KINDS.map(String::from).to_vec(),
    })
}
