//! A malicious co-recipient's kit: everything Bob, a legitimate recipient of
//! an envelope, can do with its public bytes and his own [`Identity`].
//!
//! The kit re-implements the envelope from `docs/FORMAT.md` with `ring` and
//! the public `doormat::hpke`, independently of `doormat::e2e`:
//!
//! * [`Parts::open`] finds Bob's stanza (HPKE base mode, HKDF-SHA256 and the
//!   payload cipher, `info = "doormat/v1 stanza" || u16(suite)`, empty aad),
//!   unwraps the content key, derives `payload_key` and `meta_key`
//!   ([`Keys::derive`]) and opens every part: the sender block (meta nonce 0),
//!   each chunk (`I2OSP(i, 11) || last`), each checkpoint `k` (meta nonce
//!   `1 + k`) and the signature block (meta nonce 1).
//! * Bob edits the plaintext [`Parts`]: chunks, the recipient fingerprints, the
//!   stanzas ([`Parts::set_stanzas`] rebuilds the header and patches the
//!   recipient count; [`Parts::new_stanza`] wraps the content key to anyone),
//!   the associated data, or the signatures (taken from another envelope).
//! * [`Parts::seal`] re-encrypts everything under the keys derived from the
//!   header *as it now is*: Bob knows the content key, so every AEAD tag of a
//!   forgery is valid. Only the sender's Ed25519 signature over
//!   [`Parts::signed_message`] and the checkpoints can give him away.
//! * [`Parts::resign`] is the honest variant: Bob signs as himself. The tests
//!   use it as a control, to show that a forgery fails only for its signature.
//! * The geometry rules of FORMAT.md ([`geometry_allowed`]: chunks of 1 KiB to
//!   16 MiB, 1 MiB to 16 MiB of plaintext between checkpoints) are the
//!   kit's too: [`Parts::open`] refuses a header that breaks them, as a
//!   compliant reader must. Writing one is another matter: the header is
//!   plain bytes, and [`Parts::set_geometry`] writes any chunk size and
//!   checkpoint interval, so the tests can show the crate refuses them.

use doormat::hpke::{self, Aead, Kdf, ReceiverMode, SenderMode, Suite};
use doormat::keys::{DecryptionKey, EncryptionKey, Identity, PublicIdentity};
use doormat::random::SystemRng;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::digest::{Context, SHA256};
use ring::hkdf;
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};

use super::common::{Layout, ENC, FINGERPRINT, FIXED, KEY_ID, PQ_ENC, PUBLIC_IDENTITY, WRAPPED};

const STANZA_LABEL: &[u8] = b"doormat/v1 stanza";
const KEY_ID_LABEL: &[u8] = b"doormat/v1 key id";
const PAYLOAD_LABEL: &[u8] = b"doormat/v1 payload";
const META_LABEL: &[u8] = b"doormat/v1 meta";
const SIGNATURE_LABEL: &[u8] = b"doormat/v1 signature\0";
const CHECKPOINT_LABEL: &[u8] = b"doormat/v1 checkpoint\0";
const CHUNK_HASH_CONTEXT: &str = "doormat/v1 chunk hash";
const PAYLOAD_DIGEST_CONTEXT: &str = "doormat/v1 payload digest";

/// FORMAT.md, "Limits and rules": the chunk size is 1 KiB to 16 MiB.
pub const MIN_CHUNK_SIZE: usize = 1 << 10;
pub const MAX_CHUNK_SIZE: usize = 16 << 20;
/// The plaintext between two checkpoints (chunk size × checkpoint
/// interval) is 1 MiB to 16 MiB.
pub const MIN_CHECKPOINT_SPAN: usize = 1 << 20;
pub const MAX_CHECKPOINT_SPAN: usize = 16 << 20;

/// Whether a header may carry this chunk size and checkpoint interval
/// (FORMAT.md): a chunk of 1 KiB to 16 MiB, at least one chunk between
/// checkpoints, and 1 MiB to 16 MiB of plaintext between them.
pub fn geometry_allowed(chunk_size: usize, interval: usize) -> bool {
    (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size)
        && interval >= 1
        && (MIN_CHECKPOINT_SPAN..=MAX_CHECKPOINT_SPAN)
            .contains(&chunk_size.saturating_mul(interval))
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    parts.iter().for_each(|p| ctx.update(p));
    ctx.finish().as_ref().try_into().unwrap()
}

