//! The clean end-to-end envelope: only the named recipients can read it, and
//! they know who sent it.
//!
//! One random content key per envelope, wrapped to each recipient with HPKE
//! (RFC 9180, base mode); the payload in 64 KiB chunks in the style of age's
//! STREAM; the sender's Ed25519 signature over the header, the sealed sender
//! block (the sender and the full recipient set) and the payload. The sender's identity and signature travel
//! *inside* the encryption, and by default stanzas carry no recipient
//! identifier, so an observer learns neither who sent an envelope nor to whom.
//! The format is specified in `docs/FORMAT.md`.
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
//! assert!(matches!(e2e::open(&carol, &envelope), Err(doormat::Error::NotARecipient)));
//! # Ok::<(), doormat::Error>(())
//! ```
//!
//! Options (associated data, cipher, chunk size, key ids, streaming) live on
//! [`Sealer`] and [`Opener`].
//!
//! # Security
//!
//! * [`open`] and [`Opener::open`] check every chunk *and* the signature
//!   before they return any plaintext.
//! * [`Opener::open_stream`] runs in constant memory, so it writes each chunk
//!   as soon as that chunk is authenticated (a chunk cannot be forged, moved
//!   or truncated without detection) but it can only check the sender's
//!   signature at the end. If it fails with [`Error::BadSignature`] (or any
//!   error), discard everything it wrote.
//! * Recipients share the content key, so any recipient *could* re-encrypt
//!   different chunks; the signature covers the hash of every plaintext
//!   chunk, so such a forgery fails [`Error::BadSignature`].

mod format;
mod payload;

use std::io::{Read, Write};

pub use format::{
    Header, PayloadCipher, DEFAULT_CHUNK_SIZE, KEY_ID_LEN, MAGIC, MAX_CHUNK_SIZE, MAX_HEADER_LEN,
    MAX_RECIPIENTS, MIN_CHUNK_SIZE, VERSION,
};
pub(crate) use payload::ContentKey;

use format::{has_duplicates, read_up_to, Stanza, FIXED_LEN};
use payload::{chunk_hash, chunk_layout, counter, EnvelopeKeys, PayloadDigest};

use crate::hpke::{self, Kdf, ReceiverMode, SenderMode, Suite, TAG_LEN, X25519_LEN};
use crate::keys::{
    sha256, Fingerprint, Identity, PublicIdentity, PUBLIC_IDENTITY_LEN, SIGNATURE_LEN,
};
use crate::{Error, Result};

/// Length of the sealed signature block at the end of every envelope.
pub const SIGNATURE_BLOCK_LEN: usize = SIGNATURE_LEN + TAG_LEN;

const STANZA_INFO_LABEL: &[u8] = b"doormat/v1 stanza";
const KEY_ID_LABEL: &[u8] = b"doormat/v1 key id";
const SIGNATURE_LABEL: &[u8] = b"doormat/v1 signature\0";

/// Seals `plaintext` from `sender` to `recipients` with the default options.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for no recipients, more than
/// [`MAX_RECIPIENTS`], or the same recipient twice.
pub fn seal(sender: &Identity, recipients: &[PublicIdentity], plaintext: &[u8]) -> Result<Vec<u8>> {
    Sealer::new(sender, recipients).seal(plaintext)
}

/// Opens an envelope addressed to `recipient`, verifying everything before
/// returning anything.
///
/// # Errors
///
/// [`Error::NotAnEnvelope`], [`Error::UnsupportedVersion`],
/// [`Error::UnsupportedSuite`], [`Error::MalformedHeader`] for bad shapes;
/// [`Error::NotARecipient`]; [`Error::HeaderTampered`];
/// [`Error::PayloadTampered`], [`Error::Truncated`]; [`Error::BadSignature`].
pub fn open(recipient: &Identity, envelope: &[u8]) -> Result<Opened> {
    Opener::new(recipient).open(envelope)
}

