//! Sealing: the [`Sealer`] builder, in memory and streaming.

use core::cell::RefCell;
use core::fmt;
use std::io::{Read, Write};

use zeroize::Zeroizing;

use super::chunks::{seal_payload, PayloadLayout, Signed};
use super::error::SealError;
use super::format::{
    checkpoint_interval_fits, default_checkpoint_interval, has_duplicates, Header, PayloadCipher,
    Stanza,
};
use super::layer::{ContentKey, Layer, Sealing, CONTENT_KEY_LEN};
use super::payload::{ChunkHash, EnvelopeKeys};
use super::pool;
use super::{
    key_id, sender_block_plain_len, sender_slot_len, stanza_suite, stream, Transcript,
    DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MAX_RECIPIENTS, MIN_CHUNK_SIZE, SIGNATURE_BLOCK_LEN,
};
use crate::hash::sha256;
use crate::keys::{Identity, PublicIdentity};
use crate::random::{self, Drawn, Erased, Generator, SystemRng, TryCryptoRng};

type Result<T> = core::result::Result<T, SealError>;

/// Builds envelopes with options: associated data, cipher, chunk size,
/// recipient key ids, header extensions, a [`Layer`], a random number
/// generator; in memory or streaming.
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
    checkpoint_interval: Option<u32>,
    key_ids: bool,
    mixed_kems: bool,
    extensions: Vec<(u16, Vec<u8>)>,
    layers: Vec<Box<dyn Layer + 'a>>,
    /// The caller's generator; `None` is the operating system's. In a cell
    /// so that sealing takes `&self`: a sealer is never re-entered.
    rng: Option<RefCell<&'a mut dyn Generator>>,
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
            checkpoint_interval: None,
            key_ids: false,
            mixed_kems: false,
            extensions: Vec::new(),
            layers: Vec::new(),
            rng: None,
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

    /// The chunk size, between [`MIN_CHUNK_SIZE`] (1 KiB) and
    /// [`MAX_CHUNK_SIZE`] (16 MiB) (checked when sealing). Streaming works in batches of whole chunks.
    pub fn chunk_size(mut self, chunk_size: u32) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// How many chunks between two signed checkpoints: a streaming opener
    /// holds back at most this many chunks until the sender's signature over
    /// them verifies, and each checkpoint costs one signature. By default,
    /// [`DEFAULT_CHECKPOINT_SPAN`](super::DEFAULT_CHECKPOINT_SPAN) bytes of
    /// plaintext; at least [`MIN_CHECKPOINT_SPAN`](super::MIN_CHECKPOINT_SPAN)
    /// (so that checkpoints cannot make opening cost far more than sealing)
    /// and at most [`MAX_CHECKPOINT_SPAN`](super::MAX_CHECKPOINT_SPAN) bytes
    /// (checked when sealing).
    pub fn checkpoint_interval(mut self, chunks: u32) -> Self {
        self.checkpoint_interval = Some(chunks);
        self
    }

    /// The checkpoint interval in use.
    fn interval(&self) -> u32 {
        self.checkpoint_interval
            .unwrap_or_else(|| default_checkpoint_interval(self.chunk_size))
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

    /// Allow post-quantum and classical recipients in one envelope.
    ///
    /// Without it, sealing to both kinds fails with [`SealError::MixedKems`], as
    /// age refuses to mix them: every recipient can read the content key,
    /// so the envelope is only as strong as its weakest stanza, and one
    /// classical stanza lets a quantum computer open later what was recorded
    /// today. Each recipient's stanza still uses its own KEM, and the header
    /// shows observers which kind each stanza is.
    ///
    /// ```
    /// use doormat::{e2e, keys::Identity};
    ///
    /// let alice = Identity::generate_post_quantum();
    /// let to = [Identity::generate_post_quantum().public(), Identity::generate().public()];
    /// let refused = e2e::Sealer::new(&alice, &to).seal(b"hi");
    /// assert!(matches!(refused, Err(e2e::SealError::MixedKems)));
    /// let envelope = e2e::Sealer::new(&alice, &to).allow_mixed_kems(true).seal(b"hi")?;
    /// assert!(e2e::Header::parse(&envelope)?.is_post_quantum());
    /// # Ok::<(), doormat::Error>(())
    /// ```
    pub fn allow_mixed_kems(mut self, allow: bool) -> Self {
        self.mixed_kems = allow;
        self
    }

    /// Adds an authenticated header extension: `body` travels in clear in the
    /// header, is covered by the key derivation and the sender's signature,
    /// and is returned by [`Opened::extension`](super::Opened::extension).
    /// Types must be distinct.
    pub fn extension(mut self, ext_type: u16, body: Vec<u8>) -> Self {
        self.extensions.push((ext_type, body));
        self
    }

    /// Adds a [`Layer`], which adds its extensions to every envelope this
    /// sealer makes. Layers stack: each call adds one, after those before it
    /// (so `escrow::sealer(…).layer(mine)` keeps its access field), and
    /// every extension type must stay distinct.
    pub fn layer(mut self, layer: impl Layer + 'a) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Draws every random byte of the envelope from `rng` instead of the
    /// operating system: first the 32-byte content key, then, per recipient
    /// in recipient order, the randomness of its stanza's encapsulation: a
    /// 32-byte ephemeral key for an X25519 recipient, 64 bytes for an X-Wing
    /// one. With a
    /// deterministic generator, sealing is deterministic (Ed25519 signatures
    /// are), which makes known-answer tests and replayable simulations
    /// possible — and makes the envelope as secret as the generator.
    pub fn rng<R: TryCryptoRng>(mut self, rng: &'a mut R) -> Self {
        self.rng = Some(RefCell::new(rng));
        self
    }

    /// Runs `f` with the sealer's generator.
    fn with_rng<T>(&self, f: impl FnOnce(&mut Erased<'_>) -> T) -> T {
        match &self.rng {
            Some(cell) => f(&mut Erased(&mut **cell.borrow_mut())),
            None => f(&mut Erased(&mut SystemRng)),
        }
    }

    fn check_arguments(&self) -> Result<()> {
        if self.recipients.is_empty() {
            return Err(SealError::InvalidArgument("no recipients"));
        }
        if self.recipients.len() > MAX_RECIPIENTS {
            return Err(SealError::InvalidArgument("more than 1024 recipients"));
        }
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return Err(SealError::InvalidArgument("chunk size out of range"));
        }
        if !checkpoint_interval_fits(self.interval(), self.chunk_size) {
            return Err(SealError::InvalidArgument(
                "checkpoint interval out of range",
            ));
        }
        if has_duplicates(self.recipients.iter().map(|r| r.fingerprint())) {
            return Err(SealError::InvalidArgument("the same recipient twice"));
        }
        let post_quantum = self.recipients.iter().filter(|r| r.kem().is_post_quantum());
        if !self.mixed_kems && (1..self.recipients.len()).contains(&post_quantum.count()) {
            return Err(SealError::MixedKems);
        }
        Ok(())
    }

    /// Draws the content key and wraps it to every recipient.
    ///
    /// Every random byte is drawn first, in the documented order (the
    /// content key, then each stanza's encapsulation randomness); then the
    /// stanzas are sealed, on all cores with the `parallel` feature when
    /// there are several (each costs an X25519 key generation and DH, or an
    /// X-Wing encapsulation). Each stanza's wrap reads its drawn bytes as
    /// its generator, so the operating system's generator and a seeded one
    /// run exactly the same code.
    fn draw_keys(&self) -> Result<(ContentKey, Vec<Stanza>)> {
        let (suite, info) = stanza_suite(self.cipher);
        let (content_key, draws) = self.with_rng(|rng| -> Result<_> {
            let mut bytes = Zeroizing::new([0u8; CONTENT_KEY_LEN]);
            random::fill(rng, bytes.as_mut())?;
            let mut draws = Vec::with_capacity(self.recipients.len());
            for r in self.recipients {
                let mut draw = Zeroizing::new(vec![0u8; r.kem().encap_randomness_len()]);
                random::fill(rng, &mut draw)?;
                draws.push(draw);
            }
            Ok((ContentKey::from_bytes(&bytes), draws))
        })?;
        let key_ids = self.key_ids;
        let wrap = |(r, draw): (&PublicIdentity, &Zeroizing<Vec<u8>>)| -> Result<Stanza> {
            let pk = r.encryption_key();
            let (enc, wrapped) = pk.wrap(
                suite,
                &info,
                b"",
                content_key.as_bytes(),
                &mut Drawn::new(draw),
            )?;
            Ok(Stanza {
                key_id: key_ids.then(|| key_id(pk)),
                kem: pk.kem(),
                enc,
                wrapped: wrapped.try_into().expect("32-byte key plus tag"),
            })
        };
        let pairs: Vec<_> = self.recipients.iter().zip(&draws).collect();
        let stanzas = pool::map(pairs, |_, pair| wrap(pair))?;
        Ok((content_key, stanzas))
    }

    /// Whether the sender block needs the wide slot: for a post-quantum
    /// sender, and in every post-quantum envelope (so that it does not tell
    /// the sender's kind).
    fn wide_sender(&self) -> bool {
        self.sender.kem().is_post_quantum()
            || self.recipients.iter().any(|r| r.kem().is_post_quantum())
    }

    /// The sender block: the sender's public identity (in the wide slot: its
    /// KEM id, then the identity zero-padded), then the recipients'
    /// fingerprints in stanza order.
    fn sender_block(&self) -> Zeroizing<Vec<u8>> {
        let wide = self.wide_sender();
        let mut block = Zeroizing::new(Vec::with_capacity(sender_block_plain_len(
            self.recipients.len(),
            wide,
        )));
        if wide {
            block.extend_from_slice(&self.sender.kem().id().to_be_bytes());
        }
        block.extend_from_slice(&self.sender.public().to_bytes());
        block.resize(sender_slot_len(wide), 0);
        for r in self.recipients {
            block.extend_from_slice(r.fingerprint().as_bytes());
        }
        block
    }

    /// Everything before the payload: header, keys, sealed sender block.
    fn begin(&self) -> Result<Begun> {
        self.check_arguments()?;
        let (content_key, stanzas) = self.draw_keys()?;
        let aad_hash = sha256(&[self.aad]);
        let interval = self.interval();
        let core = Header::write_core(
            self.cipher,
            self.chunk_size,
            interval,
            &stanzas,
            self.wide_sender(),
        );
        let mut extensions = self.extensions.clone();
        for layer in &self.layers {
            let sealing = Sealing {
                content_key: &content_key,
                core_header: &core,
                aad_hash: &aad_hash,
            };
            extensions.extend(layer.extensions(&sealing).map_err(SealError::Layer)?);
        }
        let header = Header::finish(
            self.cipher,
            self.chunk_size,
            interval,
            stanzas,
            core,
            extensions,
        )?;
        let header_hash = sha256(&[header.as_bytes()]);
        let keys = EnvelopeKeys::derive(self.cipher, &content_key, &header_hash, &aad_hash);
        let sender_block = self.sender_block();
        let mut prefix = header.bytes;
        prefix.extend_from_slice(&keys.seal_sender_block(&sender_block));
        Ok(Begun {
            prefix,
            transcript: Transcript::new(header_hash, aad_hash, &sender_block),
            keys,
            interval,
        })
    }

    /// Signs and seals checkpoint `k` over the digest of the chunks before it.
    fn checkpoint(&self, begun: &Begun, k: u64, digest: &ChunkHash) -> Vec<u8> {
        begun.sign(self.sender, Signed::Checkpoint(k), digest)
    }

    /// Signs and seals the signature over everything.
    fn signature_block(&self, begun: &Begun, payload_digest: &ChunkHash) -> Vec<u8> {
        begun.sign(self.sender, Signed::Payload, payload_digest)
    }

    /// Seals `plaintext` in memory. With the `parallel` feature (default)
    /// chunks are encrypted on all cores.
    ///
    /// # Errors
    ///
    /// [`SealError::InvalidArgument`] for bad options (no recipients, too
    /// many, a duplicate, a chunk size out of range, a duplicate extension
    /// type, a header over 1 MiB); [`SealError::MixedKems`];
    /// [`SealError::RandomFailed`] if the generator fails;
    /// [`SealError::Layer`] with any error of a [`Layer`].
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let (begun, layout) = self.begin_in_memory(plaintext)?;
        // A zeroed allocation is fresh pages from the OS, zeroed lazily as
        // each worker first writes its chunks: no serial memset up front.
        let mut out = vec![0u8; begun.envelope_len(&layout)];
        self.seal_body(&begun, &layout, plaintext, &mut out)?;
        Ok(out)
    }

    /// Seals `plaintext` in memory into `envelope`, reusing its allocation:
    /// what [`Sealer::seal`] returns, written over the buffer's previous
    /// contents. Sealing many messages into one buffer touches no fresh
    /// pages once it is large enough, and a buffer that already holds at
    /// least as many bytes as the envelope needs (for example the previous
    /// envelope of a series) is not even zeroed first.
    ///
    /// ```
    /// use doormat::{e2e, keys::Identity};
    ///
    /// let (alice, bob) = (Identity::generate(), Identity::generate());
    /// let to_bob = [bob.public()];
    /// let sealer = e2e::Sealer::new(&alice, &to_bob);
    /// let opener = e2e::Opener::new(&bob);
    /// let (mut envelope, mut plaintext) = (Vec::new(), Vec::new());
    /// for message in [&b"first"[..], b"second", b"third"] {
    ///     sealer.seal_into(message, &mut envelope)?;
    ///     opener.open_into(&envelope, &mut plaintext)?;
    ///     assert_eq!(plaintext, message);
    /// }
    /// # Ok::<(), doormat::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`]; on an error `envelope` is left empty (its
    /// capacity is kept).
    pub fn seal_into(&self, plaintext: &[u8], envelope: &mut Vec<u8>) -> Result<()> {
        let sealed = self.begin_in_memory(plaintext).and_then(|(begun, layout)| {
            envelope.resize(begun.envelope_len(&layout), 0);
            self.seal_body(&begun, &layout, plaintext, envelope)
        });
        if sealed.is_err() {
            envelope.clear();
        }
        sealed
    }

    /// The header and keys of an in-memory envelope, and its payload's layout.
    fn begin_in_memory(&self, plaintext: &[u8]) -> Result<(Begun, PayloadLayout)> {
        let begun = self.begin()?;
        let layout = PayloadLayout::of_plaintext(
            plaintext.len(),
            self.chunk_size as usize,
            begun.interval as usize,
        );
        Ok((begun, layout))
    }

    /// Writes the whole envelope into `out`, exactly `begun.envelope_len()`
    /// bytes: every byte is overwritten.
    fn seal_body(
        &self,
        begun: &Begun,
        layout: &PayloadLayout,
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let start = begun.prefix.len();
        let end = start + layout.len();
        out[..start].copy_from_slice(&begun.prefix);
        let sender = self.sender;
        let signature = seal_payload(
            &begun.keys,
            layout,
            plaintext,
            &mut out[start..end],
            |what, digest| begun.sign(sender, what, digest),
        )?;
        out[end..].copy_from_slice(&signature);
        Ok(())
    }

    /// Seals everything `reader` yields into `writer`, in bounded memory,
    /// with a signed checkpoint after every
    /// [`checkpoint_interval`](Sealer::checkpoint_interval) chunks. Returns
    /// the number of plaintext bytes sealed.
    ///
    /// The payload goes through in batches of at least
    /// [`STREAM_BATCH_SPAN`](super::STREAM_BATCH_SPAN) bytes (1 MiB; a batch
    /// also ends at each checkpoint), each sealed on all cores with the
    /// `parallel` feature while this thread writes the batch before and
    /// reads the batch after: three batches in memory. The reader and the
    /// writer stay on the caller's thread. doormat's pool has one thread
    /// per core (or `RAYON_NUM_THREADS`), fewer under an address-space
    /// limit (`ulimit -v`) that cannot hold them; where the writer is a
    /// pipe on a small machine, one thread fewer leaves the writer and the
    /// pipe's reader a core and can be much faster (the command-line tool
    /// does that when it writes or reads a pipe: README, "Benchmarks").
    ///
    /// # Errors
    ///
    /// As [`Sealer::seal`], and [`SealError::Io`] from the reader or writer.
    pub fn seal_stream(&self, reader: impl Read, mut writer: impl Write) -> Result<u64> {
        let begun = self.begin()?;
        writer.write_all(&begun.prefix)?;
        let (total, digest) = stream::seal(
            &begun.keys,
            self.chunk_size as usize,
            begun.interval,
            reader,
            &mut writer,
            |k, digest| self.checkpoint(&begun, k, digest),
        )?;
        writer.write_all(&self.signature_block(&begun, &digest))?;
        writer.flush()?;
        Ok(total)
    }
}

