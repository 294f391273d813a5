//! The text form of every doormat key: a typed, versioned prefix, then
//! lowercase hex (`doormat-public-1…`). The prefix names the type, so a
//! secret pasted where a public key belongs is refused by name.

use zeroize::Zeroizing;

use super::{Error, Kem, Result, PUBLIC_PREFIXES, SECRET_PREFIXES};

/// What a user's key text is, told by its prefix alone (nothing else is
/// parsed): so a tool can say "this is a secret identity, a public key is
/// needed here" before it touches the key. The escrow twin's texts have
/// their own kinds (`escrow::EscrowText`).
///
/// ```
/// use doormat::keys::{Identity, Kem, KeyText};
///
/// let alice = Identity::generate_post_quantum();
/// let secret = alice.to_secret_string();
/// assert_eq!(KeyText::of(&secret), Some(KeyText::Secret(Kem::XWing)));
/// assert!(KeyText::of(&secret).unwrap().is_secret());
/// assert_eq!(KeyText::of(&alice.public().to_string()), Some(KeyText::Public(Kem::XWing)));
/// assert_eq!(KeyText::of("age1qqqq"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyText {
    /// `doormat-public-1…` or `doormat-public-pq-1…`: a [`PublicIdentity`](super::PublicIdentity).
    Public(Kem),
    /// `doormat-secret-1…` or `doormat-secret-pq-1…`: an [`Identity`](super::Identity).
    Secret(Kem),
}

impl KeyText {
    /// Every kind, for every KEM.
    pub fn all() -> impl Iterator<Item = KeyText> {
        Kem::ALL
            .into_iter()
            .flat_map(|kem| [KeyText::Public(kem), KeyText::Secret(kem)])
    }

    /// The kind of `text`, from its prefix; `None` for anything else.
    pub fn of(text: &str) -> Option<KeyText> {
        let public = kem_by_prefix(text, &PUBLIC_PREFIXES).map(KeyText::Public);
        public.or_else(|| kem_by_prefix(text, &SECRET_PREFIXES).map(KeyText::Secret))
    }

    /// Whether the text is a secret.
    pub fn is_secret(self) -> bool {
        matches!(self, KeyText::Secret(_))
    }

    /// The prefix such a text starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            KeyText::Public(kem) => PUBLIC_PREFIXES[kem as usize],
            KeyText::Secret(kem) => SECRET_PREFIXES[kem as usize],
        }
    }
}

/// The KEM whose prefix in `prefixes` (indexed by [`Kem`]) starts `s`.
pub(crate) fn kem_by_prefix(s: &str, prefixes: &[&'static str; 2]) -> Option<Kem> {
    Kem::ALL
        .into_iter()
        .find(|kem| s.starts_with(prefixes[*kem as usize]))
}

/// `prefix` followed by lowercase hex. Returned as a wiped string since it
/// may carry a secret.
pub(crate) fn encode(prefix: &str, bytes: &[u8]) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(prefix.len() + 2 * bytes.len()));
    s.push_str(prefix);
    s.push_str(&Zeroizing::new(hex::encode(bytes)));
    s
}

/// The KEM whose prefix (from `prefixes`, indexed by [`Kem`]) starts `s`,
/// and that prefix; the first KEM's when none does, so that parsing then
/// fails naming the classical prefix.
pub(crate) fn kem_of(s: &str, prefixes: &[&'static str; 2]) -> (Kem, &'static str) {
    let kem = kem_by_prefix(s, prefixes).unwrap_or(Kem::ALL[0]);
    (kem, prefixes[kem as usize])
}

/// The hex body after the exact `prefix`, checked to be `2 * len` lowercase
/// hex digits before anything is decoded.
fn body<'s>(prefix: &'static str, s: &'s str, len: usize) -> Result<&'s str> {
    let body = s
        .strip_prefix(prefix)
        .ok_or(Error::WrongPrefix { expected: prefix })?;
    if body.len() != 2 * len {
        return Err(Error::InvalidLength {
            expected: 2 * len,
            got: body.len(),
        });
    }
    if !body.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(Error::InvalidHex);
    }
    Ok(body)
}

/// Parses a text form: the exact `prefix`, then exactly `2 * N` lowercase hex
/// digits.
///
/// # Errors
///
/// [`Error::WrongPrefix`], [`Error::InvalidLength`] (in hex digits),
/// [`Error::InvalidHex`].
pub(crate) fn decode<const N: usize>(prefix: &'static str, s: &str) -> Result<Zeroizing<[u8; N]>> {
    let body = body(prefix, s, N)?;
    let mut out = Zeroizing::new([0u8; N]);
    hex::decode_to_slice(body, out.as_mut()).map_err(|_| Error::InvalidHex)?;
    Ok(out)
}

/// [`decode`] for a length known at run time.
///
/// # Errors
///
/// As [`decode`].
pub(crate) fn decode_vec(prefix: &'static str, s: &str, len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let body = body(prefix, s, len)?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    hex::decode_to_slice(body, &mut out).map_err(|_| Error::InvalidHex)?;
    Ok(out)
}
