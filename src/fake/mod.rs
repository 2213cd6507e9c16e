//! The strict fake provider: one provider's OAuth endpoints and API, as
//! strict as the real one, plus a control API under `/__fake/`.
//!
//! - [`state`]: accounts, codes, tokens, counters and queued faults.
//! - [`oauth`]: `/oauth/authorize` (auto-approves), `/oauth/token`, `/oauth/revoke`.
//! - [`api`]: provider-shaped routes under `/api/` serving
//!   `tests/fixtures/<provider>/` with each datum tagged with its account.
//! - [`control`]: `/__fake/` (counters, configuration, faults).
//! - [`garmin_di`]: Garmin's DI token endpoint, where imported Garmin
//!   sign-ins refresh (HTTP Basic with the client id and an empty secret).
//! - [`garmin_legacy`]: Garmin's OAuth1 → OAuth2 exchange, where legacy
//!   garth sign-ins renew (each OAuth1 signature recomputed).
//!
//! Behaviour follows the catalogue entry of the provider it plays: PKCE is
//! refused when missing only where the registry requires it (but verified
//! whenever a challenge was sent), client authentication must use the
//! provider's style, refresh tokens rotate where the provider rotates them
//! (with a `reuse_grace_ms` window, default 0), revoke follows its style.

pub mod api;
pub mod control;
pub mod garmin_di;
pub mod garmin_legacy;
pub mod oauth;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{any, get, post};
use pierre_shared::catalogue::{self, ProviderDef};

pub use state::{Fake, FakeOptions};

/// Command-line options of `fake-provider`.
#[derive(Debug, Clone)]
pub struct Args {
    pub bind: SocketAddr,
    pub options: FakeOptions,
}

/// Parses `--bind ADDR --provider NAME [--client-id ID] [--client-secret S]
/// [--account ID]... [--redirect-uri URI] [--fixtures DIR]`.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut bind: SocketAddr = "127.0.0.1:0".parse().expect("literal address");
    let mut provider = None;
    let mut options = FakeOptions::default();
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--bind" => {
                bind = value()?.parse().map_err(|_| "--bind needs an address such as 127.0.0.1:0".to_string())?
            }
            "--provider" => provider = Some(value()?),
            "--client-id" => options.client_id = value()?,
            "--client-secret" => options.client_secret = value()?,
            "--account" => options.accounts.push(value()?),
            "--redirect-uri" => options.redirect_uri = Some(value()?),
            "--fixtures" => options.fixtures = PathBuf::from(value()?),
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if !bind.ip().is_loopback() {
        return Err("the fake provider binds loopback addresses only".into());
    }
    let name = provider.ok_or_else(|| format!("--provider is required\n{USAGE}"))?;
    let def = catalogue::find(&name)
        .filter(|d| d.oauth.is_some())
        .ok_or_else(|| format!("--provider must be an OAuth provider of the catalogue, not {name}"))?;
    options.provider = def;
    if options.accounts.is_empty() {
        options.accounts.push("acct-1".into());
    }
    Ok(Args { bind, options })
}

const USAGE: &str = "usage: fake-provider --bind 127.0.0.1:0 --provider NAME [--client-id ID] [--client-secret S] [--account ID]... [--redirect-uri URI] [--fixtures DIR]";

/// The fake's routes.
pub fn router(fake: Arc<Fake>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", any(oauth::revoke))
        .route("/di-oauth2-service/oauth/token", post(garmin_di::token))
        .route("/api/oauth-service/oauth/exchange/user/2.0", post(garmin_legacy::exchange))
        .route("/api/{*path}", get(api::serve))
        .route("/__fake/counters", get(control::counters))
        .route("/__fake/config", post(control::configure))
        .route("/__fake/fault", post(control::fault))
        .route("/__fake/tokens", get(control::tokens))
        .route("/__fake/requests", get(control::requests))
        .route("/__fake/grant", post(control::grant))
        .with_state(fake)
}

/// Binds, prints the base URL on stdout's first line, and serves forever.
pub async fn run(args: Args) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    let addr = listener.local_addr()?;
    let fake = Arc::new(Fake::new(args.options));
    println!("http://{addr}");
    use std::io::Write as _;
    std::io::stdout().flush()?;
    axum::serve(listener, router(fake)).await
}

/// The provider this fake plays.
pub fn provider(fake: &Fake) -> &'static ProviderDef {
    fake.options.provider
}
