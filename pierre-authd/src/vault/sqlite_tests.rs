//! Tests of [`SqliteStore`] through the [`Store`] trait, on real files in a
//! temp home: backends, refusal to regenerate, corruption kinds, users,
//! LRU, plaintext scan, file modes, purge, and the real Secret Service.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use keyring_core::api::CredentialStoreApi as _;
use keyring_core::mock;
use pierre_shared::protocol::ConnectionState;
use pierre_shared::{ErrorCode, Secret};
use rusqlite::Connection;

use super::error::{StoreError, UnavailableReason};
use super::keys::{ENV_KEY_VAR, KEYRING_SERVICE, SESSION_BUS_VAR};
use super::testing::{TestHome, b64_key, env_of};
use super::{ConnectionRecord, KeyBackend, KeyConfig, SecretField, SqliteStore, Store, StoreOptions};

const BUS: (&str, &str) = (SESSION_BUS_VAR, "unix:path=/nonexistent/bus");

fn file_keys() -> KeyConfig {
    KeyConfig::from_env(env_of(&[]))
}

fn env_keys(byte: u8) -> KeyConfig {
    KeyConfig::from_env(env_of(&[(ENV_KEY_VAR, &b64_key(byte))]))
}

fn mock_keys(store: &Arc<mock::Store>) -> KeyConfig {
    KeyConfig::from_env(env_of(&[BUS])).with_keyring_store(store.clone())
}

fn tok(s: &str) -> Secret {
    Secret::from_string(s.to_owned())
}

fn record(provider: &str, connection_id: &str) -> ConnectionRecord {
    ConnectionRecord {
        provider: provider.to_owned(),
        state: ConnectionState::Connected,
        connection_id: connection_id.to_owned(),
        account_id: Some("athlete-1".into()),
        connected_at: 1_700_000_000,
        expires_at: Some(1_700_021_600),
        scopes: Some("read,activity:read_all".into()),
    }
}

fn connect(store: &dyn Store, user_id: &str, provider: &str, access: &str, refresh: &str) {
    let secrets = [(SecretField::AccessToken, tok(access)), (SecretField::RefreshToken, tok(refresh))];
    store.put_connection(user_id, &record(provider, "c1"), &secrets).unwrap();
}

fn secret(store: &dyn Store, user_id: &str, provider: &str, field: SecretField) -> Option<Vec<u8>> {
    store.get_secret(user_id, provider, field).unwrap().map(|s| s.expose().to_vec())
}

/// A raw connection to a user's vault, for simulating damage.
fn raw_vault(home: &TestHome, user_id: &str) -> Connection {
    Connection::open(home.paths.user_vault(user_id)).unwrap()
}

/// Every file under the home with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

/// An install with two users and a connection each, closed again.
fn populated(home: &TestHome, keys: &KeyConfig) -> (String, String) {
    let store = SqliteStore::open(&home.paths, keys).unwrap();
    let alice = store.add_user("alice", true).unwrap().user_id;
    let bob = store.add_user("bob", false).unwrap().user_id;
    connect(&store, &alice, "strava", "alice-access", "alice-refresh");
    connect(&store, &bob, "strava", "bob-access", "bob-refresh");
    (alice, bob)
}

#[test]
fn first_start_uses_the_key_file_and_a_reopen_reads_the_same_data() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let info = store.install_info();
    assert_eq!(info.key_backend, KeyBackend::File);
    assert_eq!(info.key_source, KeyBackend::File);
    assert!(uuid::Uuid::try_parse(&info.install_id).is_ok());
    let alice = store.add_user("alice", true).unwrap();
    connect(&store, &alice.user_id, "strava", "at-1", "rt-1");
    drop(store);

    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    assert_eq!(store.install_info(), info);
    assert_eq!(store.list_users().unwrap(), vec![alice.clone()]);
    assert_eq!(secret(&store, &alice.user_id, "strava", SecretField::AccessToken).unwrap(), b"at-1");
    assert_eq!(store.list_connections(&alice.user_id).unwrap(), vec![record("strava", "c1")]);
}

