//! Sealing and opening single secrets.
//!
//! - Keys: HKDF-SHA256 over the master key with the install's random salt;
//!   `info` is `pierre/v1/user/<user_id>` for a user's vault and
//!   `pierre/v1/install/<purpose>` for install-level secrets.
//! - Blobs: AES-256-GCM with a fresh random 96-bit nonce each time, laid out
//!   as `version (1 byte) || nonce (12) || ciphertext || tag (16)`.
//! - AAD: the place a secret belongs to ([`Aad`]), prefixed by the version
//!   byte so a blob cannot be relabelled as another format version.
//!
//! GCM alone cannot tell a wrong key from a flipped bit or a wrong AAD; the
//! store tells them apart (key check value, per-vault canary, the plaintext
//! `sealed_for` column), see `vault/mod.rs`.

use std::fmt;
use std::str::FromStr;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use hkdf::Hkdf;
use pierre_shared::Secret;
use sha2::Sha256;
use zeroize::Zeroizing;

/// The only blob format this build writes and reads.
pub const FORMAT_V1: u8 = 1;
/// AES-GCM nonce length (96 bits).
pub const NONCE_LEN: usize = 12;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Bytes a sealed blob adds to its plaintext.
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// An AES-256-GCM key for one purpose (one user's vault, one install-level
/// kind). Holds only the expanded cipher, which is zeroized on drop.
pub struct SealKey {
    cipher: Aes256Gcm,
}

impl SealKey {
    /// A key from raw bytes (tests and the cost benchmark).
    ///
    /// # Panics
    /// Never: 32 bytes are always an AES-256 key.
    pub fn from_bytes(bytes: &Zeroizing<[u8; 32]>) -> SealKey {
        // A 32-byte slice is always a valid AES-256 key.
        let cipher = Aes256Gcm::new_from_slice(bytes.as_slice()).expect("32 bytes is an AES-256 key");
        SealKey { cipher }
    }

    /// HKDF-SHA256(ikm = master, salt, info) expanded to 32 bytes.
    ///
    /// # Panics
    /// Never: 32 bytes are a valid HKDF-SHA256 output length.
    pub fn derive(master: &[u8; 32], salt: &[u8], info: &str) -> SealKey {
        let hkdf = Hkdf::<Sha256>::new(Some(salt), master);
        let mut okm = Zeroizing::new([0u8; 32]);
        hkdf.expand(info.as_bytes(), okm.as_mut_slice()).expect("32 bytes is a valid HKDF-SHA256 output length");
        SealKey::from_bytes(&okm)
    }
}

impl fmt::Debug for SealKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealKey([REDACTED])")
    }
}

/// HKDF `info` of a user's vault key.
pub fn user_key_info(user_id: &str) -> String {
    format!("pierre/v1/user/{user_id}")
}

/// HKDF `info` of an install-level key.
pub fn install_key_info(purpose: &str) -> String {
    format!("pierre/v1/install/{purpose}")
}

/// Where a sealed secret belongs. Not secret: it is also stored in plain text
/// beside the blob, so a moved row can be reported as "sealed for X, found at Y".
///
/// Injective as long as `user_id`, `provider` and `kind` contain no `|`,
/// which the store checks (user ids are UUIDs, providers and kinds are
/// `[a-z0-9_-]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Aad(String);

impl Aad {
    /// `<user_id>|<provider>|<field>`: one secret of one connection.
    pub fn user_secret(user_id: &str, provider: &str, field: SecretField) -> Aad {
        Aad(format!("{user_id}|{provider}|{}", field.as_str()))
    }

    /// `install|<kind>|<id>`: an install-level secret.
    pub fn install(kind: &str, id: &str) -> Aad {
        Aad(format!("install|{kind}|{id}"))
    }

    /// `<user_id>|#vault|canary`: the per-vault canary (`#` is never in a
    /// provider name, so this cannot collide with a secret's AAD).
    pub fn vault_canary(user_id: &str) -> Aad {
        Aad(format!("{user_id}|#vault|canary"))
    }

    /// Any AAD text, for tests and benchmarks.
    pub fn raw(text: impl Into<String>) -> Aad {
        Aad(text.into())
    }

    /// The text form, as stored in `sealed_for` columns.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn with_version(&self, version: u8) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + self.0.len());
        out.push(version);
        out.extend_from_slice(self.0.as_bytes());
        out
    }
}

