//! Rules for the names the store accepts. They keep AAD strings unambiguous
//! (no `|` anywhere it could shift a boundary) and names safe to show.

use super::error::{NameProblem, StoreError};

/// Longest user name, provider name and install-secret kind.
pub const MAX_NAME_LEN: usize = 64;
/// Longest install-secret id, in bytes.
pub const MAX_INSTALL_SECRET_ID_LEN: usize = 512;

/// A user name: 1 to 64 characters of `[A-Za-z0-9._-]`, starting with a
/// letter or digit, and not shaped like a user id (a UUID), so `--user X`
/// can always tell a name from an id.
///
/// # Errors
/// [`StoreError::InvalidUserName`] saying which part of the rule failed.
pub fn validate_user_name(name: &str) -> Result<(), StoreError> {
    let problem = if name.is_empty() {
        Some(NameProblem::Empty)
    } else if name.len() > MAX_NAME_LEN {
        Some(NameProblem::TooLong)
    } else if !name.as_bytes()[0].is_ascii_alphanumeric() {
        Some(NameProblem::BadFirstCharacter)
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
        Some(NameProblem::BadCharacter)
    } else if uuid::Uuid::try_parse(name).is_ok() {
        Some(NameProblem::LooksLikeUserId)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(StoreError::InvalidUserName { name: shown(name), problem }),
        None => Ok(()),
    }
}

/// A provider name: 1 to 64 characters of `[a-z0-9_-]`, starting with a
/// letter or digit (the catalogue's shape).
///
/// # Errors
/// [`StoreError::InvalidProvider`].
pub fn validate_provider(provider: &str) -> Result<(), StoreError> {
    if is_lower_word(provider, b"_-") { Ok(()) } else { Err(StoreError::InvalidProvider { provider: shown(provider) }) }
}

/// An install-secret kind: `[a-z0-9_]{1,64}`, starting with a letter or
/// digit.
///
/// # Errors
/// [`StoreError::InvalidInstallSecretName`].
pub fn validate_install_kind(kind: &str) -> Result<(), StoreError> {
    if is_lower_word(kind, b"_") {
        return Ok(());
    }
    Err(StoreError::InvalidInstallSecretName {
        part: "kind",
        shown: format!("`{}`", shown(kind)),
        rule: "use 1 to 64 characters of a-z, 0-9 and `_`, starting with a letter or digit",
    })
}

/// An install-secret kind (see [`validate_install_kind`]) and id: 1 to 512
/// bytes, no control characters. Ids are not secret (they are part of the
/// AAD stored in plain text), but a refused one is shown by length only.
///
/// # Errors
/// [`StoreError::InvalidInstallSecretName`].
pub fn validate_install_secret(kind: &str, id: &str) -> Result<(), StoreError> {
    validate_install_kind(kind)?;
    if id.is_empty() || id.len() > MAX_INSTALL_SECRET_ID_LEN || id.chars().any(char::is_control) {
        return Err(StoreError::InvalidInstallSecretName {
            part: "id",
            shown: format!("of {} bytes", id.len()),
            rule: "use 1 to 512 bytes without control characters",
        });
    }
    Ok(())
}

fn is_lower_word(s: &str, extra: &[u8]) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_NAME_LEN
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || extra.contains(b))
}

/// A refused value as shown in an error: at most 80 characters, with
/// control characters escaped so it cannot forge log lines.
fn shown(value: &str) -> String {
    let mut out: String = value.chars().take(80).flat_map(char::escape_default).collect();
    if value.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(name: &str) -> Option<NameProblem> {
        match validate_user_name(name) {
            Ok(()) => None,
            Err(StoreError::InvalidUserName { problem, .. }) => Some(problem),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn user_names_follow_the_rule() {
        for ok in ["alice", "Bob", "7of9", "a.b_c-d", "x", &"a".repeat(64)] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        assert_eq!(problem(""), Some(NameProblem::Empty));
        assert_eq!(problem(&"a".repeat(65)), Some(NameProblem::TooLong));
        assert_eq!(problem(".hidden"), Some(NameProblem::BadFirstCharacter));
        assert_eq!(problem("-rf"), Some(NameProblem::BadFirstCharacter));
        assert_eq!(problem("_x"), Some(NameProblem::BadFirstCharacter));
        assert_eq!(problem("a b"), Some(NameProblem::BadCharacter));
        assert_eq!(problem("a/b"), Some(NameProblem::BadCharacter));
        assert_eq!(problem("a|b"), Some(NameProblem::BadCharacter));
        assert_eq!(problem("élodie"), Some(NameProblem::BadFirstCharacter));
        assert_eq!(problem("zoë"), Some(NameProblem::BadCharacter));
        assert_eq!(problem("550e8400-e29b-41d4-a716-446655440000"), Some(NameProblem::LooksLikeUserId));
    }

    #[test]
    fn refused_names_are_shown_escaped_and_short() {
        let err = validate_user_name("a\nb").unwrap_err();
        assert!(err.to_string().contains("a\\nb"), "{err}");
        let err = validate_user_name(&"x y".repeat(100)).unwrap_err();
        assert!(err.to_string().len() < 300, "{err}");
        assert_eq!(err.code(), pierre_shared::ErrorCode::InvalidUserName);
    }

    #[test]
    fn providers_and_install_secret_names() {
        validate_provider("strava").unwrap();
        validate_provider("fake-provider_2").unwrap();
        for bad in ["", "Strava", "a|b", "#vault", "-x", &"a".repeat(65)] {
            assert!(validate_provider(bad).is_err(), "{bad}");
        }
        validate_install_secret("oauth_state", "any id | with bars").unwrap();
        assert!(validate_install_secret("oauth-state", "x").is_err());
        assert!(validate_install_secret("a|b", "x").is_err());
        assert!(validate_install_secret("k", "").is_err());
        assert!(validate_install_secret("k", "a\u{7}").is_err());
        let err = validate_install_secret("k", &"i".repeat(513)).unwrap_err();
        assert!(err.to_string().contains("install secret id of 513 bytes is not valid"), "{err}");
        assert!(!err.to_string().contains("iiii"), "{err}");
        assert!(validate_install_kind("oauth_state").is_ok());
    }
}
