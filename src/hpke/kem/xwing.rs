//! MLKEM768-X25519 ("X-Wing"), `kem_id` 0x647a (draft-ietf-hpke-pq), on
//! RustCrypto's `x-wing` crate for keys and encapsulation. Its shared secret
//! stays secret unless *both* ML-KEM-768 and X25519 are broken, so a
//! recording made today survives a future quantum computer that solves
//! X25519.
//!
//! Decapsulation is written here, on the same `ml-kem`, x25519-dalek and
//! SHA3-256 that `x-wing` uses, for one reason: `x-wing` expands the 32-byte
//! seed (SHAKE256, an ML-KEM key generation and an X25519 base-point
//! multiplication) on *every* decapsulation, and a recipient without key
//! ids tries every X-Wing stanza — so a header of 897 garbage stanzas made
//! a non-recipient expand its key 897 times. Here the expansion is done
//! once, when the key is made, and kept (wiped on drop). A test checks the
//! result against `x-wing`'s decapsulation for random keys and ciphertexts.
//!
//! The draft defines base and psk modes only: the authenticated modes are
//! [`Error::UnsupportedMode`](super::super::Error::UnsupportedMode).

use ml_kem::array::Array;
use ml_kem::ml_kem_768;
use sha3::{Digest, Sha3_256};
use shake::{ExtendableOutput, Shake256, Update, XofReader};
use x25519_dalek::StaticSecret;
use x_wing::{Decapsulate, KeyExport};
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

/// An X-Wing private key: the seed and its expansion, made once (boxed:
/// ML-KEM's expanded key is large). ml-kem and x25519-dalek wipe theirs on
/// drop.
pub struct Secret {
    seed: Zeroizing<[u8; SEED_LEN]>,
    dk_m: Box<ml_kem_768::DecapsulationKey>,
    sk_x: StaticSecret,
    /// The X25519 public key, which the combiner hashes.
    pk_x: [u8; X25519_LEN],
}

