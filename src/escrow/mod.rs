//! **The key-escrowed twin** — deliberately backdoored, for teaching and
//! measurement: every envelope also opens for whoever holds the escrow key.
//!
//! `escrow::seal` is [`e2e::seal`] with one extra argument, the escrow
//! authority's public key ([`EscrowKey`]). The envelope is an ordinary E2E
//! envelope plus one authenticated header extension, the *access field*
//! (a LEAF, after the Clipper chip's Law Enforcement Access Field): the
//! content key wrapped with HPKE to the escrow key and bound to the header,
//! so it cannot be moved to another envelope. Nothing in [`e2e`] knows about
//! escrow; this module uses only its general mechanisms (header extensions
//! computed from the content key, a check before plaintext is released, and
//! opening with a key obtained from the header).
//!
//! ```
//! use doormat::{escrow::{self, EscrowAuthority}, keys::Identity};
//!
//! let authority = EscrowAuthority::generate();
//! let (alice, bob) = (Identity::generate(), Identity::generate());
//! let envelope = escrow::seal(&alice, &[bob.public()], &authority.public_key(), b"hi bob")?;
//!
//! // Bob sees what he would have seen with e2e ...
//! assert_eq!(escrow::open(&bob, &envelope)?.plaintext(), b"hi bob");
//! // ... and so does the authority, who is not a recipient.
//! let seized = authority.open(&envelope)?;
//! assert_eq!(seized.plaintext(), b"hi bob");
//! assert_eq!(seized.sender(), &alice.public());
//!
//! // So does anyone who copies the authority's key: it is just bytes.
//! let leaked: EscrowAuthority = authority.to_secret_string().parse()?;
//! assert_eq!(leaked.open(&envelope)?.plaintext(), b"hi bob");
//! # Ok::<(), doormat::Error>(())
//! ```
//!
//! # What the mathematics cannot do
//!
//! [`EscrowAuthority::open`] takes the envelope and nothing else. There is
//! no parameter through which a warrant, an identity, a purpose or a date
//! could be checked, and no such check could live in the mathematics: a copy
//! of the key — stolen, leaked, sold, or rebuilt from [`KeyShare`]s —
//! opens every escrowed envelope, past and future, for every user.
//!
//! # Compliant clients, and why they do not help
//!
//! [`open`] refuses an envelope whose access field is missing or invalid,
//! under a [`LeafCheck`] policy:
//!
//! * [`LeafCheck::Clipper16`] checks a 16-bit checksum under a [`FamilyKey`]
//!   sealed inside clients, as in 1993: about 65,536 tries against a compliant
//!   client forge a field that passes and that the authority cannot open.
//! * [`LeafCheck::Recompute`] (the default) recomputes the whole field from
//!   the content key and the header, and compares in constant time. It is
//!   unforgeable; pin the authority with [`Opener::compliant`], or a sender can
//!   name an escrow key of their own choosing.
//!
//! Even `Recompute` does not stop evasion. A criminal superencrypts: they
//! put an E2E envelope inside the escrowed one, and the authority opens only
//! ciphertext. Or they run a modified client that skips the check. The check
//! binds only the people who comply — the law-abiding — whose every message
//! is then exposed to whoever holds the key.
//!
//! # Split custody
//!
//! [`EscrowAuthority::split`] cuts the key into `n` Shamir shares over
//! GF(2^8), any `k` of which [`EscrowAuthority::recover`] it — as Clipper's
//! two escrow agents (NIST and the Treasury) each held half of every chip's
//! key. Custody changes who must collude or be breached, not what the key
//! does once rebuilt.

mod leaf;
mod shamir;

use core::fmt;
use core::str::FromStr;
use std::io::{Read, Write};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub use leaf::{FamilyKey, LeafCheck, CHECKSUM_LEN, LEAF_EXTENSION, LEAF_LEN};

use crate::e2e::{self, Opened, Opener as E2eOpener, Sealer as E2eSealer, StreamOpened, Unlock};
use crate::hpke::{PrivateKey, PublicKey, X25519_LEN};
use crate::keys::{
    check_x25519_public, decode_text, encode_text, sha256, Fingerprint, Identity, PublicIdentity,
};
use crate::{Error, Result};

/// Text prefix of an [`EscrowKey`].
pub const ESCROW_KEY_PREFIX: &str = "doormat-escrow-1";
/// Text prefix of an [`EscrowAuthority`].
pub const ESCROW_SECRET_PREFIX: &str = "doormat-escrow-secret-1";
/// Text prefix of a [`KeyShare`].
pub const SHARE_PREFIX: &str = "doormat-escrow-share-1";

const ESCROW_FINGERPRINT_LABEL: &[u8] = b"doormat escrow fingerprint v1";
/// Length of the key-set id in a share: a prefix of the authority's fingerprint.
const SET_ID_LEN: usize = 8;
/// A share's bytes: set id, threshold, x, y.
const SHARE_LEN: usize = SET_ID_LEN + 1 + 1 + X25519_LEN;