#[test]
fn without_the_bus_variable_the_file_backend_is_used_even_with_a_keyring() {
    let home = TestHome::new();
    let keyring = mock::Store::new().unwrap();
    let keys = KeyConfig::from_env(env_of(&[])).with_keyring_store(keyring.clone());
    let store = SqliteStore::open(&home.paths, &keys).unwrap();
    assert_eq!(store.install_info().key_backend, KeyBackend::File);
    assert!(home.paths.key_file().exists());
    let user = super::keys::keyring_user(&store.install_info().install_id);
    assert!(keyring.build(KEYRING_SERVICE, &user, None).unwrap().get_secret().is_err());
}

#[test]
fn with_the_bus_variable_the_secret_service_holds_the_key() {
    let home = TestHome::new();
    let keyring = mock::Store::new().unwrap();
    let (alice, _) = populated(&home, &mock_keys(&keyring));
    let store = SqliteStore::open(&home.paths, &mock_keys(&keyring)).unwrap();
    let info = store.install_info();
    assert_eq!(info.key_backend, KeyBackend::SecretService);
    assert!(!home.paths.key_file().exists());
    let entry = keyring.build(KEYRING_SERVICE, &format!("master-key/{}", info.install_id), None).unwrap();
    assert_eq!(entry.get_secret().unwrap().len(), 32);
    assert_eq!(secret(&store, &alice, "strava", SecretField::RefreshToken).unwrap(), b"alice-refresh");
}

#[test]
fn a_different_env_key_on_the_second_open_is_a_wrong_key() {
    let home = TestHome::new();
    let (alice, _) = populated(&home, &env_keys(1));
    let err = SqliteStore::open(&home.paths, &env_keys(2)).unwrap_err();
    assert!(matches!(err, StoreError::WrongMasterKey { .. }), "{err:?}");
    assert_eq!(err.code(), ErrorCode::KeyStoreInvalid);
    assert!(
        err.to_string().contains("PIERRE_MASTER_ENCRYPTION_KEY is not the key this install was created with"),
        "{err}"
    );
    let store = SqliteStore::open(&home.paths, &env_keys(1)).unwrap();
    assert_eq!(store.install_info().key_backend, KeyBackend::Env);
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken).unwrap(), b"alice-access");
}

#[test]
fn an_env_key_overrides_a_file_install_only_when_it_is_the_same_key() {
    let home = TestHome::new();
    let (alice, _) = populated(&home, &file_keys());
    let err = SqliteStore::open(&home.paths, &env_keys(9)).unwrap_err();
    assert!(matches!(err, StoreError::WrongMasterKey { .. }), "{err:?}");
    let same = std::fs::read_to_string(home.paths.key_file()).unwrap();
    let keys = KeyConfig::from_env(env_of(&[(ENV_KEY_VAR, same.trim())]));
    let store = SqliteStore::open(&home.paths, &keys).unwrap();
    assert_eq!(store.install_info().key_backend, KeyBackend::File);
    assert_eq!(store.install_info().key_source, KeyBackend::Env);
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken).unwrap(), b"alice-access");
}

#[test]
fn a_failed_first_start_takes_its_keyring_entry_back() {
    let home = TestHome::new();
    // A state database whose schema step will fail after the key was stored.
    let path = home.paths.state_db();
    super::files::create_private_file(&path).unwrap();
    Connection::open(&path).unwrap().execute_batch("CREATE TABLE install (x INTEGER);").unwrap();
    let keyring = mock::Store::new().unwrap();
    let err = SqliteStore::open(&home.paths, &mock_keys(&keyring)).unwrap_err();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err:?}");
    let spec = std::collections::HashMap::from([("service", KEYRING_SERVICE)]);
    let entries = keyring.search(&spec).unwrap();
    assert_eq!(entries.len(), 1, "the first start never reached the keyring");
    assert!(matches!(entries[0].get_secret(), Err(keyring_core::Error::NoEntry)), "the entry was left behind");
}

