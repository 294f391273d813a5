//! The text form of every doormat key: a typed, versioned prefix, then
//! lowercase hex (`doormat-public-1…`). The prefix names the type, so a
//! secret pasted where a public key belongs is refused by name.

use zeroize::Zeroizing;

use crate::{Error, Result};

/// `prefix` followed by lowercase hex. Returned as a wiped string since it
/// may carry a secret.
pub(crate) fn encode(prefix: &str, bytes: &[u8]) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(prefix.len() + 2 * bytes.len()));
    s.push_str(prefix);
    s.push_str(&Zeroizing::new(hex::encode(bytes)));
    s
}

/// Parses a text form: the exact `prefix`, then exactly `2 * N` lowercase hex
/// digits. The length is checked before anything is decoded.
///
/// # Errors
///
/// [`Error::WrongPrefix`], [`Error::InvalidLength`] (in hex digits),
/// [`Error::InvalidHex`].
pub(crate) fn decode<const N: usize>(prefix: &'static str, s: &str) -> Result<Zeroizing<[u8; N]>> {
    let body = s
        .strip_prefix(prefix)
        .ok_or(Error::WrongPrefix { expected: prefix })?;
    if body.len() != 2 * N {
        return Err(Error::InvalidLength {
            expected: 2 * N,
            got: body.len(),
        });
    }
    if !body.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Error::InvalidHex);
    }
    let mut out = Zeroizing::new([0u8; N]);
    hex::decode_to_slice(body, out.as_mut()).map_err(|_| Error::InvalidHex)?;
    Ok(out)
}
