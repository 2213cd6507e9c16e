//! [`StoreError`]: every way the vault can fail, each with a stable
//! [`ErrorCode`] and a one-sentence message that says what happened and what
//! to do next.
//!
//! # Security
//! No variant carries a token, a secret or key bytes. Locations are AAD
//! strings (`<user_id>|<provider>|<field>`), user names, paths and numbers,
//! which are not secret. Causes from the keyring are re-wrapped in
//! [`KeyringFailure`] first, because `keyring_core::Error`'s `Debug` can print
//! the raw bytes of a secret it failed to decode.

use std::fmt;
use std::path::PathBuf;

use pierre_shared::ErrorCode;
use pierre_shared::paths::PathsError;

use super::keys::KeyBackend;

/// A boxed cause that may cross threads (keyring and I/O failures).
pub type BoxedCause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything the store can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// `PIERRE_MASTER_ENCRYPTION_KEY` is set but unusable. Once an install
    /// exists the advice is to correct or unset it: a new key would orphan
    /// every vault sealed under the old one.
    #[error("{}", env_key_invalid_message(*problem, *existing_install))]
    EnvKeyInvalid { problem: KeyTextProblem, existing_install: bool },

    /// The key file exists but does not hold a key.
    #[error(
        "the key file {path} {problem}, but it must hold 32 random bytes in base64; restore it from a backup, or run `pierre-authd purge` to start over"
    )]
    KeyFileInvalid { path: PathBuf, problem: KeyTextProblem },

    /// A private file (key file, state database, vault) has group or other
    /// permission bits, or is not a regular file.
    #[error(
        "{what} {path} has mode {mode:03o}, wider than 0600, so other accounts may read it; run `chmod 600 {path}`"
    )]
    FileMode { what: FileKind, path: PathBuf, mode: u32 },

    /// A private file belongs to another account.
    #[error(
        "{what} {path} is owned by uid {owner}, not by uid {uid} that runs pierre-authd; run `chown {uid} {path}` and `chmod 600 {path}`"
    )]
    FileOwner { what: FileKind, path: PathBuf, owner: u32, uid: u32 },

    /// A private file is a symlink, a directory or a device.
    #[error("{what} {path} is not a regular file; replace it with the real file (`ls -l {path}` shows what it is)")]
    NotRegularFile { what: FileKind, path: PathBuf },

    /// The backend this install recorded on its first start does not answer.
    /// Nothing was created or changed: a new key would orphan every vault.
    #[error("the master key is unavailable: {reason}")]
    KeyStoreUnavailable {
        backend: KeyBackend,
        reason: UnavailableReason,
        #[source]
        source: Option<BoxedCause>,
    },

    /// The key check value did not open: the key is not the one this install
    /// was created with.
    #[error("{}", wrong_master_key_message(*source_backend, *recorded))]
    WrongMasterKey { source_backend: KeySourceLabel, recorded: KeyBackend },

    /// The per-vault canary did not open under this user's key.
    #[error(
        "the vault {path} was not sealed with this install's key (copied from another install?); restore this install's copy from a backup, or remove the user with `pierre-authd users remove`"
    )]
    VaultWrongKey { path: PathBuf },

    /// A whole vault file sits in another user's directory.
    #[error(
        "the vault {path} belongs to `{sealed_for}`, not to `{found_at}`; move it back to its own user's directory or restore a backup"
    )]
    VaultMoved { path: PathBuf, sealed_for: String, found_at: String },

    /// A user's vault file is gone although the user exists.
    #[error(
        "the vault {path} of user {user_id} is missing; restore it from a backup, or remove the user with `pierre-authd users remove {user_id}`"
    )]
    VaultMissing { user_id: String, path: PathBuf },

    /// A sealed row was sealed for another place (user, provider or field).
    #[error(
        "the secret at `{found_at}` was sealed for `{sealed_for}`, so the row was moved or copied and will not be used; disconnect and connect again"
    )]
    SecretMoved { sealed_for: String, found_at: String },

    /// A sealed row failed authentication although its key and place are right.
    #[error(
        "the secret at `{location}` failed its integrity check (changed on disk or damaged) and will not be used; disconnect and connect again, or restore the vault from a backup"
    )]
    SecretTampered { location: String },

    /// A sealed row starts with a format version this build does not know.
    #[error(
        "the secret at `{location}` uses format version {version}, which this pierre-authd does not know; upgrade pierre-authd, or disconnect and connect again"
    )]
    UnknownFormatVersion { location: String, version: u8 },

    /// The user name breaks the naming rule.
    #[error(
        "user name `{name}` {problem}; use 1 to 64 characters of A-Z, a-z, 0-9, `.`, `_` and `-`, starting with a letter or digit"
    )]
    InvalidUserName { name: String, problem: NameProblem },

    /// Another user already has this name (names compare case-insensitively).
    #[error("a user named `{name}` already exists (names ignore case); pick another name or rename that user first")]
    UserExists { name: String },

    /// There can be only one owner.
    #[error("the owner user already exists (`{name}`); add this user without the owner flag")]
    OwnerExists { name: String },

    /// No user with that name or id.
    #[error("there is no Pierre user `{user}`; run `pierre-authd users list` to see the users")]
    UnknownUser { user: String },

    /// The owner is the administrator; removing it would strand the install.
    #[error("`{name}` is the owner and cannot be removed; run `pierre-authd purge` to remove everything")]
    OwnerProtected { name: String },

    /// A provider name is not of the catalogue's shape.
    #[error(
        "provider name `{provider}` is not valid; use 1 to 64 characters of a-z, 0-9, `_` and `-`, starting with a letter or digit"
    )]
    InvalidProvider { provider: String },

    /// The same field was given twice in one `put_connection`.
    #[error("secret field `{field}` was given twice for one connection; pass each field once")]
    DuplicateSecretField { field: &'static str },

    /// An install-level secret's kind or id is not acceptable. A refused id
    /// is shown by its length only.
    #[error("install secret {part} {shown} is not valid; {rule}")]
    InvalidInstallSecretName { part: &'static str, shown: String, rule: &'static str },

    /// No state database but user vaults are on disk: refusing to start a
    /// new install over them.
    #[error(
        "{users_dir} holds user vaults but the state database {state_db} is missing; restore it from a backup, or run `pierre-authd purge` to start over"
    )]
    OrphanedVaults { users_dir: PathBuf, state_db: PathBuf },

    /// A database was written by a newer pierre-authd.
    #[error(
        "{path} has schema version {found}, newer than the {supported} this pierre-authd knows; upgrade pierre-authd"
    )]
    SchemaTooNew { path: PathBuf, found: u32, supported: u32 },

    /// The store was purged; it holds nothing any more.
    #[error("this install was purged; restart pierre-authd to create a new one")]
    Purged,

    /// Purge removed everything it could but not the keyring entry.
    #[error(
        "everything else was removed, but not the keyring entry; remove it with `secret-tool clear service {service} username {user}`"
    )]
    KeyringEntryLeft {
        service: &'static str,
        user: String,
        #[source]
        source: KeyringFailure,
    },

    /// A directory check failed (wrong mode or owner, or cannot be created).
    #[error(transparent)]
    Directory(#[from] PathsError),

    /// SQLite failed.
    #[error("the database {path} failed; check the disk (space, permissions) and run `pierre-authd doctor`")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// A file operation failed.
    #[error("could not {action} {path}; check that the disk is writable and the path is this account's")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The operating system's random number generator failed.
    #[error("the system random number generator failed; check that /dev/urandom is available")]
    Random(#[source] getrandom::Error),
}

impl StoreError {
    /// The stable code that travels over the socket.
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::EnvKeyInvalid { .. }
            | StoreError::KeyFileInvalid { .. }
            | StoreError::WrongMasterKey { .. } => ErrorCode::KeyStoreInvalid,
            StoreError::FileMode { what, .. }
            | StoreError::FileOwner { what, .. }
            | StoreError::NotRegularFile { what, .. } => match what {
                FileKind::KeyFile => ErrorCode::KeyStoreInvalid,
                FileKind::StateDb | FileKind::Vault => ErrorCode::StorageError,
            },
            StoreError::KeyStoreUnavailable { .. } => ErrorCode::KeyStoreUnavailable,
            StoreError::VaultWrongKey { .. }
            | StoreError::VaultMoved { .. }
            | StoreError::VaultMissing { .. }
            | StoreError::SecretMoved { .. }
            | StoreError::SecretTampered { .. }
            | StoreError::UnknownFormatVersion { .. } => ErrorCode::VaultCorrupt,
            StoreError::InvalidUserName { .. } => ErrorCode::InvalidUserName,
            StoreError::UserExists { .. } | StoreError::OwnerExists { .. } => ErrorCode::UserExists,
            StoreError::UnknownUser { .. } => ErrorCode::UnknownUser,
            StoreError::OwnerProtected { .. } => ErrorCode::UserProtected,
            StoreError::InvalidProvider { .. }
            | StoreError::DuplicateSecretField { .. }
            | StoreError::InvalidInstallSecretName { .. } => ErrorCode::InvalidParams,
            StoreError::OrphanedVaults { .. }
            | StoreError::SchemaTooNew { .. }
            | StoreError::Purged
            | StoreError::Directory(_)
            | StoreError::Sqlite { .. }
            | StoreError::Io { .. } => ErrorCode::StorageError,
            StoreError::KeyringEntryLeft { .. } => ErrorCode::KeyStoreUnavailable,
            StoreError::Random(_) => ErrorCode::InternalError,
        }
    }

    /// Wraps a SQLite error with the database it came from.
    pub(crate) fn sqlite(path: impl Into<PathBuf>) -> impl FnOnce(rusqlite::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Sqlite { path, source }
    }

    /// Wraps an I/O error with what was being done to which path.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { action, path, source }
    }
}

