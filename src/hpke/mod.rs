//! HPKE, RFC 9180: hybrid public-key encryption, written once for every KEM.
//!
//! Everything above this module (the E2E envelope, the escrow twin) wraps keys
//! with it. It interoperates byte for byte with other RFC 9180
//! implementations: the RFC's Appendix A vectors and draft-ietf-hpke-pq's run
//! in `tests/`.
//!
//! * KEM ([`Kem`]): DHKEM(X25519, HKDF-SHA256) ([`X25519`], `kem_id`
//!   0x0020), and the post-quantum/traditional hybrid MLKEM768-X25519
//!   ([`XWing`], `kem_id` 0x647a, draft-ietf-hpke-pq; base and psk modes).
//!   Keys carry their KEM — [`PrivateKey<X25519>`](PrivateKey),
//!   [`PublicKey<XWing>`](PublicKey) — so every function below infers it.
//! * KDF: HKDF-SHA256, -SHA384, -SHA512 ([`Kdf`]).
//! * AEAD: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, export-only ([`Aead`]).
//! * Modes: base, psk, auth, auth_psk ([`SenderMode`], [`ReceiverMode`]).
//!
//! Every sender setup takes a generator: the KEM's randomness (an X25519
//! ephemeral key, X-Wing's 64 bytes) is drawn from it and from nowhere else.
//!
//! # Example
//!
//! ```
//! use doormat::hpke::{self, Aead, Kdf, PrivateKey, ReceiverMode, SenderMode, Suite, XWing, X25519};
//! use doormat::random::SystemRng;
//!
//! let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
//! let sk_recip = PrivateKey::<X25519>::generate();
//! let pk_recip = sk_recip.public_key();
//!
//! let (enc, mut sender) =
//!     hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, b"info", &mut SystemRng)?;
//! let ct = sender.seal(b"aad", b"hello")?;
//!
//! let mut receiver = hpke::setup_receiver(suite, &ReceiverMode::Base, &enc, &sk_recip, b"info")?;
//! assert_eq!(receiver.open(b"aad", &ct)?, b"hello");
//! assert_eq!(*sender.export(b"ctx", 32)?, *receiver.export(b"ctx", 32)?);
//!
//! // The same functions with a post-quantum key.
//! let sk_pq = PrivateKey::<XWing>::generate();
//! let (enc, ct) =
//!     hpke::seal(suite, &SenderMode::Base, &sk_pq.public_key(), b"info", b"", b"hi", &mut SystemRng)?;
//! assert_eq!(enc.len(), 1120);
//! assert_eq!(hpke::open(suite, &ReceiverMode::Base, &enc, &sk_pq, b"info", b"", &ct)?, b"hi");
//! # Ok::<(), doormat::hpke::Error>(())
//! ```
//!
//! # Security
//!
//! ring keeps its own expanded AEAD keys, and its HMAC and HKDF states, and
//! does not wipe them; every secret doormat holds itself (private keys,
//! shared secrets, key-schedule outputs) is zeroized on drop. A PSK must be at
//! least [`MIN_PSK_LEN`] bytes (RFC 9180 §5.1.2).

mod aead;
mod error;
mod kdf;
mod kem;
mod schedule;
mod setup;

pub use aead::{Aead, NONCE_LEN, TAG_LEN};
pub use error::{Error, Result};
pub use kdf::Kdf;
pub use kem::{Kem, PrivateKey, PublicKey, SharedSecret, XWing, SHARED_SECRET_LEN, X25519};
pub use schedule::{ReceiverContext, SenderContext, MIN_PSK_LEN};
pub use setup::{open, seal, setup_receiver, setup_sender, ReceiverMode, SenderMode};

/// `Encap` with its randomness drawn from a generator, and `Decap`: for the
/// session's post-quantum prekey, which uses the KEM without HPKE's key
/// schedule (as PQXDH uses its KEM).
pub(crate) use kem::{decap, encap};

/// An HPKE cipher suite: the KDF and AEAD. The KEM is the keys'.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Suite {
    /// The key schedule's KDF.
    pub kdf: Kdf,
    /// The AEAD, or export-only.
    pub aead: Aead,
}

impl Suite {
    /// A suite from its KDF and AEAD.
    pub const fn new(kdf: Kdf, aead: Aead) -> Suite {
        Suite { kdf, aead }
    }

    /// `suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))`
    /// (RFC 9180 §5.1), for the KEM with id `kem_id`.
    pub fn suite_id(&self, kem_id: u16) -> [u8; 10] {
        let mut id = *b"HPKE\0\0\0\0\0\0";
        id[4..6].copy_from_slice(&kem_id.to_be_bytes());
        id[6..8].copy_from_slice(&self.kdf.id().to_be_bytes());
        id[8..10].copy_from_slice(&self.aead.id().to_be_bytes());
        id
    }
}

/// The RFC's building blocks one by one, for known-answer tests and
/// protocol designers (public under `doormat::hazmat::hpke`).
#[cfg(feature = "hazmat")]
pub(crate) mod hazmat {
    use super::error::Result;
    use super::kem::{self, Kem, PrivateKey, PublicKey, SharedSecret};

    pub use super::schedule::KeySchedule;
    pub use super::setup::setup_sender_derand;

    /// `Encap(pkR)`, or `AuthEncap(pkR, skS)`, from the caller's
    /// [`Kem::ENCAP_RANDOMNESS_LEN`] bytes of randomness (for X25519, the
    /// ephemeral private key): `(shared_secret, enc)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`](super::Error::InvalidLength) for randomness
    /// of the wrong length; [`Error::UnsupportedMode`](super::Error::UnsupportedMode)
    /// for a sender key with a KEM without auth modes;
    /// [`Error::ZeroSharedSecret`](super::Error::ZeroSharedSecret).
    pub fn encap_derand<K: Kem>(
        pk_recip: &PublicKey<K>,
        randomness: &[u8],
        sk_sender: Option<&PrivateKey<K>>,
    ) -> Result<(SharedSecret, Vec<u8>)> {
        kem::encap_derand(pk_recip, randomness, sk_sender)
    }

    /// `Decap(enc, skR)`, or `AuthDecap(enc, skR, pkS)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`](super::Error::InvalidLength) for an `enc`
    /// of the wrong length; as [`encap_derand`] otherwise.
    pub fn decap<K: Kem>(
        enc: &[u8],
        sk_recip: &PrivateKey<K>,
        pk_sender: Option<&PublicKey<K>>,
    ) -> Result<SharedSecret> {
        kem::decap(enc, sk_recip, pk_sender)
    }
}
