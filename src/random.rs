//! Where every random byte comes from.
//!
//! Each operation that draws randomness — a content key, an HPKE ephemeral
//! key, a new [`Identity`](crate::keys::Identity), [`hpke::PrivateKey`](crate::hpke::PrivateKey)
//! or [`EscrowAuthority`](crate::escrow::EscrowAuthority), the coefficients of
//! a key split — can take a caller's generator: anything implementing
//! `rand_core` 0.10's [`TryCryptoRng`] (the major x25519-dalek and x-wing use, so one
//! `rand_core` is compiled). Without one, doormat uses [`SystemRng`], the
//! operating system's generator. This module is the only place that reaches
//! the operating system's generator.
//!
//! [`SeededRng`] is a deterministic generator: the same seed gives the same
//! bytes, so a test or a simulation replays exactly, and an envelope sealed
//! with it is reproducible byte for byte.
//!
//! ```
//! use doormat::{e2e, keys::Identity, random::SeededRng};
//! use doormat::random::SeedableRng;
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
//! operation fail with its layer's `RandomFailed` error (made from
//! [`RandomFailed`]); doormat never panics on it,
//! except in the documented convenience constructors without a generator
//! argument, which have nowhere to report it: `Identity::generate` and
//! `generate_post_quantum`, `hpke::PrivateKey::generate`, `EscrowAuthority::generate` and
//! `generate_post_quantum`, `FamilyKey::generate`, `session::Prekeys::generate`,
//! and the process's default
//! family key (`FamilyKey::default`), drawn from the operating system once,
//! on first use — so the first escrow call in a process that relies on it
//! (`escrow::seal`, `open`, `sealer`, `opener`, `session_client`,
//! `AccessField::to`, `Compliance::pinned` or `unpinned`) panics if the
//! operating system
//! cannot supply 32 bytes; once drawn, they never panic on randomness.

use core::fmt;

use rand_core::utils::next_word_via_fill;
pub use rand_core::{CryptoRng, Rng, SeedableRng, TryCryptoRng, TryRng};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroize;

/// The operating system's generator (through `ring::rand::SystemRandom`),
/// the default wherever a generator is not given. It can fail, so it is a
/// [`TryCryptoRng`], not a [`CryptoRng`]: doormat reports the failure.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRng;

impl TryRng for SystemRng {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, RandomFailed> {
        next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomFailed> {
        next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandomFailed> {
        SystemRandom::new().fill(dest).map_err(|_| RandomFailed)
    }
}

impl TryCryptoRng for SystemRng {}

/// A generator failed to supply bytes: the operating system's, or one the
/// caller gave. Every layer's error has a `RandomFailed` variant made from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RandomFailed;

impl fmt::Display for RandomFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the random number generator failed")
    }
}

impl std::error::Error for RandomFailed {}

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

impl TryRng for SeededRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

impl TryCryptoRng for SeededRng {}

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

/// Fills `buf` from `rng`: the one way doormat draws random bytes.
///
/// # Errors
///
/// [`RandomFailed`] if the generator fails.
pub(crate) fn fill<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    buf: &mut [u8],
) -> Result<(), RandomFailed> {
    rng.try_fill_bytes(buf).map_err(|_| RandomFailed)
}

/// A generator with its error type erased, so a builder can hold any
/// caller's generator behind one `&mut dyn Generator`.
pub(crate) trait Generator {
    /// [`fill`], through a trait object.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomFailed>;
}

impl<R: TryCryptoRng + ?Sized> Generator for R {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomFailed> {
        fill(self, buf)
    }
}

/// A [`Generator`] as a [`TryCryptoRng`] again, for the functions that take one.
pub(crate) struct Erased<'g>(pub(crate) &'g mut dyn Generator);

impl TryRng for Erased<'_> {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, RandomFailed> {
        next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomFailed> {
        next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandomFailed> {
        self.0.fill(dest)
    }
}

impl TryCryptoRng for Erased<'_> {}

/// Bytes drawn earlier, handed out once in order: lets a caller draw every
/// random byte of an operation up front (in a documented order) and run the
/// draws' consumers later, on other threads, through the same code as a live
/// generator. Running dry is a failure, never a repeat.
pub(crate) struct Drawn<'b>(&'b [u8]);

impl<'b> Drawn<'b> {
    pub(crate) fn new(bytes: &'b [u8]) -> Drawn<'b> {
        Drawn(bytes)
    }
}

impl TryRng for Drawn<'_> {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, RandomFailed> {
        next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomFailed> {
        next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandomFailed> {
        if dest.len() > self.0.len() {
            return Err(RandomFailed);
        }
        let (now, rest) = self.0.split_at(dest.len());
        dest.copy_from_slice(now);
        self.0 = rest;
        Ok(())
    }
}

impl TryCryptoRng for Drawn<'_> {}

/// A process-wide panic for the convenience constructors that have nowhere
/// to report a failed operating-system generator.
pub(crate) const OS_RNG_FAILED: &str = "the operating system's random number generator failed";
