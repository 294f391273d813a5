//! The Double Ratchet (Perrin and Marlinspike, revision 1, 2016-11-20),
//! section 3: the state, its initialization and `RatchetEncrypt` /
//! `RatchetDecrypt`, with the specification's pseudocode above each
//! function that implements it.
//!
//! One departure in form, none in substance: the specification's
//! `RatchetDecrypt` changes the state as it goes and says that on an
//! exception "changes to the state object are discarded". Here decryption
//! is planned first ([`Ratchet::plan`]: every key it would derive, the
//! DH ratchet step it would take) without touching the state, the message
//! is authenticated and the layers run, and only then is the plan
//! committed ([`Ratchet::commit`]). A forged or refused message changes
//! nothing.

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::kdf::{kdf_ck, kdf_rk, Key};
use super::layer::MessageKey;
use crate::hpke::{PrivateKey, PublicKey, X25519};
use crate::random::TryCryptoRng;

/// `MAX_SKIP`: the most message keys one message can make the receiver
/// derive and keep, per chain (the specification's name). A header whose
/// counter claims more is refused before any key is derived.
pub const MAX_SKIP: u32 = 1000;
/// The most skipped message keys a session keeps, over all chains; past
/// it, the oldest are forgotten (their messages then fail as
/// [`Error::Replay`]).
pub const MAX_SKIPPED_KEYS: usize = 2000;
/// How many of the peer's past ratchet keys a session remembers, so that a
/// replayed message of an old chain is refused as [`Error::Replay`] without
/// a Diffie-Hellman.
pub const MAX_PAST_CHAINS: usize = 32;

/// One skipped message key: `MKSKIPPED[dh, n]`.
pub(crate) struct Skipped {
    pub(crate) dh: [u8; 32],
    pub(crate) n: u32,
    pub(crate) mk: MessageKey,
}

/// The state of section 3.2: `DHs`, `DHr`, `RK`, `CKs`, `CKr`, `Ns`, `Nr`,
/// `PN`, `MKSKIPPED`; and the peer's past ratchet keys.
pub(crate) struct Ratchet {
    pub(crate) dhs: PrivateKey<X25519>,
    pub(crate) dhr: Option<PublicKey<X25519>>,
    pub(crate) rk: Key,
    pub(crate) cks: Option<Key>,
    pub(crate) ckr: Option<Key>,
    pub(crate) ns: u32,
    pub(crate) nr: u32,
    pub(crate) pn: u32,
    pub(crate) skipped: VecDeque<Skipped>,
    pub(crate) past: VecDeque<[u8; 32]>,
}

/// What encrypting the next message takes: its key and header, and the
/// chain key after it.
pub(crate) struct SendPlan {
    pub(crate) mk: MessageKey,
    pub(crate) dh: [u8; 32],
    pub(crate) pn: u32,
    pub(crate) n: u32,
    cks: Key,
}

/// What decrypting a message takes, computed without changing the state.
pub(crate) struct ReceivePlan {
    pub(crate) mk: MessageKey,
    /// The key came from `MKSKIPPED`, at this index.
    skipped_hit: Option<usize>,
    /// Keys skipped over, to keep.
    new_skipped: Vec<Skipped>,
    /// The receiving chain after this message: `CKr`, `Nr`.
    chain: Option<(Key, u32)>,
    /// A DH ratchet step to take first.
    step: Option<Step>,
}

impl ReceivePlan {
    /// Whether the message takes a DH ratchet step.
    pub(crate) fn took_step(&self) -> bool {
        self.step.is_some()
    }
}

/// `DHRatchet`'s new values.
struct Step {
    dhr: PublicKey<X25519>,
    rk: Key,
    dhs: PrivateKey<X25519>,
    cks: Key,
    pn: u32,
}

/// `DH(dh_pair, dh_pub)`: X25519, an all-zero output refused.
fn dh(pair: &PrivateKey<X25519>, public: &PublicKey<X25519>) -> Result<Zeroizing<[u8; 32]>> {
    pair.dh(public).map_err(|_| Error::InvalidKey)
}

impl Ratchet {
    /// ```text
    /// def RatchetInitAlice(state, SK, bob_dh_public_key):
    ///     state.DHs = GENERATE_DH()
    ///     state.DHr = bob_dh_public_key
    ///     state.RK, state.CKs = KDF_RK(SK, DH(state.DHs, state.DHr))
    ///     state.CKr = None
    ///     state.Ns = 0
    ///     state.Nr = 0
    ///     state.PN = 0
    ///     state.MKSKIPPED = {}
    /// ```
    /// `GENERATE_DH` draws 32 bytes from `rng`.
    pub(crate) fn init_alice<R: TryCryptoRng + ?Sized>(
        sk: &[u8; 32],
        bob_dh_public_key: &PublicKey<X25519>,
        rng: &mut R,
    ) -> Result<Ratchet> {
        let dhs = PrivateKey::<X25519>::generate_with(rng)?;
        let (rk, cks) = kdf_rk(sk, &*dh(&dhs, bob_dh_public_key)?);
        Ok(Ratchet {
            dhs,
            dhr: Some(bob_dh_public_key.clone()),
            rk,
            cks: Some(cks),
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: VecDeque::new(),
            past: VecDeque::new(),
        })
    }

