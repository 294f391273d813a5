//! Who is who: a user's secret [`Identity`] and the [`PublicIdentity`] others
//! encrypt to and verify against.
//!
//! An identity is two keys with two jobs: a KEM key that HPKE wraps envelope
//! keys to (decryption) and an Ed25519 key that signs what its owner sends
//! (authentication). The KEM is X25519 ([`Identity::generate`]) or, for a
//! post-quantum identity, the hybrid X-Wing ([`Identity::generate_post_quantum`]).
//! Both travel as typed, versioned hex strings (`doormat-public-1…`,
//! `doormat-secret-1…`; `doormat-public-pq-1…`, `doormat-secret-pq-1…`), so a
//! secret pasted where a public key belongs is refused by name, and the KEM
//! is visible in the text, the type ([`Kem`]) and the fingerprint.
//!
//! ```
//! use doormat::keys::{safety_number, Identity, PublicIdentity};
//!
//! let alice = Identity::generate();
//! let bob = Identity::generate();
//! let text = alice.public().to_string();
//! assert!(text.starts_with("doormat-public-1"));
//! let parsed: PublicIdentity = text.parse()?;
//! assert_eq!(parsed, alice.public());
//! // Alice and Bob read the same number to each other, in either order.
//! assert_eq!(
//!     safety_number(&alice.public(), &bob.public()),
//!     safety_number(&bob.public(), &alice.public()),
//! );
//! # Ok::<(), doormat::keys::Error>(())
//! ```

use core::fmt;
use core::str::FromStr;

use ring::signature::{self, Ed25519KeyPair, KeyPair};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::hash::sha256;
use crate::hpke::{self, Kem as _, XWing, X25519};
use crate::random::{self, SystemRng, TryCryptoRng, OS_RNG_FAILED};

mod error;
mod fingerprint;
mod kem;
pub(crate) mod text;

pub use error::Error;
pub use fingerprint::{safety_number, Fingerprint, SafetyNumber, FINGERPRINT_LEN};
pub use kem::{DecryptionKey, EncryptionKey, Kem, DECRYPTION_KEY_LEN};
pub use text::KeyText;

/// `Result` with the keys layer's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// Length of an Ed25519 public key or seed.
pub const ED25519_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a serialized classical [`PublicIdentity`] (X25519 key, then
/// Ed25519 key).
pub const PUBLIC_IDENTITY_LEN: usize = X25519::PUBLIC_KEY_LEN + ED25519_LEN;
/// Length of a serialized post-quantum [`PublicIdentity`] (X-Wing key, then
/// Ed25519 key).
pub const PQ_PUBLIC_IDENTITY_LEN: usize = XWing::PUBLIC_KEY_LEN + ED25519_LEN;
/// Length of a serialized [`Identity`] of either kind (the 32-byte KEM
/// secret, then the Ed25519 seed).
pub const IDENTITY_LEN: usize = DECRYPTION_KEY_LEN + ED25519_LEN;

/// Text prefix of a classical [`PublicIdentity`].
pub const PUBLIC_PREFIX: &str = "doormat-public-1";
/// Text prefix of a classical [`Identity`].
pub const SECRET_PREFIX: &str = "doormat-secret-1";
/// Text prefix of a post-quantum [`PublicIdentity`].
pub const PQ_PUBLIC_PREFIX: &str = "doormat-public-pq-1";
/// Text prefix of a post-quantum [`Identity`].
pub const PQ_SECRET_PREFIX: &str = "doormat-secret-pq-1";
/// The public prefixes, by [`Kem`] (`kem as usize`).
pub(crate) const PUBLIC_PREFIXES: [&str; 2] = [PUBLIC_PREFIX, PQ_PUBLIC_PREFIX];
/// The secret prefixes, by [`Kem`].
pub(crate) const SECRET_PREFIXES: [&str; 2] = [SECRET_PREFIX, PQ_SECRET_PREFIX];

/// Fingerprint labels, by [`Kem`], so the fingerprint covers the kind.
const FINGERPRINT_LABELS: [&[u8]; 2] = [b"doormat fingerprint v1", b"doormat fingerprint pq v1"];
/// The domain label of every signature made for an application
/// ([`Identity::sign`]); envelope signatures use their own labels.
const USER_SIGNATURE_LABEL: &[u8] = b"doormat/v1 user signature\0";

/// A user's secret keys: a KEM key for decryption, Ed25519 for signing.
///
/// Zeroized on drop and never printed: `Debug` shows the public fingerprint
/// only. Intentionally not `Clone`. ring's own copy of the expanded signing
/// key is not wiped by ring; the seed doormat keeps is.
pub struct Identity {
    decryption: DecryptionKey,
    seed: Zeroizing<[u8; ED25519_LEN]>,
    signing: Ed25519KeyPair,
    public: PublicIdentity,
}

/// The public half of an [`Identity`]: what others encrypt to and verify with.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicIdentity {
    encryption: EncryptionKey,
    verifying: [u8; ED25519_LEN],
}