impl fmt::Display for Aad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a blob did not open. Deliberately coarse: GCM cannot say more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The first byte is not a format version this build knows.
    #[error("unknown format version {0}")]
    UnknownVersion(u8),
    /// Shorter than a version, a nonce and a tag.
    #[error("blob of {0} bytes is too short")]
    Truncated(usize),
    /// Authentication failed: wrong key, wrong AAD or changed bytes.
    #[error("authentication failed")]
    Rejected,
}

/// Seals `plaintext` for `aad` under `key` with a fresh random nonce.
///
/// # Errors
/// Only when the system's random number generator fails.
///
/// # Panics
/// Only past AES-GCM's 64 GiB plaintext limit, far beyond any secret.
pub fn seal(key: &SealKey, aad: &Aad, plaintext: &[u8]) -> Result<Vec<u8>, getrandom::Error> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce)?;
    let gcm_aad = aad.with_version(FORMAT_V1);
    let ciphertext = key
        .cipher
        .encrypt(&Nonce::<Aes256Gcm>::from(nonce), Payload { msg: plaintext, aad: &gcm_aad })
        // Encryption fails only past GCM's 64 GiB plaintext limit.
        .expect("a secret is far below AES-GCM's plaintext limit");
    let mut blob = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    blob.push(FORMAT_V1);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ciphertext);
    Ok(blob)
}

/// Opens a blob sealed by [`seal`]. On any failure nothing decrypted is
/// returned (GCM checks the tag before releasing plaintext).
///
/// # Errors
/// [`OpenError`] says whether the version, the length or the authentication
/// failed.
pub fn open(key: &SealKey, aad: &Aad, blob: &[u8]) -> Result<Secret, OpenError> {
    let Some((&version, rest)) = blob.split_first() else {
        return Err(OpenError::Truncated(0));
    };
    if version != FORMAT_V1 {
        return Err(OpenError::UnknownVersion(version));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(OpenError::Truncated(blob.len()));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| OpenError::Truncated(blob.len()))?;
    let gcm_aad = aad.with_version(version);
    key.cipher
        .decrypt(&nonce, Payload { msg: ciphertext, aad: &gcm_aad })
        .map(Secret::new)
        .map_err(|_| OpenError::Rejected)
}

/// Which secret of a connection a sealed row holds. Part of the AAD, so a
/// row copied to another field fails to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretField {
    AccessToken,
    RefreshToken,
    ClientSecret,
    OauthState,
    PkceVerifier,
    SigningKey,
    GarminOauth1Token,
    GarminOauth2Token,
}

impl SecretField {
    /// Every field, for parsing and docs.
    pub const ALL: &'static [SecretField] = &[
        SecretField::AccessToken,
        SecretField::RefreshToken,
        SecretField::ClientSecret,
        SecretField::OauthState,
        SecretField::PkceVerifier,
        SecretField::SigningKey,
        SecretField::GarminOauth1Token,
        SecretField::GarminOauth2Token,
    ];

    /// The snake_case name stored in the vault and used in the AAD.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretField::AccessToken => "access_token",
            SecretField::RefreshToken => "refresh_token",
            SecretField::ClientSecret => "client_secret",
            SecretField::OauthState => "oauth_state",
            SecretField::PkceVerifier => "pkce_verifier",
            SecretField::SigningKey => "signing_key",
            SecretField::GarminOauth1Token => "garmin_oauth1_token",
            SecretField::GarminOauth2Token => "garmin_oauth2_token",
        }
    }
}

impl fmt::Display for SecretField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given to [`SecretField::from_str`] is not a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a secret field")]
pub struct UnknownSecretField(pub String);

