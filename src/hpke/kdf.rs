//! HKDF with RFC 9180's labels (§4), built on `ring::hmac` and `ring::hkdf`.
//!
//! HKDF-Extract is one HMAC (RFC 5869 §2.2), so `LabeledExtract` is computed
//! with `ring::hmac` and its PRK handed to `ring::hkdf::Prk::new_less_safe` for
//! `LabeledExpand`. Every intermediate value is therefore visible to the
//! known-answer tests and byte-for-byte RFC 9180.

use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use super::error::{Error, Result};

/// The version label every labeled derivation starts with (RFC 9180 §4).
const HPKE_VERSION_LABEL: &[u8] = b"HPKE-v1";

/// The key derivation functions of RFC 9180 §7.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kdf {
    /// HKDF-SHA256, `kdf_id` 0x0001.
    HkdfSha256,
    /// HKDF-SHA384, `kdf_id` 0x0002.
    HkdfSha384,
    /// HKDF-SHA512, `kdf_id` 0x0003.
    HkdfSha512,
}

impl Kdf {
    /// Every KDF, in id order (handy for tests and benches).
    pub const ALL: [Kdf; 3] = [Kdf::HkdfSha256, Kdf::HkdfSha384, Kdf::HkdfSha512];

    /// The RFC 9180 `kdf_id`.
    pub const fn id(self) -> u16 {
        match self {
            Kdf::HkdfSha256 => 0x0001,
            Kdf::HkdfSha384 => 0x0002,
            Kdf::HkdfSha512 => 0x0003,
        }
    }

    /// The KDF with this `kdf_id`, if doormat implements it.
    pub const fn from_id(id: u16) -> Option<Kdf> {
        match id {
            0x0001 => Some(Kdf::HkdfSha256),
            0x0002 => Some(Kdf::HkdfSha384),
            0x0003 => Some(Kdf::HkdfSha512),
            _ => None,
        }
    }

    /// `Nh`: the output size of the hash, in bytes.
    pub const fn hash_len(self) -> usize {
        match self {
            Kdf::HkdfSha256 => 32,
            Kdf::HkdfSha384 => 48,
            Kdf::HkdfSha512 => 64,
        }
    }

    fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            Kdf::HkdfSha256 => hmac::HMAC_SHA256,
            Kdf::HkdfSha384 => hmac::HMAC_SHA384,
            Kdf::HkdfSha512 => hmac::HMAC_SHA512,
        }
    }

    fn hkdf_algorithm(self) -> hkdf::Algorithm {
        match self {
            Kdf::HkdfSha256 => hkdf::HKDF_SHA256,
            Kdf::HkdfSha384 => hkdf::HKDF_SHA384,
            Kdf::HkdfSha512 => hkdf::HKDF_SHA512,
        }
    }

    /// ```text
    /// def LabeledExtract(salt, label, ikm):
    ///   labeled_ikm = concat("HPKE-v1", suite_id, label, ikm)
    ///   return Extract(salt, labeled_ikm)
    /// ```
    /// RFC 9180 §4. `Extract(salt, ikm)` is `HMAC-Hash(salt, ikm)`; an empty
    /// salt is the same as `Nh` zero bytes as an HMAC key.
    pub(crate) fn labeled_extract(
        self,
        suite_id: &[u8],
        salt: &[u8],
        label: &[u8],
        ikm: &[u8],
    ) -> Zeroizing<Vec<u8>> {
        let key = hmac::Key::new(self.hmac_algorithm(), salt);
        let mut ctx = hmac::Context::with_key(&key);
        for part in [HPKE_VERSION_LABEL, suite_id, label, ikm] {
            ctx.update(part);
        }
        Zeroizing::new(ctx.sign().as_ref().to_vec())
    }

    /// ```text
    /// def LabeledExpand(prk, label, info, L):
    ///   labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info)
    ///   return Expand(prk, labeled_info, L)
    /// ```
    /// RFC 9180 §4. Fails with [`Error::ExportTooLong`] when `L > 255 * Nh`
    /// (RFC 5869's limit); the KEM and key schedule only ask for fixed,
    /// smaller lengths, so in practice only `export` can hit it.
    pub(crate) fn labeled_expand(
        self,
        suite_id: &[u8],
        prk: &[u8],
        label: &[u8],
        info: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        if out.len() > 255 * self.hash_len() {
            return Err(Error::ExportTooLong);
        }
        // 255 * 64 < 2^16, so the length fits I2OSP(L, 2) after the check.
        let len_bytes = (out.len() as u16).to_be_bytes();
        let prk = hkdf::Prk::new_less_safe(self.hkdf_algorithm(), prk);
        let labeled_info = [&len_bytes[..], HPKE_VERSION_LABEL, suite_id, label, info];
        prk.expand(&labeled_info, OutLen(out.len()))
            .and_then(|okm| okm.fill(out))
            .map_err(|_| Error::ExportTooLong)
    }
}

/// An output length for `ring::hkdf`, which wants it as a `KeyType`.
struct OutLen(usize);

impl hkdf::KeyType for OutLen {
    fn len(&self) -> usize {
        self.0
    }
}
