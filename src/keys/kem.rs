//! The decryption half of an identity, by KEM: classical X25519, or the
//! post-quantum hybrid X-Wing (MLKEM768-X25519). The KEM is visible where it
//! matters: in the key's type, its text form and its fingerprint.

use core::fmt;

use crate::hpke::{self, xwing, X25519_LEN};
use crate::{Error, Result};

/// The secret bytes of a decryption key of either KEM: an X25519 scalar,
/// or the X-Wing seed every X-Wing key is expanded from.
pub const DECRYPTION_KEY_LEN: usize = X25519_LEN;
const _: () = assert!(xwing::PRIVATE_KEY_LEN == DECRYPTION_KEY_LEN);

/// Which KEM an identity decrypts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kem {
    /// DHKEM(X25519, HKDF-SHA256): classical; a quantum computer that
    /// solves X25519 opens what was recorded.
    X25519,
    /// MLKEM768-X25519 ("X-Wing"): post-quantum and traditional at once.
    XWing,
}

impl Kem {
    /// The HPKE `kem_id`.
    pub const fn id(self) -> u16 {
        match self {
            Kem::X25519 => hpke::KEM_ID,
            Kem::XWing => xwing::XWING_KEM_ID,
        }
    }

    /// The KEM with this HPKE `kem_id`, if doormat knows it.
    pub const fn from_id(id: u16) -> Option<Kem> {
        match id {
            hpke::KEM_ID => Some(Kem::X25519),
            xwing::XWING_KEM_ID => Some(Kem::XWing),
            _ => None,
        }
    }

    /// The length of the HPKE `enc` it produces: 32 bytes for X25519,
    /// 1,120 for X-Wing.
    pub const fn enc_len(self) -> usize {
        match self {
            Kem::X25519 => X25519_LEN,
            Kem::XWing => xwing::ENC_LEN,
        }
    }

    /// Whether it resists a quantum computer.
    pub const fn is_post_quantum(self) -> bool {
        matches!(self, Kem::XWing)
    }
}

/// A public key that content keys are wrapped to.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum EncryptionKey {
    /// An X25519 public key.
    X25519(hpke::PublicKey),
    /// An X-Wing public key.
    XWing(xwing::PublicKey),
}

impl EncryptionKey {
    /// The KEM.
    pub fn kem(&self) -> Kem {
        match self {
            EncryptionKey::X25519(_) => Kem::X25519,
            EncryptionKey::XWing(_) => Kem::XWing,
        }
    }

    /// The serialized key (32 or 1,216 bytes).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            EncryptionKey::X25519(pk) => pk.as_bytes(),
            EncryptionKey::XWing(pk) => pk.as_bytes(),
        }
    }

    /// The X25519 key, if that is the KEM.
    pub fn x25519(&self) -> Option<&hpke::PublicKey> {
        match self {
            EncryptionKey::X25519(pk) => Some(pk),
            EncryptionKey::XWing(_) => None,
        }
    }

    /// The X-Wing key, if that is the KEM.
    pub fn xwing(&self) -> Option<&xwing::PublicKey> {
        match self {
            EncryptionKey::XWing(pk) => Some(pk),
            EncryptionKey::X25519(_) => None,
        }
    }

    /// Parses a key of `kem`, with the checks every published key passes.
    pub(crate) fn from_bytes(kem: Kem, bytes: &[u8]) -> Result<EncryptionKey> {
        Ok(match kem {
            Kem::X25519 => {
                let pk = hpke::PublicKey::from_bytes(bytes)?;
                pk.validate()?;
                EncryptionKey::X25519(pk)
            }
            Kem::XWing => EncryptionKey::XWing(xwing::PublicKey::from_bytes(bytes)?),
        })
    }

    /// Length of a key of `kem`.
    pub(crate) const fn len(kem: Kem) -> usize {
        match kem {
            Kem::X25519 => X25519_LEN,
            Kem::XWing => xwing::PUBLIC_KEY_LEN,
        }
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptionKey::X25519(pk) => pk.fmt(f),
            EncryptionKey::XWing(pk) => pk.fmt(f),
        }
    }
}

/// A private key that opens what was wrapped to its [`EncryptionKey`].
/// Zeroized on drop; `Debug` redacted; not `Clone`.
pub enum DecryptionKey {
    /// An X25519 private key.
    X25519(hpke::PrivateKey),
    /// An X-Wing private key.
    XWing(xwing::PrivateKey),
}

impl DecryptionKey {
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
            DecryptionKey::X25519(sk) => EncryptionKey::X25519(sk.public_key()),
            DecryptionKey::XWing(sk) => EncryptionKey::XWing(sk.public_key()),
        }
    }

    /// The X25519 key, if that is the KEM.
    pub fn x25519(&self) -> Option<&hpke::PrivateKey> {
        match self {
            DecryptionKey::X25519(sk) => Some(sk),
            DecryptionKey::XWing(_) => None,
        }
    }

    /// The X-Wing key, if that is the KEM.
    pub fn xwing(&self) -> Option<&xwing::PrivateKey> {
        match self {
            DecryptionKey::XWing(sk) => Some(sk),
            DecryptionKey::X25519(_) => None,
        }
    }

    /// The 32 secret bytes (an X25519 scalar or an X-Wing seed), wiped
    /// when dropped.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; DECRYPTION_KEY_LEN]> {
        match self {
            DecryptionKey::X25519(sk) => sk.to_bytes(),
            DecryptionKey::XWing(sk) => sk.to_bytes(),
        }
    }

    /// A key of `kem` from its 32 secret bytes.
    pub(crate) fn from_bytes(kem: Kem, bytes: &[u8]) -> Result<DecryptionKey> {
        if bytes.len() != 32 {
            return Err(Error::InvalidLength {
                expected: 32,
                got: bytes.len(),
            });
        }
        Ok(match kem {
            Kem::X25519 => DecryptionKey::X25519(hpke::PrivateKey::from_bytes(bytes)?),
            Kem::XWing => DecryptionKey::XWing(xwing::PrivateKey::from_bytes(bytes)?),
        })
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
