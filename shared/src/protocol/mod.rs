//! The daemon's socket protocol: newline-delimited JSON-RPC 2.0.
//!
//! One request or response per line, UTF-8, at most [`MAX_LINE_BYTES`].
//! Many requests may be in flight on one connection; answers are matched by
//! `id`. The first request on a connection must be `daemon.hello`, which
//! resolves the connection to exactly one Pierre user.
//!
//! Owner connections (same uid, no token) may add a `user` member to any
//! request's params to act on another Pierre user; the daemon resolves it at
//! the edge, before a handler runs.
//!
//! Every method is one type implementing [`Method`] (its name, params and
//! result), declared once in the [`methods!`] list below. The client calls
//! `client.call::<TokensGet>(&params)`, the daemon's dispatch matches on the
//! same types, and [`METHODS`] (from the same list) is what a test holds the
//! dispatch to, so a renamed field or method breaks the build, not a user.
//! The types live in one file per family.

mod apps;
mod auth;
mod connections;
mod daemon;
mod import;
mod settings;
mod tokens;
mod users;
mod wire;

pub use apps::*;
pub use auth::*;
pub use connections::*;
pub use daemon::*;
pub use import::*;
pub use settings::*;
pub use tokens::*;
pub use users::*;
pub use wire::*;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Protocol versions this build speaks, newest first.
pub const PROTOCOL_VERSIONS: &[u32] = &[1];

/// Longest accepted line, in bytes, excluding the newline. Long enough for
/// any real request, short enough that a hostile peer cannot balloon memory.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// One socket method: its wire name and the types of its params and result.
/// Implemented by the uninhabited marker types [`methods!`] declares.
pub trait Method {
    /// The wire name, such as `tokens.get`.
    const NAME: &'static str;
    type Params: Serialize + DeserializeOwned + Send + Sync + 'static;
    type Result: Serialize + DeserializeOwned + Send + 'static;
}

