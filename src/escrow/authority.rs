//! The escrow authority's private key, its split custody, and its opener.

use core::fmt;
use core::str::FromStr;
use std::io::{Read, Write};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::leaf::{self, LEAF_EXTENSION};
use super::shamir;
use super::{EscrowKey, ESCROW_SECRET_PREFIXES, SHARE_PREFIX};
use crate::e2e::{self, ContentKey, Header, Layer, LayerError, Opened, StreamOpened, Unlocked};
use crate::keys::{self, text, DecryptionKey, Kem, DECRYPTION_KEY_LEN};
use crate::random::{SystemRng, TryCryptoRng, OS_RNG_FAILED};

/// Length of the key-set id in a share: a prefix of the authority's fingerprint.
const SET_ID_LEN: usize = 8;
/// A share's bytes: set id, threshold, x, y.
const SHARE_LEN: usize = SET_ID_LEN + 1 + 1 + DECRYPTION_KEY_LEN;

/// The escrow private key: opens every escrowed envelope.
///
/// Zeroized on drop; `Debug` shows only the public fingerprint. Not `Clone`,
/// for hygiene only: its text form is a perfect copy, which is the point.
pub struct EscrowAuthority(DecryptionKey);

impl EscrowAuthority {
    /// A fresh classical (X25519) authority key.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    /// [`EscrowAuthority::generate_with`] reports it instead.
    pub fn generate() -> EscrowAuthority {
        EscrowAuthority::generate_with(&mut SystemRng).expect(OS_RNG_FAILED)
    }