    /// ```text
    /// def RatchetInitBob(state, SK, bob_dh_key_pair):
    ///     state.DHs = bob_dh_key_pair
    ///     state.DHr = None
    ///     state.RK = SK
    ///     state.CKs = None
    ///     state.CKr = None
    ///     state.Ns = 0
    ///     state.Nr = 0
    ///     state.PN = 0
    ///     state.MKSKIPPED = {}
    /// ```
    /// Bob's key pair is his signed prekey (section 7.1).
    pub(crate) fn init_bob(sk: &[u8; 32], bob_dh_key_pair: PrivateKey<X25519>) -> Ratchet {
        Ratchet {
            dhs: bob_dh_key_pair,
            dhr: None,
            rk: Zeroizing::new(*sk),
            cks: None,
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: VecDeque::new(),
            past: VecDeque::new(),
        }
    }

    /// The first half of `RatchetEncrypt`, without changing the state:
    /// ```text
    /// def RatchetEncrypt(state, plaintext, AD):
    ///     state.CKs, mk = KDF_CK(state.CKs)
    ///     header = HEADER(state.DHs, state.PN, state.Ns)
    ///     state.Ns += 1
    ///     return header, ENCRYPT(mk, plaintext, CONCAT(AD, header))
    /// ```
    /// The caller encrypts, then [`Ratchet::commit_send`]s.
    pub(crate) fn plan_send(&self) -> Result<SendPlan> {
        let cks = self
            .cks
            .as_ref()
            .ok_or(Error::Malformed("a session without a sending chain"))?;
        if self.ns == u32::MAX {
            return Err(Error::ChainExhausted);
        }
        let (cks, mk) = kdf_ck(cks);
        Ok(SendPlan {
            mk,
            dh: self.dhs.public_key().to_array(),
            pn: self.pn,
            n: self.ns,
            cks,
        })
    }

    /// `state.CKs = …; state.Ns += 1`: the message key is dropped with the plan.
    pub(crate) fn commit_send(&mut self, plan: SendPlan) {
        self.cks = Some(plan.cks);
        self.ns += 1;
    }

    /// Everything `RatchetDecrypt` would do for a message with this header,
    /// without doing it:
    /// ```text
    /// def RatchetDecrypt(state, header, ciphertext, AD):
    ///     plaintext = TrySkippedMessageKeys(state, header, ciphertext, AD)
    ///     if plaintext != None:
    ///         return plaintext
    ///     if header.dh != state.DHr:
    ///         SkipMessageKeys(state, header.pn)
    ///         DHRatchet(state, header)
    ///     SkipMessageKeys(state, header.n)
    ///     state.CKr, mk = KDF_CK(state.CKr)
    ///     state.Nr += 1
    ///     return DECRYPT(mk, ciphertext, CONCAT(AD, header))
    ///
    /// def SkipMessageKeys(state, until):
    ///     if state.Nr + MAX_SKIP < until:
    ///         raise Error()
    ///     if state.CKr != None:
    ///         while state.Nr < until:
    ///             state.CKr, mk = KDF_CK(state.CKr)
    ///             state.MKSKIPPED[state.DHr, state.Nr] = mk
    ///             state.Nr += 1
    /// ```
    /// Both bounds of `SkipMessageKeys` are checked before anything is
    /// derived, and a key that is gone is [`Error::Replay`] before any
    /// Diffie-Hellman. `GENERATE_DH` in the step draws 32 bytes from `rng`.
    pub(crate) fn plan<R: TryCryptoRng + ?Sized>(
        &self,
        header_dh: &PublicKey<X25519>,
        pn: u32,
        n: u32,
        rng: &mut R,
    ) -> Result<ReceivePlan> {
        let dh_bytes = header_dh.to_array();
        // TrySkippedMessageKeys: the key, if it was kept.
        if let Some(i) = self
            .skipped
            .iter()
            .position(|s| s.n == n && s.dh == dh_bytes)
        {
            return Ok(ReceivePlan {
                mk: MessageKey::from_bytes(self.skipped[i].mk.as_bytes()),
                skipped_hit: Some(i),
                new_skipped: Vec::new(),
                chain: None,
                step: None,
            });
        }
        let mut new_skipped = Vec::new();
        let (ckr, nr, step) = if self.dhr.as_ref() == Some(header_dh) {
            if n < self.nr {
                return Err(Error::Replay);
            }
            check_skip(self.nr, n)?;
            let ckr = self.ckr.as_ref().ok_or(Error::Tampered)?;
            (Zeroizing::new(**ckr), self.nr, None)
        } else {
            if self.past.contains(&dh_bytes) {
                return Err(Error::Replay);
            }
            if self.ckr.is_some() {
                check_skip(self.nr, pn)?;
            }
            check_skip(0, n)?;
            // SkipMessageKeys(state, header.pn), on the old chain.
            if let (Some(ckr), Some(dhr)) = (&self.ckr, &self.dhr) {
                skip(ckr, dhr.to_array(), self.nr, pn, &mut new_skipped);
            }
            let (step, ckr) = self.dh_ratchet(header_dh, rng)?;
            (ckr, 0, Some(step))
        };
        // SkipMessageKeys(state, header.n), then KDF_CK.
        let ckr = skip(&ckr, dh_bytes, nr, n, &mut new_skipped);
        let (ckr, mk) = kdf_ck(&ckr);
        Ok(ReceivePlan {
            mk,
            skipped_hit: None,
            new_skipped,
            chain: Some((ckr, n + 1)),
            step,
        })
    }

