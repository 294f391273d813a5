//! Who is who: a user's secret [`Identity`] and the [`PublicIdentity`] others
//! encrypt to and verify against.
//!
//! An identity is two keys with two jobs: an X25519 key that HPKE wraps
//! envelope keys to (decryption) and an Ed25519 key that signs what its owner
//! sends (authentication). Both travel as typed, versioned hex strings
//! (`doormat-public-1…`, `doormat-secret-1…`), so a secret pasted where a
//! public key belongs is refused by name.
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
//! # Ok::<(), doormat::Error>(())
//! ```

use core::fmt;
use core::str::FromStr;

use ring::signature::{self, Ed25519KeyPair, KeyPair};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::hash::{sha256, SHA256_LEN};
use crate::hpke::{PrivateKey, PublicKey, X25519_LEN};
use crate::random::{self, CryptoRngCore, SystemRng};
use crate::{text, Error, Result};

/// Length of an Ed25519 public key or seed.
pub const ED25519_LEN: usize = 32;
/// Length of a [`Fingerprint`] (a SHA-256 output).
pub const FINGERPRINT_LEN: usize = SHA256_LEN;
/// Length of a [`SafetyNumber`] (a SHA-512 output).
const SAFETY_NUMBER_LEN: usize = 64;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a serialized [`PublicIdentity`] (X25519 key, then Ed25519 key).
pub const PUBLIC_IDENTITY_LEN: usize = X25519_LEN + ED25519_LEN;
/// Length of a serialized [`Identity`] (X25519 secret, then Ed25519 seed).
pub const IDENTITY_LEN: usize = X25519_LEN + ED25519_LEN;

/// Text prefix of a [`PublicIdentity`].
pub const PUBLIC_PREFIX: &str = "doormat-public-1";
/// Text prefix of an [`Identity`].
pub const SECRET_PREFIX: &str = "doormat-secret-1";

const FINGERPRINT_LABEL: &[u8] = b"doormat fingerprint v1";
/// The domain label of every signature made for an application
/// ([`Identity::sign`]); envelope signatures use their own labels.
const USER_SIGNATURE_LABEL: &[u8] = b"doormat/v1 user signature\0";
const SAFETY_NUMBER_LABEL: &[u8] = b"doormat safety number v1";

/// A user's secret keys: X25519 for decryption, Ed25519 for signing.
///
/// Zeroized on drop and never printed: `Debug` shows the public fingerprint
/// only. Intentionally not `Clone`. ring's own copy of the expanded signing
/// key is not wiped by ring; the seed doormat keeps is.
pub struct Identity {
    decryption: PrivateKey,
    seed: Zeroizing<[u8; ED25519_LEN]>,
    signing: Ed25519KeyPair,
    public: PublicIdentity,
}

/// The public half of an [`Identity`]: what others encrypt to and verify with.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PublicIdentity {
    encryption: PublicKey,
    verifying: [u8; ED25519_LEN],
}

impl Identity {
    /// A fresh identity from the operating system's random number generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness.
    /// [`Identity::generate_with`] reports it instead.
    pub fn generate() -> Identity {
        Identity::generate_with(&mut SystemRng)
            .expect("the operating system's random number generator failed")
    }

