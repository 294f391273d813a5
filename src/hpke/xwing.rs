//! HPKE with the post-quantum/traditional hybrid KEM MLKEM768-X25519
//! ("X-Wing"), `kem_id` 0x647a (draft-ietf-hpke-pq), on RustCrypto's
//! `x-wing` crate. Its shared secret stays secret unless *both* ML-KEM-768
//! and X25519 are broken, so a recording made today survives a future
//! quantum computer that solves X25519.
//!
//! The draft defines base and psk modes only; asking for an authenticated
//! mode is [`Error::UnsupportedMode`]. Suites use the same KDFs and AEADs as
//! DHKEM(X25519); `suite_id` carries 0x647a.
//!
//! ```
//! use doormat::hpke::{xwing, Aead, Kdf, ReceiverMode, SenderMode, Suite};
//!
//! let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
//! let sk_recip = xwing::PrivateKey::generate();
//! let (enc, ct) = xwing::seal(suite, &SenderMode::Base, &sk_recip.public_key(), b"info", b"", b"hello")?;
//! assert_eq!(enc.len(), xwing::ENC_LEN);
//! let pt = xwing::open(suite, &ReceiverMode::Base, &enc, &sk_recip, b"info", b"", &ct)?;
//! assert_eq!(pt, b"hello");
//! # Ok::<(), doormat::Error>(())
//! ```

use core::fmt;

use shake::{ExtendableOutput, Shake256, Update, XofReader};
use subtle::ConstantTimeEq;
use x_wing::{Decapsulate, Decapsulator, KeyExport};
use zeroize::Zeroizing;

use super::kem::{SharedSecret, X25519_LEN};
use super::setup::{verify_psk_inputs, KeySchedule, ReceiverContext, SenderContext};
use super::{ReceiverMode, SenderMode, Suite};
use crate::random::{self, CryptoRngCore, SystemRng};
use crate::{Error, Result};

/// MLKEM768-X25519's `kem_id` (draft-ietf-hpke-pq).
pub const XWING_KEM_ID: u16 = 0x647a;
/// `Nenc`: an encapsulation is 1,120 bytes (1,088 of ML-KEM, 32 of X25519).
pub const ENC_LEN: usize = x_wing::CIPHERTEXT_SIZE;
/// `Npk`: a public key is 1,216 bytes (1,184 of ML-KEM, 32 of X25519).
pub const PUBLIC_KEY_LEN: usize = x_wing::ENCAPSULATION_KEY_SIZE;
/// `Nsk`: a private key is a 32-byte seed.
pub const PRIVATE_KEY_LEN: usize = x_wing::DECAPSULATION_KEY_SIZE;
/// Randomness one encapsulation consumes: 32 bytes for ML-KEM, then 32 for X25519.
pub const ENCAP_RANDOMNESS_LEN: usize = 64;
/// `suite_id` of the KEM itself, for `DeriveKeyPair`.
const KEM_SUITE_ID: &[u8] = b"KEM\x64\x7a";

/// An X-Wing private key: a 32-byte seed, expanded into the ML-KEM-768 and
/// X25519 keys. Zeroized on drop; `Debug` redacted; `==` in constant time.
/// Intentionally not `Clone`.
pub struct PrivateKey {
    seed: Zeroizing<[u8; PRIVATE_KEY_LEN]>,
    /// The expanded key, boxed: it is large.
    dk: Box<x_wing::DecapsulationKey>,
    public: PublicKey,
}

/// An X-Wing public key (1,216 bytes). Equality and hashing are on the bytes.
#[derive(Clone)]
pub struct PublicKey {
    bytes: Box<[u8; PUBLIC_KEY_LEN]>,
    /// The parsed key, boxed: ML-KEM's expanded form is large.
    ek: Box<x_wing::EncapsulationKey>,
}

impl PrivateKey {
    /// A fresh key from the operating system's generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness;
    /// [`PrivateKey::generate_with`] reports it instead.
    pub fn generate() -> PrivateKey {
        PrivateKey::generate_with(&mut SystemRng)
            .expect("the operating system's random number generator failed")
    }