/// The recipient key id of an X25519 key: `SHA-256("doormat/v1 key id" || pk)[..8]`.
fn key_id(pk: &hpke::PublicKey) -> [u8; KEY_ID_LEN] {
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&sha256(&[KEY_ID_LABEL, pk.as_bytes()])[..KEY_ID_LEN]);
    id
}

/// The HPKE suite and `info` that wrap content keys: bound to the format
/// version and the payload cipher.
fn stanza_suite(cipher: PayloadCipher) -> (Suite, [u8; 19]) {
    let mut info = [0u8; 19];
    info[..17].copy_from_slice(STANZA_INFO_LABEL);
    info[17..].copy_from_slice(&cipher.id().to_be_bytes());
    (Suite::new(Kdf::HkdfSha256, cipher.aead()), info)
}

/// `SIGNATURE_LABEL || SHA-256(header) || SHA-256(aad) || SHA-256(sender block) || payload digest`.
fn signed_message(
    header_hash: &[u8; 32],
    aad_hash: &[u8; 32],
    sender_block: &[u8],
    payload_digest: &[u8; 32],
) -> Vec<u8> {
    [
        SIGNATURE_LABEL,
        header_hash,
        aad_hash,
        &sha256(&[sender_block]),
        payload_digest,
    ]
    .concat()
}

/// Length of the sealed sender block for `n` recipients.
fn sender_block_len(n: usize) -> usize {
    PUBLIC_IDENTITY_LEN + n * 32 + TAG_LEN
}

/// A function that computes a header extension from the content key and the
/// core header (see [`Header::core_bytes`]).
pub(crate) type KeyBoundExtension<'a> = Box<dyn Fn(&ContentKey, &[u8]) -> Result<Vec<u8>> + 'a>;

/// Builds envelopes with options: associated data, cipher, chunk size,
/// recipient key ids, header extensions; in memory or streaming.
///
/// ```
/// use doormat::{e2e, keys::Identity};
///
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let envelope = e2e::Sealer::new(&alice, &[bob.public()])
///     .associated_data(b"ticket #42")
///     .cipher(e2e::PayloadCipher::Aes256Gcm)
///     .chunk_size(4096)
///     .seal(&[7u8; 10_000])?;
/// let opened = e2e::Opener::new(&bob).associated_data(b"ticket #42").open(&envelope)?;
/// assert_eq!(opened.plaintext(), &[7u8; 10_000][..]);
/// // The associated data is bound, not sent: without it, nothing opens.
/// assert!(e2e::open(&bob, &envelope).is_err());
/// # Ok::<(), doormat::Error>(())
/// ```
pub struct Sealer<'a> {
    sender: &'a Identity,
    recipients: &'a [PublicIdentity],
    aad: &'a [u8],
    cipher: PayloadCipher,
    chunk_size: u32,
    key_ids: bool,
    extensions: Vec<(u16, Vec<u8>)>,
    key_bound: Option<(u16, KeyBoundExtension<'a>)>,
}

impl<'a> Sealer<'a> {
    /// A sealer from `sender` to `recipients`, with the default options.
    pub fn new(sender: &'a Identity, recipients: &'a [PublicIdentity]) -> Sealer<'a> {
        Sealer {
            sender,
            recipients,
            aad: b"",
            cipher: PayloadCipher::default(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            key_ids: false,
            extensions: Vec::new(),
            key_bound: None,
        }
    }

    /// Associated data: authenticated but not sent; the recipient must supply
    /// the same bytes (e.g. a file name or a ticket number) to open.
    pub fn associated_data(mut self, aad: &'a [u8]) -> Self {
        self.aad = aad;
        self
    }

    /// The payload cipher (ChaCha20-Poly1305 by default).
    pub fn cipher(mut self, cipher: PayloadCipher) -> Self {
        self.cipher = cipher;
        self
    }

