//! **The key-escrowed twin** — deliberately backdoored, for teaching and
//! measurement: every envelope also opens for whoever holds the escrow key.
//!
//! `escrow::seal` is [`e2e::seal`] with one extra argument, the escrow
//! authority's public key ([`EscrowKey`]). The envelope is an ordinary E2E
//! envelope plus one authenticated header extension, the *access field*
//! (a LEAF, after the Clipper chip's Law Enforcement Access Field): the
//! content key wrapped with HPKE to the escrow key and bound to the header,
//! so it cannot be moved to another envelope. Nothing in [`e2e`] knows about
//! escrow: this module plugs into the envelope's one extension point, the
//! [`e2e::Layer`] trait, three times — [`AccessField`] adds the field while
//! sealing, [`Compliance`] checks it before a compliant client releases
//! anything, and [`EscrowAuthority`] unlocks the content key from it.
//!
//! Every option of [`e2e::Sealer`] and [`e2e::Opener`] therefore works for
//! escrowed envelopes: [`sealer`] and [`opener`] return them with the escrow
//! layer attached.
//!
//! ```
//! use doormat::{escrow::{self, EscrowAuthority}, keys::Identity};
//!
//! let authority = EscrowAuthority::generate();
//! let (alice, bob) = (Identity::generate(), Identity::generate());
//! let envelope = escrow::seal(&alice, &[bob.public()], &authority.public_key(), b"hi bob")?;
//!
//! // Bob sees what he would have seen with e2e ...
//! assert_eq!(escrow::open(&bob, &authority.public_key(), &envelope)?.plaintext(), b"hi bob");
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
//! A compliant client is told which authority it complies with
//! ([`open`], [`opener`], [`Compliance::pinned`]) and refuses an envelope
//! whose access field is missing, names another key, or fails a
//! [`LeafCheck`] policy:
//!
//! * [`LeafCheck::Clipper16`] checks a 16-bit checksum under a [`FamilyKey`]
//!   sealed inside clients, as in 1993: about 65,536 tries against a compliant
//!   client forge a field that passes and that the authority cannot open.
//! * [`LeafCheck::Recompute`] (the default) recomputes the whole field from
//!   the content key, the header and the associated data's hash, and
//!   compares in constant time. It is unforgeable: a field that passes opens
//!   for the authority, whatever options the sender chose.
//!
//! [`Compliance::unpinned`], which trusts any escrow key a sender names,
//! exists only for the lessons that show why pinning matters.
//!
//! Even `Recompute` does not stop evasion. A criminal superencrypts: they
//! put an E2E envelope inside the escrowed one, and the authority opens only
//! ciphertext. Or they run a modified client that skips the check. The check
//! binds only the people who comply — the law-abiding — whose every message
//! is then exposed to whoever holds the key.
//!
//! # Signatures are evidence
//!
//! An escrowed envelope is signed like any other, and the authority verifies
//! that signature when it opens one. A signature is transferable proof: the
//! authority — and anyone holding a copy of its key — can show a third party
//! who wrote every message it reads.
//!
//! # Sessions: escrow reverses forward secrecy
//!
//! The same layers plug into the session's extension point
//! ([`session::Layer`](crate::session::Layer)): [`session_client`] gives a
//! [`session::Client`](crate::session::Client) whose every message carries
//! an access field for its message key, bound to the message's header, and
//! which refuses a message whose field fails the compliance check. The
//! ratchet deletes each key once used; the field keeps a copy of every one,
//! wrapped to one key that never expires, so
//! [`EscrowAuthority::read_session_message`] reads any message from the
//! wire alone, before and after any compromise — the U-turn from forward
//! secrecy that "Keys Under Doormats" (2015) warned of.
//!
//! # Split custody
//!
//! [`EscrowAuthority::split`] cuts the key into `n` Shamir shares over
//! GF(2^8), any `k` of which [`EscrowAuthority::recover`] it — as Clipper's
//! two escrow agents (NIST and the Treasury) each held half of every chip's
//! key. Custody changes who must collude or be breached, not what the key
//! does once rebuilt.

