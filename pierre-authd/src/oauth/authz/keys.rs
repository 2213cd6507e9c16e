//! The authorization server's ES256 signing keys: generation, sealed storage,
//! rotation and the public JWKS.
//!
//! Each key is an install-level secret of kind [`KEY_KIND`] under its `kid`,
//! sealed with the install key (AAD `install|as_signing_key|<kid>`). The
//! sealed value is a small JSON document holding the PKCS#8 DER (base64) and
//! when the key was made and retired. The newest key signs; a retired key
//! stays in the JWKS and keeps verifying until every token it could have
//! signed has expired ([`RETIRED_KEY_LIFE`]), then `keys rotate` drops it.

use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use p256::pkcs8::EncodePrivateKey;
use pierre_shared::Secret;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::vault::{Store, StoreError};

/// The install-secret kind the signing keys are stored under.
pub const KEY_KIND: &str = "as_signing_key";

/// How long a retired key keeps verifying: the longest token life (a socket
/// token of 90 days) plus a margin for clock steps.
pub const RETIRED_KEY_LIFE: i64 = 90 * 24 * 3600 + 3600;

/// Why the key ring cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the signing key `{kid}` in the state database is unreadable; rotate with `pierre-authd keys rotate`")]
    Unreadable { kid: String },
    #[error("the system random number generator failed; retry")]
    Random,
}

/// What is sealed for one key.
#[derive(Serialize, Deserialize)]
struct StoredKey {
    /// PKCS#8 DER of the P-256 private key, base64.
    der: String,
    created_at: i64,
    #[serde(default)]
    retired_at: Option<i64>,
}

/// One usable key.
pub struct SigningKey {
    pub kid: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Jwk,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn from_der(kid: String, der: &[u8], created_at: i64, retired_at: Option<i64>) -> Result<SigningKey, KeyError> {
        let unreadable = || KeyError::Unreadable { kid: kid.clone() };
        let encoding = EncodingKey::from_ec_der(der);
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).map_err(|_| unreadable())?;
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        let decoding = DecodingKey::from_jwk(&jwk).map_err(|_| unreadable())?;
        Ok(SigningKey { kid, created_at, retired_at, encoding, decoding, jwk })
    }

    /// The key that signs.
    pub fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    /// The public key that verifies.
    pub fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// Every key the server knows, oldest first; the last one signs.
#[derive(Debug)]
pub struct KeyRing {
    keys: RwLock<Vec<std::sync::Arc<SigningKey>>>,
}

impl KeyRing {
    /// Loads the stored keys, making the first one when there is none.
    ///
    /// # Errors
    /// Store errors; a key that does not open or parse.
    pub fn load(store: &dyn Store, now: i64) -> Result<KeyRing, KeyError> {
        let mut keys = read_all(store)?;
        if keys.is_empty() {
            keys.push(generate(store, now)?);
        }
        Ok(KeyRing { keys: RwLock::new(keys.into_iter().map(std::sync::Arc::new).collect()) })
    }

    /// The key new tokens are signed with.
    pub fn current(&self) -> std::sync::Arc<SigningKey> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.last().cloned().expect("a key ring always holds a key")
    }

    /// The key with this `kid`, current or retired.
    pub fn find(&self, kid: &str) -> Option<std::sync::Arc<SigningKey>> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.iter().find(|k| k.kid == kid).cloned()
    }

    /// The public keys, for `/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        JwkSet { keys: keys.iter().map(|k| k.jwk.clone()).collect() }
    }

    /// Makes a new signing key, retires the current one and drops keys retired
    /// long enough ago that nothing they signed is still valid. Returns the
    /// new key's id and how many old keys were dropped.
    ///
    /// # Errors
    /// Store errors; the ring is unchanged unless the new key was stored.
    pub fn rotate(&self, store: &dyn Store, now: i64) -> Result<(String, usize), KeyError> {
        let fresh = generate(store, now)?;
        let kid = fresh.kid.clone();
        let mut kept = Vec::new();
        let mut dropped = 0;
        for key in read_all(store)? {
            if key.kid == kid {
                continue;
            }
            match key.retired_at {
                Some(retired) if now - retired > RETIRED_KEY_LIFE => {
                    store.delete_install_secret(KEY_KIND, &key.kid)?;
                    dropped += 1;
                }
                Some(_) => kept.push(key),
                None => {
                    let der = stored_der(store, &key.kid)?;
                    write(store, &key.kid, &der, key.created_at, Some(now))?;
                    kept.push(SigningKey::from_der(key.kid.clone(), &der, key.created_at, Some(now))?);
                }
            }
        }
        kept.push(fresh);
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        *keys = kept.into_iter().map(std::sync::Arc::new).collect();
        Ok((kid, dropped))
    }
}

