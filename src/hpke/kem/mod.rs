//! The KEM seam: one sealed [`Kem`] trait, one file per KEM, and the key
//! types every KEM shares ([`PrivateKey<K>`], [`PublicKey<K>`]).
//!
//! A KEM is a marker type — [`X25519`] (DHKEM(X25519, HKDF-SHA256), RFC
//! 9180 §7.1) or [`XWing`] (MLKEM768-X25519, draft-ietf-hpke-pq) — and the
//! key types carry it, so `PrivateKey<XWing>` says which KEM it is and the
//! compiler infers the KEM of every HPKE call from its key. Adding a KEM is
//! one new file implementing the trait.
//!
//! Every encapsulation draws its randomness through a generator: an X25519
//! ephemeral key is 32 drawn bytes, an X-Wing encapsulation 64. There is no
//! second path, so a seeded generator pins exactly what production runs.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::{check_len, Error, Result};
use crate::random::{self, SystemRng, TryCryptoRng, OS_RNG_FAILED};

mod x25519;
mod xwing;

pub use x25519::X25519;
pub use xwing::XWing;

/// `Nsecret`: every KEM here makes a 32-byte shared secret.
pub const SHARED_SECRET_LEN: usize = 32;
/// The most encapsulation randomness any KEM here draws (X-Wing's 64 bytes).
pub(crate) const MAX_ENCAP_RANDOMNESS_LEN: usize = 64;

pub(crate) mod sealed {
    use super::{Result, SharedSecret};

    /// What a KEM file implements. Crate-private: outside code can name
    /// [`Kem`](super::Kem) but never call these, so derandomized
    /// encapsulation is reachable only through `hazmat`.
    pub trait KemImpl: Sized {
        /// The parsed public key.
        type Pk: Clone + PartialEq + Send + Sync + 'static;
        /// The private key, expanded; wiped on drop.
        type Sk: Send + Sync + 'static;

        /// `DeserializePublicKey`, of exactly `PUBLIC_KEY_LEN` bytes.
        fn pk_from_bytes(bytes: &[u8]) -> Result<Self::Pk>;
        /// `SerializePublicKey`.
        fn pk_bytes(pk: &Self::Pk) -> &[u8];
        /// The checks every published key passes, stricter than
        /// `DeserializePublicKey`: one encoding per key, no key that makes
        /// every shared secret public.
        fn validate(pk: &Self::Pk) -> Result<()>;
        /// `DeserializePrivateKey`, of exactly `PRIVATE_KEY_LEN` bytes.
        fn sk_from_bytes(bytes: &[u8]) -> Self::Sk;
        /// `SerializePrivateKey`.
        fn sk_bytes(sk: &Self::Sk) -> &[u8];
        /// The public key of a private key.
        fn sk_public(sk: &Self::Sk) -> Self::Pk;
        /// `DeriveKeyPair(ikm)`.
        fn derive(ikm: &[u8]) -> Self::Sk;
        /// `Encap(pkR)`, or `AuthEncap(pkR, skS)` with a sender, from
        /// `ENCAP_RANDOMNESS_LEN` bytes of randomness: `(shared_secret, enc)`.
        fn encap(
            pk_recip: &Self::Pk,
            randomness: &[u8],
            sender: Option<(&Self::Sk, &Self::Pk)>,
        ) -> Result<(SharedSecret, Vec<u8>)>;
        /// `Decap(enc, skR)`, or `AuthDecap(enc, skR, pkS)`.
        fn decap(
            enc: &[u8],
            sk_recip: &Self::Sk,
            pk_recip: &Self::Pk,
            pk_sender: Option<&Self::Pk>,
        ) -> Result<SharedSecret>;
    }
}

/// A key encapsulation mechanism HPKE can use: [`X25519`] or [`XWing`].
///
/// Sealed: the KEMs are the crate's. Its constants are RFC 9180's names
/// (§7.1); its operations are reached through [`PrivateKey`],
/// [`PublicKey`] and the functions of [`hpke`](super).
pub trait Kem:
    sealed::KemImpl + Copy + fmt::Debug + Default + PartialEq + Eq + Hash + Send + Sync + 'static
{
    /// The `kem_id`.
    const ID: u16;
    /// The KEM's name, as its specification writes it.
    const NAME: &'static str;
    /// `Nenc`: the length of an encapsulation.
    const ENC_LEN: usize;
    /// `Npk`: the length of a serialized public key.
    const PUBLIC_KEY_LEN: usize;
    /// `Nsk`: the length of a serialized private key.
    const PRIVATE_KEY_LEN: usize;
    /// How many random bytes one encapsulation draws from the generator.
    const ENCAP_RANDOMNESS_LEN: usize;
    /// Whether the KEM defines `AuthEncap` (HPKE's auth modes).
    const AUTH_MODES: bool;
    /// Whether the KEM resists a quantum computer.
    const POST_QUANTUM: bool;
}