fn be16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_be_bytes([b[at], b[at + 1]]))
}

fn be32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// The payload cipher of a suite id, as a ring algorithm.
fn algorithm(suite: u16) -> &'static aead::Algorithm {
    match suite {
        0x0003 => &aead::CHACHA20_POLY1305,
        0x0002 => &aead::AES_256_GCM,
        _ => panic!("unknown suite {suite:#06x}"),
    }
}

/// The HPKE suite and `info` of the stanzas of a header with this suite id.
fn stanza_suite(suite: u16) -> (Suite, Vec<u8>) {
    let aead = Aead::from_id(suite).expect("a payload cipher is an HPKE AEAD");
    let info = [STANZA_LABEL, &suite.to_be_bytes()].concat();
    (Suite::new(Kdf::HkdfSha256, aead), info)
}

/// Header fields Bob reads: suite, key-id flag, chunk size, checkpoint
/// interval, and where the stanzas are. The kit reads classical and
/// all-post-quantum headers, not mixed ones.
struct HeaderView {
    suite: u16,
    key_ids: bool,
    post_quantum: bool,
    chunk_size: usize,
    interval: usize,
    stanza_len: usize,
    count: usize,
}

impl HeaderView {
    fn of(header: &[u8]) -> HeaderView {
        let key_ids = header[10] & 1 != 0;
        let post_quantum = header[10] & 2 != 0;
        assert_eq!(header[10] & 4, 0, "the kit does not read mixed headers");
        HeaderView {
            suite: be16(header, 8) as u16,
            key_ids,
            post_quantum,
            chunk_size: be32(header, 11),
            interval: be32(header, 15),
            stanza_len: usize::from(key_ids) * KEY_ID + Self::enc_len(post_quantum) + WRAPPED,
            count: be16(header, 19),
        }
    }

    fn enc_len(post_quantum: bool) -> usize {
        if post_quantum {
            PQ_ENC
        } else {
            ENC
        }
    }

    /// The end of the core header (the start of `ext_len`).
    fn core_end(&self) -> usize {
        FIXED + self.count * self.stanza_len
    }
}

/// Finds `me`'s stanza by trial decryption; returns its index and the
/// content key.
pub fn find_stanza(me: &Identity, header: &[u8]) -> Option<(usize, [u8; 32])> {
    let h = HeaderView::of(header);
    let (suite, info) = stanza_suite(h.suite);
    (0..h.count).find_map(|i| {
        let start = FIXED + i * h.stanza_len + usize::from(h.key_ids) * KEY_ID;
        let enc_len = HeaderView::enc_len(h.post_quantum);
        let (enc, wrapped) = header[start..start + enc_len + WRAPPED].split_at(enc_len);
        let key = match (h.post_quantum, me.decryption_key()) {
            (true, DecryptionKey::XWing(sk)) => {
                hpke::open(suite, &ReceiverMode::Base, enc, sk, &info, b"", wrapped)
            }
            (false, DecryptionKey::X25519(sk)) => {
                hpke::open(suite, &ReceiverMode::Base, enc, sk, &info, b"", wrapped)
            }
            _ => return None,
        }
        .ok()?;
        Some((i, key.try_into().ok()?))
    })
}