/// Seals like [`e2e::seal`], plus an access field for `escrow`.
///
/// # Errors
///
/// As [`e2e::seal`].
pub fn seal(
    sender: &Identity,
    recipients: &[PublicIdentity],
    escrow: &EscrowKey,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    Sealer::new(sender, recipients, escrow).seal(plaintext)
}

/// Opens like [`e2e::open`], as a compliant client: refuses an envelope
/// whose access field is missing ([`Error::NotEscrowed`]) or fails
/// [`LeafCheck::Recompute`] ([`Error::InvalidAccessField`]).
///
/// # Errors
///
/// As [`e2e::open`], plus the two above.
pub fn open(recipient: &Identity, envelope: &[u8]) -> Result<Opened> {
    Opener::new(recipient).open(envelope)
}

/// The escrow authority's public key: what every escrowed envelope is also
/// encrypted to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EscrowKey(PublicKey);

impl EscrowKey {
    /// The X25519 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.0
    }

    /// Parses the 32-byte X25519 key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`]; [`Error::InvalidKey`] for a low-order point.
    pub fn from_bytes(bytes: &[u8]) -> Result<EscrowKey> {
        let pk = PublicKey::from_bytes(bytes)?;
        check_x25519_public(&pk)?;
        Ok(EscrowKey(pk))
    }

    /// SHA-256 over the key under a domain label, shown as hex groups.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::from_bytes(sha256(&[ESCROW_FINGERPRINT_LABEL, self.0.as_bytes()]))
    }
}

impl fmt::Debug for EscrowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EscrowKey({})", self.fingerprint())
    }
}

impl fmt::Display for EscrowKey {
    /// `doormat-escrow-1<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_text(ESCROW_KEY_PREFIX, self.0.as_bytes()))
    }
}

impl FromStr for EscrowKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<EscrowKey> {
        EscrowKey::from_bytes(decode_text::<X25519_LEN>(ESCROW_KEY_PREFIX, s)?.as_ref())
    }
}

/// The escrow private key: opens every escrowed envelope.
///
/// Zeroized on drop; `Debug` shows only the public fingerprint. Not `Clone`,
/// for hygiene only: its text form is a perfect copy, which is the point.
pub struct EscrowAuthority(PrivateKey);

impl EscrowAuthority {
    /// A fresh authority key.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    pub fn generate() -> EscrowAuthority {
        EscrowAuthority(PrivateKey::generate())
    }

    /// The authority from its 32 secret bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`].
    pub fn from_bytes(bytes: &[u8]) -> Result<EscrowAuthority> {
        Ok(EscrowAuthority(PrivateKey::from_bytes(bytes)?))
    }

    /// The 32 secret bytes, wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; X25519_LEN]> {
        self.0.to_bytes()
    }

    /// The text form `doormat-escrow-secret-1<hex>`, wiped on drop.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        encode_text(ESCROW_SECRET_PREFIX, self.0.to_bytes().as_ref())
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
        Opener::authority(self).open(envelope)
    }

    /// Streaming [`EscrowAuthority::open`], in constant memory.
    ///
    /// # Errors
    ///
    /// As [`EscrowAuthority::open`], and [`Error::Io`].
    pub fn open_stream(&self, reader: impl Read, writer: impl Write) -> Result<StreamOpened> {
        Opener::authority(self).open_stream(reader, writer)
    }

    /// Splits the key into `n` shares, any `k` of which rebuild it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] unless `1 <= k <= n`.
    pub fn split(&self, k: u8, n: u8) -> Result<Vec<KeyShare>> {
        let set_id = self.set_id();
        let shares = shamir::split(
            self.0.to_bytes().as_ref(),
            k,
            n,
            &ring::rand::SystemRandom::new(),
        )?;
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
        let authority = EscrowAuthority::from_bytes(&secret)?;
        if !bool::from(authority.set_id().ct_eq(&set_id)) {
            return Err(Error::InconsistentShares);
        }
        Ok(authority)
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

    /// Parses `doormat-escrow-secret-1<hex>`.
    fn from_str(s: &str) -> Result<EscrowAuthority> {
        EscrowAuthority::from_bytes(decode_text::<X25519_LEN>(ESCROW_SECRET_PREFIX, s)?.as_ref())
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
        encode_text(SHARE_PREFIX, bytes.as_ref())
    }
}

impl FromStr for KeyShare {
    type Err = Error;

