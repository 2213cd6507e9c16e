//! `token`, `approve`, `keys rotate`: the authorization server from the CLI.
//!
//! `token` is the one command whose job is to print a secret: the JWT goes
//! alone on stdout (so `PIERRE_TOKEN=$(pierre-authd token)` works) and
//! nowhere else.

use std::process::ExitCode;

use pierre_shared::protocol::{
    AuthToken, AuthTokenParams, AuthTokenResult, KeysRotate, KeysRotateResult, LoginApprove, LoginApproveParams,
    LoginApproveResult, NoParams,
};

use super::{CliError, connect_or_start};
use crate::config::Config;

/// The longest `--ttl`: 90 days.
const MAX_TTL_SECS: i64 = 90 * 24 * 3600;

/// Prints a socket JWT for `user` (default the owner).
pub async fn token(config: &Config, user: Option<String>, ttl: Option<&str>) -> Result<ExitCode, CliError> {
    let ttl_secs = ttl.map(parse_ttl).transpose()?;
    let client = connect_or_start(config, user).await?;
    let issued: AuthTokenResult = client.call::<AuthToken>(&AuthTokenParams { ttl_secs }).await?;
    println!("{}", issued.token.expose_text());
    Ok(ExitCode::SUCCESS)
}

/// Answers the consent page showing `code`, for `user` (default the owner).
pub async fn approve(config: &Config, user: Option<String>, code: &str, deny: bool) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, user).await?;
    let params = LoginApproveParams { code: code.to_string(), deny };
    let answer: LoginApproveResult = client.call::<LoginApprove>(&params).await?;
    if answer.approved {
        println!(
            "approved: {} may now use {} as Pierre user {}",
            answer.client_name, answer.resource, answer.user_name
        );
    } else {
        println!("refused: {} gets no access", answer.client_name);
    }
    Ok(ExitCode::SUCCESS)
}

/// Rotates the signing keys.
pub async fn keys_rotate(config: &Config) -> Result<ExitCode, CliError> {
    let client = connect_or_start(config, None).await?;
    let rotated: KeysRotateResult = client.call::<KeysRotate>(&NoParams {}).await?;
    println!(
        "new signing key {}; kept {} older key(s) until their tokens expire, removed {}",
        rotated.kid, rotated.kept, rotated.dropped
    );
    Ok(ExitCode::SUCCESS)
}

/// `30m`, `1h`, `7d`, `90s` (a bare number is seconds) → seconds, 1 s to 90 days.
///
/// # Errors
/// [`CliError::BadTtl`] naming what was given.
pub fn parse_ttl(text: &str) -> Result<i64, CliError> {
    let bad = || CliError::BadTtl { given: text.to_string() };
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, "s"),
    };
    let count: i64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let secs = count.checked_mul(scale).ok_or_else(bad)?;
    if !(1..=MAX_TTL_SECS).contains(&secs) {
        return Err(bad());
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_ttl("30m").unwrap(), 1800);
        assert_eq!(parse_ttl("1h").unwrap(), 3600);
        assert_eq!(parse_ttl("7d").unwrap(), 7 * 86_400);
        assert_eq!(parse_ttl("90d").unwrap(), MAX_TTL_SECS);
        assert_eq!(parse_ttl("45s").unwrap(), 45);
        assert_eq!(parse_ttl("120").unwrap(), 120);
    }

    #[test]
    fn bad_or_too_long_durations_are_refused() {
        for bad in ["91d", "0m", "", "h", "1w", "1.5h", "-1h", "1h30m", "99999999999999999999d"] {
            assert!(matches!(parse_ttl(bad), Err(CliError::BadTtl { .. })), "{bad}");
        }
    }
}