/// The KEM's output: the secret both sides share (`shared_secret`).
///
/// Zeroized on drop; `Debug` prints `[redacted]`.
pub struct SharedSecret(Zeroizing<[u8; SHARED_SECRET_LEN]>);

impl SharedSecret {
    pub(crate) fn from_bytes(bytes: [u8; SHARED_SECRET_LEN]) -> SharedSecret {
        SharedSecret(Zeroizing::new(bytes))
    }

    /// The secret bytes. For known-answer tests and protocol designers.
    pub fn as_bytes(&self) -> &[u8; SHARED_SECRET_LEN] {
        &self.0
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret([redacted])")
    }
}

/// A public key of the KEM `K`: what a sender encapsulates to.
///
/// Equality and hashing are on the serialized bytes — the bytes HPKE binds
/// into its key schedule — so two encodings of one point are two keys.
pub struct PublicKey<K: Kem> {
    pk: K::Pk,
    kem: PhantomData<K>,
}

/// A private key of the KEM `K`: an HPKE recipient's decryption key (or,
/// for X25519, an authenticated sender's key).
///
/// Zeroized on drop; `Debug` prints `[redacted]`; `==` runs in constant
/// time. Intentionally not `Clone`: copies of secrets are made explicitly
/// with [`PrivateKey::to_bytes`]. The public key is computed once, when the
/// key is made.
pub struct PrivateKey<K: Kem> {
    sk: K::Sk,
    public: PublicKey<K>,
}

impl<K: Kem> PrivateKey<K> {
    fn from_sk(sk: K::Sk) -> PrivateKey<K> {
        let public = PublicKey::from_pk(K::sk_public(&sk));
        PrivateKey { sk, public }
    }

    /// A fresh key from the operating system's generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot supply randomness, which no caller can
    /// recover from sensibly. [`PrivateKey::generate_with`] reports it instead.
    pub fn generate() -> PrivateKey<K> {
        PrivateKey::generate_with(&mut SystemRng).expect(OS_RNG_FAILED)
    }

    /// A fresh key from `rng`: `Nsk` random bytes (the X25519 scalar, or
    /// the X-Wing seed).
    ///
    /// # Errors
    ///
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn generate_with<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<PrivateKey<K>> {
        let mut bytes = Zeroizing::new([0u8; MAX_ENCAP_RANDOMNESS_LEN]);
        let bytes = &mut bytes[..K::PRIVATE_KEY_LEN];
        random::fill(rng, bytes)?;
        Ok(PrivateKey::from_sk(K::sk_from_bytes(bytes)))
    }

    /// `DeriveKeyPair(ikm)`: deterministic, the same `ikm` always gives the
    /// same key. `ikm` should carry at least 32 bytes of entropy.
    pub fn derive(ikm: &[u8]) -> PrivateKey<K> {
        PrivateKey::from_sk(K::derive(ikm))
    }

    /// `DeserializePrivateKey`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] unless `bytes` is `Nsk` bytes long.
    pub fn from_bytes(bytes: &[u8]) -> Result<PrivateKey<K>> {
        check_len(bytes, K::PRIVATE_KEY_LEN)?;
        Ok(PrivateKey::from_sk(K::sk_from_bytes(bytes)))
    }

    /// `SerializePrivateKey`: the `Nsk` secret bytes, wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(K::sk_bytes(&self.sk).to_vec())
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey<K> {
        self.public.clone()
    }

    pub(crate) fn sk(&self) -> &K::Sk {
        &self.sk
    }

    /// A second copy of this key, without recomputing its public key: for
    /// a key that must live on in two places (a signed prekey that is also
    /// the first ratchet key). Crate-private: copies of secrets are
    /// otherwise made only through [`PrivateKey::to_bytes`].
    pub(crate) fn duplicate(&self) -> PrivateKey<K> {
        PrivateKey {
            sk: K::sk_from_bytes(K::sk_bytes(&self.sk)),
            public: self.public.clone(),
        }
    }
}

impl<K: Kem> PartialEq for PrivateKey<K> {
    fn eq(&self, other: &Self) -> bool {
        K::sk_bytes(&self.sk).ct_eq(K::sk_bytes(&other.sk)).into()
    }
}

impl<K: Kem> Eq for PrivateKey<K> {}

