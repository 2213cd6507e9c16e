//! Building the authorization URL and exchanging the code (RFC 6749 §4.1),
//! through the `oauth2` crate over reqwest 0.13.
//!
//! `oauth2` 5 ships an adapter for reqwest 0.12 only; [`send`] is the small
//! adapter for the reqwest this workspace uses (redirects disabled). Token
//! response bodies are never logged or put into errors: they hold tokens.

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use pierre_shared::Secret;
use pierre_shared::catalogue::{AccountIdSource, ClientAuth};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ResolvedProvider;

/// Every member of a token response that RFC 6749 does not name (Strava's
/// `athlete` and `expires_at`, Fitbit's `user_id`, ...).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraFields {
    #[serde(flatten)]
    pub members: serde_json::Map<String, Value>,
}

impl oauth2::ExtraTokenFields for ExtraFields {}

type ProviderToken = StandardTokenResponse<ExtraFields, BasicTokenType>;
type ProviderClient = oauth2::Client<
    BasicErrorResponse,
    ProviderToken,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Why a code exchange failed, without any token or body text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExchangeError {
    #[error("a provider URL is not valid ({what})")]
    BadUrl { what: &'static str },
    #[error("the provider refused the code exchange: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused { error: String, description: Option<String> },
    #[error("the provider could not be reached")]
    Unreachable(#[source] reqwest::Error),
    #[error("the provider's token response could not be read")]
    Malformed,
    #[error("the provider sent no access token")]
    NoAccessToken,
}

/// The tokens and facts a code exchange produced.
pub struct Tokens {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Seconds since the Unix epoch.
    pub expires_at: Option<i64>,
    pub scopes: Option<String>,
    /// The non-standard members, for the account id.
    pub extra: Value,
}

/// The oauth2 client for one provider's resolved settings.
fn oauth_client(p: &ResolvedProvider) -> Result<ProviderClient, ExchangeError> {
    let client_id = p.client_id.as_ref().map(|s| s.value.clone()).unwrap_or_default();
    let mut client = oauth2::Client::new(ClientId::new(client_id))
        .set_auth_uri(
            AuthUrl::new(p.auth_url.value.clone()).map_err(|_| ExchangeError::BadUrl { what: "authorization URL" })?,
        )
        .set_token_uri(
            TokenUrl::new(p.token_url.value.clone()).map_err(|_| ExchangeError::BadUrl { what: "token URL" })?,
        )
        .set_redirect_uri(
            RedirectUrl::new(p.redirect_uri.value.clone())
                .map_err(|_| ExchangeError::BadUrl { what: "redirect URI" })?,
        )
        .set_auth_type(match p.def.oauth.as_ref().map(|o| o.client_auth) {
            Some(ClientAuth::Basic) => AuthType::BasicAuth,
            _ => AuthType::RequestBody,
        });
    if let Some(secret) = &p.client_secret {
        let text = secret.value.expose_str().unwrap_or_default().to_string();
        client = client.set_client_secret(ClientSecret::new(text));
    }
    Ok(client)
}

/// The URL the user's browser opens: scopes, `state` and an S256 challenge.
pub fn authorization_url(
    p: &ResolvedProvider,
    state: &str,
    challenge: PkceCodeChallenge,
) -> Result<String, ExchangeError> {
    let client = oauth_client(p)?;
    let state = state.to_string();
    let mut request = client.authorize_url(move || CsrfToken::new(state)).set_pkce_challenge(challenge);
    if !p.scopes.value.is_empty() {
        // One pre-joined scope string: Strava joins with commas, others with spaces.
        request = request.add_scope(Scope::new(p.scopes.value.clone()));
    }
    let (url, _) = request.url();
    Ok(url.to_string())
}

/// The reqwest 0.13 adapter oauth2 calls for each request.
async fn send(http: reqwest::Client, request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let response = http.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let bytes = response.bytes().await?;
    Ok(builder.body(bytes.to_vec()).unwrap_or_default())
}

/// Exchanges `code` (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    p: &ResolvedProvider,
    code: String,
    verifier: String,
    now: i64,
) -> Result<Tokens, ExchangeError> {
    let client = oauth_client(p)?;
    let http = http.clone();
    let adapter = move |request| send(http.clone(), request);
    let result = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&adapter)
        .await;
    let token = match result {
        Ok(token) => token,
        Err(RequestTokenError::ServerResponse(e)) => {
            return Err(ExchangeError::Refused {
                error: e.error().as_ref().to_string(),
                description: e.error_description().cloned(),
            });
        }
        Err(RequestTokenError::Request(e)) => return Err(ExchangeError::Unreachable(e)),
        Err(_) => return Err(ExchangeError::Malformed),
    };
    let access = token.access_token().secret().clone();
    if access.is_empty() {
        return Err(ExchangeError::NoAccessToken);
    }
    let extra = serde_json::to_value(token.extra_fields()).unwrap_or(Value::Null);
    let expires_at = token
        .expires_in()
        .map(|d| now + i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2))
        .or_else(|| extra.get("expires_at").and_then(Value::as_i64));
    Ok(Tokens {
        access_token: Secret::from_string(access),
        refresh_token: token.refresh_token().map(|r| Secret::from_string(r.secret().clone())),
        expires_at,
        scopes: token.scopes().map(|s| s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")),
        extra,
    })
}

/// The provider's account id: from the token response or the profile route.
/// `None` when neither gives one (the connection still works).
pub async fn account_id(http: &reqwest::Client, p: &ResolvedProvider, tokens: &Tokens) -> Option<String> {
    let source = p.def.oauth.as_ref()?.account_id;
    let (value, pointer) = match source {
        AccountIdSource::TokenResponse(pointer) => (tokens.extra.clone(), pointer),
        AccountIdSource::Profile { path, pointer } => {
            let url = format!("{}{}", p.api_base.value.trim_end_matches('/'), path);
            let token = tokens.access_token.expose_str().ok()?;
            let response = http.get(url).bearer_auth(token).send().await.ok()?;
            if !response.status().is_success() {
                tracing::warn!(provider = p.def.name, status = %response.status(), "profile request for the account id failed");
                return None;
            }
            (response.json::<Value>().await.ok()?, pointer)
        }
    };
    match value.pointer(pointer)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