impl fmt::Debug for Sealer<'_> {
    /// The options; never the sender's keys or the associated data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("sender", &self.sender.public().fingerprint())
            .field("recipients", &self.recipients.len())
            .field("cipher", &self.cipher)
            .field("chunk_size", &self.chunk_size)
            .field("checkpoint_interval", &self.interval())
            .field("key_ids", &self.key_ids)
            .field("extensions", &self.extensions.len())
            .field("layers", &self.layers)
            .field(
                "rng",
                &if self.rng.is_some() {
                    "caller's"
                } else {
                    "system"
                },
            )
            .finish_non_exhaustive()
    }
}

/// The state between the header and the payload, while sealing.
struct Begun {
    prefix: Vec<u8>,
    transcript: Transcript,
    keys: EnvelopeKeys,
    interval: u32,
}

impl Begun {
    /// Signs and seals a checkpoint or the final signature: what every
    /// signature block of this envelope holds.
    fn sign(&self, sender: &Identity, what: Signed, digest: &ChunkHash) -> Vec<u8> {
        match what {
            Signed::Checkpoint(k) => {
                let msg = self.transcript.checkpoint_message(k, digest);
                self.keys.seal_checkpoint(k, &sender.sign_raw(&msg))
            }
            Signed::Payload => {
                let msg = self.transcript.final_message(digest);
                self.keys.seal_signature_block(&sender.sign_raw(&msg))
            }
        }
    }

    /// The length of the whole envelope with a payload of this layout.
    fn envelope_len(&self, layout: &PayloadLayout) -> usize {
        self.prefix.len() + layout.len() + SIGNATURE_BLOCK_LEN
    }
}