    /// Parses `doormat-escrow-share-1<hex>`.
    ///
    /// # Errors
    ///
    /// [`Error::WrongPrefix`], [`Error::InvalidLength`], [`Error::InvalidHex`],
    /// or [`Error::InvalidKey`] for index 0 or threshold 0.
    fn from_str(s: &str) -> Result<KeyShare> {
        let bytes = decode_text::<SHARE_LEN>(SHARE_PREFIX, s)?;
        let (threshold, x) = (bytes[SET_ID_LEN], bytes[SET_ID_LEN + 1]);
        if threshold == 0 || x == 0 {
            return Err(Error::InvalidKey);
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

/// Builds escrowed envelopes: every [`e2e::Sealer`] option, plus the escrow key.
#[derive(Debug)]
pub struct Sealer<'a> {
    inner: E2eSealer<'a>,
}

impl<'a> Sealer<'a> {
    /// A sealer from `sender` to `recipients`, escrowed to `escrow`, with the
    /// default options and the default [`FamilyKey`].
    pub fn new(
        sender: &'a Identity,
        recipients: &'a [PublicIdentity],
        escrow: &'a EscrowKey,
    ) -> Sealer<'a> {
        Sealer::with_family(sender, recipients, escrow, FamilyKey::default())
    }

    /// As [`Sealer::new`], checksumming access fields for another chip family.
    pub fn with_family(
        sender: &'a Identity,
        recipients: &'a [PublicIdentity],
        escrow: &'a EscrowKey,
        family: FamilyKey,
    ) -> Sealer<'a> {
        let build =
            move |key: &e2e::ContentKey, core: &[u8]| leaf::build(&escrow.0, &family, key, core);
        Sealer {
            inner: E2eSealer::new(sender, recipients)
                .key_bound_extension(LEAF_EXTENSION, Box::new(build)),
        }
    }

    /// See [`e2e::Sealer::associated_data`].
    pub fn associated_data(self, aad: &'a [u8]) -> Self {
        Sealer {
            inner: self.inner.associated_data(aad),
        }
    }

    /// See [`e2e::Sealer::cipher`].
    pub fn cipher(self, cipher: e2e::PayloadCipher) -> Self {
        Sealer {
            inner: self.inner.cipher(cipher),
        }
    }

    /// See [`e2e::Sealer::chunk_size`].
    pub fn chunk_size(self, chunk_size: u32) -> Self {
        Sealer {
            inner: self.inner.chunk_size(chunk_size),
        }
    }

    /// See [`e2e::Sealer::key_ids`].
    pub fn key_ids(self, key_ids: bool) -> Self {
        Sealer {
            inner: self.inner.key_ids(key_ids),
        }
    }

    /// Seals in memory.
    ///
    /// # Errors
    ///
    /// As [`e2e::Sealer::seal`].
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.inner.seal(plaintext)
    }

    /// Seals a stream in constant memory.
    ///
    /// # Errors
    ///
    /// As [`e2e::Sealer::seal_stream`].
    pub fn seal_stream(&self, reader: impl Read, writer: impl Write) -> Result<u64> {
        self.inner.seal_stream(reader, writer)
    }
}

/// Opens escrowed envelopes: as a compliant recipient (checking the access
/// field under a [`LeafCheck`]) or as the authority.
#[derive(Debug)]
pub struct Opener<'a> {
    inner: E2eOpener<'a>,
}

impl<'a> Opener<'a> {
    /// A compliant client for `recipient`, with [`LeafCheck::Recompute`],
    /// no pinned authority and the default [`FamilyKey`].
    pub fn new(recipient: &'a Identity) -> Opener<'a> {
        Opener::compliant(recipient, LeafCheck::default(), None, FamilyKey::default())
    }

    /// A compliant client with an explicit policy, pinned authority and chip family.
    pub fn compliant(
        recipient: &'a Identity,
        policy: LeafCheck,
        trust: Option<&'a EscrowKey>,
        family: FamilyKey,
    ) -> Opener<'a> {
        let check = move |header: &e2e::Header, key: &e2e::ContentKey| {
            leaf::check(
                policy,
                &family,
                trust.map(|t| &t.0),
                header.extension(LEAF_EXTENSION),
                key,
                header.core_bytes(),
            )
        };
        Opener {
            inner: E2eOpener::new(recipient).with_check(Box::new(check)),
        }
    }

    /// The authority's opener: the content key comes from the access field.
    pub fn authority(authority: &'a EscrowAuthority) -> Opener<'a> {
        let unlock = move |header: &e2e::Header| {
            let field = header.extension(LEAF_EXTENSION).ok_or(Error::NotEscrowed)?;
            leaf::unwrap(&authority.0, field, header.core_bytes())
        };
        Opener {
            inner: E2eOpener::with_unlock(Unlock::Key(Box::new(unlock))),
        }
    }

    /// See [`e2e::Opener::associated_data`].
    pub fn associated_data(self, aad: &'a [u8]) -> Self {
        Opener {
            inner: self.inner.associated_data(aad),
        }
    }

    /// Opens in memory, checking everything before returning anything.
    ///
    /// # Errors
    ///
    /// As [`open`] / [`EscrowAuthority::open`].
    pub fn open(&self, envelope: &[u8]) -> Result<Opened> {
        self.inner.open(envelope)
    }

    /// Opens a stream in constant memory; see [`e2e::Opener::open_stream`]
    /// for what is released before the signature is checked.
    ///
    /// # Errors
    ///
    /// As [`Opener::open`], and [`Error::Io`].
    pub fn open_stream(&self, reader: impl Read, writer: impl Write) -> Result<StreamOpened> {
        self.inner.open_stream(reader, writer)
    }
}
