//! Handing out provider access tokens, refreshing them at most once at a
//! time per (user, provider).
//!
//! Shared state: one [`Slot`] per (user_id, provider) — never keyed by less,
//! so different users or providers never wait on each other. A slot's async
//! mutex serialises refreshes of that pair; its `generation` counts the
//! refreshes done, so a caller that waited while another refreshed uses that
//! result instead of refreshing again (Strava, Fitbit, WHOOP and Garmin
//! rotate refresh tokens: a second refresh with the old one loses the chain).
//!
//! The refresh itself runs in a spawned task that owns the slot's guard: a
//! caller that goes away mid-refresh cannot cancel it between the provider's
//! answer and the vault commit. The rotated refresh token is committed (one
//! `put_connection` transaction, synchronous=FULL) before any caller sees the
//! new access token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pierre_shared::protocol::{ConnectionState, RpcError, TokensGetResult};
use pierre_shared::{ErrorCode, Secret};
use sha2::{Digest, Sha256};

use crate::clock::now_secs;
use crate::daemon::Daemon;
use crate::daemon::events::EventKind;
use crate::oauth::client::OAuthClient;
use crate::oauth::client::garmin_legacy;
use crate::oauth::client::refresh::{self, RefreshError};
use crate::socket::methods::import::utc;
use crate::vault::{ConnectionRecord, SecretField};

/// Refresh when the access token expires within this many seconds.
pub const REFRESH_MARGIN_SECS: i64 = 300;

/// A connection's fields that a refresh does not replace and must carry
/// over: `put_connection` replaces all of a connection's secrets, and these
/// say what the connection is (an imported Garmin sign-in, `garmin_oauth2_token`)
/// and hold what a legacy garth refresh signs with (`garmin_oauth1_token`).
/// Dropped, an imported connection would look like a Developer Program one
/// after its first refresh: its DI token sent to the program's revoke
/// endpoint at disconnect, and `connect garmin` named as its fix.
const KEPT_ACROSS_REFRESH: &[SecretField] = &[SecretField::GarminOauth1Token, SecretField::GarminOauth2Token];

/// One (user, provider)'s refresh gate.
#[derive(Default)]
struct Slot {
    gate: Arc<tokio::sync::Mutex<()>>,
    /// Refreshes completed for this pair since the daemon started.
    generation: AtomicU64,
}

/// The per-(user, provider) refresh gates.
#[derive(Default)]
pub struct Refresher {
    slots: Mutex<HashMap<(String, String), Arc<Slot>>>,
}

/// Why `tokens.get` asks for a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// Only when the token expires within [`REFRESH_MARGIN_SECS`].
    Fresh,
    /// `force_refresh`: refresh unless someone did while we waited.
    Force,
    /// A provider 401: refresh only while the stored access token is this one.
    Rejected(String),
}

/// Lower-case hex SHA-256 of a token, as callers report rejected ones.
pub fn token_sha256(token: &[u8]) -> String {
    hex::encode(Sha256::digest(token))
}

impl Refresher {
    /// Holds (user, provider)'s refresh gate, so no refresh runs while the
    /// caller changes the connection (a disconnect).
    pub async fn exclusive(&self, user_id: &str, provider: &str) -> tokio::sync::OwnedMutexGuard<()> {
        self.slot(user_id, provider).gate.clone().lock_owned().await
    }

    fn slot(&self, user_id: &str, provider: &str) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((user_id.to_string(), provider.to_string()))
            .or_default()
            .clone()
    }
}