/// Every stored key, oldest first.
fn read_all(store: &dyn Store) -> Result<Vec<SigningKey>, KeyError> {
    let mut keys = Vec::new();
    for kid in store.list_install_secret_ids(KEY_KIND)? {
        let Some(secret) = store.get_install_secret(KEY_KIND, &kid)? else { continue };
        let stored: StoredKey =
            serde_json::from_slice(secret.expose()).map_err(|_| KeyError::Unreadable { kid: kid.clone() })?;
        let der = Zeroizing::new(STANDARD.decode(&stored.der).map_err(|_| KeyError::Unreadable { kid: kid.clone() })?);
        keys.push(SigningKey::from_der(kid, &der, stored.created_at, stored.retired_at)?);
    }
    keys.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.kid.cmp(&b.kid)));
    Ok(keys)
}

fn stored_der(store: &dyn Store, kid: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let unreadable = || KeyError::Unreadable { kid: kid.to_string() };
    let secret = store.get_install_secret(KEY_KIND, kid)?.ok_or_else(unreadable)?;
    let stored: StoredKey = serde_json::from_slice(secret.expose()).map_err(|_| unreadable())?;
    Ok(Zeroizing::new(STANDARD.decode(&stored.der).map_err(|_| unreadable())?))
}

fn write(store: &dyn Store, kid: &str, der: &[u8], created_at: i64, retired_at: Option<i64>) -> Result<(), KeyError> {
    let stored = StoredKey { der: STANDARD.encode(der), created_at, retired_at };
    let json = Zeroizing::new(serde_json::to_vec(&stored).map_err(|_| KeyError::Unreadable { kid: kid.to_string() })?);
    let mut der_text = stored.der;
    zeroize::Zeroize::zeroize(&mut der_text);
    store.put_install_secret(KEY_KIND, kid, &Secret::new(json.to_vec()))?;
    Ok(())
}

/// A new P-256 key, stored sealed before it is returned.
fn generate(store: &dyn Store, now: i64) -> Result<SigningKey, KeyError> {
    let secret_key = loop {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| KeyError::Random)?;
        // Zero or a value above the group order is refused: draw again.
        if let Ok(key) = p256::SecretKey::from_slice(bytes.as_ref()) {
            break key;
        }
    };
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).map_err(|_| KeyError::Random)?;
    let kid = URL_SAFE_NO_PAD.encode(id);
    let der = secret_key.to_pkcs8_der().map_err(|_| KeyError::Random)?;
    write(store, &kid, der.as_bytes(), now, None)?;
    SigningKey::from_der(kid, der.as_bytes(), now, None)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::TestStore;
    use super::*;

    #[test]
    fn first_load_makes_one_key_and_later_loads_read_it_back() {
        let store = TestStore::new();
        let ring = KeyRing::load(store.store(), 1000).unwrap();
        let kid = ring.current().kid.clone();
        assert_eq!(ring.jwks().keys.len(), 1);
        let again = KeyRing::load(store.store(), 2000).unwrap();
        assert_eq!(again.current().kid, kid);
    }

    #[test]
    fn rotation_keeps_the_old_key_until_its_tokens_expire() {
        let store = TestStore::new();
        let ring = KeyRing::load(store.store(), 1000).unwrap();
        let old = ring.current().kid.clone();
        let (new, dropped) = ring.rotate(store.store(), 2000).unwrap();
        assert_ne!(old, new);
        assert_eq!(dropped, 0);
        assert_eq!(ring.current().kid, new);
        assert_eq!(ring.find(&old).unwrap().retired_at, Some(2000));
        assert_eq!(ring.jwks().keys.len(), 2);
        let (newest, dropped) = ring.rotate(store.store(), 2000 + RETIRED_KEY_LIFE + 1).unwrap();
        assert_eq!(dropped, 1, "the key retired at 2000 is past its life");
        assert!(ring.find(&old).is_none());
        assert!(ring.find(&new).is_some());
        assert_eq!(ring.current().kid, newest);
        let reloaded = KeyRing::load(store.store(), 2000 + RETIRED_KEY_LIFE + 2).unwrap();
        assert_eq!(reloaded.current().kid, newest);
        assert_eq!(reloaded.jwks().keys.len(), 2);
    }

    #[test]
    fn the_jwks_has_public_parts_only_with_kid_and_use() {
        let store = TestStore::new();
        let ring = KeyRing::load(store.store(), 1000).unwrap();
        let json = serde_json::to_value(ring.jwks()).unwrap();
        let key = &json["keys"][0];
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["kid"], ring.current().kid.as_str());
        assert!(key.get("d").is_none(), "private part leaked: {key}");
    }
}
