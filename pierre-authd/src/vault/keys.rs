//! The master key: where it comes from on the first start, and the rule that
//! later starts only ever read it from the backend the first start recorded.
//!
//! Order on the first start (see `vault/mod.rs` for the whole story):
//! 1. `PIERRE_MASTER_ENCRYPTION_KEY` (base64 of 32 bytes) when set;
//! 2. the Secret Service, only when `DBUS_SESSION_BUS_ADDRESS` is set (and
//!    the `secret-service` feature is built, or a store is injected), in an
//!    entry `service = pierre-local`, `username = master-key/<install_id>`;
//!    any failure there (no bus, no provider, locked or absent collection)
//!    falls through to
//! 3. the key file `Paths::key_file()`, 0600 in the 0700 data directory.
//!
//! Later starts: the env key when set (the key check value decides whether it
//! is the right one), else the recorded backend, and if that fails the start
//! fails with `key_store_unavailable`. No key is ever generated then.
//!
//! # Blocking
//! Keyring calls block (D-Bus round trips), and the zbus store runs its own
//! tokio runtime with `block_on`, which panics on a thread that is already
//! inside a runtime. Every keyring call therefore runs on a short-lived
//! dedicated OS thread ([`on_own_thread`]), so `SqliteStore::open` and
//! `purge` work from `main` before the runtime, from `spawn_blocking`, and even
//! (though it blocks a worker) from inside an async task.

use std::ffi::OsString;
use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use keyring_core::CredentialStore;
use pierre_shared::Secret;
use pierre_shared::paths::Paths;
use pierre_shared::platform::current_uid;
use zeroize::Zeroizing;

use super::error::{FileKind, KeyTextProblem, KeyringFailure, StoreError, UnavailableReason};
use super::files;

/// The environment variable that overrides every other key backend.
pub const ENV_KEY_VAR: &str = "PIERRE_MASTER_ENCRYPTION_KEY";
/// Secret Service is attempted only when this is set.
pub const SESSION_BUS_VAR: &str = "DBUS_SESSION_BUS_ADDRESS";
/// The keyring `service` attribute of every Pierre entry.
pub const KEYRING_SERVICE: &str = "pierre-local";

/// The keyring `username` of an install's master key: one entry per install,
/// so two homes never share a key.
pub fn keyring_user(install_id: &str) -> String {
    format!("master-key/{install_id}")
}

/// Where an install's master key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyBackend {
    /// `PIERRE_MASTER_ENCRYPTION_KEY`.
    Env,
    /// The freedesktop Secret Service (gnome-keyring, KWallet) over D-Bus.
    SecretService,
    /// The 0600 key file.
    File,
}

impl KeyBackend {
    /// The name stored in the state database and shown by `status`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyBackend::Env => "env",
            KeyBackend::SecretService => "secret-service",
            KeyBackend::File => "file",
        }
    }

    /// The inverse of [`KeyBackend::as_str`].
    pub fn parse(s: &str) -> Option<KeyBackend> {
        [KeyBackend::Env, KeyBackend::SecretService, KeyBackend::File].into_iter().find(|b| b.as_str() == s)
    }
}

impl fmt::Display for KeyBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to obtain the master key: the two environment values that matter,
/// read once through a closure (nothing in the vault reads `std::env`), and
/// which keyring store to use.
#[derive(Clone)]
pub struct KeyConfig {
    env_key: Option<Secret>,
    session_bus: bool,
    keyring: KeyringChoice,
}

#[derive(Clone)]
enum KeyringChoice {
    /// The zbus Secret Service store (when the feature is built).
    Platform,
    /// A store given by the caller: `keyring_core::mock` in tests.
    Injected(Arc<CredentialStore>),
}

impl KeyConfig {
    /// Reads `PIERRE_MASTER_ENCRYPTION_KEY` and `DBUS_SESSION_BUS_ADDRESS`
    /// through `env` (an empty value counts as unset). The daemon passes
    /// `|k| std::env::var_os(k)`; tests pass a closure over their own map.
    ///
    /// The env key is only decoded when the store opens, so a malformed one
    /// is reported as [`StoreError::EnvKeyInvalid`] there.
    pub fn from_env(env: impl Fn(&str) -> Option<OsString>) -> KeyConfig {
        let env_key = env(ENV_KEY_VAR).filter(|v| !v.is_empty()).map(|v| Secret::new(v.into_vec()));
        let session_bus = env(SESSION_BUS_VAR).is_some_and(|v| !v.is_empty());
        KeyConfig { env_key, session_bus, keyring: KeyringChoice::Platform }
    }

