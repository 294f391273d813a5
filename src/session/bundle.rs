//! Prekeys (X3DH section 3.2, PQXDH section 3.2): what a user publishes so
//! that others can start a session while they are offline — a signed
//! prekey, optionally a post-quantum (X-Wing) prekey under the same
//! signature, and one-time prekeys — and the secret store they come from.

use core::fmt;

use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::wire::{Reader, SESSION_VERSION};
use crate::hpke::{Kem as _, PrivateKey, PublicKey, XWing, X25519};
use crate::keys::{Identity, Kem, PublicIdentity, SIGNATURE_LEN};
use crate::random::{SystemRng, TryCryptoRng, OS_RNG_FAILED};

/// The magic of a serialized [`PrekeyBundle`].
pub const BUNDLE_MAGIC: &[u8; 3] = b"dmb";
/// The magic of serialized [`Prekeys`].
pub const PREKEYS_MAGIC: &[u8; 3] = b"dmp";
/// The most one-time prekeys one [`Prekeys`] holds.
pub const MAX_ONE_TIME_PREKEYS: usize = 1000;
/// The domain label of prekey signatures: no envelope, checkpoint or
/// application signature ([`Identity::sign`]) starts with it.
const SIGNATURE_LABEL: &[u8] = b"doormat/v1 prekey signature\0";

const BUNDLE_ONE_TIME: u8 = 0x01;
const BUNDLE_POST_QUANTUM: u8 = 0x02;
const BUNDLE_PQ_IDENTITY: u8 = 0x04;
const BUNDLE_FLAGS: u8 = BUNDLE_ONE_TIME | BUNDLE_POST_QUANTUM | BUNDLE_PQ_IDENTITY;

/// A signed prekey, with its post-quantum prekey if any, and the one
/// signature over both.
pub(crate) struct SignedSet {
    pub(crate) id: u32,
    pub(crate) key: PrivateKey<X25519>,
    pub(crate) post_quantum: Option<(u32, PrivateKey<XWing>)>,
    signature: [u8; SIGNATURE_LEN],
}

/// `SIGNATURE_LABEL || u32(id) || spk || u8(pq?) [|| u32(pq id) || pq key]`.
fn signed_message(id: u32, spk: &[u8], pq: Option<(u32, &[u8])>) -> Vec<u8> {
    let mut msg = [SIGNATURE_LABEL, &id.to_be_bytes(), spk].concat();
    match pq {
        Some((pq_id, key)) => {
            msg.push(1);
            msg.extend_from_slice(&pq_id.to_be_bytes());
            msg.extend_from_slice(key);
        }
        None => msg.push(0),
    }
    msg
}

impl SignedSet {
    fn message(&self) -> Vec<u8> {
        let pq = self
            .post_quantum
            .as_ref()
            .map(|(id, k)| (*id, k.public_key()));
        signed_message(
            self.id,
            self.key.public_key().as_bytes(),
            pq.as_ref().map(|(id, k)| (*id, k.as_bytes())),
        )
    }
}

/// A user's secret prekeys: the signed prekey (and the one before it, for
/// set-up messages in flight after a rotation), an optional post-quantum
/// prekey beside each, and up to [`MAX_ONE_TIME_PREKEYS`] one-time prekeys.
///
/// Zeroized on drop; `Debug` shows counts only; not `Clone`. Serialize it
/// with [`Prekeys::to_bytes`] to keep it: it is as secret as the identity.
pub struct Prekeys {
    owner: PublicIdentity,
    current: SignedSet,
    previous: Option<SignedSet>,
    one_time: Vec<(u32, PrivateKey<X25519>)>,
    next_id: u32,
}

/// What the server hands an initiator: the responder's identity, signed
/// prekey (and post-quantum prekey), the signature, and at most one
/// one-time prekey. A value of this type has a valid signature: it was
/// made by [`Prekeys`] or checked by [`PrekeyBundle::from_bytes`].
#[derive(Clone, PartialEq, Eq)]
pub struct PrekeyBundle {
    pub(crate) identity: PublicIdentity,
    pub(crate) signed_id: u32,
    pub(crate) signed: PublicKey<X25519>,
    pub(crate) post_quantum: Option<(u32, PublicKey<XWing>)>,
    signature: [u8; SIGNATURE_LEN],
    pub(crate) one_time: Option<(u32, PublicKey<X25519>)>,
}

impl Prekeys {
    /// Fresh prekeys for `identity`, from the operating system's generator.
    ///
    /// # Panics
    ///
    /// If `one_time` exceeds [`MAX_ONE_TIME_PREKEYS`], or the operating
    /// system cannot supply randomness. [`Prekeys::generate_with`] reports
    /// both instead.
    pub fn generate(identity: &Identity, one_time: usize, post_quantum: bool) -> Prekeys {
        match Prekeys::generate_with(identity, one_time, post_quantum, &mut SystemRng) {
            Ok(prekeys) => prekeys,
            Err(Error::InvalidArgument(why)) => panic!("{why}"),
            Err(_) => panic!("{OS_RNG_FAILED}"),
        }
    }

