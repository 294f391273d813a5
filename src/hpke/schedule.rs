//! The key schedule (RFC 9180 §5.1) and the encryption contexts (§5.2, §5.3).

use core::fmt;

use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use super::aead::{compute_nonce, NONCE_LEN, TAG_LEN};
use super::error::{Error, Result};
use super::kem::SharedSecret;
use super::Suite;

/// ```text
/// def VerifyPSKInputs(mode, psk, psk_id):
///   got_psk = (psk != default_psk)
///   got_psk_id = (psk_id != default_psk_id)
///   if got_psk != got_psk_id:
///     raise Exception("Inconsistent PSK inputs")
///   if got_psk and (mode in [mode_base, mode_auth]):
///     raise Exception("PSK input provided when not needed")
///   if (not got_psk) and (mode in [mode_psk, mode_auth_psk]):
///     raise Exception("Missing required PSK input")
/// ```
/// The types already keep a PSK out of the base and auth modes. Stricter
/// than the pseudocode: a PSK shorter than [`MIN_PSK_LEN`] is refused, since
/// §5.1.2 asks for at least 32 bytes of entropy and a short one would be
/// open to offline guessing.
pub(crate) fn verify_psk_inputs(mode: u8, psk: &[u8], psk_id: &[u8]) -> Result<()> {
    let got_psk = !psk.is_empty();
    let got_psk_id = !psk_id.is_empty();
    let psk_mode = mode & 1 == 1;
    if got_psk != got_psk_id || got_psk != psk_mode {
        return Err(Error::InconsistentPsk);
    }
    if got_psk && psk.len() < MIN_PSK_LEN {
        return Err(Error::PskTooShort);
    }
    Ok(())
}

/// The shortest PSK accepted: RFC 9180 §5.1.2 requires at least 32 bytes of
/// entropy.
pub const MIN_PSK_LEN: usize = 32;

