//! `connections.import`: a sign-in made outside Pierre, sealed into the
//! resolved user's own vault once the provider has accepted it.
//!
//! Garmin only. Individuals reach the Garmin Connect API with tokens from
//! Garmin's SSO, which only Python clients perform; they leave them in a
//! plaintext directory that the CLI reads (`pierre-authd import garmin
//! --from DIR`) and sends here in one of two shapes:
//!
//! - `di`: the DI OAuth2 tokens of python-garminconnect 0.3 and garth-ng,
//!   with the client id they were issued to. Stored as the access token and
//!   a [`DiGrant`] in the `refresh_token` field, so the refresher renews
//!   them at Garmin's DI token endpoint like any other provider's. An access
//!   token already near its end (or of unknown end) is refreshed here first.
//! - `oauth1` + `oauth2`: the legacy garth pair. Both files are kept sealed
//!   (`garmin_oauth1_token`, `garmin_oauth2_token`) and no `refresh_token`
//!   field: the refresher renews the access token through the OAuth1
//!   exchange ([`crate::oauth::client::garmin_legacy`]) when the user has
//!   supplied a Garmin consumer, and otherwise says, once it has run out,
//!   when it did and what to do (supply a consumer, or sign in and
//!   re-import). With a consumer, an access token already near its end is
//!   exchanged here first; without one, such a pair is refused.
//!
//! Either way the sealed `garmin_oauth2_token` field marks the connection
//! as imported (disconnect then sends nothing to the Developer Program's
//! revoke endpoint). Order, so a failure leaves no trace: check the tokens,
//! refresh if needed, call the profile route with the access token (that
//! also gives the account id), and only then write one `put_connection`
//! transaction. A sign-in Garmin refuses never reaches the vault, and a
//! previous connection stays as it was. The (user, garmin) refresh gate is
//! held throughout, so no refresh or disconnect interleaves.

use std::time::Duration;

use pierre_shared::catalogue::AccountIdSource;
use pierre_shared::catalogue::ProviderDef;
use pierre_shared::protocol::{
    ConnectionInfo, ConnectionState, ConnectionsImportDi, ConnectionsImportParams, ConnectionsImportResult,
    GarminOauth1Token, GarminOauth2Token, RpcError,
};
use pierre_shared::{ErrorCode, Secret};
use serde_json::Value;

use crate::clock::now_secs;
use crate::daemon::events::EventKind;
use crate::oauth::client::refresh::{self, DiGrant, GARMIN_SIGN_IN_DIR, RefreshError, garmin_sign_in_steps};
use crate::oauth::client::settings::Source;
use crate::oauth::client::{OAuthClient, ResolvedProvider};
use crate::socket::session::RequestContext;
use crate::tokens::refresher::REFRESH_MARGIN_SECS;
use crate::vault::{ConnectionRecord, SecretField};

/// How long the profile check may take.
const VERIFY_TIMEOUT: Duration = Duration::from_secs(20);

/// What is wrong with a token directory's files. Never carries a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    #[error("oauth2_token.json has an empty access_token")]
    EmptyAccessToken,
    #[error("oauth1_token.json has an empty oauth_token or oauth_token_secret")]
    EmptyOauth1,
    #[error("oauth2_token.json's token_type is `{0}`, not Bearer")]
    NotBearer(String),
    #[error("the sign-in expired on {} (refresh_token_expires_at in oauth2_token.json)", utc(*.0))]
    SignInExpired(i64),
    #[error("the access token expired on {} (expires_at in oauth2_token.json), or expires within 5 minutes", utc(*.0))]
    AccessExpired(i64),
    #[error("the sign-in has an empty {0}")]
    DiEmpty(&'static str),
    #[error("the sign-in ended on {} (its refresh token's expiry), so it can no longer be refreshed", utc(*.0))]
    DiSignInExpired(i64),
}

/// `at` (seconds since the Unix epoch) as `2026-11-23 17:41 UTC`.
pub fn utc(at: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(at) {
        Ok(t) => {
            format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        }
        Err(_) => format!("{at} (seconds since 1970)"),
    }
}

