//! Asynchronous set-up: X3DH (Marlinspike and Perrin, revision 1,
//! 2016-11-04), and PQXDH (Kret and Schmidt, revision 3, 2024-01-23) when
//! the bundle has a post-quantum prekey — the shared secret `SK` and the
//! associated data `AD` that the Double Ratchet starts from.

use zeroize::Zeroizing;

use super::bundle::{PrekeyBundle, Prekeys};
use super::error::{Error, Result};
use super::kdf::{hkdf, Key};
use super::wire::{Setup, SETUP_ONE_TIME, SETUP_POST_QUANTUM, SETUP_PQ_INITIATOR};
use crate::hash::sha256;
use crate::hpke::{self, PrivateKey, PublicKey, SHARED_SECRET_LEN, X25519};
use crate::keys::{Identity, Kem, PublicIdentity};
use crate::random::TryCryptoRng;

/// X3DH's `info`, naming the curve and hash as the specification asks.
const X3DH_INFO: &[u8] = b"doormat/v1 X3DH_CURVE25519_SHA-256";
/// PQXDH's `info`, naming the KEM too.
const PQXDH_INFO: &[u8] = b"doormat/v1 PQXDH_CURVE25519_SHA-256_X-WING";
/// The label `AD` is hashed under.
const AD_LABEL: &[u8] = b"doormat/v1 session ad";
/// `F`: 32 0xFF bytes, so `F || KM` is never an X25519 private key's
/// encoding of something else (X3DH section 2.2).
const F: [u8; 32] = [0xff; 32];

/// What both sides start the ratchet from.
pub(crate) struct Agreed {
    pub(crate) sk: Key,
    pub(crate) ad: [u8; 32],
}

/// The initiator's side: [`Agreed`], and the set-up section every message
/// repeats until the first reply.
pub(crate) struct Initiated {
    pub(crate) agreed: Agreed,
    pub(crate) setup: Vec<u8>,
}

/// ```text
/// AD = Encode(IKA) || Encode(IKB)
/// ```
/// here `SHA-256("doormat/v1 session ad" || fingerprint(initiator) ||
/// fingerprint(responder))`: 32 bytes that bind both whole identities
/// (their fingerprints cover the Ed25519 key and the KEM key).
pub(crate) fn associated_data(initiator: &PublicIdentity, responder: &PublicIdentity) -> [u8; 32] {
    sha256(&[
        AD_LABEL,
        initiator.fingerprint().as_bytes(),
        responder.fingerprint().as_bytes(),
    ])
}

/// ```text
/// KDF(KM): HKDF with input key material F || KM, a zero-filled salt of
///   the hash's length, and info; 32 bytes.
/// ```
fn kdf(km: &[u8], post_quantum: bool) -> Key {
    let ikm = Zeroizing::new([&F[..], km].concat());
    let mut sk = Zeroizing::new([0u8; 32]);
    let info = if post_quantum { PQXDH_INFO } else { X3DH_INFO };
    hkdf(&[0u8; 32], &ikm, info, sk.as_mut());
    sk
}

fn dh(sk: &PrivateKey<X25519>, pk: &PublicKey<X25519>) -> Result<Zeroizing<[u8; 32]>> {
    sk.dh(pk).map_err(|_| Error::InvalidKey)
}

