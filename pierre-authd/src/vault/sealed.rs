//! A sealed row as stored: the blob plus, in plain text, the AAD it was
//! sealed for. Opening one tells the failures apart in this order:
//!
//! 1. `sealed_for` differs from where the row was found: it was moved or
//!    copied ([`StoreError::SecretMoved`], "sealed for X, found at Y");
//! 2. the version byte is unknown ([`StoreError::UnknownFormatVersion`]);
//! 3. GCM rejects it: the key is known to be right (the install's key check
//!    value and the vault's canary passed when the store and the vault were
//!    opened) and the AAD is the expected one, so the bytes were changed
//!    ([`StoreError::SecretTampered`]). This also covers an attacker who
//!    edits `sealed_for` to match the new place: the AAD inside the tag still
//!    says the old one.

use pierre_shared::Secret;

use super::crypto::{self, Aad, OpenError, SealKey};
use super::error::StoreError;

/// One stored secret.
pub(crate) struct SealedRow {
    /// The AAD text the blob was sealed for (not secret).
    pub sealed_for: String,
    /// `version || nonce || ciphertext || tag`.
    pub blob: Vec<u8>,
}

/// Seals `plaintext` for `aad`.
pub(crate) fn seal_row(key: &SealKey, aad: &Aad, plaintext: &[u8]) -> Result<SealedRow, StoreError> {
    let blob = crypto::seal(key, aad, plaintext).map_err(StoreError::Random)?;
    Ok(SealedRow { sealed_for: aad.as_str().to_owned(), blob })
}

/// Opens a row found at `expected`; see the module doc for the order.
pub(crate) fn open_row(key: &SealKey, expected: &Aad, row: &SealedRow) -> Result<Secret, StoreError> {
    if row.sealed_for != expected.as_str() {
        return Err(StoreError::SecretMoved { sealed_for: row.sealed_for.clone(), found_at: expected.to_string() });
    }
    crypto::open(key, expected, &row.blob).map_err(|e| match e {
        OpenError::UnknownVersion(version) => {
            StoreError::UnknownFormatVersion { location: expected.to_string(), version }
        }
        OpenError::Truncated(_) | OpenError::Rejected => StoreError::SecretTampered { location: expected.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::crypto::SecretField;
    use zeroize::Zeroizing;

    fn key() -> SealKey {
        SealKey::from_bytes(&Zeroizing::new([1; 32]))
    }

    #[test]
    fn each_failure_is_told_apart() {
        let k = key();
        let here = Aad::user_secret("u1", "strava", SecretField::AccessToken);
        let row = seal_row(&k, &here, b"tok").unwrap();
        assert_eq!(open_row(&k, &here, &row).unwrap().expose(), b"tok");

        let there = Aad::user_secret("u1", "strava", SecretField::RefreshToken);
        let err = open_row(&k, &there, &row).unwrap_err();
        assert!(
            matches!(&err, StoreError::SecretMoved { sealed_for, found_at }
                if sealed_for == "u1|strava|access_token" && found_at == "u1|strava|refresh_token"),
            "{err:?}"
        );

        let relabelled = SealedRow { sealed_for: there.to_string(), blob: row.blob.clone() };
        assert!(matches!(open_row(&k, &there, &relabelled), Err(StoreError::SecretTampered { .. })));

        let mut flipped = SealedRow { sealed_for: row.sealed_for.clone(), blob: row.blob.clone() };
        *flipped.blob.last_mut().unwrap() ^= 0x80;
        assert!(matches!(open_row(&k, &here, &flipped), Err(StoreError::SecretTampered { .. })));

        let mut future = SealedRow { sealed_for: row.sealed_for.clone(), blob: row.blob.clone() };
        future.blob[0] = 2;
        assert!(matches!(open_row(&k, &here, &future), Err(StoreError::UnknownFormatVersion { version: 2, .. })));
    }
}
