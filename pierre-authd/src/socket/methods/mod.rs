//! Method dispatch: parse params, call the handler for the resolved user.

pub mod auth;
pub mod connections;
pub mod daemon;
pub mod import;
pub mod providers;
pub mod settings;
pub mod tokens;
pub mod users;

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{RpcError, method};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::session::RequestContext;

/// Runs one method. `hello` is handled by the connection itself.
pub async fn dispatch(ctx: &RequestContext<'_>, name: &str, params: Value) -> Result<Value, RpcError> {
    match name {
        method::STATUS => reply(daemon::status(ctx).await),
        method::SHUTDOWN => reply(daemon::shutdown(ctx)),
        method::PURGE => reply(daemon::purge(ctx).await),
        method::USERS_ADD => reply(users::add(ctx, parse(params)?).await),
        method::USERS_LIST => reply(users::list(ctx).await),
        method::USERS_REMOVE => reply(users::remove(ctx, parse(params)?).await),
        method::USERS_RENAME => reply(users::rename(ctx, parse(params)?).await),
        method::CONNECTIONS_LIST => reply(connections::list(ctx).await),
        method::CONNECTIONS_BEGIN => reply(connections::begin(ctx, parse(params)?).await),
        method::CONNECTIONS_WAIT => reply(connections::wait(ctx, parse(params)?).await),
        method::CONNECTIONS_DISCONNECT => reply(connections::disconnect(ctx, parse(params)?).await),
        method::CONNECTIONS_IMPORT => reply(import::import(ctx, parse(params)?).await),
        method::TOKENS_GET => reply(tokens::get(ctx, parse(params)?).await),
        method::USAGE_REPORT => reply(tokens::usage_report(ctx, parse(params)?)),
        method::PROVIDERS_LIST => reply(providers::list(ctx).await),
        method::APPS_SET => reply(providers::apps_set(ctx, parse(params)?).await),
        method::APPS_REMOVE => reply(providers::apps_remove(ctx, parse(params)?).await),
        method::LOGIN_APPROVE => reply(auth::approve(ctx, parse(params)?).await),
        method::AUTH_RESOLVE => reply(auth::resolve(ctx, parse(params)?).await),
        method::AUTH_TOKEN => reply(auth::token(ctx, parse(params)?).await),
        method::KEYS_ROTATE => reply(auth::rotate(ctx).await),
        method::SETTINGS_GET => reply(settings::get(ctx).await),
        method::SETTINGS_SET => reply(settings::set(ctx, parse(params)?).await),
        _ => Err(RpcError::new(
            ErrorCode::MethodNotFound,
            format!("there is no method `{name}`; the README lists the socket API's methods"),
        )),
    }
}

/// Decodes params, turning serde's complaint into an invalid_params sentence.
pub fn parse<P: DeserializeOwned>(params: Value) -> Result<P, RpcError> {
    serde_json::from_value(params)
        .map_err(|e| RpcError::new(ErrorCode::InvalidParams, format!("invalid params: {e}; fix the request and retry")))
}

fn reply<T: Serialize>(result: Result<T, RpcError>) -> Result<Value, RpcError> {
    let value = result?;
    serde_json::to_value(value).map_err(|_| {
        RpcError::new(
            ErrorCode::InternalError,
            "the daemon could not encode its answer; this is a bug, please report it",
        )
    })
}
