//! Modes and the setup functions (RFC 9180 §5.1, §6.1), written once for
//! every [`Kem`].

use core::fmt;

use super::error::Result;
use super::kem::{self, Kem, PrivateKey, PublicKey};
use super::schedule::{verify_psk_inputs, KeySchedule, ReceiverContext, SenderContext};
use super::Suite;
use crate::random::TryCryptoRng;

/// How the sender authenticates (RFC 9180 §5): the mode and its inputs.
pub enum SenderMode<'a, K: Kem> {
    /// `mode_base`: anyone could have sent it.
    Base,
    /// `mode_psk`: only someone holding the pre-shared key could have sent it.
    Psk {
        /// The pre-shared key: at least [`MIN_PSK_LEN`](super::MIN_PSK_LEN) bytes, carrying at
        /// least 32 bytes of entropy.
        psk: &'a [u8],
        /// The PSK's identifier.
        psk_id: &'a [u8],
    },
    /// `mode_auth`: only the holder of `sender` could have sent it (KEMs
    /// with [`Kem::AUTH_MODES`] only).
    Auth {
        /// The sender's static private key.
        sender: &'a PrivateKey<K>,
    },
    /// `mode_auth_psk`: both of the above.
    AuthPsk {
        /// The pre-shared key.
        psk: &'a [u8],
        /// The PSK's identifier.
        psk_id: &'a [u8],
        /// The sender's static private key.
        sender: &'a PrivateKey<K>,
    },
}

/// The receiver's view of [`SenderMode`]: the same PSK, the sender's public key.
pub enum ReceiverMode<'a, K: Kem> {
    /// `mode_base`.
    Base,
    /// `mode_psk`.
    Psk {
        /// The pre-shared key.
        psk: &'a [u8],
        /// The PSK's identifier.
        psk_id: &'a [u8],
    },
    /// `mode_auth`.
    Auth {
        /// The sender's static public key.
        sender: &'a PublicKey<K>,
    },
    /// `mode_auth_psk`.
    AuthPsk {
        /// The pre-shared key.
        psk: &'a [u8],
        /// The PSK's identifier.
        psk_id: &'a [u8],
        /// The sender's static public key.
        sender: &'a PublicKey<K>,
    },
}

// Copy by hand: a derive would ask `K: Copy` of the references' targets.
impl<K: Kem> Clone for SenderMode<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Kem> Copy for SenderMode<'_, K> {}

impl<K: Kem> Clone for ReceiverMode<'_, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Kem> Copy for ReceiverMode<'_, K> {}

// The modes hold PSKs: never print them.
impl<K: Kem> fmt::Debug for SenderMode<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenderMode::{}", mode_name(self.mode_id()))
    }
}

impl<K: Kem> fmt::Debug for ReceiverMode<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReceiverMode::{}", mode_name(self.mode_id()))
    }
}

fn mode_name(id: u8) -> &'static str {
    ["Base", "Psk", "Auth", "AuthPsk"][usize::from(id & 3)]
}

impl<K: Kem> SenderMode<'_, K> {
    /// The RFC 9180 `mode` byte (0x00 base … 0x03 auth_psk).
    pub fn mode_id(&self) -> u8 {
        match self {
            SenderMode::Base => 0,
            SenderMode::Psk { .. } => 1,
            SenderMode::Auth { .. } => 2,
            SenderMode::AuthPsk { .. } => 3,
        }
    }

    pub(crate) fn psk(&self) -> (&[u8], &[u8]) {
        match *self {
            SenderMode::Psk { psk, psk_id } | SenderMode::AuthPsk { psk, psk_id, .. } => {
                (psk, psk_id)
            }
            _ => (b"", b""),
        }
    }

    fn sender(&self) -> Option<&PrivateKey<K>> {
        match *self {
            SenderMode::Auth { sender } | SenderMode::AuthPsk { sender, .. } => Some(sender),
            _ => None,
        }
    }
}

impl<K: Kem> ReceiverMode<'_, K> {
    /// The RFC 9180 `mode` byte (0x00 base … 0x03 auth_psk).
    pub fn mode_id(&self) -> u8 {
        match self {
            ReceiverMode::Base => 0,
            ReceiverMode::Psk { .. } => 1,
            ReceiverMode::Auth { .. } => 2,
            ReceiverMode::AuthPsk { .. } => 3,
        }
    }

    pub(crate) fn psk(&self) -> (&[u8], &[u8]) {
        match *self {
            ReceiverMode::Psk { psk, psk_id } | ReceiverMode::AuthPsk { psk, psk_id, .. } => {
                (psk, psk_id)
            }
            _ => (b"", b""),
        }
    }

    fn sender(&self) -> Option<&PublicKey<K>> {
        match *self {
            ReceiverMode::Auth { sender } | ReceiverMode::AuthPsk { sender, .. } => Some(sender),
            _ => None,
        }
    }
}

/// The mode's PSK inputs, checked (`VerifyPSKInputs`), and the mode checked
/// against the KEM: an authenticated mode with a KEM that has none is
/// [`Error::UnsupportedMode`](super::Error::UnsupportedMode) with that mode.
fn check_mode<'m, K: Kem>(mode_id: u8, psk: (&'m [u8], &'m [u8])) -> Result<(&'m [u8], &'m [u8])> {
    if mode_id & 2 != 0 && !K::AUTH_MODES {
        return Err(super::Error::UnsupportedMode(mode_id));
    }
    verify_psk_inputs(mode_id, psk.0, psk.1)?;
    Ok(psk)
}