#[test]
fn a_deleted_key_file_is_unavailable_and_is_not_recreated() {
    let home = TestHome::new();
    populated(&home, &file_keys());
    std::fs::remove_file(home.paths.key_file()).unwrap();
    let before = snapshot(home.root());
    let err = SqliteStore::open(&home.paths, &file_keys()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::KeyStoreUnavailable {
                backend: KeyBackend::File,
                reason: UnavailableReason::KeyFileMissing { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::KeyStoreUnavailable);
    assert!(!home.paths.key_file().exists(), "a new key was generated over the install");
    assert_eq!(snapshot(home.root()), before, "the state database or a vault changed");
}

#[test]
fn a_secret_service_install_without_its_keyring_is_unavailable_and_untouched() {
    let home = TestHome::new();
    let keyring = mock::Store::new().unwrap();
    let (alice, _) = populated(&home, &mock_keys(&keyring));
    let before = snapshot(home.root());

    let no_bus = KeyConfig::from_env(env_of(&[])).with_keyring_store(keyring.clone());
    let err = SqliteStore::open(&home.paths, &no_bus).unwrap_err();
    assert!(matches!(err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::NoSessionBus, .. }), "{err:?}");

    let empty = mock_keys(&mock::Store::new().unwrap());
    let err = SqliteStore::open(&home.paths, &empty).unwrap_err();
    assert!(
        matches!(err, StoreError::KeyStoreUnavailable { reason: UnavailableReason::KeyringEntryMissing { .. }, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("pierre-authd purge"), "{err}");

    assert!(!home.paths.key_file().exists(), "fell through to a key file");
    assert_eq!(snapshot(home.root()), before, "the state database or a vault changed");
    let store = SqliteStore::open(&home.paths, &mock_keys(&keyring)).unwrap();
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken).unwrap(), b"alice-access");
}

#[test]
fn a_tampered_byte_is_reported_as_tampering() {
    let home = TestHome::new();
    let (alice, _) = populated(&home, &file_keys());
    let raw = raw_vault(&home, &alice);
    let mut blob: Vec<u8> =
        raw.query_row("SELECT blob FROM secrets WHERE field = 'access_token'", [], |r| r.get(0)).unwrap();
    blob[20] ^= 0x01;
    raw.execute("UPDATE secrets SET blob = ?1 WHERE field = 'access_token'", [&blob]).unwrap();
    drop(raw);
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let err = store.get_secret(&alice, "strava", SecretField::AccessToken).unwrap_err();
    assert!(matches!(err, StoreError::SecretTampered { .. }), "{err:?}");
    assert_eq!(err.code(), ErrorCode::VaultCorrupt);
    assert!(err.to_string().contains(&format!("{alice}|strava|access_token")), "{err}");
    // The untouched row still opens.
    assert_eq!(secret(&store, &alice, "strava", SecretField::RefreshToken).unwrap(), b"alice-refresh");
}

#[test]
fn a_row_moved_to_another_field_says_where_it_was_sealed_for() {
    let home = TestHome::new();
    let (alice, _) = populated(&home, &file_keys());
    let raw = raw_vault(&home, &alice);
    raw.execute_batch(
        "UPDATE secrets SET (sealed_for, blob) =
             (SELECT sealed_for, blob FROM secrets WHERE field = 'access_token')
         WHERE field = 'refresh_token';",
    )
    .unwrap();
    drop(raw);
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let err = store.get_secret(&alice, "strava", SecretField::RefreshToken).unwrap_err();
    let StoreError::SecretMoved { sealed_for, found_at } = &err else { panic!("{err:?}") };
    assert_eq!(sealed_for, &format!("{alice}|strava|access_token"));
    assert_eq!(found_at, &format!("{alice}|strava|refresh_token"));
    assert_eq!(err.code(), ErrorCode::VaultCorrupt);
}

#[test]
fn a_row_moved_to_another_user_is_refused_even_when_relabelled() {
    let home = TestHome::new();
    let (alice, bob) = populated(&home, &file_keys());
    let (sealed_for, blob): (String, Vec<u8>) = raw_vault(&home, &alice)
        .query_row("SELECT sealed_for, blob FROM secrets WHERE field = 'access_token'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let bob_raw = raw_vault(&home, &bob);
    bob_raw
        .execute(
            "UPDATE secrets SET sealed_for = ?1, blob = ?2 WHERE field = 'access_token'",
            rusqlite::params![sealed_for, blob],
        )
        .unwrap();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let err = store.get_secret(&bob, "strava", SecretField::AccessToken).unwrap_err();
    assert!(
        matches!(&err, StoreError::SecretMoved { sealed_for, found_at }
            if sealed_for.starts_with(&alice) && found_at.starts_with(&bob)),
        "{err:?}"
    );
    // An attacker who also rewrites the label still fails: the AAD is in the tag.
    bob_raw
        .execute(
            "UPDATE secrets SET sealed_for = ?1 WHERE field = 'access_token'",
            [format!("{bob}|strava|access_token")],
        )
        .unwrap();
    let err = store.get_secret(&bob, "strava", SecretField::AccessToken).unwrap_err();
    assert!(matches!(err, StoreError::SecretTampered { .. }), "{err:?}");
}

#[test]
fn an_unknown_version_byte_is_its_own_error() {
    let home = TestHome::new();
    let (alice, _) = populated(&home, &file_keys());
    raw_vault(&home, &alice)
        .execute("UPDATE secrets SET blob = CAST(X'09' || substr(blob, 2) AS BLOB) WHERE field = 'access_token'", [])
        .unwrap();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let err = store.get_secret(&alice, "strava", SecretField::AccessToken).unwrap_err();
    assert!(matches!(err, StoreError::UnknownFormatVersion { version: 9, .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade pierre-authd"), "{err}");
}

#[test]
fn user_names_are_checked_and_unique_ignoring_case() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let alice = store.add_user("Alice", false).unwrap();
    let err = store.add_user("alice", false).unwrap_err();
    assert!(matches!(&err, StoreError::UserExists { name } if name == "Alice"), "{err:?}");
    assert_eq!(err.code(), ErrorCode::UserExists);
    let err = store.add_user("bad name", false).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidUserName);
    assert!(store.add_user("-x", false).is_err());
    assert_eq!(store.list_users().unwrap().len(), 1, "a refused user left a row");
    assert_eq!(std::fs::read_dir(home.paths.users_dir()).unwrap().count(), 1, "a refused user left a directory");

    let bob = store.add_user("bob", false).unwrap();
    assert!(matches!(store.rename_user(&bob.user_id, "ALICE"), Err(StoreError::UserExists { .. })));
    let renamed = store.rename_user(&alice.user_id, "ALICE").unwrap();
    assert_eq!((renamed.user_id.as_str(), renamed.name.as_str()), (alice.user_id.as_str(), "ALICE"));
    assert!(matches!(store.rename_user(&bob.user_id, "no/slash"), Err(StoreError::InvalidUserName { .. })));

    assert_eq!(store.find_user("aLiCe").unwrap().unwrap().user_id, alice.user_id);
    assert_eq!(store.find_user(&alice.user_id.to_uppercase()).unwrap().unwrap().name, "ALICE");
    assert_eq!(store.find_user("carol").unwrap(), None);
    assert!(uuid::Uuid::try_parse(&bob.user_id).unwrap().get_version_num() == 4);
    assert_ne!(alice.user_id, bob.user_id);
}

#[test]
fn there_is_one_owner_and_it_cannot_be_removed() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let owner = store.add_user("owner", true).unwrap();
    assert!(matches!(store.add_user("second", true), Err(StoreError::OwnerExists { .. })));
    let err = store.remove_user(&owner.user_id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UserProtected);
    assert!(home.paths.user_dir(&owner.user_id).exists());
}

#[test]
fn removing_a_user_deletes_its_directory_and_its_open_vault() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let bob = store.add_user("bob", false).unwrap();
    connect(&store, &bob.user_id, "strava", "a", "r");
    assert_eq!(store.open_vault_handles(), 1);
    store.remove_user(&bob.user_id).unwrap();
    assert!(!home.paths.user_dir(&bob.user_id).exists());
    assert_eq!(store.open_vault_handles(), 0);
    assert_eq!(store.find_user("bob").unwrap(), None);
    let err = store.get_secret(&bob.user_id, "strava", SecretField::AccessToken).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownUser);
    assert!(matches!(store.remove_user(&bob.user_id), Err(StoreError::UnknownUser { .. })));
    // A path-like id never reaches the file system.
    assert!(matches!(store.remove_user("../../data"), Err(StoreError::UnknownUser { .. })));
    assert!(matches!(store.list_connections("../x"), Err(StoreError::UnknownUser { .. })));
    // The name is free again.
    store.add_user("bob", false).unwrap();
}