    /// Uses `store` instead of the platform Secret Service (still only when
    /// the session bus variable is set). For tests with `keyring_core::mock`
    /// and for other keyring-core stores.
    pub fn with_keyring_store(mut self, store: Arc<CredentialStore>) -> KeyConfig {
        self.keyring = KeyringChoice::Injected(store);
        self
    }

    /// Whether `PIERRE_MASTER_ENCRYPTION_KEY` is set (not whether it is valid).
    pub fn has_env_key(&self) -> bool {
        self.env_key.is_some()
    }

    /// Whether `DBUS_SESSION_BUS_ADDRESS` is set (not whether a bus answers).
    pub fn session_bus_available(&self) -> bool {
        self.session_bus
    }

    /// Whether a first start would try the Secret Service.
    pub fn tries_secret_service(&self) -> bool {
        self.session_bus && (cfg!(feature = "secret-service") || matches!(self.keyring, KeyringChoice::Injected(_)))
    }

    /// The env key, decoded. `existing_install` says whether vaults are
    /// already sealed under some key: then a malformed variable must be
    /// corrected, never replaced by a new key.
    fn env_master_key(&self, existing_install: bool) -> Result<Option<MasterKey>, StoreError> {
        let Some(text) = &self.env_key else { return Ok(None) };
        decode_key_text(text.expose())
            .map(Some)
            .map_err(|problem| StoreError::EnvKeyInvalid { problem, existing_install })
    }

    /// Checks that a set `PIERRE_MASTER_ENCRYPTION_KEY` decodes, before any
    /// install exists (what a first start would do with it).
    ///
    /// # Errors
    /// [`StoreError::EnvKeyInvalid`].
    pub(crate) fn check_env_key_for_first_start(&self) -> Result<(), StoreError> {
        self.env_master_key(false).map(drop)
    }

    fn open_keyring(&self) -> Result<Arc<CredentialStore>, KeyringFailure> {
        match &self.keyring {
            KeyringChoice::Injected(store) => Ok(store.clone()),
            KeyringChoice::Platform => platform_keyring(),
        }
    }
}

impl fmt::Debug for KeyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyConfig")
            .field("env_key", &self.env_key.as_ref().map(|_| "[set]"))
            .field("session_bus", &self.session_bus)
            .field(
                "keyring",
                &match self.keyring {
                    KeyringChoice::Platform => "platform",
                    KeyringChoice::Injected(_) => "injected",
                },
            )
            .finish()
    }
}

#[cfg(feature = "secret-service")]
fn platform_keyring() -> Result<Arc<CredentialStore>, KeyringFailure> {
    let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}

#[cfg(not(feature = "secret-service"))]
fn platform_keyring() -> Result<Arc<CredentialStore>, KeyringFailure> {
    Err(KeyringFailure::NotBuilt)
}

/// The 32-byte master key. Never printed, zeroized on drop.
pub(crate) struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    fn generate() -> Result<MasterKey, StoreError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut_slice()).map_err(StoreError::Random)?;
        Ok(MasterKey(key))
    }

    /// Copies exactly 32 bytes; otherwise `Err(len)`.
    fn from_slice(bytes: &[u8]) -> Result<MasterKey, usize> {
        let array: &[u8; 32] = bytes.try_into().map_err(|_| bytes.len())?;
        Ok(MasterKey(Zeroizing::new(*array)))
    }

    /// # Security
    /// Only for HKDF input.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// A master key and the backend it came from on this start.
#[derive(Debug)]
pub(crate) struct LoadedKey {
    pub key: MasterKey,
    pub source: KeyBackend,
}

/// First start of an install: obtains a key in the documented order.
pub(crate) fn create(paths: &Paths, config: &KeyConfig, install_id: &str) -> Result<LoadedKey, StoreError> {
    if let Some(key) = config.env_master_key(false)? {
        return Ok(LoadedKey { key, source: KeyBackend::Env });
    }
    if config.tries_secret_service() {
        match keyring_create(config, install_id) {
            Ok(key) => return Ok(LoadedKey { key, source: KeyBackend::SecretService }),
            Err(failure) => tracing::warn!(
                reason = %error_chain(&failure),
                "the Secret Service cannot hold the master key of this new install; using the key file instead"
            ),
        }
    }
    Ok(LoadedKey { key: file_create_or_reuse(&paths.key_file())?, source: KeyBackend::File })
}

