//! `tokens.get`: a provider access token for the resolved user, refreshed
//! first when it expires within 5 minutes or a caller reports it rejected,
//! or `rate_limited` while one of the provider's windows is spent.
//! Refresh tokens never leave the daemon. `usage.report`: what a provider
//! API answer said about the rate limits.

use pierre_shared::protocol::{RpcError, TokensGetParams, TokensGetResult, UsageReportParams, UsageReportResult};
use pierre_shared::ErrorCode;

use crate::oauth::client::OAuthClient;
use crate::server::now_secs;
use crate::server::refresher::{self, Want};
use crate::socket::session::RequestContext;

pub async fn get(ctx: &RequestContext<'_>, params: TokensGetParams) -> Result<TokensGetResult, RpcError> {
    let want = match params.rejected_token_sha256 {
        Some(sha) if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) => Want::Rejected(sha),
        Some(_) => {
            return Err(RpcError::new(
                ErrorCode::InvalidParams,
                "rejected_token_sha256 must be the 64 hex digits of the rejected access token's SHA-256",
            ));
        }
        None if params.force_refresh => Want::Force,
        None => Want::Fresh,
    };
    let def = OAuthClient::definition(&params.provider)?;
    if let Some(wait) = ctx.daemon.budgets.retry_after(def, &ctx.user.user_id, now_secs()) {
        return Err(rate_limited(def.display_name, def.name, wait));
    }
    refresher::access_token(ctx.daemon, &ctx.user.user_id, &params.provider, want).await
}

fn rate_limited(display: &str, provider: &str, wait: u64) -> RpcError {
    RpcError::new(
        ErrorCode::RateLimited,
        format!("{display}'s rate limit is spent for now; retry in {wait} s"),
    )
    .with_provider(provider)
    .with_retry_after(wait)
}

/// Records one provider API answer's status and rate-limit headers.
pub fn usage_report(ctx: &RequestContext<'_>, params: UsageReportParams) -> Result<UsageReportResult, RpcError> {
    let def = OAuthClient::definition(&params.provider)?;
    let now = now_secs();
    ctx.daemon.budgets.report(def, &ctx.user.user_id, params.status, &params.headers, now);
    Ok(UsageReportResult { recorded: true, retry_after_secs: ctx.daemon.budgets.retry_after(def, &ctx.user.user_id, now) })
}