    /// Fresh prekeys for `identity` from `rng`: the signed prekey (32
    /// bytes), then the post-quantum prekey's seed if `post_quantum` (32),
    /// then each one-time prekey (32 each). Ids count up from 1.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for more than [`MAX_ONE_TIME_PREKEYS`];
    /// [`Error::RandomFailed`].
    pub fn generate_with<R: TryCryptoRng + ?Sized>(
        identity: &Identity,
        one_time: usize,
        post_quantum: bool,
        rng: &mut R,
    ) -> Result<Prekeys> {
        if one_time > MAX_ONE_TIME_PREKEYS {
            return Err(Error::InvalidArgument("more than 1000 one-time prekeys"));
        }
        let mut next_id = 1;
        let current = new_signed_set(identity, post_quantum, &mut next_id, rng)?;
        let mut prekeys = Prekeys {
            owner: identity.public(),
            current,
            previous: None,
            one_time: Vec::new(),
            next_id,
        };
        prekeys.add_one_time_with(one_time, rng)?;
        Ok(prekeys)
    }

    /// Adds `count` one-time prekeys (to publish: [`Prekeys::bundles`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the store would hold more than
    /// [`MAX_ONE_TIME_PREKEYS`] or ids would run out;
    /// [`Error::RandomFailed`]. Nothing is added on an error.
    pub fn add_one_time_with<R: TryCryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<()> {
        if self.one_time.len() + count > MAX_ONE_TIME_PREKEYS {
            return Err(Error::InvalidArgument("more than 1000 one-time prekeys"));
        }
        let mut next_id = self.next_id;
        let mut added = Vec::with_capacity(count);
        for _ in 0..count {
            added.push((take_id(&mut next_id)?, PrivateKey::generate_with(rng)?));
        }
        self.one_time.extend(added);
        self.next_id = next_id;
        Ok(())
    }

    /// Replaces the signed prekey (and the post-quantum prekey, if it had
    /// one) with fresh ones, keeping the replaced set for set-up messages
    /// still in flight and deleting the one before it. Rotating regularly
    /// bounds how much of the first messages of sessions set up without a
    /// one-time prekey a seized device exposes.
    ///
    /// # Errors
    ///
    /// [`Error::WrongIdentity`] if `identity` does not own these prekeys;
    /// [`Error::InvalidArgument`] if ids run out; [`Error::RandomFailed`].
    pub fn rotate_with<R: TryCryptoRng + ?Sized>(
        &mut self,
        identity: &Identity,
        rng: &mut R,
    ) -> Result<()> {
        if identity.public() != self.owner {
            return Err(Error::WrongIdentity);
        }
        let post_quantum = self.current.post_quantum.is_some();
        let mut next_id = self.next_id;
        let set = new_signed_set(identity, post_quantum, &mut next_id, rng)?;
        self.previous = Some(core::mem::replace(&mut self.current, set));
        self.next_id = next_id;
        Ok(())
    }

    /// The identity these prekeys belong to.
    pub fn owner(&self) -> &PublicIdentity {
        &self.owner
    }

    /// How many one-time prekeys are left.
    pub fn one_time_count(&self) -> usize {
        self.one_time.len()
    }

    /// Whether the signed prekey has a post-quantum prekey beside it.
    pub fn is_post_quantum(&self) -> bool {
        self.current.post_quantum.is_some()
    }

    /// The bundle without a one-time prekey (the "last resort" when the
    /// server has none left).
    pub fn bundle(&self) -> PrekeyBundle {
        self.bundle_with(None)
    }

    /// One bundle per unused one-time prekey, for the server to hand out,
    /// each to one initiator.
    pub fn bundles(&self) -> Vec<PrekeyBundle> {
        self.one_time
            .iter()
            .map(|(id, k)| self.bundle_with(Some((*id, k.public_key()))))
            .collect()
    }

    fn bundle_with(&self, one_time: Option<(u32, PublicKey<X25519>)>) -> PrekeyBundle {
        let set = &self.current;
        PrekeyBundle {
            identity: self.owner.clone(),
            signed_id: set.id,
            signed: set.key.public_key(),
            post_quantum: set
                .post_quantum
                .as_ref()
                .map(|(id, k)| (*id, k.public_key())),
            signature: set.signature,
            one_time,
        }
    }

    /// The signed set with this id.
    pub(crate) fn signed(&self, id: u32) -> Option<&SignedSet> {
        core::iter::once(&self.current)
            .chain(&self.previous)
            .find(|s| s.id == id)
    }