    /// A fresh classical authority key from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<EscrowAuthority> {
        Ok(EscrowAuthority(DecryptionKey::generate_with(
            Kem::X25519,
            rng,
        )?))
    }

    /// A fresh post-quantum (X-Wing) authority key.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    /// [`EscrowAuthority::generate_post_quantum_with`] reports it instead.
    pub fn generate_post_quantum() -> EscrowAuthority {
        EscrowAuthority::generate_post_quantum_with(&mut SystemRng).expect(OS_RNG_FAILED)
    }

    /// A fresh post-quantum (X-Wing) authority key from `rng`. A
    /// post-quantum field survives a quantum computer; the key it opens
    /// with is still one key that opens everything.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_post_quantum_with<R: TryCryptoRng + ?Sized>(
        rng: &mut R,
    ) -> Result<EscrowAuthority> {
        Ok(EscrowAuthority(DecryptionKey::generate_with(
            Kem::XWing,
            rng,
        )?))
    }

    /// A classical authority from its 32 secret bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] with [`keys::Error::InvalidLength`].
    pub fn from_bytes(bytes: &[u8]) -> Result<EscrowAuthority> {
        EscrowAuthority::from_bytes_for(Kem::X25519, bytes)
    }

    /// An authority of `kem` from its 32 secret bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] with [`keys::Error::InvalidLength`].
    pub fn from_bytes_for(kem: Kem, bytes: &[u8]) -> Result<EscrowAuthority> {
        Ok(EscrowAuthority(DecryptionKey::from_bytes(kem, bytes)?))
    }

    /// The KEM.
    pub fn kem(&self) -> Kem {
        self.0.kem()
    }

    /// The 32 secret bytes (an X25519 scalar or an X-Wing seed), wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; DECRYPTION_KEY_LEN]> {
        self.0.to_bytes()
    }

    /// The text form, `doormat-escrow-secret-1<hex>` or
    /// `doormat-escrow-secret-pq-1<hex>`, wiped on drop.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        let prefix = ESCROW_SECRET_PREFIXES[self.kem() as usize];
        text::encode(prefix, self.0.to_bytes().as_ref())
    }

    /// The public key senders are made to escrow to.
    pub fn public_key(&self) -> EscrowKey {
        EscrowKey(self.0.public_key())
    }

    /// Opens any envelope escrowed to this authority: plaintext, verified
    /// sender, recipient set. The authority need not be a recipient.
    ///
    /// # Errors
    ///
    /// [`Error::NotEscrowed`] for a clean E2E envelope (there is nothing to
    /// open); [`Error::InvalidAccessField`] for a field that is forged or
    /// made for another authority; otherwise as [`e2e::open`].
    pub fn open(&self, envelope: &[u8]) -> Result<Opened> {
        Ok(self.opener().open(envelope)?)
    }

    /// An opener for the authority, for options such as the associated data:
    /// [`e2e::Opener::unlocked_by`] with this key as the [`Layer`].
    pub fn opener(&self) -> e2e::Opener<'_> {
        e2e::Opener::unlocked_by(self)
    }

    /// Streaming [`EscrowAuthority::open`], in constant memory.
    ///
    /// # Errors
    ///
    /// As [`EscrowAuthority::open`], including [`Error::Open`] with
    /// [`OpenError::Io`](e2e::OpenError::Io).
    pub fn open_stream(&self, reader: impl Read, writer: impl Write) -> Result<StreamOpened> {
        Ok(self.opener().open_stream(reader, writer)?)
    }

    /// Splits the key into `n` shares, any `k` of which rebuild it, with
    /// coefficients from the operating system's generator. With `k = 1`
    /// every share is the whole key (see [`EscrowAuthority::split_with`]).
    ///
    /// # Errors
    ///
    /// As [`EscrowAuthority::split_with`].
    pub fn split(&self, k: u8, n: u8) -> Result<Vec<KeyShare>> {
        self.split_with(k, n, &mut SystemRng)
    }

    /// Splits the key into `n` shares, any `k` of which rebuild it, with the
    /// polynomial coefficients drawn from `rng`.
    ///
    /// # Security
    ///
    /// With `k = 1` every share *is* the whole key: `split(1, n)` is `n`
    /// copies, not custody. Any `k - 1` shares reveal nothing about the key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `1 <= k <= n`; [`Error::RandomFailed`]
    /// if `rng` fails.
    pub fn split_with<R: TryCryptoRng + ?Sized>(
        &self,
        k: u8,
        n: u8,
        rng: &mut R,
    ) -> Result<Vec<KeyShare>> {
        let set_id = self.set_id();
        let shares = shamir::split(self.0.to_bytes().as_ref(), k, n, rng)?;
        Ok(shares
            .into_iter()
            .map(|share| KeyShare { set_id, share })
            .collect())
    }

    /// Rebuilds the key from at least `k` shares of one split.
    ///
    /// # Errors
    ///
    /// [`Error::TooFewShares`], [`Error::DuplicateShare`], or
    /// [`Error::InconsistentShares`] for shares of different splits or a
    /// result that does not match the split's key.
    pub fn recover(shares: &[KeyShare]) -> Result<EscrowAuthority> {
        let set_id = shares
            .first()
            .map(|s| s.set_id)
            .ok_or(Error::TooFewShares { needed: 1, got: 0 })?;
        if shares.iter().any(|s| s.set_id != set_id) {
            return Err(Error::InconsistentShares);
        }
        let inner: Vec<shamir::Share> = shares.iter().map(|s| s.share.clone()).collect();
        let secret = shamir::combine(&inner)?;
        // The shares do not say which KEM: the set id, a prefix of the
        // fingerprint (which names the KEM), tells.
        for kem in Kem::ALL {
            let authority = EscrowAuthority::from_bytes_for(kem, &secret)?;
            if bool::from(authority.set_id().ct_eq(&set_id)) {
                return Ok(authority);
            }
        }
        Err(Error::InconsistentShares)
    }

    /// The private key, for the session twin's unlock.
    pub(super) fn key(&self) -> &DecryptionKey {
        &self.0
    }

    /// The id every share of this key carries: a prefix of its fingerprint.
    fn set_id(&self) -> [u8; SET_ID_LEN] {
        let mut id = [0u8; SET_ID_LEN];
        id.copy_from_slice(&self.public_key().fingerprint().as_bytes()[..SET_ID_LEN]);
        id
    }
}