/// The rule a Garmin token directory must meet at `now`: non-empty tokens,
/// a bearer token, a sign-in that has not expired, and, unless it is
/// `renewable` (a consumer is configured for the exchange), an access
/// token that lives more than [`REFRESH_MARGIN_SECS`] (one about to expire
/// would be useless at once).
///
/// # Errors
/// The first [`TokenProblem`] found.
pub fn check(
    oauth1: &GarminOauth1Token,
    oauth2: &GarminOauth2Token,
    now: i64,
    renewable: bool,
) -> Result<(), TokenProblem> {
    if oauth2.access_token.expose_text().trim().is_empty() {
        return Err(TokenProblem::EmptyAccessToken);
    }
    if oauth1.oauth_token.expose_text().trim().is_empty() || oauth1.oauth_token_secret.expose_text().trim().is_empty() {
        return Err(TokenProblem::EmptyOauth1);
    }
    if let Some(kind) = &oauth2.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(TokenProblem::NotBearer(kind.chars().filter(char::is_ascii_graphic).take(32).collect()));
    }
    if let Some(at) = oauth2.refresh_token_expires_at
        && at <= now
    {
        return Err(TokenProblem::SignInExpired(at));
    }
    if !renewable && oauth2.expires_at <= now.saturating_add(REFRESH_MARGIN_SECS) {
        return Err(TokenProblem::AccessExpired(oauth2.expires_at));
    }
    Ok(())
}

/// The rule a DI sign-in must meet at `now`: non-empty tokens and client
/// id, a bearer token, and a refresh token that has not reached the end
/// its writer recorded. An expired access token is fine: it is refreshed.
///
/// # Errors
/// The first [`TokenProblem`] found.
pub fn check_di(di: &ConnectionsImportDi, now: i64) -> Result<(), TokenProblem> {
    for (value, name) in [
        (di.access_token.expose_text(), "access token"),
        (di.refresh_token.expose_text(), "refresh token"),
        (&di.client_id, "client id"),
    ] {
        if value.trim().is_empty() {
            return Err(TokenProblem::DiEmpty(name));
        }
    }
    if let Some(kind) = &di.token_type
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(TokenProblem::NotBearer(kind.chars().filter(char::is_ascii_graphic).take(32).collect()));
    }
    match di.refresh_token_expires_at {
        Some(at) if at <= now => Err(TokenProblem::DiSignInExpired(at)),
        _ => Ok(()),
    }
}

/// What to run after a refusal that only a new sign-in fixes.
fn sign_in_again() -> String {
    format!("{}, then run `pierre-authd import garmin --from {GARMIN_SIGN_IN_DIR}`", garmin_sign_in_steps())
}

pub async fn import(
    ctx: &RequestContext<'_>,
    params: ConnectionsImportParams,
) -> Result<ConnectionsImportResult, RpcError> {
    let def = OAuthClient::definition(&params.provider)?;
    if def.name != "garmin" {
        return Err(RpcError::new(
            ErrorCode::NotSupported,
            format!(
                "only Garmin sign-ins can be imported; connect {} with `pierre-authd connect {}`",
                def.display_name, def.name
            ),
        )
        .with_provider(def.name));
    }
    match (params.di, params.oauth1, params.oauth2) {
        (Some(di), None, None) => import_di(ctx, def, di).await,
        (None, Some(oauth1), Some(oauth2)) => import_garth(ctx, def, oauth1, oauth2).await,
        _ => Err(RpcError::new(
            ErrorCode::InvalidParams,
            "connections.import takes either `di` (a DI OAuth2 sign-in) or both `oauth1` and `oauth2` (a garth pair); nothing was imported",
        )
        .with_provider(def.name)),
    }
}

fn refused(def: &ProviderDef, problem: &TokenProblem) -> RpcError {
    let consumer = match problem {
        TokenProblem::AccessExpired(_) => format!(
            "; or, to renew this garth sign-in through Garmin's OAuth1 exchange, {} and import it again",
            crate::oauth::client::garmin_legacy::how_to_supply()
        ),
        _ => String::new(),
    };
    RpcError::new(ErrorCode::InvalidParams, format!("{problem}; nothing was imported: {}{consumer}", sign_in_again()))
        .with_provider(def.name)
}

