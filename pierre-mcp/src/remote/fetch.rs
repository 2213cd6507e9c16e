//! [`DaemonFetch`]: the one place pierre-mcp talks HTTP to a provider.
//!
//! For each request: the answer cache (keyed by connection id), else an
//! access token from the daemon (`tokens.get`; never a refresh token), the
//! GET with that bearer, and the rate-limit headers back to the daemon
//! (`usage.report`) so every process of this user shares one budget. A
//! 401 is answered once by asking the daemon to refresh the rejected token
//! (`rejected_token_sha256`: concurrent callers share one refresh) and
//! retrying; a second 401 is the user's to fix. Redirects are not
//! followed, so the bearer only ever goes to the daemon's `api_base`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{TokensGet, TokensGetParams, TokensGetResult, UsageReport, UsageReportParams};
use pierre_shared::providers::api::{ApiError, Fetch, Request};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::cache::ResponseCache;
use crate::daemon::{DaemonLink, LinkError};

/// Largest provider answer read (a year of Strava activities is ~1 MB).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Headers the daemon's rate-limit accounting reads.
fn is_rate_limit_header(name: &str) -> bool {
    name.contains("ratelimit") || name.contains("rate-limit") || name == "retry-after"
}

/// Shared by every request of one pierre-mcp process.
pub struct Http {
    pub client: reqwest::Client,
    pub timeout: Duration,
    pub cache: ResponseCache,
}

impl Http {
    pub fn new(timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("pierre-mcp/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { client, timeout, cache: ResponseCache::default() }
    }
}

/// Fetches for one (user, provider) connection.
pub struct DaemonFetch {
    pub provider: &'static str,
    /// The connection the tool call chose; its answers are cached under it.
    pub connection_id: String,
    pub link: Arc<DaemonLink>,
    pub http: Arc<Http>,
    /// The token of this tool call, fetched on first use.
    token: Mutex<Option<TokensGetResult>>,
}

impl DaemonFetch {
    pub fn new(provider: &'static str, connection_id: String, link: Arc<DaemonLink>, http: Arc<Http>) -> Self {
        Self { provider, connection_id, link, http, token: Mutex::new(None) }
    }

    /// The current token, or a refreshed one when `rejected` was refused.
    async fn token(&self, rejected: Option<&str>) -> Result<TokensGetResult, ApiError> {
        let mut slot = self.token.lock().await;
        if let (Some(token), None) = (slot.as_ref(), rejected) {
            return Ok(token.clone());
        }
        let params = TokensGetParams {
            provider: self.provider.to_string(),
            force_refresh: false,
            rejected_token_sha256: rejected.map(|token| hex::encode(Sha256::digest(token.as_bytes()))),
        };
        let token = self.link.call::<TokensGet>(params).await.map_err(|e| self.credentials(e))?;
        *slot = Some(token.clone());
        Ok(token)
    }

    fn credentials(&self, error: LinkError) -> ApiError {
        match error {
            LinkError::Rpc(e) if e.data.code == ErrorCode::RateLimited => {
                ApiError::RateLimited { provider: self.provider, retry_after_secs: e.data.retry_after_secs }
            }
            other => ApiError::Credentials { message: other.to_string() },
        }
    }

    async fn send(&self, token: &TokensGetResult, request: &Request) -> Result<reqwest::Response, ApiError> {
        let url = format!("{}{}", token.api_base.trim_end_matches('/'), request.path);
        let mut url = reqwest::Url::parse(&url).map_err(|_| ApiError::Transport {
            provider: self.provider,
            detail: format!("the API base `{}` is not a URL", token.api_base),
        })?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut builder = self
            .http
            .client
            .get(url)
            .bearer_auth(token.access_token.expose_text())
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.send().await.map_err(|e| self.transport(&e))
    }

    fn transport(&self, error: &reqwest::Error) -> ApiError {
        if error.is_timeout() {
            return ApiError::Timeout { provider: self.provider, secs: self.http.timeout.as_secs().max(1) };
        }
        // reqwest's Display names the URL but never the headers; say only the kind.
        let detail = if error.is_connect() {
            "connection failed"
        } else if error.is_body() || error.is_decode() {
            "the answer was cut off"
        } else {
            "request failed"
        };
        ApiError::Transport { provider: self.provider, detail: detail.to_owned() }
    }

    /// Tells the daemon what the provider said about its limits. Waited
    /// for only on a 429: the daemon's answer is the wait every process of
    /// this user will be held to (the provider's `Retry-After`, in seconds
    /// or as an HTTP-date; else the window the usage headers show spent;
    /// else a short default), so this call's sentence says the same.
    /// Otherwise it runs in the background and costs the call nothing.
    async fn report(&self, status: u16, headers: &reqwest::header::HeaderMap) -> Option<u64> {
        let limits: HashMap<String, String> = headers
            .iter()
            .filter(|(name, _)| is_rate_limit_header(name.as_str()))
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect();
        if limits.is_empty() && status != 429 {
            return None;
        }
        let params = UsageReportParams { provider: self.provider.to_string(), status, headers: limits };
        let link = self.link.clone();
        let call = async move { link.call::<UsageReport>(params).await };
        if status == 429 {
            return call.await.ok().and_then(|r| r.retry_after_secs);
        }
        tokio::spawn(async move {
            if let Err(error) = call.await {
                tracing::debug!(%error, "usage.report failed");
            }
        });
        None
    }

    async fn body(&self, response: reqwest::Response) -> Result<Value, ApiError> {
        if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(ApiError::malformed(self.provider, "the answer is larger than 16 MiB"));
        }
        let bytes = response.bytes().await.map_err(|e| self.transport(&e))?;
        if bytes.len() > MAX_BODY {
            return Err(ApiError::malformed(self.provider, "the answer is larger than 16 MiB"));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::malformed(self.provider, format!("not JSON: {e}")))
    }
}

/// `Retry-After` as delay-seconds, for when the daemon gave no wait (it
/// could not be told of the 429, or it holds no windows for this provider).
/// The HTTP-date form (RFC 9110 §10.2.3) is read by the daemon, the one
/// place the wait rule lives (`pierre-authd/src/tokens/budgets.rs`).
fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

impl Fetch for DaemonFetch {
    async fn get(&self, request: Request) -> Result<Value, ApiError> {
        if let Some(value) = self.http.cache.get(&self.connection_id, &request) {
            return Ok(value);
        }
        let mut token = self.token(None).await?;
        let mut refreshed = false;
        loop {
            let response = self.send(&token, &request).await?;
            let status = response.status();
            let retry_after = self.report(status.as_u16(), response.headers()).await;
            match status.as_u16() {
                200..=299 => {
                    let value = self.body(response).await?;
                    // Stored under the connection the token belongs to: if the
                    // user reconnected meanwhile, that is the new connection.
                    self.http.cache.put(&token.connection_id, &request, value.clone());
                    return Ok(value);
                }
                401 if !refreshed => {
                    tracing::debug!(provider = self.provider, "access token rejected; asking the daemon to refresh it");
                    token = self.token(Some(token.access_token.expose_text())).await?;
                    refreshed = true;
                }
                401 => return Err(ApiError::Unauthorized { provider: self.provider }),
                429 => {
                    return Err(ApiError::RateLimited {
                        provider: self.provider,
                        retry_after_secs: retry_after.or_else(|| retry_after_header(response.headers())),
                    });
                }
                status @ 500..=599 => return Err(ApiError::Server { provider: self.provider, status }),
                status => {
                    return Err(ApiError::Status { provider: self.provider, status, path: request.path.clone() });
                }
            }
        }
    }
}
