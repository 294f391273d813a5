//! The blinded match list: what the provider ships to every client, after
//! Apple's "CSAM Detection Technical Summary" (August 2021) and the private
//! set intersection of Bhowmick et al. (2021), at the level a teaching
//! crate can honestly build.
//!
//! For each listed hash `h`, the provider puts `s · H(h)` in the table slot
//! `slot(h)`, where `H` is a hash to the Ristretto group (64 bytes of
//! BLAKE3's extendable output into
//! [`RistrettoPoint::from_uniform_bytes`]) and `s` the provider's secret
//! scalar. Every other slot holds a filler, `s · H(random)`. A client holds
//! only the table: without `s` it cannot tell an entry from a filler, nor
//! test whether any picture it can think of is on the list (the
//! discrete-logarithm problem in the group stands in the way); see
//! [`audit`], the best test a curious client has.
//!
//! Simplifications, named: Apple's table is a cuckoo table (two candidate
//! slots per hash); here each hash has one slot, and the provider redraws a
//! public salt until no two listed hashes share one. Apple ships the table
//! inside the operating system and has not published how updates are
//! blinded; here every published version is blinded under a fresh secret,
//! so an update changes every slot and the difference points nowhere.

use core::fmt;

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;

/// Slots in the table: a client learns only this, never how many entries
/// are real.
pub const SLOTS: usize = 1024;
/// Length of the salt that places hashes in slots.
const SALT_LEN: usize = 16;

/// `H(hash)`: hash to the Ristretto group, from 64 bytes of BLAKE3's XOF.
pub fn hash_to_group(hash: u128) -> RistrettoPoint {
    let mut wide = [0u8; 64];
    blake3::Hasher::new_derive_key("doormat scanning 2021: hash to group")
        .update(&hash.to_le_bytes())
        .finalize_xof()
        .fill(&mut wide);
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// A scalar from 64 bytes of BLAKE3's XOF under `context`, keyed by `key`.
pub(crate) fn scalar_from(context: &str, key: &[u8]) -> Scalar {
    let mut wide = [0u8; 64];
    blake3::Hasher::new_derive_key(context)
        .update(key)
        .finalize_xof()
        .fill(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// The slot of `hash` under `salt`.
fn slot_of(salt: &[u8; SALT_LEN], hash: u128) -> usize {
    let d = blake3::Hasher::new_derive_key("doormat scanning 2021: table slot")
        .update(salt)
        .update(&hash.to_le_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d.as_bytes()[..8]);
    (u64::from_le_bytes(first) % SLOTS as u64) as usize
}

/// The list as every client holds it: a version number, the public salt,
/// and [`SLOTS`] compressed Ristretto points.
#[derive(Clone, PartialEq, Eq)]
pub struct BlindedList {
    version: u32,
    salt: [u8; SALT_LEN],
    table: Vec<[u8; 32]>,
}

impl fmt::Debug for BlindedList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlindedList")
            .field("version", &self.version)
            .field("slots", &self.table.len())
            .field(
                "digest",
                &blake3::hash(&self.to_bytes()).to_hex()[..16].to_owned(),
            )
            .finish()
    }
}

impl BlindedList {
    /// The published version (1, 2, …).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The slot a hash falls in: public, so a client computes it.
    pub fn slot(&self, hash: u128) -> usize {
        slot_of(&self.salt, hash)
    }

    /// The point in `slot` (`None` past the table, or for bytes that are
    /// not a point — never in a list the provider built).
    pub fn entry(&self, slot: usize) -> Option<RistrettoPoint> {
        CompressedRistretto(*self.table.get(slot)?).decompress()
    }

    /// The compressed points, slot by slot.
    pub fn slots(&self) -> &[[u8; 32]] {
        &self.table
    }

    /// The bytes a client downloads: version, salt, table.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + SALT_LEN + 32 * self.table.len());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.salt);
        for point in &self.table {
            out.extend_from_slice(point);
        }
        out
    }
}

/// Blinds `hashes` under `secret` into version `version` of the list; the
/// salt and the fillers come from `seed`.
///
/// # Panics
///
/// If two of `hashes` are equal, or more than [`SLOTS`] are given (bugs in
/// the caller: the provider keeps its list deduplicated and short).
pub(crate) fn blind(
    hashes: &[u128],
    secret: &Scalar,
    seed: &[u8; 32],
    version: u32,
) -> BlindedList {
    assert!(
        hashes.len() <= SLOTS / 4,
        "a list this long needs a cuckoo table"
    );
    let mut attempt = 0u64;
    let salt = loop {
        let mut salt = [0u8; SALT_LEN];
        blake3::Hasher::new_derive_key("doormat scanning 2021: salt")
            .update(seed)
            .update(&attempt.to_le_bytes())
            .finalize_xof()
            .fill(&mut salt);
        let mut taken = vec![false; SLOTS];
        let clash = hashes
            .iter()
            .any(|&h| std::mem::replace(&mut taken[slot_of(&salt, h)], true));
        if !clash {
            break salt;
        }
        attempt += 1;
    };
    let mut table: Vec<[u8; 32]> = (0..SLOTS as u64)
        .map(|i| {
            let filler = scalar_from(
                "doormat scanning 2021: filler",
                &[&seed[..], &i.to_le_bytes()].concat(),
            );
            (secret * (filler * curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT))
                .compress()
                .to_bytes()
        })
        .collect();
    for &h in hashes {
        table[slot_of(&salt, h)] = (secret * hash_to_group(h)).compress().to_bytes();
    }
    BlindedList {
        version,
        salt,
        table,
    }
}

/// What a curious client can test with public data alone: for each
/// candidate hash (a picture it suspects is listed), whether the slot it
/// falls in holds the candidate's point `H(c)` unblinded. Against a blinded
/// list this finds nothing, listed or not; against a list published
/// without blinding it finds every listed candidate.
pub fn audit(list: &BlindedList, candidates: &[u128]) -> Vec<bool> {
    candidates
        .iter()
        .map(|&c| list.entry(list.slot(c)) == Some(hash_to_group(c)))
        .collect()
}
