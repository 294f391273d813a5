//! Opening: the [`Opener`] builder, in memory and streaming, and what an
//! opened envelope says about itself ([`Opened`]).

use core::fmt;
use std::io::{Read, Write};

use super::chunks::{open_payload, PayloadLayout, Signed};
use super::error::OpenError as Error;
use super::format::{has_duplicates, read_up_to, Header};
use super::layer::{ContentKey, Layer, Opening, Unlocked, CONTENT_KEY_LEN};
use super::payload::{ChunkHash, EnvelopeKeys};
use super::stream::{self, Verify};
use super::{
    key_id, sender_block_plain_len, sender_slot_len, stanza_suite, Transcript, SIGNATURE_BLOCK_LEN,
};
use crate::hash::sha256;
use crate::hpke::TAG_LEN;
use crate::keys::{Fingerprint, Identity, Kem, PublicIdentity, ED25519_LEN, FINGERPRINT_LEN};

type Result<T> = core::result::Result<T, Error>;

/// Opens envelopes with options: associated data, a [`Layer`]; in memory or
/// streaming.
pub struct Opener<'a> {
    /// The recipient whose stanza is opened; `None` when the layer unlocks.
    recipient: Option<&'a Identity>,
    aad: Option<&'a [u8]>,
    expected_sender: Option<&'a PublicIdentity>,
    /// The layers, in the order given; with no recipient, the first one
    /// (given to [`Opener::unlocked_by`]) unlocks.
    layers: Vec<Box<dyn Layer + 'a>>,
    /// With [`Opener::refuse_unknown_extensions`]: the extension types
    /// accepted besides the layers' own.
    known_extensions: Option<Vec<u16>>,
}

