//! MLKEM768-X25519 ("X-Wing"), `kem_id` 0x647a (draft-ietf-hpke-pq), on
//! RustCrypto's `x-wing` crate. Its shared secret stays secret unless *both*
//! ML-KEM-768 and X25519 are broken, so a recording made today survives a
//! future quantum computer that solves X25519.
//!
//! The draft defines base and psk modes only: the authenticated modes are
//! [`Error::UnsupportedMode`](super::super::Error::UnsupportedMode).

use shake::{ExtendableOutput, Shake256, Update, XofReader};
use x_wing::{Decapsulate, Decapsulator, KeyExport};
use zeroize::Zeroizing;

use super::super::error::{Error, Result};
use super::x25519::{is_canonical, is_low_order};
use super::{kem_suite_id, sealed::KemImpl, Kem, PublicKey, SharedSecret, SHARED_SECRET_LEN};

/// MLKEM768-X25519 ("X-Wing"): post-quantum and traditional at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct XWing;

const SEED_LEN: usize = x_wing::DECAPSULATION_KEY_SIZE;
const PK_LEN: usize = x_wing::ENCAPSULATION_KEY_SIZE;
const X25519_LEN: usize = 32;
const KEM_SUITE_ID: [u8; 5] = kem_suite_id(XWing::ID);

impl Kem for XWing {
    const ID: u16 = 0x647a;
    const NAME: &'static str = "X-Wing";
    /// 1,120 bytes: 1,088 of ML-KEM, 32 of X25519.
    const ENC_LEN: usize = x_wing::CIPHERTEXT_SIZE;
    /// 1,216 bytes: 1,184 of ML-KEM, 32 of X25519.
    const PUBLIC_KEY_LEN: usize = PK_LEN;
    /// A 32-byte seed, expanded into the ML-KEM-768 and X25519 keys.
    const PRIVATE_KEY_LEN: usize = SEED_LEN;
    /// 32 bytes for ML-KEM, then 32 for X25519.
    const ENCAP_RANDOMNESS_LEN: usize = x_wing::ENCAPSULATION_RANDOMNESS_SIZE;
    const AUTH_MODES: bool = false;
    const POST_QUANTUM: bool = true;
}

/// An X-Wing public key: its bytes and the parsed key (boxed: ML-KEM's
/// expanded form is large).
#[derive(Clone)]
pub struct Public {
    bytes: Box<[u8; PK_LEN]>,
    ek: Box<x_wing::EncapsulationKey>,
}