/// `tokens.get` for `user_id`: the access token, refreshed first when needed.
///
/// # Errors
/// `unknown_provider`, `not_connected`, `needs_reconnect` (with the command
/// that fixes it), `rate_limited`, `provider_error`, storage errors.
pub async fn access_token(
    daemon: &Arc<Daemon>,
    user_id: &str,
    provider: &str,
    want: Want,
) -> Result<TokensGetResult, RpcError> {
    let def = OAuthClient::definition(provider)?;
    if def.oauth.is_none() {
        return Err(RpcError::new(
            ErrorCode::NotSupported,
            format!("{} is generated inside pierre-mcp and has no access token", def.display_name),
        )
        .with_provider(def.name));
    }
    let slot = daemon.refresher.slot(user_id, def.name);
    let seen = slot.generation.load(Ordering::Acquire);
    let (record, access) = load(daemon, user_id, def.name).await?;
    if !needs_refresh(&want, &record, &access, now_secs()) {
        return result(daemon, record, access);
    }
    // Owned guard, moved into the task: see the module doc.
    let guard = slot.gate.clone().lock_owned().await;
    let daemon = daemon.clone();
    let user_id = user_id.to_string();
    let task = tokio::spawn(async move {
        let _guard = guard;
        let (record, access) = load(&daemon, &user_id, def.name).await?;
        let refreshed_meanwhile = slot.generation.load(Ordering::Acquire) != seen;
        let still = match &want {
            Want::Force => !refreshed_meanwhile,
            Want::Fresh | Want::Rejected(_) => {
                !refreshed_meanwhile && needs_refresh(&want, &record, &access, now_secs())
            }
        };
        if !still {
            return result(&daemon, record, access);
        }
        // Still usable if no refresh is possible (a legacy garth sign-in
        // without a consumer): only an unasked-for early refresh.
        let usable = (want == Want::Fresh).then_some(access);
        let (record, access) = refresh_now(&daemon, &user_id, record, usable).await?;
        slot.generation.fetch_add(1, Ordering::AcqRel);
        result(&daemon, record, access)
    });
    task.await.unwrap_or_else(|_| {
        Err(RpcError::new(
            ErrorCode::InternalError,
            "a token refresh failed unexpectedly; check the daemon log and retry",
        ))
    })
}

/// Whether `want` calls for a refresh of this stored token.
fn needs_refresh(want: &Want, record: &ConnectionRecord, access: &Secret, now: i64) -> bool {
    match want {
        Want::Fresh => record.expires_at.is_some_and(|at| at <= now + REFRESH_MARGIN_SECS),
        Want::Force => true,
        Want::Rejected(sha) => token_sha256(access.expose()).eq_ignore_ascii_case(sha.trim()),
    }
}

/// The user's connection and access token, or the error saying what to do.
async fn load(daemon: &Daemon, user_id: &str, provider: &'static str) -> Result<(ConnectionRecord, Secret), RpcError> {
    let uid = user_id.to_string();
    let (record, access) = daemon
        .store(move |store| {
            let record = store.list_connections(&uid)?.into_iter().find(|r| r.provider == provider);
            let access = match &record {
                Some(_) => store.get_secret(&uid, provider, SecretField::AccessToken)?,
                None => None,
            };
            Ok((record, access))
        })
        .await?;
    let def = OAuthClient::definition(provider)?;
    let Some(record) = record else {
        return Err(RpcError::new(
            ErrorCode::NotConnected,
            format!("{} is not connected for this user; run `pierre-authd connect {provider}`", def.display_name),
        )
        .with_provider(provider));
    };
    let Some(access) = access.filter(|_| record.state != ConnectionState::NeedsReconnect) else {
        let imported = imported(daemon, user_id, provider).await?;
        return Err(needs_reconnect_error(daemon, user_id, provider, imported));
    };
    Ok((record, access))
}

/// Whether the user's connection to `provider` was imported (a Garmin
/// sign-in from a Python client, marked by its sealed `garmin_oauth2_token`).
async fn imported(daemon: &Daemon, user_id: &str, provider: &'static str) -> Result<bool, RpcError> {
    if provider != "garmin" {
        return Ok(false);
    }
    let uid = user_id.to_string();
    Ok(daemon.store(move |s| s.get_secret(&uid, provider, SecretField::GarminOauth2Token)).await?.is_some())
}

/// The error naming what fixes the connection (a new `connect`, or for an
/// imported Garmin sign-in a new sign-in and re-import for this user).
fn needs_reconnect_error(daemon: &Daemon, user_id: &str, provider: &str, imported: bool) -> RpcError {
    let (display, hint) = match daemon.oauth.resolve(provider) {
        Ok(resolved) => (resolved.def.display_name, refresh::reconnect_hint(&resolved, user_id, imported)),
        Err(_) => (provider, format!("run `pierre-authd connect {provider}` to sign in again")),
    };
    RpcError::new(ErrorCode::NeedsReconnect, format!("{display} no longer accepts this connection's sign-in; {hint}"))
        .with_provider(provider)
}

fn result(daemon: &Daemon, record: ConnectionRecord, access: Secret) -> Result<TokensGetResult, RpcError> {
    let resolved = daemon.oauth.resolve(&record.provider)?;
    if access.expose_str().is_err() {
        return Err(RpcError::new(
            ErrorCode::VaultCorrupt,
            "a stored access token is not text; run `pierre-authd connect` for this provider again",
        ));
    }
    Ok(TokensGetResult {
        access_token: access,
        expires_at: record.expires_at,
        api_base: resolved.api_base.value,
        connection_id: record.connection_id,
        account_id: record.account_id,
    })
}