/// Alice's half (X3DH section 3.3, PQXDH section 3.3):
/// ```text
/// DH1 = DH(IKA, SPKB)
/// DH2 = DH(EKA, IKB)
/// DH3 = DH(EKA, SPKB)
/// DH4 = DH(EKA, OPKB)                      if the bundle has a one-time prekey
/// (CT, SS) = PQKEM-ENC(PQPKB)              if it has a post-quantum prekey
/// SK = KDF(DH1 || DH2 || DH3 [|| DH4] [|| SS])
/// ```
/// The bundle's signature was verified when it was parsed or made.
/// `IKA` is the X25519 form of Alice's Ed25519 identity key. Draws `EKA`
/// (32 bytes), then X-Wing's encapsulation randomness (64).
pub(crate) fn initiate<R: TryCryptoRng + ?Sized>(
    me: &Identity,
    bundle: &PrekeyBundle,
    rng: &mut R,
) -> Result<Initiated> {
    let ek = PrivateKey::<X25519>::generate_with(rng)?;
    let mut km = Zeroizing::new(Vec::with_capacity(5 * 32));
    km.extend_from_slice(dh(&me.dh_key(), &bundle.signed)?.as_ref());
    km.extend_from_slice(dh(&ek, &bundle.identity.dh_key())?.as_ref());
    km.extend_from_slice(dh(&ek, &bundle.signed)?.as_ref());
    if let Some((_, opk)) = &bundle.one_time {
        km.extend_from_slice(dh(&ek, opk)?.as_ref());
    }
    let mut ct = None;
    if let Some((id, pq)) = &bundle.post_quantum {
        let (ss, enc) = hpke::encap(pq, None, rng)?;
        km.extend_from_slice(ss.as_bytes());
        ct = Some((*id, enc));
    }
    let me_public = me.public();
    let mut flags = 0;
    if bundle.one_time.is_some() {
        flags |= SETUP_ONE_TIME;
    }
    if ct.is_some() {
        flags |= SETUP_POST_QUANTUM;
    }
    if me_public.kem() == Kem::XWing {
        flags |= SETUP_PQ_INITIATOR;
    }
    let mut setup = vec![flags];
    setup.extend_from_slice(&me_public.to_bytes());
    setup.extend_from_slice(ek.public_key().as_bytes());
    setup.extend_from_slice(&bundle.signed_id.to_be_bytes());
    if let Some((id, _)) = &bundle.one_time {
        setup.extend_from_slice(&id.to_be_bytes());
    }
    if let Some((id, enc)) = &ct {
        setup.extend_from_slice(&id.to_be_bytes());
        setup.extend_from_slice(enc);
    }
    Ok(Initiated {
        agreed: Agreed {
            sk: kdf(&km, ct.is_some()),
            ad: associated_data(&me_public, &bundle.identity),
        },
        setup,
    })
}

/// Bob's half (X3DH section 3.4, PQXDH section 3.4): the same DHs from his
/// side, the ciphertext decapsulated with the post-quantum prekey it names.
/// Returns what was agreed and the signed prekey (Bob's first ratchet key
/// pair, section 7.1 of the Double Ratchet), copied.
pub(crate) fn respond(
    me: &Identity,
    prekeys: &Prekeys,
    setup: &Setup<'_>,
) -> Result<(Agreed, PrivateKey<X25519>)> {
    if &me.public() != prekeys.owner() {
        return Err(Error::WrongIdentity);
    }
    let set = prekeys
        .signed(setup.signed_prekey)
        .ok_or(Error::UnknownPrekey)?;
    let one_time = match setup.one_time_prekey {
        Some(id) => Some(prekeys.one_time(id).ok_or(Error::UnknownPrekey)?),
        None => None,
    };
    let ss = match (setup.post_quantum, &set.post_quantum) {
        (Some((id, ct)), Some((pq_id, pq))) if id == *pq_id => Some(hpke::decap(ct, pq, None)?),
        (Some(_), _) => return Err(Error::UnknownPrekey),
        (None, _) => None,
    };
    let mut km = Zeroizing::new(Vec::with_capacity(5 * 32));
    km.extend_from_slice(dh(&set.key, &setup.initiator.dh_key())?.as_ref());
    km.extend_from_slice(dh(&me.dh_key(), &setup.ephemeral)?.as_ref());
    km.extend_from_slice(dh(&set.key, &setup.ephemeral)?.as_ref());
    if let Some(opk) = one_time {
        km.extend_from_slice(dh(opk, &setup.ephemeral)?.as_ref());
    }
    if let Some(ss) = &ss {
        km.extend_from_slice(&ss.as_bytes()[..SHARED_SECRET_LEN]);
    }
    let agreed = Agreed {
        sk: kdf(&km, ss.is_some()),
        ad: associated_data(&setup.initiator, &me.public()),
    };
    Ok((agreed, set.key.duplicate()))
}