    /// The one-time prekey with this id.
    pub(crate) fn one_time(&self, id: u32) -> Option<&PrivateKey<X25519>> {
        self.one_time.iter().find(|(i, _)| *i == id).map(|(_, k)| k)
    }

    /// Deletes a used one-time prekey.
    pub(crate) fn consume_one_time(&mut self, id: u32) {
        self.one_time.retain(|(i, _)| *i != id);
    }

    /// The secret bytes, wiped when dropped (`docs/FORMAT.md`, section 8):
    /// `dmp || version || owner || next id || sets || one-time prekeys`.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.extend_from_slice(PREKEYS_MAGIC);
        out.push(SESSION_VERSION);
        let owner = self.owner.to_bytes();
        out.push(u8::from(self.owner.kem() == Kem::XWing));
        out.extend_from_slice(&owner);
        out.extend_from_slice(&self.next_id.to_be_bytes());
        out.push(1 + u8::from(self.previous.is_some()));
        for set in core::iter::once(&self.current).chain(&self.previous) {
            out.extend_from_slice(&set.id.to_be_bytes());
            out.extend_from_slice(&set.key.to_bytes());
            out.extend_from_slice(&set.signature);
            match &set.post_quantum {
                Some((id, key)) => {
                    out.push(1);
                    out.extend_from_slice(&id.to_be_bytes());
                    out.extend_from_slice(&key.to_bytes());
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(self.one_time.len() as u16).to_be_bytes());
        for (id, key) in &self.one_time {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(&key.to_bytes());
        }
        out
    }

    /// Parses [`Prekeys::to_bytes`], checking every signature against the
    /// owner and every id (distinct, below the next id).
    ///
    /// # Errors
    ///
    /// [`Error::NotASessionObject`], [`Error::UnsupportedVersion`],
    /// [`Error::Malformed`] (a truncated field, a flag byte other than 0 or
    /// 1, a set count other than 1 or 2, more than
    /// [`MAX_ONE_TIME_PREKEYS`], ids repeated or not below the next id,
    /// trailing bytes), [`Error::InvalidKey`] (an invalid owner),
    /// [`Error::BadPrekeySignature`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Prekeys> {
        let mut r = Reader::new(bytes, "truncated prekeys");
        r.magic(PREKEYS_MAGIC)?;
        let post_quantum_owner = r.flag()?;
        let owner = r.identity(post_quantum_owner)?;
        let next_id = r.u32()?;
        let sets = r.u8()?;
        if !(1..=2).contains(&sets) {
            return Err(Error::Malformed("signed prekey count out of range"));
        }
        let mut ids = Vec::new();
        let mut read_set = |r: &mut Reader<'_>| -> Result<SignedSet> {
            let id = r.u32()?;
            let key = PrivateKey::from_bytes(r.take(X25519::PRIVATE_KEY_LEN)?)?;
            let signature = r.array()?;
            let post_quantum = match r.flag()? {
                true => Some((
                    r.u32()?,
                    PrivateKey::from_bytes(r.take(XWing::PRIVATE_KEY_LEN)?)?,
                )),
                false => None,
            };
            ids.push(id);
            ids.extend(post_quantum.as_ref().map(|(id, _)| *id));
            let set = SignedSet {
                id,
                key,
                post_quantum,
                signature,
            };
            owner.verify_raw(&set.message(), &set.signature)?;
            Ok(set)
        };
        let current = read_set(&mut r)?;
        let previous = if sets == 2 {
            Some(read_set(&mut r)?)
        } else {
            None
        };
        let count = usize::from(r.u16()?);
        if count > MAX_ONE_TIME_PREKEYS {
            return Err(Error::Malformed("more than 1000 one-time prekeys"));
        }
        let mut one_time = Vec::with_capacity(count);
        for _ in 0..count {
            let id = r.u32()?;
            ids.push(id);
            one_time.push((
                id,
                PrivateKey::from_bytes(r.take(X25519::PRIVATE_KEY_LEN)?)?,
            ));
        }
        r.finish()?;
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) || ids.iter().any(|&id| id >= next_id) {
            return Err(Error::Malformed(
                "prekey ids repeated or not below the next id",
            ));
        }
        Ok(Prekeys {
            owner,
            current,
            previous,
            one_time,
            next_id,
        })
    }
}

/// The next prekey id.
fn take_id(next_id: &mut u32) -> Result<u32> {
    let id = *next_id;
    *next_id = id
        .checked_add(1)
        .ok_or(Error::InvalidArgument("prekey ids exhausted"))?;
    Ok(id)
}