/// Where a connection's grant is sealed: its refresh token, or for a
/// legacy garth sign-in (which has none) the imported `oauth1_token.json`,
/// which [`refresh::refresh`] exchanges when a consumer is configured.
async fn grant(
    daemon: &Daemon,
    user_id: &str,
    provider: &'static str,
) -> Result<(SecretField, Option<Secret>), RpcError> {
    let uid = user_id.to_string();
    daemon
        .store(move |s| {
            let refresh = s.get_secret(&uid, provider, SecretField::RefreshToken)?;
            if refresh.is_some() || provider != "garmin" {
                return Ok((SecretField::RefreshToken, refresh));
            }
            Ok((SecretField::GarminOauth1Token, s.get_secret(&uid, provider, SecretField::GarminOauth1Token)?))
        })
        .await
}

/// Refreshes at the provider and commits the result; the caller holds the
/// gate. `usable`: the current access token, returned as it is when no
/// refresh is possible yet it has not expired.
async fn refresh_now(
    daemon: &Arc<Daemon>,
    user_id: &str,
    record: ConnectionRecord,
    usable: Option<Secret>,
) -> Result<(ConnectionRecord, Secret), RpcError> {
    let provider = OAuthClient::definition(&record.provider)?.name;
    let resolved = daemon.oauth.resolve(provider)?;
    let display = resolved.def.display_name;
    let (grant_field, old_refresh) = grant(daemon, user_id, provider).await?;
    let outcome = match &old_refresh {
        Some(rt) => refresh::refresh(daemon.oauth.http(), &resolved, rt, now_secs).await,
        None => Err(RefreshError::NoRefreshToken),
    };
    match outcome {
        Ok(tokens) => {
            let mut updated = record.clone();
            updated.expires_at = tokens.expires_at;
            if let Some(scopes) = tokens.scopes {
                updated.scopes = Some(scopes);
            }
            // Providers that do not rotate send no new refresh token: keep
            // the old one. A legacy garth grant stays where it is (carried
            // over below), never stored as a refresh token.
            let kept = old_refresh.filter(|_| grant_field == SecretField::RefreshToken);
            let refresh_token = tokens.refresh_token.or(kept);
            let mut secrets = vec![(SecretField::AccessToken, tokens.access_token.clone())];
            if let Some(rt) = refresh_token {
                secrets.push((SecretField::RefreshToken, rt));
            }
            let uid = user_id.to_string();
            let stored = updated.clone();
            daemon
                .store(move |s| {
                    for &field in KEPT_ACROSS_REFRESH {
                        if let Some(secret) = s.get_secret(&uid, provider, field)? {
                            secrets.push((field, secret));
                        }
                    }
                    s.put_connection(&uid, &stored, &secrets)
                })
                .await?;
            tracing::info!(user_id, provider, "access token refreshed");
            daemon.events.publish(
                user_id,
                EventKind::TokenRefreshed {
                    provider: provider.into(),
                    connection_id: updated.connection_id.clone(),
                    expires_at: updated.expires_at,
                },
            );
            Ok((updated, tokens.access_token))
        }
        Err(RefreshError::InvalidGrant | RefreshError::NoRefreshToken) => {
            let imported = mark_needs_reconnect(daemon, user_id, record).await?;
            Err(needs_reconnect_error(daemon, user_id, provider, imported))
        }
        Err(RefreshError::NoConsumer) => match usable {
            Some(access) if record.expires_at.is_some_and(|at| at > now_secs()) => Ok((record, access)),
            _ => Err(no_consumer_error(&record, user_id)),
        },
        Err(RefreshError::RateLimited { retry_after_secs }) => Err(RpcError::new(
            ErrorCode::RateLimited,
            format!("{display} is rate limiting token refreshes; retry in {retry_after_secs} s"),
        )
        .with_provider(provider)
        .with_retry_after(retry_after_secs)),
        Err(err @ RefreshError::Refused { .. }) => Err(RpcError::new(
            ErrorCode::ProviderError,
            format!("{display}: {err}; check the app credentials (`pierre-authd doctor`), then retry"),
        )
        .with_provider(provider)),
        Err(err) => Err(RpcError::new(
            ErrorCode::ProviderError,
            format!(
                "{display} could not refresh the access token: {err}; the stored sign-in is unchanged, retry later"
            ),
        )
        .with_provider(provider)),
    }
}