impl core::fmt::Debug for Public {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Public({}…)", hex::encode(&self.bytes[..8]))
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl PartialEq for Public {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

/// An X-Wing private key: the seed and its expansion.
pub struct Secret {
    seed: Zeroizing<[u8; SEED_LEN]>,
    dk: Box<x_wing::DecapsulationKey>,
}

impl KemImpl for XWing {
    type Pk = Public;
    type Sk = Secret;

    /// ML-KEM-768's encapsulation key (FIPS 203's check), then X25519's;
    /// only the canonical encoding round-trips, so one key has one form.
    fn pk_from_bytes(bytes: &[u8]) -> Result<Public> {
        let arr: &[u8; PK_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            expected: PK_LEN,
            got: bytes.len(),
        })?;
        let ek = x_wing::EncapsulationKey::try_from(&arr[..]).map_err(|_| Error::InvalidKey)?;
        if ek.to_bytes()[..] != arr[..] {
            return Err(Error::InvalidKey);
        }
        Ok(Public {
            bytes: Box::new(*arr),
            ek: Box::new(ek),
        })
    }

    fn pk_bytes(pk: &Public) -> &[u8] {
        &pk.bytes[..]
    }

    /// The ML-KEM half is checked when parsed; the X25519 half must be
    /// canonical and not of small order, as any published X25519 key.
    fn validate(pk: &Public) -> Result<()> {
        let x = x25519_half(pk);
        if !is_canonical(&x) || is_low_order(&x) {
            return Err(Error::InvalidKey);
        }
        Ok(())
    }

    fn sk_from_bytes(bytes: &[u8]) -> Secret {
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        seed.copy_from_slice(bytes);
        let dk = x_wing::DecapsulationKey::from(*seed);
        Secret {
            seed,
            dk: Box::new(dk),
        }
    }

    fn sk_bytes(sk: &Secret) -> &[u8] {
        &sk.seed[..]
    }

    fn sk_public(sk: &Secret) -> Public {
        let ek = sk.dk.encapsulation_key().clone();
        let mut bytes = Box::new([0u8; PK_LEN]);
        bytes.copy_from_slice(&ek.to_bytes());
        Public {
            bytes,
            ek: Box::new(ek),
        }
    }

    /// ```text
    /// def DeriveKeyPair(ikm):
    ///   seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", 32)
    ///   return KEM.DeriveKeyPair(seed)
    /// LabeledDerive(ikm, label, context, L) =
    ///   Derive(concat(ikm, "HPKE-v1", suite_id, I2OSP(len(label), 2), label,
    ///                 I2OSP(L, 2), context), L)
    /// ```
    /// with `suite_id = "KEM" || I2OSP(0x647a, 2)`.
    fn derive(ikm: &[u8]) -> Secret {
        const LABEL: &[u8] = b"DeriveKeyPair";
        let mut shake = Shake256::default();
        for part in [
            ikm,
            b"HPKE-v1",
            &KEM_SUITE_ID,
            &(LABEL.len() as u16).to_be_bytes(),
            LABEL,
            &(SEED_LEN as u16).to_be_bytes(),
        ] {
            shake.update(part);
        }
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        shake.finalize_xof().read(seed.as_mut());
        XWing::sk_from_bytes(seed.as_ref())
    }

    /// `Encap(pkR)` with 64 bytes of randomness (ML-KEM's 32, then
    /// X25519's 32): the deterministic form of the draft's test vectors.
    fn encap(
        pk_recip: &Public,
        randomness: &[u8],
        sender: Option<(&Secret, &Public)>,
    ) -> Result<(SharedSecret, Vec<u8>)> {
        if sender.is_some() {
            return Err(Error::UnsupportedMode(2));
        }
        let randomness: &[u8; XWing::ENCAP_RANDOMNESS_LEN] =
            randomness.try_into().map_err(|_| Error::InvalidLength {
                expected: XWing::ENCAP_RANDOMNESS_LEN,
                got: randomness.len(),
            })?;
        let (ct, ss) = pk_recip.ek.encapsulate_deterministic(&(*randomness).into());
        let mut secret = [0u8; SHARED_SECRET_LEN];
        secret.copy_from_slice(&ss);
        Ok((SharedSecret::from_bytes(secret), ct.to_vec()))
    }

    fn decap(
        enc: &[u8],
        sk_recip: &Secret,
        _pk_recip: &Public,
        pk_sender: Option<&Public>,
    ) -> Result<SharedSecret> {
        if pk_sender.is_some() {
            return Err(Error::UnsupportedMode(2));
        }
        let ct: &[u8; XWing::ENC_LEN] = enc.try_into().map_err(|_| Error::InvalidLength {
            expected: XWing::ENC_LEN,
            got: enc.len(),
        })?;
        let ss = sk_recip.dk.decapsulate(&(*ct).into());
        let mut secret = [0u8; SHARED_SECRET_LEN];
        secret.copy_from_slice(&ss);
        Ok(SharedSecret::from_bytes(secret))
    }
}

/// The X25519 component of an X-Wing public key (its last 32 bytes).
fn x25519_half(pk: &Public) -> [u8; X25519_LEN] {
    let mut x = [0u8; X25519_LEN];
    x.copy_from_slice(&pk.bytes[PK_LEN - X25519_LEN..]);
    x
}

impl PublicKey<XWing> {
    /// The X25519 component (the last 32 bytes): what a quantum computer
    /// that solves X25519 — and only X25519 — could attack. Teaching only.
    #[cfg(feature = "hazmat")]
    pub(crate) fn x25519_component(&self) -> [u8; X25519_LEN] {
        x25519_half(self.pk())
    }
}
