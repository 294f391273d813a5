//! **Export-grade keys.** A "weakened only for the state" client whose
//! content key carries only `w` bits of entropy — as the 1990s export rules
//! capped keys at 40 bits. Nothing else changes: the envelope is valid, the
//! recipient reads it, the signature verifies. But anyone, not only the
//! state, can try every one of the `2^w` keys. This module does, on all
//! cores, and measures the rate; the example extrapolates it.
//!
//! The weakening is honest code on the randomness hook: a generator whose
//! first draw — the content key — is derived from a `w`-bit secret.

use std::time::{Duration, Instant};

use super::world::{Mode, UserId, World};
use super::KnownContentKey;
use crate::{Error, Result};
use doormat::e2e;
use doormat::random::{Rng, SeedableRng, SeededRng, TryCryptoRng, TryRng};

/// The derivation of a weakened content key from its `w`-bit secret.
const WEAK_KEY: &str = "doormat export-grade content key v1";

/// The content key a weakened client derives from `secret` (`bits` wide).
pub fn weak_key(bits: u32, secret: u64) -> [u8; 32] {
    let material = [bits.to_be_bytes().as_slice(), &secret.to_be_bytes()].concat();
    blake3::derive_key(WEAK_KEY, &material)
}

/// The weakened client's generator: its first 32-byte draw (the content
/// key) comes from a `bits`-wide secret; every later draw is honest.
pub struct ExportGradeRng {
    bits: u32,
    secret: u64,
    weakened: bool,
    honest: SeededRng,
}

impl core::fmt::Debug for ExportGradeRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ExportGradeRng({} bits, [redacted])", self.bits)
    }
}

impl ExportGradeRng {
    /// A generator whose content key has `bits` bits of entropy (1..=63),
    /// drawn from `honest`; the rest of its output is `honest`'s.
    pub fn new(bits: u32, mut honest: SeededRng) -> ExportGradeRng {
        let secret = honest.next_u64() & ((1u64 << bits) - 1);
        ExportGradeRng {
            bits,
            secret,
            weakened: false,
            honest,
        }
    }
}

impl TryRng for ExportGradeRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
        self.honest.try_next_u32()
    }

    fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
        self.honest.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), Self::Error> {
        if !self.weakened && dest.len() == 32 {
            self.weakened = true;
            dest.copy_from_slice(&weak_key(self.bits, self.secret));
            return Ok(());
        }
        self.honest.try_fill_bytes(dest)
    }
}

/// The weakening is deliberate, and public: "cryptographically secure" it is not.
impl TryCryptoRng for ExportGradeRng {}

/// One brute force.
#[derive(Clone, Copy, Debug)]
pub struct Width {
    /// Entropy of the content key, in bits.
    pub bits: u32,
    /// Candidate keys tried before the right one was found.
    pub tried: u64,
    /// Whether the search found the key and opened the envelope.
    pub opened: bool,
    /// Time the search took.
    pub elapsed: Duration,
    /// Candidates tried per second, all cores.
    pub keys_per_second: f64,
}

/// The searches.
#[derive(Clone, Debug)]
pub struct Report {
    /// One per width, in order.
    pub widths: Vec<Width>,
    /// Whether the recipient read every weakened envelope normally.
    pub recipient_read_all: bool,
}

/// The scenario.
#[derive(Clone, Debug)]
pub struct Params {
    /// Who seals with the weakened client.
    pub sender: UserId,
    /// Who receives.
    pub recipient: UserId,
    /// Entropy widths to break, in bits (each 1..=40).
    pub widths: Vec<u32>,
}

/// Seals one envelope per width with a weakened client and brute-forces its
/// content key on all cores. `progress(bits, tried)` is called now and then
/// during each search.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a width outside 1..=40, an escrowed world
/// or unknown users; sealing errors.
pub fn run(
    world: &mut World,
    params: &Params,
    progress: &(dyn Fn(u32, u64) + Sync),
) -> Result<Report> {
    let n = world.users().len();
    if world.mode() != Mode::EndToEnd
        || params.sender >= n
        || params.recipient >= n
        || params.widths.iter().any(|&w| !(1..=40).contains(&w))
    {
        return Err(Error::InvalidArgument("export-grade parameters"));
    }
    let mut report = Report {
        widths: Vec::new(),
        recipient_read_all: true,
    };
    for &bits in &params.widths {
        let mut seed = [0u8; 32];
        world.rng().fill_bytes(&mut seed);
        let mut weak = ExportGradeRng::new(bits, SeededRng::from_seed(seed));
        let text = format!("weakened for the state only ({bits}-bit content key)");
        let to = [world.user(params.recipient).public()];
        let envelope = e2e::Sealer::new(world.user(params.sender).identity(), &to)
            .rng(&mut weak)
            .seal(text.as_bytes())?;
        let id = world.relay(
            params.sender,
            &[params.recipient],
            text.as_bytes(),
            envelope.clone(),
        );
        report.recipient_read_all &= world.is_true_read(
            id,
            &e2e::open(world.user(params.recipient).identity(), &envelope),
        );

        let started = Instant::now();
        let found = search(bits, &envelope, progress);
        let elapsed = started.elapsed();
        let opened = found.is_some_and(|secret| {
            let key = KnownContentKey(weak_key(bits, secret));
            world.is_true_read(id, &e2e::Opener::unlocked_by(key).open(&envelope))
        });
        let tried = found.map_or(1u64 << bits, |s| s + 1);
        report.widths.push(Width {
            bits,
            tried,
            opened,
            elapsed,
            keys_per_second: tried as f64 / elapsed.as_secs_f64().max(1e-9),
        });
    }
    Ok(report)
}

/// Tries candidates in order, in blocks spread over all cores; returns the
/// secret whose key opens the envelope.
fn search(bits: u32, envelope: &[u8], progress: &(dyn Fn(u32, u64) + Sync)) -> Option<u64> {
    const BLOCK: u64 = 1 << 14;
    let total = 1u64 << bits;
    let opens = |secret: u64| {
        e2e::Opener::unlocked_by(KnownContentKey(weak_key(bits, secret)))
            .open(envelope)
            .is_ok()
    };
    let mut start = 0;
    while start < total {
        let end = (start + 16 * BLOCK).min(total);
        let hit = {
            use rayon::prelude::*;
            (start..end).into_par_iter().find_first(|&s| opens(s))
        };
        if hit.is_some() {
            progress(bits, hit.map_or(end, |s| s + 1));
            return hit;
        }
        progress(bits, end);
        start = end;
    }
    None
}