#[test]
fn past_the_cache_capacity_every_user_still_reads_correctly() {
    let home = TestHome::new();
    let options = StoreOptions { vault_cache_capacity: NonZeroUsize::new(2).unwrap() };
    let store = SqliteStore::open_with(&home.paths, &file_keys(), options).unwrap();
    let users: Vec<String> = (0..5).map(|i| store.add_user(&format!("user{i}"), false).unwrap().user_id).collect();
    for (i, user) in users.iter().enumerate() {
        connect(&store, user, "strava", &format!("access-{i}"), &format!("refresh-{i}"));
        assert!(store.open_vault_handles() <= 2);
    }
    for round in 0..3 {
        for (i, user) in users.iter().enumerate().rev() {
            let got = secret(&store, user, "strava", SecretField::AccessToken).unwrap();
            assert_eq!(got, format!("access-{i}").as_bytes(), "round {round}, user {i}");
            assert!(store.open_vault_handles() <= 2);
        }
    }
    assert_eq!(store.count_connections().unwrap().total, 5);
    assert!(store.open_vault_handles() <= 2);
}

#[test]
fn put_connection_replaces_that_providers_secrets_in_one_go() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let alice = store.add_user("alice", true).unwrap().user_id;
    connect(&store, &alice, "strava", "a1", "r1");
    connect(&store, &alice, "fitbit", "fa", "fr");
    let mut second = record("strava", "c2");
    second.state = ConnectionState::NeedsReconnect;
    second.scopes = None;
    store.put_connection(&alice, &second, &[(SecretField::AccessToken, tok("a2"))]).unwrap();
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken).unwrap(), b"a2");
    assert_eq!(secret(&store, &alice, "strava", SecretField::RefreshToken), None);
    assert_eq!(secret(&store, &alice, "fitbit", SecretField::RefreshToken).unwrap(), b"fr");
    assert_eq!(store.list_connections(&alice).unwrap(), vec![record("fitbit", "c1"), second]);

    let twice = [(SecretField::AccessToken, tok("x")), (SecretField::AccessToken, tok("y"))];
    let err = store.put_connection(&alice, &record("strava", "c3"), &twice).unwrap_err();
    assert!(matches!(err, StoreError::DuplicateSecretField { field: "access_token" }), "{err:?}");
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken).unwrap(), b"a2", "a refused put wrote");
    let err = store.put_connection(&alice, &record("Strava|x", "c3"), &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidParams);
}

