//! Who a connection acts for, resolved once at `daemon.hello` and, for a
//! request naming a `user`, once more at the edge before its handler runs.
//! Handlers only ever see a [`ResolvedUser`], never a raw name.

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{ClientInfo, RpcError};
use serde_json::Value;

use crate::daemon::Daemon;
use crate::vault::UserRecord;

/// A Pierre user that exists, looked up by the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    pub user_id: String,
    pub name: String,
    pub is_owner: bool,
}

impl From<UserRecord> for ResolvedUser {
    fn from(u: UserRecord) -> Self {
        ResolvedUser { user_id: u.user_id, name: u.name, is_owner: u.is_owner }
    }
}

/// A connection after a successful hello.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user requests act for when they name none.
    pub user: ResolvedUser,
    /// Same-uid connection without a token: an administrator who may name
    /// any user. Token-pinned connections (later) may not.
    pub is_admin: bool,
    /// When the JWT that pinned this connection expires (Unix seconds):
    /// a token minted on it may not outlive it.
    pub token_expires_at: Option<i64>,
    pub client: ClientInfo,
    pub peer_pid: Option<i32>,
}

/// One request's resolved context, handed to every handler.
pub struct RequestContext<'a> {
    /// An `Arc` so a handler can hand work to a task that outlives the
    /// request (a token refresh must finish even if its caller goes away).
    pub daemon: &'a std::sync::Arc<Daemon>,
    pub session: &'a Session,
    /// The user this request acts for.
    pub user: ResolvedUser,
}

impl RequestContext<'_> {
    /// Refuses methods only an administrator connection may call.
    pub fn require_admin(&self, what: &str) -> Result<(), RpcError> {
        if self.session.is_admin {
            return Ok(());
        }
        Err(RpcError::new(
            ErrorCode::PermissionDenied,
            format!(
                "only the owner's own connections may {what}; run the command as the OS account that owns this daemon"
            ),
        ))
    }
}

/// Looks a user up by name or id, with the error a person can act on.
pub async fn resolve_user(daemon: &Daemon, name_or_id: &str) -> Result<ResolvedUser, RpcError> {
    let wanted = name_or_id.to_string();
    let found = daemon.store(move |store| store.find_user(&wanted)).await?;
    found.map(ResolvedUser::from).ok_or_else(|| {
        RpcError::new(
            ErrorCode::UnknownUser,
            format!("there is no Pierre user named `{name_or_id}`; list users with `pierre-authd users list` or add one with `pierre-authd users add {name_or_id}`"),
        )
    })
}

/// Takes the optional `user` member out of a request's params.
pub fn take_user_param(params: &mut Value) -> Result<Option<String>, RpcError> {
    let Some(object) = params.as_object_mut() else { return Ok(None) };
    match object.remove("user") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(RpcError::new(ErrorCode::InvalidParams, "`user` must be a user name or id (a string)")),
    }
}

/// Resolves the user one request acts for: the session's, or the one its
/// `user` param names (administrators only).
pub async fn user_for_request(
    daemon: &Daemon,
    session: &Session,
    named: Option<String>,
) -> Result<ResolvedUser, RpcError> {
    let Some(named) = named else { return Ok(session.user.clone()) };
    if named == session.user.name || named == session.user.user_id {
        return Ok(session.user.clone());
    }
    if !session.is_admin {
        return Err(RpcError::new(
            ErrorCode::PermissionDenied,
            format!("this connection is pinned to user `{}` and may not act for another user", session.user.name),
        ));
    }
    let user = resolve_user(daemon, &named).await?;
    tracing::info!(target_user = %user.user_id, client = %session.client.name, "administrator request names a user");
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_param_is_taken_out_of_params() {
        let mut params = json!({"user": "alice", "provider": "strava"});
        assert_eq!(take_user_param(&mut params).unwrap(), Some("alice".into()));
        assert_eq!(params, json!({"provider": "strava"}));
    }

    #[test]
    fn non_string_user_param_is_refused() {
        let mut params = json!({"user": 7});
        let err = take_user_param(&mut params).unwrap_err();
        assert_eq!(err.data.code, ErrorCode::InvalidParams);
    }

    #[test]
    fn absent_or_non_object_params_name_no_user() {
        assert_eq!(take_user_param(&mut json!(null)).unwrap(), None);
        assert_eq!(take_user_param(&mut json!([1, 2])).unwrap(), None);
        assert_eq!(take_user_param(&mut json!({"user": null})).unwrap(), None);
    }
}