/// Which private file a mode or owner problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// The fallback master-key file.
    KeyFile,
    /// The daemon's state database.
    StateDb,
    /// A user's vault.
    Vault,
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::KeyFile => "the key file",
            FileKind::StateDb => "the state database",
            FileKind::Vault => "the vault",
        })
    }
}

/// What is wrong with a base64 key (from the environment or the key file).
/// Never shows the text itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyTextProblem {
    /// Not standard base64.
    NotBase64,
    /// Base64, but of the wrong number of bytes.
    WrongLength(usize),
}

impl fmt::Display for KeyTextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyTextProblem::NotBase64 => f.write_str("is not valid base64"),
            KeyTextProblem::WrongLength(n) => write!(f, "decodes to {n} bytes instead of 32"),
        }
    }
}

fn env_key_invalid_message(problem: KeyTextProblem, existing_install: bool) -> String {
    if existing_install {
        format!(
            "PIERRE_MASTER_ENCRYPTION_KEY {problem}, so this install's vaults cannot be opened; set it to the exact key this install was created with (from your backup), or unset it if the install keeps its key in the key file or the keyring"
        )
    } else {
        format!(
            "PIERRE_MASTER_ENCRYPTION_KEY {problem}, but it must be 32 random bytes in base64; make one with `head -c 32 /dev/urandom | base64`"
        )
    }
}

