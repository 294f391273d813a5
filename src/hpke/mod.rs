//! HPKE, RFC 9180: hybrid public-key encryption with DHKEM(X25519, HKDF-SHA256).
//!
//! Everything above this module (the E2E envelope, the escrow twin) wraps keys
//! with it. It interoperates byte for byte with other RFC 9180
//! implementations: the RFC's Appendix A vectors run in `tests/`.
//!
//! * KEM: DHKEM(X25519, HKDF-SHA256), `kem_id` 0x0020; and the
//!   post-quantum/traditional hybrid MLKEM768-X25519 ("X-Wing", `kem_id`
//!   0x647a, draft-ietf-hpke-pq) in [`xwing`], base and psk modes.
//! * KDF: HKDF-SHA256, -SHA384, -SHA512 ([`Kdf`]).
//! * AEAD: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, export-only ([`Aead`]).
//! * Modes: base, psk, auth, auth_psk ([`SenderMode`], [`ReceiverMode`]).
//!
//! # Example
//!
//! ```
//! use doormat::hpke::{self, Aead, Kdf, PrivateKey, ReceiverMode, SenderMode, Suite};
//!
//! let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
//! let sk_recip = PrivateKey::generate();
//! let pk_recip = sk_recip.public_key();
//!
//! let (enc, mut sender) = hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, b"info")?;
//! let ct = sender.seal(b"aad", b"hello")?;
//!
//! let mut receiver = hpke::setup_receiver(suite, &ReceiverMode::Base, &enc, &sk_recip, b"info")?;
//! assert_eq!(receiver.open(b"aad", &ct)?, b"hello");
//! assert_eq!(*sender.export(b"ctx", 32)?, *receiver.export(b"ctx", 32)?);
//! # Ok::<(), doormat::Error>(())
//! ```
//!
//! # Security
//!
//! ring keeps its own expanded AEAD keys, and its HMAC and HKDF states, and
//! does not wipe them; every secret doormat holds itself (private keys,
//! shared secrets, key-schedule outputs) is zeroized on drop. A PSK must be at
//! least [`MIN_PSK_LEN`] bytes (RFC 9180 §5.1.2).

mod aead;
mod kdf;
mod kem;
mod setup;
pub mod xwing;

pub use aead::{Aead, NONCE_LEN, TAG_LEN};
pub use kdf::Kdf;
pub use kem::{PrivateKey, PublicKey, KEM_ID, X25519_LEN};
pub use setup::{
    open, seal, seal_with_rng, setup_receiver, setup_sender, setup_sender_with_rng,
    ReceiverContext, ReceiverMode, SenderContext, SenderMode, MIN_PSK_LEN,
};

/// An HPKE cipher suite: the KDF and AEAD (the KEM is always DHKEM(X25519, HKDF-SHA256)).
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
    /// (RFC 9180 §5.1), for DHKEM(X25519, HKDF-SHA256).
    pub fn suite_id(&self) -> [u8; 10] {
        self.suite_id_for(KEM_ID)
    }

    /// `suite_id` for the KEM with id `kem_id`.
    pub(crate) fn suite_id_for(&self, kem_id: u16) -> [u8; 10] {
        let mut id = *b"HPKE\0\0\0\0\0\0";
        id[4..6].copy_from_slice(&kem_id.to_be_bytes());
        id[6..8].copy_from_slice(&self.kdf.id().to_be_bytes());
        id[8..10].copy_from_slice(&self.aead.id().to_be_bytes());
        id
    }
}

/// The RFC's building blocks one by one: `Encap` / `Decap`, `KeySchedule`
/// with its intermediate values readable, and a sender setup with a
/// caller-chosen ephemeral key.
///
/// # Security
///
/// For known-answer tests and protocol designers. These functions expose
/// shared secrets and AEAD keys, or let the caller reuse an ephemeral key;
/// the functions in [`hpke`](super) are the ones to use for encryption.
pub mod hazmat {
    pub use super::kem::{decap, encap, SharedSecret};
    pub use super::setup::{setup_sender_with_ephemeral, KeySchedule};
}