fn chunk_nonce(i: usize, last: bool) -> Nonce {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&(i as u64).to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

fn meta_nonce(i: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&i.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

/// The two AEAD keys of one envelope.
pub struct Keys {
    payload: LessSafeKey,
    meta: LessSafeKey,
}

impl Keys {
    /// `prk = HKDF-Extract(SHA-256(header), content_key)`, then
    /// `HKDF-Expand(prk, label || SHA-256(aad), 32)` for each key.
    pub fn derive(content_key: &[u8; 32], header: &[u8], aad: &[u8]) -> Keys {
        let alg = algorithm(HeaderView::of(header).suite);
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &sha256(&[header])).extract(content_key);
        let aad_hash = sha256(&[aad]);
        let key = |label: &[u8]| {
            let info = [label, &aad_hash];
            let okm = prk.expand(&info, alg).expect("32 bytes");
            LessSafeKey::new(UnboundKey::from(okm))
        };
        Keys {
            payload: key(PAYLOAD_LABEL),
            meta: key(META_LABEL),
        }
    }

    fn seal(key: &LessSafeKey, nonce: Nonce, pt: &[u8]) -> Vec<u8> {
        let mut buf = pt.to_vec();
        key.seal_in_place_append_tag(nonce, Aad::empty(), &mut buf)
            .unwrap();
        buf
    }

    fn open(key: &LessSafeKey, nonce: Nonce, ct: &[u8]) -> Option<Vec<u8>> {
        let mut buf = ct.to_vec();
        let len = key.open_in_place(nonce, Aad::empty(), &mut buf).ok()?.len();
        buf.truncate(len);
        Some(buf)
    }

    pub fn seal_chunk(&self, i: usize, last: bool, pt: &[u8]) -> Vec<u8> {
        Keys::seal(&self.payload, chunk_nonce(i, last), pt)
    }

    pub fn open_chunk(&self, i: usize, last: bool, ct: &[u8]) -> Option<Vec<u8>> {
        Keys::open(&self.payload, chunk_nonce(i, last), ct)
    }

    pub fn seal_sender_block(&self, pt: &[u8]) -> Vec<u8> {
        Keys::seal(&self.meta, meta_nonce(0), pt)
    }

    pub fn open_sender_block(&self, ct: &[u8]) -> Option<Vec<u8>> {
        Keys::open(&self.meta, meta_nonce(0), ct)
    }

    pub fn seal_signature_block(&self, sig: &[u8]) -> Vec<u8> {
        Keys::seal(&self.meta, meta_nonce(1), sig)
    }

    pub fn open_signature_block(&self, ct: &[u8]) -> Option<Vec<u8>> {
        Keys::open(&self.meta, meta_nonce(1), ct)
    }

    /// Checkpoint `k` (from 1) under meta nonce `1 + k`.
    pub fn seal_checkpoint(&self, k: usize, sig: &[u8]) -> Vec<u8> {
        Keys::seal(&self.meta, meta_nonce(1 + k as u64), sig)
    }

    pub fn open_checkpoint(&self, k: usize, ct: &[u8]) -> Option<Vec<u8>> {
        Keys::open(&self.meta, meta_nonce(1 + k as u64), ct)
    }
}

/// An envelope taken apart by someone who holds its content key: every part
/// in plaintext, ready to be edited and sealed again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parts {
    /// The header, magic through extensions, in clear.
    pub header: Vec<u8>,
    /// The associated data the keys are derived with.
    pub aad: Vec<u8>,
    pub content_key: [u8; 32],
    /// Sender X25519 key || sender Ed25519 key || one fingerprint per stanza.
    pub sender_block: Vec<u8>,
    /// The plaintext chunks, in order.
    pub chunks: Vec<Vec<u8>>,
    /// The sender's checkpoint signatures, checkpoint 1 first. When sealing,
    /// a checkpoint Bob has no signature for gets 64 zero bytes.
    pub checkpoints: Vec<Vec<u8>>,
    /// The sender's Ed25519 signature (64 bytes).
    pub signature: Vec<u8>,
}

impl Parts {
    /// Opens every AEAD of `env` as `me`, with `aad`; says which part failed.
    /// A header whose geometry FORMAT.md forbids is refused first, before
    /// any stanza is tried.
    pub fn open(me: &Identity, env: &[u8], aad: &[u8]) -> Result<Parts, String> {
        let view = HeaderView::of(env);
        if !geometry_allowed(view.chunk_size, view.interval) {
            return Err("geometry out of range".into());
        }
        let layout = Layout::parse(env);
        let header = env[layout.header.clone()].to_vec();
        let (_, content_key) = find_stanza(me, &header).ok_or("no stanza opens")?;
        let keys = Keys::derive(&content_key, &header, aad);
        let sender_block = keys
            .open_sender_block(&env[layout.sender_block.clone()])
            .ok_or("sender block")?;
        let last = layout.chunks.len() - 1;
        let chunks = (layout.chunks.iter().enumerate())
            .map(|(i, r)| keys.open_chunk(i, i == last, &env[r.clone()]))
            .collect::<Option<Vec<_>>>()
            .ok_or("a chunk")?;
        let checkpoints = (layout.checkpoints.iter().enumerate())
            .map(|(k, r)| keys.open_checkpoint(k + 1, &env[r.clone()]))
            .collect::<Option<Vec<_>>>()
            .ok_or("a checkpoint")?;
        let signature = keys
            .open_signature_block(&env[layout.signature])
            .ok_or("signature block")?;
        Ok(Parts {
            header,
            aad: aad.to_vec(),
            content_key,
            sender_block,
            chunks,
            checkpoints,
            signature,
        })
    }