impl<K: Kem> fmt::Debug for PrivateKey<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey<{}>([redacted])", K::NAME)
    }
}

impl<K: Kem> PublicKey<K> {
    pub(crate) fn from_pk(pk: K::Pk) -> PublicKey<K> {
        PublicKey {
            pk,
            kem: PhantomData,
        }
    }

    /// `DeserializePublicKey`: as RFC 9180 requires for X25519, every
    /// 32-byte string is accepted (a low-order point is caught where it
    /// matters, as [`Error::ZeroSharedSecret`]); an X-Wing key must pass
    /// FIPS 203's check and be the canonical encoding. Keys users publish
    /// pass [`PublicKey::validate`] too.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidLength`] unless `bytes` is `Npk` bytes long;
    /// [`Error::InvalidKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey<K>> {
        check_len(bytes, K::PUBLIC_KEY_LEN)?;
        Ok(PublicKey::from_pk(K::pk_from_bytes(bytes)?))
    }

    /// `SerializePublicKey`.
    pub fn as_bytes(&self) -> &[u8] {
        K::pk_bytes(&self.pk)
    }

    /// The check every long-lived public key doormat publishes or trusts
    /// passes, stricter than `DeserializePublicKey`: every X25519 part is
    /// the canonical encoding of its point and not of small order, so one
    /// key has one encoding (one text form, one fingerprint) and no key
    /// makes every message to it readable by anyone.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`].
    pub fn validate(&self) -> Result<()> {
        K::validate(&self.pk)
    }

    pub(crate) fn pk(&self) -> &K::Pk {
        &self.pk
    }
}

impl<K: Kem> Clone for PublicKey<K> {
    fn clone(&self) -> Self {
        PublicKey::from_pk(self.pk.clone())
    }
}

impl<K: Kem> PartialEq for PublicKey<K> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<K: Kem> Eq for PublicKey<K> {}

impl<K: Kem> Hash for PublicKey<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl<K: Kem> fmt::Debug for PublicKey<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.as_bytes();
        let shown = &bytes[..bytes.len().min(32)];
        let more = if bytes.len() > 32 { "…" } else { "" };
        write!(f, "PublicKey<{}>({}{more})", K::NAME, hex::encode(shown))
    }
}

/// `Encap` or `AuthEncap` with `K::ENCAP_RANDOMNESS_LEN` bytes drawn from
/// `rng`: the only way doormat encapsulates.
pub(crate) fn encap<K: Kem, R: TryCryptoRng + ?Sized>(
    pk_recip: &PublicKey<K>,
    sk_sender: Option<&PrivateKey<K>>,
    rng: &mut R,
) -> Result<(SharedSecret, Vec<u8>)> {
    let mut randomness = Zeroizing::new([0u8; MAX_ENCAP_RANDOMNESS_LEN]);
    let randomness = &mut randomness[..K::ENCAP_RANDOMNESS_LEN];
    random::fill(rng, randomness)?;
    encap_derand(pk_recip, randomness, sk_sender)
}

/// `Encap` or `AuthEncap` from the caller's randomness.
pub(crate) fn encap_derand<K: Kem>(
    pk_recip: &PublicKey<K>,
    randomness: &[u8],
    sk_sender: Option<&PrivateKey<K>>,
) -> Result<(SharedSecret, Vec<u8>)> {
    check_len(randomness, K::ENCAP_RANDOMNESS_LEN)?;
    if sk_sender.is_some() && !K::AUTH_MODES {
        return Err(Error::UnsupportedMode(2));
    }
    let sender = sk_sender.map(|sk| (sk.sk(), sk.public.pk()));
    K::encap(pk_recip.pk(), randomness, sender)
}

/// `Decap` or `AuthDecap`.
pub(crate) fn decap<K: Kem>(
    enc: &[u8],
    sk_recip: &PrivateKey<K>,
    pk_sender: Option<&PublicKey<K>>,
) -> Result<SharedSecret> {
    check_len(enc, K::ENC_LEN)?;
    if pk_sender.is_some() && !K::AUTH_MODES {
        return Err(Error::UnsupportedMode(2));
    }
    K::decap(
        enc,
        sk_recip.sk(),
        sk_recip.public.pk(),
        pk_sender.map(PublicKey::pk),
    )
}

/// `suite_id = concat("KEM", I2OSP(kem_id, 2))` (RFC 9180 §4.1).
pub(crate) const fn kem_suite_id(kem_id: u16) -> [u8; 5] {
    let id = kem_id.to_be_bytes();
    [b'K', b'E', b'M', id[0], id[1]]
}
