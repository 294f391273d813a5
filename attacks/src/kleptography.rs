//! **Kleptography.** A backdoored random-number generator in the sender's
//! client (a SETUP, after Young and Yung): each envelope's randomness is
//! derived from a Diffie-Hellman between the previous envelope's ephemeral
//! key and the backdoor's public constant `Y`. The envelopes are ordinary,
//! valid end-to-end envelopes that pass every check; yet whoever holds the
//! secret behind `Y` computes the same Diffie-Hellman from the previous
//! envelope's *public* ephemeral key (a stanza's `enc`), and with it every
//! next envelope's content key. Replace the constant — as someone replaced
//! Juniper's Dual_EC `Q` in 2012 — and the power moves to the new holder.
//!
//! A teaching simplification of Young and Yung's SETUP:
//! `seed_{i+1} = H(Y^{e_i})` where `e_i` is envelope `i`'s first ephemeral
//! scalar, with X25519 for the group and BLAKE3 for `H`.

use super::world::{Mode, UserId, World};
use super::KnownContentKey;
use crate::{Error, Result};
use doormat::e2e::{self, Header};
use doormat::hazmat::e2e::stanza_enc;
use doormat::hpke::{PrivateKey, PublicKey, X25519};
use doormat::random::{Rng, SeedableRng, SeededRng};

/// The label of the SETUP's hash.
const KLEPTOGRAM: &str = "doormat kleptography seed v1";

/// A client whose generator carries the backdoor.
pub struct BackdooredClient {
    constant: PublicKey<X25519>,
    next_seed: [u8; 32],
}

impl core::fmt::Debug for BackdooredClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "BackdooredClient({:?}, [redacted])", self.constant)
    }
}

impl BackdooredClient {
    /// A client with the backdoor constant `constant` and an honest first seed.
    pub fn new(constant: PublicKey<X25519>, first_seed: [u8; 32]) -> BackdooredClient {
        BackdooredClient {
            constant,
            next_seed: first_seed,
        }
    }

    /// Replaces the constant, as an update — or an intruder — would.
    pub fn replace_constant(&mut self, constant: PublicKey<X25519>) {
        self.constant = constant;
    }

    /// The generator for the next envelope (its content key, then its
    /// ephemeral keys), and the SETUP step: the seed of the envelope after
    /// it, `H(X25519(e, Y))` with `e` that envelope's first ephemeral key.
    ///
    /// # Errors
    ///
    /// [`Error::Doormat`] with `hpke::Error::ZeroSharedSecret` for a low-order constant.
    pub fn next_generator(&mut self) -> Result<SeededRng> {
        let seed = self.next_seed;
        let mut replay = SeededRng::from_seed(seed);
        let mut content_key = [0u8; 32];
        replay.fill_bytes(&mut content_key);
        let first_ephemeral = PrivateKey::<X25519>::generate_with(&mut replay)?;
        let shared = first_ephemeral.dh(&self.constant)?;
        self.next_seed = blake3::derive_key(KLEPTOGRAM, shared.as_ref());
        Ok(SeededRng::from_seed(seed))
    }
}

/// What the backdoor holder computes from an envelope's public bytes: the
/// content key of the next envelope from the same client.
///
/// # Errors
///
/// Errors from parsing the header or the Diffie-Hellman.
pub fn next_content_key(backdoor: &PrivateKey<X25519>, envelope: &[u8]) -> Result<[u8; 32]> {
    let header = Header::parse(envelope)?;
    let enc = stanza_enc(&header, 0).ok_or(Error::InvalidArgument("an envelope with no stanza"))?;
    let shared = backdoor.dh(&PublicKey::from_bytes(enc)?)?;
    let mut next = SeededRng::from_seed(blake3::derive_key(KLEPTOGRAM, shared.as_ref()));
    let mut key = [0u8; 32];
    next.fill_bytes(&mut key);
    Ok(key)
}

/// The scenario.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// The sender with the backdoored client.
    pub sender: UserId,
    /// The recipient.
    pub recipient: UserId,
    /// Envelopes sent.
    pub messages: usize,
    /// After this many envelopes, a second party replaces the constant.
    pub replaced_after: usize,
}

/// Who read what.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    /// Envelopes sent.
    pub sent: usize,
    /// Read by the recipient (every one: they are valid envelopes).
    pub recipient_read: usize,
    /// Envelopes exactly as long as an honest client's for the same message.
    pub same_length_as_honest: usize,
    /// Read by the original backdoor holder, from public bytes only.
    pub original_holder_read: usize,
    /// Read by whoever replaced the constant.
    pub replacer_read: usize,
    /// Envelopes sealed after the replacement took effect.
    pub after_replacement: usize,
    /// Of those, read by the original holder.
    pub original_holder_read_after: usize,
}

/// Runs the scenario in an end-to-end world.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an escrowed world or unknown users;
/// sealing errors.
pub fn run(world: &mut World, params: Params) -> Result<Report> {
    let n = world.users().len();
    if world.mode() != Mode::EndToEnd
        || params.sender >= n
        || params.recipient >= n
        || params.sender == params.recipient
    {
        return Err(Error::InvalidArgument(
            "needs an end-to-end world and two users",
        ));
    }
    let mut draw = || {
        let mut seed = [0u8; 32];
        world.rng().fill_bytes(&mut seed);
        seed
    };
    let vendor = PrivateKey::generate_with(&mut SeededRng::from_seed(draw()))?;
    let intruder = PrivateKey::generate_with(&mut SeededRng::from_seed(draw()))?;
    let mut client = BackdooredClient::new(vendor.public_key(), draw());
    let honest_seed = draw();

    let mut r = Report::default();
    let mut previous: Option<Vec<u8>> = None;
    // The generator for envelope i was set up while sealing envelope i-1, so
    // a replacement takes effect one envelope later.
    let mut sealed_under_intruder = false;
    for i in 0..params.messages {
        if i == params.replaced_after {
            client.replace_constant(intruder.public_key());
        }
        let text = format!("message {i}: the usual");
        let to = [world.user(params.recipient).public()];
        let mut rng = client.next_generator()?;
        let envelope = e2e::Sealer::new(world.user(params.sender).identity(), &to)
            .rng(&mut rng)
            .seal(text.as_bytes())?;
        let mut honest_rng = SeededRng::from_seed(honest_seed);
        let honest = e2e::Sealer::new(world.user(params.sender).identity(), &to)
            .rng(&mut honest_rng)
            .seal(text.as_bytes())?;
        let id = world.relay(
            params.sender,
            &[params.recipient],
            text.as_bytes(),
            envelope.clone(),
        );
        r.sent += 1;
        r.same_length_as_honest += usize::from(honest.len() == envelope.len());
        r.recipient_read += usize::from(world.is_true_read(
            id,
            &e2e::open(world.user(params.recipient).identity(), &envelope),
        ));
        if let Some(prev) = &previous {
            let read_with = |holder: &PrivateKey<X25519>| -> bool {
                next_content_key(holder, prev).is_ok_and(|key| {
                    let opened = e2e::Opener::unlocked_by(KnownContentKey(key)).open(&envelope);
                    world.is_true_read(id, &opened)
                })
            };
            let (orig, repl) = (read_with(&vendor), read_with(&intruder));
            r.original_holder_read += usize::from(orig);
            r.replacer_read += usize::from(repl);
            if sealed_under_intruder {
                r.after_replacement += 1;
                r.original_holder_read_after += usize::from(orig);
            }
        }
        sealed_under_intruder = i >= params.replaced_after;
        previous = Some(envelope);
    }
    Ok(r)
}