/// A legacy garth pair: exchanged first when a consumer is configured and
/// its access token is near its end, verified, and stored; the refresher
/// renews it only while a consumer is configured.
async fn import_garth(
    ctx: &RequestContext<'_>,
    def: &'static ProviderDef,
    oauth1: GarminOauth1Token,
    oauth2: GarminOauth2Token,
) -> Result<ConnectionsImportResult, RpcError> {
    let now = now_secs();
    let resolved = ctx.daemon.oauth.resolve(def.name)?;
    let renewable = resolved.consumer.is_some();
    check(&oauth1, &oauth2, now, renewable).map_err(|problem| refused(def, &problem))?;
    check_domain(&resolved, oauth1.domain.as_deref())?;
    let _gate = ctx.daemon.refresher.exclusive(&ctx.user.user_id, def.name).await;
    let sealed_oauth1 = encoded(serde_json::to_string(&oauth1))?;
    let mut access = oauth2.access_token.clone();
    let mut expires_at = oauth2.expires_at;
    if expires_at <= now.saturating_add(REFRESH_MARGIN_SECS) {
        let tokens = refresh::refresh(ctx.daemon.oauth.http(), &resolved, &sealed_oauth1, now_secs)
            .await
            .map_err(|e| refresh_refused(&e, true))?;
        access = tokens.access_token;
        expires_at = tokens.expires_at.unwrap_or(expires_at);
    }
    let access_text = access.expose_str().map_err(|_| {
        RpcError::new(ErrorCode::ProviderError, "Garmin's access token is not text; nothing was imported")
            .with_provider(def.name)
    })?;
    let account_id = verify(ctx.daemon.oauth.http(), &resolved, access_text).await?;
    let record = new_record(def, account_id, now, Some(expires_at), oauth2.scope.clone());
    let secrets = vec![
        (SecretField::AccessToken, access),
        (SecretField::GarminOauth1Token, sealed_oauth1),
        (SecretField::GarminOauth2Token, encoded(serde_json::to_string(&oauth2))?),
    ];
    store(ctx, record, secrets, renewable, None).await
}

/// A DI sign-in: refreshed first when its access token is near its end
/// (or its end is unknown), verified, and stored so the refresher renews it.
async fn import_di(
    ctx: &RequestContext<'_>,
    def: &'static ProviderDef,
    di: ConnectionsImportDi,
) -> Result<ConnectionsImportResult, RpcError> {
    let now = now_secs();
    check_di(&di, now).map_err(|problem| refused(def, &problem))?;
    let resolved = ctx.daemon.oauth.resolve(def.name)?;
    let _gate = ctx.daemon.refresher.exclusive(&ctx.user.user_id, def.name).await;
    let mut access = di.access_token.clone();
    let mut grant = DiGrant { client_id: di.client_id.clone(), refresh_token: di.refresh_token.clone() };
    let mut expires_at = di.expires_at;
    let mut sign_in_expires_at = di.refresh_token_expires_at;
    if expires_at.is_none_or(|at| at <= now.saturating_add(REFRESH_MARGIN_SECS)) {
        let tokens = refresh::refresh_di(ctx.daemon.oauth.http(), &resolved, &grant, now_secs)
            .await
            .map_err(|e| refresh_refused(&e, false))?;
        let reopened = tokens.refresh_token.as_ref().and_then(DiGrant::open);
        let Some(next) = reopened else {
            return Err(RpcError::new(
                ErrorCode::InternalError,
                "the refreshed Garmin sign-in could not be read back; this is a bug, please report it",
            ));
        };
        grant = next;
        access = tokens.access_token;
        expires_at = tokens.expires_at;
        if let Some(at) = tokens.extra.get("refresh_token_expires_at").and_then(Value::as_i64) {
            sign_in_expires_at = Some(at);
        }
    }
    let access_text = access.expose_str().map_err(|_| {
        RpcError::new(ErrorCode::ProviderError, "Garmin's access token is not text; nothing was imported")
            .with_provider(def.name)
    })?;
    let account_id = verify(ctx.daemon.oauth.http(), &resolved, access_text).await?;
    let record = new_record(def, account_id, now, expires_at, di.scope.clone());
    let Some(sealed_grant) = grant.seal() else {
        return Err(RpcError::new(ErrorCode::InvalidParams, "the refresh token is not text; nothing was imported")
            .with_provider(def.name));
    };
    // Not the tokens (they rotate): which client wrote the sign-in, and the
    // client id, marking the connection as imported (see the module doc).
    let marker = serde_json::json!({ "layout": di.layout, "client_id": grant.client_id }).to_string();
    let secrets = vec![
        (SecretField::AccessToken, access),
        (SecretField::RefreshToken, sealed_grant),
        (SecretField::GarminOauth2Token, Secret::from_string(marker)),
    ];
    store(ctx, record, secrets, true, sign_in_expires_at).await
}

