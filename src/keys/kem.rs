//! The KEM of a user's keys, chosen at run time: the one place that turns
//! the run-time [`Kem`] into HPKE's compile-time KEMs. Everything above
//! wraps and unwraps through [`EncryptionKey::wrap`] and
//! [`DecryptionKey::unwrap`]; adding a KEM is one arm in each match here.

use core::fmt;

use zeroize::Zeroizing;

use super::Error;
use crate::hpke::{self, Kem as _, ReceiverMode, SenderMode, Suite, XWing, X25519};
use crate::random::TryCryptoRng;

/// The secret bytes of a decryption key of either KEM: an X25519 scalar,
/// or the X-Wing seed every X-Wing key is expanded from.
pub const DECRYPTION_KEY_LEN: usize = 32;
const _: () = assert!(X25519::PRIVATE_KEY_LEN == DECRYPTION_KEY_LEN);
const _: () = assert!(XWing::PRIVATE_KEY_LEN == DECRYPTION_KEY_LEN);

/// Which KEM a key uses, at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kem {
    /// DHKEM(X25519, HKDF-SHA256): classical; a quantum computer that
    /// solves X25519 opens what was recorded.
    X25519,
    /// MLKEM768-X25519 ("X-Wing"): post-quantum and traditional at once.
    XWing,
}

/// What the layers above need to know of a KEM, read from its
/// [`hpke::Kem`] constants. Indexed by `Kem as usize`.
struct Spec {
    id: u16,
    name: &'static str,
    enc_len: usize,
    public_key_len: usize,
    encap_randomness_len: usize,
    post_quantum: bool,
}

impl Spec {
    const fn of<K: hpke::Kem>() -> Spec {
        Spec {
            id: K::ID,
            name: K::NAME,
            enc_len: K::ENC_LEN,
            public_key_len: K::PUBLIC_KEY_LEN,
            encap_randomness_len: K::ENCAP_RANDOMNESS_LEN,
            post_quantum: K::POST_QUANTUM,
        }
    }
}

const SPECS: [Spec; 2] = [Spec::of::<X25519>(), Spec::of::<XWing>()];

impl Kem {
    /// Every KEM, in the order of the enum.
    pub const ALL: [Kem; 2] = [Kem::X25519, Kem::XWing];

    const fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }

    /// The HPKE `kem_id`.
    pub const fn id(self) -> u16 {
        self.spec().id
    }

    /// The KEM's name, as its specification writes it: `X25519`, `X-Wing`.
    pub const fn name(self) -> &'static str {
        self.spec().name
    }

    /// The KEM with this HPKE `kem_id`, if doormat knows it.
    pub fn from_id(id: u16) -> Option<Kem> {
        Kem::ALL.into_iter().find(|k| k.id() == id)
    }

    /// The length of the HPKE `enc` it produces: 32 bytes for X25519,
    /// 1,120 for X-Wing.
    pub const fn enc_len(self) -> usize {
        self.spec().enc_len
    }

    /// The length of a public key: 32 bytes for X25519, 1,216 for X-Wing.
    pub const fn public_key_len(self) -> usize {
        self.spec().public_key_len
    }

    /// How many random bytes one wrap draws from the generator.
    pub const fn encap_randomness_len(self) -> usize {
        self.spec().encap_randomness_len
    }

    /// Whether it resists a quantum computer.
    pub const fn is_post_quantum(self) -> bool {
        self.spec().post_quantum
    }

    /// The KEM whose public keys are `len` bytes long.
    pub fn of_public_key_len(len: usize) -> Option<Kem> {
        Kem::ALL.into_iter().find(|k| k.public_key_len() == len)
    }
}

/// A public key that content keys are wrapped to.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum EncryptionKey {
    /// An X25519 public key.
    X25519(hpke::PublicKey<X25519>),
    /// An X-Wing public key.
    XWing(hpke::PublicKey<XWing>),
}

/// Runs `$body` with `$k` bound to the key inside either variant.
macro_rules! each {
    ($key:expr, $ty:ident, $k:ident => $body:expr) => {
        match $key {
            $ty::X25519($k) => $body,
            $ty::XWing($k) => $body,
        }
    };
}

impl EncryptionKey {
    /// Parses a key of `kem`, with the checks every published key passes
    /// ([`hpke::PublicKey::validate`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`]; [`Error::InvalidKey`].
    pub fn from_bytes(kem: Kem, bytes: &[u8]) -> Result<EncryptionKey, Error> {
        let key = match kem {
            Kem::X25519 => EncryptionKey::X25519(hpke::PublicKey::from_bytes(bytes)?),
            Kem::XWing => EncryptionKey::XWing(hpke::PublicKey::from_bytes(bytes)?),
        };
        each!(&key, EncryptionKey, k => k.validate())?;
        Ok(key)
    }

