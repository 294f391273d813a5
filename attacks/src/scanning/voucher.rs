//! Safety vouchers: the header extension a scanning client adds to every
//! envelope, and the account key behind their threshold.
//!
//! A voucher is `Q || outer`, [`VOUCHER_LEN`] bytes, always:
//!
//! * `Q = r · H(h')`, for the picture's hash `h'` and a scalar `r` derived
//!   from the envelope's content key (fresh for every envelope);
//! * the client also computes `S = r · T[slot(h')]` from the blinded table
//!   `T` and derives the outer key from `S`; the provider computes `s · Q`,
//!   which equals `S` exactly when `T[slot(h')] = s · H(h')`, that is when
//!   `h'` is listed. Otherwise the outer layer does not open, and nothing
//!   about the voucher says so to anyone else;
//! * `outer` encrypts a Shamir share of the account's voucher key
//!   (`doormat::hazmat::shamir`, the crate's own split) and `inner`, which
//!   encrypts under that account key the envelope's content key and the
//!   hash of its associated data — Apple's "visual derivative", here the
//!   message itself. The provider opens `inner` only once it holds
//!   `threshold` shares of one account.
//!
//! Both layers are a BLAKE3 keystream with a keyed-BLAKE3 tag (encrypt then
//! MAC, 16-byte tags); every key is used for one voucher only, or, for the
//! account key, with the voucher's own `Q` as nonce.
//!
//! Simplifications, named: Apple's shares live in a large field, so a device
//! never runs out; the crate's split is over GF(2^8), so an [`Account`] has
//! 255 shares and a voucher uses one, in order. Apple's client also sends
//! *synthetic* vouchers, which hide from the provider how many matches an
//! account has below the threshold; here the provider learns that count.

use core::fmt;

use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;
use doormat::hazmat::shamir::{self, Share};
use doormat::random::{SeedableRng, SeededRng};
use wiped::Secret;

use super::blinded::{hash_to_group, scalar_from, BlindedList};
use crate::{Error, Result};

/// The header extension type of a safety voucher ("SV").
pub const VOUCHER_EXTENSION: u16 = 0x5356;
/// Shares an account has: one per voucher.
pub const SHARES_PER_ACCOUNT: u8 = 255;
/// Apple's threshold: an account's vouchers open once 30 match.
pub const APPLE_THRESHOLD: u8 = 30;

const TAG: usize = 16;
const KEY: usize = 32;
/// Index, threshold, share bytes.
const SHARE_LEN: usize = 2 + KEY;
/// Content key and aad hash, and a tag.
const INNER_LEN: usize = 2 * KEY + TAG;
/// Share and inner layer, and a tag.
const OUTER_LEN: usize = SHARE_LEN + INNER_LEN + TAG;
/// Length of every voucher: a point and the outer layer.
pub const VOUCHER_LEN: usize = 32 + OUTER_LEN;

/// A device's voucher state for one account: the account's voucher key and
/// its shares, handed out one per voucher.
pub struct Account {
    key: Secret,
    shares: Vec<Share>,
    next: usize,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("threshold", &self.threshold())
            .field("vouchers_left", &self.vouchers_left())
            .finish_non_exhaustive()
    }
}

impl Account {
    /// A new account whose vouchers open once `threshold` of them match;
    /// its key and shares come from `seed`.
    ///
    /// # Errors
    ///
    /// [`Error::Doormat`] for a zero threshold.
    pub fn new(threshold: u8, seed: [u8; 32]) -> Result<Account> {
        let mut rng = SeededRng::from_seed(seed);
        let mut key = [0u8; KEY];
        doormat::random::Rng::fill_bytes(&mut rng, &mut key);
        let shares = shamir::split(&key, threshold, SHARES_PER_ACCOUNT, &mut rng)
            .map_err(doormat::Error::from)?;
        Ok(Account {
            key: Secret(key),
            shares,
            next: 0,
        })
    }

    /// Matches needed before the provider opens this account's vouchers.
    pub fn threshold(&self) -> u8 {
        self.shares[0].threshold()
    }

    /// Vouchers the account can still make.
    pub fn vouchers_left(&self) -> usize {
        self.shares.len() - self.next
    }

    /// The next share, and the account key the inner layer is sealed with.
    pub(crate) fn next_share(&mut self) -> Result<(Share, [u8; KEY])> {
        let share = self
            .shares
            .get(self.next)
            .cloned()
            .ok_or(Error::InvalidArgument(
                "the account's voucher shares are used up",
            ))?;
        self.next += 1;
        Ok((share, self.key.0))
    }
}

/// A tiny wiped-on-drop holder, so an account key never lingers.
mod wiped {
    /// 32 secret bytes, overwritten on drop.
    pub(super) struct Secret(pub(super) [u8; 32]);

    impl Drop for Secret {
        fn drop(&mut self) {
            self.0 = [0; 32];
        }
    }
}

