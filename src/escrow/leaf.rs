//! The access field (LEAF, after the Clipper chip's Law Enforcement Access
//! Field): the envelope's content key, wrapped with HPKE to the escrow key.
//! The same construction escrows a session message's key, bound to the
//! message's header instead of the envelope's, under labels of its own
//! ([`Domain`]): a field cannot move between an envelope and a message.
//!
//! ```text
//! leaf     = pk_escrow || enc || wrapped (80) || checksum (2)
//!            146 bytes to an X25519 key (32 + 32 + 80 + 2), 2,418 to an X-Wing key
//! seed     = BLAKE3-derive-key("doormat/v1 leaf randomness",
//!                              content_key || SHA-256(core header) || SHA-256(aad))
//! enc, wrapped = HPKE base, HKDF-SHA256, ChaCha20-Poly1305, to pk_escrow,
//!                info = "doormat/v1 leaf", aad = SHA-256(core header),
//!                pt = content_key || SHA-256(aad),
//!                the encapsulation's randomness drawn from SeededRng(seed)
//! checksum = HMAC-SHA256(family_key, "doormat/v1 leaf checksum"
//!                         || SHA-256(core header) || SHA-256(aad) || content_key || body)[..2]
//! ```
//!
//! The encapsulation's randomness (an X25519 ephemeral key, or X-Wing's 64
//! bytes) is a function of the content key, the header and the associated
//! data, drawn through the same wrap every stanza uses, so a recipient who
//! knows all three recomputes the whole field byte for byte
//! ([`LeafCheck::Recompute`]); the checksum is the 1993
//! standard's 16-bit check ([`LeafCheck::Clipper16`]). The field carries
//! `SHA-256(aad)` because the payload keys depend on it: without it, two
//! users who agreed on secret associated data would make envelopes that a
//! compliant client accepts and the authority cannot open.

use core::fmt;
use std::sync::OnceLock;

use ring::hmac;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::error::{Error, Result};
use crate::e2e::{ContentKey, CONTENT_KEY_LEN};
use crate::hash::{sha256, SHA256_LEN};
use crate::hpke::{Aead, Kdf, Kem as _, Suite, XWing, TAG_LEN, X25519};
use crate::keys::{text, DecryptionKey, EncryptionKey, Kem};
use crate::random::{self, SeedableRng, SeededRng, SystemRng, TryCryptoRng, OS_RNG_FAILED};

/// The header extension type that carries the access field ("LF").
pub const LEAF_EXTENSION: u16 = 0x4c46;
/// Length of an access field in bytes.
pub const LEAF_LEN: usize = BODY_LEN + CHECKSUM_LEN;
/// Length of the Clipper-style checksum: 16 bits, as in the 1993 standard.
pub const CHECKSUM_LEN: usize = 2;
/// What the field wraps: the content key, then `SHA-256(aad)`.
const WRAPPED_PT_LEN: usize = CONTENT_KEY_LEN + SHA256_LEN;
/// Length of the wrapped content key and aad hash in the field (+ HPKE tag).
const WRAPPED_LEN: usize = WRAPPED_PT_LEN + TAG_LEN;
/// Length of the field before the checksum: `pk_escrow || enc || wrapped`.
const BODY_LEN: usize = X25519::PUBLIC_KEY_LEN + X25519::ENC_LEN + WRAPPED_LEN;
/// The same for an X-Wing escrow key.
const PQ_BODY_LEN: usize = XWing::PUBLIC_KEY_LEN + XWing::ENC_LEN + WRAPPED_LEN;
/// Length of an access field to a post-quantum (X-Wing) escrow key.
pub const PQ_LEAF_LEN: usize = PQ_BODY_LEN + CHECKSUM_LEN;
/// The BLAKE3 context of the seed the field's encapsulation randomness is
/// drawn from.
const RANDOMNESS_LABEL: &str = "doormat/v1 leaf randomness";
/// Length of a family key.
const FAMILY_KEY_LEN: usize = 32;
/// Text prefix of a [`FamilyKey`].
pub const FAMILY_PREFIX: &str = "doormat-family-1";

const LEAF_SUITE: Suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);