    /// The chunk size, between [`MIN_CHUNK_SIZE`] and [`MAX_CHUNK_SIZE`]
    /// (checked when sealing). Streaming uses a few buffers of this size.
    pub fn chunk_size(mut self, chunk_size: u32) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// Opt in to an 8-byte key id per stanza, so a recipient finds its stanza
    /// with one Diffie-Hellman whatever the recipient count.
    ///
    /// # Security
    ///
    /// Key ids are derived from recipients' public keys: anyone who knows a
    /// candidate's public key can tell whether an envelope is addressed to
    /// them. Without key ids (the default) envelopes do not reveal their
    /// recipients, and a recipient tries each stanza in turn.
    pub fn key_ids(mut self, key_ids: bool) -> Self {
        self.key_ids = key_ids;
        self
    }

    /// Adds an authenticated header extension: `body` travels in clear in the
    /// header, is covered by the key derivation and the sender's signature,
    /// and is returned by [`Opened::extension`]. Types must be distinct.
    pub fn extension(mut self, ext_type: u16, body: Vec<u8>) -> Self {
        self.extensions.push((ext_type, body));
        self
    }

    /// Adds a header extension computed from the content key and the core
    /// header, for constructions layered on top of the envelope.
    pub(crate) fn key_bound_extension(mut self, ext_type: u16, f: KeyBoundExtension<'a>) -> Self {
        self.key_bound = Some((ext_type, f));
        self
    }

