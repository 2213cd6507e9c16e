//! Revoking a connection's tokens at the provider, in its own style:
//! Strava `POST access_token=` (deauthorize), Fitbit RFC 7009 `POST token=`
//! with client authentication, WHOOP `DELETE` with the bearer, Oura
//! `?access_token=`. Best effort: the caller deletes the local tokens
//! whatever happens here, and reports the outcome.

use std::time::Duration;

use pierre_shared::Secret;
use pierre_shared::catalogue::{ClientAuth, RevokeStyle};

use super::ResolvedProvider;

/// A revoke request's limit: disconnecting must not wait long on a provider.
const REVOKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a revoke did not happen, without any token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeError {
    #[error("the provider answered HTTP {status}")]
    Status { status: u16 },
    #[error("the provider could not be reached")]
    Unreachable(#[source] reqwest::Error),
    #[error("the revoke URL is not valid")]
    BadUrl,
    #[error("no token was stored to revoke with")]
    NoToken,
}

/// Whether `p` has anything to revoke against.
pub fn applicable(p: &ResolvedProvider) -> bool {
    p.def.oauth.as_ref().is_some_and(|o| o.revoke_style != RevokeStyle::None) && p.revoke_url.is_some()
}

/// Revokes at the provider. RFC 7009 revokes the refresh token (§2.1: that
/// ends the whole grant); the other styles take the access token.
///
/// # Errors
/// See [`RevokeError`].
pub async fn revoke(
    http: &reqwest::Client,
    p: &ResolvedProvider,
    access: Option<&Secret>,
    refresh: Option<&Secret>,
) -> Result<(), RevokeError> {
    let Some(oauth) = p.def.oauth.as_ref() else { return Ok(()) };
    let Some(url) = p.revoke_url.as_ref().map(|s| s.value.as_str()) else { return Ok(()) };
    let text = |s: Option<&Secret>| s.and_then(|s| s.expose_str().ok()).filter(|t| !t.is_empty()).map(str::to_string);
    let access = text(access);
    let request = match oauth.revoke_style {
        RevokeStyle::None => return Ok(()),
        RevokeStyle::FormAccessToken => http.post(url).form(&[("access_token", access.ok_or(RevokeError::NoToken)?)]),
        RevokeStyle::DeleteBearer => http.delete(url).bearer_auth(access.ok_or(RevokeError::NoToken)?),
        RevokeStyle::QueryAccessToken => {
            let token = access.ok_or(RevokeError::NoToken)?;
            let url =
                reqwest::Url::parse_with_params(url, &[("access_token", token)]).map_err(|_| RevokeError::BadUrl)?;
            http.post(url)
        }
        RevokeStyle::Rfc7009 => {
            let (token, hint) = match (text(refresh), access) {
                (Some(rt), _) => (rt, "refresh_token"),
                (None, Some(at)) => (at, "access_token"),
                (None, None) => return Err(RevokeError::NoToken),
            };
            let client_id = p.client_id.as_ref().map(|s| s.value.clone()).unwrap_or_default();
            let secret =
                p.client_secret.as_ref().and_then(|s| s.value.expose_str().ok()).unwrap_or_default().to_string();
            let mut form = vec![("token", token), ("token_type_hint", hint.to_string())];
            let request = http.post(url);
            match oauth.client_auth {
                ClientAuth::Basic => request.basic_auth(client_id, Some(secret)).form(&form),
                ClientAuth::RequestBody => {
                    form.push(("client_id", client_id));
                    form.push(("client_secret", secret));
                    request.form(&form)
                }
            }
        }
    };
    let response = request.timeout(REVOKE_TIMEOUT).send().await.map_err(RevokeError::Unreachable)?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(RevokeError::Status { status: status.as_u16() }) }
}