#[test]
fn connections_are_deleted_and_counted_across_users() {
    let home = TestHome::new();
    let options = StoreOptions { vault_cache_capacity: NonZeroUsize::new(1).unwrap() };
    let store = SqliteStore::open_with(&home.paths, &file_keys(), options).unwrap();
    let alice = store.add_user("alice", true).unwrap().user_id;
    let bob = store.add_user("bob", false).unwrap().user_id;
    connect(&store, &alice, "strava", "a", "r");
    connect(&store, &alice, "fitbit", "a", "r");
    connect(&store, &bob, "strava", "a", "r");
    assert_eq!(store.count_connections().unwrap().total, 3);
    assert!(store.delete_connection(&alice, "strava").unwrap());
    assert!(!store.delete_connection(&alice, "strava").unwrap());
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken), None);
    assert_eq!(store.count_connections().unwrap().total, 2);
    assert_eq!(secret(&store, &bob, "strava", SecretField::AccessToken).unwrap(), b"a");
}

#[test]
fn install_secrets_round_trip_and_refuse_moved_rows() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    store.put_install_secret("app_client_secret", "strava", &tok("cs-1")).unwrap();
    store.put_install_secret("app_client_secret", "fitbit", &tok("cs-2")).unwrap();
    store.put_install_secret("app_client_secret", "strava", &tok("cs-3")).unwrap();
    let got = store.get_install_secret("app_client_secret", "strava").unwrap().unwrap();
    assert_eq!(got.expose(), b"cs-3");
    assert_eq!(store.list_install_secret_ids("app_client_secret").unwrap(), ["fitbit", "strava"]);
    assert_eq!(store.get_install_secret("oauth_state", "strava").unwrap(), None);

    let raw = Connection::open(home.paths.state_db()).unwrap();
    raw.execute_batch(
        "UPDATE install_secrets SET (sealed_for, blob) =
             (SELECT sealed_for, blob FROM install_secrets WHERE id = 'strava')
         WHERE id = 'fitbit';",
    )
    .unwrap();
    let err = store.get_install_secret("app_client_secret", "fitbit").unwrap_err();
    assert!(
        matches!(&err, StoreError::SecretMoved { sealed_for, found_at }
            if sealed_for == "install|app_client_secret|strava" && found_at == "install|app_client_secret|fitbit"),
        "{err:?}"
    );
    assert!(store.delete_install_secret("app_client_secret", "fitbit").unwrap());
    assert!(!store.delete_install_secret("app_client_secret", "fitbit").unwrap());
    assert_eq!(store.put_install_secret("Bad-Kind", "x", &tok("v")).unwrap_err().code(), ErrorCode::InvalidParams);
}