/// ```text
/// def SetupS(mode, pkR, info, psk, psk_id, skS):
///   shared_secret, enc = (Auth)Encap(pkR[, skS])
///   return enc, KeyScheduleS(mode, shared_secret, info, psk, psk_id)
/// ```
/// (RFC 9180 §5.1.1–§5.1.4). The KEM is the recipient key's; its
/// encapsulation randomness ([`Kem::ENCAP_RANDOMNESS_LEN`] bytes: the X25519
/// ephemeral key, X-Wing's 64 bytes) comes from `rng` — pass
/// [`SystemRng`](crate::random::SystemRng) for the operating system's.
///
/// Returns `enc`, to send to the receiver, and the context.
///
/// # Errors
///
/// [`Error::InconsistentPsk`](super::Error::InconsistentPsk) or
/// [`Error::PskTooShort`](super::Error::PskTooShort) for PSK inputs that do
/// not fit the mode; [`Error::UnsupportedMode`](super::Error::UnsupportedMode)
/// for an auth mode with a KEM without them;
/// [`Error::ZeroSharedSecret`](super::Error::ZeroSharedSecret) if `pk_recip`
/// is a low-order X25519 point; [`Error::RandomFailed`](super::Error::RandomFailed).
pub fn setup_sender<K: Kem, R: TryCryptoRng + ?Sized>(
    suite: Suite,
    mode: &SenderMode<'_, K>,
    pk_recip: &PublicKey<K>,
    info: &[u8],
    rng: &mut R,
) -> Result<(Vec<u8>, SenderContext)> {
    let (psk, psk_id) = check_mode::<K>(mode.mode_id(), mode.psk())?;
    let (shared_secret, enc) = kem::encap(pk_recip, mode.sender(), rng)?;
    let ks = KeySchedule::new(
        K::ID,
        suite,
        mode.mode_id(),
        &shared_secret,
        info,
        psk,
        psk_id,
    )?;
    Ok((enc, ks.into_sender(0)?))
}

/// [`setup_sender`] with the caller's encapsulation randomness instead of a
/// generator: for known-answer tests.
///
/// # Security
///
/// Reusing randomness with the same recipient and `info` reuses the AEAD
/// key and nonces.
#[cfg(feature = "hazmat")]
pub fn setup_sender_derand<K: Kem>(
    suite: Suite,
    mode: &SenderMode<'_, K>,
    pk_recip: &PublicKey<K>,
    info: &[u8],
    randomness: &[u8],
) -> Result<(Vec<u8>, SenderContext)> {
    let (psk, psk_id) = check_mode::<K>(mode.mode_id(), mode.psk())?;
    let (shared_secret, enc) = kem::encap_derand(pk_recip, randomness, mode.sender())?;
    let ks = KeySchedule::new(
        K::ID,
        suite,
        mode.mode_id(),
        &shared_secret,
        info,
        psk,
        psk_id,
    )?;
    Ok((enc, ks.into_sender(0)?))
}

/// ```text
/// def SetupR(mode, enc, skR, info, psk, psk_id, pkS):
///   shared_secret = (Auth)Decap(enc, skR[, pkS])
///   return KeyScheduleR(mode, shared_secret, info, psk, psk_id)
/// ```
///
/// # Errors
///
/// As [`setup_sender`], and
/// [`Error::InvalidLength`](super::Error::InvalidLength) for an `enc` that is
/// not [`Kem::ENC_LEN`] bytes.
pub fn setup_receiver<K: Kem>(
    suite: Suite,
    mode: &ReceiverMode<'_, K>,
    enc: &[u8],
    sk_recip: &PrivateKey<K>,
    info: &[u8],
) -> Result<ReceiverContext> {
    let (psk, psk_id) = check_mode::<K>(mode.mode_id(), mode.psk())?;
    let shared_secret = kem::decap(enc, sk_recip, mode.sender())?;
    KeySchedule::new(
        K::ID,
        suite,
        mode.mode_id(),
        &shared_secret,
        info,
        psk,
        psk_id,
    )?
    .into_receiver(0)
}

/// Single-shot encryption (RFC 9180 §6.1): [`setup_sender`] then one
/// `seal`. Returns `(enc, ct)`.
///
/// # Errors
///
/// As [`setup_sender`] and [`SenderContext::seal`].
pub fn seal<K: Kem, R: TryCryptoRng + ?Sized>(
    suite: Suite,
    mode: &SenderMode<'_, K>,
    pk_recip: &PublicKey<K>,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
    rng: &mut R,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let (enc, mut ctx) = setup_sender(suite, mode, pk_recip, info, rng)?;
    Ok((enc, ctx.seal(aad, pt)?))
}

/// Single-shot decryption (RFC 9180 §6.1): [`setup_receiver`] then one `open`.
///
/// # Errors
///
/// As [`setup_receiver`] and [`ReceiverContext::open`].
pub fn open<K: Kem>(
    suite: Suite,
    mode: &ReceiverMode<'_, K>,
    enc: &[u8],
    sk_recip: &PrivateKey<K>,
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Vec<u8>> {
    setup_receiver(suite, mode, enc, sk_recip, info)?.open(aad, ct)
}
