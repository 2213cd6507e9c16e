//! Root package: owns tests/ and the test-only strict fake provider
//! ([`fake`], run by `src/bin/fake-provider.rs`).

pub mod fake;
