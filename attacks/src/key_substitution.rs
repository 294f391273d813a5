//! **Escrow key substitution.** Whoever can change the escrow public key a
//! client trusts becomes the escrow. A supply-chain attacker replaces the
//! key compiled into the clients: from then on the attacker reads all new
//! traffic and the legitimate authority reads none of it, and users see no
//! difference — their clients comply, with the new key. A client that
//! compared the escrow key's fingerprint against a value pinned *out of
//! band* would have refused; a pin shipped in the same update as the key is
//! replaced with it, which is why deployed systems rarely catch this.
//!
//! Second case, PGP's Additional Decryption Key flaw (2000): an escrow key
//! appended to the unsigned part of someone's public key, honoured by
//! senders and invisible to fingerprint checks. doormat's public identities
//! carry exactly two keys, both covered by the text form's length and by the
//! fingerprint, and senders honour nothing else: the same tampering is
//! refused.

use super::world::{Mode, Traffic, World};
use crate::{Error, Result};
use doormat::escrow::{self, Compliance, EscrowAuthority};
use doormat::keys::PublicIdentity;
use doormat::random::{Rng, SeedableRng, SeededRng};

/// Traffic before and after the substitution.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Days of traffic before the key is replaced.
    pub days_before: u64,
    /// Days after.
    pub days_after: u64,
    /// Messages per day.
    pub per_day: usize,
}

/// Who reads what, and what would have caught it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    /// Envelopes sealed before the substitution.
    pub before: usize,
    /// Envelopes sealed after.
    pub after: usize,
    /// Before: read by the legitimate authority.
    pub state_reads_before: usize,
    /// After: read by the legitimate authority.
    pub state_reads_after: usize,
    /// Before: read by the attacker.
    pub attacker_reads_before: usize,
    /// After: read by the attacker.
    pub attacker_reads_after: usize,
    /// Envelopes every recipient's (updated) compliant client accepted, in
    /// both periods: users see no difference.
    pub recipients_accepted: usize,
    /// After: refused by a client that pins the authority's fingerprint,
    /// published out of band.
    pub refused_by_out_of_band_pin: usize,
    /// After: refused by a client whose pin shipped in the same update.
    pub refused_by_shipped_pin: usize,
    /// The substituted key's fingerprint differs from the pinned one.
    pub fingerprints_differ: bool,
    /// PGP ADK: a public identity's text form with an escrow key appended
    /// is refused.
    pub adk_text_refused: bool,
    /// PGP ADK: its bytes with 32 more appended are refused.
    pub adk_bytes_refused: bool,
    /// Any change to a public identity's keys changes its fingerprint.
    pub tampering_changes_fingerprint: bool,
}

/// Runs the substitution in an escrowed world with users and no traffic.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a clean world, one that already has
/// traffic, or fewer than two users; sealing errors.
pub fn run(world: &mut World, params: Params) -> Result<Report> {
    if world.mode() != Mode::Escrowed || !world.ledger().is_empty() || world.users().len() < 2 {
        return Err(Error::InvalidArgument(
            "needs a fresh escrowed world with users",
        ));
    }
    let traffic = |days| Traffic {
        days,
        per_day: params.per_day,
        max_recipients: 2,
    };
    let mut seed = [0u8; 32];
    world.rng().fill_bytes(&mut seed);
    let attacker = EscrowAuthority::generate_with(&mut SeededRng::from_seed(seed))?;
    let genuine = world.escrow_key();

    let before = world.simulate(&traffic(params.days_before))?;
    // The update that carries the attacker's key into every client.
    world.install_escrow_key(attacker.public_key());
    let after = world.simulate(&traffic(params.days_after))?;

    let mut r = Report {
        before: before.len(),
        after: after.len(),
        fingerprints_differ: attacker.public_key().fingerprint() != genuine.fingerprint(),
        ..Report::default()
    };
    for intercept in world.wiretap() {
        let is_after = after.contains(&intercept.id);
        let reads = |key: &EscrowAuthority| {
            world.is_true_read(intercept.id, &key.open(&intercept.envelope))
        };
        let (state, attacker_read) = (reads(world.authority()), reads(&attacker));
        if is_after {
            r.state_reads_after += usize::from(state);
            r.attacker_reads_after += usize::from(attacker_read);
        } else {
            r.state_reads_before += usize::from(state);
            r.attacker_reads_before += usize::from(attacker_read);
        }
        // Recipients' clients comply with the key compiled into them.
        let compiled_in = if is_after {
            attacker.public_key()
        } else {
            genuine.clone()
        };
        let sent = &world.ledger()[intercept.id];
        let all_read = sent.to.iter().all(|&to| {
            escrow::open(world.user(to).identity(), &compiled_in, &intercept.envelope).is_ok()
        });
        r.recipients_accepted += usize::from(all_read);
        if is_after {
            let to = world.user(sent.to[0]).identity();
            let pinned = |key| {
                doormat::e2e::Opener::new(to)
                    .layer(Compliance::pinned(key))
                    .open(&intercept.envelope)
                    .is_err()
            };
            r.refused_by_out_of_band_pin += usize::from(pinned(&genuine));
            r.refused_by_shipped_pin += usize::from(pinned(&compiled_in));
        }
    }

    // PGP ADK: append the attacker's escrow key to Bob's public key.
    let bob: PublicIdentity = world.user(1).public();
    let appended = format!(
        "{bob}{}",
        hex::encode(attacker.public_key().public_key().as_bytes())
    );
    r.adk_text_refused = appended.parse::<PublicIdentity>().is_err();
    let mut bytes = bob.to_bytes().to_vec();
    bytes.extend_from_slice(attacker.public_key().public_key().as_bytes());
    r.adk_bytes_refused = PublicIdentity::from_bytes(&bytes).is_err();
    let mut swapped = bob.to_bytes();
    swapped[..32].copy_from_slice(attacker.public_key().public_key().as_bytes());
    r.tampering_changes_fingerprint = PublicIdentity::from_bytes(&swapped)
        .is_ok_and(|tampered| tampered.fingerprint() != bob.fingerprint())
        || PublicIdentity::from_bytes(&swapped).is_err();
    Ok(r)
}
