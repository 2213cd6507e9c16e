//! Method dispatch: parse params, call the handler for the resolved user.

pub mod auth;
pub mod connections;
pub mod daemon;
pub mod events;
pub mod import;
pub mod providers;
pub mod settings;
pub mod tokens;
pub mod users;

use std::future::Future;

use pierre_shared::ErrorCode;
use pierre_shared::protocol::*;
use serde_json::Value;

use super::session::RequestContext;

/// The dispatch table: each arm names a [`Method`] type of the shared
/// protocol list and its handler, so the params a handler takes and the
/// result it gives are the method's own types (checked at compile time).
/// Also yields [`HANDLED`], which a test compares with the protocol's list.
macro_rules! dispatch_table {
    ($ctx:ident, $name:ident, $params:ident; $($method:ty => |$p:pat_param| $handler:expr;)*) => {
        /// Runs one method. `daemon.hello` and `events.subscribe` are
        /// handled by the connection itself.
        pub async fn dispatch($ctx: &RequestContext<'_>, $name: &str, $params: Value) -> Result<Value, RpcError> {
            match $name {
                $(<$method as Method>::NAME => run::<$method, _>($params, |$p| $handler).await,)*
                _ => Err(RpcError::new(
                    ErrorCode::MethodNotFound,
                    format!("there is no method `{}`; the README lists the socket API's methods", $name),
                )),
            }
        }

        /// The methods [`dispatch`] answers.
        #[cfg(test)]
        pub const HANDLED: &[&str] = &[$(<$method as Method>::NAME),*];
    };
}

dispatch_table! { ctx, name, params;
    Status => |NoParams {}| daemon::status(ctx);
    Shutdown => |NoParams {}| async { daemon::shutdown(ctx) };
    Purge => |NoParams {}| daemon::purge(ctx);
    UsersAdd => |p| users::add(ctx, p);
    UsersList => |NoParams {}| users::list(ctx);
    UsersRemove => |p| users::remove(ctx, p);
    UsersRename => |p| users::rename(ctx, p);
    ConnectionsList => |NoParams {}| connections::list(ctx);
    ConnectionsBegin => |p| connections::begin(ctx, p);
    ConnectionsWait => |p| connections::wait(ctx, p);
    ConnectionsDisconnect => |p| connections::disconnect(ctx, p);
    ConnectionsImport => |p| import::import(ctx, p);
    TokensGet => |p| tokens::get(ctx, p);
    UsageReport => |p| async { tokens::usage_report(ctx, p) };
    ProvidersList => |NoParams {}| providers::list(ctx);
    AppsSet => |p| providers::apps_set(ctx, p);
    AppsRemove => |p| providers::apps_remove(ctx, p);
    LoginApprove => |p| auth::approve(ctx, p);
    AuthResolve => |p| auth::resolve(ctx, p);
    AuthToken => |p| auth::token(ctx, p);
    KeysRotate => |NoParams {}| auth::rotate(ctx);
    SettingsGet => |NoParams {}| settings::get(ctx);
    SettingsSet => |p| settings::set(ctx, p);
}

/// Decodes `M`'s params, runs its handler and encodes its result.
async fn run<M: Method, F: Future<Output = Result<M::Result, RpcError>>>(
    params: Value,
    handler: impl FnOnce(M::Params) -> F,
) -> Result<Value, RpcError> {
    let value = handler(parse(params)?).await?;
    serde_json::to_value(value).map_err(|_| {
        RpcError::new(
            ErrorCode::InternalError,
            "the daemon could not encode its answer; this is a bug, please report it",
        )
    })
}

/// Decodes params, turning serde's complaint into an invalid_params sentence.
/// Absent params (`null`) read as `{}`.
pub fn parse<P: serde::de::DeserializeOwned>(params: Value) -> Result<P, RpcError> {
    let params = if params.is_null() { Value::Object(serde_json::Map::new()) } else { params };
    serde_json::from_value(params)
        .map_err(|e| RpcError::new(ErrorCode::InvalidParams, format!("invalid params: {e}; fix the request and retry")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every method of the shared list is answered: by the dispatch table,
    /// or by the connection (hello, events.subscribe); nothing else is.
    #[test]
    fn the_dispatch_table_covers_the_protocol_list() {
        let mut answered: Vec<&str> = HANDLED.to_vec();
        answered.extend([Hello::NAME, EventsSubscribe::NAME]);
        answered.sort_unstable();
        let mut listed = METHODS.to_vec();
        listed.sort_unstable();
        assert_eq!(answered, listed);
    }
}
