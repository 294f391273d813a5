//! Where every random byte comes from.
//!
//! Each operation that draws randomness — a content key, an HPKE ephemeral
//! key, a new [`Identity`](crate::keys::Identity), [`hpke::PrivateKey`](crate::hpke::PrivateKey)
//! or [`EscrowAuthority`](crate::escrow::EscrowAuthority), the coefficients of
//! a key split — can take a caller's generator: anything implementing
//! `rand_core` 0.6's [`RngCore`] + [`CryptoRng`] (the traits x25519-dalek and
//! most of the ecosystem use). Without one, doormat uses [`SystemRng`], the
//! operating system's generator. This module is the only place that reaches
//! the operating system's generator.
//!
//! [`SeededRng`] is a deterministic generator: the same seed gives the same
//! bytes, so a test or a simulation replays exactly, and an envelope sealed
//! with it is reproducible byte for byte.
//!
//! ```
//! use doormat::{e2e, keys::Identity, random::SeededRng};
//! use rand_core::SeedableRng;
//!
//! let seal_once = || -> doormat::Result<Vec<u8>> {
//!     let mut rng = SeededRng::from_seed([7; 32]);
//!     let alice = Identity::generate_with(&mut rng)?;
//!     let bob = Identity::generate_with(&mut rng)?;
//!     let envelope = e2e::Sealer::new(&alice, &[bob.public()]).rng(&mut rng).seal(b"replay me")?;
//!     Ok(envelope)
//! };
//! assert_eq!(seal_once()?, seal_once()?);
//! # Ok::<(), doormat::Error>(())
//! ```
//!
//! # Failure policy
//!
//! A generator that fails (`try_fill_bytes` returns an error) makes the
//! operation fail with [`Error::RandomFailed`]; doormat never panics on it,
//! except in the documented convenience constructors without a generator
//! argument, which have nowhere to report it: `Identity::generate` and
//! `generate_post_quantum`, `hpke::PrivateKey::generate`,
//! `hpke::xwing::PrivateKey::generate`, `EscrowAuthority::generate` and
//! `generate_post_quantum`, `FamilyKey::generate`, and the process's default
//! family key (`FamilyKey::default`), drawn from the operating system once,
//! on first use — so the first escrow call in a process that relies on it
//! (`escrow::seal`, `open`, `sealer`, `opener`, `AccessField::to`,
//! `Compliance::pinned` or `unpinned`) panics if the operating system
//! cannot supply 32 bytes; once drawn, they never panic on randomness.

use core::fmt;
use core::num::NonZeroU32;

pub use rand_core::{CryptoRng, CryptoRngCore, RngCore, SeedableRng};
use ring::agreement::{EphemeralPrivateKey, X25519};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroize;

use crate::{Error, Result};

/// The operating system's generator (through `ring::rand::SystemRandom`),
/// the default wherever a generator is not given.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRng;

impl RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    /// # Panics
    ///
    /// If the operating system cannot supply randomness (the trait's
    /// infallible method has nowhere to report it). doormat itself only calls
    /// [`RngCore::try_fill_bytes`].
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.try_fill_bytes(dest)
            .expect("the operating system's random number generator failed");
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        SystemRandom::new().fill(dest).map_err(|_| {
            rand_core::Error::from(
                NonZeroU32::new(rand_core::Error::CUSTOM_START).expect("a nonzero code"),
            )
        })
    }
}

impl CryptoRng for SystemRng {}

/// A deterministic generator: BLAKE3 in extendable-output mode, keyed by a
/// 32-byte seed, read as one endless stream.
///
/// With a secret, uniformly random seed it is a sound cryptographic
/// generator (BLAKE3's keyed XOF is a PRF). With a public seed — a test's
/// constant, a simulation's run number — everything it generates is public:
/// that is what makes runs replayable, and what makes such keys worthless for
/// protecting anything.
///
/// The stream is wiped when the generator is dropped; `Debug` shows nothing of it.
pub struct SeededRng(blake3::OutputReader);

impl SeededRng {
    /// The domain label keyed by the seed, so a [`SeededRng`] stream never
    /// equals another use of BLAKE3 under the same key.
    const LABEL: &'static [u8] = b"doormat seeded generator v1";
}

impl SeedableRng for SeededRng {
    type Seed = [u8; 32];

    fn from_seed(seed: [u8; 32]) -> SeededRng {
        let mut hasher = blake3::Hasher::new_keyed(&seed);
        hasher.update(SeededRng::LABEL);
        let reader = hasher.finalize_xof();
        hasher.zeroize();
        SeededRng(reader)
    }
}

impl RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

impl CryptoRng for SeededRng {}

impl Drop for SeededRng {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SeededRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededRng([redacted])")
    }
}

/// Fills `buf` from `rng`, reporting a failure as [`Error::RandomFailed`]:
/// the one way doormat draws random bytes.
pub(crate) fn fill<R: CryptoRngCore + ?Sized>(rng: &mut R, buf: &mut [u8]) -> Result<()> {
    rng.try_fill_bytes(buf).map_err(|_| Error::RandomFailed)
}

/// A fresh X25519 ephemeral key from the operating system's generator, held
/// by ring. Sealing draws one per HPKE stanza, and ring's key generation and
/// Diffie-Hellman take about 15 % less time than x25519-dalek's here (README,
/// "Benchmarks"). ring consumes the key in its one DH and does not wipe it
/// (see the crate docs). Only used where no caller's generator is given: a
/// caller's generator gives x25519-dalek its 32 bytes instead, so seeded
/// runs replay byte for byte.
pub(crate) fn x25519_ephemeral() -> Result<EphemeralPrivateKey> {
    EphemeralPrivateKey::generate(&X25519, &SystemRandom::new()).map_err(|_| Error::RandomFailed)
}
