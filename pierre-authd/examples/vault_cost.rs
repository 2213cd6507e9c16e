//! What one secret costs in the vault: prints ns/op for sealing and opening a
//! 64-byte token (AES-256-GCM with a fresh nonce), for deriving a user key
//! (HKDF-SHA256), and through the store for `put_connection` (one
//! `synchronous=FULL` transaction), `get_secret` on an open vault, and
//! `get_secret` when the vault must be opened first (an LRU miss).
//!
//! Run: `cargo run -p pierre-authd --release --example vault_cost`
//! (numbers from a debug build are several times slower).

use std::ffi::OsString;
use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use pierre_authd::vault::crypto::{self, Aad, SealKey, user_key_info};
use pierre_authd::vault::{ConnectionRecord, KeyConfig, SecretField, SqliteStore, Store, StoreOptions};
use pierre_shared::Secret;
use pierre_shared::paths::Paths;
use pierre_shared::protocol::ConnectionState;
use zeroize::Zeroizing;

/// Runs `op` `n` times and prints the mean.
fn measure(label: &str, n: u32, mut op: impl FnMut(u32)) -> Duration {
    // One warm-up round (caches, lazy statics).
    op(0);
    let start = Instant::now();
    for i in 0..n {
        op(i);
    }
    let per_op = start.elapsed() / n;
    println!("{label:<44} {:>10} ns/op  ({n} runs)", per_op.as_nanos());
    per_op
}

fn record(connection_id: String) -> ConnectionRecord {
    ConnectionRecord {
        provider: "strava".into(),
        state: ConnectionState::Connected,
        connection_id,
        account_id: Some("athlete-1".into()),
        connected_at: 1_700_000_000,
        expires_at: Some(1_700_021_600),
        scopes: Some("read,activity:read_all".into()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = [0x5au8; 64];
    let key = SealKey::from_bytes(&Zeroizing::new([7u8; 32]));
    let aad = Aad::user_secret("6f1c2d3e-0000-4000-8000-000000000000", "strava", SecretField::AccessToken);
    let blob = crypto::seal(&key, &aad, &token)?;

    println!("vault cost per secret (64-byte token)");
    measure("seal (AES-256-GCM, random nonce)", 200_000, |_| {
        black_box(crypto::seal(&key, &aad, black_box(&token)).expect("seal"));
    });
    measure("open (AES-256-GCM)", 200_000, |_| {
        black_box(crypto::open(&key, &aad, black_box(&blob)).expect("open"));
    });
    measure("derive a user key (HKDF-SHA256)", 100_000, |i| {
        black_box(SealKey::derive(&[9u8; 32], b"salt", &user_key_info(&i.to_string())));
    });

    let home = tempfile::tempdir()?;
    let paths = Paths::under_home(home.path());
    // The file backend: no keyring, no environment.
    let keys = KeyConfig::from_env(|_: &str| None::<OsString>);
    let options = StoreOptions { vault_cache_capacity: NonZeroUsize::new(1).expect("1") };
    let store = SqliteStore::open_with(&paths, &keys, options)?;
    let alice = store.add_user("alice", true)?.user_id;
    let bob = store.add_user("bob", false)?.user_id;
    let secrets = |i: u32| {
        let access = Secret::new(format!("{i:064}").into_bytes());
        let refresh = Secret::new(format!("r{i:063}").into_bytes());
        [(SecretField::AccessToken, access), (SecretField::RefreshToken, refresh)]
    };
    store.put_connection(&bob, &record("c0".into()), &secrets(0))?;

    measure("put_connection, 2 secrets (fsync'd commit)", 300, |i| {
        store.put_connection(&alice, &record(format!("c{i}")), &secrets(i)).expect("put");
    });
    measure("get_secret, vault open (LRU hit)", 50_000, |_| {
        black_box(store.get_secret(&alice, "strava", SecretField::AccessToken).expect("get"));
    });
    // Capacity 1: alternating users evicts and reopens a vault every call.
    measure("get_secret, vault reopened (LRU miss)", 2_000, |i| {
        let user = if i % 2 == 0 { &bob } else { &alice };
        black_box(store.get_secret(user, "strava", SecretField::AccessToken).expect("get"));
    });
    Ok(())
}
