//! Access tokens: ES256 JWTs naming a Pierre user (RFC 9068 shape).
//!
//! `iss` is the authorization server's URL, `sub` the Pierre `user_id`, `aud`
//! the RFC 8707 resource (or [`SOCKET_AUDIENCE`] for socket tokens), `kid` in
//! the header names the key in the JWKS. Verification checks the signature
//! with that key, the issuer, the expiry (no leeway: both sides share one
//! clock) and then the audience, which callers match with
//! [`audience_matches`].

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use super::keys::KeyRing;

/// The audience of tokens that log in on the Unix socket.
pub const SOCKET_AUDIENCE: &str = "urn:pierre:authd";

/// The claims Pierre puts in and reads back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The Pierre `user_id`.
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// Unique per token, so one access token can be revoked (RFC 7009).
    pub jti: String,
    /// The OAuth client it was issued to; absent on socket tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// Why a token was refused. The messages never quote the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    #[error("the token is not a well-formed JWT from this pierre-authd")]
    Malformed,
    #[error("the token was signed with a key this pierre-authd does not have (rotated out, or from another install)")]
    UnknownKey,
    #[error("the token's signature does not verify; it was altered or forged")]
    BadSignature,
    #[error("the token has expired; get a new one")]
    Expired,
    #[error("the token was issued by another authorization server")]
    WrongIssuer,
    #[error("the token was issued for another audience")]
    WrongAudience,
    #[error("the token was revoked")]
    Revoked,
    #[error("the token names a Pierre user that no longer exists")]
    UnknownUser,
    #[error("the token could not be signed")]
    Signing,
    #[error("pierre-authd could not check whether the token was revoked (database error); retry")]
    Storage,
}

/// Signs `claims` with the current key; the header carries its `kid`.
///
/// # Errors
/// [`TokenError::Signing`] when the crypto provider refuses (a bug).
pub fn sign(keys: &KeyRing, claims: &Claims) -> Result<String, TokenError> {
    let key = keys.current();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    header.typ = Some(if claims.aud == SOCKET_AUDIENCE { "JWT".into() } else { "at+jwt".into() });
    jsonwebtoken::encode(&header, claims, key.encoding()).map_err(|_| TokenError::Signing)
}

/// Verifies signature, issuer and expiry, and returns the claims; the
/// caller checks the audience.
///
/// # Errors
/// The [`TokenError`] that says why.
pub fn verify(keys: &KeyRing, token: &str, issuer: &str) -> Result<Claims, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if header.alg != Algorithm::ES256 {
        return Err(TokenError::Malformed);
    }
    let kid = header.kid.ok_or(TokenError::Malformed)?;
    let key = keys.find(&kid).ok_or(TokenError::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.leeway = 0;
    validation.validate_aud = false;
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
    match jsonwebtoken::decode::<Claims>(token, key.decoding(), &validation) {
        Ok(data) => Ok(data.claims),
        Err(err) => Err(match err.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            jsonwebtoken::errors::ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
            jsonwebtoken::errors::ErrorKind::InvalidSignature => TokenError::BadSignature,
            _ => TokenError::Malformed,
        }),
    }
}

/// Whether a token for `aud` may be used at `resource`: equal (ignoring one
/// trailing slash), or both loopback `http` URLs with the same path, since
/// `serve-http` may listen on any port and on `127.0.0.1` or `localhost`.
pub fn audience_matches(aud: &str, resource: &str) -> bool {
    if aud.trim_end_matches('/') == resource.trim_end_matches('/') {
        return true;
    }
    match (loopback_path(aud), loopback_path(resource)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The path (and query) of an `http` URL on a loopback host, else `None`.
pub fn loopback_path(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    if url.scheme() != "http" || !is_loopback_host(url.host_str()?) || url.fragment().is_some() {
        return None;
    }
    let path = url.path().trim_end_matches('/');
    Some(match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    })
}

/// `127.0.0.1`, `[::1]` or `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    matches!(host.to_ascii_lowercase().as_str(), "127.0.0.1" | "[::1]" | "::1" | "localhost")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestStore;
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const ISS: &str = "http://127.0.0.1:8082";

    fn claims(aud: &str, exp: i64) -> Claims {
        Claims {
            iss: ISS.into(),
            sub: "user-1".into(),
            aud: aud.into(),
            exp,
            iat: exp - 60,
            jti: "j1".into(),
            client_id: None,
            scope: None,
        }
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn a_signed_token_verifies_and_names_its_kid() {
        let store = TestStore::new();
        let keys = KeyRing::load(store.store(), now()).unwrap();
        let c = claims(SOCKET_AUDIENCE, now() + 600);
        let token = sign(&keys, &c).unwrap();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some(keys.current().kid.as_str()));
        assert_eq!(verify(&keys, &token, ISS).unwrap(), c);
    }

    #[test]
    fn expired_foreign_and_tampered_tokens_are_refused() {
        let store = TestStore::new();
        let keys = KeyRing::load(store.store(), now()).unwrap();
        let expired = sign(&keys, &claims(SOCKET_AUDIENCE, now() - 1)).unwrap();
        assert_eq!(verify(&keys, &expired, ISS), Err(TokenError::Expired));
        let good = sign(&keys, &claims(SOCKET_AUDIENCE, now() + 600)).unwrap();
        assert_eq!(verify(&keys, &good, "http://127.0.0.1:9999"), Err(TokenError::WrongIssuer));
        let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
        let mut body: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        body["sub"] = "someone-else".into();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap());
        assert_eq!(verify(&keys, &parts.join("."), ISS), Err(TokenError::BadSignature));
        assert_eq!(verify(&keys, "not.a.jwt", ISS), Err(TokenError::Malformed));
        let other = TestStore::new();
        let other_keys = KeyRing::load(other.store(), now()).unwrap();
        let foreign = sign(&other_keys, &claims(SOCKET_AUDIENCE, now() + 600)).unwrap();
        assert_eq!(verify(&keys, &foreign, ISS), Err(TokenError::UnknownKey));
    }

    #[test]
    fn tokens_signed_before_a_rotation_still_verify() {
        let store = TestStore::new();
        let keys = KeyRing::load(store.store(), now()).unwrap();
        let before = sign(&keys, &claims(SOCKET_AUDIENCE, now() + 600)).unwrap();
        keys.rotate(store.store(), now()).unwrap();
        assert!(verify(&keys, &before, ISS).is_ok());
    }

    #[test]
    fn loopback_resources_match_on_any_port_others_exactly() {
        assert!(audience_matches("http://127.0.0.1:7777/mcp", "http://127.0.0.1:7777/mcp"));
        assert!(audience_matches("http://127.0.0.1:7777/mcp", "http://localhost:9999/mcp/"));
        assert!(!audience_matches("http://127.0.0.1:7777/mcp", "http://127.0.0.1:7777/other"));
        assert!(audience_matches("https://mcp.example.com/mcp", "https://mcp.example.com/mcp"));
        assert!(!audience_matches("https://mcp.example.com:444/mcp", "https://mcp.example.com/mcp"));
        assert!(!audience_matches("http://evil.example/mcp", "http://127.0.0.1:7777/mcp"));
        assert!(!audience_matches(SOCKET_AUDIENCE, "http://127.0.0.1:7777/mcp"));
    }
}
