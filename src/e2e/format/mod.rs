//! The envelope header: constants and the one serializer; the one parser
//! is in [`parse`].
//!
//! See `docs/FORMAT.md` for the byte diagram. Every length and count is
//! checked against its bound *before* anything is allocated for it.

mod parse;

pub(crate) use parse::read_up_to;

use super::chunks::PayloadShape;
use super::error::{OpenError as Error, SealError};
use super::layer::CONTENT_KEY_LEN;
use crate::hpke::{Aead, Kem as _, XWing, TAG_LEN};
use crate::keys::Kem;

type Result<T> = core::result::Result<T, Error>;

/// The first seven bytes of every envelope.
pub const MAGIC: &[u8; 7] = b"doormat";
/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// At most this many recipients (stanzas) per envelope.
pub const MAX_RECIPIENTS: usize = 1024;
/// A header (magic through extensions) is at most this long.
pub const MAX_HEADER_LEN: usize = 1 << 20;
/// At most this many post-quantum recipients fit in a header (without key
/// ids or extensions): an X-Wing stanza is 1,168 bytes, so
/// [`MAX_HEADER_LEN`] holds 897 of them.
pub const MAX_POST_QUANTUM_RECIPIENTS: usize =
    (MAX_HEADER_LEN - FIXED_LEN - 4) / (XWing::ENC_LEN + WRAPPED_KEY_LEN);
/// Smallest payload chunk size accepted: 1 KiB. Every chunk costs an AEAD
/// call and a hash beside its bytes, so tiny chunks make an envelope cost
/// an opener far more per byte than it cost its sender: opening 16 MiB in
/// 1 KiB chunks took 2.7 times what 64 KiB chunks take here, in 64-byte
/// chunks 27 times.
pub const MIN_CHUNK_SIZE: u32 = 1 << 10;
/// Largest payload chunk size accepted (bounds the streaming buffers).
pub const MAX_CHUNK_SIZE: u32 = 16 << 20;
/// Default payload chunk size: 64 KiB, as in age.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 << 10;
/// The most plaintext between two checkpoints (checkpoint interval × chunk
/// size): what a streaming opener holds back until the sender's signature
/// over it verifies.
pub const MAX_CHECKPOINT_SPAN: u64 = 16 << 20;
/// The least plaintext between two checkpoints: 1 MiB. Each checkpoint
/// costs an opener one Ed25519 verification, so a sender who could sign
/// every 64 bytes would make opening cost a thousand times what sealing
/// did (an envelope sent again and again to a gateway that opens mail);
/// with this floor a checkpoint costs at most a few percent of its span.
pub const MIN_CHECKPOINT_SPAN: u64 = 1 << 20;
/// The plaintext between two checkpoints when the sealer is not told
/// otherwise: 4 MiB (64 chunks of 64 KiB), one Ed25519 signature per 4 MiB.
pub const DEFAULT_CHECKPOINT_SPAN: u32 = 4 << 20;
/// Length of an opt-in recipient key id.
pub const KEY_ID_LEN: usize = 8;
/// Length of the wrapped content key in a stanza (key + HPKE tag).
pub(crate) const WRAPPED_KEY_LEN: usize = CONTENT_KEY_LEN + TAG_LEN;
/// Length of the fixed part of the header: magic, version, suite, flags,
/// chunk size, checkpoint interval, recipient count.
pub(crate) const FIXED_LEN: usize = 7 + 1 + 2 + 1 + 4 + 4 + 2;

/// Header flag: each stanza starts with a recipient key id.
const FLAG_KEY_IDS: u8 = 0x01;
/// Header flag: every stanza is an X-Wing stanza.
const FLAG_POST_QUANTUM: u8 = 0x02;
/// Header flag: the stanzas are of both kinds, and each names its KEM
/// (only when the sealer opted in to mixing).
const FLAG_STANZA_KINDS: u8 = 0x04;
/// Header flag: the sender block holds a wide identity slot (KEM id, then
/// any identity, zero-padded), so it does not tell the sender's kind.
const FLAG_WIDE_SENDER: u8 = 0x08;
const KNOWN_FLAGS: u8 = FLAG_KEY_IDS | FLAG_POST_QUANTUM | FLAG_STANZA_KINDS | FLAG_WIDE_SENDER;
/// Length of the KEM id that starts a stanza in a mixed header.
const KIND_LEN: usize = 2;

