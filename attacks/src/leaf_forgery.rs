//! **LEAF forgery.** A sender who wants to evade escrow, but must get past
//! a compliant recipient, searches random access fields against a compliant
//! client until one is accepted. Under the 1993 standard's 16-bit checksum
//! ([`LeafCheck::Clipper16`]) that takes about 2^16 tries; the recipient's
//! client then reads the envelope normally, while the authority's open
//! fails: the "access field" wraps nothing. Under [`LeafCheck::Recompute`]
//! the same search finds nothing within 2^20 tries — the check binds the
//! whole field — though that does not stop superencryption.
//!
//! The forger works through the envelope's extension point only: a
//! [`Layer`] that, while sealing, asks a compliant client's check
//! ([`Compliance::field_oracle`]) about candidate fields, as Blaze asked
//! his Tessera card.

use core::cell::Cell;
use std::time::{Duration, Instant};

use super::world::{UserId, World};
use crate::{Error, Result};
use doormat::e2e::{self, Layer, LayerError, Sealing};
use doormat::escrow::{self, Compliance, LeafCheck, LEAF_EXTENSION, LEAF_LEN, PQ_LEAF_LEN};
use doormat::hazmat::escrow::field_oracle;
use doormat::keys::Kem;
use doormat::random::{Rng, SeedableRng, SeededRng};

/// The forger's layer: random fields naming the authority, until the
/// compliant client says yes or `bound` tries are spent.
struct Forger<'c> {
    client: &'c Compliance,
    named_key: Vec<u8>,
    field_len: usize,
    bound: u64,
    seed: [u8; 32],
    tries: Cell<u64>,
}

impl core::fmt::Debug for Forger<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Forger")
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

impl Layer for Forger<'_> {
    fn extensions(
        &self,
        sealing: &Sealing<'_>,
    ) -> core::result::Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let oracle = field_oracle(self.client, sealing);
        let mut rng = SeededRng::from_seed(self.seed);
        let mut field = vec![0u8; self.field_len];
        // The field names the authority, so a pinned client does not refuse
        // it by name; everything else is random.
        let named = self.named_key.len();
        field[..named].copy_from_slice(&self.named_key);
        for tries in 1..=self.bound {
            rng.fill_bytes(&mut field[named..]);
            if oracle.accepts(&field) {
                self.tries.set(tries);
                return Ok(vec![(LEAF_EXTENSION, field.to_vec())]);
            }
        }
        self.tries.set(self.bound);
        Err(Box::new(NotFound))
    }
}

/// The forger's layer gave up: no field in its bound passed the check.
#[derive(Debug)]
struct NotFound;

impl core::fmt::Display for NotFound {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no access field the client accepts within the bound")
    }
}

impl std::error::Error for NotFound {}

/// One search.
#[derive(Clone, Copy, Debug)]
pub struct Search {
    /// The policy of the compliant client searched against.
    pub policy: LeafCheck,
    /// Tries made.
    pub tries: u64,
    /// Whether a field was accepted within the bound.
    pub found: bool,
    /// Time the search took.
    pub elapsed: Duration,
    /// With a forged field: the recipient's compliant client read the
    /// envelope (true plaintext and sender).
    pub recipient_read: bool,
    /// With a forged field: the authority's open failed.
    pub authority_locked_out: bool,
    /// With a forged field: a `Recompute` client refused it.
    pub recompute_client_refuses: bool,
}

/// Both searches.
#[derive(Clone, Copy, Debug)]
pub struct Report {
    /// Against a `Clipper16` client.
    pub clipper16: Search,
    /// Against a `Recompute` client, within the bound.
    pub recompute: Search,
}

/// The scenario: who forges, to whom, and how long to search under
/// `Recompute`.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// The sender who forges.
    pub forger: UserId,
    /// The recipient, whose client complies.
    pub recipient: UserId,
    /// Tries allowed against `Recompute` (2^20 in the lesson).
    pub recompute_bound: u64,
}

/// Runs the search against each policy.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for unknown users; sealing errors other than
/// an unsuccessful search.
pub fn run(world: &mut World, params: Params) -> Result<Report> {
    if params.forger >= world.users().len() || params.recipient >= world.users().len() {
        return Err(Error::InvalidArgument("no such user"));
    }
    let clipper16 = search(world, params, LeafCheck::Clipper16, 1 << 24)?;
    let recompute = search(world, params, LeafCheck::Recompute, params.recompute_bound)?;
    Ok(Report {
        clipper16,
        recompute,
    })
}

fn search(world: &mut World, params: Params, policy: LeafCheck, bound: u64) -> Result<Search> {
    let key = world.escrow_key();
    let client = Compliance::pinned(&key).policy(policy);
    let mut seed = [0u8; 32];
    world.rng().fill_bytes(&mut seed);
    let forger = Forger {
        client: &client,
        named_key: key.public_key().as_bytes().to_vec(),
        field_len: match key.kem() {
            Kem::X25519 => LEAF_LEN,
            Kem::XWing => PQ_LEAF_LEN,
        },
        bound,
        seed,
        tries: Cell::new(0),
    };
    let message = b"nothing for the authority in this one";
    let to = [world.user(params.recipient).public()];
    let started = Instant::now();
    let sealed = e2e::Sealer::new(world.user(params.forger).identity(), &to)
        .layer(&forger)
        .seal(message);
    let elapsed = started.elapsed();
    let tries = forger.tries.get();
    let envelope = match sealed {
        Ok(envelope) => envelope,
        Err(e) if e.layer::<NotFound>().is_some() => {
            return Ok(Search {
                policy,
                tries,
                found: false,
                elapsed,
                recipient_read: false,
                authority_locked_out: false,
                recompute_client_refuses: false,
            })
        }
        Err(e) => return Err(e.into()),
    };
    // Delivered: the recipient's client (same policy, same authority) reads
    // it; the authority cannot.
    let reader = e2e::Opener::new(world.user(params.recipient).identity())
        .layer(Compliance::pinned(&key).policy(policy));
    let read = reader.open(&envelope);
    let recipient_read = read.as_ref().is_ok_and(|o| {
        o.plaintext() == message && o.sender() == &world.user(params.forger).public()
    });
    let authority_locked_out = world.authority().open(&envelope).is_err();
    let recompute_client_refuses =
        escrow::open(world.user(params.recipient).identity(), &key, &envelope).is_err();
    Ok(Search {
        policy,
        tries,
        found: true,
        elapsed,
        recipient_read,
        authority_locked_out,
        recompute_client_refuses,
    })
}
