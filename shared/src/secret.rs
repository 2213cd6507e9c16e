//! `Secret`: the one type every token, key and client secret travels in.
//!
//! Why a newtype: a secret that can be formatted can end up in a log line, an
//! error message or a panic. `Secret` has a redacted `Debug`, deliberately no
//! `Display`, no `Serialize`, and its bytes are zeroized when it is dropped.
//! Reading it takes an explicit call to [`Secret::expose`], which is easy to
//! grep for in review.
//!
//! Tokens do have to cross the daemon's socket, so the protocol types carry
//! them as `Secret` too, through [`wire`]: a serde adapter that is visible
//! only inside this crate. A tool result or log record built elsewhere
//! cannot serialise a `Secret` by accident; only a `protocol` type can.

use std::fmt;

use zeroize::{Zeroize, Zeroizing};

/// Bytes that must never be printed, logged or left in memory after use.
///
/// Outside this crate a `Secret` cannot be serialised, so no tool result or
/// log record can carry one by accident:
///
/// ```compile_fail
/// fn serialisable<T: serde::Serialize>() {}
/// serialisable::<pierre_shared::Secret>();
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps bytes; the caller's buffer moves in, so no copy is left behind.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Wraps a UTF-8 string such as an OAuth token.
    pub fn from_string(s: String) -> Self {
        Self::new(s.into_bytes())
    }

    /// The raw bytes.
    ///
    /// # Security
    /// Whatever you do with the returned slice is outside this type's
    /// protection: never log it, format it into an error or write it to a file
    /// unencrypted. Clear any copy you make.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as text, when it is a token (tokens are ASCII).
    ///
    /// # Security
    /// Same warning as [`Secret::expose`].
    pub fn expose_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.0)
    }

    /// A token as text. Tokens and client secrets are built from `String`s
    /// (so always UTF-8); bytes that are not UTF-8 (a key) read as empty,
    /// which any provider or verifier then refuses, rather than panicking.
    ///
    /// # Security
    /// Same warning as [`Secret::expose`].
    pub fn expose_text(&self) -> &str {
        self.expose_str().unwrap_or_default()
    }

    /// Number of bytes; safe to show.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty; safe to show.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// First 8 hex digits of the SHA-256 of the secret: enough for a person to
    /// tell two secrets apart, useless to an attacker.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.expose());
        hex::encode(&digest[..4])
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([REDACTED; {} bytes])", self.0.len())
    }
}

/// The empty secret: what an absent token reads as before a check refuses it.
impl Default for Secret {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::from_string(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self::from_string(s)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Zeroizing already clears the buffer; this also clears spare capacity.
        self.0.zeroize();
    }
}

/// Serde for `Secret` fields of the socket protocol's types (as a JSON
/// string), used with `#[serde(with = "crate::secret::wire")]`. Crate-private
/// on purpose: see the module docs.
pub(crate) mod wire {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Secret;

    pub fn serialize<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
        let text = secret.expose_str().map_err(|_| serde::ser::Error::custom("a secret that is not UTF-8"))?;
        s.serialize_str(text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        Ok(Secret::from_string(String::deserialize(d)?))
    }

    /// The same for `Option<Secret>` (absent or `null` is `None`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        use super::Secret;

        pub fn serialize<S: Serializer>(secret: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
            match secret {
                Some(secret) => super::serialize(secret, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
            Ok(Option::<String>::deserialize(d)?.map(Secret::from_string))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::from_string("hunter2-super-token".into());
        let shown = format!("{s:?} {:#?}", s);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("REDACTED"));
    }

    #[test]
    fn expose_returns_the_bytes() {
        let s = Secret::new(vec![1, 2, 3]);
        assert_eq!(s.expose(), &[1, 2, 3]);
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn fingerprint_is_stable_and_short() {
        let s = Secret::from_string("abc".into());
        // sha256("abc") = ba7816bf...
        assert_eq!(s.fingerprint(), "ba7816bf");
    }
}