    /// The KEM.
    pub fn kem(&self) -> Kem {
        match self {
            EncryptionKey::X25519(_) => Kem::X25519,
            EncryptionKey::XWing(_) => Kem::XWing,
        }
    }

    /// The serialized key (32 or 1,216 bytes).
    pub fn as_bytes(&self) -> &[u8] {
        each!(self, EncryptionKey, k => k.as_bytes())
    }

    /// Single-shot HPKE in base mode to this key (RFC 9180 §6.1), drawing
    /// the encapsulation's randomness from `rng`: `(enc, ct)`.
    ///
    /// # Errors
    ///
    /// [`hpke::Error::RandomFailed`]; [`hpke::Error::PlaintextTooLong`].
    pub fn wrap<R: TryCryptoRng + ?Sized>(
        &self,
        suite: Suite,
        info: &[u8],
        aad: &[u8],
        pt: &[u8],
        rng: &mut R,
    ) -> hpke::Result<(Vec<u8>, Vec<u8>)> {
        each!(self, EncryptionKey, k => hpke::seal(suite, &SenderMode::Base, k, info, aad, pt, rng))
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        each!(self, EncryptionKey, k => k.fmt(f))
    }
}

/// A private key that opens what was wrapped to its [`EncryptionKey`].
/// Zeroized on drop; `Debug` redacted; not `Clone`.
pub enum DecryptionKey {
    /// An X25519 private key.
    X25519(hpke::PrivateKey<X25519>),
    /// An X-Wing private key.
    XWing(hpke::PrivateKey<XWing>),
}

impl DecryptionKey {
    /// A fresh key of `kem` from `rng`.
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`].
    pub fn generate_with<R: TryCryptoRng + ?Sized>(
        kem: Kem,
        rng: &mut R,
    ) -> Result<DecryptionKey, Error> {
        Ok(match kem {
            Kem::X25519 => DecryptionKey::X25519(hpke::PrivateKey::generate_with(rng)?),
            Kem::XWing => DecryptionKey::XWing(hpke::PrivateKey::generate_with(rng)?),
        })
    }

    /// A key of `kem` from its 32 secret bytes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`].
    pub fn from_bytes(kem: Kem, bytes: &[u8]) -> Result<DecryptionKey, Error> {
        Ok(match kem {
            Kem::X25519 => DecryptionKey::X25519(hpke::PrivateKey::from_bytes(bytes)?),
            Kem::XWing => DecryptionKey::XWing(hpke::PrivateKey::from_bytes(bytes)?),
        })
    }

    /// The KEM.
    pub fn kem(&self) -> Kem {
        match self {
            DecryptionKey::X25519(_) => Kem::X25519,
            DecryptionKey::XWing(_) => Kem::XWing,
        }
    }

    /// The public key.
    pub fn public_key(&self) -> EncryptionKey {
        match self {
            DecryptionKey::X25519(k) => EncryptionKey::X25519(k.public_key()),
            DecryptionKey::XWing(k) => EncryptionKey::XWing(k.public_key()),
        }
    }

    /// The 32 secret bytes (an X25519 scalar or an X-Wing seed), wiped
    /// when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; DECRYPTION_KEY_LEN]> {
        let mut out = Zeroizing::new([0u8; DECRYPTION_KEY_LEN]);
        out.copy_from_slice(&each!(self, DecryptionKey, k => k.to_bytes()));
        out
    }

    /// Opens what [`EncryptionKey::wrap`] made for this key's public key,
    /// with the same `suite`, `info` and `aad`.
    ///
    /// # Errors
    ///
    /// [`hpke::Error::OpenFailed`] for anything not made for this key (a
    /// stanza of another KEM included); [`hpke::Error::InvalidLength`] for
    /// an `enc` of the wrong length.
    pub fn unwrap(
        &self,
        suite: Suite,
        info: &[u8],
        enc: &[u8],
        aad: &[u8],
        ct: &[u8],
    ) -> hpke::Result<Zeroizing<Vec<u8>>> {
        each!(self, DecryptionKey, k => hpke::open(suite, &ReceiverMode::Base, enc, k, info, aad, ct))
            .map(Zeroizing::new)
    }
}

impl PartialEq for DecryptionKey {
    /// Constant time within a KEM.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (DecryptionKey::X25519(a), DecryptionKey::X25519(b)) => a == b,
            (DecryptionKey::XWing(a), DecryptionKey::XWing(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for DecryptionKey {}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecryptionKey::{:?}([redacted])", self.kem())
    }
}
