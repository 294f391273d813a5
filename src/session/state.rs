//! A session's state as bytes (`docs/FORMAT.md`, section 8): what an app
//! keeps between messages, and what a thief copies. Versioned, every count
//! checked against its bound before anything is sized from it, every key
//! checked, and no trailing byte.

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::error::{Error, Result};
use super::layer::MessageKey;
use super::ratchet::{Ratchet, Skipped, MAX_PAST_CHAINS, MAX_SKIPPED_KEYS};
use super::wire::{parse_setup, Reader, MAX_SETUP_LEN, SESSION_VERSION};
use super::{Role, Session};
use crate::hpke::{Kem as _, PrivateKey, X25519};
use crate::keys::Kem;

/// The magic of a serialized [`Session`].
pub const STATE_MAGIC: &[u8; 3] = b"dmr";

/// A skipped key's record: ratchet key, counter, message key.
const SKIPPED_LEN: usize = 32 + 4 + 32;

impl Session {
    /// The whole state, wiped when dropped:
    /// ```text
    /// dmr || version || role || post-quantum || peer kind || peer identity
    ///     || AD || DHs || DHr? || RK || CKs? || CKr? || Ns || Nr || PN
    ///     || u16(len) pending set-up || answered? || u8(n) past keys
    ///     || u16(n) skipped keys (DHr, N, mk)
    /// ```
    /// Keep it as you keep the identity: it opens every message not yet
    /// received, and follows the conversation until the next round trip.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let r = &self.ratchet;
        let mut out = Zeroizing::new(Vec::with_capacity(512));
        out.extend_from_slice(STATE_MAGIC);
        out.push(SESSION_VERSION);
        out.push(match self.role {
            Role::Initiator => 0,
            Role::Responder => 1,
        });
        out.push(u8::from(self.post_quantum));
        out.push(u8::from(self.peer.kem() == Kem::XWing));
        out.extend_from_slice(&self.peer.to_bytes());
        out.extend_from_slice(&self.ad);
        out.extend_from_slice(&r.dhs.to_bytes());
        optional(&mut out, r.dhr.as_ref().map(|k| k.as_bytes()));
        out.extend_from_slice(r.rk.as_ref());
        optional(&mut out, r.cks.as_ref().map(|k| &k[..]));
        optional(&mut out, r.ckr.as_ref().map(|k| &k[..]));
        for n in [r.ns, r.nr, r.pn] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        let pending = self.pending_setup.as_deref().unwrap_or_default();
        out.extend_from_slice(&(pending.len() as u16).to_be_bytes());
        out.extend_from_slice(pending);
        optional(&mut out, self.answered.as_ref().map(|a| &a[..]));
        out.push(r.past.len() as u8);
        for key in &r.past {
            out.extend_from_slice(key);
        }
        out.extend_from_slice(&(r.skipped.len() as u16).to_be_bytes());
        for s in &r.skipped {
            out.extend_from_slice(&s.dh);
            out.extend_from_slice(&s.n.to_be_bytes());
            out.extend_from_slice(s.mk.as_bytes());
        }
        out
    }

    /// Parses [`Session::to_bytes`] strictly.
    ///
    /// # Errors
    ///
    /// [`Error::NotASessionObject`] without the magic `dmr`;
    /// [`Error::UnsupportedVersion`]; [`Error::Malformed`] for a truncated
    /// field, a role or flag byte out of range, a pending set-up over its
    /// bound or not a set-up section, a responder with a pending set-up or
    /// an initiator with an answered one, more than [`MAX_PAST_CHAINS`]
    /// past keys or [`MAX_SKIPPED_KEYS`] skipped keys (checked before they
    /// are read), a skipped key listed twice, or trailing bytes;
    /// [`Error::InvalidKey`] for an invalid peer identity or ratchet key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Session> {
        let mut r = Reader::new(bytes, "truncated session state");
        r.magic(STATE_MAGIC)?;
        let role = match r.u8()? {
            0 => Role::Initiator,
            1 => Role::Responder,
            _ => return Err(Error::Malformed("unknown role")),
        };
        let post_quantum = r.flag()?;
        let post_quantum_peer = r.flag()?;
        let peer = r.identity(post_quantum_peer)?;
        let ad = r.array()?;
        let dhs = PrivateKey::<X25519>::from_bytes(r.take(X25519::PRIVATE_KEY_LEN)?)?;
        let dhr = match r.flag()? {
            true => Some(r.x25519()?),
            false => None,
        };
        let rk = Zeroizing::new(r.array()?);
        let cks = match r.flag()? {
            true => Some(Zeroizing::new(r.array()?)),
            false => None,
        };
        let ckr = match r.flag()? {
            true => Some(Zeroizing::new(r.array()?)),
            false => None,
        };
        let (ns, nr, pn) = (r.u32()?, r.u32()?, r.u32()?);
        let pending_len = usize::from(r.u16()?);
        if pending_len > MAX_SETUP_LEN {
            return Err(Error::Malformed("pending set-up too long"));
        }
        let pending = r.take(pending_len)?;
        let pending_setup = match pending_len {
            0 => None,
            _ => {
                let mut setup = Reader::new(pending, "truncated pending set-up");
                parse_setup(&mut setup)?;
                setup.finish()?;
                Some(pending.to_vec())
            }
        };
        let answered = match r.flag()? {
            true => Some(r.array()?),
            false => None,
        };
        match (role, &pending_setup, &answered) {
            (Role::Initiator, _, None) | (Role::Responder, None, Some(_)) => {}
            _ => return Err(Error::Malformed("set-up fields do not fit the role")),
        }
        let past_count = usize::from(r.u8()?);
        if past_count > MAX_PAST_CHAINS {
            return Err(Error::Malformed("too many past ratchet keys"));
        }
        let mut past = VecDeque::with_capacity(past_count);
        for _ in 0..past_count {
            past.push_back(r.array()?);
        }
        let skipped_count = usize::from(r.u16()?);
        if skipped_count > MAX_SKIPPED_KEYS {
            return Err(Error::Malformed("too many skipped keys"));
        }
        if skipped_count * SKIPPED_LEN > r.remaining() {
            return Err(Error::Malformed("truncated session state"));
        }
        let mut skipped = VecDeque::with_capacity(skipped_count);
        for _ in 0..skipped_count {
            let dh = r.array()?;
            let n = r.u32()?;
            let mk = MessageKey::from_bytes(&r.array()?);
            skipped.push_back(Skipped { dh, n, mk });
        }
        r.finish()?;
        let mut ids: Vec<_> = skipped.iter().map(|s| (s.dh, s.n)).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::Malformed("a skipped key listed twice"));
        }
        Ok(Session {
            role,
            peer,
            ad,
            post_quantum,
            ratchet: Ratchet {
                dhs,
                dhr,
                rk,
                cks,
                ckr,
                ns,
                nr,
                pn,
                skipped,
                past,
            },
            pending_setup,
            answered,
        })
    }
}

/// A 0-or-1 presence byte, then the bytes if present.
fn optional(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        Some(bytes) => {
            out.push(1);
            out.extend_from_slice(bytes);
        }
        None => out.push(0),
    }
}
