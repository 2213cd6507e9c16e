//! `POST /api/oauth-service/oauth/exchange/user/2.0`: Garmin's OAuth1 →
//! OAuth2 exchange on the Connect API host, which renews a legacy garth
//! sign-in, as strict as garth 0.8.0's request lets it be (`src/garth/sso.py`,
//! `exchange`): OAuth 1.0a HMAC-SHA1 in the `Authorization` header (RFC 5849
//! §3.5.1), a form body (`mfa_token` when the sign-in has one), and
//! `User-Agent: com.garmin.android.apps.connectmobile`.
//!
//! The fake recomputes every signature itself, with its own consumer
//! ([`FakeOptions::consumer_key`](super::state::FakeOptions) and secret)
//! and the token secret of the presented OAuth1 token (registered with
//! `/__fake/grant` `oauth1_token`): the signature base string from the
//! request it received (method, `http://<Host><path>`, the header's
//! protocol parameters and the form's), each refusal counted by reason. This
//! is a second implementation of RFC 5849 §3.4, written apart from the
//! daemon's signer, so a shared mistake cannot pass. A nonce is accepted
//! once; a timestamp more than 300 s away is refused. Faults queue on
//! target `oauth1_exchange`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use hmac::{KeyInit, Mac};

use super::oauth::{issue, oauth_error, token_fault};
use super::state::{Fake, FaultTarget};

/// What garth sends as its `User-Agent` on the exchange.
const USER_AGENT: &str = "com.garmin.android.apps.connectmobile";
/// How far a request's `oauth_timestamp` may be from the fake's clock.
const CLOCK_SKEW_SECS: i64 = 300;

/// The exchange (see the module doc).
pub async fn exchange(
    State(fake): State<Arc<Fake>>,
    uri: Uri,
    headers: HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    fake.lock().counters.oauth1_exchange += 1;
    if let Some(kind) = fake.take_fault(FaultTarget::Oauth1Exchange) {
        return token_fault(kind).await;
    }
    match verify(&fake, &uri, &headers, &form) {
        Ok(account) => issue(&fake, &account, "CONNECT_READ CONNECT_WRITE", false),
        Err(reason) => {
            fake.refuse(reason);
            // Garmin answers a refused exchange with 401 and no OAuth2 error.
            oauth_error(StatusCode::UNAUTHORIZED, "unauthorized", reason)
        }
    }
}

/// The account of a correctly signed exchange, or why it is refused.
fn verify(fake: &Fake, uri: &Uri, headers: &HeaderMap, form: &HashMap<String, String>) -> Result<String, &'static str> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if text(header::USER_AGENT) != USER_AGENT {
        return Err("oauth1_user_agent");
    }
    let protocol = parse_header(text(header::AUTHORIZATION)).ok_or("oauth1_no_header")?;
    let get = |name: &str| protocol.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("oauth_signature_method") != Some("HMAC-SHA1") || get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err("oauth1_method");
    }
    if get("oauth_consumer_key") != Some(fake.options.consumer_key.as_str()) {
        return Err("oauth1_consumer_key");
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let timestamp: i64 = get("oauth_timestamp").and_then(|t| t.parse().ok()).ok_or("oauth1_timestamp")?;
    if (timestamp - now).abs() > CLOCK_SKEW_SECS {
        return Err("oauth1_timestamp");
    }
    let nonce = get("oauth_nonce").filter(|n| !n.is_empty()).ok_or("oauth1_nonce")?;
    let token = get("oauth_token").ok_or("oauth1_unknown_token")?;
    let grant = fake.lock().oauth1.get(token).cloned().ok_or("oauth1_unknown_token")?;
    if form.keys().any(|k| k != "mfa_token" && k != "audience") {
        return Err("oauth1_unexpected_form");
    }
    if form.get("mfa_token") != grant.mfa_token.as_ref() {
        return Err("oauth1_mfa_token");
    }
    let host = text(header::HOST).to_ascii_lowercase();
    let mut params: Vec<(String, String)> =
        protocol.iter().filter(|(k, _)| k != "oauth_signature" && k != "realm").cloned().collect();
    params.extend(form.iter().map(|(k, v)| (k.clone(), v.clone())));
    let expected =
        sign("POST", &format!("http://{host}{}", uri.path()), &params, &fake.options.consumer_secret, &grant.secret);
    if get("oauth_signature") != Some(expected.as_str()) {
        return Err("oauth1_signature");
    }
    if !fake.lock().oauth1_nonces.insert(format!("{token} {timestamp} {nonce}")) {
        return Err("oauth1_nonce_reused");
    }
    Ok(grant.account)
}

/// `OAuth k="v", ...` as decoded pairs; `None` without the `OAuth` scheme.
fn parse_header(value: &str) -> Option<Vec<(String, String)>> {
    let rest = value.strip_prefix("OAuth ")?;
    rest.split(',')
        .map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            let v = v.strip_prefix('"')?.strip_suffix('"')?;
            Some((unescape(k)?, unescape(v)?))
        })
        .collect()
}

/// RFC 3986 percent-decoding (the header's values are RFC 5849 §3.6-encoded).
fn unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 5849 §3.6: unreserved characters as they are, every other byte `%XX`.
fn escape(text: &str) -> String {
    const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    text.bytes().map(|b| if UNRESERVED.contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The HMAC-SHA1 signature of a `method` request to `uri` with `params`
/// (RFC 5849 §3.4.1 and §3.4.2), base64.
fn sign(method: &str, uri: &str, params: &[(String, String)], consumer_secret: &str, token_secret: &str) -> String {
    let mut pairs: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect();
    // Sorting the joined `name=value` strings orders by name then value
    // (`=` sorts below every unreserved character).
    pairs.sort();
    let base = [method, &escape(uri), &escape(&pairs.join("&"))].join("&");
    let key = format!("{}&{}", escape(consumer_secret), escape(token_secret));
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fakes_own_signer_gives_rfc_5849s_photos_signature() {
        // RFC 5849 §1.2: the photos request and its printed signature.
        let params: Vec<(String, String)> = [
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
        let url = "http://photos.example.net/photos";
        assert_eq!(sign("GET", url, &params, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"), "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
        assert_ne!(sign("POST", url, &params, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"), "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
    }

    #[test]
    fn headers_parse_into_decoded_pairs() {
        let parsed = parse_header(r#"OAuth oauth_token="a%20b", oauth_nonce="n""#).unwrap();
        assert_eq!(parsed, vec![("oauth_token".into(), "a b".into()), ("oauth_nonce".into(), "n".into())]);
        assert!(parse_header("Bearer x").is_none());
        assert_eq!(escape("a b+~"), "a%20b%2B~");
    }
}