/// The output of `KeySchedule` (RFC 9180 §5.1): what a context is made of.
///
/// Low-level (public with the `hazmat` feature): for known-answer tests and for
/// checking intermediate values. Zeroized on drop; `Debug` is redacted.
pub struct KeySchedule {
    suite: Suite,
    /// `suite_id` with the KEM this schedule was run for.
    suite_id: [u8; 10],
    key: Zeroizing<Vec<u8>>,
    base_nonce: Zeroizing<[u8; NONCE_LEN]>,
    exporter_secret: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for KeySchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySchedule")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl KeySchedule {
    /// ```text
    /// def KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id):
    ///   VerifyPSKInputs(mode, psk, psk_id)
    ///   psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
    ///   info_hash = LabeledExtract("", "info_hash", info)
    ///   key_schedule_context = concat(mode, psk_id_hash, info_hash)
    ///   secret = LabeledExtract(shared_secret, "secret", psk)
    ///   key = LabeledExpand(secret, "key", key_schedule_context, Nk)
    ///   base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
    ///   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
    ///   return Context<ROLE>(key, base_nonce, 0, exporter_secret)
    /// ```
    ///
    /// `kem_id` is the KEM's, which enters `suite_id` (for example
    /// [`X25519::ID`](super::X25519)).
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedMode`] for a mode byte over 3;
    /// [`Error::InconsistentPsk`] or [`Error::PskTooShort`] when `psk` /
    /// `psk_id` do not fit `mode`.
    pub fn new(
        kem_id: u16,
        suite: Suite,
        mode: u8,
        shared_secret: &SharedSecret,
        info: &[u8],
        psk: &[u8],
        psk_id: &[u8],
    ) -> Result<KeySchedule> {
        if mode > 3 {
            return Err(Error::UnsupportedMode(mode));
        }
        verify_psk_inputs(mode, psk, psk_id)?;
        let kdf = suite.kdf;
        let suite_id = suite.suite_id(kem_id);
        let psk_id_hash = kdf.labeled_extract(&suite_id, b"", b"psk_id_hash", psk_id);
        let info_hash = kdf.labeled_extract(&suite_id, b"", b"info_hash", info);
        let mut ks_context = Vec::with_capacity(1 + psk_id_hash.len() + info_hash.len());
        ks_context.push(mode);
        ks_context.extend_from_slice(&psk_id_hash);
        ks_context.extend_from_slice(&info_hash);
        let secret = kdf.labeled_extract(&suite_id, shared_secret.as_bytes(), b"secret", psk);

        let mut key = Zeroizing::new(vec![0u8; suite.aead.key_len()]);
        kdf.labeled_expand(&suite_id, &secret, b"key", &ks_context, &mut key)?;
        let mut base_nonce = Zeroizing::new([0u8; NONCE_LEN]);
        let nonce_len = suite.aead.nonce_len();
        kdf.labeled_expand(
            &suite_id,
            &secret,
            b"base_nonce",
            &ks_context,
            &mut base_nonce[..nonce_len],
        )?;
        let mut exporter_secret = Zeroizing::new(vec![0u8; kdf.hash_len()]);
        kdf.labeled_expand(
            &suite_id,
            &secret,
            b"exp",
            &ks_context,
            &mut exporter_secret,
        )?;
        Ok(KeySchedule {
            suite,
            suite_id,
            key,
            base_nonce,
            exporter_secret,
        })
    }

    /// The AEAD key (`Nk` bytes; empty for export-only).
    #[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The base nonce (`Nn` bytes; empty for export-only).
    #[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
    pub fn base_nonce(&self) -> &[u8] {
        &self.base_nonce[..self.suite.aead.nonce_len()]
    }

    /// The exporter secret (`Nh` bytes).
    #[cfg_attr(not(feature = "hazmat"), allow(dead_code))]
    pub fn exporter_secret(&self) -> &[u8] {
        &self.exporter_secret
    }

    /// A sender context starting at sequence number `seq` (0 in normal use).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] never in practice (the key has the AEAD's length).
    pub fn into_sender(self, seq: u64) -> Result<SenderContext> {
        Ok(SenderContext(self.into_context(seq)?))
    }

    /// A receiver context starting at sequence number `seq` (0 in normal use).
    ///
    /// # Errors
    ///
    /// As [`KeySchedule::into_sender`].
    pub fn into_receiver(self, seq: u64) -> Result<ReceiverContext> {
        Ok(ReceiverContext(self.into_context(seq)?))
    }

    fn into_context(self, seq: u64) -> Result<Context> {
        let key = match self.suite.aead {
            super::Aead::ExportOnly => None,
            aead => Some(aead.key(&self.key)?),
        };
        Ok(Context {
            suite: self.suite,
            suite_id: self.suite_id,
            key,
            base_nonce: *self.base_nonce,
            seq,
            exporter_secret: self.exporter_secret.clone(),
        })
    }
}

/// What sender and receiver contexts share.
struct Context {
    suite: Suite,
    suite_id: [u8; 10],
    /// `None` for export-only. ring keeps this key unwiped (documented at
    /// crate level); our own copies are zeroized.
    key: Option<LessSafeKey>,
    base_nonce: [u8; NONCE_LEN],
    seq: u64,
    exporter_secret: Zeroizing<Vec<u8>>,
}

impl Context {
    /// Returns the key and the nonce for the current sequence number, and
    /// advances it. `IncrementSeq` (§5.2) raises once `seq` reaches
    /// `2^(8*Nn) - 1`; doormat counts in a `u64`, a stricter bound, and
    /// refuses *before* using the last value so the context stays spent.
    fn next(&mut self) -> Result<(&LessSafeKey, ring::aead::Nonce)> {
        let key = self.key.as_ref().ok_or(Error::ExportOnly)?;
        let next = self.seq.checked_add(1).ok_or(Error::MessageLimitReached)?;
        let nonce = compute_nonce(&self.base_nonce, self.seq);
        self.seq = next;
        Ok((key, nonce))
    }

    /// ```text
    /// def Context.Export(exporter_context, L):
    ///   return LabeledExpand(self.exporter_secret, "sec", exporter_context, L)
    /// ```
    fn export(&self, exporter_context: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>> {
        if len > 255 * self.suite.kdf.hash_len() {
            return Err(Error::ExportTooLong);
        }
        let mut out = Zeroizing::new(vec![0u8; len]);
        self.suite.kdf.labeled_expand(
            &self.suite_id,
            &self.exporter_secret,
            b"sec",
            exporter_context,
            &mut out,
        )?;
        Ok(out)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.base_nonce);
    }
}

