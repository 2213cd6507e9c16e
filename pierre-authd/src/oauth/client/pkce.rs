//! PKCE (RFC 7636) and the `state` value.
//!
//! Pierre always sends an S256 challenge, whether or not the provider
//! documents PKCE: a provider that ignores it loses nothing, and one that
//! honours it binds the code to this daemon.

use base64::Engine as _;
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use sha2::{Digest, Sha256};

/// Random bytes behind a verifier: 64 bytes become 86 base64url characters,
/// inside RFC 7636 §4.1's 43 to 128.
const VERIFIER_BYTES: u32 = 64;

/// A fresh S256 challenge and its verifier.
pub fn new_pkce() -> (PkceCodeChallenge, PkceCodeVerifier) {
    PkceCodeChallenge::new_random_sha256_len(VERIFIER_BYTES)
}

/// A fresh, unguessable `state` (RFC 6749 §10.12): 32 random bytes, base64url.
pub fn new_state() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The id a pending state is stored under: its SHA-256, so the state itself
/// never sits in a plain-text column.
pub fn state_id(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unreserved(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
    }

    #[test]
    fn verifier_is_43_to_128_unreserved_characters_and_challenge_is_s256() {
        for _ in 0..20 {
            let (challenge, verifier) = new_pkce();
            let v = verifier.secret();
            assert!((43..=128).contains(&v.len()), "{}", v.len());
            assert!(v.chars().all(unreserved));
            assert_eq!(challenge.method().as_str(), "S256");
            let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
            assert_eq!(challenge.as_str(), expected);
        }
    }

    #[test]
    fn states_are_long_distinct_and_url_safe() {
        let a = new_state();
        let b = new_state();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(unreserved));
        assert_eq!(state_id(&a).len(), 64);
        assert_ne!(state_id(&a), a);
    }
}
