//! The end-to-end suite: the real binaries (`pierre-authd`, `pierre-mcp`, `fake-provider`)
//! started from tests, one module per area. One test binary rather than one per file, so
//! `common` (the shared plumbing) is compiled and linked once. Run one area with
//! `cargo test --test e2e <module>::`, e.g. `cargo test --test e2e isolation::`.

mod common;

mod acting_user;
mod athlete_settings;
mod auth_server;
mod cli_edges;
mod cli_snapshots;
mod daemon_lifecycle;
mod daemon_socket;
mod doctor;
mod examples;
mod fake_provider;
mod garmin_import;
mod garmin_legacy;
mod garmin_refresh;
mod hostile_input;
mod isolation;
mod mcp_cli_edges;
mod one_daemon;
mod one_training_load;
mod plumbing;
mod process_attacks;
mod provider_connect;
mod provider_data;
mod rate_limits;
mod refresh_faults;
mod secret_sweep;
mod serve_http;
mod settings_in_analysis;
mod soak;
mod token_lifecycle;
mod vault_attacks;