/// Later start: the env key if set, else the recorded backend, never a new key.
pub(crate) fn load(
    paths: &Paths,
    config: &KeyConfig,
    recorded: KeyBackend,
    install_id: &str,
) -> Result<LoadedKey, StoreError> {
    if let Some(key) = config.env_master_key(true)? {
        return Ok(LoadedKey { key, source: KeyBackend::Env });
    }
    let key = match recorded {
        KeyBackend::Env => return Err(unavailable(KeyBackend::Env, UnavailableReason::EnvKeyUnset, None)),
        KeyBackend::SecretService => keyring_load(config, install_id)?,
        KeyBackend::File => file_load(&paths.key_file())?,
    };
    Ok(LoadedKey { key, source: recorded })
}

/// Purge: removes the key file and, for a Secret Service install, its entry.
///
/// # Errors
/// [`StoreError::KeyringEntryLeft`] when the entry could not be removed
/// (after everything else was).
pub(crate) fn destroy(
    paths: &Paths,
    config: &KeyConfig,
    install: Option<(KeyBackend, &str)>,
) -> Result<(), StoreError> {
    files::remove_file_if_present(&paths.key_file())?;
    let Some((KeyBackend::SecretService, install_id)) = install else { return Ok(()) };
    delete_keyring_entry(config, install_id).map_err(|source| StoreError::KeyringEntryLeft {
        service: KEYRING_SERVICE,
        user: keyring_user(install_id),
        source,
    })
}

/// Deletes this install's keyring entry; an absent entry is fine. Also used
/// to take back an entry a failed first start wrote.
pub(crate) fn delete_keyring_entry(config: &KeyConfig, install_id: &str) -> Result<(), KeyringFailure> {
    if !config.session_bus {
        return Err(KeyringFailure::Refused("no session bus"));
    }
    let user = keyring_user(install_id);
    on_own_thread(|| {
        let entry = config.open_keyring()?.build(KEYRING_SERVICE, &user, None)?;
        match entry.delete_credential() {
            Err(keyring_core::Error::NoEntry) => Ok(()),
            other => other.map_err(KeyringFailure::from),
        }
    })
}

fn unavailable(backend: KeyBackend, reason: UnavailableReason, source: Option<KeyringFailure>) -> StoreError {
    StoreError::KeyStoreUnavailable { backend, reason, source: source.map(Into::into) }
}

/// Runs `f` on a fresh OS thread and waits: see the module's "Blocking".
fn on_own_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn keyring_create(config: &KeyConfig, install_id: &str) -> Result<MasterKey, KeyringFailure> {
    let user = keyring_user(install_id);
    let key = MasterKey::generate().map_err(|_| KeyringFailure::Refused("no random bytes"))?;
    on_own_thread(|| {
        let entry = config.open_keyring()?.build(KEYRING_SERVICE, &user, None)?;
        // A fresh install id has no entry; anything else is not ours to overwrite.
        match entry.get_secret() {
            Err(keyring_core::Error::NoEntry) => {}
            Ok(existing) => {
                drop(Zeroizing::new(existing));
                return Err(KeyringFailure::Refused("an entry for this new install already exists"));
            }
            Err(other) => return Err(other.into()),
        }
        entry.set_secret(key.bytes())?;
        // A keyring may accept a write it cannot read back: prove it holds
        // the key before relying on it, and take the entry back if not.
        let verified = match entry.get_secret() {
            Ok(back) => {
                let back = Zeroizing::new(back);
                if back.as_slice() == key.bytes() { Ok(()) } else { Err(KeyringFailure::ReadBackMismatch) }
            }
            Err(e) => Err(e.into()),
        };
        if verified.is_err() {
            let _ = entry.delete_credential();
        }
        verified
    })?;
    Ok(key)
}