/// The label X-Wing's combiner ends with (draft-connolly-cfrg-xwing-kem).
const XWING_LABEL: &[u8; 6] = b"\\.//^\\";
/// ML-KEM-768's ciphertext, the first part of an X-Wing `enc`.
const CT_M_LEN: usize = 1088;

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

    /// ```text
    /// def expandDecapsulationKey(sk):
    ///   expanded = SHAKE256(sk, 96)
    ///   (pk_M, sk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32], expanded[32:64])
    ///   sk_X = expanded[64:96]
    ///   pk_X = X25519(sk_X, X25519_BASE)
    ///   return (sk_M, sk_X, pk_M, pk_X)
    /// ```
    fn sk_from_bytes(bytes: &[u8]) -> Secret {
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        seed.copy_from_slice(bytes);
        let mut shake = Shake256::default();
        shake.update(seed.as_ref());
        let mut expanded = Zeroizing::new([0u8; 96]);
        shake.finalize_xof().read(expanded.as_mut());
        let mut seed_m = Zeroizing::new([0u8; 64]);
        seed_m.copy_from_slice(&expanded[..64]);
        let dk_m = ml_kem_768::DecapsulationKey::from_seed(Array::from(*seed_m));
        let mut x = Zeroizing::new([0u8; X25519_LEN]);
        x.copy_from_slice(&expanded[64..]);
        let sk_x = StaticSecret::from(*x);
        let pk_x = x25519_dalek::PublicKey::from(&sk_x).to_bytes();
        Secret {
            seed,
            dk_m: Box::new(dk_m),
            sk_x,
            pk_x,
        }
    }

    fn sk_bytes(sk: &Secret) -> &[u8] {
        &sk.seed[..]
    }

    fn sk_public(sk: &Secret) -> Public {
        let mut bytes = Box::new([0u8; PK_LEN]);
        bytes[..PK_LEN - X25519_LEN].copy_from_slice(&sk.dk_m.encapsulation_key().to_bytes());
        bytes[PK_LEN - X25519_LEN..].copy_from_slice(&sk.pk_x);
        let ek = x_wing::EncapsulationKey::try_from(&bytes[..])
            .expect("the public key of a private key is valid");
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

    /// ```text
    /// def Decapsulate(ct, sk):
    ///   (sk_M, sk_X, pk_M, pk_X) = expandDecapsulationKey(sk)   # done once, kept
    ///   ct_M = ct[0:1088]
    ///   ct_X = ct[1088:1120]
    ///   ss_M = ML-KEM-768.Decapsulate(sk_M, ct_M)
    ///   ss_X = X25519(sk_X, ct_X)
    ///   return SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel)
    /// ```
    ///
    /// Like `x-wing`'s `DecapsulationKey`, an all-zero X25519 output is
    /// accepted (ML-KEM alone still protects the secret, and the draft does
    /// not ask to reject it).
    fn decap(
        enc: &[u8],
        sk_recip: &Secret,
        _pk_recip: &Public,
        pk_sender: Option<&Public>,
    ) -> Result<SharedSecret> {
        if pk_sender.is_some() {
            return Err(Error::UnsupportedMode(2));
        }
        if enc.len() != XWing::ENC_LEN {
            return Err(Error::InvalidLength {
                expected: XWing::ENC_LEN,
                got: enc.len(),
            });
        }
        let (ct_m, ct_x) = enc.split_at(CT_M_LEN);
        let ct_m = ml_kem_768::Ciphertext::try_from(ct_m).map_err(|_| Error::InvalidLength {
            expected: XWing::ENC_LEN,
            got: enc.len(),
        })?;
        let mut ss_m = sk_recip.dk_m.decapsulate(&ct_m);
        let ct_x: [u8; X25519_LEN] = ct_x.try_into().expect("split at 1088 of 1120");
        let ss_x = sk_recip
            .sk_x
            .diffie_hellman(&x25519_dalek::PublicKey::from(ct_x));
        let mut hasher = Sha3_256::new();
        for part in [
            &ss_m[..],
            ss_x.as_bytes(),
            &ct_x,
            &sk_recip.pk_x,
            XWING_LABEL,
        ] {
            Digest::update(&mut hasher, part);
        }
        let mut secret = [0u8; SHARED_SECRET_LEN];
        secret.copy_from_slice(&hasher.finalize());
        zeroize::Zeroize::zeroize(&mut ss_m[..]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Rng, SeedableRng, SeededRng};
    use x_wing::Decapsulator;

    /// The decapsulation written here, with its cached expansion, gives
    /// exactly what `x-wing`'s own gives, for honest and random ciphertexts.
    #[test]
    fn decap_matches_x_wing() {
        let mut rng = SeededRng::from_seed([9; 32]);
        for i in 0..24 {
            let mut seed = [0u8; SEED_LEN];
            rng.fill_bytes(&mut seed);
            let ours = XWing::sk_from_bytes(&seed);
            let theirs = x_wing::DecapsulationKey::from(seed);
            let public = XWing::sk_public(&ours);
            assert_eq!(
                &public.bytes[..],
                &theirs.encapsulation_key().to_bytes()[..],
                "public key {i}"
            );
            let mut enc = [0u8; x_wing::CIPHERTEXT_SIZE];
            if i % 2 == 0 {
                let mut r = [0u8; 64];
                rng.fill_bytes(&mut r);
                let (_, e) = XWing::encap(&public, &r, None).unwrap();
                enc.copy_from_slice(&e);
            } else {
                rng.fill_bytes(&mut enc);
            }
            let mine = XWing::decap(&enc, &ours, &public, None).unwrap();
            let reference = theirs.decapsulate(&enc.into());
            assert_eq!(&mine.as_bytes()[..], &reference[..], "ciphertext {i}");
        }
    }
}
