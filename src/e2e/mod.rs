//! The clean end-to-end envelope: only the named recipients can read it, and
//! they know who sent it.
//!
//! One random content key per envelope, wrapped to each recipient with HPKE
//! (RFC 9180, base mode); the payload in 64 KiB chunks in the style of age's
//! STREAM; the sender's Ed25519 signature over the header, the sealed sender
//! block (the sender and the full recipient set) and the payload. The
//! sender's identity and signature travel *inside* the encryption, and by
//! default stanzas carry no recipient identifier, so an observer learns
//! neither who sent an envelope nor to whom. The format is specified in
//! `docs/FORMAT.md`.
//!
//! ```
//! use doormat::{e2e, keys::Identity};
//!
//! let alice = Identity::generate();
//! let bob = Identity::generate();
//! let envelope = e2e::seal(&alice, &[bob.public()], b"meet at noon")?;
//!
//! let opened = e2e::open(&bob, &envelope)?;
//! assert_eq!(opened.plaintext(), b"meet at noon");
//! assert_eq!(opened.sender(), &alice.public());
//! assert_eq!(opened.recipients(), &[bob.public().fingerprint()]);
//!
//! // Nobody else can: not Carol, not the server, not an escrow authority.
//! let carol = Identity::generate();
//! assert!(matches!(e2e::open(&carol, &envelope), Err(e2e::OpenError::NotARecipient)));
//! # Ok::<(), doormat::Error>(())
//! ```
//!
//! Options (associated data, cipher, chunk size, key ids, a generator,
//! streaming) live on [`Sealer`] and [`Opener`]. Constructions on top of the
//! envelope attach a [`Layer`]: the one extension point, documented in one
//! place.
//!
//! # Security
//!
//! * Recipients share the content key, so any recipient *could* re-encrypt
//!   different chunks; the AEAD tags prove nothing about who wrote them. The
//!   sender's signature covers the header, the associated data, the sender
//!   block and the hash of every plaintext chunk, so such a forgery fails
//!   [`OpenError::BadSignature`].
//! * Nothing unsigned reaches a caller. [`open`] and [`Opener::open`] check
//!   every chunk, every checkpoint and the signature before they return any
//!   plaintext. [`Opener::open_stream`] runs in bounded memory: the sender
//!   signs a checkpoint of the payload digest every
//!   [`Header::checkpoint_interval`] chunks (4 MiB by default), and the
//!   stream releases a batch only once its checkpoint verifies. On an error
//!   it may have written a signed prefix: treat the output as incomplete.
//! * Signatures are transferable proof of authorship: every recipient can
//!   show a third party who wrote an envelope (and so can anyone else who
//!   holds its content key, such as the holder of an escrow key).
//! * A recipient without key ids tries the stanzas in order and stops at the
//!   first that opens, so the time it takes reveals, to someone who can
//!   time it, which stanza was its own. The signing key of an identity signs
//!   only envelopes; [`Identity::sign`](crate::keys::Identity::sign) uses
//!   its own domain label.

mod chunks;
mod error;
mod format;
mod layer;
mod open;
mod payload;
mod pool;
mod seal;
mod stream;

pub use chunks::{PayloadShape, CHECKPOINT_LEN};
pub use error::{LayerError, OpenError, SealError};
pub use format::{
    Header, PayloadCipher, DEFAULT_CHECKPOINT_SPAN, DEFAULT_CHUNK_SIZE, KEY_ID_LEN, MAGIC,
    MAX_CHECKPOINT_SPAN, MAX_CHUNK_SIZE, MAX_HEADER_LEN, MAX_POST_QUANTUM_RECIPIENTS,
    MAX_RECIPIENTS, MIN_CHECKPOINT_SPAN, MIN_CHUNK_SIZE, VERSION,
};
pub use layer::{ContentKey, Layer, Opening, Sealing, Unlocked, CONTENT_KEY_LEN};
pub use open::{Opened, Opener, StreamOpened};
pub use seal::Sealer;
pub use stream::STREAM_BATCH_SPAN;

use format::{FIXED_LEN, WRAPPED_KEY_LEN};
use payload::ChunkHash;

use crate::hash::{sha256, SHA256_LEN};
use crate::hpke::{Kdf, Kem as _, Suite, XWing, TAG_LEN, X25519};
use crate::keys::{
    EncryptionKey, Identity, PublicIdentity, FINGERPRINT_LEN, PQ_PUBLIC_IDENTITY_LEN,
    PUBLIC_IDENTITY_LEN, SIGNATURE_LEN,
};

/// Length of the sealed signature block at the end of every envelope.
pub const SIGNATURE_BLOCK_LEN: usize = SIGNATURE_LEN + TAG_LEN;

const STANZA_INFO_LABEL: &[u8] = b"doormat/v1 stanza";
/// `STANZA_INFO_LABEL || u16(suite)`.
const STANZA_INFO_LEN: usize = STANZA_INFO_LABEL.len() + 2;
const KEY_ID_LABEL: &[u8] = b"doormat/v1 key id";
const SIGNATURE_LABEL: &[u8] = b"doormat/v1 signature\0";
const CHECKPOINT_LABEL: &[u8] = b"doormat/v1 checkpoint\0";

/// Seals `plaintext` from `sender` to `recipients` with the default options.
///
/// # Errors
///
/// [`SealError::InvalidArgument`] for no recipients, more than
/// [`MAX_RECIPIENTS`], or the same recipient twice; [`SealError::MixedKems`]
/// for post-quantum and classical recipients together;
/// [`SealError::RandomFailed`] if the operating system's generator fails.
pub fn seal(
    sender: &Identity,
    recipients: &[PublicIdentity],
    plaintext: &[u8],
) -> Result<Vec<u8>, SealError> {
    Sealer::new(sender, recipients).seal(plaintext)
}