impl Identity {
    /// A fresh classical (X25519) identity from the operating system's
    /// random number generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    /// [`Identity::generate_with`] reports it instead.
    pub fn generate() -> Identity {
        Identity::generate_with(&mut SystemRng).expect(OS_RNG_FAILED)
    }

    /// A fresh classical identity from `rng`: 32 bytes for the X25519 key,
    /// then 32 for the Ed25519 seed.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Identity> {
        Identity::generate_for(Kem::X25519, rng)
    }

    /// A fresh identity of `kem` from `rng`: the KEM's secret bytes, then 32
    /// for the Ed25519 seed.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_for<R: TryCryptoRng + ?Sized>(kem: Kem, rng: &mut R) -> Result<Identity> {
        let decryption = DecryptionKey::generate_with(kem, rng)?;
        let mut seed = Zeroizing::new([0u8; ED25519_LEN]);
        random::fill(rng, seed.as_mut())?;
        Ok(Identity::from_decryption_key(decryption, &seed))
    }

    /// A fresh post-quantum identity (X-Wing) from the operating system's
    /// generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    pub fn generate_post_quantum() -> Identity {
        Identity::generate_post_quantum_with(&mut SystemRng).expect(OS_RNG_FAILED)
    }

    /// A fresh post-quantum identity from `rng`: 32 bytes for the X-Wing
    /// seed, then 32 for the Ed25519 seed.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_post_quantum_with<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Identity> {
        Identity::generate_for(Kem::XWing, rng)
    }

    /// An identity from its decryption key (either KEM) and a 32-byte
    /// Ed25519 seed.
    pub fn from_decryption_key(
        decryption: DecryptionKey,
        ed25519_seed: &[u8; ED25519_LEN],
    ) -> Identity {
        let signing = Ed25519KeyPair::from_seed_unchecked(ed25519_seed)
            .expect("every 32-byte seed is a valid Ed25519 key");
        let mut verifying = [0u8; ED25519_LEN];
        verifying.copy_from_slice(signing.public_key().as_ref());
        let public = PublicIdentity {
            encryption: decryption.public_key(),
            verifying,
        };
        Identity {
            decryption,
            seed: Zeroizing::new(*ed25519_seed),
            signing,
            public,
        }
    }

    /// Parses the 64 secret bytes of an identity of `kem` (the KEM secret,
    /// then the Ed25519 seed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] unless `bytes` is [`IDENTITY_LEN`] long.
    pub fn from_bytes_for(kem: Kem, bytes: &[u8]) -> Result<Identity> {
        if bytes.len() != IDENTITY_LEN {
            return Err(Error::InvalidLength {
                expected: IDENTITY_LEN,
                got: bytes.len(),
            });
        }
        let decryption = DecryptionKey::from_bytes(kem, &bytes[..DECRYPTION_KEY_LEN])?;
        let mut seed = Zeroizing::new([0u8; ED25519_LEN]);
        seed.copy_from_slice(&bytes[DECRYPTION_KEY_LEN..]);
        Ok(Identity::from_decryption_key(decryption, &seed))
    }

    /// Parses the 64 secret bytes of a classical identity.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] unless `bytes` is [`IDENTITY_LEN`] long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Identity> {
        Identity::from_bytes_for(Kem::X25519, bytes)
    }

    /// The 64 secret bytes, wiped when dropped. The KEM is not in them:
    /// the text form carries it.
    pub fn to_bytes(&self) -> Zeroizing<[u8; IDENTITY_LEN]> {
        let mut out = Zeroizing::new([0u8; IDENTITY_LEN]);
        out[..DECRYPTION_KEY_LEN].copy_from_slice(self.decryption.to_bytes().as_ref());
        out[DECRYPTION_KEY_LEN..].copy_from_slice(self.seed.as_ref());
        out
    }

    /// The text form, `doormat-secret-1<hex>` or `doormat-secret-pq-1<hex>`,
    /// as a string wiped when dropped.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        text::encode(
            SECRET_PREFIXES[self.kem() as usize],
            self.to_bytes().as_ref(),
        )
    }

    /// The public half.
    pub fn public(&self) -> PublicIdentity {
        self.public.clone()
    }

    /// The KEM this identity decrypts with.
    pub fn kem(&self) -> Kem {
        self.decryption.kem()
    }

    /// The key HPKE stanzas are opened with.
    pub fn decryption_key(&self) -> &DecryptionKey {
        &self.decryption
    }

    /// An Ed25519 signature over `msg` for the application purpose named by
    /// `context` (for example `b"myapp/v1 receipt"`), which
    /// [`PublicIdentity::verify`] checks with the same context.
    ///
    /// # Security
    ///
    /// The key that signs envelopes signs only envelopes: this signs
    /// `"doormat/v1 user signature\0" || u64(len(context)) || context || msg`,
    /// which can never be the message of an envelope or of one of its
    /// checkpoints, so no bytes an attacker asks an application to sign make
    /// an envelope "from" this identity. A signature is transferable proof:
    /// whoever holds it can show a third party that this identity signed.
    pub fn sign(&self, context: &[u8], msg: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.sign_raw(&user_message(context, msg))
    }

    /// An Ed25519 signature over exactly `msg`: for envelopes and prekeys
    /// only, whose signed messages carry their own labels.
    pub(crate) fn sign_raw(&self, msg: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut sig = [0u8; SIGNATURE_LEN];
        sig.copy_from_slice(self.signing.sign(msg).as_ref());
        sig
    }

    /// The identity's Diffie-Hellman key for session set-up (X3DH's `IK`):
    /// the X25519 form of the Ed25519 signing key, the clamped scalar
    /// `SHA-512(seed)[..32]` Ed25519 signs with, so that
    /// [`PublicIdentity::dh_key`] is its public key. One identity key both
    /// signs and agrees, as Signal's does (it signs with its X25519 key,
    /// XEdDSA); doormat's identities already have an Ed25519 key, and their
    /// KEM key may be X-Wing, so the conversion goes the other way.
    /// ring's digest value holding the scalar is not wiped by ring.
    pub(crate) fn dh_key(&self) -> hpke::PrivateKey<X25519> {
        let h = ring::digest::digest(&ring::digest::SHA512, self.seed.as_ref());
        let mut scalar = Zeroizing::new([0u8; ED25519_LEN]);
        scalar.copy_from_slice(&h.as_ref()[..ED25519_LEN]);
        hpke::PrivateKey::from_bytes(scalar.as_ref()).expect("32 bytes")
    }
}