fn keyring_load(config: &KeyConfig, install_id: &str) -> Result<MasterKey, StoreError> {
    let backend = KeyBackend::SecretService;
    if !config.session_bus {
        return Err(unavailable(backend, UnavailableReason::NoSessionBus, None));
    }
    let user = keyring_user(install_id);
    let fetched = on_own_thread(|| {
        let entry = config.open_keyring()?.build(KEYRING_SERVICE, &user, None)?;
        Ok::<_, KeyringFailure>(Zeroizing::new(entry.get_secret()?))
    });
    match fetched {
        Ok(bytes) => MasterKey::from_slice(&bytes)
            .map_err(|len| unavailable(backend, UnavailableReason::KeyringEntryInvalid { user, len }, None)),
        Err(KeyringFailure::NoEntry) => {
            Err(unavailable(backend, UnavailableReason::KeyringEntryMissing { user }, None))
        }
        Err(KeyringFailure::NotBuilt) => Err(unavailable(backend, UnavailableReason::SecretServiceNotBuilt, None)),
        Err(failure @ KeyringFailure::NoAccess(_)) => {
            Err(unavailable(backend, UnavailableReason::KeyringLocked, Some(failure)))
        }
        Err(failure) => Err(unavailable(backend, UnavailableReason::KeyringUnreachable, Some(failure))),
    }
}

/// First start with the file backend: an existing (checked) key file is
/// used as it is, never replaced; otherwise a new one is written.
fn file_create_or_reuse(path: &Path) -> Result<MasterKey, StoreError> {
    match read_key_file(path) {
        Ok(key) => {
            tracing::info!(path = %path.display(), "using the key file already present for this new install");
            return Ok(key);
        }
        Err(KeyFileRead::Missing) => {}
        Err(KeyFileRead::Failed(err)) => return Err(err),
    }
    let key = MasterKey::generate()?;
    // 32 bytes are 44 base64 characters; plus a newline for `cat`.
    let mut text = Zeroizing::new([0u8; 45]);
    let n = BASE64.encode_slice(key.bytes(), &mut text[..44]).expect("44 bytes hold the base64 of 32 bytes");
    text[n] = b'\n';
    match files::write_new_private_file(path, &text[..=n]) {
        Ok(()) => Ok(key),
        // Another process created it in between: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => file_load(path),
        Err(e) => Err(StoreError::io("create the key file", path)(e)),
    }
}

/// Later start with the file backend: a missing file is unavailable, not
/// a reason to make a new one.
fn file_load(path: &Path) -> Result<MasterKey, StoreError> {
    read_key_file(path).map_err(|e| match e {
        KeyFileRead::Missing => {
            unavailable(KeyBackend::File, UnavailableReason::KeyFileMissing { path: path.to_path_buf() }, None)
        }
        KeyFileRead::Failed(err) => err,
    })
}

enum KeyFileRead {
    Missing,
    Failed(StoreError),
}

/// Opens without following symlinks, checks owner and mode on the open file
/// (no window for a swap), then decodes.
fn read_key_file(path: &Path) -> Result<MasterKey, KeyFileRead> {
    let mut file = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(KeyFileRead::Missing),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(KeyFileRead::Failed(StoreError::NotRegularFile {
                what: FileKind::KeyFile,
                path: path.to_path_buf(),
            }));
        }
        Err(e) => return Err(KeyFileRead::Failed(StoreError::io("read the key file", path)(e))),
    };
    let failed = |e| KeyFileRead::Failed(StoreError::io("read the key file", path)(e));
    let meta = file.metadata().map_err(failed)?;
    files::check_metadata(path, FileKind::KeyFile, current_uid(), &meta).map_err(KeyFileRead::Failed)?;
    // A fixed buffer: no reallocation leaves a copy of the key behind.
    let mut text = Zeroizing::new([0u8; 256]);
    let mut len = 0;
    loop {
        let n = file.read(&mut text[len..]).map_err(failed)?;
        if n == 0 {
            break;
        }
        len += n;
        if len == text.len() {
            let problem = KeyTextProblem::WrongLength(usize::MAX);
            return Err(KeyFileRead::Failed(StoreError::KeyFileInvalid { path: path.to_path_buf(), problem }));
        }
    }
    decode_key_text(&text[..len])
        .map_err(|problem| KeyFileRead::Failed(StoreError::KeyFileInvalid { path: path.to_path_buf(), problem }))
}