/// What an access field escrows, and the labels that keep the kinds apart.
pub(crate) struct Domain {
    /// The HPKE `info` of the wrap.
    info: &'static [u8],
    /// The BLAKE3 context of the seed the encapsulation randomness is drawn from.
    randomness: &'static str,
    /// The checksum's label.
    checksum: &'static [u8],
}

/// An envelope's field: its content key, bound to the core header.
pub(crate) const ENVELOPE: Domain = Domain {
    info: b"doormat/v1 leaf",
    randomness: RANDOMNESS_LABEL,
    checksum: b"doormat/v1 leaf checksum",
};

/// A session message's field: its message key, bound to the message's
/// header, with the session's `AD` in the place of the associated data's
/// hash.
pub(crate) const SESSION: Domain = Domain {
    info: b"doormat/v1 session leaf",
    randomness: "doormat/v1 session leaf randomness",
    checksum: b"doormat/v1 session leaf checksum",
};

/// How a compliant client validates an access field before it releases
/// anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum LeafCheck {
    /// **Deliberately weak**, faithful to the 1993 Escrowed Encryption
    /// Standard: only a 16-bit checksum under the [`FamilyKey`] is checked.
    /// About 2^16 tries against a compliant client forge a field that passes
    /// and that the authority cannot open (Blaze, 1994).
    Clipper16,
    /// The field is recomputed from the content key and the header and
    /// compared in constant time: unforgeable. It still cannot stop evasion
    /// by superencryption or a modified client; it only guarantees that those
    /// who comply are exposed.
    #[default]
    Recompute,
}

/// The "family key" sealed inside every compliant client, as it was inside
/// every Clipper chip: it keys the 16-bit access-field checksum.
///
/// Callers cannot read it — there is no accessor, no `to_bytes`, and `Debug`
/// is redacted — so, like Matt Blaze with a Tessera card, a forger can only
/// test candidate fields against a compliant client.
pub struct FamilyKey(Zeroizing<[u8; FAMILY_KEY_LEN]>);

impl FamilyKey {
    /// A new family (a different generation of chips). Clients of different
    /// families reject each other's access fields under [`LeafCheck::Clipper16`].
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    /// [`FamilyKey::generate_with`] reports it instead.
    pub fn generate() -> FamilyKey {
        FamilyKey::generate_with(&mut SystemRng).expect(OS_RNG_FAILED)
    }

    /// A new family from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<FamilyKey> {
        let mut k = Zeroizing::new([0u8; FAMILY_KEY_LEN]);
        random::fill(rng, k.as_mut())?;
        Ok(FamilyKey(k))
    }

    /// A new family as a text form, `doormat-family-1<hex>`, for the
    /// "manufacturer" to install in every client of the family (for example
    /// every command-line tool in a classroom). Load it with
    /// [`str::parse`]; a loaded family key never gives its bytes back.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_text_with<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Zeroizing<String>> {
        let family = FamilyKey::generate_with(rng)?;
        Ok(text::encode(FAMILY_PREFIX, family.0.as_ref()))
    }

    fn checksum(&self, field: &FieldInputs<'_>, body: &[u8]) -> [u8; CHECKSUM_LEN] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.as_ref());
        let mut ctx = hmac::Context::with_key(&key);
        let parts = [
            field.domain.checksum,
            &field.core_hash,
            field.aad_hash,
            field.key,
            body,
        ];
        for part in parts {
            ctx.update(part);
        }
        let tag = ctx.sign();
        [tag.as_ref()[0], tag.as_ref()[1]]
    }
}

impl Default for FamilyKey {
    /// The family every compliant client in this process belongs to: drawn at
    /// random the first time it is needed and never exposed, so — as with the
    /// chip — the only way to learn whether a checksum is right is to ask a
    /// compliant client. (A constant in the source would be readable by
    /// anyone; this one lives only in the process's memory and is not wiped
    /// at exit.)
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    fn default() -> FamilyKey {
        static PROCESS_FAMILY: OnceLock<[u8; FAMILY_KEY_LEN]> = OnceLock::new();
        FamilyKey(Zeroizing::new(
            *PROCESS_FAMILY.get_or_init(|| *FamilyKey::generate().0),
        ))
    }
}

impl core::str::FromStr for FamilyKey {
    type Err = Error;