/// Opens an envelope addressed to `recipient`, verifying everything before
/// returning anything.
///
/// # Errors
///
/// [`OpenError::NotAnEnvelope`], [`OpenError::UnsupportedVersion`],
/// [`OpenError::UnsupportedSuite`], [`OpenError::MalformedHeader`] for bad
/// shapes; [`OpenError::NotARecipient`]; [`OpenError::HeaderTampered`];
/// [`OpenError::PayloadTampered`], [`OpenError::Truncated`];
/// [`OpenError::BadSignature`].
pub fn open(recipient: &Identity, envelope: &[u8]) -> Result<Opened, OpenError> {
    Opener::new(recipient).open(envelope)
}

/// The recipient key id of a KEM public key: `SHA-256("doormat/v1 key id" || pk)[..8]`.
fn key_id(pk: &EncryptionKey) -> [u8; KEY_ID_LEN] {
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&sha256(&[KEY_ID_LABEL, pk.as_bytes()])[..KEY_ID_LEN]);
    id
}

/// The HPKE suite and `info` that wrap content keys: bound to the format
/// version and the payload cipher.
fn stanza_suite(cipher: PayloadCipher) -> (Suite, [u8; STANZA_INFO_LEN]) {
    let mut info = [0u8; STANZA_INFO_LEN];
    let (label, suite) = info.split_at_mut(STANZA_INFO_LABEL.len());
    label.copy_from_slice(STANZA_INFO_LABEL);
    suite.copy_from_slice(&cipher.id().to_be_bytes());
    (Suite::new(Kdf::HkdfSha256, cipher.aead()), info)
}

/// What every signature of an envelope is bound to: the header, the
/// associated data and the sender block (the sender and the recipient set).
struct Transcript {
    header_hash: [u8; SHA256_LEN],
    aad_hash: [u8; SHA256_LEN],
    sender_block_hash: [u8; SHA256_LEN],
}

impl Transcript {
    fn new(header_hash: [u8; SHA256_LEN], aad_hash: [u8; SHA256_LEN], sender_block: &[u8]) -> Self {
        Transcript {
            header_hash,
            aad_hash,
            sender_block_hash: sha256(&[sender_block]),
        }
    }

    /// `SIGNATURE_LABEL || SHA-256(header) || SHA-256(aad) || SHA-256(sender block) || payload digest`.
    fn final_message(&self, payload_digest: &ChunkHash) -> Vec<u8> {
        [
            SIGNATURE_LABEL,
            &self.header_hash,
            &self.aad_hash,
            &self.sender_block_hash,
            payload_digest,
        ]
        .concat()
    }

    /// `CHECKPOINT_LABEL || SHA-256(header) || SHA-256(aad) || SHA-256(sender block) || u64(k) || digest_k`:
    /// the digest of the first `k × interval` chunks.
    fn checkpoint_message(&self, k: u64, digest: &ChunkHash) -> Vec<u8> {
        [
            CHECKPOINT_LABEL,
            &self.header_hash,
            &self.aad_hash,
            &self.sender_block_hash,
            &k.to_be_bytes(),
            digest,
        ]
        .concat()
    }
}

/// Length of the wide sender slot: the sender's KEM id, then its public
/// identity zero-padded to the longest kind (1,250 bytes).
pub const WIDE_SENDER_SLOT_LEN: usize = 2 + PQ_PUBLIC_IDENTITY_LEN;

/// Length of the sender's slot in the sender block.
const fn sender_slot_len(wide: bool) -> usize {
    if wide {
        WIDE_SENDER_SLOT_LEN
    } else {
        PUBLIC_IDENTITY_LEN
    }
}

/// Length of the plaintext sender block for `n` recipients: the sender's
/// public identity (in the wide slot or not), then one fingerprint per
/// recipient.
fn sender_block_plain_len(n: usize, wide: bool) -> usize {
    sender_slot_len(wide) + n * FINGERPRINT_LEN
}

/// Length of the sealed sender block for `n` recipients.
fn sender_block_len(n: usize, wide: bool) -> usize {
    sender_block_plain_len(n, wide) + TAG_LEN
}

/// The size of an envelope minus its payload, for `n` recipients with no
/// extensions, excluding the 16-byte tag of each chunk and the
/// [`CHECKPOINT_LEN`] bytes of each checkpoint: fixed header, stanzas,
/// extension length, sealed sender block and sealed signature block.
pub const fn overhead(n: usize, key_ids: bool) -> usize {
    overhead_for(X25519::ENC_LEN, PUBLIC_IDENTITY_LEN, n, key_ids)
}

/// [`overhead`] for `n` post-quantum (X-Wing) recipients: each stanza
/// carries a 1,120-byte `enc`, and the sender block the wide slot.
pub const fn overhead_post_quantum(n: usize, key_ids: bool) -> usize {
    overhead_for(XWing::ENC_LEN, WIDE_SENDER_SLOT_LEN, n, key_ids)
}

const fn overhead_for(enc_len: usize, sender_slot: usize, n: usize, key_ids: bool) -> usize {
    let stanza = if key_ids { KEY_ID_LEN } else { 0 } + enc_len + WRAPPED_KEY_LEN;
    FIXED_LEN + n * stanza + 4 + sender_slot + FINGERPRINT_LEN * n + TAG_LEN + SIGNATURE_BLOCK_LEN
}
