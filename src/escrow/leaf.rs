//! The access field (LEAF, after the Clipper chip's Law Enforcement Access
//! Field): the envelope's content key, wrapped with HPKE to the escrow key.
//!
//! ```text
//! leaf     = pk_escrow (32) || enc (32) || wrapped (48) || checksum (2)     114 bytes
//! ikm      = "doormat/v1 leaf ephemeral" || content_key || SHA-256(core header)
//! sk_eph   = DeriveKeyPair(ikm)                              (RFC 9180 §7.1.3)
//! enc, wrapped = HPKE base, HKDF-SHA256, ChaCha20-Poly1305, to pk_escrow,
//!                with sk_eph, info = "doormat/v1 leaf", aad = SHA-256(core header),
//!                pt = content_key
//! checksum = HMAC-SHA256(family_key, "doormat/v1 leaf checksum"
//!                         || SHA-256(core header) || content_key || leaf[..112])[..2]
//! ```
//!
//! The ephemeral key is a function of the content key and the header, so a
//! recipient who knows both recomputes the whole field byte for byte
//! ([`LeafCheck::Recompute`]); the checksum is the 1993 standard's 16-bit check
//! ([`LeafCheck::Clipper16`]).

use core::fmt;
use std::sync::OnceLock;

use ring::hmac;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::e2e::{ContentKey, CONTENT_KEY_LEN};
use crate::hash::{sha256, SHA256_LEN};
use crate::hpke::{
    self, hazmat, Aead, Kdf, PrivateKey, PublicKey, ReceiverMode, SenderMode, Suite, TAG_LEN,
    X25519_LEN,
};
use crate::random::{self, CryptoRngCore, SystemRng};
use crate::{Error, Result};

/// The header extension type that carries the access field ("LF").
pub const LEAF_EXTENSION: u16 = 0x4c46;
/// Length of an access field in bytes.
pub const LEAF_LEN: usize = BODY_LEN + CHECKSUM_LEN;
/// Length of the Clipper-style checksum: 16 bits, as in the 1993 standard.
pub const CHECKSUM_LEN: usize = 2;
/// Length of the wrapped content key in the field (key + HPKE tag).
const WRAPPED_LEN: usize = CONTENT_KEY_LEN + TAG_LEN;
/// Length of the field before the checksum: `pk_escrow || enc || wrapped`.
const BODY_LEN: usize = X25519_LEN + X25519_LEN + WRAPPED_LEN;
/// Length of a family key.
const FAMILY_KEY_LEN: usize = 32;

const LEAF_SUITE: Suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
const LEAF_INFO: &[u8] = b"doormat/v1 leaf";
const EPHEMERAL_LABEL: &[u8] = b"doormat/v1 leaf ephemeral";
const CHECKSUM_LABEL: &[u8] = b"doormat/v1 leaf checksum";

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
        FamilyKey::generate_with(&mut SystemRng)
            .expect("the operating system's random number generator failed")
    }

    /// A new family from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Result<FamilyKey> {
        let mut k = Zeroizing::new([0u8; FAMILY_KEY_LEN]);
        random::fill(rng, k.as_mut())?;
        Ok(FamilyKey(k))
    }

    fn checksum(
        &self,
        core_hash: &[u8; SHA256_LEN],
        content_key: &ContentKey,
        body: &[u8],
    ) -> [u8; CHECKSUM_LEN] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0.as_ref());
        let mut ctx = hmac::Context::with_key(&key);
        for part in [CHECKSUM_LABEL, core_hash, content_key.as_bytes(), body] {
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

impl fmt::Debug for FamilyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FamilyKey([sealed])")
    }
}

/// An access field split into its parts.
pub(crate) struct Leaf<'a> {
    pub(crate) pk_escrow: &'a [u8],
    pub(crate) enc: &'a [u8],
    pub(crate) wrapped: &'a [u8],
    pub(crate) checksum: &'a [u8],
}