    fn interval(&self) -> usize {
        HeaderView::of(&self.header).interval
    }

    /// The parts as [`Parts::seal`] writes them: exactly the checkpoints the
    /// chunks take, missing ones as 64 zero bytes.
    pub fn normalized(&self) -> Parts {
        let mut p = self.clone();
        p.checkpoints.resize(self.checkpoint_count(), vec![0u8; 64]);
        p
    }

    /// How many checkpoints the current chunks take.
    pub fn checkpoint_count(&self) -> usize {
        (self.chunks.len() - 1) / self.interval()
    }

    /// The envelope, every part sealed under the keys of the current header
    /// and aad.
    pub fn seal(&self) -> Vec<u8> {
        let keys = Keys::derive(&self.content_key, &self.header, &self.aad);
        let mut env = self.header.clone();
        env.extend(keys.seal_sender_block(&self.sender_block));
        let last = self.chunks.len() - 1;
        for (i, pt) in self.chunks.iter().enumerate() {
            env.extend(keys.seal_chunk(i, i == last, pt));
            if (i + 1) % self.interval() == 0 && i != last {
                let k = (i + 1) / self.interval();
                let none = vec![0u8; 64];
                let sig = self.checkpoints.get(k - 1).unwrap_or(&none);
                env.extend(keys.seal_checkpoint(k, sig));
            }
        }
        env.extend(keys.seal_signature_block(&self.signature));
        env
    }

    /// The digest of the first `n` chunks, as FORMAT.md writes it:
    /// `BLAKE3[PAYLOAD_DIGEST_CONTEXT](h_0 || … || h_{n-1})` with
    /// `h_i = BLAKE3[CHUNK_HASH_CONTEXT](pt_i)`, key-derivation mode.
    fn digest(&self, n: usize) -> [u8; 32] {
        let hashes: Vec<u8> = self.chunks[..n]
            .iter()
            .flat_map(|c| blake3::derive_key(CHUNK_HASH_CONTEXT, c))
            .collect();
        blake3::derive_key(PAYLOAD_DIGEST_CONTEXT, &hashes)
    }

    /// `"doormat/v1 checkpoint\0" || SHA-256(header) || SHA-256(aad) ||
    /// SHA-256(sender_block) || u64(k) || digest of the first k × interval chunks`.
    pub fn checkpoint_message(&self, k: usize) -> Vec<u8> {
        [
            CHECKPOINT_LABEL,
            &sha256(&[&self.header]),
            &sha256(&[&self.aad]),
            &sha256(&[&self.sender_block]),
            &(k as u64).to_be_bytes(),
            &self.digest(k * self.interval()),
        ]
        .concat()
    }

    /// `"doormat/v1 signature\0" || SHA-256(header) || SHA-256(aad) ||
    /// SHA-256(sender_block) || payload digest` (see `digest`).
    pub fn signed_message(&self) -> Vec<u8> {
        let digest = self.digest(self.chunks.len());
        [
            SIGNATURE_LABEL,
            &sha256(&[&self.header]),
            &sha256(&[&self.aad]),
            &sha256(&[&self.sender_block]),
            &digest,
        ]
        .concat()
    }

    /// Whether the signature and every checkpoint verify under the Ed25519
    /// key of the sender block, over [`Parts::signed_message`] and
    /// [`Parts::checkpoint_message`].
    pub fn signature_verifies(&self) -> bool {
        let key = UnparsedPublicKey::new(&ED25519, &self.sender_block[ENC..PUBLIC_IDENTITY]);
        let checkpoints = (1..=self.checkpoint_count()).all(|k| {
            self.checkpoints
                .get(k - 1)
                .is_some_and(|sig| key.verify(&self.checkpoint_message(k), sig).is_ok())
        });
        checkpoints && key.verify(&self.signed_message(), &self.signature).is_ok()
    }

    /// Bob signs as himself: his public identity in the sender block, his
    /// signatures over every checkpoint and the whole.
    pub fn resign(&mut self, signer: &Identity) {
        self.sender_block[..PUBLIC_IDENTITY].copy_from_slice(&signer.public().to_bytes());
        self.checkpoints = (1..=self.checkpoint_count())
            .map(|k| raw_sign(signer, &self.checkpoint_message(k)).to_vec())
            .collect();
        self.signature = raw_sign(signer, &self.signed_message()).to_vec();
    }