mod authority;
pub(crate) mod client;
mod error;
mod kinds;
mod leaf;
mod session;
pub(crate) mod shamir;

use core::fmt;
use core::str::FromStr;

pub use authority::{EscrowAuthority, KeyShare};
pub use client::{AccessField, Compliance};
pub use error::{Error, Result};
pub use kinds::EscrowText;
pub use leaf::{
    FamilyKey, LeafCheck, CHECKSUM_LEN, FAMILY_PREFIX, LEAF_EXTENSION, LEAF_LEN, PQ_LEAF_LEN,
};
pub use session::session_client;

use crate::e2e::{self, Opened};
use crate::hash::sha256;
use crate::keys::{self, text, EncryptionKey, Fingerprint, Identity, Kem, PublicIdentity};

/// Text prefix of an [`EscrowKey`].
pub const ESCROW_KEY_PREFIX: &str = "doormat-escrow-1";
/// Text prefix of an [`EscrowAuthority`].
pub const ESCROW_SECRET_PREFIX: &str = "doormat-escrow-secret-1";
/// Text prefix of a post-quantum [`EscrowKey`].
pub const PQ_ESCROW_KEY_PREFIX: &str = "doormat-escrow-pq-1";
/// Text prefix of a post-quantum [`EscrowAuthority`].
pub const PQ_ESCROW_SECRET_PREFIX: &str = "doormat-escrow-secret-pq-1";
/// Text prefix of a [`KeyShare`].
pub const SHARE_PREFIX: &str = "doormat-escrow-share-1";

/// The public prefixes, by [`Kem`] (`kem as usize`).
pub(crate) const ESCROW_KEY_PREFIXES: [&str; 2] = [ESCROW_KEY_PREFIX, PQ_ESCROW_KEY_PREFIX];
/// The secret prefixes, by [`Kem`].
pub(crate) const ESCROW_SECRET_PREFIXES: [&str; 2] =
    [ESCROW_SECRET_PREFIX, PQ_ESCROW_SECRET_PREFIX];
/// Fingerprint labels, by [`Kem`].
const ESCROW_FINGERPRINT_LABELS: [&[u8]; 2] = [
    b"doormat escrow fingerprint v1",
    b"doormat escrow fingerprint pq v1",
];

/// Seals like [`e2e::seal`], plus an access field for `escrow`.
///
/// # Errors
///
/// [`Error::Seal`] with the errors of [`e2e::seal`].
pub fn seal(
    sender: &Identity,
    recipients: &[PublicIdentity],
    escrow: &EscrowKey,
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    Ok(sealer(sender, recipients, escrow).seal(plaintext)?)
}

/// Opens like [`e2e::open`], as a client that complies with `authority`:
/// refuses an envelope whose access field is missing
/// ([`Error::NotEscrowed`]), escrowed to another key, or fails
/// [`LeafCheck::Recompute`] ([`Error::InvalidAccessField`]).
///
/// # Errors
///
/// The two above, and [`Error::Open`] with the errors of [`e2e::open`].
pub fn open(recipient: &Identity, authority: &EscrowKey, envelope: &[u8]) -> Result<Opened> {
    Ok(opener(recipient, authority).open(envelope)?)
}

/// An [`e2e::Sealer`] with the [`AccessField`] layer for `escrow`: every
/// option of the clean sealer, and one more reader.
///
/// With post-quantum recipients, a classical `escrow` key makes every
/// envelope readable by a future quantum computer: see [`AccessField`].
pub fn sealer<'a>(
    sender: &'a Identity,
    recipients: &'a [PublicIdentity],
    escrow: &EscrowKey,
) -> e2e::Sealer<'a> {
    e2e::Sealer::new(sender, recipients).layer(AccessField::to(escrow))
}

