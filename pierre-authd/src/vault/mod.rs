//! The encrypted token vault: master key backends, per-user encryption, the
//! daemon's state database and one vault file per user, behind one small
//! [`Store`] trait.
//!
//! # Layout
//! - [`store`]: the [`Store`] trait and its records ([`InstallInfo`],
//!   [`UserRecord`], [`ConnectionRecord`]).
//! - [`sqlite`]: [`SqliteStore`], the implementation, and [`StoreOptions`].
//! - [`keys`]: [`KeyConfig`], [`KeyBackend`] and where the master key comes from.
//! - [`crypto`]: HKDF key derivation, AES-256-GCM [`crypto::seal`] /
//!   [`crypto::open`], the [`crypto::Aad`] layout and [`SecretField`].
//! - [`error`]: [`StoreError`] and its [`StoreError::code`].
//! - private: `sealed` (a sealed row and how its failures are told apart),
//!   `user_vault` (a vault file and the LRU of open ones), `state` (state
//!   database queries), `migrations` (both schemas), `db` (opening SQLite),
//!   `files` (0600/0700 creation and checks), `names` (name rules).
//!
//! # The API
//! ```text
//! KeyConfig::from_env(env: impl Fn(&str) -> Option<OsString>) -> KeyConfig
//! KeyConfig::with_keyring_store(self, Arc<keyring_core::CredentialStore>) -> KeyConfig
//! SqliteStore::open(&Paths, &KeyConfig) -> Result<SqliteStore, StoreError>
//! SqliteStore::open_with(&Paths, &KeyConfig, StoreOptions) -> Result<SqliteStore, StoreError>
//! SqliteStore::purge_without_key(&Paths, &KeyConfig) -> Result<(), StoreError>
//! trait Store: Send + Sync {
//!     install_info, add_user, list_users, find_user, rename_user, remove_user,
//!     list_connections, put_connection, get_secret, delete_connection,
//!     count_connections, purge,
//!     put_install_secret, get_install_secret, delete_install_secret,
//!     list_install_secret_ids
//! }
//! StoreError::code(&self) -> pierre_shared::ErrorCode
//! ```
//! Everything is blocking. The daemon opens the store before starting its
//! runtime (or in `spawn_blocking`) and calls it from `spawn_blocking`;
//! keyring calls additionally run on their own thread, so they are safe even
//! from async code (see [`keys`]).
//!
//! # The master key
//! 32 random bytes. On the first start, in this order:
//! `PIERRE_MASTER_ENCRYPTION_KEY` (base64; anything but 32 bytes is an error
//! naming the variable and `head -c 32 /dev/urandom | base64`); the Secret
//! Service when `DBUS_SESSION_BUS_ADDRESS` is set (entry `service =
//! pierre-local`, `username = master-key/<install_id>`, so two homes never
//! share a key; a missing provider, locked or absent collection falls
//! through); else the key file `data/vault.key` (base64, 0600, created with
//! `O_EXCL` in the 0700 data directory through temp file + fsync + link +
//! directory fsync; an existing one is used, never replaced). The first start
//! records the backend, the install id and a random HKDF salt. Later starts
//! read the key from the env variable if set, else from the recorded backend
//! only; if that fails the error is `key_store_unavailable`, saying what
//! happened and what to do, and nothing on disk changes. A key is never
//! generated over an existing install. A key check value (a constant sealed
//! with the install key) tells a wrong key (`key_store_invalid`) from damage.
//! The key file is refused, naming `chmod 600 <path>`, when its mode is wider
//! than 0600 or it belongs to another uid or is a symlink.
//!
//! # Encryption
//! - user key = HKDF-SHA256(master, salt, `pierre/v1/user/<user_id>`);
//!   install key = HKDF-SHA256(master, salt, `pierre/v1/install/<kind>`).
//! - blob = `version (1) || nonce (12, random each time) || ciphertext+tag`;
//!   AES-256-GCM with AAD `<user_id>|<provider>|<field>` (a user's secret) or
//!   `install|<kind>|<id>` (install-level), prefixed by the version byte.
//! - Every row also stores, in plain text, the AAD it was sealed for. On
//!   reading: a different one is "sealed for X, found at Y" (moved); an
//!   unknown version byte is its own error; with the key proven right (key
//!   check at open, per-vault canary at vault open), a failing tag is
//!   tampering. All are `vault_corrupt`; nothing decrypted is ever returned.
//!
//! # On disk
//! ```text
//! data/                      0700
//!   authd.sqlite3            0600  install(install_id, key_backend, hkdf_salt, key_check, created_at)
//!                                  users(user_id, name NOCASE UNIQUE, created_at, is_owner)
//!                                  install_secrets(kind, id, sealed_for, blob, updated_at)
//!   vault.key                0600  (file backend only) base64 of the master key
//!   users/                   0700
//!     <user_id>/             0700  created with the user, deleted with it
//!       vault.sqlite3        0600  vault(user_id, canary_sealed_for, canary, created_at)
//!                                  connections(provider, state, connection_id, account_id,
//!                                              connected_at, expires_at, scopes, updated_at)
//!                                  secrets(provider, field, sealed_for, blob)
//! ```
//! SQLite in WAL mode, `synchronous=FULL`, foreign keys on, 5 s busy timeout,
//! `user_version` + ordered migrations; each multi-step change is one
//! transaction. Vault files open lazily through an LRU of handles
//! ([`StoreOptions::vault_cache_capacity`], default 128).

pub mod crypto;
mod db;
pub mod error;
mod files;
pub mod keys;
mod migrations;
mod names;
mod sealed;
pub mod sqlite;
mod state;
pub mod store;
mod user_vault;

#[cfg(test)]
mod sqlite_tests;
#[cfg(test)]
mod testing;

pub use crypto::SecretField;
pub use error::StoreError;
pub use keys::{KeyBackend, KeyConfig};
pub use names::{validate_provider, validate_user_name};
pub use sqlite::{SqliteStore, StoreOptions};
pub use store::{ConnectionCount, ConnectionRecord, InstallInfo, SettingRow, Store, UserRecord};