impl<'a> Leaf<'a> {
    /// Splits a field of exactly [`LEAF_LEN`] bytes.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Leaf<'a>> {
        if bytes.len() != LEAF_LEN {
            return Err(Error::InvalidAccessField);
        }
        let (pk_escrow, rest) = bytes.split_at(X25519_LEN);
        let (enc, rest) = rest.split_at(X25519_LEN);
        let (wrapped, checksum) = rest.split_at(WRAPPED_LEN);
        Ok(Leaf {
            pk_escrow,
            enc,
            wrapped,
            checksum,
        })
    }
}

/// Builds the access field for `content_key` and the core header.
pub(crate) fn build(
    pk_escrow: &PublicKey,
    family: &FamilyKey,
    content_key: &ContentKey,
    core_header: &[u8],
) -> Result<Vec<u8>> {
    let core_hash = sha256(&[core_header]);
    let ikm = Zeroizing::new([EPHEMERAL_LABEL, content_key.as_bytes(), &core_hash].concat());
    let sk_eph = PrivateKey::derive(&ikm);
    let (enc, mut ctx) = hazmat::setup_sender_with_ephemeral(
        LEAF_SUITE,
        &SenderMode::Base,
        pk_escrow,
        LEAF_INFO,
        &sk_eph,
    )?;
    let wrapped = ctx.seal(&core_hash, content_key.as_bytes())?;
    let mut leaf = Vec::with_capacity(LEAF_LEN);
    leaf.extend_from_slice(pk_escrow.as_bytes());
    leaf.extend_from_slice(&enc);
    leaf.extend_from_slice(&wrapped);
    let checksum = family.checksum(&core_hash, content_key, &leaf);
    leaf.extend_from_slice(&checksum);
    Ok(leaf)
}

/// A compliant client's check of an access field it found in a header.
pub(crate) fn check(
    policy: LeafCheck,
    family: &FamilyKey,
    trusted: Option<&PublicKey>,
    field: Option<&[u8]>,
    content_key: &ContentKey,
    core_header: &[u8],
) -> Result<()> {
    let field = field.ok_or(Error::NotEscrowed)?;
    let leaf = Leaf::parse(field)?;
    let pk_named = PublicKey::from_bytes(leaf.pk_escrow)?;
    if trusted.is_some_and(|t| *t != pk_named) {
        return Err(Error::InvalidAccessField);
    }
    let body = &field[..BODY_LEN];
    let ok = match policy {
        LeafCheck::Clipper16 => {
            let core_hash = sha256(&[core_header]);
            family
                .checksum(&core_hash, content_key, body)
                .ct_eq(leaf.checksum)
        }
        // The checksum is the family's business; the recompute checks the
        // part that matters, the wrapped key, whatever family made it.
        LeafCheck::Recompute => {
            let want = build(&pk_named, family, content_key, core_header)
                .map_err(|_| Error::InvalidAccessField)?;
            want[..BODY_LEN].ct_eq(body)
        }
    };
    if bool::from(ok) {
        Ok(())
    } else {
        Err(Error::InvalidAccessField)
    }
}

/// The escrow authority's unwrap: the content key from the access field.
pub(crate) fn unwrap(
    sk_escrow: &PrivateKey,
    field: &[u8],
    core_header: &[u8],
) -> Result<ContentKey> {
    let leaf = Leaf::parse(field)?;
    if leaf.pk_escrow != sk_escrow.public_key().as_bytes() {
        return Err(Error::InvalidAccessField);
    }
    let core_hash = sha256(&[core_header]);
    let k = hpke::open(
        LEAF_SUITE,
        &ReceiverMode::Base,
        leaf.enc,
        sk_escrow,
        LEAF_INFO,
        &core_hash,
        leaf.wrapped,
    )
    .map_err(|_| Error::InvalidAccessField)?;
    let k = Zeroizing::new(k);
    let k: &[u8; CONTENT_KEY_LEN] = k[..].try_into().map_err(|_| Error::InvalidAccessField)?;
    Ok(ContentKey::from_bytes(k))
}