impl<'a> Opener<'a> {
    /// An opener for envelopes addressed to `recipient`.
    pub fn new(recipient: &'a Identity) -> Opener<'a> {
        Opener {
            recipient: Some(recipient),
            aad: None,
            expected_sender: None,
            layers: Vec::new(),
            known_extensions: None,
        }
    }

    /// An opener for a reader who is not a recipient: `layer` supplies the
    /// content key from the header ([`Layer::unlock`]). No recipient-set
    /// check applies; every other check does, the sender's signature
    /// included.
    pub fn unlocked_by(layer: impl Layer + 'a) -> Opener<'a> {
        Opener {
            recipient: None,
            aad: None,
            expected_sender: None,
            layers: vec![Box::new(layer)],
            known_extensions: None,
        }
    }

    /// The associated data the envelope was sealed with.
    pub fn associated_data(mut self, aad: &'a [u8]) -> Self {
        self.aad = Some(aad);
        self
    }

    /// Refuses, with [`OpenError::UnexpectedSender`](Error::UnexpectedSender), any envelope whose signed
    /// sender is not `sender` — checked before anything is released, so a
    /// caller cannot forget to compare [`Opened::sender`].
    pub fn expect_sender(mut self, sender: &'a PublicIdentity) -> Self {
        self.expected_sender = Some(sender);
        self
    }

    /// Refuses, with [`OpenError::UnknownExtension`](Error::UnknownExtension),
    /// any envelope whose header carries an extension that no attached layer
    /// declares ([`Layer::extension_types`]) and that was not allowed with
    /// [`Opener::allow_extension`] — checked as soon as the header is read,
    /// before any key is tried. An end-to-end-only client made this way
    /// refuses escrowed envelopes outright: their access field is an
    /// extension it does not know.
    ///
    /// ```
    /// use doormat::{e2e, escrow::{self, EscrowAuthority}, keys::Identity};
    ///
    /// let authority = EscrowAuthority::generate();
    /// let (alice, bob) = (Identity::generate(), Identity::generate());
    /// let escrowed = escrow::seal(&alice, &[bob.public()], &authority.public_key(), b"hi")?;
    /// let clean = e2e::seal(&alice, &[bob.public()], b"hi")?;
    /// let strict = e2e::Opener::new(&bob).refuse_unknown_extensions();
    /// assert!(strict.open(&clean).is_ok());
    /// assert!(matches!(strict.open(&escrowed), Err(e2e::OpenError::UnknownExtension(0x4c46))));
    /// # Ok::<(), doormat::Error>(())
    /// ```
    pub fn refuse_unknown_extensions(mut self) -> Self {
        self.known_extensions.get_or_insert_with(Vec::new);
        self
    }

    /// With [`Opener::refuse_unknown_extensions`], also accepts extensions
    /// of type `ext_type` (an application's own, read with
    /// [`Opened::extension`]).
    pub fn allow_extension(mut self, ext_type: u16) -> Self {
        self.known_extensions
            .get_or_insert_with(Vec::new)
            .push(ext_type);
        self
    }

    /// Refuses a header with an extension nobody here knows, when asked to.
    fn check_extensions(&self, header: &Header) -> Result<()> {
        let Some(allowed) = &self.known_extensions else {
            return Ok(());
        };
        for (ext_type, _) in header.extensions() {
            let known = allowed.contains(&ext_type)
                || self
                    .layers
                    .iter()
                    .any(|l| l.extension_types().contains(&ext_type));
            if !known {
                return Err(Error::UnknownExtension(ext_type));
            }
        }
        Ok(())
    }

    /// Adds a [`Layer`], whose check runs before anything is released.
    /// Layers stack: every layer's check runs, in the order given, and all
    /// must pass (so `escrow::opener(…).layer(mine)` keeps its compliance
    /// check); only the layer given to [`Opener::unlocked_by`] unlocks.
    pub fn layer(mut self, layer: impl Layer + 'a) -> Self {
        self.layers.push(Box::new(layer));
        self
    }

    /// Finds the content key: by trial decryption of the stanzas (at most one
    /// DH each, stopping at the first that opens) or from the layer.
    fn unlock(&self, header: &Header) -> Result<Unlocked> {
        let Some(recipient) = self.recipient else {
            let layer = self.layers.first().ok_or(Error::NotARecipient)?;
            return layer
                .unlock(header)
                .map_err(Error::Layer)?
                .ok_or(Error::NotARecipient);
        };
        let (suite, info) = stanza_suite(header.cipher);
        let my_id = key_id(recipient.public().encryption_key());
        let sk = recipient.decryption_key();
        for stanza in &header.stanzas {
            if stanza.kem != sk.kem() || stanza.key_id.is_some_and(|id| id != my_id) {
                continue;
            }
            if let Ok(k) = sk.unwrap(suite, &info, &stanza.enc, b"", &stanza.wrapped) {
                if let Ok(k) = <&[u8; CONTENT_KEY_LEN]>::try_from(&k[..]) {
                    return Ok(Unlocked {
                        content_key: ContentKey::from_bytes(k),
                        aad_hash: None,
                    });
                }
            }
        }
        Err(Error::NotARecipient)
    }

    /// Everything up to the payload: key, keys, sender block, checks.
    fn begin(&self, header: &Header, sealed_sender_block: &[u8]) -> Result<Unsealed> {
        self.check_extensions(header)?;
        let unlocked = self.unlock(header)?;
        let content_key = unlocked.content_key;
        let aad_hash = match (self.aad, unlocked.aad_hash) {
            (Some(aad), _) => sha256(&[aad]),
            (None, Some(hash)) => hash,
            (None, None) => sha256(&[b""]),
        };
        let header_hash = sha256(&[header.as_bytes()]);
        let keys = EnvelopeKeys::derive(header.cipher, &content_key, &header_hash, &aad_hash);
        let sender_block = keys
            .open_sender_block(sealed_sender_block)
            .ok_or(Error::HeaderTampered)?;
        let n = header.stanzas.len();
        if sender_block.len() != sender_block_plain_len(n, header.wide_sender) {
            return Err(Error::MalformedHeader("sender block length"));
        }
        let (slot, fingerprints) = sender_block.split_at(sender_slot_len(header.wide_sender));
        let sender = parse_sender(slot, header.wide_sender)
            .ok_or(Error::MalformedHeader("invalid sender key"))?;
        // Canonical: the wide slot only where the sealer needs it.
        if header.wide_sender && !header.is_post_quantum() && !sender.kem().is_post_quantum() {
            return Err(Error::MalformedHeader(
                "wide sender slot for a classical sender",
            ));
        }
        let recipients: Vec<Fingerprint> = fingerprints
            .chunks_exact(FINGERPRINT_LEN)
            .map(|c| Fingerprint::from_bytes(c.try_into().expect("chunks of 32")))
            .collect();
        if has_duplicates(recipients.iter()) {
            return Err(Error::MalformedHeader("duplicate recipient"));
        }
        if self
            .expected_sender
            .is_some_and(|expected| *expected != sender)
        {
            return Err(Error::UnexpectedSender);
        }
        if let Some(me) = self.recipient {
            // The stanza opened, but the signed recipient set must name us
            // with *both* our keys, or someone else's signing key is posing.
            if !recipients.contains(&me.public().fingerprint()) {
                return Err(Error::NotARecipient);
            }
        }
        for layer in &self.layers {
            let opening = Opening {
                header,
                content_key: &content_key,
                aad_hash: &aad_hash,
                sender: &sender,
                recipients: &recipients,
            };
            layer.check(&opening).map_err(Error::Layer)?;
        }
        Ok(Unsealed {
            keys,
            transcript: Transcript::new(header_hash, aad_hash, &sender_block),
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
    /// As [`open`](super::open), and [`OpenError::Layer`](Error::Layer)
    /// with any error of a [`Layer`].
    pub fn open(&self, envelope: &[u8]) -> Result<Opened> {
        let parts = self.begin_in_memory(envelope)?;
        // Fresh zeroed pages, faulted in by the workers that fill them.
        let mut plaintext = vec![0u8; parts.layout.plaintext_len()];
        let info = parts.open_into(&mut plaintext)?;
        Ok(Opened { info, plaintext })
    }

    /// Opens an envelope in memory into `plaintext`, reusing its
    /// allocation: the checks and the result of [`Opener::open`], with the
    /// plaintext written over the buffer's previous contents. Opening many
    /// envelopes into one buffer touches no fresh pages once it is large
    /// enough (see [`Sealer::seal_into`](super::Sealer::seal_into)).
    ///
    /// # Errors
    ///
    /// As [`Opener::open`]. On an error `plaintext` is left empty (its
    /// capacity is kept) and whatever was decrypted into it is wiped first:
    /// nothing unverified stays behind.
    pub fn open_into(&self, envelope: &[u8], plaintext: &mut Vec<u8>) -> Result<StreamOpened> {
        let opened = self.begin_in_memory(envelope).and_then(|parts| {
            plaintext.resize(parts.layout.plaintext_len(), 0);
            parts.open_into(plaintext)
        });
        match opened {
            Ok(info) => Ok(Opened {
                info,
                plaintext: plaintext.len() as u64,
            }),
            Err(e) => {
                // `InMemory::open_into` wiped what it decrypted.
                plaintext.clear();
                Err(e)
            }
        }
    }

    /// Everything of an in-memory open before the payload: header, sender
    /// block, checks, and where the payload and signature block are.
    fn begin_in_memory<'e>(&self, envelope: &'e [u8]) -> Result<InMemory<'e>> {
        let mut rest = envelope;
        let header = Header::read_from(&mut rest)?;
        let sb_len = header.sealed_sender_block_len();
        if rest.len() < sb_len {
            return Err(Error::Truncated);
        }
        let unsealed = self.begin(&header, &rest[..sb_len])?;
        let rest = &rest[sb_len..];
        if rest.len() < TAG_LEN + SIGNATURE_BLOCK_LEN {
            return Err(Error::Truncated);
        }
        let (payload, sig_block) = rest.split_at(rest.len() - SIGNATURE_BLOCK_LEN);
        let layout = PayloadLayout::of_payload(
            payload.len(),
            header.chunk_size as usize,
            header.checkpoint_interval as usize,
        )?;
        Ok(InMemory {
            unsealed,
            layout,
            payload,
            sig_block,
        })
    }

    /// Opens an envelope from `reader` into `writer` in bounded memory, and
    /// writes nothing the sender did not sign.
    ///
    /// Chunks are authenticated as they arrive but held back until the
    /// sender's signature over them verifies: at each checkpoint (every
    /// [`Header::checkpoint_interval`] chunks) for the chunks since the last
    /// one, and at the end for the rest. The payload goes through in batches
    /// of at least [`STREAM_BATCH_SPAN`](super::STREAM_BATCH_SPAN) bytes (a
    /// batch also ends at each checkpoint), each opened on all cores with the
    /// `parallel` feature while this thread reads the next batch and writes
    /// one signed batch. So memory is bounded by the checkpoint span — at
    /// most [`MAX_CHECKPOINT_SPAN`](super::MAX_CHECKPOINT_SPAN) bytes of
    /// plaintext, 4 MiB by default — plus two batches (one being read, one
    /// being opened), a few hundred bytes of look-ahead, and a copy of the
    /// last sealed chunk (at most one chunk size) while it is probed for
    /// truncation (`docs/FORMAT.md`, "In-memory open versus streaming open").
    ///
    /// # Security
    ///
    /// Every byte written is covered by a verified signature of the sender,
    /// so a co-recipient or an escrow-key holder (who know the content key)
    /// cannot make it write a forged byte. A failure after a checkpoint
    /// leaves a signed prefix of the plaintext written: on any error, treat
    /// the output as incomplete.
    ///
    /// # Errors
    ///
    /// As [`Opener::open`], and [`OpenError::Io`](Error::Io).
    pub fn open_stream(
        &self,
        mut reader: impl Read,
        mut writer: impl Write,
    ) -> Result<StreamOpened> {
        let header = Header::read_from(&mut reader)?;
        // Bounded: at most 1,250 + 1024 × 32 + 16 bytes.
        let mut sealed_sb = vec![0u8; header.sealed_sender_block_len()];
        if read_up_to(&mut reader, &mut sealed_sb)? < sealed_sb.len() {
            return Err(Error::Truncated);
        }
        let unsealed = self.begin(&header, &sealed_sb)?;
        let written = stream::open(
            &unsealed.keys,
            header.chunk_size as usize,
            header.checkpoint_interval,
            reader,
            &mut writer,
            &unsealed,
        )?;
        Ok(Opened {
            info: unsealed.info,
            plaintext: written,
        })
    }
}

/// An in-memory envelope whose header and sender block checked out.
struct InMemory<'e> {
    unsealed: Unsealed,
    layout: PayloadLayout,
    payload: &'e [u8],
    sig_block: &'e [u8],
}

impl InMemory<'_> {
    /// Opens the payload into `plaintext` (exactly the plaintext's length)
    /// and checks every checkpoint and the signature. On any error it wipes
    /// `plaintext`: chunks decrypt before the signature over them is
    /// checked, so the buffer may hold unverified plaintext. Both
    /// [`Opener::open`] and [`Opener::open_into`] go through here.
    fn open_into(self, plaintext: &mut [u8]) -> Result<EnvelopeInfo> {
        let unsealed = &self.unsealed;
        let opened = open_payload(
            &unsealed.keys,
            &self.layout,
            self.payload,
            self.sig_block,
            plaintext,
            |what, digest, block| match what {
                Signed::Checkpoint(k) => unsealed.checkpoint(k, digest, block),
                Signed::Payload => unsealed.signature(block, digest),
            },
        );
        if let Err(e) = opened {
            zeroize::Zeroize::zeroize(plaintext);
            return Err(e);
        }
        Ok(self.unsealed.info)
    }
}

impl fmt::Debug for Opener<'_> {
    /// How the key is found; never the recipient's keys or the associated data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unlock = match self.recipient {
            Some(r) => format!("recipient {}", r.public().fingerprint()),
            None => "unlocked by the layer".to_owned(),
        };
        f.debug_struct("Opener")
            .field("unlock", &unlock)
            .field("expected_sender", &self.expected_sender)
            .field("layers", &self.layers)
            .finish_non_exhaustive()
    }
}