/// The cipher that encrypts the payload chunks (and wraps the content key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PayloadCipher {
    /// ChaCha20-Poly1305: fast everywhere, constant time without AES hardware.
    #[default]
    ChaCha20Poly1305,
    /// AES-256-GCM: fastest where the CPU has AES instructions.
    Aes256Gcm,
}

impl PayloadCipher {
    /// The suite id on the wire: the RFC 9180 `aead_id` of the cipher.
    pub const fn id(self) -> u16 {
        self.aead().id()
    }

    /// The cipher with this wire id.
    pub const fn from_id(id: u16) -> Option<PayloadCipher> {
        match id {
            0x0003 => Some(PayloadCipher::ChaCha20Poly1305),
            0x0002 => Some(PayloadCipher::Aes256Gcm),
            _ => None,
        }
    }

    /// The same cipher as an HPKE AEAD.
    pub const fn aead(self) -> Aead {
        match self {
            PayloadCipher::ChaCha20Poly1305 => Aead::ChaCha20Poly1305,
            PayloadCipher::Aes256Gcm => Aead::Aes256Gcm,
        }
    }
}

/// One recipient's stanza: the content key wrapped to them with HPKE.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Stanza {
    pub(crate) key_id: Option<[u8; KEY_ID_LEN]>,
    pub(crate) kem: Kem,
    /// [`Kem::enc_len`] bytes.
    pub(crate) enc: Vec<u8>,
    pub(crate) wrapped: [u8; WRAPPED_KEY_LEN],
}

impl Stanza {
    /// Its length on the wire, with or without a key id (and without the
    /// KEM id a mixed header puts before it).
    fn len(kem: Kem, key_ids: bool) -> usize {
        usize::from(key_ids) * KEY_ID_LEN + kem.enc_len() + WRAPPED_KEY_LEN
    }

    /// Parses one stanza of `kem` from `bytes` (of exactly its length).
    fn from_bytes(kem: Kem, key_ids: bool, bytes: &[u8]) -> Stanza {
        let (key_id, rest) = if key_ids {
            let (id, rest) = bytes.split_at(KEY_ID_LEN);
            (Some(id.try_into().expect("split at KEY_ID_LEN")), rest)
        } else {
            (None, bytes)
        };
        let (enc, wrapped) = rest.split_at(kem.enc_len());
        Stanza {
            key_id,
            kem,
            enc: enc.to_vec(),
            wrapped: wrapped.try_into().expect("stanza length arithmetic"),
        }
    }
}

/// How a header's stanzas are laid out, from its flags.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StanzaLayout {
    /// All X25519: the format before post-quantum recipients, byte for byte.
    Classical,
    /// All X-Wing.
    PostQuantum,
    /// Both kinds, each stanza starting with its KEM id.
    Mixed,
}

impl StanzaLayout {
    fn of(stanzas: &[Stanza]) -> StanzaLayout {
        let pq = stanzas.iter().filter(|s| s.kem.is_post_quantum()).count();
        match pq {
            0 => StanzaLayout::Classical,
            n if n == stanzas.len() => StanzaLayout::PostQuantum,
            _ => StanzaLayout::Mixed,
        }
    }

    fn flag(self) -> u8 {
        match self {
            StanzaLayout::Classical => 0,
            StanzaLayout::PostQuantum => FLAG_POST_QUANTUM,
            StanzaLayout::Mixed => FLAG_STANZA_KINDS,
        }
    }
}

/// A parsed (or freshly built) header, with its exact bytes.
#[derive(Clone)]
pub struct Header {
    pub(crate) cipher: PayloadCipher,
    pub(crate) chunk_size: u32,
    pub(crate) checkpoint_interval: u32,
    pub(crate) stanzas: Vec<Stanza>,
    /// Whether the sender block has the wide identity slot.
    pub(crate) wide_sender: bool,
    pub(crate) extensions: Vec<(u16, Vec<u8>)>,
    /// The serialized header, magic through extensions.
    pub(crate) bytes: Vec<u8>,
    /// How many of `bytes` come before the extension section.
    pub(crate) core_len: usize,
}