/// `USER_SIGNATURE_LABEL || u64(len(context)) || context || msg`.
fn user_message(context: &[u8], msg: &[u8]) -> Vec<u8> {
    let len = (context.len() as u64).to_be_bytes();
    [USER_SIGNATURE_LABEL, &len, context, msg].concat()
}

impl PartialEq for Identity {
    /// Constant-time comparison of the secret bytes.
    fn eq(&self, other: &Identity) -> bool {
        self.to_bytes().ct_eq(other.to_bytes().as_ref()).into()
    }
}

impl Eq for Identity {}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({}, [redacted])", self.public.fingerprint())
    }
}

impl FromStr for Identity {
    type Err = Error;

    /// Parses `doormat-secret-1<hex>` or `doormat-secret-pq-1<hex>`.
    fn from_str(s: &str) -> Result<Identity> {
        let (kem, prefix) = text::kem_of(s, &SECRET_PREFIXES);
        let bytes = text::decode::<IDENTITY_LEN>(prefix, s)?;
        Identity::from_bytes_for(kem, bytes.as_ref())
    }
}

impl PublicIdentity {
    /// Parses the public bytes: a classical identity's 64 (X25519 key, then
    /// Ed25519 key) or a post-quantum identity's 1,248 (X-Wing key, then
    /// Ed25519 key); the length tells them apart.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`]; [`Error::InvalidKey`] if either key is not
    /// the canonical encoding of its point, if the X25519 key is a low-order
    /// point (every envelope to it would be readable by anyone), if the
    /// X-Wing key fails its check, or if the Ed25519 key is not a curve point
    /// or has small order (a signature by it can verify for any message). No
    /// honest key is any of these.
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicIdentity> {
        let kem = bytes
            .len()
            .checked_sub(ED25519_LEN)
            .and_then(Kem::of_public_key_len)
            .ok_or(Error::InvalidLength {
                expected: PUBLIC_IDENTITY_LEN,
                got: bytes.len(),
            })?;
        let split = kem.public_key_len();
        let encryption = EncryptionKey::from_bytes(kem, &bytes[..split])?;
        let mut verifying = [0u8; ED25519_LEN];
        verifying.copy_from_slice(&bytes[split..]);
        check_ed25519_public(&verifying)?;
        Ok(PublicIdentity {
            encryption,
            verifying,
        })
    }

