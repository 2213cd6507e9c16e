//! The wall clock, in the one unit the vault, tokens and rate limits use.

/// Seconds since the Unix epoch (UTC).
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
