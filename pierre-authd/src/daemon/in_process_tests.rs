//! The socket API with the daemon running inside the test: built with
//! [`Daemon::open`] on a temporary home, served on a temporary socket, and
//! called through the shared typed client, as `pierre-mcp` calls it. Faster
//! than starting the binary, and it proves the daemon can be constructed
//! and stopped without the process around it.

use std::ffi::OsString;
use std::time::Duration;

use base64::Engine;
use pierre_shared::ErrorCode;
use pierre_shared::client::{Client, ClientError};
use pierre_shared::paths::ensure_private_dir;
use pierre_shared::protocol::*;
use tokio_util::sync::CancellationToken;

use super::{Daemon, Opened};
use crate::config::Config;

fn hello(user: Option<&str>) -> HelloParams {
    HelloParams {
        protocol_versions: PROTOCOL_VERSIONS.to_vec(),
        client: ClientInfo { name: "in-process-test".into(), version: "0".into() },
        token: None,
        user: user.map(str::to_owned),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_built_in_process_answers_typed_calls_and_stops_when_cancelled() {
    let home = tempfile::tempdir().unwrap();
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let env = move |name: &str| -> Option<OsString> {
        match name {
            "PIERRE_MASTER_ENCRYPTION_KEY" => Some(key.clone().into()),
            // Port 0: the loopback listeners take any free port.
            "PIERRE_AS_PORT" | "PIERRE_CALLBACK_PORT" => Some("0".into()),
            _ => None,
        }
    };
    let config = Config::load(Some(home.path()), env).unwrap();
    for dir in config.paths.private_dirs() {
        ensure_private_dir(&dir).unwrap();
    }
    let socket = config.paths.socket.clone();
    let stop = CancellationToken::new();
    let Opened { daemon, authz_listener } = Daemon::open(config, stop.clone()).await.unwrap();
    let listener = crate::socket::bind(&socket).unwrap();
    let served = tokio::spawn({
        let daemon = daemon.clone();
        async move { daemon.serve(listener, authz_listener).await }
    });

    let (owner, who) = Client::connect(&socket, hello(None)).await.unwrap();
    let added = owner.call::<UsersAdd>(&UsersAddParams { name: "alice".into() }).await.unwrap();
    let users = owner.call::<UsersList>(&NoParams {}).await.unwrap().users;
    assert_eq!(users.len(), 2, "{users:?}");
    assert!(users.iter().any(|u| u.user_id == who.user_id && u.is_owner));

    let (alice, as_alice) = Client::connect(&socket, hello(Some("alice"))).await.unwrap();
    assert_eq!(as_alice.user_id, added.user_id);
    let connections = alice.call::<ConnectionsList>(&NoParams {}).await.unwrap();
    assert_eq!(connections.user_id, added.user_id);
    let providers: Vec<_> = connections.connections.iter().map(|c| c.provider.as_str()).collect();
    assert_eq!(providers, ["synthetic"], "a new user starts on the embedded provider");
    let params = TokensGetParams { provider: "strava".into(), force_refresh: false, rejected_token_sha256: None };
    match alice.call::<TokensGet>(&params).await {
        Err(ClientError::Rpc(e)) => assert_eq!(e.data.code, ErrorCode::NotConnected, "{e}"),
        other => panic!("tokens.get without a Strava connection must be refused: {other:?}"),
    }
    // A member the method does not take is refused, not ignored.
    match owner.call_value(Status::NAME, serde_json::json!({ "verbose": true })).await {
        Err(ClientError::Rpc(e)) => assert_eq!(e.data.code, ErrorCode::InvalidParams, "{e}"),
        other => panic!("an unknown member must be refused: {other:?}"),
    }

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(15), served).await.expect("the daemon drains and stops").unwrap();
}
