//! The session's key derivations and its AEAD, on ring: the Double
//! Ratchet's `KDF_RK`, `KDF_CK`, `ENCRYPT` and `DECRYPT` (section 5.2 of the
//! specification), and the HKDF that X3DH and PQXDH end with.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::layer::{MessageKey, MESSAGE_KEY_LEN};
use super::wire::TAG_LEN;

/// A root key or a chain key: 32 secret bytes, wiped on drop.
pub(crate) type Key = Zeroizing<[u8; 32]>;

/// `KDF_RK`'s `info`.
const ROOT_INFO: &[u8] = b"doormat/v1 session root";
/// `ENCRYPT`'s `info`: the message key expands to the AEAD key and nonce.
const MESSAGE_INFO: &[u8] = b"doormat/v1 session message";
/// ChaCha20-Poly1305's key and nonce.
const AEAD_KEY_LEN: usize = 32;
const AEAD_NONCE_LEN: usize = 12;

/// An output length for `ring::hkdf`.
struct OutLen(usize);

impl hkdf::KeyType for OutLen {
    fn len(&self) -> usize {
        self.0
    }
}

/// HKDF-SHA256 (RFC 5869): `Expand(Extract(salt, ikm), info, out.len())`.
pub(crate) fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    hkdf::Salt::new(hkdf::HKDF_SHA256, salt)
        .extract(ikm)
        .expand(&[info], OutLen(out.len()))
        .and_then(|okm| okm.fill(out))
        .expect("at most 64 bytes, far under HKDF-SHA256's limit");
}

/// ```text
/// KDF_RK(rk, dh_out): HKDF with rk as salt, dh_out as input key material
///   and an application-specific info; output 64 bytes: a new root key and
///   a chain key.
/// ```
pub(crate) fn kdf_rk(rk: &[u8; 32], dh_out: &[u8; 32]) -> (Key, Key) {
    let mut out = Zeroizing::new([0u8; 64]);
    hkdf(rk, dh_out, ROOT_INFO, out.as_mut());
    split(&out)
}

/// ```text
/// KDF_CK(ck): HMAC with ck as the key; message key = HMAC(ck, 0x01),
///   next chain key = HMAC(ck, 0x02).
/// ```
/// Returns `(next chain key, message key)`, the specification's order.
pub(crate) fn kdf_ck(ck: &[u8; 32]) -> (Key, MessageKey) {
    let key = hmac::Key::new(hmac::HMAC_SHA256, ck);
    let mut mk = Zeroizing::new([0u8; MESSAGE_KEY_LEN]);
    mk.copy_from_slice(hmac::sign(&key, &[0x01]).as_ref());
    let mut next = Zeroizing::new([0u8; 32]);
    next.copy_from_slice(hmac::sign(&key, &[0x02]).as_ref());
    (next, MessageKey::from_bytes(&mk))
}

fn split(out: &[u8; 64]) -> (Key, Key) {
    let (mut a, mut b) = (Zeroizing::new([0u8; 32]), Zeroizing::new([0u8; 32]));
    a.copy_from_slice(&out[..32]);
    b.copy_from_slice(&out[32..]);
    (a, b)
}

/// The AEAD key for a message key: `HKDF(salt = "", mk, info)` gives 44
/// bytes, the ChaCha20-Poly1305 key and nonce.
fn message_aead(mk: &MessageKey) -> (LessSafeKey, Nonce) {
    let mut okm = Zeroizing::new([0u8; AEAD_KEY_LEN + AEAD_NONCE_LEN]);
    hkdf(&[], mk.as_bytes(), MESSAGE_INFO, okm.as_mut());
    let key = UnboundKey::new(&aead::CHACHA20_POLY1305, &okm[..AEAD_KEY_LEN]).expect("32-byte key");
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    nonce.copy_from_slice(&okm[AEAD_KEY_LEN..]);
    (LessSafeKey::new(key), Nonce::assume_unique_for_key(nonce))
}

/// ```text
/// ENCRYPT(mk, plaintext, associated_data)
/// ```
/// ChaCha20-Poly1305 under the key and nonce [`message_aead`] derives:
/// appends the ciphertext and tag to `out`.
pub(crate) fn encrypt(
    mk: &MessageKey,
    associated_data: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) {
    let (key, nonce) = message_aead(mk);
    let start = out.len();
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(nonce, Aad::from(associated_data), &mut out[start..])
        .expect("a message under ChaCha20-Poly1305's 256 GiB limit");
    out.extend_from_slice(tag.as_ref());
}

/// ```text
/// DECRYPT(mk, ciphertext, associated_data)
/// ```
///
/// # Errors
///
/// [`Error::Tampered`] if it does not authenticate.
pub(crate) fn decrypt(
    mk: &MessageKey,
    associated_data: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    if ciphertext.len() < TAG_LEN {
        return Err(Error::Tampered);
    }
    let (key, nonce) = message_aead(mk);
    let mut buf = ciphertext.to_vec();
    let len = key
        .open_in_place(nonce, Aad::from(associated_data), &mut buf)
        .map_err(|_| Error::Tampered)?
        .len();
    buf.truncate(len);
    Ok(buf)
}
