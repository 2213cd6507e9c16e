//! Test fixtures shared by the vault's unit tests: a private temp home, an
//! environment made of literal pairs, and keyring stores that fail or probe.

use std::any::Any;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use base64::Engine as _;
use keyring_core::api::{CredentialApi, CredentialStoreApi};
use keyring_core::{Credential, Entry, mock};
use pierre_shared::paths::{Paths, ensure_private_dir};

/// A temp directory used as `PIERRE_HOME`, with the data dir created 0700 as
/// `SqliteStore::open` would.
pub(crate) struct TestHome {
    dir: tempfile::TempDir,
    pub paths: Paths,
}

impl TestHome {
    pub fn new() -> TestHome {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under_home(dir.path());
        ensure_private_dir(&paths.data_dir).unwrap();
        TestHome { dir, paths }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// An environment holding exactly `pairs`.
pub(crate) fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = pairs.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
    move |key| map.get(key).cloned()
}

/// The base64 text of a key made of 32 copies of `byte`.
pub(crate) fn b64_key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

/// A keyring whose collection is locked: every call is `NoStorageAccess`,
/// as gnome-keyring answers without an unlocked collection.
pub(crate) struct LockedStore;

impl LockedStore {
    pub fn new() -> Arc<LockedStore> {
        Arc::new(LockedStore)
    }
}

fn locked() -> keyring_core::Error {
    keyring_core::Error::NoStorageAccess("org.freedesktop.Secret.Error.IsLocked".into())
}

impl CredentialStoreApi for LockedStore {
    fn vendor(&self) -> String {
        "locked test store".into()
    }

    fn id(&self) -> String {
        "locked".into()
    }

    fn build(&self, service: &str, user: &str, _: Option<&HashMap<&str, &str>>) -> keyring_core::Result<Entry> {
        let cred: Arc<Credential> = Arc::new(LockedCred((service.into(), user.into())));
        Ok(Entry::new_with_credential(cred))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Debug)]
struct LockedCred((String, String));

impl CredentialApi for LockedCred {
    fn set_secret(&self, _: &[u8]) -> keyring_core::Result<()> {
        Err(locked())
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        Err(locked())
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        Err(locked())
    }

    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        Err(locked())
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some(self.0.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A mock keyring that records whether it was ever called from a thread
/// inside a tokio runtime (where zbus's `block_on` would panic).
pub(crate) struct RuntimeProbeStore {
    inner: Arc<mock::Store>,
    calls: AtomicUsize,
    saw_runtime: AtomicBool,
}

impl RuntimeProbeStore {
    pub fn new() -> Arc<RuntimeProbeStore> {
        Arc::new(RuntimeProbeStore {
            inner: mock::Store::new().unwrap(),
            calls: AtomicUsize::new(0),
            saw_runtime: AtomicBool::new(false),
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn saw_runtime(&self) -> bool {
        self.saw_runtime.load(Ordering::SeqCst)
    }
}

impl CredentialStoreApi for RuntimeProbeStore {
    fn vendor(&self) -> String {
        "runtime probe".into()
    }

    fn id(&self) -> String {
        "probe".into()
    }

    fn build(&self, service: &str, user: &str, mods: Option<&HashMap<&str, &str>>) -> keyring_core::Result<Entry> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if tokio::runtime::Handle::try_current().is_ok() {
            self.saw_runtime.store(true, Ordering::SeqCst);
        }
        self.inner.build(service, user, mods)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