fn wrong_master_key_message(source: KeySourceLabel, recorded: KeyBackend) -> String {
    match (source.0, recorded) {
        (KeyBackend::Env, KeyBackend::Env) => format!(
            "{source} is not the key this install was created with; set it to that exact key (from your backup)"
        ),
        (KeyBackend::Env, _) => format!(
            "{source} is not the key this install was created with (it keeps its key in the {recorded} backend); unset PIERRE_MASTER_ENCRYPTION_KEY, or set it to that exact key"
        ),
        _ => format!(
            "the master key from {source} is not the key this install was created with ({recorded} backend); restore the original key from your backup"
        ),
    }
}

/// Where the key came from on this start, for [`StoreError::WrongMasterKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySourceLabel(pub KeyBackend);

impl fmt::Display for KeySourceLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            KeyBackend::Env => "PIERRE_MASTER_ENCRYPTION_KEY",
            KeyBackend::SecretService => "the Secret Service keyring",
            KeyBackend::File => "the key file",
        })
    }
}

/// Why a recorded key backend could not give the key, with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnavailableReason {
    /// The install was created with the env key, which is not set now.
    EnvKeyUnset,
    /// The install keeps its key in the Secret Service, but there is no bus.
    NoSessionBus,
    /// This build has no Secret Service support.
    SecretServiceNotBuilt,
    /// The Secret Service did not answer or failed.
    KeyringUnreachable,
    /// The keyring collection is locked or absent.
    KeyringLocked,
    /// The keyring has no entry for this install.
    KeyringEntryMissing { user: String },
    /// The keyring entry holds something other than a 32-byte key.
    KeyringEntryInvalid { user: String, len: usize },
    /// The key file is gone.
    KeyFileMissing { path: PathBuf },
}

impl fmt::Display for UnavailableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnavailableReason::EnvKeyUnset => f.write_str(
                "this install was created with PIERRE_MASTER_ENCRYPTION_KEY, which is not set now; set it to the same key and start again",
            ),
            UnavailableReason::NoSessionBus => f.write_str(
                "this install keeps its key in the Secret Service, but DBUS_SESSION_BUS_ADDRESS is not set; start pierre-authd inside your desktop session (with its keyring unlocked)",
            ),
            UnavailableReason::SecretServiceNotBuilt => f.write_str(
                "this install keeps its key in the Secret Service, but this pierre-authd was built without the `secret-service` feature; install a build with it",
            ),
            UnavailableReason::KeyringUnreachable => f.write_str(
                "the Secret Service that holds this install's key did not answer; make sure your keyring (e.g. gnome-keyring) runs and is unlocked, then start again",
            ),
            UnavailableReason::KeyringLocked => f.write_str(
                "the keyring collection that holds this install's key is locked; unlock it (log in to your desktop, or `gnome-keyring-daemon --unlock`) and start again",
            ),
            UnavailableReason::KeyringEntryMissing { user } => write!(
                f,
                "the keyring has no entry `{user}` for this install; restore it, or run `pierre-authd purge` to start over"
            ),
            UnavailableReason::KeyringEntryInvalid { user, len } => write!(
                f,
                "the keyring entry `{user}` holds {len} bytes instead of a 32-byte key; restore it, or run `pierre-authd purge` to start over"
            ),
            UnavailableReason::KeyFileMissing { path } => write!(
                f,
                "the key file {} is missing; restore it from a backup, or run `pierre-authd purge` to start over",
                path.display()
            ),
        }
    }
}

