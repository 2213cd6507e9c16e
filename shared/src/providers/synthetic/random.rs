//! Seeded randomness shared by the synthetic generators.
//!
//! Every draw comes from a stream named by `(seed, salt, n)`, so a day, a
//! week or a night always gets the same numbers whatever else was drawn
//! before it. That is what makes a day look the same whatever the clock
//! says, and what lets `detail` re-plan one day without replaying the year.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// SplitMix64: turns (seed, salt, n) into a well-mixed 64-bit value.
pub(super) fn mix(seed: u64, salt: u64, n: i64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream for `(seed, salt, n)`.
pub(super) fn rng_for(seed: u64, salt: u64, n: i64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed, salt, n))
}