    /// A fresh identity from `rng`: 32 bytes for the X25519 key, then 32 for
    /// the Ed25519 seed.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: CryptoRngCore + ?Sized>(rng: &mut R) -> Result<Identity> {
        let decryption = PrivateKey::generate_with(rng)?;
        let mut seed = Zeroizing::new([0u8; ED25519_LEN]);
        random::fill(rng, seed.as_mut())?;
        Ok(Identity::from_keys(decryption, &seed))
    }

    /// An identity from its X25519 decryption key and a 32-byte Ed25519 seed.
    pub fn from_keys(decryption: PrivateKey, ed25519_seed: &[u8; ED25519_LEN]) -> Identity {
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

    /// Parses the 64 secret bytes (X25519 secret, then Ed25519 seed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] unless `bytes` is [`IDENTITY_LEN`] long.
    pub fn from_bytes(bytes: &[u8]) -> Result<Identity> {
        if bytes.len() != IDENTITY_LEN {
            return Err(Error::InvalidLength {
                expected: IDENTITY_LEN,
                got: bytes.len(),
            });
        }
        let decryption = PrivateKey::from_bytes(&bytes[..X25519_LEN])?;
        let mut seed = Zeroizing::new([0u8; ED25519_LEN]);
        seed.copy_from_slice(&bytes[X25519_LEN..]);
        Ok(Identity::from_keys(decryption, &seed))
    }

    /// The 64 secret bytes, wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; IDENTITY_LEN]> {
        let mut out = Zeroizing::new([0u8; IDENTITY_LEN]);
        out[..X25519_LEN].copy_from_slice(self.decryption.to_bytes().as_ref());
        out[X25519_LEN..].copy_from_slice(self.seed.as_ref());
        out
    }

    /// The text form `doormat-secret-1<hex>`, as a string wiped when dropped.
    pub fn to_secret_string(&self) -> Zeroizing<String> {
        text::encode(SECRET_PREFIX, self.to_bytes().as_ref())
    }

    /// The public half.
    pub fn public(&self) -> PublicIdentity {
        self.public.clone()
    }

    /// The X25519 key HPKE stanzas are opened with.
    pub fn decryption_key(&self) -> &PrivateKey {
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

    /// An Ed25519 signature over exactly `msg`: for envelopes only, whose
    /// signed messages carry their own labels.
    pub(crate) fn sign_raw(&self, msg: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut sig = [0u8; SIGNATURE_LEN];
        sig.copy_from_slice(self.signing.sign(msg).as_ref());
        sig
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

    /// Parses `doormat-secret-1<hex>`.
    fn from_str(s: &str) -> Result<Identity> {
        let bytes = text::decode::<IDENTITY_LEN>(SECRET_PREFIX, s)?;
        Identity::from_bytes(bytes.as_ref())
    }
}

impl PublicIdentity {
    /// Parses the 64 public bytes (X25519 key, then Ed25519 key).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`]; [`Error::InvalidKey`] if either key is not
    /// the canonical encoding of its point, if the X25519 key is a low-order
    /// point (every envelope to it would be readable by anyone), or if the
    /// Ed25519 key is not a curve point or has small order (a signature by it
    /// can verify for any message). No honest key is any of these.
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicIdentity> {
        if bytes.len() != PUBLIC_IDENTITY_LEN {
            return Err(Error::InvalidLength {
                expected: PUBLIC_IDENTITY_LEN,
                got: bytes.len(),
            });
        }
        let encryption = PublicKey::from_bytes(&bytes[..X25519_LEN])?;
        encryption.validate()?;
        let mut verifying = [0u8; ED25519_LEN];
        verifying.copy_from_slice(&bytes[X25519_LEN..]);
        check_ed25519_public(&verifying)?;
        Ok(PublicIdentity {
            encryption,
            verifying,
        })
    }

    /// The 64 public bytes.
    pub fn to_bytes(&self) -> [u8; PUBLIC_IDENTITY_LEN] {
        let mut out = [0u8; PUBLIC_IDENTITY_LEN];
        out[..X25519_LEN].copy_from_slice(self.encryption.as_bytes());
        out[X25519_LEN..].copy_from_slice(&self.verifying);
        out
    }

    /// The X25519 key HPKE wraps envelope keys to.
    pub fn encryption_key(&self) -> &PublicKey {
        &self.encryption
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

    /// Verifies an Ed25519 signature over exactly `msg` (envelopes).
    pub(crate) fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.verifying)
            .verify(msg, sig)
            .map_err(|_| Error::BadSignature)
    }

    /// SHA-256 over both public keys, under a domain label. Shown as hex groups.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint(sha256(&[FINGERPRINT_LABEL, &self.to_bytes()]))
    }
}

impl fmt::Debug for PublicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicIdentity({})", self.fingerprint())
    }
}

impl fmt::Display for PublicIdentity {
    /// `doormat-public-1<hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text::encode(PUBLIC_PREFIX, &self.to_bytes()))
    }
}

impl FromStr for PublicIdentity {
    type Err = Error;

    /// Parses `doormat-public-1<hex>`.
    fn from_str(s: &str) -> Result<PublicIdentity> {
        let bytes = text::decode::<PUBLIC_IDENTITY_LEN>(PUBLIC_PREFIX, s)?;
        PublicIdentity::from_bytes(bytes.as_ref())
    }
}

/// A key's fingerprint: 32 bytes of SHA-256, displayed as the first 16 bytes
/// in eight groups of four hex digits (128 bits is plenty for a human check).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; FINGERPRINT_LEN]);

impl Fingerprint {
    /// A fingerprint from its 32 bytes.
    pub const fn from_bytes(bytes: [u8; FINGERPRINT_LEN]) -> Fingerprint {
        Fingerprint(bytes)
    }

    /// The full 32 bytes.
    pub fn as_bytes(&self) -> &[u8; FINGERPRINT_LEN] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.0[..FINGERPRINT_LEN / 2].chunks(2).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", hex::encode(pair))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// A number two users compare out of band (read aloud, or side by side) to
/// know they hold each other's true keys: a key directory that swapped or
/// added a key changes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SafetyNumber([u8; SAFETY_NUMBER_LEN]);

impl fmt::Display for SafetyNumber {
    /// Twelve groups of five decimal digits, as in Signal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Six 64-bit words, each giving ten digits: 2^64 mod 10^10 leaves a
        // bias below 10^-9.
        const WORDS: usize = 6;
        for (i, chunk) in self.0[..WORDS * 8].chunks_exact(8).enumerate() {
            let word = u64::from_be_bytes(chunk.try_into().expect("chunks of 8"));
            let n = word % 10_000_000_000;
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{:05} {:05}", n / 100_000, n % 100_000)?;
        }
        Ok(())
    }
}

impl fmt::Debug for SafetyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafetyNumber({self})")
    }
}

/// The safety number of a pair of users; the same whichever order they are given.
pub fn safety_number(a: &PublicIdentity, b: &PublicIdentity) -> SafetyNumber {
    let (fa, fb) = (a.fingerprint(), b.fingerprint());
    let (lo, hi) = if fa <= fb { (fa, fb) } else { (fb, fa) };
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA512);
    for part in [SAFETY_NUMBER_LABEL, &lo.0, &hi.0] {
        ctx.update(part);
    }
    let mut out = [0u8; SAFETY_NUMBER_LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    SafetyNumber(out)
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
