//! **Client-side scanning.** Today's demands for exceptional access rarely
//! ask for Clipper's escrow: they ask for content to be matched on the
//! device before it is encrypted — Apple's NeuralHash design (August 2021),
//! the EU's proposed CSA Regulation ("chat control"), the UK Online Safety
//! Act's power to require "accredited technology" (2023). The scanner is
//! one more layer on the clean sealer ([`scanning::client`]): the envelope
//! on the wire is the clean one plus a safety voucher.
//!
//! Four parts, each a function returning a report:
//!
//! * [`collisions`]: an innocent scene made to carry the hash of a listed
//!   protest poster, for the DCT pHash and the NeuralHash-shaped hash, over
//!   several seeds; the collided scene, sent through the scanning client,
//!   makes a voucher the provider opens as a match;
//! * [`evasion()`]: the smallest crop, rotation, re-encoding or noise that
//!   takes a listed picture out of the matcher's reach;
//! * [`false_flags()`]: the false-match rate measured on the generated corpus
//!   at the deployed thresholds, and what it means for a population;
//! * [`function_creep::run`]: the provider adds a protest poster to the
//!   blinded list; clients cannot tell, and its senders are flagged and
//!   read once over the threshold — the list is the backdoor.
//!
//! [`scanning::client`]: crate::scanning::client

pub mod function_creep;

use doormat::e2e;
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};

use crate::scanning::client::ScanningClient;
use crate::scanning::collision::{self, CollisionConfig, CollisionReport, GradientTuning};
use crate::scanning::evasion::{self, EvasionConfig, EvasionReport};
use crate::scanning::false_flags::{self, FalseFlagConfig, MeasuredRate, PopulationReport};
use crate::scanning::matcher::{Matcher, PHasher};
use crate::scanning::neuralhash::NeuralHasher;
use crate::scanning::provider::Provider;
use crate::scanning::raster::png_bytes;
use crate::scanning::voucher::{Account, APPLE_THRESHOLD};
use crate::Result;

/// The collision searches, both hashes.
#[derive(Clone, Debug)]
pub struct Collisions {
    /// pHash: closed form through its linear stages.
    pub phash: CollisionReport,
    /// NeuralHash-shaped: gradient descent through the network.
    pub neuralhash: CollisionReport,
    /// NeuralHash-shaped collisions that, sent as PNG through the scanning
    /// client with the poster listed, made a voucher the provider opened.
    pub vouchers_opened: usize,
    /// The same scenes unmodified: vouchers the provider opened (none).
    pub originals_opened: usize,
}

/// Runs both collision searches, then sends every NeuralHash-shaped
/// collision and its original through a scanning client whose list holds
/// the targeted posters.
///
/// # Errors
///
/// Sealing errors.
pub fn collisions(phash: &CollisionConfig, neuralhash: &CollisionConfig) -> Result<Collisions> {
    let hasher = NeuralHasher::default();
    let p = collision::run_phash(phash);
    let n = collision::run_neuralhash(&hasher, neuralhash, &GradientTuning::default());
    let mut provider = Provider::new(neuralhash.seed);
    for o in &n.outcomes {
        provider.list(hasher.hash(&o.target).0);
    }
    let list = provider.publish();
    let mut rng = SeededRng::from_seed(blake3::derive_key(
        "doormat css collisions",
        &neuralhash.seed.to_le_bytes(),
    ));
    let sender = Identity::generate_with(&mut rng)?;
    let recipient = Identity::generate_with(&mut rng)?.public();
    let mut client = ScanningClient::new(&list, &hasher, Account::new(APPLE_THRESHOLD, [7; 32])?);
    let (mut vouchers_opened, mut originals_opened) = (0, 0);
    for (i, o) in n.outcomes.iter().enumerate() {
        for (img, count) in [
            (&o.collided, &mut vouchers_opened),
            (&o.original, &mut originals_opened),
        ] {
            let png = png_bytes(img);
            let voucher = client.for_message(&png)?;
            let envelope = e2e::Sealer::new(&sender, std::slice::from_ref(&recipient))
                .layer(voucher)
                .rng(&mut rng)
                .seal(&png)?;
            *count += usize::from(provider.receive(&sender.public().fingerprint(), i, &envelope));
        }
    }
    Ok(Collisions {
        phash: p,
        neuralhash: n,
        vouchers_opened,
        originals_opened,
    })
}

/// Evasion against the deployed matchers: pHash at ≤ 8 of 64 bits, the
/// NeuralHash-shaped hash at exact equality (Apple's rule).
pub fn evasion(cfg: &EvasionConfig) -> EvasionReport {
    let (ph, nh) = (PHasher, NeuralHasher::default());
    evasion::run(
        cfg,
        &[
            Matcher::phash_deployed(&ph),
            Matcher::neuralhash_deployed(&nh),
        ],
    )
}

/// False matches, measured and projected.
#[derive(Clone, Debug)]
pub struct FalseFlags {
    /// Measured on the generated corpus: pHash (deployed), NeuralHash-shaped
    /// (deployed, exact), NeuralHash-shaped with 8 bits of slack.
    pub measured: Vec<MeasuredRate>,
    /// The population scenarios of
    /// [`default_scenarios`](crate::scanning::false_flags::default_scenarios),
    /// the last fed with the measured pHash rate.
    pub population: Vec<PopulationReport>,
}

/// Measures false matches on the corpus of `cfg` and evaluates the
/// population model (binomial: see [`crate::scanning::false_flags`]).
pub fn false_flags(cfg: &FalseFlagConfig) -> FalseFlags {
    let (ph, nh) = (PHasher, NeuralHasher::default());
    let measured = false_flags::measure(
        cfg,
        &[
            Matcher::phash_deployed(&ph),
            Matcher::neuralhash_deployed(&nh),
            Matcher::neuralhash_tolerant(&nh),
        ],
    );
    let population = false_flags::default_scenarios(measured[0].rate)
        .iter()
        .map(false_flags::PopulationModel::evaluate)
        .collect();
    FalseFlags {
        measured,
        population,
    }
}