    /// The public bytes: the KEM key, then the Ed25519 key (64 or 1,248).
    pub fn to_bytes(&self) -> Vec<u8> {
        [self.encryption.as_bytes(), &self.verifying].concat()
    }

    /// The KEM key that content keys are wrapped to.
    pub fn encryption_key(&self) -> &EncryptionKey {
        &self.encryption
    }

    /// The KEM.
    pub fn kem(&self) -> Kem {
        self.encryption.kem()
    }

    /// The Ed25519 key that verifies this user's signatures.
    pub fn verifying_key(&self) -> &[u8; ED25519_LEN] {
        &self.verifying
    }

    /// Verifies a signature made with [`Identity::sign`] over `msg` for
    /// `context`.
    ///
    /// # Errors
    ///
    /// [`Error::BadSignature`] if it does not verify.
    pub fn verify(&self, context: &[u8], msg: &[u8], sig: &[u8]) -> Result<()> {
        self.verify_raw(&user_message(context, msg), sig)
    }

    /// The public key of [`Identity::dh_key`]: the Montgomery form
    /// (RFC 7748's u-coordinate) of the Ed25519 key, by the birational map
    /// between the curves.
    pub(crate) fn dh_key(&self) -> hpke::PublicKey<X25519> {
        let point = curve25519_dalek::edwards::CompressedEdwardsY(self.verifying)
            .decompress()
            .expect("checked to be a point when parsed or made");
        hpke::PublicKey::from_bytes(&point.to_montgomery().to_bytes()).expect("32 bytes")
    }

    /// Verifies an Ed25519 signature over exactly `msg` (envelopes and prekeys).
    pub(crate) fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.verifying)
            .verify(msg, sig)
            .map_err(|_| Error::BadSignature)
    }

    /// SHA-256 over the KEM key and the Ed25519 key, under a label that
    /// names the KEM. Shown as hex groups.
    pub fn fingerprint(&self) -> Fingerprint {
        let label = FINGERPRINT_LABELS[self.kem() as usize];
        Fingerprint::from_bytes(sha256(&[label, &self.to_bytes()]))
    }
}

impl fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicIdentity({:?}, {})",
            self.kem(),
            self.fingerprint()
        )
    }
}

impl fmt::Display for PublicIdentity {
    /// `doormat-public-1<hex>` or `doormat-public-pq-1<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = PUBLIC_PREFIXES[self.kem() as usize];
        f.write_str(&text::encode(prefix, &self.to_bytes()))
    }
}

impl FromStr for PublicIdentity {
    type Err = Error;

    /// Parses `doormat-public-1<hex>` or `doormat-public-pq-1<hex>`.
    fn from_str(s: &str) -> Result<PublicIdentity> {
        let (kem, prefix) = text::kem_of(s, &PUBLIC_PREFIXES);
        let bytes = text::decode_vec(prefix, s, kem.public_key_len() + ED25519_LEN)?;
        PublicIdentity::from_bytes(&bytes)
    }
}

/// Refuses Ed25519 public keys that do not decode to a curve point, are not
/// the canonical encoding of it, or have small order.
fn check_ed25519_public(bytes: &[u8; ED25519_LEN]) -> Result<()> {
    let compressed = curve25519_dalek::edwards::CompressedEdwardsY(*bytes);
    match compressed.decompress() {
        Some(point) if point.compress() == compressed && !point.is_small_order() => Ok(()),
        _ => Err(Error::InvalidKey),
    }
}