/// Base64 (standard alphabet, padded; surrounding whitespace ignored) of
/// exactly 32 bytes.
fn decode_key_text(text: &[u8]) -> Result<MasterKey, KeyTextProblem> {
    let text = text.trim_ascii();
    let mut decoded = Zeroizing::new(vec![0u8; text.len()]);
    let n = BASE64.decode_slice(text, &mut decoded).map_err(|_| KeyTextProblem::NotBase64)?;
    MasterKey::from_slice(&decoded[..n]).map_err(KeyTextProblem::WrongLength)
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::testing::{LockedStore, RuntimeProbeStore, TestHome, b64_key, env_of};
    use keyring_core::api::CredentialStoreApi as _;
    use keyring_core::mock;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    #[test]
    fn backend_names_round_trip() {
        for b in [KeyBackend::Env, KeyBackend::SecretService, KeyBackend::File] {
            assert_eq!(KeyBackend::parse(b.as_str()), Some(b));
        }
        assert_eq!(KeyBackend::SecretService.as_str(), "secret-service");
        assert_eq!(KeyBackend::parse("keyutils"), None);
    }

    #[test]
    fn env_key_that_is_not_base64_is_refused_by_name() {
        let home = TestHome::new();
        let config = KeyConfig::from_env(env_of(&[(ENV_KEY_VAR, "not base64 at all!")]));
        let err = create(&home.paths, &config, "i1").unwrap_err();
        assert!(matches!(err, StoreError::EnvKeyInvalid { problem: KeyTextProblem::NotBase64, .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("PIERRE_MASTER_ENCRYPTION_KEY") && msg.contains("head -c 32 /dev/urandom | base64"),
            "{msg}"
        );
        assert!(!msg.contains("not base64 at all"), "the value leaked: {msg}");
        assert_eq!(err.code(), pierre_shared::ErrorCode::KeyStoreInvalid);
    }

    #[test]
    fn env_key_of_the_wrong_length_is_refused() {
        let home = TestHome::new();
        let short = BASE64.encode([7u8; 16]);
        let config = KeyConfig::from_env(env_of(&[(ENV_KEY_VAR, &short)]));
        let err = create(&home.paths, &config, "i1").unwrap_err();
        assert!(matches!(err, StoreError::EnvKeyInvalid { problem: KeyTextProblem::WrongLength(16), .. }), "{err:?}");
        assert!(err.to_string().contains("16 bytes instead of 32"), "{err}");
        assert!(!err.to_string().contains(&short));
    }

    #[test]
    fn env_key_wins_and_creates_no_file() {
        let home = TestHome::new();
        let key = b64_key(5);
        let config = KeyConfig::from_env(env_of(&[(ENV_KEY_VAR, &format!("{key}\n"))]));
        let loaded = create(&home.paths, &config, "i1").unwrap();
        assert_eq!(loaded.source, KeyBackend::Env);
        assert_eq!(loaded.key.bytes(), &[5u8; 32]);
        assert!(!home.paths.key_file().exists());
    }

    #[test]
    fn config_debug_hides_the_env_key() {
        let key = b64_key(6);
        let config = KeyConfig::from_env(env_of(&[(ENV_KEY_VAR, &key)]));
        let shown = format!("{config:?}");
        assert!(!shown.contains(&key) && shown.contains("[set]"), "{shown}");
        assert!(config.has_env_key());
        assert_eq!(format!("{:?}", MasterKey::from_slice(&[1; 32]).unwrap()), "MasterKey([REDACTED])");
    }

    #[test]
    fn key_file_is_created_0600_with_32_bytes_and_reloaded() {
        let home = TestHome::new();
        let config = KeyConfig::from_env(env_of(&[]));
        let first = create(&home.paths, &config, "i1").unwrap();
        assert_eq!(first.source, KeyBackend::File);
        let path = home.paths.key_file();
        assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o7777, 0o600);
        let again = load(&home.paths, &config, KeyBackend::File, "i1").unwrap();
        assert_eq!(again.key.bytes(), first.key.bytes());
    }

    #[test]
    fn key_file_with_mode_0644_is_refused_naming_the_chmod() {
        let home = TestHome::new();
        let config = KeyConfig::from_env(env_of(&[]));
        create(&home.paths, &config, "i1").unwrap();
        let path = home.paths.key_file();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load(&home.paths, &config, KeyBackend::File, "i1").unwrap_err();
        assert!(matches!(err, StoreError::FileMode { mode: 0o644, .. }), "{err:?}");
        assert!(err.to_string().contains(&format!("`chmod 600 {}`", path.display())), "{err}");
        assert_eq!(err.code(), pierre_shared::ErrorCode::KeyStoreInvalid);
        // A first start must not use (or replace) it either.
        assert!(matches!(create(&home.paths, &config, "i2"), Err(StoreError::FileMode { .. })));
    }

    /// As root (CI), the file really is chowned to `nobody`. As anyone else
    /// chown is not allowed, so the same check runs against a uid that is not
    /// ours; both paths assert the refusal.
    #[test]
    fn key_file_owned_by_another_account_is_refused() {
        let home = TestHome::new();
        let config = KeyConfig::from_env(env_of(&[]));
        create(&home.paths, &config, "i1").unwrap();
        let path = home.paths.key_file();
        if current_uid() == 0 {
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
            let err = load(&home.paths, &config, KeyBackend::File, "i1").unwrap_err();
            assert!(matches!(err, StoreError::FileOwner { owner: 65534, uid: 0, .. }), "{err:?}");
            let msg = err.to_string();
            assert!(msg.contains(&format!("chmod 600 {}", path.display())) && msg.contains("chown 0"), "{msg}");
        } else {
            let meta = std::fs::metadata(&path).unwrap();
            let other = current_uid() + 1;
            let err = files::check_metadata(&path, FileKind::KeyFile, other, &meta).unwrap_err();
            assert!(matches!(err, StoreError::FileOwner { .. }), "{err:?}");
            // And the real uid passes, so the check is what refuses.
            files::check_metadata(&path, FileKind::KeyFile, current_uid(), &meta).unwrap();
        }
    }

    #[test]
    fn key_file_symlink_and_garbage_are_refused() {
        let home = TestHome::new();
        let path = home.paths.key_file();
        std::fs::write(home.root().join("elsewhere"), b"x").unwrap();
        std::os::unix::fs::symlink(home.root().join("elsewhere"), &path).unwrap();
        let config = KeyConfig::from_env(env_of(&[]));
        assert!(matches!(load(&home.paths, &config, KeyBackend::File, "i"), Err(StoreError::NotRegularFile { .. })));
        std::fs::remove_file(&path).unwrap();
        files::write_new_private_file(&path, b"c2hvcnQ=\n").unwrap();
        let err = load(&home.paths, &config, KeyBackend::File, "i").unwrap_err();
        assert!(matches!(err, StoreError::KeyFileInvalid { problem: KeyTextProblem::WrongLength(5), .. }), "{err:?}");
    }

    #[test]
    fn missing_key_file_on_a_later_start_is_unavailable_and_not_recreated() {
        let home = TestHome::new();
        let config = KeyConfig::from_env(env_of(&[]));
        let err = load(&home.paths, &config, KeyBackend::File, "i1").unwrap_err();
        assert!(
            matches!(err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::KeyFileMissing { .. }, .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), pierre_shared::ErrorCode::KeyStoreUnavailable);
        assert!(err.to_string().contains("restore it from a backup"), "{err}");
        assert!(!home.paths.key_file().exists());
    }

    #[test]
    fn recorded_env_backend_without_the_variable_is_unavailable() {
        let home = TestHome::new();
        let err = load(&home.paths, &KeyConfig::from_env(env_of(&[])), KeyBackend::Env, "i1").unwrap_err();
        assert!(matches!(err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::EnvKeyUnset, .. }));
        assert!(err.to_string().contains("set it to the same key"), "{err}");
    }

    #[test]
    fn secret_service_is_used_only_with_a_session_bus() {
        let home = TestHome::new();
        let store = mock::Store::new().unwrap();
        let with_bus =
            KeyConfig::from_env(env_of(&[(SESSION_BUS_VAR, "unix:path=/x")])).with_keyring_store(store.clone());
        let loaded = create(&home.paths, &with_bus, "i1").unwrap();
        assert_eq!(loaded.source, KeyBackend::SecretService);
        let entry = store.build(KEYRING_SERVICE, "master-key/i1", None).unwrap();
        assert_eq!(entry.get_secret().unwrap(), loaded.key.bytes());
        assert!(!home.paths.key_file().exists());

        let no_bus = KeyConfig::from_env(env_of(&[])).with_keyring_store(store.clone());
        assert!(!no_bus.tries_secret_service());
        let loaded = create(&home.paths, &no_bus, "i2").unwrap();
        assert_eq!(loaded.source, KeyBackend::File);
        let entry = store.build(KEYRING_SERVICE, "master-key/i2", None).unwrap();
        assert!(matches!(entry.get_secret(), Err(keyring_core::Error::NoEntry)));
    }

    #[test]
    fn locked_keyring_falls_through_to_the_file_on_first_start_only() {
        let home = TestHome::new();
        let locked =
            KeyConfig::from_env(env_of(&[(SESSION_BUS_VAR, "unix:path=/x")])).with_keyring_store(LockedStore::new());
        let loaded = create(&home.paths, &locked, "i1").unwrap();
        assert_eq!(loaded.source, KeyBackend::File);
        assert!(home.paths.key_file().exists());
        // Later, an install recorded as secret-service must not fall through.
        let err = load(&home.paths, &locked, KeyBackend::SecretService, "i1").unwrap_err();
        assert!(
            matches!(err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::KeyringLocked, .. }),
            "{err:?}"
        );
        assert!(std::error::Error::source(&err).is_some(), "the keyring's cause is kept");
    }

    #[test]
    fn recorded_secret_service_failures_are_unavailable_and_regenerate_nothing() {
        let home = TestHome::new();
        let store = mock::Store::new().unwrap();
        let bus = env_of(&[(SESSION_BUS_VAR, "unix:path=/x")]);
        let no_bus = KeyConfig::from_env(env_of(&[])).with_keyring_store(store.clone());
        let err = load(&home.paths, &no_bus, KeyBackend::SecretService, "i1").unwrap_err();
        assert!(matches!(err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::NoSessionBus, .. }));
        assert!(err.to_string().contains("DBUS_SESSION_BUS_ADDRESS"), "{err}");

        let empty = KeyConfig::from_env(&bus).with_keyring_store(store.clone());
        let err = load(&home.paths, &empty, KeyBackend::SecretService, "i1").unwrap_err();
        assert!(
            matches!(&err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::KeyringEntryMissing { user }, .. } if user == "master-key/i1"),
            "{err:?}"
        );
        let entry = store.build(KEYRING_SERVICE, "master-key/i1", None).unwrap();
        assert!(matches!(entry.get_secret(), Err(keyring_core::Error::NoEntry)), "a key was generated");
        assert!(!home.paths.key_file().exists(), "fell through to a new key file");

        entry.set_secret(&[1u8; 16]).unwrap();
        let err = load(&home.paths, &empty, KeyBackend::SecretService, "i1").unwrap_err();
        assert!(matches!(
            err,
            StoreError::KeyStoreUnavailable { reason: UnavailableReason::KeyringEntryInvalid { len: 16, .. }, .. }
        ));
    }

    #[test]
    fn destroy_removes_the_file_and_the_keyring_entry() {
        let home = TestHome::new();
        let store = mock::Store::new().unwrap();
        let config =
            KeyConfig::from_env(env_of(&[(SESSION_BUS_VAR, "unix:path=/x")])).with_keyring_store(store.clone());
        create(&home.paths, &config, "i1").unwrap();
        files::write_new_private_file(&home.paths.key_file(), b"leftover").unwrap();
        destroy(&home.paths, &config, Some((KeyBackend::SecretService, "i1"))).unwrap();
        assert!(!home.paths.key_file().exists());
        let entry = store.build(KEYRING_SERVICE, "master-key/i1", None).unwrap();
        assert!(matches!(entry.get_secret(), Err(keyring_core::Error::NoEntry)));
        // Without a bus the entry cannot be reached: say how to remove it.
        let err = destroy(&home.paths, &KeyConfig::from_env(env_of(&[])), Some((KeyBackend::SecretService, "i9")))
            .unwrap_err();
        assert!(err.to_string().contains("secret-tool clear service pierre-local username master-key/i9"), "{err}");
    }

    /// zbus's blocking API panics inside a runtime, so every keyring call
    /// must run outside any runtime context even when `open` is called from
    /// async code; the probe store records where it was called from.
    #[test]
    fn keyring_calls_leave_the_tokio_runtime() {
        let home = TestHome::new();
        let probe = RuntimeProbeStore::new();
        let config =
            KeyConfig::from_env(env_of(&[(SESSION_BUS_VAR, "unix:path=/x")])).with_keyring_store(probe.clone());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (source, install) = rt.block_on(async {
            let created = create(&home.paths, &config, "i1").unwrap();
            let loaded = load(&home.paths, &config, KeyBackend::SecretService, "i1").unwrap();
            destroy(&home.paths, &config, Some((KeyBackend::SecretService, "i1"))).unwrap();
            (created.source, loaded.key.bytes() == created.key.bytes())
        });
        assert_eq!(source, KeyBackend::SecretService);
        assert!(install);
        assert_eq!(probe.calls(), 3);
        assert!(!probe.saw_runtime(), "a keyring call ran inside the tokio runtime");
    }
}