/// Stores known tokens for two users (and install-level secrets), then reads
/// every file under the home, including `-wal` and `-shm`, while the store
/// is open and after it closed: no token in raw, base64 or hex form.
#[test]
fn no_secret_is_on_disk_in_any_form() {
    let home = TestHome::new();
    let tokens = [
        "strava-access-7f3a9c21e4b84d6f",
        "strava-refresh-0c9d8e7f6a5b4c3d",
        "fitbit-access-5e4d3c2b1a098f7e",
        "bob-garmin-oauth2-d41d8cd98f00b204",
        "install-client-secret-9b2e61c0",
    ];
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let alice = store.add_user("alice", true).unwrap().user_id;
    let bob = store.add_user("bob", false).unwrap().user_id;
    connect(&store, &alice, "strava", tokens[0], tokens[1]);
    store.put_connection(&alice, &record("fitbit", "c"), &[(SecretField::AccessToken, tok(tokens[2]))]).unwrap();
    store.put_connection(&bob, &record("garmin", "c"), &[(SecretField::GarminOauth2Token, tok(tokens[3]))]).unwrap();
    store.put_install_secret("app_client_secret", "strava", &tok(tokens[4])).unwrap();
    assert_eq!(secret(&store, &bob, "garmin", SecretField::GarminOauth2Token).unwrap(), tokens[3].as_bytes());

    let forms = |t: &str| -> Vec<Vec<u8>> {
        let b = t.as_bytes();
        vec![
            b.to_vec(),
            base64::engine::general_purpose::STANDARD.encode(b).into_bytes(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b).into_bytes(),
            hex::encode(b).into_bytes(),
            hex::encode_upper(b).into_bytes(),
        ]
    };
    let needles: Vec<Vec<u8>> = tokens.iter().flat_map(|t| forms(t)).collect();
    let scan = |when: &str| {
        let files = snapshot(home.root());
        assert!(files.keys().any(|p| p.to_string_lossy().ends_with("vault.sqlite3-wal")) || when == "closed");
        let mut hits = Vec::new();
        for (path, bytes) in &files {
            for needle in &needles {
                if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    hits.push(path.display().to_string());
                }
            }
        }
        assert!(hits.is_empty(), "{when}: secrets found in {hits:?}");
        files.len()
    };
    assert!(scan("open") >= 6);
    let shown = format!("{store:?}");
    assert!(tokens.iter().all(|t| !shown.contains(t)), "{shown}");
    drop(store);
    scan("closed");
}

