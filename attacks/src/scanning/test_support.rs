//! Test-only helpers.

use proptest::test_runner::{Config, RngSeed};

/// A proptest configuration with `cases` cases drawn from a fixed seed, so
/// property tests are as reproducible as everything else (no OS
/// randomness), and no regression files are written.
pub(crate) fn proptest_config(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x5CA9_2021),
        failure_persistence: None,
        ..Config::default()
    }
}