/// Encrypts `pt` under `key` with `nonce`: BLAKE3 keystream, then a
/// keyed-BLAKE3 tag over nonce and ciphertext.
fn seal(key: &[u8; KEY], nonce: &[u8], pt: &[u8]) -> Vec<u8> {
    let mut out = pt.to_vec();
    let mut stream = blake3::Hasher::new_keyed(key);
    stream.update(b"stream").update(nonce);
    let mut ks = vec![0u8; pt.len()];
    stream.finalize_xof().fill(&mut ks);
    out.iter_mut().zip(&ks).for_each(|(c, k)| *c ^= k);
    let tag = tag(key, nonce, &out);
    out.extend_from_slice(&tag);
    out
}

fn tag(key: &[u8; KEY], nonce: &[u8], ct: &[u8]) -> [u8; TAG] {
    let full = blake3::Hasher::new_keyed(key)
        .update(b"tag")
        .update(nonce)
        .update(ct)
        .finalize();
    let mut t = [0u8; TAG];
    t.copy_from_slice(&full.as_bytes()[..TAG]);
    t
}

/// Opens what [`seal`] made, or `None` if the tag does not check.
fn open(key: &[u8; KEY], nonce: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    let (ct, given) = sealed.split_at(sealed.len().checked_sub(TAG)?);
    let want = tag(key, nonce, ct);
    // Compare every byte whatever the first difference.
    if want
        .iter()
        .zip(given)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        != 0
    {
        return None;
    }
    let mut stream = blake3::Hasher::new_keyed(key);
    stream.update(b"stream").update(nonce);
    let mut ks = vec![0u8; ct.len()];
    stream.finalize_xof().fill(&mut ks);
    Some(ct.iter().zip(&ks).map(|(c, k)| c ^ k).collect())
}

fn outer_key(shared: &CompressedRistretto, q: &CompressedRistretto) -> [u8; KEY] {
    blake3::Hasher::new_derive_key("doormat scanning 2021: voucher outer key")
        .update(shared.as_bytes())
        .update(q.as_bytes())
        .finalize()
        .into()
}

/// What goes into one voucher.
pub(crate) struct Contents<'c> {
    pub(crate) hash: u128,
    pub(crate) share: &'c Share,
    pub(crate) account_key: &'c [u8; KEY],
    pub(crate) content_key: &'c [u8; KEY],
    pub(crate) aad_hash: &'c [u8; KEY],
}

/// Builds the voucher for `contents` against `list` (client side).
pub(crate) fn make(list: &BlindedList, c: &Contents<'_>) -> Result<Vec<u8>> {
    let r = scalar_from("doormat scanning 2021: voucher r", c.content_key);
    let q = (r * hash_to_group(c.hash)).compress();
    let entry = list
        .entry(list.slot(c.hash))
        .ok_or(Error::InvalidArgument("a damaged match list"))?;
    let shared = (r * entry).compress();
    let inner = seal(
        c.account_key,
        &[q.as_bytes(), &b"inner"[..]].concat(),
        &[&c.content_key[..], &c.aad_hash[..]].concat(),
    );
    let mut payload = vec![c.share.index(), c.share.threshold()];
    payload.extend_from_slice(c.share.bytes());
    payload.extend_from_slice(&inner);
    let mut voucher = q.to_bytes().to_vec();
    voucher.extend_from_slice(&seal(&outer_key(&shared, &q), q.as_bytes(), &payload));
    debug_assert_eq!(voucher.len(), VOUCHER_LEN);
    Ok(voucher)
}

/// A voucher whose outer layer opened: the provider's view of one match.
pub(crate) struct Matched {
    pub(crate) q: [u8; 32],
    pub(crate) share: Share,
    pub(crate) inner: Vec<u8>,
}

/// Opens a voucher's outer layer with the secret of the list version it
/// was made against (provider side): `Some` only for a listed hash.
pub(crate) fn open_outer(secret: &Scalar, voucher: &[u8]) -> Option<Matched> {
    if voucher.len() != VOUCHER_LEN {
        return None;
    }
    let (q_bytes, sealed) = voucher.split_at(32);
    let q = CompressedRistretto::from_slice(q_bytes).ok()?;
    let shared = (secret * q.decompress()?).compress();
    let payload = open(&outer_key(&shared, &q), q.as_bytes(), sealed)?;
    let (share, inner) = payload.split_at(SHARE_LEN);
    Some(Matched {
        q: q.to_bytes(),
        share: Share::from_parts(share[0], share[1], &share[2..]).ok()?,
        inner: inner.to_vec(),
    })
}

/// Opens a matched voucher's inner layer with the rebuilt account key:
/// the content key and the aad hash.
pub(crate) fn open_inner(account_key: &[u8], m: &Matched) -> Option<([u8; KEY], [u8; KEY])> {
    let key: [u8; KEY] = account_key.try_into().ok()?;
    let pt = open(&key, &[&m.q[..], &b"inner"[..]].concat(), &m.inner)?;
    let (ck, aad) = pt.split_at(KEY);
    Some((ck.try_into().ok()?, aad.try_into().ok()?))
}