    fn check_arguments(&self) -> Result<()> {
        if self.recipients.is_empty() {
            return Err(Error::InvalidArgument("no recipients"));
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(Error::InvalidArgument("more than 1024 recipients"));
        }
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(Error::InvalidArgument("chunk size out of range"));
        }
        if has_duplicates(self.recipients.iter().map(|r| r.fingerprint())) {
            return Err(Error::InvalidArgument("the same recipient twice"));
        }
        Ok(())
    }

    /// Wraps the content key to every recipient and serializes the header.
    fn build_header(&self, content_key: &ContentKey) -> Result<Header> {
        self.check_arguments()?;
        let (suite, info) = stanza_suite(self.cipher);
        let stanzas = self
            .recipients
            .iter()
            .map(|r| {
                let pk = r.encryption_key();
                let (enc, wrapped) = hpke::seal(
                    suite,
                    &SenderMode::Base,
                    pk,
                    &info,
                    b"",
                    content_key.as_bytes(),
                )?;
                Ok(Stanza {
                    key_id: self.key_ids.then(|| key_id(pk)),
                    enc: enc.try_into().expect("X25519 enc is 32 bytes"),
                    wrapped: wrapped.try_into().expect("32-byte key plus tag"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let core = Header::write_core(self.cipher, self.chunk_size, &stanzas);
        let mut extensions = self.extensions.clone();
        if let Some((ext_type, f)) = &self.key_bound {
            extensions.push((*ext_type, f(content_key, &core)?));
        }
        Header::finish(self.cipher, self.chunk_size, stanzas, core, extensions)
    }

    /// The sender block: the sender's public identity, then the recipients'
    /// fingerprints in stanza order.
    fn sender_block(&self) -> Vec<u8> {
        let mut block = Vec::with_capacity(PUBLIC_IDENTITY_LEN + 32 * self.recipients.len());
        block.extend_from_slice(&self.sender.public().to_bytes());
        for r in self.recipients {
            block.extend_from_slice(r.fingerprint().as_bytes());
        }
        block
    }

    /// Everything before the payload: header, keys, sealed sender block.
    fn begin(&self) -> Result<Begun> {
        let content_key = ContentKey::generate()?;
        let header = self.build_header(&content_key)?;
        let header_hash = sha256(&[header.as_bytes()]);
        let aad_hash = sha256(&[self.aad]);
        let keys = EnvelopeKeys::derive(self.cipher, &content_key, &header_hash, &aad_hash);
        let sender_block = self.sender_block();
        let mut prefix = header.bytes;
        prefix.extend_from_slice(&keys.seal_sender_block(&sender_block));
        Ok(Begun {
            prefix,
            keys,
            header_hash,
            aad_hash,
            sender_block,
        })
    }

    /// Seals the signature over everything.
    fn signature_block(&self, begun: &Begun, payload_digest: [u8; 32]) -> Vec<u8> {
        let msg = signed_message(
            &begun.header_hash,
            &begun.aad_hash,
            &begun.sender_block,
            &payload_digest,
        );
        begun.keys.seal_signature_block(&self.sender.sign(&msg))
    }

    /// Seals `plaintext` in memory. With the `parallel` feature (default)
    /// chunks are encrypted on all cores.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for bad options (no recipients, too many,
    /// a duplicate, a chunk size out of range, a duplicate extension type, a
    /// header over 1 MiB).
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let begun = self.begin()?;
        let chunk = self.chunk_size as usize;
        let (count, _) = chunk_layout(plaintext.len(), chunk);
        let payload_len = plaintext.len() + count * TAG_LEN;
        let start = begun.prefix.len();
        let end = start + payload_len;
        // A zeroed allocation is fresh pages from the OS, zeroed lazily as
        // each worker first writes its chunks: no serial memset up front.
        let mut out = vec![0u8; end + SIGNATURE_BLOCK_LEN];
        out[..start].copy_from_slice(&begun.prefix);
        let hashes = seal_chunks(&begun.keys, plaintext, &mut out[start..end], chunk)?;
        let mut digest = PayloadDigest::new();
        hashes.iter().for_each(|h| digest.push(h));
        out[end..].copy_from_slice(&self.signature_block(&begun, digest.finish()));
        Ok(out)
    }

    /// Seals everything `reader` yields into `writer`, in constant memory
    /// (two chunk buffers). Returns the number of plaintext bytes sealed.
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`], and [`Error::Io`] from the reader or writer.
    pub fn seal_stream(&self, mut reader: impl Read, mut writer: impl Write) -> Result<u64> {
        let begun = self.begin()?;
        writer.write_all(&begun.prefix)?;
        let chunk = self.chunk_size as usize;
        // One byte of look-ahead tells a full last chunk from a full middle one.
        let mut buf = vec![0u8; chunk + 1];
        let mut pending = 0;
        let mut ctr: u64 = 0;
        let mut total: u64 = 0;
        let mut digest = PayloadDigest::new();
        loop {
            let filled = pending + read_up_to(&mut reader, &mut buf[pending..])?;
            let last = filled <= chunk;
            let len = filled.min(chunk);
            digest.push(&chunk_hash(&buf[..len]));
            let tag = begun.keys.seal_chunk(ctr, last, &mut buf[..len]);
            writer.write_all(&buf[..len])?;
            writer.write_all(tag.as_ref())?;
            total += len as u64;
            if last {
                break;
            }
            buf[0] = buf[chunk];
            pending = 1;
            ctr = ctr
                .checked_add(1)
                .ok_or(Error::InvalidArgument("chunk counter overflow"))?;
        }
        writer.write_all(&self.signature_block(&begun, digest.finish()))?;
        writer.flush()?;
        Ok(total)
    }
}

impl core::fmt::Debug for Sealer<'_> {
    /// The options; never the sender's keys.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sealer")
            .field("sender", &self.sender.public().fingerprint())
            .field("recipients", &self.recipients.len())
            .field("cipher", &self.cipher)
            .field("chunk_size", &self.chunk_size)
            .field("key_ids", &self.key_ids)
            .field(
                "extensions",
                &(self.extensions.len() + usize::from(self.key_bound.is_some())),
            )
            .finish_non_exhaustive()
    }
}

/// The state between the header and the payload, while sealing.
struct Begun {
    prefix: Vec<u8>,
    keys: EnvelopeKeys,
    header_hash: [u8; 32],
    aad_hash: [u8; 32],
    sender_block: Vec<u8>,
}

/// Encrypts `plaintext` chunk by chunk into `out` (sized for ciphertext and
/// tags); returns each chunk's plaintext hash, in order.
fn seal_chunks(
    keys: &EnvelopeKeys,
    plaintext: &[u8],
    out: &mut [u8],
    chunk: usize,
) -> Result<Vec<[u8; 32]>> {
    let (count, _) = chunk_layout(plaintext.len(), chunk);
    let seal_one = |i: usize, pt: &[u8], slot: &mut [u8]| -> Result<[u8; 32]> {
        let (body, tag_slot) = slot.split_at_mut(pt.len());
        body.copy_from_slice(pt);
        let tag = keys.seal_chunk(counter(i)?, i + 1 == count, body);
        tag_slot.copy_from_slice(tag.as_ref());
        Ok(chunk_hash(pt))
    };
    if plaintext.is_empty() {
        return Ok(vec![seal_one(0, &[], out)?]);
    }
    #[cfg(feature = "parallel")]
    if count > 1 {
        use rayon::prelude::*;
        return plaintext
            .par_chunks(chunk)
            .zip(out.par_chunks_mut(chunk + TAG_LEN))
            .enumerate()
            .map(|(i, (pt, slot))| seal_one(i, pt, slot))
            .collect();
    }
    plaintext
        .chunks(chunk)
        .zip(out.chunks_mut(chunk + TAG_LEN))
        .enumerate()
        .map(|(i, (pt, slot))| seal_one(i, pt, slot))
        .collect()
}

/// A function that finds the content key from the header by other means
/// than a stanza.
pub(crate) type KeyFromHeader<'a> = Box<dyn Fn(&Header) -> Result<ContentKey> + 'a>;

/// How an [`Opener`] gets the content key.
pub(crate) enum Unlock<'a> {
    /// Trial-decrypt the stanzas with this identity's X25519 key, and require
    /// the identity in the signed recipient set.
    Recipient(&'a Identity),
    /// Get the content key some other way, from the header.
    Key(KeyFromHeader<'a>),
}

/// A check run on the header with the content key, after the key is found and
/// before any plaintext is released.
pub(crate) type KeyCheck<'a> = Box<dyn Fn(&Header, &ContentKey) -> Result<()> + 'a>;

/// Opens envelopes with options: associated data, in memory or streaming.
pub struct Opener<'a> {
    unlock: Unlock<'a>,
    aad: &'a [u8],
    check: Option<KeyCheck<'a>>,
}

impl<'a> Opener<'a> {
    /// An opener for envelopes addressed to `recipient`.
    pub fn new(recipient: &'a Identity) -> Opener<'a> {
        Opener::with_unlock(Unlock::Recipient(recipient))
    }

    pub(crate) fn with_unlock(unlock: Unlock<'a>) -> Opener<'a> {
        Opener {
            unlock,
            aad: b"",
            check: None,
        }
    }

    /// Runs `check` after the content key is found, before any plaintext.
    pub(crate) fn with_check(mut self, check: KeyCheck<'a>) -> Self {
        self.check = Some(check);
        self
    }

    /// The associated data the envelope was sealed with.
    pub fn associated_data(mut self, aad: &'a [u8]) -> Self {
        self.aad = aad;
        self
    }

    /// Finds the content key: by trial decryption of the stanzas (at most one
    /// DH each, stopping at the first that opens) or by the layered unlock.
    fn content_key(&self, header: &Header) -> Result<ContentKey> {
        let recipient = match &self.unlock {
            Unlock::Recipient(r) => r,
            Unlock::Key(f) => return f(header),
        };
        let (suite, info) = stanza_suite(header.cipher);
        let my_id = key_id(recipient.public().encryption_key());
        for stanza in &header.stanzas {
            if stanza.key_id.is_some_and(|id| id != my_id) {
                continue;
            }
            let opened = hpke::open(
                suite,
                &ReceiverMode::Base,
                &stanza.enc,
                recipient.decryption_key(),
                &info,
                b"",
                &stanza.wrapped,
            );
            if let Ok(k) = opened {
                let k = zeroize::Zeroizing::new(k);
                if let Ok(k) = <[u8; 32]>::try_from(&k[..]) {
                    return Ok(ContentKey(zeroize::Zeroizing::new(k)));
                }
            }
        }
        Err(Error::NotARecipient)
    }

    /// Everything up to the payload: key, keys, sender block, checks.
    fn begin(&self, header: &Header, sealed_sender_block: &[u8]) -> Result<Unsealed> {
        let content_key = self.content_key(header)?;
        let header_hash = sha256(&[header.as_bytes()]);
        let aad_hash = sha256(&[self.aad]);
        let keys = EnvelopeKeys::derive(header.cipher, &content_key, &header_hash, &aad_hash);
        let sender_block = keys
            .open_sender_block(sealed_sender_block)
            .ok_or(Error::HeaderTampered)?;
        let n = header.stanzas.len();
        if sender_block.len() != PUBLIC_IDENTITY_LEN + 32 * n {
            return Err(Error::MalformedHeader("sender block length"));
        }
        let sender = PublicIdentity::from_bytes(&sender_block[..PUBLIC_IDENTITY_LEN])
            .map_err(|_| Error::MalformedHeader("invalid sender key"))?;
        let recipients: Vec<Fingerprint> = sender_block[PUBLIC_IDENTITY_LEN..]
            .chunks_exact(32)
            .map(|c| Fingerprint::from_bytes(c.try_into().expect("chunks of 32")))
            .collect();
        if has_duplicates(recipients.iter()) {
            return Err(Error::MalformedHeader("duplicate recipient"));
        }
        if let Unlock::Recipient(me) = &self.unlock {
            // The stanza opened, but the signed recipient set must name us
            // with *both* our keys, or someone else's signing key is posing.
            if !recipients.contains(&me.public().fingerprint()) {
                return Err(Error::NotARecipient);
            }
        }
        if let Some(check) = &self.check {
            check(header, &content_key)?;
        }
        Ok(Unsealed {
            keys,
            header_hash,
            aad_hash,
            sender_block: sender_block.to_vec(),
            info: EnvelopeInfo {
                sender,
                recipients,
                header: header.clone(),
            },
        })
    }

    /// Opens an envelope in memory, verifying every chunk and the signature
    /// before returning anything. Chunks are decrypted on all cores with the
    /// `parallel` feature.
    ///
    /// # Errors
    ///
    /// As [`open`].
    pub fn open(&self, envelope: &[u8]) -> Result<Opened> {
        let mut rest = envelope;
        let header = Header::read(&mut rest)?;
        let sb_len = sender_block_len(header.stanzas.len());
        if rest.len() < sb_len {
            return Err(Error::Truncated);
        }
        let unsealed = self.begin(&header, &rest[..sb_len])?;
        let rest = &rest[sb_len..];
        if rest.len() < TAG_LEN + SIGNATURE_BLOCK_LEN {
            return Err(Error::Truncated);
        }
        let (payload, sig_block) = rest.split_at(rest.len() - SIGNATURE_BLOCK_LEN);
        let chunk = header.chunk_size as usize;
        let (plaintext, hashes) = open_chunks(&unsealed.keys, payload, chunk)?;
        let mut digest = PayloadDigest::new();
        hashes.iter().for_each(|h| digest.push(h));
        unsealed.verify(sig_block, digest.finish())?;
        Ok(Opened {
            info: unsealed.info,
            plaintext,
        })
    }

    /// Opens an envelope from `reader` into `writer` in constant memory (a
    /// buffer of one chunk plus 97 bytes).
    ///
    /// # Security
    ///
    /// Each chunk is written once it is authenticated, so a truncated,
    /// reordered or modified payload never reaches `writer` past the damage.
    /// The sender's signature can only be checked at the end: on any error,
    /// including [`Error::BadSignature`], discard what was written.
    ///
    /// # Errors
    ///
    /// As [`open`], and [`Error::Io`].
    pub fn open_stream(
        &self,
        mut reader: impl Read,
        mut writer: impl Write,
    ) -> Result<StreamOpened> {
        let header = Header::read(&mut reader)?;
        // Bounded: at most 64 + 1024 × 32 + 16 bytes.
        let mut sealed_sb = vec![0u8; sender_block_len(header.stanzas.len())];
        if read_up_to(&mut reader, &mut sealed_sb)? < sealed_sb.len() {
            return Err(Error::Truncated);
        }
        let unsealed = self.begin(&header, &sealed_sb)?;
        let keys = &unsealed.keys;
        let ct_chunk = header.chunk_size as usize + TAG_LEN;
        // A full middle chunk is certain once more than a last chunk and the
        // signature block could hold is buffered.
        let cap = ct_chunk + SIGNATURE_BLOCK_LEN + 1;
        let mut buf = vec![0u8; cap];
        let mut filled = 0;
        let mut ctr: u64 = 0;
        let mut total: u64 = 0;
        let mut digest = PayloadDigest::new();
        loop {
            filled += read_up_to(&mut reader, &mut buf[filled..])?;
            if filled == cap {
                let n = keys.open_chunk(ctr, false, &mut buf[..ct_chunk])?;
                digest.push(&chunk_hash(&buf[..n]));
                writer.write_all(&buf[..n])?;
                total += n as u64;
                buf.copy_within(ct_chunk.., 0);
                filled = cap - ct_chunk;
                ctr = ctr
                    .checked_add(1)
                    .ok_or(Error::InvalidArgument("chunk counter overflow"))?;
                continue;
            }
            if filled < TAG_LEN + SIGNATURE_BLOCK_LEN {
                return Err(Error::Truncated);
            }
            let last_len = filled - SIGNATURE_BLOCK_LEN;
            let n = open_last_chunk(keys, ctr, &mut buf[..last_len])?;
            digest.push(&chunk_hash(&buf[..n]));
            writer.write_all(&buf[..n])?;
            total += n as u64;
            unsealed.verify(&buf[last_len..filled], digest.finish())?;
            writer.flush()?;
            return Ok(Opened {
                info: unsealed.info,
                plaintext: total,
            });
        }
    }
}

impl core::fmt::Debug for Opener<'_> {
    /// How the key is found; never the recipient's keys or the associated data.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let unlock = match &self.unlock {
            Unlock::Recipient(r) => format!("recipient {}", r.public().fingerprint()),
            Unlock::Key(_) => "key from header".to_owned(),
        };
        f.debug_struct("Opener")
            .field("unlock", &unlock)
            .field("check", &self.check.is_some())
            .finish_non_exhaustive()
    }
}

/// The state between the sender block and the payload, while opening.
struct Unsealed {
    keys: EnvelopeKeys,
    header_hash: [u8; 32],
    aad_hash: [u8; 32],
    sender_block: Vec<u8>,
    info: EnvelopeInfo,
}

impl Unsealed {
    /// Opens the signature block and verifies the sender's signature.
    fn verify(&self, sig_block: &[u8], payload_digest: [u8; 32]) -> Result<()> {
        let sig = self
            .keys
            .open_signature_block(sig_block)
            .ok_or(Error::PayloadTampered)?;
        let msg = signed_message(
            &self.header_hash,
            &self.aad_hash,
            &self.sender_block,
            &payload_digest,
        );
        self.info.sender.verify(&msg, &sig)
    }
}

/// Opens the final chunk. A chunk that only opens as a *middle* chunk means
/// the payload was cut at a chunk boundary: [`Error::Truncated`].
fn open_last_chunk(keys: &EnvelopeKeys, ctr: u64, buf: &mut [u8]) -> Result<usize> {
    // An empty final chunk is only canonical as the sole chunk.
    if buf.len() == TAG_LEN && ctr > 0 {
        return Err(Error::Truncated);
    }
    let copy = buf.to_vec();
    keys.open_chunk(ctr, true, buf).map_err(|e| {
        let mut probe = copy;
        match keys.open_chunk(ctr, false, &mut probe) {
            Ok(_) => Error::Truncated,
            Err(_) => e,
        }
    })
}

/// Decrypts an in-memory payload (ciphertext chunks with tags); returns the
/// plaintext and each chunk's plaintext hash, in order.
fn open_chunks(
    keys: &EnvelopeKeys,
    payload: &[u8],
    chunk: usize,
) -> Result<(Vec<u8>, Vec<[u8; 32]>)> {
    let ct_chunk = chunk + TAG_LEN;
    let count = payload.len().div_ceil(ct_chunk);
    let last_ct = payload.len() - (count - 1) * ct_chunk;
    if last_ct < TAG_LEN {
        return Err(Error::Truncated);
    }
    let mut plaintext = vec![0u8; payload.len() - count * TAG_LEN];
    let (middle_ct, last_ct) = payload.split_at((count - 1) * ct_chunk);
    let (middle_pt, last_pt) = plaintext.split_at_mut((count - 1) * chunk);
    let open_one = |i: usize, ct: &[u8], out: &mut [u8]| -> Result<[u8; 32]> {
        let (body, tag) = ct.split_at(chunk);
        keys.open_chunk_into(counter(i)?, false, body, tag, out)?;
        Ok(chunk_hash(out))
    };
    #[cfg(feature = "parallel")]
    let mut hashes: Vec<[u8; 32]> = {
        use rayon::prelude::*;
        middle_ct
            .par_chunks(ct_chunk)
            .zip(middle_pt.par_chunks_mut(chunk))
            .enumerate()
            .map(|(i, (ct, out))| open_one(i, ct, out))
            .collect::<Result<_>>()?
    };
    #[cfg(not(feature = "parallel"))]
    let mut hashes: Vec<[u8; 32]> = middle_ct
        .chunks(ct_chunk)
        .zip(middle_pt.chunks_mut(chunk))
        .enumerate()
        .map(|(i, (ct, out))| open_one(i, ct, out))
        .collect::<Result<_>>()?;
    let mut last = last_ct.to_vec();
    let n = open_last_chunk(keys, counter(count - 1)?, &mut last)?;
    last_pt.copy_from_slice(&last[..n]);
    hashes.push(chunk_hash(last_pt));
    Ok((plaintext, hashes))
}

/// What an opened envelope says about itself, all of it authenticated.
#[derive(Clone)]
struct EnvelopeInfo {
    sender: PublicIdentity,
    recipients: Vec<Fingerprint>,
    header: Header,
}

/// An opened envelope: the verified sender, the recipient set, and the
/// plaintext (`P = Vec<u8>`, from [`Opener::open`]) or the number of
/// plaintext bytes written (`P = u64`, [`StreamOpened`], from
/// [`Opener::open_stream`]).
pub struct Opened<P = Vec<u8>> {
    info: EnvelopeInfo,
    plaintext: P,
}

/// What [`Opener::open_stream`] returns: everything but the plaintext, which
/// went to the writer, and how many bytes of it there were.
pub type StreamOpened = Opened<u64>;

impl<P> Opened<P> {
    /// The sender, whose signature over the whole envelope verified.
    pub fn sender(&self) -> &PublicIdentity {
        &self.info.sender
    }

    /// The fingerprints of every recipient, as the sender signed them.
    pub fn recipients(&self) -> &[Fingerprint] {
        &self.info.recipients
    }

    /// The body of a header extension (see [`Sealer::extension`]).
    pub fn extension(&self, ext_type: u16) -> Option<&[u8]> {
        self.info.header.extension(ext_type)
    }

    /// The envelope's header.
    pub fn header(&self) -> &Header {
        &self.info.header
    }
}

impl Opened {
    /// The plaintext.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The plaintext, by value.
    pub fn into_plaintext(self) -> Vec<u8> {
        self.plaintext
    }
}

impl StreamOpened {
    /// How many plaintext bytes were written.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext
    }
}

impl<P> core::fmt::Debug for Opened<P> {
    /// Sender and recipients only: the plaintext is the user's business.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Opened")
            .field("sender", &self.info.sender)
            .field("recipients", &self.info.recipients)
            .finish_non_exhaustive()
    }
}

/// The size of an envelope minus its payload, for `n` recipients with no
/// extensions and excluding the 16-byte tag of each chunk: fixed header,
/// stanzas, extension length, sealed sender block and sealed signature block.
pub const fn overhead(n: usize, key_ids: bool) -> usize {
    let stanza = if key_ids { KEY_ID_LEN } else { 0 } + X25519_LEN + format::WRAPPED_KEY_LEN;
    FIXED_LEN + n * stanza + 4 + PUBLIC_IDENTITY_LEN + 32 * n + TAG_LEN + SIGNATURE_BLOCK_LEN
}