/// Why a user name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameProblem {
    Empty,
    TooLong,
    BadFirstCharacter,
    BadCharacter,
    LooksLikeUserId,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameProblem::Empty => "is empty",
            NameProblem::TooLong => "is longer than 64 characters",
            NameProblem::BadFirstCharacter => "does not start with a letter or digit",
            NameProblem::BadCharacter => "contains a character other than A-Z, a-z, 0-9, `.`, `_` and `-`",
            NameProblem::LooksLikeUserId => "looks like a user id, which would make `--user` ambiguous",
        })
    }
}

/// A keyring failure with any secret bytes stripped.
///
/// `keyring_core::Error::BadEncoding` and `BadDataFormat` carry the raw bytes
/// they failed to decode and print them in `Debug`; this type keeps only the
/// platform's own error (a D-Bus message) as the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringFailure {
    #[error("the Secret Service did not answer")]
    Platform(#[source] BoxedCause),
    #[error("the keyring collection is locked or absent")]
    NoAccess(#[source] BoxedCause),
    #[error("the keyring has no such entry")]
    NoEntry,
    #[error("the keyring refused the request ({0})")]
    Refused(&'static str),
    #[error("the keyring entry read back differs from what was written")]
    ReadBackMismatch,
    #[error("this pierre-authd was built without the `secret-service` feature")]
    NotBuilt,
}

impl From<keyring_core::Error> for KeyringFailure {
    fn from(err: keyring_core::Error) -> Self {
        use keyring_core::Error as E;
        match err {
            E::PlatformFailure(cause) => KeyringFailure::Platform(cause),
            E::NoStorageAccess(cause) => KeyringFailure::NoAccess(cause),
            E::NoEntry => KeyringFailure::NoEntry,
            // The payloads of these may hold secret bytes or entries: drop them.
            E::BadEncoding(_) => KeyringFailure::Refused("bad encoding"),
            E::BadDataFormat(..) => KeyringFailure::Refused("bad data format"),
            E::BadStoreFormat(_) => KeyringFailure::Refused("bad store format"),
            E::TooLong(..) => KeyringFailure::Refused("attribute too long"),
            E::Invalid(..) => KeyringFailure::Refused("invalid attribute"),
            E::Ambiguous(_) => KeyringFailure::Refused("more than one matching entry"),
            E::NoDefaultStore => KeyringFailure::Refused("no store"),
            E::NotSupportedByStore(_) => KeyringFailure::Refused("not supported by the store"),
            _ => KeyringFailure::Refused("unknown keyring error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyring_failure_drops_secret_payloads() {
        let secret = b"top-secret-key-bytes".to_vec();
        let shown = format!("{:?}", KeyringFailure::from(keyring_core::Error::BadEncoding(secret)));
        assert!(!shown.contains("116, 111, 112"), "{shown}");
        assert!(shown.contains("bad encoding"), "{shown}");
    }

    #[test]
    fn codes_follow_the_contract() {
        let unavailable = StoreError::KeyStoreUnavailable {
            backend: KeyBackend::File,
            reason: UnavailableReason::KeyFileMissing { path: "/x/vault.key".into() },
            source: None,
        };
        assert_eq!(unavailable.code(), ErrorCode::KeyStoreUnavailable);
        let mode = StoreError::FileMode { what: FileKind::KeyFile, path: "/k".into(), mode: 0o644 };
        assert_eq!(mode.code(), ErrorCode::KeyStoreInvalid);
        let mode = StoreError::FileMode { what: FileKind::Vault, path: "/v".into(), mode: 0o644 };
        assert_eq!(mode.code(), ErrorCode::StorageError);
        assert_eq!(StoreError::SecretTampered { location: "l".into() }.code(), ErrorCode::VaultCorrupt);
        assert_eq!(StoreError::UserExists { name: "a".into() }.code(), ErrorCode::UserExists);
    }
}