/// The sender's identity from its slot in the sender block. A wide slot is
/// `kem_id || identity || zeros`; the padding must be zeros, so that the
/// slot has one encoding.
fn parse_sender(slot: &[u8], wide: bool) -> Option<PublicIdentity> {
    if !wide {
        return PublicIdentity::from_bytes(slot).ok();
    }
    let (kind, rest) = slot.split_at(2);
    let kem = Kem::from_id(u16::from_be_bytes([kind[0], kind[1]]))?;
    let (identity, padding) = rest.split_at(kem.public_key_len() + ED25519_LEN);
    if padding.iter().any(|&b| b != 0) {
        return None;
    }
    PublicIdentity::from_bytes(identity).ok()
}

/// The state between the sender block and the payload, while opening.
struct Unsealed {
    keys: EnvelopeKeys,
    transcript: Transcript,
    info: EnvelopeInfo,
}

impl Verify for Unsealed {
    /// Opens checkpoint `k` and verifies the sender's signature over the
    /// digest of the chunks before it.
    fn checkpoint(&self, k: u64, digest: &ChunkHash, block: &[u8]) -> Result<()> {
        let sig = self
            .keys
            .open_checkpoint(k, block)
            .ok_or(Error::PayloadTampered)?;
        let msg = self.transcript.checkpoint_message(k, digest);
        self.info
            .sender
            .verify_raw(&msg, &sig)
            .map_err(|_| Error::BadSignature)
    }

