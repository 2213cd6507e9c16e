//! `tokens.get`: a provider access token for the resolved user, refreshed
//! first when it expires within 5 minutes or a caller reports it rejected,
//! or `rate_limited` while the provider's rate limits say to wait (the
//! rule is in [`crate::tokens::budgets`]).
//! Refresh tokens never leave the daemon. `usage.report`: what a provider
//! API answer said about the rate limits.

use pierre_shared::ErrorCode;
use pierre_shared::protocol::{RpcError, TokensGetParams, TokensGetResult, UsageReportParams, UsageReportResult};

use crate::clock::now_secs;
use crate::oauth::client::OAuthClient;
use crate::socket::session::RequestContext;
use crate::tokens::budgets::{Wait, WaitCause};
use crate::tokens::refresher::{self, Want};

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
    if def.retired.is_some()
        && let Some(refused) = ctx.daemon.oauth.resolve(def.name)?.retired_error()
    {
        return Err(refused);
    }
    if let Some(wait) = ctx.daemon.budgets.retry_after(def, &ctx.user.user_id, now_secs()) {
        return Err(rate_limited(def.display_name, def.name, &wait));
    }
    refresher::access_token(ctx.daemon, &ctx.user.user_id, &params.provider, want).await
}

/// What happened, then when to come back: "Strava asked to wait 60 s
/// before the next request; retry in 58 s, after 12:03:10 UTC".
fn rate_limited(display: &str, provider: &str, wait: &Wait) -> RpcError {
    let what = match wait.cause {
        WaitCause::ProviderAsked { secs } => {
            format!("{display} asked to wait {secs} s before the next request")
        }
        WaitCause::WindowSpent { window_secs, limit } => {
            format!("{display}'s limit of {limit} requests per {} is used up", window_name(window_secs))
        }
        WaitCause::Unexplained => {
            format!("{display} answered 429 Too Many Requests without saying how long to wait or which limit is spent")
        }
    };
    let after = utc_time(wait).map(|t| format!(", after {t}")).unwrap_or_default();
    RpcError::new(ErrorCode::RateLimited, format!("{what}; retry in {}{after}", duration_text(wait.secs)))
        .with_provider(provider)
        .with_retry_after(wait.secs)
}

/// `45 s`, `15 min`, `13 h 53 min`: rounded up, so never shorter than the wait.
fn duration_text(secs: u64) -> String {
    let minutes = secs.div_ceil(60);
    match secs {
        0..120 => format!("{secs} s"),
        120..7_200 => format!("{minutes} min"),
        _ => format!("{} h {} min", minutes / 60, minutes % 60),
    }
}

fn window_name(secs: u64) -> String {
    match secs {
        60 => "minute".into(),
        3_600 => "hour".into(),
        86_400 => "day".into(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} s"),
    }
}

/// When the wait ends: `12:03:10 UTC`, with the date when that is on
/// another day than the wait began.
fn utc_time(wait: &Wait) -> Option<String> {
    let at = |secs: i64| time::OffsetDateTime::from_unix_timestamp(secs).ok();
    let began = at(wait.until.saturating_sub(i64::try_from(wait.secs).ok()?))?;
    let end = at(wait.until)?;
    let clock = format!("{:02}:{:02}:{:02} UTC", end.hour(), end.minute(), end.second());
    Some(if end.date() == began.date() { clock } else { format!("{} {clock}", end.date()) })
}

/// Records one provider API answer's status and rate-limit headers.
pub fn usage_report(ctx: &RequestContext<'_>, params: UsageReportParams) -> Result<UsageReportResult, RpcError> {
    let def = OAuthClient::definition(&params.provider)?;
    let now = now_secs();
    ctx.daemon.budgets.report(def, &ctx.user.user_id, params.status, &params.headers, now);
    let wait = ctx.daemon.budgets.retry_after(def, &ctx.user.user_id, now);
    Ok(UsageReportResult { recorded: true, retry_after_secs: wait.map(|w| w.secs) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-11-23 10:07:30 UTC.
    const NOW: i64 = 1_763_892_450;

    fn sentence(secs: u64, cause: WaitCause) -> String {
        let e = rate_limited("Strava", "strava", &Wait { secs, until: NOW + i64::try_from(secs).unwrap(), cause });
        assert_eq!(e.data.retry_after_secs, Some(secs));
        e.message
    }

    #[test]
    fn the_sentence_says_why_and_until_when() {
        assert_eq!(
            sentence(60, WaitCause::ProviderAsked { secs: 60 }),
            "Strava asked to wait 60 s before the next request; retry in 60 s, after 10:08:30 UTC"
        );
        assert_eq!(
            sentence(450, WaitCause::WindowSpent { window_secs: 900, limit: 100 }),
            "Strava's limit of 100 requests per 15 minutes is used up; retry in 8 min, after 10:15:00 UTC"
        );
        assert_eq!(
            sentence(49_950, WaitCause::WindowSpent { window_secs: 86_400, limit: 1_000 }),
            "Strava's limit of 1000 requests per day is used up; retry in 13 h 53 min, after 2025-11-24 00:00:00 UTC"
        );
        assert!(
            sentence(60, WaitCause::Unexplained).starts_with("Strava answered 429 Too Many Requests without saying")
        );
    }
}