    /// A fresh key from `rng`: a 32-byte seed.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Result<PrivateKey> {
        let mut seed = Zeroizing::new([0u8; PRIVATE_KEY_LEN]);
        random::fill(rng, seed.as_mut())?;
        Ok(PrivateKey::from_seed(&seed))
    }

    fn from_seed(seed: &[u8; PRIVATE_KEY_LEN]) -> PrivateKey {
        let dk = x_wing::DecapsulationKey::from(*seed);
        let ek = dk.encapsulation_key().clone();
        let mut bytes = Box::new([0u8; PUBLIC_KEY_LEN]);
        bytes.copy_from_slice(&ek.to_bytes());
        PrivateKey {
            seed: Zeroizing::new(*seed),
            dk: Box::new(dk),
            public: PublicKey {
                bytes,
                ek: Box::new(ek),
            },
        }
    }

    /// `DeriveKeyPair(ikm)` (draft-ietf-hpke-pq):
    ///
    /// ```text
    /// def DeriveKeyPair(ikm):
    ///   seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32)
    ///   return KEM.DeriveKeyPair(seed)
    /// LabeledDerive(ikm, label, context, L) =
    ///   Derive(concat(ikm, "HPKE-v1", suite_id, I2OSP(len(label), 2), label,
    ///                 I2OSP(L, 2), context), L)
    /// ```
    ///
    /// with `suite_id = "KEM" || I2OSP(0x647a, 2)`. Deterministic; `ikm`
    /// should carry at least 32 bytes of entropy.
    pub fn derive(ikm: &[u8]) -> PrivateKey {
        const LABEL: &[u8] = b"DeriveKeyPair";
        let mut shake = Shake256::default();
        for part in [
            ikm,
            b"HPKE-v1",
            KEM_SUITE_ID,
            &(LABEL.len() as u16).to_be_bytes(),
            LABEL,
            &(PRIVATE_KEY_LEN as u16).to_be_bytes(),
        ] {
            shake.update(part);
        }
        let mut seed = Zeroizing::new([0u8; PRIVATE_KEY_LEN]);
        shake.finalize_xof().read(seed.as_mut());
        PrivateKey::from_seed(&seed)
    }

    /// `DeserializePrivateKey`: the 32-byte seed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] unless `bytes` is 32 bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<PrivateKey> {
        let seed: &[u8; PRIVATE_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            expected: PRIVATE_KEY_LEN,
            got: bytes.len(),
        })?;
        Ok(PrivateKey::from_seed(seed))
    }

    /// `SerializePrivateKey`: the seed, wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; PRIVATE_KEY_LEN]> {
        Zeroizing::new(*self.seed)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public.clone()
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.seed.ct_eq(other.seed.as_ref()).into()
    }
}

impl Eq for PrivateKey {}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("xwing::PrivateKey([redacted])")
    }
}

impl PublicKey {
    /// `DeserializePublicKey`: 1,216 bytes, ML-KEM-768's encapsulation key
    /// then X25519's.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`]; [`Error::InvalidKey`] if the ML-KEM part
    /// fails FIPS 203's encapsulation-key check.
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey> {
        let arr: &[u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            expected: PUBLIC_KEY_LEN,
            got: bytes.len(),
        })?;
        let ek = x_wing::EncapsulationKey::try_from(&arr[..]).map_err(|_| Error::InvalidKey)?;
        // Only the canonical encoding round-trips, so one key has one form.
        if ek.to_bytes()[..] != arr[..] {
            return Err(Error::InvalidKey);
        }
        Ok(PublicKey {
            bytes: Box::new(*arr),
            ek: Box::new(ek),
        })
    }

    /// `SerializePublicKey`.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.bytes
    }

    /// The X25519 component (the last 32 bytes): what a quantum computer
    /// that solves X25519 — and only X25519 — could attack.
    pub fn x25519_component(&self) -> [u8; X25519_LEN] {
        let mut x = [0u8; X25519_LEN];
        x.copy_from_slice(&self.bytes[PUBLIC_KEY_LEN - X25519_LEN..]);
        x
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for PublicKey {}

impl core::hash::Hash for PublicKey {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "xwing::PublicKey({}…)", hex::encode(&self.bytes[..8]))
    }
}

/// `Encap(pkR)` with the caller's 64 bytes of randomness (ML-KEM's 32,
/// then X25519's 32): the deterministic form of draft-ietf-hpke-pq's test
/// vectors. Returns the shared secret and `enc`.
///
/// # Security
///
/// Reusing randomness reuses the shared secret. For known-answer tests and
/// for constructions whose randomness is derived from fresh secrets.
pub fn encap_deterministic(
    pk_recip: &PublicKey,
    randomness: &[u8; ENCAP_RANDOMNESS_LEN],
) -> (SharedSecret, Vec<u8>) {
    let (ct, ss) = pk_recip.ek.encapsulate_deterministic(&(*randomness).into());
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&ss);
    (SharedSecret::from_bytes(secret), ct.to_vec())
}

/// `Decap(enc, skR)`.
///
/// # Errors
///
/// [`Error::InvalidLength`] if `enc` is not [`ENC_LEN`] bytes.
pub fn decap(enc: &[u8], sk_recip: &PrivateKey) -> Result<SharedSecret> {
    let ct: &[u8; ENC_LEN] = enc.try_into().map_err(|_| Error::InvalidLength {
        expected: ENC_LEN,
        got: enc.len(),
    })?;
    let ss = sk_recip.dk.decapsulate(&(*ct).into());
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&ss);
    Ok(SharedSecret::from_bytes(secret))
}

/// The PSK of a mode, or [`Error::UnsupportedMode`] for the authenticated
/// modes, which draft-ietf-hpke-pq does not define for this KEM.
fn unauthenticated<'m>(mode_id: u8, psk: (&'m [u8], &'m [u8])) -> Result<(&'m [u8], &'m [u8])> {
    if mode_id & 2 != 0 {
        return Err(Error::UnsupportedMode(mode_id));
    }
    verify_psk_inputs(mode_id, psk.0, psk.1)?;
    Ok(psk)
}