impl PartialEq for EscrowAuthority {
    /// Constant-time comparison.
    fn eq(&self, other: &EscrowAuthority) -> bool {
        self.0 == other.0
    }
}

impl Eq for EscrowAuthority {}

impl fmt::Debug for EscrowAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "EscrowAuthority({}, [redacted])",
            self.public_key().fingerprint()
        )
    }
}

impl FromStr for EscrowAuthority {
    type Err = Error;

    /// Parses `doormat-escrow-secret-1<hex>` or `doormat-escrow-secret-pq-1<hex>`.
    fn from_str(s: &str) -> Result<EscrowAuthority> {
        let (kem, prefix) = text::kem_of(s, &ESCROW_SECRET_PREFIXES);
        let bytes = text::decode::<DECRYPTION_KEY_LEN>(prefix, s)?;
        EscrowAuthority::from_bytes_for(kem, bytes.as_ref())
    }
}

/// One share of a split [`EscrowAuthority`]: the key-set id, the threshold,
/// the share index and one Shamir point per key byte.
///
/// Secret: zeroized on drop, `Debug` redacted.
#[derive(Clone)]
pub struct KeyShare {
    set_id: [u8; SET_ID_LEN],
    share: shamir::Share,
}

impl KeyShare {
    /// The share's index, 1..=n.
    pub fn index(&self) -> u8 {
        self.share.x
    }

    /// How many shares rebuild the key.
    pub fn threshold(&self) -> u8 {
        self.share.threshold
    }

    /// The text form `doormat-escrow-share-1<hex>`, wiped on drop.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new([0u8; SHARE_LEN]);
        bytes[..SET_ID_LEN].copy_from_slice(&self.set_id);
        bytes[SET_ID_LEN] = self.share.threshold;
        bytes[SET_ID_LEN + 1] = self.share.x;
        bytes[SET_ID_LEN + 2..].copy_from_slice(&self.share.y);
        text::encode(SHARE_PREFIX, bytes.as_ref())
    }
}

impl FromStr for KeyShare {
    type Err = Error;

    /// Parses `doormat-escrow-share-1<hex>`.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] with [`keys::Error::WrongPrefix`],
    /// [`keys::Error::InvalidLength`], [`keys::Error::InvalidHex`], or
    /// [`keys::Error::InvalidKey`] for index 0 or threshold 0.
    fn from_str(s: &str) -> Result<KeyShare> {
        let bytes = text::decode::<SHARE_LEN>(SHARE_PREFIX, s)?;
        let (threshold, x) = (bytes[SET_ID_LEN], bytes[SET_ID_LEN + 1]);
        if threshold == 0 || x == 0 {
            return Err(Error::Key(keys::Error::InvalidKey));
        }
        let mut set_id = [0u8; SET_ID_LEN];
        set_id.copy_from_slice(&bytes[..SET_ID_LEN]);
        Ok(KeyShare {
            set_id,
            share: shamir::Share {
                x,
                threshold,
                y: Zeroizing::new(bytes[SET_ID_LEN + 2..].to_vec()),
            },
        })
    }
}

impl fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyShare {{ set: {}, index: {}, threshold: {}, [redacted] }}",
            hex::encode(self.set_id),
            self.share.x,
            self.share.threshold
        )
    }
}

impl Layer for EscrowAuthority {
    fn extension_types(&self) -> &[u16] {
        &[LEAF_EXTENSION]
    }

    /// The content key from the access field: the authority needs no stanza.
    fn unlock(&self, header: &Header) -> core::result::Result<Option<Unlocked>, LayerError> {
        let field = header
            .extension(LEAF_EXTENSION)
            .ok_or_else(|| LayerError::from(Error::NotEscrowed))?;
        let (key, aad_hash) = leaf::unwrap(&leaf::ENVELOPE, &self.0, field, header.core_bytes())
            .map_err(LayerError::from)?;
        Ok(Some(Unlocked {
            content_key: ContentKey::from_bytes(&key),
            aad_hash: Some(aad_hash),
        }))
    }
}