#[test]
fn files_and_directories_are_private() {
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let alice = store.add_user("alice", true).unwrap().user_id;
    connect(&store, &alice, "strava", "a", "r");
    let vault = home.paths.user_vault(&alice);
    for dir in [home.paths.data_dir.clone(), home.paths.users_dir(), home.paths.user_dir(&alice)] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let state = home.paths.state_db();
    let with = |p: &Path, s: &str| PathBuf::from(format!("{}{s}", p.display()));
    for file in [
        home.paths.key_file(),
        state.clone(),
        with(&state, "-wal"),
        vault.clone(),
        with(&vault, "-wal"),
        with(&vault, "-shm"),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
}

#[test]
fn a_state_database_with_a_wide_mode_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    populated(&home, &file_keys());
    let path = home.paths.state_db();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = SqliteStore::open(&home.paths, &file_keys()).unwrap_err();
    assert!(err.to_string().contains(&format!("chmod 600 {}", path.display())), "{err}");
}

#[test]
fn a_user_directory_opened_to_others_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = TestHome::new();
    let (alice, _) = populated(&home, &file_keys());
    let dir = home.paths.user_dir(&alice);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    let err = store.get_secret(&alice, "strava", SecretField::AccessToken).unwrap_err();
    assert!(matches!(err, StoreError::Directory(_)), "{err:?}");
    assert!(err.to_string().contains(&format!("chmod 700 {}", dir.display())), "{err}");
}

#[test]
fn vaults_without_a_state_database_are_not_overwritten_by_a_new_install() {
    let home = TestHome::new();
    populated(&home, &file_keys());
    std::fs::remove_file(home.paths.state_db()).unwrap();
    let err = SqliteStore::open(&home.paths, &file_keys()).unwrap_err();
    assert!(matches!(err, StoreError::OrphanedVaults { .. }), "{err:?}");
    assert!(!home.paths.state_db().exists());
}

#[test]
fn purge_removes_every_trace_and_stops_the_store() {
    let home = TestHome::new();
    let keyring = mock::Store::new().unwrap();
    let store = SqliteStore::open(&home.paths, &mock_keys(&keyring)).unwrap();
    let first_id = store.install_info().install_id;
    let alice = store.add_user("alice", true).unwrap().user_id;
    connect(&store, &alice, "strava", "a", "r");
    store.put_install_secret("oauth_state", "s1", &tok("v")).unwrap();
    store.purge().unwrap();
    assert!(!home.paths.users_dir().exists());
    assert!(!home.paths.state_db().exists());
    assert!(!home.paths.key_file().exists());
    let entry = keyring.build(KEYRING_SERVICE, &format!("master-key/{first_id}"), None).unwrap();
    assert!(matches!(entry.get_secret(), Err(keyring_core::Error::NoEntry)));
    assert!(matches!(store.list_users(), Err(StoreError::Purged)));
    assert!(matches!(store.get_secret(&alice, "strava", SecretField::AccessToken), Err(StoreError::Purged)));
    assert!(matches!(store.purge(), Err(StoreError::Purged)));
    drop(store);

    let again = SqliteStore::open(&home.paths, &mock_keys(&keyring)).unwrap();
    assert_ne!(again.install_info().install_id, first_id);
    assert!(again.list_users().unwrap().is_empty());
}

#[test]
fn an_install_whose_key_is_lost_can_still_be_purged() {
    let home = TestHome::new();
    populated(&home, &file_keys());
    std::fs::remove_file(home.paths.key_file()).unwrap();
    assert!(SqliteStore::open(&home.paths, &file_keys()).is_err());
    SqliteStore::purge_without_key(&home.paths, &file_keys()).unwrap();
    assert!(!home.paths.users_dir().exists() && !home.paths.state_db().exists());
    let store = SqliteStore::open(&home.paths, &file_keys()).unwrap();
    assert!(store.list_users().unwrap().is_empty());
}

#[test]
fn the_store_is_shared_across_threads_as_a_trait_object() {
    let home = TestHome::new();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&home.paths, &file_keys()).unwrap());
    let users: Vec<String> = (0..4).map(|i| store.add_user(&format!("u{i}"), false).unwrap().user_id).collect();
    std::thread::scope(|scope| {
        for (i, user) in users.iter().enumerate() {
            let store = store.clone();
            scope.spawn(move || {
                for n in 0..10 {
                    let value = format!("tok-{i}-{n}");
                    store
                        .put_connection(user, &record("strava", "c"), &[(SecretField::AccessToken, tok(&value))])
                        .unwrap();
                    assert_eq!(
                        secret(store.as_ref(), user, "strava", SecretField::AccessToken).unwrap(),
                        value.as_bytes()
                    );
                }
            });
        }
    });
    assert_eq!(store.count_connections().unwrap().total, 4);
}