/// A refresh (DI) or OAuth1 exchange (`legacy` garth pair) at import that
/// failed, as the error the CLI shows.
fn refresh_refused(err: &RefreshError, legacy: bool) -> RpcError {
    let error = match err {
        RefreshError::InvalidGrant | RefreshError::NoRefreshToken | RefreshError::NoConsumer if legacy => {
            RpcError::new(
                ErrorCode::NeedsReconnect,
                format!(
                    "Garmin refused to exchange the garth sign-in's OAuth1 token for a new access token (the sign-in ended, or the Garmin consumer you supplied is wrong); nothing was imported: check the consumer, or {}",
                    sign_in_again()
                ),
            )
        }
        RefreshError::InvalidGrant | RefreshError::NoRefreshToken | RefreshError::NoConsumer => RpcError::new(
            ErrorCode::NeedsReconnect,
            format!(
                "Garmin refused the sign-in's refresh token (it expired or was revoked); nothing was imported: {}",
                sign_in_again()
            ),
        ),
        RefreshError::RateLimited { retry_after_secs } => RpcError::new(
            ErrorCode::RateLimited,
            format!("Garmin is rate limiting token refreshes; nothing was imported, retry in {retry_after_secs} s"),
        )
        .with_retry_after(*retry_after_secs),
        other => RpcError::new(
            ErrorCode::ProviderError,
            format!(
                "refreshing the sign-in's expired access token at Garmin failed ({other}); nothing was imported, retry later"
            ),
        ),
    };
    error.with_provider("garmin")
}

fn new_record(
    def: &ProviderDef,
    account_id: String,
    now: i64,
    expires_at: Option<i64>,
    scopes: Option<String>,
) -> ConnectionRecord {
    ConnectionRecord {
        provider: def.name.into(),
        state: ConnectionState::Connected,
        connection_id: uuid::Uuid::new_v4().to_string(),
        account_id: Some(account_id),
        connected_at: now,
        expires_at,
        scopes,
    }
}

fn encoded(value: serde_json::Result<String>) -> Result<Secret, RpcError> {
    value.map(Secret::from_string).map_err(|_| {
        RpcError::new(
            ErrorCode::InternalError,
            "the daemon could not encode the imported tokens; this is a bug, please report it",
        )
    })
}

/// One `put_connection` transaction, then the event and the answer.
async fn store(
    ctx: &RequestContext<'_>,
    record: ConnectionRecord,
    secrets: Vec<(SecretField, Secret)>,
    refreshes: bool,
    sign_in_expires_at: Option<i64>,
) -> Result<ConnectionsImportResult, RpcError> {
    let user_id = ctx.user.user_id.clone();
    let stored = record.clone();
    let provider = OAuthClient::definition(&record.provider)?.name;
    let replaced = ctx
        .daemon
        .store(move |store| {
            let replaced = store.list_connections(&user_id)?.iter().any(|r| r.provider == provider);
            store.put_connection(&user_id, &stored, &secrets)?;
            Ok(replaced)
        })
        .await?;
    tracing::info!(user_id = %ctx.user.user_id, provider, connection_id = %record.connection_id, replaced, refreshes, "sign-in imported");
    ctx.daemon.events.publish(
        &ctx.user.user_id,
        EventKind::OauthComplete {
            provider: provider.into(),
            connection_id: record.connection_id.clone(),
            account_id: record.account_id.clone(),
        },
    );
    Ok(ConnectionsImportResult {
        connection: ConnectionInfo {
            provider: record.provider,
            state: record.state,
            connection_id: record.connection_id,
            account_id: record.account_id,
            connected_at: record.connected_at,
        },
        replaced,
        expires_at: record.expires_at,
        refreshes,
        sign_in_expires_at,
    })
}

