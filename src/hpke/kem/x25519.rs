//! DHKEM(X25519, HKDF-SHA256), `kem_id` 0x0020 (RFC 9180 §4.1, §7.1), on
//! x25519-dalek 3 — the X25519 that x-wing already brings, so one X25519
//! implementation is compiled and every X25519 operation here is its.

use subtle::ConstantTimeEq;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use super::super::error::{Error, Result};
use super::super::kdf::Kdf;
use super::{kem_suite_id, sealed::KemImpl, Kem, PrivateKey, PublicKey, SharedSecret};

/// DHKEM(X25519, HKDF-SHA256): classical; a quantum computer that solves
/// X25519 opens what was recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct X25519;

/// `Nenc`, `Npk`, `Nsk` and `Ndh` of DHKEM(X25519): all 32 bytes.
const LEN: usize = 32;
/// The KEM's own KDF.
const KEM_KDF: Kdf = Kdf::HkdfSha256;
const KEM_SUITE_ID: [u8; 5] = kem_suite_id(X25519::ID);

impl Kem for X25519 {
    const ID: u16 = 0x0020;
    const NAME: &'static str = "X25519";
    const ENC_LEN: usize = LEN;
    const PUBLIC_KEY_LEN: usize = LEN;
    const PRIVATE_KEY_LEN: usize = LEN;
    /// The ephemeral private key: `GenerateKeyPair` is 32 random bytes.
    const ENCAP_RANDOMNESS_LEN: usize = LEN;
    const AUTH_MODES: bool = true;
    const POST_QUANTUM: bool = false;
}

/// An X25519 private key (wiped on drop by x25519-dalek).
pub struct Secret(StaticSecret);

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl KemImpl for X25519 {
    type Pk = [u8; LEN];
    type Sk = Secret;

    fn pk_from_bytes(bytes: &[u8]) -> Result<[u8; LEN]> {
        bytes.try_into().map_err(|_| Error::InvalidLength {
            expected: LEN,
            got: bytes.len(),
        })
    }

    fn pk_bytes(pk: &[u8; LEN]) -> &[u8] {
        pk
    }

    fn validate(pk: &[u8; LEN]) -> Result<()> {
        if !is_canonical(pk) || is_low_order(pk) {
            return Err(Error::InvalidKey);
        }
        Ok(())
    }

    fn sk_from_bytes(bytes: &[u8]) -> Secret {
        let mut arr = Zeroizing::new([0u8; LEN]);
        arr.copy_from_slice(bytes);
        Secret(StaticSecret::from(*arr))
    }

    fn sk_bytes(sk: &Secret) -> &[u8] {
        sk.0.as_bytes()
    }

    fn sk_public(sk: &Secret) -> [u8; LEN] {
        x25519_dalek::PublicKey::from(&sk.0).to_bytes()
    }

    /// ```text
    /// def DeriveKeyPair(ikm):
    ///   dkp_prk = LabeledExtract("", "dkp_prk", ikm)
    ///   sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
    ///   return (sk, pk(sk))
    /// ```
    fn derive(ikm: &[u8]) -> Secret {
        let dkp_prk = KEM_KDF.labeled_extract(&KEM_SUITE_ID, b"", b"dkp_prk", ikm);
        let mut sk = Zeroizing::new([0u8; LEN]);
        KEM_KDF
            .labeled_expand(&KEM_SUITE_ID, &dkp_prk, b"sk", b"", sk.as_mut())
            .expect("32 bytes is under the HKDF-SHA256 limit");
        Secret(StaticSecret::from(*sk))
    }

    /// ```text
    /// def AuthEncap(pkR, skS):
    ///   skE, pkE = GenerateKeyPair()
    ///   dh = concat(DH(skE, pkR), DH(skS, pkR))
    ///   enc = SerializePublicKey(pkE)
    ///   pkRm = SerializePublicKey(pkR)
    ///   pkSm = SerializePublicKey(pk(skS))
    ///   kem_context = concat(enc, pkRm, pkSm)
    ///   shared_secret = ExtractAndExpand(dh, kem_context)
    ///   return shared_secret, enc
    /// ```
    /// (`Encap` without the sender's parts), with `skE` the 32 bytes of
    /// `randomness`.
    fn encap(
        pk_recip: &[u8; LEN],
        randomness: &[u8],
        sender: Option<(&Secret, &[u8; LEN])>,
    ) -> Result<(SharedSecret, Vec<u8>)> {
        let sk_eph = X25519::sk_from_bytes(randomness);
        let enc = X25519::sk_public(&sk_eph);
        let mut dh = Zeroizing::new([0u8; 2 * LEN]);
        dh[..LEN].copy_from_slice(dh_checked(&sk_eph, pk_recip)?.as_ref());
        let mut kem_context = [0u8; 3 * LEN];
        kem_context[..LEN].copy_from_slice(&enc);
        kem_context[LEN..2 * LEN].copy_from_slice(pk_recip);
        let len = match sender {
            Some((sk_sender, pk_sender)) => {
                dh[LEN..].copy_from_slice(dh_checked(sk_sender, pk_recip)?.as_ref());
                kem_context[2 * LEN..].copy_from_slice(pk_sender);
                3 * LEN
            }
            None => 2 * LEN,
        };
        let dh_len = len - LEN;
        let ss = extract_and_expand(&dh[..dh_len], &kem_context[..len]);
        Ok((ss, enc.to_vec()))
    }

    /// ```text
    /// def AuthDecap(enc, skR, pkS):
    ///   pkE = DeserializePublicKey(enc)
    ///   dh = concat(DH(skR, pkE), DH(skR, pkS))
    ///   pkRm = SerializePublicKey(pk(skR))
    ///   pkSm = SerializePublicKey(pkS)
    ///   kem_context = concat(enc, pkRm, pkSm)
    ///   shared_secret = ExtractAndExpand(dh, kem_context)
    ///   return shared_secret
    /// ```
    /// (`Decap` without the sender's parts).
    fn decap(
        enc: &[u8],
        sk_recip: &Secret,
        pk_recip: &[u8; LEN],
        pk_sender: Option<&[u8; LEN]>,
    ) -> Result<SharedSecret> {
        let pk_eph = X25519::pk_from_bytes(enc)?;
        let mut dh = Zeroizing::new([0u8; 2 * LEN]);
        dh[..LEN].copy_from_slice(dh_checked(sk_recip, &pk_eph)?.as_ref());
        let mut kem_context = [0u8; 3 * LEN];
        kem_context[..LEN].copy_from_slice(&pk_eph);
        kem_context[LEN..2 * LEN].copy_from_slice(pk_recip);
        let len = match pk_sender {
            Some(pk_sender) => {
                dh[LEN..].copy_from_slice(dh_checked(sk_recip, pk_sender)?.as_ref());
                kem_context[2 * LEN..].copy_from_slice(pk_sender);
                3 * LEN
            }
            None => 2 * LEN,
        };
        Ok(extract_and_expand(&dh[..len - LEN], &kem_context[..len]))
    }
}

