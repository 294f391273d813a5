//! The AEADs of RFC 9180 §7.3, on `ring::aead`.

use ring::aead;

use super::error::{Error, Result};

/// Length of an AEAD nonce, `Nn`, for every AEAD here.
pub const NONCE_LEN: usize = 12;
/// Length of an AEAD tag, `Nt`, for every AEAD here.
pub const TAG_LEN: usize = 16;

/// The AEADs of RFC 9180 §7.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aead {
    /// AES-128-GCM, `aead_id` 0x0001.
    Aes128Gcm,
    /// AES-256-GCM, `aead_id` 0x0002.
    Aes256Gcm,
    /// ChaCha20-Poly1305, `aead_id` 0x0003.
    ChaCha20Poly1305,
    /// Export-only, `aead_id` 0xFFFF: the context can `export` secrets but
    /// `seal` and `open` fail with [`Error::ExportOnly`].
    ExportOnly,
}

impl Aead {
    /// Every AEAD, in id order.
    pub const ALL: [Aead; 4] = [
        Aead::Aes128Gcm,
        Aead::Aes256Gcm,
        Aead::ChaCha20Poly1305,
        Aead::ExportOnly,
    ];

    /// The RFC 9180 `aead_id`.
    pub const fn id(self) -> u16 {
        match self {
            Aead::Aes128Gcm => 0x0001,
            Aead::Aes256Gcm => 0x0002,
            Aead::ChaCha20Poly1305 => 0x0003,
            Aead::ExportOnly => 0xFFFF,
        }
    }

    /// The AEAD with this `aead_id`, if doormat implements it.
    pub const fn from_id(id: u16) -> Option<Aead> {
        match id {
            0x0001 => Some(Aead::Aes128Gcm),
            0x0002 => Some(Aead::Aes256Gcm),
            0x0003 => Some(Aead::ChaCha20Poly1305),
            0xFFFF => Some(Aead::ExportOnly),
            _ => None,
        }
    }

    /// `Nk`: the key length in bytes (0 for export-only).
    pub const fn key_len(self) -> usize {
        match self {
            Aead::Aes128Gcm => 16,
            Aead::Aes256Gcm | Aead::ChaCha20Poly1305 => 32,
            Aead::ExportOnly => 0,
        }
    }

    /// `Nn`: the nonce length in bytes (0 for export-only).
    pub const fn nonce_len(self) -> usize {
        match self {
            Aead::ExportOnly => 0,
            _ => NONCE_LEN,
        }
    }

    /// The ring algorithm, or `None` for export-only.
    pub(crate) fn ring_algorithm(self) -> Option<&'static aead::Algorithm> {
        match self {
            Aead::Aes128Gcm => Some(&aead::AES_128_GCM),
            Aead::Aes256Gcm => Some(&aead::AES_256_GCM),
            Aead::ChaCha20Poly1305 => Some(&aead::CHACHA20_POLY1305),
            Aead::ExportOnly => None,
        }
    }

    /// A ring key for this AEAD; [`Error::ExportOnly`] for export-only.
    ///
    /// ring keeps its own expanded copy of the key, which it does not wipe.
    pub(crate) fn key(self, key: &[u8]) -> Result<aead::LessSafeKey> {
        let alg = self.ring_algorithm().ok_or(Error::ExportOnly)?;
        aead::UnboundKey::new(alg, key)
            .map(aead::LessSafeKey::new)
            .map_err(|_| Error::InvalidLength {
                expected: alg.key_len(),
                got: key.len(),
            })
    }
}

/// `base_nonce XOR I2OSP(seq, Nn)` (RFC 9180 §5.2 `ComputeNonce`): the one
/// place an HPKE nonce is made.
pub(crate) fn compute_nonce(base_nonce: &[u8; NONCE_LEN], seq: u64) -> aead::Nonce {
    let mut nonce = *base_nonce;
    for (n, s) in nonce[NONCE_LEN - 8..].iter_mut().zip(seq.to_be_bytes()) {
        *n ^= s;
    }
    aead::Nonce::assume_unique_for_key(nonce)
}