/// Accounts in China sign in at `garmin.cn` and their API lives at
/// `connectapi.garmin.cn`: refuse rather than send their token to the
/// built-in `.com` host, unless the API base was set on purpose.
fn check_domain(resolved: &ResolvedProvider, domain: Option<&str>) -> Result<(), RpcError> {
    let Some(domain) = domain.map(str::trim).filter(|d| !d.is_empty() && *d != "garmin.com") else { return Ok(()) };
    if resolved.api_base.source != Source::BuiltIn {
        return Ok(());
    }
    let shown: String =
        domain.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').take(64).collect();
    Err(RpcError::new(
        ErrorCode::ConfigInvalid,
        format!(
            "this sign-in is for {shown}, whose API is not the built-in {}; set PIERRE_GARMIN_API_BASE=https://connectapi.{shown}, restart the daemon and import again",
            resolved.api_base.value
        ),
    )
    .with_provider("garmin"))
}

/// Calls the profile route with `access`: the account id, or the error
/// saying what Garmin answered (nothing is stored on any error).
async fn verify(http: &reqwest::Client, resolved: &ResolvedProvider, access: &str) -> Result<String, RpcError> {
    let (path, pointer) = match resolved.def.oauth.as_ref().map(|o| o.account_id) {
        Some(AccountIdSource::Profile { path, pointer }) => (path, pointer),
        _ => ("/userprofile-service/socialProfile", "/profileId"),
    };
    let base = resolved.api_base.value.trim_end_matches('/');
    let err = |code: ErrorCode, what: String| {
        RpcError::new(code, format!("{what}; nothing was imported")).with_provider("garmin")
    };
    let response = http
        .get(format!("{base}{path}"))
        .bearer_auth(access)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(VERIFY_TIMEOUT)
        .send()
        .await
        .map_err(|e| {
            let why = if e.is_timeout() { "timed out" } else { "could not connect" };
            err(
                ErrorCode::ProviderError,
                format!("checking the sign-in at {base}{path} failed ({why}); retry when Garmin is reachable"),
            )
        })?;
    let status = response.status().as_u16();
    match status {
        200..=299 => {}
        401 | 403 => {
            return Err(err(
                ErrorCode::NeedsReconnect,
                format!(
                    "Garmin refused the access token (HTTP {status} from {path}): it has expired or was revoked; {}",
                    sign_in_again()
                ),
            ));
        }
        429 => {
            return Err(err(ErrorCode::RateLimited, "Garmin is rate limiting (HTTP 429); retry in a minute".into())
                .with_retry_after(60));
        }
        _ => {
            return Err(err(
                ErrorCode::ProviderError,
                format!("Garmin answered HTTP {status} to the sign-in check ({path}); retry later"),
            ));
        }
    }
    let body: Value = response.json().await.map_err(|_| {
        err(
            ErrorCode::ProviderError,
            format!("Garmin's answer to the sign-in check ({path}) was not JSON; retry later"),
        )
    })?;
    account_id(&body, pointer).ok_or_else(|| {
        err(
            ErrorCode::ProviderError,
            format!("Garmin's profile ({path}) named no account (no `{}`)", pointer.trim_start_matches('/')),
        )
    })
}