/// A legacy garth sign-in whose access token ran out with no consumer to
/// exchange it: when it stopped, and the two ways out. Not recorded as
/// `needs_reconnect`: a consumer supplied later makes the next call work.
fn no_consumer_error(record: &ConnectionRecord, user_id: &str) -> RpcError {
    let when = match record.expires_at {
        Some(at) if at > now_secs() => format!("was refused by Garmin (it was to work until {})", utc(at)),
        Some(at) => format!("stopped working at {}", utc(at)),
        None => "was refused by Garmin".into(),
    };
    RpcError::new(
        ErrorCode::NeedsReconnect,
        format!(
            "the access token of this legacy garth sign-in {when}, and Pierre renews a garth sign-in only with a Garmin consumer you supply; {}, or {}",
            garmin_legacy::how_to_supply(),
            refresh::reconnect_hint_garmin(user_id),
        ),
    )
    .with_provider("garmin")
}

/// Records `needs_reconnect` (secrets kept as they are) and tells
/// subscribers; answers whether the connection was imported.
async fn mark_needs_reconnect(daemon: &Daemon, user_id: &str, record: ConnectionRecord) -> Result<bool, RpcError> {
    let provider = OAuthClient::definition(&record.provider)?.name;
    let uid = user_id.to_string();
    let mut updated = record.clone();
    updated.state = ConnectionState::NeedsReconnect;
    let stored = updated.clone();
    let imported = daemon
        .store(move |s| {
            let mut secrets = Vec::new();
            for &field in [SecretField::AccessToken, SecretField::RefreshToken].iter().chain(KEPT_ACROSS_REFRESH) {
                if let Some(secret) = s.get_secret(&uid, provider, field)? {
                    secrets.push((field, secret));
                }
            }
            s.put_connection(&uid, &stored, &secrets)?;
            Ok(secrets.iter().any(|(field, _)| *field == SecretField::GarminOauth2Token))
        })
        .await?;
    let imported = imported && provider == "garmin";
    tracing::warn!(user_id, provider, "refresh token refused: connection needs reconnect");
    daemon.events.publish(
        user_id,
        EventKind::NeedsReconnect {
            provider: provider.into(),
            connection_id: updated.connection_id,
            message: needs_reconnect_error(daemon, user_id, provider, imported).message,
        },
    );
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(expires_at: Option<i64>) -> ConnectionRecord {
        ConnectionRecord {
            provider: "strava".into(),
            state: ConnectionState::Connected,
            connection_id: "c".into(),
            account_id: None,
            connected_at: 0,
            expires_at,
            scopes: None,
        }
    }

    #[test]
    fn refresh_is_wanted_within_five_minutes_or_for_the_current_rejected_token() {
        let token = Secret::from_string("at".into());
        let now = 10_000;
        assert!(needs_refresh(&Want::Fresh, &record(Some(now + 299)), &token, now));
        assert!(needs_refresh(&Want::Fresh, &record(Some(now - 1)), &token, now));
        assert!(!needs_refresh(&Want::Fresh, &record(Some(now + 301)), &token, now));
        assert!(!needs_refresh(&Want::Fresh, &record(None), &token, now));
        let sha = token_sha256(b"at");
        assert!(needs_refresh(&Want::Rejected(sha.to_uppercase()), &record(None), &token, now));
        assert!(!needs_refresh(&Want::Rejected(token_sha256(b"older")), &record(None), &token, now));
        assert!(needs_refresh(&Want::Force, &record(None), &token, now));
    }

    #[test]
    fn a_legacy_sign_in_without_a_consumer_says_when_it_stopped_and_both_ways_out() {
        let mut garmin = record(Some(1_700_000_000));
        garmin.provider = "garmin".into();
        let err = no_consumer_error(&garmin, "u-1");
        assert_eq!(err.data.code, ErrorCode::NeedsReconnect);
        assert!(
            err.message.contains("legacy garth sign-in stopped working at 2023-11-14 22:13 UTC"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("PIERRE_GARMIN_CONSUMER_KEY and PIERRE_GARMIN_CONSUMER_SECRET"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("then run `pierre-authd import garmin --from ~/.garmin-sign-in --user u-1`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn slots_are_per_user_and_provider() {
        let r = Refresher::default();
        let a = r.slot("u1", "strava");
        assert!(Arc::ptr_eq(&a, &r.slot("u1", "strava")));
        assert!(!Arc::ptr_eq(&a, &r.slot("u2", "strava")));
        assert!(!Arc::ptr_eq(&a, &r.slot("u1", "fitbit")));
    }
}