/// Params of a method that takes none: `{}` (or no params at all). Unknown
/// members are refused like everywhere else, so a typo is never ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Declares each method's marker type and [`METHODS`], from one list.
macro_rules! methods {
    ($($(#[$doc:meta])* $ty:ident = $name:literal, $params:ty => $result:ty;)*) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub enum $ty {}

            impl Method for $ty {
                const NAME: &'static str = $name;
                type Params = $params;
                type Result = $result;
            }
        )*

        /// Every method's wire name, in the order of the list.
        pub const METHODS: &[&str] = &[$($name),*];
    };
}

methods! {
    /// The handshake; the first request on every connection.
    Hello = "daemon.hello", HelloParams => HelloResult;
    Status = "daemon.status", NoParams => StatusResult;
    Shutdown = "daemon.shutdown", NoParams => ShutdownResult;
    /// Deletes the whole install (owner only).
    Purge = "daemon.purge", NoParams => PurgeResult;
    /// From now on the connection also receives `event` notifications.
    EventsSubscribe = "events.subscribe", NoParams => EventsSubscribeResult;
    UsersAdd = "users.add", UsersAddParams => UserInfo;
    UsersList = "users.list", NoParams => UsersListResult;
    UsersRemove = "users.remove", UsersRemoveParams => UsersRemoveResult;
    UsersRename = "users.rename", UsersRenameParams => UserInfo;
    ProvidersList = "providers.list", NoParams => ProvidersListResult;
    AppsSet = "apps.set", AppsSetParams => AppsSetResult;
    AppsRemove = "apps.remove", AppsRemoveParams => AppsRemoveResult;
    ConnectionsList = "connections.list", NoParams => ConnectionsListResult;
    ConnectionsBegin = "connections.begin", ConnectionsBeginParams => ConnectionsBeginResult;
    /// Waits for the sign-in `connections.begin` started to land.
    ConnectionsWait = "connections.wait", ConnectionsWaitParams => ConnectionInfo;
    ConnectionsDisconnect = "connections.disconnect", ConnectionsDisconnectParams => ConnectionsDisconnectResult;
    ConnectionsImport = "connections.import", ConnectionsImportParams => ConnectionsImportResult;
    TokensGet = "tokens.get", TokensGetParams => TokensGetResult;
    UsageReport = "usage.report", UsageReportParams => UsageReportResult;
    LoginApprove = "login.approve", LoginApproveParams => LoginApproveResult;
    AuthResolve = "auth.resolve", AuthResolveParams => AuthResolveResult;
    AuthToken = "auth.token", AuthTokenParams => AuthTokenResult;
    KeysRotate = "keys.rotate", NoParams => KeysRotateResult;
    SettingsGet = "settings.get", NoParams => SettingsGetResult;
    SettingsSet = "settings.set", SettingsSetParams => SettingsSetResult;
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    #[test]
    fn error_response_carries_code_and_sentence() {
        let r = Response::err(
            Some(RequestId::Number(7)),
            RpcError::new(
                ErrorCode::NotConnected,
                "No Strava connection for user alice. Run `pierre-authd connect strava`.",
            )
            .with_provider("strava"),
        );
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["error"]["code"], json!(-32000));
        assert_eq!(v["error"]["data"]["code"], json!("not_connected"));
        assert_eq!(v["error"]["data"]["provider"], json!("strava"));
        assert_eq!(v["id"], json!(7));
        assert!(v.get("result").is_none());
    }

    #[test]
    fn ids_may_be_strings_or_numbers() {
        let a: Request = serde_json::from_str(r#"{"jsonrpc":"2.0","id":"x","method":"m"}"#).unwrap();
        assert_eq!(a.id, RequestId::String("x".into()));
        let b: Request = serde_json::from_str(r#"{"jsonrpc":"2.0","id":3,"method":"m","params":{}}"#).unwrap();
        assert_eq!(b.id, RequestId::Number(3));
    }

    #[test]
    fn request_and_response_debug_hide_params_and_results() {
        let request = Request {
            jsonrpc: "2.0".into(),
            id: RequestId::Number(1),
            method: "apps.set".into(),
            params: json!({"client_secret": "very-secret-value"}),
        };
        let response = Response::ok(RequestId::Number(1), json!({"token": "very-secret-value"}));
        let shown = format!("{request:?} {response:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("apps.set"));
    }

    #[test]
    fn hello_debug_never_shows_the_token() {
        let hello = HelloParams {
            protocol_versions: vec![1],
            client: ClientInfo { name: "t".into(), version: "0".into() },
            token: Some("eyJhbGciOiJFUzI1NiJ9.secret-part".into()),
            user: None,
        };
        let shown = format!("{hello:?}");
        assert!(!shown.contains("secret-part"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn garmin_token_files_parse_as_garth_writes_them_and_debug_hides_tokens() {
        let oauth1: GarminOauth1Token = serde_json::from_value(json!({
            "oauth_token": "o1-token", "oauth_token_secret": "o1-secret", "mfa_token": null,
            "mfa_expiration_timestamp": "2024-08-02 05:56:10.000", "domain": "garmin.com", "later": 1
        }))
        .unwrap();
        assert_eq!(oauth1.domain.as_deref(), Some("garmin.com"));
        let oauth2: GarminOauth2Token = serde_json::from_value(json!({
            "scope": "CONNECT_READ", "jti": "j", "token_type": "Bearer", "access_token": "o2-access",
            "refresh_token": "o2-refresh", "expires_in": 3599, "expires_at": 1700003599.75,
            "refresh_token_expires_in": 7199, "refresh_token_expires_at": 1700007199
        }))
        .unwrap();
        assert_eq!((oauth2.expires_at, oauth2.refresh_token_expires_at), (1_700_003_599, Some(1_700_007_199)));
        let di = ConnectionsImportDi {
            layout: ConnectionsImportLayout::PythonGarminconnect,
            client_id: "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2".into(),
            access_token: "di-access".into(),
            refresh_token: "di-refresh".into(),
            token_type: None,
            scope: None,
            expires_at: Some(1),
            refresh_token_expires_at: None,
        };
        let params = ConnectionsImportParams {
            provider: "garmin".into(),
            oauth1: Some(oauth1),
            oauth2: Some(oauth2),
            di: Some(di),
        };
        let shown = format!("{params:?}");
        assert!(shown.contains("GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2"), "{shown}");
        for secret in ["o1-token", "o1-secret", "o2-access", "o2-refresh", "di-access", "di-refresh"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let missing = serde_json::from_value::<GarminOauth2Token>(json!({ "access_token": "a" }));
        assert!(missing.unwrap_err().to_string().contains("expires_at"));
        let huge = serde_json::from_value::<GarminOauth2Token>(json!({ "access_token": "a", "expires_at": 1e300 }));
        assert!(huge.is_err());
    }

    #[test]
    fn connections_import_takes_the_garth_pair_as_before_or_a_di_sign_in() {
        let old = serde_json::from_value::<ConnectionsImportParams>(json!({
            "provider": "garmin",
            "oauth1": { "oauth_token": "t", "oauth_token_secret": "s" },
            "oauth2": { "access_token": "a", "expires_at": 1 }
        }))
        .unwrap();
        assert!(old.oauth1.is_some() && old.oauth2.is_some() && old.di.is_none());
        let di = serde_json::from_value::<ConnectionsImportParams>(json!({
            "provider": "garmin",
            "di": { "layout": "garth-ng", "client_id": "c", "access_token": "a", "refresh_token": "r", "expires_at": 5 }
        }))
        .unwrap();
        let di = di.di.unwrap();
        assert_eq!(
            (di.layout, di.expires_at, di.refresh_token_expires_at),
            (ConnectionsImportLayout::GarthNg, Some(5), None)
        );
        let typo = serde_json::from_value::<ConnectionsImportParams>(json!({
            "provider": "garmin", "di": { "layout": "garth-ng", "client_id": "c", "access_token": "a", "refresh_token": "r", "refresh": 1 }
        }));
        assert!(typo.is_err());
        // An older daemon's answer (no `refreshes`) still reads.
        let result = serde_json::from_value::<ConnectionsImportResult>(json!({
            "connection": { "provider": "garmin", "state": "connected", "connection_id": "c", "account_id": null, "connected_at": 0 },
            "replaced": false, "expires_at": null
        }))
        .unwrap();
        assert!(!result.refreshes);
    }

    #[test]
    fn methods_without_params_take_an_empty_object_and_refuse_members() {
        assert_eq!(serde_json::from_value::<NoParams>(json!({})).unwrap(), NoParams {});
        assert!(serde_json::from_value::<NoParams>(json!({"verbose": true})).is_err());
    }

    #[test]
    fn tokens_cross_the_wire_as_plain_strings_and_come_back_as_secrets() {
        let result = TokensGetResult {
            access_token: "at-123".into(),
            expires_at: None,
            api_base: "https://x".into(),
            connection_id: "c".into(),
            account_id: None,
        };
        let wire = serde_json::to_value(&result).unwrap();
        assert_eq!(wire["access_token"], json!("at-123"));
        let back: TokensGetResult = serde_json::from_value(wire).unwrap();
        assert_eq!(back.access_token.expose_text(), "at-123");
        assert!(!format!("{back:?}").contains("at-123"));
        let no_token = serde_json::to_value(HelloParams {
            protocol_versions: vec![1],
            client: ClientInfo { name: "t".into(), version: "0".into() },
            token: None,
            user: None,
        })
        .unwrap();
        assert!(no_token.get("token").is_none(), "{no_token}");
    }

    #[test]
    fn hello_refuses_unknown_fields() {
        let bad = serde_json::from_value::<HelloParams>(json!({
            "protocol_versions": [1], "client": {"name": "t", "version": "1"}, "usr": "typo"
        }));
        assert!(bad.is_err());
    }
}