/// The account id at `pointer` (`/id` as a fallback), rendered exactly.
fn account_id(profile: &Value, pointer: &str) -> Option<String> {
    [pointer, "/id"].iter().find_map(|p| match profile.pointer(p)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;

    fn files() -> (GarminOauth1Token, GarminOauth2Token) {
        let o1 =
            serde_json::from_value(json!({ "oauth_token": "t", "oauth_token_secret": "s", "domain": "garmin.com" }))
                .unwrap();
        let o2 = serde_json::from_value(json!({
            "scope": "CONNECT_READ", "token_type": "Bearer", "access_token": "a", "refresh_token": "r",
            "expires_in": 3600, "expires_at": NOW + 3600, "refresh_token_expires_in": 7200, "refresh_token_expires_at": NOW + 7200
        }))
        .unwrap();
        (o1, o2)
    }

    #[test]
    fn a_fresh_directory_passes() {
        let (o1, o2) = files();
        assert_eq!(check(&o1, &o2, NOW, false), Ok(()));
    }

    #[test]
    fn each_problem_is_named() {
        let (o1, mut o2) = files();
        o2.access_token = " ".into();
        assert_eq!(check(&o1, &o2, NOW, false), Err(TokenProblem::EmptyAccessToken));
        let (mut o1, o2) = files();
        o1.oauth_token_secret = Secret::default();
        assert_eq!(check(&o1, &o2, NOW, false), Err(TokenProblem::EmptyOauth1));
        let (o1, mut o2) = files();
        o2.token_type = Some("mac".into());
        assert_eq!(check(&o1, &o2, NOW, false), Err(TokenProblem::NotBearer("mac".into())));
        o2.token_type = Some("bearer".into());
        assert_eq!(check(&o1, &o2, NOW, false), Ok(()));
    }

    #[test]
    fn expiry_is_checked_with_the_refresh_margin() {
        let (o1, mut o2) = files();
        o2.refresh_token_expires_at = Some(NOW);
        assert_eq!(check(&o1, &o2, NOW, false), Err(TokenProblem::SignInExpired(NOW)));
        o2.refresh_token_expires_at = None;
        // 300 s margin: NOW + 300 is refused, NOW + 301 passes.
        o2.expires_at = NOW + 300;
        assert_eq!(check(&o1, &o2, NOW, false), Err(TokenProblem::AccessExpired(NOW + 300)));
        o2.expires_at = NOW + 301;
        assert_eq!(check(&o1, &o2, NOW, false), Ok(()));
        // With a consumer the exchange renews it: an expired one is fine.
        o2.expires_at = NOW - 60;
        assert_eq!(check(&o1, &o2, NOW, true), Ok(()));
    }

    fn di() -> ConnectionsImportDi {
        serde_json::from_value(json!({
            "layout": "python-garminconnect", "client_id": "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2",
            "access_token": "a", "refresh_token": "r"
        }))
        .unwrap()
    }

    #[test]
    fn a_di_sign_in_passes_even_with_an_expired_access_token_but_not_past_its_refresh_end() {
        let mut d = di();
        assert_eq!(check_di(&d, NOW), Ok(()));
        d.expires_at = Some(NOW - 10);
        assert_eq!(check_di(&d, NOW), Ok(()), "an expired access token is refreshed, not refused");
        d.refresh_token_expires_at = Some(NOW);
        assert_eq!(check_di(&d, NOW), Err(TokenProblem::DiSignInExpired(NOW)));
        d.refresh_token_expires_at = Some(NOW + 1);
        assert_eq!(check_di(&d, NOW), Ok(()));
        d.token_type = Some("mac".into());
        assert_eq!(check_di(&d, NOW), Err(TokenProblem::NotBearer("mac".into())));
        for (field, name) in
            [("access_token", "access token"), ("refresh_token", "refresh token"), ("client_id", "client id")]
        {
            let mut value = serde_json::to_value(di()).unwrap();
            value[field] = json!(" ");
            let d: ConnectionsImportDi = serde_json::from_value(value).unwrap();
            assert_eq!(check_di(&d, NOW), Err(TokenProblem::DiEmpty(name)));
        }
    }

    #[test]
    fn times_read_as_utc() {
        // 1_800_000_000 s = 20833 days + 28800 s; day 20833 after 1970-01-01 is 2027-01-15; 28800 s = 08:00.
        assert_eq!(utc(NOW), "2027-01-15 08:00 UTC");
        assert!(TokenProblem::SignInExpired(NOW).to_string().contains("2027-01-15 08:00 UTC"));
    }

    #[test]
    fn account_ids_come_from_the_profile_exactly() {
        assert_eq!(
            account_id(&json!({ "profileId": 90071992547409930u64, "id": 1 }), "/profileId").as_deref(),
            Some("90071992547409930")
        );
        assert_eq!(account_id(&json!({ "profileId": null, "id": 77 }), "/profileId").as_deref(), Some("77"));
        assert_eq!(account_id(&json!({ "profileId": "g-a" }), "/profileId").as_deref(), Some("g-a"));
        assert_eq!(account_id(&json!({ "displayName": "x" }), "/profileId"), None);
        assert_eq!(account_id(&json!([1]), "/profileId"), None);
    }
}