    /// Loads a family from its text form `doormat-family-1<hex>`. There is
    /// no way back: like the key inside every chip, it can be used, not read.
    fn from_str(s: &str) -> Result<FamilyKey> {
        Ok(FamilyKey(text::decode::<FAMILY_KEY_LEN>(FAMILY_PREFIX, s)?))
    }
}

impl fmt::Debug for FamilyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FamilyKey([sealed])")
    }
}

/// An access field split into its parts.
pub(crate) struct Leaf<'a> {
    pub(crate) kem: Kem,
    pub(crate) pk_escrow: &'a [u8],
    pub(crate) enc: &'a [u8],
    pub(crate) wrapped: &'a [u8],
    pub(crate) checksum: &'a [u8],
}

impl<'a> Leaf<'a> {
    /// Splits a field of exactly [`LEAF_LEN`] bytes (X25519) or
    /// [`PQ_LEAF_LEN`] bytes (X-Wing); the length tells the KEM.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Leaf<'a>> {
        let kem = Kem::ALL
            .into_iter()
            .find(|k| leaf_len(*k) == bytes.len())
            .ok_or(Error::InvalidAccessField)?;
        let (pk_escrow, rest) = bytes.split_at(kem.public_key_len());
        let (enc, rest) = rest.split_at(kem.enc_len());
        let (wrapped, checksum) = rest.split_at(WRAPPED_LEN);
        Ok(Leaf {
            kem,
            pk_escrow,
            enc,
            wrapped,
            checksum,
        })
    }

    /// The field before its checksum.
    fn body_len(&self) -> usize {
        self.pk_escrow.len() + self.enc.len() + self.wrapped.len()
    }
}

/// What an access field is computed from: the key it escrows (an
/// envelope's content key, a message's key), the header it is bound to and
/// the associated data's hash (for a session, its `AD`).
pub(crate) struct FieldInputs<'a> {
    pub(crate) domain: &'static Domain,
    pub(crate) key: &'a [u8; CONTENT_KEY_LEN],
    pub(crate) core_hash: [u8; SHA256_LEN],
    pub(crate) aad_hash: &'a [u8; SHA256_LEN],
}

impl<'a> FieldInputs<'a> {
    /// An envelope's: its content key, core header and `SHA-256(aad)`.
    pub(crate) fn new(
        content_key: &'a ContentKey,
        core_header: &[u8],
        aad_hash: &'a [u8; SHA256_LEN],
    ) -> FieldInputs<'a> {
        FieldInputs::of(&ENVELOPE, content_key.as_bytes(), core_header, aad_hash)
    }

    /// Any domain's.
    pub(crate) fn of(
        domain: &'static Domain,
        key: &'a [u8; CONTENT_KEY_LEN],
        core_header: &[u8],
        aad_hash: &'a [u8; SHA256_LEN],
    ) -> FieldInputs<'a> {
        FieldInputs {
            domain,
            key,
            core_hash: sha256(&[core_header]),
            aad_hash,
        }
    }
}

/// Length of an access field to a key of `kem`.
pub(crate) const fn leaf_len(kem: Kem) -> usize {
    kem.public_key_len() + kem.enc_len() + WRAPPED_LEN + CHECKSUM_LEN
}

/// Builds the access field escrowing `inputs` to `pk_escrow`.
pub(crate) fn build(
    pk_escrow: &EncryptionKey,
    family: &FamilyKey,
    inputs: &FieldInputs<'_>,
) -> Result<Vec<u8>> {
    let key = inputs.key;
    let pt = Zeroizing::new([&key[..], inputs.aad_hash].concat());
    // The randomness is a function of the fresh key, so the whole field can
    // be recomputed by anyone who knows the key.
    let mut hasher = blake3::Hasher::new_derive_key(inputs.domain.randomness);
    for part in [key.as_slice(), &inputs.core_hash, inputs.aad_hash] {
        hasher.update(part);
    }
    let mut seed = Zeroizing::new(*hasher.finalize().as_bytes());
    hasher.zeroize();
    let mut rng = SeededRng::from_seed(*seed);
    seed.zeroize();
    let (enc, wrapped) = pk_escrow
        .wrap(
            LEAF_SUITE,
            inputs.domain.info,
            &inputs.core_hash,
            &pt,
            &mut rng,
        )
        .map_err(|_| Error::InvalidAccessField)?;
    let mut leaf = Vec::with_capacity(leaf_len(pk_escrow.kem()));
    leaf.extend_from_slice(pk_escrow.as_bytes());
    leaf.extend_from_slice(&enc);
    leaf.extend_from_slice(&wrapped);
    let checksum = family.checksum(inputs, &leaf);
    leaf.extend_from_slice(&checksum);
    Ok(leaf)
}