    /// Opens the signature block and verifies the sender's signature.
    fn signature(&self, sig_block: &[u8], payload_digest: &ChunkHash) -> Result<()> {
        let sig = self
            .keys
            .open_signature_block(sig_block)
            .ok_or(Error::PayloadTampered)?;
        let msg = self.transcript.final_message(payload_digest);
        self.info
            .sender
            .verify_raw(&msg, &sig)
            .map_err(|_| Error::BadSignature)
    }
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

/// What [`Opener::open_stream`] and [`Opener::open_into`] return:
/// everything but the plaintext, which went to the writer or the caller's
/// buffer, and how many bytes of it there were.
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

    /// The body of a header extension (see [`Sealer::extension`](super::Sealer::extension)).
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

impl<P> fmt::Debug for Opened<P> {
    /// Sender and recipients only: the plaintext is the user's business.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("sender", &self.info.sender)
            .field("recipients", &self.info.recipients)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::e2e::Sealer;

    /// A failed in-memory open leaves no unverified plaintext in the
    /// buffer: here every chunk decrypts, and only the signature is forged,
    /// so without the wipe the buffer would hold the whole message.
    #[test]
    fn a_failed_open_wipes_what_it_decrypted() {
        let (alice, bob) = (Identity::generate(), Identity::generate());
        let message = vec![0x5a; 3000];
        let mut envelope = Sealer::new(&alice, &[bob.public()])
            .chunk_size(1024)
            .seal(&message)
            .unwrap();
        let last = envelope.len() - 1;
        envelope[last] ^= 1;
        let opener = Opener::new(&bob);
        let parts = opener.begin_in_memory(&envelope).unwrap();
        let mut plaintext = vec![0u8; parts.layout.plaintext_len()];
        assert!(matches!(
            parts.open_into(&mut plaintext),
            Err(Error::PayloadTampered)
        ));
        assert_eq!(plaintext.len(), message.len());
        assert!(
            plaintext.iter().all(|&b| b == 0),
            "unverified plaintext left"
        );
    }
}