impl core::fmt::Debug for Header {
    /// The public shape of the header; stanzas are opaque and not printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Header")
            .field("cipher", &self.cipher)
            .field("chunk_size", &self.chunk_size)
            .field("checkpoint_interval", &self.checkpoint_interval)
            .field("stanzas", &self.stanzas.len())
            .field(
                "stanza_kems",
                &self.stanzas.iter().map(|s| s.kem).collect::<Vec<_>>(),
            )
            .field("key_ids", &self.has_key_ids())
            .field(
                "extension_types",
                &self.extensions.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Header {
    /// The payload cipher.
    pub fn cipher(&self) -> PayloadCipher {
        self.cipher
    }

    /// The payload chunk size.
    pub fn chunk_size(&self) -> u32 {
        self.chunk_size
    }

    /// How many chunks come between two signed checkpoints.
    pub fn checkpoint_interval(&self) -> u32 {
        self.checkpoint_interval
    }

    /// How many stanzas (recipients) the header carries.
    pub fn stanza_count(&self) -> usize {
        self.stanzas.len()
    }

    /// The HPKE `enc` of stanza `i`, in clear for every observer: an
    /// ephemeral X25519 public key (32 bytes), or an X-Wing ciphertext
    /// (1,120 bytes).
    #[cfg(feature = "hazmat")]
    pub(crate) fn stanza_enc(&self, i: usize) -> Option<&[u8]> {
        self.stanzas.get(i).map(|s| s.enc.as_slice())
    }

    /// The KEM of stanza `i`: the one thing about a recipient the header
    /// shows every observer (besides an opt-in key id).
    pub fn stanza_kem(&self, i: usize) -> Option<Kem> {
        self.stanzas.get(i).map(|s| s.kem)
    }

    /// Whether any stanza is post-quantum (X-Wing).
    pub fn is_post_quantum(&self) -> bool {
        self.stanzas.iter().any(|s| s.kem.is_post_quantum())
    }

    /// The opt-in key id of stanza `i`, if the header carries key ids.
    pub fn stanza_key_id(&self, i: usize) -> Option<[u8; KEY_ID_LEN]> {
        self.stanzas.get(i).and_then(|s| s.key_id)
    }

    /// Whether the sender block has the wide sender slot (flag `0x08`): in
    /// every post-quantum envelope, and in any envelope from a post-quantum
    /// sender.
    pub fn has_wide_sender_slot(&self) -> bool {
        self.wide_sender
    }

    /// The length of the sealed sender block that follows this header.
    pub fn sealed_sender_block_len(&self) -> usize {
        super::sender_block_len(self.stanzas.len(), self.wide_sender)
    }

    /// What an envelope of `envelope_len` bytes with this header holds:
    /// its plaintext length, chunks and checkpoints, from the sizes alone
    /// (nothing is verified). `None` if no envelope with this header has
    /// that length: it was cut, or has bytes appended.
    ///
    /// ```
    /// use doormat::{e2e, keys::Identity};
    ///
    /// let (alice, bob) = (Identity::generate(), Identity::generate());
    /// let envelope = e2e::Sealer::new(&alice, &[bob.public()])
    ///     .chunk_size(1024)
    ///     .seal(&[0u8; 5000])?;
    /// let shape = e2e::Header::parse(&envelope)?.payload_shape(envelope.len() as u64).unwrap();
    /// assert_eq!((shape.plaintext_len, shape.chunks), (5000, 5));
    /// # Ok::<(), doormat::Error>(())
    /// ```
    pub fn payload_shape(&self, envelope_len: u64) -> Option<PayloadShape> {
        let fixed = self.bytes.len() + self.sealed_sender_block_len() + super::SIGNATURE_BLOCK_LEN;
        let payload = envelope_len.checked_sub(fixed as u64)?;
        PayloadShape::of(payload, self.chunk_size, self.checkpoint_interval)
    }

    /// Whether stanzas carry recipient key ids (which link the envelope to
    /// its recipients).
    pub fn has_key_ids(&self) -> bool {
        self.stanzas.first().is_some_and(|s| s.key_id.is_some())
    }

    /// The body of the header extension of this type, if present.
    pub fn extension(&self, ext_type: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(t, _)| *t == ext_type)
            .map(|(_, body)| body.as_slice())
    }

    /// All header extensions, in increasing type order.
    pub fn extensions(&self) -> impl Iterator<Item = (u16, &[u8])> {
        self.extensions.iter().map(|(t, b)| (*t, b.as_slice()))
    }

    /// The header bytes before the extension section: everything an
    /// extension can be bound to when it is computed.
    pub fn core_bytes(&self) -> &[u8] {
        &self.bytes[..self.core_len]
    }

    /// The exact serialized header.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Serializes the fixed part and the stanzas: the core header. A
    /// post-quantum envelope always has the wide sender slot.
    pub(crate) fn write_core(
        cipher: PayloadCipher,
        chunk_size: u32,
        checkpoint_interval: u32,
        stanzas: &[Stanza],
        wide_sender: bool,
    ) -> Vec<u8> {
        let key_ids = stanzas.first().is_some_and(|s| s.key_id.is_some());
        let layout = StanzaLayout::of(stanzas);
        let kinds = layout == StanzaLayout::Mixed;
        let wide_sender = wide_sender || layout != StanzaLayout::Classical;
        let kind_ids = if kinds { stanzas.len() * KIND_LEN } else { 0 };
        let stanzas_len: usize = kind_ids
            + stanzas
                .iter()
                .map(|s| Stanza::len(s.kem, key_ids))
                .sum::<usize>();
        let mut out = Vec::with_capacity(FIXED_LEN + stanzas_len);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.extend_from_slice(&cipher.id().to_be_bytes());
        let mut flags = layout.flag();
        if key_ids {
            flags |= FLAG_KEY_IDS;
        }
        if wide_sender {
            flags |= FLAG_WIDE_SENDER;
        }
        out.push(flags);
        out.extend_from_slice(&chunk_size.to_be_bytes());
        out.extend_from_slice(&checkpoint_interval.to_be_bytes());
        out.extend_from_slice(&(stanzas.len() as u16).to_be_bytes());
        for s in stanzas {
            if kinds {
                out.extend_from_slice(&s.kem.id().to_be_bytes());
            }
            if let Some(id) = &s.key_id {
                out.extend_from_slice(id);
            }
            out.extend_from_slice(&s.enc);
            out.extend_from_slice(&s.wrapped);
        }
        out
    }

    /// Finishes a header: appends the extension section to the core bytes.
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidArgument`] for duplicate extension types or a
    /// header over [`MAX_HEADER_LEN`].
    pub(crate) fn finish(
        cipher: PayloadCipher,
        chunk_size: u32,
        checkpoint_interval: u32,
        stanzas: Vec<Stanza>,
        core: Vec<u8>,
        mut extensions: Vec<(u16, Vec<u8>)>,
    ) -> core::result::Result<Header, SealError> {
        extensions.sort_by_key(|(t, _)| *t);
        if has_duplicates(extensions.iter().map(|(t, _)| *t)) {
            return Err(SealError::InvalidArgument(
                "duplicate header extension type",
            ));
        }
        let ext_len: usize = extensions.iter().map(|(_, b)| 2 + 4 + b.len()).sum();
        if core.len() + 4 + ext_len > MAX_HEADER_LEN {
            return Err(SealError::InvalidArgument("header would exceed 1 MiB"));
        }
        let core_len = core.len();
        let wide_sender = core[10] & FLAG_WIDE_SENDER != 0;
        let mut bytes = core;
        bytes.extend_from_slice(&(ext_len as u32).to_be_bytes());
        for (t, body) in &extensions {
            bytes.extend_from_slice(&t.to_be_bytes());
            bytes.extend_from_slice(&(body.len() as u32).to_be_bytes());
            bytes.extend_from_slice(body);
        }
        Ok(Header {
            cipher,
            chunk_size,
            checkpoint_interval,
            stanzas,
            wide_sender,
            extensions,
            bytes,
            core_len,
        })
    }
}

/// Whether a checkpoint interval is allowed with a chunk size: at least one
/// chunk, and a span of [`MIN_CHECKPOINT_SPAN`] to [`MAX_CHECKPOINT_SPAN`]
/// bytes of plaintext. The default interval always fits.
pub(crate) fn checkpoint_interval_fits(interval: u32, chunk_size: u32) -> bool {
    let span = u64::from(interval) * u64::from(chunk_size);
    interval >= 1 && (MIN_CHECKPOINT_SPAN..=MAX_CHECKPOINT_SPAN).contains(&span)
}

/// The checkpoint interval a sealer uses when not told otherwise.
pub(crate) fn default_checkpoint_interval(chunk_size: u32) -> u32 {
    (DEFAULT_CHECKPOINT_SPAN / chunk_size.max(1)).max(1)
}

/// Whether any item occurs twice: the one duplicate check of the format
/// (stanzas, recipients, extension types).
pub(crate) fn has_duplicates<T: Ord>(items: impl Iterator<Item = T>) -> bool {
    let mut sorted: Vec<T> = items.collect();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}