    /// ```text
    /// def DHRatchet(state, header):
    ///     state.PN = state.Ns
    ///     state.Ns = 0
    ///     state.Nr = 0
    ///     state.DHr = header.dh
    ///     state.RK, state.CKr = KDF_RK(state.RK, DH(state.DHs, state.DHr))
    ///     state.DHs = GENERATE_DH()
    ///     state.RK, state.CKs = KDF_RK(state.RK, DH(state.DHs, state.DHr))
    /// ```
    /// The new values, computed, and the new `CKr`.
    fn dh_ratchet<R: TryCryptoRng + ?Sized>(
        &self,
        header_dh: &PublicKey<X25519>,
        rng: &mut R,
    ) -> Result<(Step, Key)> {
        let (rk, ckr) = kdf_rk(&self.rk, &*dh(&self.dhs, header_dh)?);
        let dhs = PrivateKey::<X25519>::generate_with(rng)?;
        let (rk, cks) = kdf_rk(&rk, &*dh(&dhs, header_dh)?);
        let step = Step {
            dhr: header_dh.clone(),
            rk,
            dhs,
            cks,
            pn: self.ns,
        };
        Ok((step, ckr))
    }

    /// Applies a plan once its message has authenticated and every layer
    /// accepted it: the used key leaves `MKSKIPPED` (`del
    /// state.MKSKIPPED[header.dh, header.n]`), skipped keys are kept (the
    /// oldest forgotten past [`MAX_SKIPPED_KEYS`]), and the chain and DH
    /// ratchet step take effect.
    pub(crate) fn commit(&mut self, plan: ReceivePlan) {
        if let Some(i) = plan.skipped_hit {
            self.skipped.remove(i);
        }
        if let Some(step) = plan.step {
            if let Some(old) = self.dhr.replace(step.dhr) {
                self.past.push_back(old.to_array());
                if self.past.len() > MAX_PAST_CHAINS {
                    self.past.pop_front();
                }
            }
            self.pn = step.pn;
            self.ns = 0;
            self.rk = step.rk;
            self.dhs = step.dhs;
            self.cks = Some(step.cks);
        }
        if let Some((ckr, nr)) = plan.chain {
            self.ckr = Some(ckr);
            self.nr = nr;
        }
        self.skipped.extend(plan.new_skipped);
        while self.skipped.len() > MAX_SKIPPED_KEYS {
            self.skipped.pop_front();
        }
    }
}

/// `if state.Nr + MAX_SKIP < until: raise Error()`, in 64 bits.
fn check_skip(nr: u32, until: u32) -> Result<()> {
    if u64::from(nr) + u64::from(MAX_SKIP) < u64::from(until) {
        return Err(Error::TooFarAhead {
            claimed: u64::from(until) - u64::from(nr),
        });
    }
    Ok(())
}

/// The loop of `SkipMessageKeys` from `nr` to `until` on chain key `ck`,
/// pushing the keys; returns the chain key after them.
fn skip(ck: &Key, dh: [u8; 32], nr: u32, until: u32, out: &mut Vec<Skipped>) -> Key {
    let mut ck = Zeroizing::new(**ck);
    for n in nr..until {
        let (next, mk) = kdf_ck(&ck);
        out.push(Skipped { dh, n, mk });
        ck = next;
    }
    ck
}