/// A fresh signed set: the signed prekey, then the post-quantum prekey.
fn new_signed_set<R: TryCryptoRng + ?Sized>(
    identity: &Identity,
    post_quantum: bool,
    next_id: &mut u32,
    rng: &mut R,
) -> Result<SignedSet> {
    let id = take_id(next_id)?;
    let key = PrivateKey::<X25519>::generate_with(rng)?;
    let post_quantum = match post_quantum {
        true => Some((take_id(next_id)?, PrivateKey::<XWing>::generate_with(rng)?)),
        false => None,
    };
    let mut set = SignedSet {
        id,
        key,
        post_quantum,
        signature: [0; SIGNATURE_LEN],
    };
    set.signature = identity.sign_raw(&set.message());
    Ok(set)
}

impl fmt::Debug for Prekeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Prekeys({}, signed prekey {}, post-quantum: {}, {} one-time, [redacted])",
            self.owner.fingerprint(),
            self.current.id,
            self.is_post_quantum(),
            self.one_time.len()
        )
    }
}

impl PrekeyBundle {
    /// The identity whose prekeys these are. Compare it with the identity
    /// you mean to reach (a pinned fingerprint, a safety number) before
    /// starting a session: the bundle proves only that this identity signed
    /// the prekeys.
    pub fn identity(&self) -> &PublicIdentity {
        &self.identity
    }

    /// Whether a session started from it is post-quantum from its first
    /// message (it has an X-Wing prekey).
    pub fn is_post_quantum(&self) -> bool {
        self.post_quantum.is_some()
    }

    /// Whether it carries a one-time prekey.
    pub fn has_one_time_prekey(&self) -> bool {
        self.one_time.is_some()
    }

    /// The bytes (`docs/FORMAT.md`, section 8).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut flags = 0;
        if self.one_time.is_some() {
            flags |= BUNDLE_ONE_TIME;
        }
        if self.post_quantum.is_some() {
            flags |= BUNDLE_POST_QUANTUM;
        }
        if self.identity.kem() == Kem::XWing {
            flags |= BUNDLE_PQ_IDENTITY;
        }
        let mut out = [&BUNDLE_MAGIC[..], &[SESSION_VERSION, flags]].concat();
        out.extend_from_slice(&self.identity.to_bytes());
        out.extend_from_slice(&self.signed_id.to_be_bytes());
        out.extend_from_slice(self.signed.as_bytes());
        if let Some((id, key)) = &self.post_quantum {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(key.as_bytes());
        }
        out.extend_from_slice(&self.signature);
        if let Some((id, key)) = &self.one_time {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(key.as_bytes());
        }
        out
    }

    /// Parses a bundle strictly and verifies its signature.
    ///
    /// # Errors
    ///
    /// [`Error::NotASessionObject`], [`Error::UnsupportedVersion`],
    /// [`Error::Malformed`] (unknown flags, a truncated field, trailing
    /// bytes), [`Error::InvalidKey`] (an invalid identity, a prekey that
    /// is not canonical or of small order, an X-Wing key that fails its
    /// check), [`Error::BadPrekeySignature`].
    pub fn from_bytes(bytes: &[u8]) -> Result<PrekeyBundle> {
        let mut r = Reader::new(bytes, "truncated prekey bundle");
        r.magic(BUNDLE_MAGIC)?;
        let flags = r.u8()?;
        if flags & !BUNDLE_FLAGS != 0 {
            return Err(Error::Malformed("unknown bundle flags"));
        }
        let identity = r.identity(flags & BUNDLE_PQ_IDENTITY != 0)?;
        let signed_id = r.u32()?;
        let signed = r.x25519()?;
        let post_quantum = match flags & BUNDLE_POST_QUANTUM {
            0 => None,
            _ => {
                let id = r.u32()?;
                let key = PublicKey::<XWing>::from_bytes(r.take(XWing::PUBLIC_KEY_LEN)?)?;
                key.validate()?;
                Some((id, key))
            }
        };
        let signature = r.array()?;
        let one_time = match flags & BUNDLE_ONE_TIME {
            0 => None,
            _ => Some((r.u32()?, r.x25519()?)),
        };
        r.finish()?;
        let pq = post_quantum.as_ref().map(|(id, k)| (*id, k.as_bytes()));
        identity.verify_raw(
            &signed_message(signed_id, signed.as_bytes(), pq),
            &signature,
        )?;
        Ok(PrekeyBundle {
            identity,
            signed_id,
            signed,
            post_quantum,
            signature,
            one_time,
        })
    }
}

impl fmt::Debug for PrekeyBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrekeyBundle")
            .field("identity", &self.identity)
            .field("signed_prekey", &self.signed_id)
            .field(
                "post_quantum_prekey",
                &self.post_quantum.as_ref().map(|(id, _)| id),
            )
            .field("one_time_prekey", &self.one_time.as_ref().map(|(id, _)| id))
            .finish()
    }
}