/// `SetupS` with X-Wing: base or psk mode, fresh randomness from the
/// operating system. Returns `enc` ([`ENC_LEN`] bytes) and the context.
///
/// # Errors
///
/// [`Error::UnsupportedMode`] for auth modes; [`Error::InconsistentPsk`],
/// [`Error::PskTooShort`]; [`Error::RandomFailed`].
pub fn setup_sender(
    suite: Suite,
    mode: &SenderMode<'_>,
    pk_recip: &PublicKey,
    info: &[u8],
) -> Result<(Vec<u8>, SenderContext)> {
    setup_sender_with_rng(suite, mode, pk_recip, info, &mut SystemRng)
}

/// [`setup_sender`] with the encapsulation randomness (64 bytes) from `rng`.
///
/// # Errors
///
/// As [`setup_sender`].
pub fn setup_sender_with_rng<R: CryptoRngCore + ?Sized>(
    suite: Suite,
    mode: &SenderMode<'_>,
    pk_recip: &PublicKey,
    info: &[u8],
    rng: &mut R,
) -> Result<(Vec<u8>, SenderContext)> {
    let mut randomness = Zeroizing::new([0u8; ENCAP_RANDOMNESS_LEN]);
    random::fill(rng, randomness.as_mut())?;
    setup_sender_with_randomness(suite, mode, pk_recip, info, &randomness)
}

/// [`setup_sender`] with the caller's 64 bytes of encapsulation randomness
/// (as [`encap_deterministic`]): for a caller that draws every random byte
/// first and encapsulates later, e.g. on another thread.
///
/// # Security
///
/// As [`encap_deterministic`]: the randomness must be fresh and used once.
///
/// # Errors
///
/// As [`setup_sender`], except [`Error::RandomFailed`].
pub fn setup_sender_with_randomness(
    suite: Suite,
    mode: &SenderMode<'_>,
    pk_recip: &PublicKey,
    info: &[u8],
    randomness: &[u8; ENCAP_RANDOMNESS_LEN],
) -> Result<(Vec<u8>, SenderContext)> {
    let (psk, psk_id) = unauthenticated(mode.mode_id(), mode.psk())?;
    let (ss, enc) = encap_deterministic(pk_recip, randomness);
    let ks = KeySchedule::for_kem(XWING_KEM_ID, suite, mode.mode_id(), &ss, info, psk, psk_id)?;
    Ok((enc, ks.into_sender(0)?))
}

/// `SetupR` with X-Wing.
///
/// # Errors
///
/// [`Error::UnsupportedMode`]; [`Error::InconsistentPsk`],
/// [`Error::PskTooShort`]; [`Error::InvalidLength`] for an `enc` of the
/// wrong size.
pub fn setup_receiver(
    suite: Suite,
    mode: &ReceiverMode<'_>,
    enc: &[u8],
    sk_recip: &PrivateKey,
    info: &[u8],
) -> Result<ReceiverContext> {
    let (psk, psk_id) = unauthenticated(mode.mode_id(), mode.psk())?;
    let ss = decap(enc, sk_recip)?;
    KeySchedule::for_kem(XWING_KEM_ID, suite, mode.mode_id(), &ss, info, psk, psk_id)?
        .into_receiver(0)
}

/// Single-shot encryption to an X-Wing key: `(enc, ct)`.
///
/// # Errors
///
/// As [`setup_sender`] and [`SenderContext::seal`].
pub fn seal(
    suite: Suite,
    mode: &SenderMode<'_>,
    pk_recip: &PublicKey,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<(Vec<u8>, Vec<u8>)> {
    seal_with_rng(suite, mode, pk_recip, info, aad, pt, &mut SystemRng)
}

/// [`seal`] with the encapsulation randomness from `rng`.
///
/// # Errors
///
/// As [`seal`].
pub fn seal_with_rng<R: CryptoRngCore + ?Sized>(
    suite: Suite,
    mode: &SenderMode<'_>,
    pk_recip: &PublicKey,
    info: &[u8],
    aad: &[u8],
    pt: &[u8],
    rng: &mut R,
) -> Result<(Vec<u8>, Vec<u8>)> {
    let (enc, mut ctx) = setup_sender_with_rng(suite, mode, pk_recip, info, rng)?;
    Ok((enc, ctx.seal(aad, pt)?))
}

/// Single-shot decryption with an X-Wing key.
///
/// # Errors
///
/// As [`setup_receiver`] and [`ReceiverContext::open`].
pub fn open(
    suite: Suite,
    mode: &ReceiverMode<'_>,
    enc: &[u8],
    sk_recip: &PrivateKey,
    info: &[u8],
    aad: &[u8],
    ct: &[u8],
) -> Result<Vec<u8>> {
    setup_receiver(suite, mode, enc, sk_recip, info)?.open(aad, ct)
}