/// The real Secret Service: run by `scripts/test-secret-service.sh` inside
/// `dbus-run-session` with an unlocked gnome-keyring.
#[test]
#[ignore = "needs a session bus with an unlocked Secret Service; run by scripts/test-secret-service.sh"]
fn secret_service_unlocked_keyring_holds_the_key() {
    let bus = std::env::var_os(SESSION_BUS_VAR)
        .expect("DBUS_SESSION_BUS_ADDRESS is not set: run scripts/test-secret-service.sh");
    let keys = KeyConfig::from_env(move |k| (k == SESSION_BUS_VAR).then(|| bus.clone()));
    let home = TestHome::new();
    // From async code on a runtime worker: the worst case for zbus's block_on.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let store = rt.block_on(async { SqliteStore::open(&home.paths, &keys) }).unwrap();
    let info = store.install_info();
    assert_eq!(info.key_backend, KeyBackend::SecretService);
    assert!(!home.paths.key_file().exists());
    let alice = store.add_user("alice", true).unwrap().user_id;
    connect(&store, &alice, "strava", "real-ss-access", "real-ss-refresh");
    drop(store);

    // And from `spawn_blocking`, as the daemon does.
    let (paths, again) = (home.paths.clone(), keys.clone());
    let store = rt
        .block_on(async move { tokio::task::spawn_blocking(move || SqliteStore::open(&paths, &again)).await })
        .unwrap()
        .unwrap();
    assert_eq!(store.install_info(), info);
    assert_eq!(secret(&store, &alice, "strava", SecretField::AccessToken).unwrap(), b"real-ss-access");

    let user = format!("master-key/{}", info.install_id);
    let search = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", KEYRING_SERVICE, "username", &user])
        .output()
        .expect("secret-tool runs (apt-get install -y libsecret-tools)");
    // secret-tool prints the attributes on stderr and the secret on stdout;
    // only stderr is ever shown.
    let attributes = String::from_utf8_lossy(&search.stderr);
    assert!(
        search.status.success() && attributes.contains(&format!("attribute.username = {user}")),
        "secret-tool search found no entry: {attributes}"
    );
    let lookup = |user: &str| {
        std::process::Command::new("secret-tool")
            .args(["lookup", "service", KEYRING_SERVICE, "username", user])
            .output()
            .unwrap()
    };
    let found = lookup(&user);
    assert!(found.status.success());
    assert_eq!(found.stdout.len(), 32, "the entry does not hold a 32-byte key");

    store.purge().unwrap();
    assert!(!lookup(&user).status.success(), "purge left the keyring entry");
}

/// A session bus whose gnome-keyring has no unlocked collection: the first
/// start falls through to the key file. Run by `scripts/test-secret-service.sh`.
#[test]
#[ignore = "needs a session bus with a locked Secret Service; run by scripts/test-secret-service.sh"]
fn secret_service_locked_keyring_falls_through_to_the_file() {
    let bus = std::env::var_os(SESSION_BUS_VAR)
        .expect("DBUS_SESSION_BUS_ADDRESS is not set: run scripts/test-secret-service.sh");
    let keys = KeyConfig::from_env(move |k| (k == SESSION_BUS_VAR).then(|| bus.clone()));
    // The Secret Service answers (so this is the locked/absent-collection
    // case, not "no provider on the bus").
    let search = std::process::Command::new("secret-tool")
        .args(["search", "service", KEYRING_SERVICE])
        .output()
        .expect("secret-tool runs (apt-get install -y libsecret-tools)");
    assert!(search.status.success(), "no Secret Service on the bus: {}", String::from_utf8_lossy(&search.stderr));
    let home = TestHome::new();
    let store = SqliteStore::open(&home.paths, &keys).unwrap();
    assert_eq!(store.install_info().key_backend, KeyBackend::File);
    assert_eq!(mode(&home.paths.key_file()), 0o600);
    drop(store);
    SqliteStore::open(&home.paths, &keys).unwrap();
}