    pub fn plaintext(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    /// Writes `chunk_size` and `checkpoint_interval` into the header, whether
    /// or not FORMAT.md allows them, and chunks the same plaintext again. The
    /// signatures are kept, so they verify only if nothing changed:
    /// [`Parts::resign`] signs the new checkpoints and the whole.
    pub fn set_geometry(&mut self, chunk_size: u32, checkpoint_interval: u32) {
        let pt = self.plaintext();
        self.header[11..15].copy_from_slice(&chunk_size.to_be_bytes());
        self.header[15..19].copy_from_slice(&checkpoint_interval.to_be_bytes());
        self.set_plaintext(&pt);
    }

    /// Replaces the payload, chunked by the header's chunk size.
    pub fn set_plaintext(&mut self, pt: &[u8]) {
        let size = HeaderView::of(&self.header).chunk_size;
        self.chunks = pt.chunks(size).map(<[u8]>::to_vec).collect();
        if self.chunks.is_empty() {
            self.chunks.push(Vec::new());
        }
    }

    /// The stanzas, key id included when the header has them.
    pub fn stanzas(&self) -> Vec<Vec<u8>> {
        let h = HeaderView::of(&self.header);
        self.header[FIXED..h.core_end()]
            .chunks(h.stanza_len)
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// Rebuilds the header with these stanzas: recipient count patched, the
    /// fixed fields and the extension section kept.
    pub fn set_stanzas(&mut self, stanzas: Vec<Vec<u8>>) {
        let core_end = HeaderView::of(&self.header).core_end();
        let mut header = self.header[..FIXED - 2].to_vec();
        header.extend_from_slice(&(stanzas.len() as u16).to_be_bytes());
        header.extend(stanzas.concat());
        header.extend_from_slice(&self.header[core_end..]);
        self.header = header;
    }

    /// A new stanza wrapping this envelope's content key to `to` (with its
    /// key id if the header uses key ids).
    pub fn new_stanza(&self, to: &PublicIdentity) -> Vec<u8> {
        let h = HeaderView::of(&self.header);
        let (suite, info) = stanza_suite(h.suite);
        let EncryptionKey::X25519(pk) = to.encryption_key() else {
            panic!("a classical recipient")
        };
        let (enc, wrapped) = hpke::seal(
            suite,
            &SenderMode::Base,
            pk,
            &info,
            b"",
            &self.content_key,
            &mut SystemRng,
        )
        .unwrap();
        let mut stanza = Vec::new();
        if h.key_ids {
            stanza.extend_from_slice(&sha256(&[KEY_ID_LABEL, pk.as_bytes()])[..KEY_ID]);
        }
        stanza.extend([enc, wrapped].concat());
        stanza
    }

    /// The recipient fingerprints of the sender block.
    pub fn fingerprints(&self) -> Vec<[u8; 32]> {
        (self.sender_block[PUBLIC_IDENTITY..].chunks(FINGERPRINT))
            .map(|c| c.try_into().unwrap())
            .collect()
    }

    pub fn set_fingerprints(&mut self, fps: Vec<[u8; 32]>) {
        self.sender_block.truncate(PUBLIC_IDENTITY);
        self.sender_block.extend(fps.concat());
    }
}

/// `v` with items `i` and `j` swapped.
pub fn swap<T>(mut v: Vec<T>, i: usize, j: usize) -> Vec<T> {
    v.swap(i, j);
    v
}

/// `v` with `item` inserted at `at`.
pub fn insert<T>(mut v: Vec<T>, at: usize, item: T) -> Vec<T> {
    v.insert(at, item);
    v
}

/// An Ed25519 signature by `signer` over exactly `msg`, with ring and the
/// identity's own seed: what an envelope's signature is. (`Identity::sign`
/// signs only under its own domain label, never raw bytes.)
pub fn raw_sign(signer: &Identity, msg: &[u8]) -> [u8; 64] {
    let secret = signer.to_bytes();
    let key = Ed25519KeyPair::from_seed_unchecked(&secret[32..]).expect("a 32-byte seed");
    key.sign(msg)
        .as_ref()
        .try_into()
        .expect("64-byte signature")
}