/// A sender's encryption context (`ContextS`, RFC 9180 §5.2). It can seal and
/// export, never open. Intentionally not `Clone`: two copies would reuse nonces.
pub struct SenderContext(Context);

/// A receiver's decryption context (`ContextR`, RFC 9180 §5.2). It can open
/// and export, never seal. Intentionally not `Clone`.
pub struct ReceiverContext(Context);

impl fmt::Debug for SenderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenderContext({:?}, [redacted])", self.0.suite)
    }
}

impl fmt::Debug for ReceiverContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReceiverContext({:?}, [redacted])", self.0.suite)
    }
}

impl SenderContext {
    /// ```text
    /// def ContextS.Seal(aad, pt):
    ///   ct = Seal(self.key, self.ComputeNonce(self.seq), aad, pt)
    ///   self.IncrementSeq()
    ///   return ct
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::ExportOnly`] on an export-only context;
    /// [`Error::MessageLimitReached`] once the sequence number is exhausted;
    /// [`Error::PlaintextTooLong`].
    pub fn seal(&mut self, aad: &[u8], pt: &[u8]) -> Result<Vec<u8>> {
        let (key, nonce) = self.0.next()?;
        let mut ct = Vec::with_capacity(pt.len() + TAG_LEN);
        ct.extend_from_slice(pt);
        key.seal_in_place_append_tag(nonce, Aad::from(aad), &mut ct)
            .map_err(|_| Error::PlaintextTooLong)?;
        Ok(ct)
    }

    /// Secret export (RFC 9180 §5.3): `len` bytes bound to this context and
    /// `exporter_context`.
    ///
    /// # Errors
    ///
    /// [`Error::ExportTooLong`] if `len > 255 * Nh`.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>> {
        self.0.export(exporter_context, len)
    }
}

impl ReceiverContext {
    /// ```text
    /// def ContextR.Open(aad, ct):
    ///   pt = Open(self.key, self.ComputeNonce(self.seq), aad, ct)
    ///   if pt == OpenError:
    ///     raise OpenError
    ///   self.IncrementSeq()
    ///   return pt
    /// ```
    ///
    /// A failed open leaves the sequence number where it was, as the RFC says.
    ///
    /// # Errors
    ///
    /// [`Error::OpenFailed`] for any authentication failure;
    /// [`Error::ExportOnly`]; [`Error::MessageLimitReached`].
    pub fn open(&mut self, aad: &[u8], ct: &[u8]) -> Result<Vec<u8>> {
        let seq = self.0.seq;
        let (key, nonce) = self.0.next()?;
        let mut buf = ct.to_vec();
        match key.open_in_place(nonce, Aad::from(aad), &mut buf) {
            Ok(pt) => {
                let len = pt.len();
                buf.truncate(len);
                Ok(buf)
            }
            Err(_) => {
                self.0.seq = seq;
                Err(Error::OpenFailed)
            }
        }
    }

    /// Secret export (RFC 9180 §5.3), equal to the sender's for the same inputs.
    ///
    /// # Errors
    ///
    /// [`Error::ExportTooLong`] if `len > 255 * Nh`.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<Zeroizing<Vec<u8>>> {
        self.0.export(exporter_context, len)
    }
}