/// The escrow key a field names, with the checks every published key
/// passes: a non-canonical or low-order key is refused, so no sender can
/// name an encoding of the authority's key that the authority does not
/// recognise, or a key whose every DH is zero.
fn named_key(leaf: &Leaf<'_>) -> Result<EncryptionKey> {
    EncryptionKey::from_bytes(leaf.kem, leaf.pk_escrow).map_err(|_| Error::InvalidAccessField)
}

/// A compliant client's check of an access field it found in a header.
pub(crate) fn check(
    policy: LeafCheck,
    family: &FamilyKey,
    trusted: Option<&EncryptionKey>,
    field: Option<&[u8]>,
    inputs: &FieldInputs<'_>,
) -> Result<()> {
    check_with(policy, family, trusted, field, inputs, |pk| {
        build(pk, family, inputs)
    })
}

/// [`check`], with the `Recompute` policy's rebuild of the field (for the
/// key the field names) supplied by the caller, so a device asked about
/// many candidate fields for one envelope rebuilds once.
pub(crate) fn check_with(
    policy: LeafCheck,
    family: &FamilyKey,
    trusted: Option<&EncryptionKey>,
    field: Option<&[u8]>,
    inputs: &FieldInputs<'_>,
    rebuild: impl FnOnce(&EncryptionKey) -> Result<Vec<u8>>,
) -> Result<()> {
    let field = field.ok_or(Error::NotEscrowed)?;
    let leaf = Leaf::parse(field)?;
    let pk_named = named_key(&leaf)?;
    if trusted.is_some_and(|t| *t != pk_named) {
        return Err(Error::InvalidAccessField);
    }
    let body_len = leaf.body_len();
    let body = &field[..body_len];
    let ok = match policy {
        LeafCheck::Clipper16 => family.checksum(inputs, body).ct_eq(leaf.checksum),
        // The checksum is the family's business; the recompute checks the
        // part that matters, the wrapped key, whatever family made it.
        LeafCheck::Recompute => {
            let want = rebuild(&pk_named).map_err(|_| Error::InvalidAccessField)?;
            match want.get(..body_len) {
                Some(want) => want.ct_eq(body),
                None => subtle::Choice::from(0),
            }
        }
    };
    if bool::from(ok) {
        Ok(())
    } else {
        Err(Error::InvalidAccessField)
    }
}

/// The escrow authority's unwrap: the key (content key or message key) and
/// the associated data's hash (or the session's `AD`) from a field of
/// `domain`.
pub(crate) fn unwrap(
    domain: &Domain,
    sk_escrow: &DecryptionKey,
    field: &[u8],
    core_header: &[u8],
) -> Result<(Zeroizing<[u8; CONTENT_KEY_LEN]>, [u8; SHA256_LEN])> {
    let leaf = Leaf::parse(field)?;
    if named_key(&leaf)? != sk_escrow.public_key() {
        return Err(Error::InvalidAccessField);
    }
    let core_hash = sha256(&[core_header]);
    let pt = sk_escrow
        .unwrap(LEAF_SUITE, domain.info, leaf.enc, &core_hash, leaf.wrapped)
        .map_err(|_| Error::InvalidAccessField)?;
    if pt.len() != WRAPPED_PT_LEN {
        return Err(Error::InvalidAccessField);
    }
    let (key, aad_hash) = pt.split_at(CONTENT_KEY_LEN);
    let mut out = Zeroizing::new([0u8; CONTENT_KEY_LEN]);
    out.copy_from_slice(key);
    let aad_hash: [u8; SHA256_LEN] = aad_hash.try_into().map_err(|_| Error::InvalidAccessField)?;
    Ok((out, aad_hash))
}