/// `DH(skX, pkY)`: X25519 (RFC 7748), refusing an all-zero output (RFC 9180
/// §7.1.4: the peer sent a low-order point). The check runs in constant time.
fn dh_checked(sk: &Secret, pk: &[u8; LEN]) -> Result<Zeroizing<[u8; LEN]>> {
    let shared = sk.0.diffie_hellman(&x25519_dalek::PublicKey::from(*pk));
    if !shared.was_contributory() {
        return Err(Error::ZeroSharedSecret);
    }
    Ok(Zeroizing::new(shared.to_bytes()))
}

/// ```text
/// def ExtractAndExpand(dh, kem_context):
///   eae_prk = LabeledExtract("", "eae_prk", dh)
///   shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
/// ```
fn extract_and_expand(dh: &[u8], kem_context: &[u8]) -> SharedSecret {
    let eae_prk = KEM_KDF.labeled_extract(&KEM_SUITE_ID, b"", b"eae_prk", dh);
    let mut ss = [0u8; LEN];
    KEM_KDF
        .labeled_expand(
            &KEM_SUITE_ID,
            &eae_prk,
            b"shared_secret",
            kem_context,
            &mut ss,
        )
        .expect("32 bytes is under the HKDF-SHA256 limit");
    SharedSecret::from_bytes(ss)
}

impl PrivateKey<X25519> {
    /// `DH(skX, pkY)`: X25519 (RFC 7748), refusing an all-zero output
    /// (RFC 9180 §7.1.4: the peer sent a low-order point). The check runs in
    /// constant time. The DH inside every X25519 encapsulation here.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroSharedSecret`] if the output is all zeros.
    pub fn dh(&self, pk: &PublicKey<X25519>) -> Result<Zeroizing<[u8; LEN]>> {
        dh_checked(self.sk(), pk.pk())
    }
}

impl PublicKey<X25519> {
    /// The 32 serialized bytes, the u-coordinate (RFC 7748).
    pub fn to_array(&self) -> [u8; LEN] {
        *self.pk()
    }

    /// Whether this is the canonical encoding of its point: the high bit
    /// clear and the u-coordinate below p = 2^255 - 19 (RFC 7748 §5).
    pub fn is_canonical(&self) -> bool {
        is_canonical(self.pk())
    }

    /// Whether this canonical encoding is a point of small order, for which
    /// every Diffie-Hellman output is all zeros.
    pub fn is_low_order(&self) -> bool {
        is_low_order(self.pk())
    }
}

/// The high bit clear and the u-coordinate below p = 2^255 - 19.
pub(crate) fn is_canonical(b: &[u8; LEN]) -> bool {
    if b[31] & 0x80 != 0 {
        return false;
    }
    // u >= p only for p..2^255-1: top byte 0x7f, bytes 1..31 all 0xff,
    // low byte >= 0xed.
    !(b[31] == 0x7f && b[1..31].iter().all(|&x| x == 0xff) && b[0] >= 0xed)
}

/// Whether a canonical encoding is of a point of small order.
pub(crate) fn is_low_order(b: &[u8; LEN]) -> bool {
    LOW_ORDER.iter().any(|p| bool::from(p.ct_eq(b)))
}

/// The canonical u-coordinates (little-endian) of the X25519 points of small
/// order (RFC 7748 §6.1; the list libsodium blocks): 0, 1, the two points of
/// order 8, and p - 1. A DH with any clamped scalar gives all zeros for these.
const LOW_ORDER: [[u8; LEN]; 5] = [
    [0; 32],
    [
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0,
    ],
    [
        0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
        0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49,
        0xb8, 0x00,
    ],
    [
        0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
        0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f,
        0x11, 0x57,
    ],
    [
        0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x7f,
    ],
];