impl FromStr for SecretField {
    type Err = UnknownSecretField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SecretField::ALL.iter().copied().find(|f| f.as_str() == s).ok_or_else(|| UnknownSecretField(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(byte: u8) -> SealKey {
        SealKey::from_bytes(&Zeroizing::new([byte; 32]))
    }

    #[test]
    fn layout_is_version_nonce_ciphertext_tag() {
        let blob = seal(&key(1), &Aad::raw("a"), b"hello").unwrap();
        assert_eq!(blob[0], FORMAT_V1);
        assert_eq!(blob.len(), 5 + OVERHEAD);
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let k = key(1);
        let a = seal(&k, &Aad::raw("a"), b"same").unwrap();
        let b = seal(&k, &Aad::raw("a"), b"same").unwrap();
        assert_ne!(a[1..1 + NONCE_LEN], b[1..1 + NONCE_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn wrong_key_and_wrong_aad_are_rejected() {
        let blob = seal(&key(1), &Aad::raw("u|strava|access_token"), b"tok").unwrap();
        assert_eq!(open(&key(2), &Aad::raw("u|strava|access_token"), &blob), Err(OpenError::Rejected));
        assert_eq!(open(&key(1), &Aad::raw("u|strava|refresh_token"), &blob), Err(OpenError::Rejected));
        assert_eq!(open(&key(1), &Aad::raw("u|strava|access_token"), &blob).unwrap().expose(), b"tok");
    }

    #[test]
    fn unknown_version_and_truncation_are_told_apart() {
        let mut blob = seal(&key(1), &Aad::raw("a"), b"tok").unwrap();
        blob[0] = 7;
        assert_eq!(open(&key(1), &Aad::raw("a"), &blob), Err(OpenError::UnknownVersion(7)));
        assert_eq!(open(&key(1), &Aad::raw("a"), &[]), Err(OpenError::Truncated(0)));
        assert_eq!(open(&key(1), &Aad::raw("a"), &[FORMAT_V1; 20]), Err(OpenError::Truncated(20)));
    }

    #[test]
    fn derivation_separates_users_installs_and_purposes() {
        let master = [9u8; 32];
        let blob = seal(&SealKey::derive(&master, b"salt-1", &user_key_info("u1")), &Aad::raw("a"), b"x").unwrap();
        let same = SealKey::derive(&master, b"salt-1", &user_key_info("u1"));
        assert!(open(&same, &Aad::raw("a"), &blob).is_ok());
        for other in [
            SealKey::derive(&master, b"salt-1", &user_key_info("u2")),
            SealKey::derive(&master, b"salt-2", &user_key_info("u1")),
            SealKey::derive(&master, b"salt-1", &install_key_info("u1")),
            SealKey::derive(&[8u8; 32], b"salt-1", &user_key_info("u1")),
        ] {
            assert_eq!(open(&other, &Aad::raw("a"), &blob), Err(OpenError::Rejected));
        }
        assert_eq!(user_key_info("abc"), "pierre/v1/user/abc");
        assert_eq!(install_key_info("oauth_state"), "pierre/v1/install/oauth_state");
    }

    #[test]
    fn aad_shapes() {
        assert_eq!(Aad::user_secret("u", "strava", SecretField::RefreshToken).as_str(), "u|strava|refresh_token");
        assert_eq!(Aad::install("app_client_secret", "strava").as_str(), "install|app_client_secret|strava");
    }

    #[test]
    fn key_debug_is_redacted() {
        let shown = format!("{:?}", key(0x41));
        assert_eq!(shown, "SealKey([REDACTED])");
    }

    #[test]
    fn field_names_round_trip() {
        let names: Vec<_> = SecretField::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "access_token",
                "refresh_token",
                "client_secret",
                "oauth_state",
                "pkce_verifier",
                "signing_key",
                "garmin_oauth1_token",
                "garmin_oauth2_token"
            ]
        );
        for field in SecretField::ALL {
            assert_eq!(field.as_str().parse::<SecretField>().unwrap(), *field);
        }
        assert!("password".parse::<SecretField>().is_err());
    }

    proptest! {
        #[test]
        fn seal_open_round_trips(plaintext in proptest::collection::vec(any::<u8>(), 0..2048), aad in ".*") {
            let k = key(3);
            let blob = seal(&k, &Aad::raw(aad.clone()), &plaintext).unwrap();
            prop_assert_eq!(blob.len(), plaintext.len() + OVERHEAD);
            let opened = open(&k, &Aad::raw(aad), &blob).unwrap();
            prop_assert_eq!(opened.expose(), plaintext.as_slice());
        }

        #[test]
        fn any_single_bit_flip_fails(plaintext in proptest::collection::vec(any::<u8>(), 0..256), bit in any::<prop::sample::Index>()) {
            let k = key(4);
            let aad = Aad::raw("u|p|access_token");
            let mut blob = seal(&k, &aad, &plaintext).unwrap();
            let i = bit.index(blob.len() * 8);
            blob[i / 8] ^= 1 << (i % 8);
            prop_assert!(open(&k, &aad, &blob).is_err(), "flipping bit {} opened", i);
        }
    }
}