/// An [`e2e::Opener`] for `recipient` as a client that complies with
/// `authority`: the [`Compliance`] layer pinned to it, with
/// [`LeafCheck::Recompute`].
pub fn opener<'a>(recipient: &'a Identity, authority: &EscrowKey) -> e2e::Opener<'a> {
    e2e::Opener::new(recipient).layer(Compliance::pinned(authority))
}

/// The escrow key that an envelope's access field names, if the header has
/// a field of a known shape naming a valid key. What the field *says*, not
/// what it proves: anyone can write a field naming any key, and only
/// [`Compliance`] (or the authority opening it) checks it.
///
/// ```
/// use doormat::{e2e, escrow::{self, EscrowAuthority}, keys::Identity};
///
/// let authority = EscrowAuthority::generate_post_quantum();
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let envelope = escrow::seal(&alice, &[bob.public()], &authority.public_key(), b"hi")?;
/// let header = e2e::Header::parse(&envelope)?;
/// assert_eq!(escrow::named_key(&header), Some(authority.public_key()));
/// let clean = e2e::seal(&alice, &[bob.public()], b"hi")?;
/// assert_eq!(escrow::named_key(&e2e::Header::parse(&clean)?), None);
/// # Ok::<(), doormat::Error>(())
/// ```
pub fn named_key(header: &e2e::Header) -> Option<EscrowKey> {
    let leaf = leaf::Leaf::parse(header.extension(LEAF_EXTENSION)?).ok()?;
    EscrowKey::from_bytes(leaf.pk_escrow).ok()
}

/// The escrow authority's public key: what every escrowed envelope is also
/// encrypted to. Classical (X25519) or post-quantum (X-Wing); the KEM is in
/// the text form and the fingerprint.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EscrowKey(EncryptionKey);

impl EscrowKey {
    /// The KEM public key.
    pub fn public_key(&self) -> &EncryptionKey {
        &self.0
    }

    /// The KEM.
    pub fn kem(&self) -> Kem {
        self.0.kem()
    }

    /// Parses the key: 32 bytes for X25519, 1,216 for X-Wing.
    ///
    /// # Errors
    ///
    /// [`Error::Key`] with [`keys::Error::InvalidLength`], or [`keys::Error::InvalidKey`] for a non-canonical
    /// encoding, a low-order point, or an X-Wing key that fails its check.
    pub fn from_bytes(bytes: &[u8]) -> Result<EscrowKey> {
        let kem = Kem::of_public_key_len(bytes.len()).ok_or(keys::Error::InvalidLength {
            expected: Kem::X25519.public_key_len(),
            got: bytes.len(),
        })?;
        Ok(EscrowKey(EncryptionKey::from_bytes(kem, bytes)?))
    }

    /// SHA-256 over the key under a label that names the KEM, shown as hex
    /// groups.
    pub fn fingerprint(&self) -> Fingerprint {
        let label = ESCROW_FINGERPRINT_LABELS[self.kem() as usize];
        Fingerprint::from_bytes(sha256(&[label, self.0.as_bytes()]))
    }
}

impl fmt::Debug for EscrowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EscrowKey({:?}, {})", self.kem(), self.fingerprint())
    }
}

impl fmt::Display for EscrowKey {
    /// `doormat-escrow-1<hex>` or `doormat-escrow-pq-1<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = ESCROW_KEY_PREFIXES[self.kem() as usize];
        f.write_str(&text::encode(prefix, self.0.as_bytes()))
    }
}

impl FromStr for EscrowKey {
    type Err = Error;

    /// Parses `doormat-escrow-1<hex>` or `doormat-escrow-pq-1<hex>`.
    fn from_str(s: &str) -> Result<EscrowKey> {
        let (kem, prefix) = text::kem_of(s, &ESCROW_KEY_PREFIXES);
        EscrowKey::from_bytes(&text::decode_vec(prefix, s, kem.public_key_len())?)
    }
}
