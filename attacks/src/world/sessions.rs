//! The world's session modes ([`Mode::Session`], [`Mode::EscrowedSession`]):
//! each user's phone holds prekeys, a ratcheted session per contact and the
//! history its app keeps; the service hands out one prekey bundle per new
//! session; a message to several people is one session message each, as
//! messaging apps send them; each is delivered (and decrypted) at once, and
//! the wiretap records every one.

use core::fmt;

use doormat::escrow;
use doormat::keys::Identity;
use doormat::random::SeededRng;
use doormat::session::{Client, PrekeyBundle, Prekeys, Session};

use super::{stream, MessageId, Mode, UserId, World};
use crate::{Error, Result};

/// How many one-time prekeys each phone publishes.
const ONE_TIME_PREKEYS: usize = 100;

/// A phone's session keys and the history its app keeps.
pub(super) struct Device {
    pub(super) prekeys: Prekeys,
    pub(super) sessions: Vec<(UserId, Session)>,
    pub(super) history: Vec<MessageId>,
}

impl Device {
    fn session(&mut self, peer: UserId) -> Option<&mut Session> {
        self.sessions
            .iter_mut()
            .find(|(p, _)| *p == peer)
            .map(|(_, s)| s)
    }
}

/// Everything on a phone taken on one day: what a thief who copies a
/// device copies.
pub struct Seized {
    /// The day it was taken.
    pub day: u64,
    /// The identity, as its text form.
    pub identity: String,
    /// The saved prekeys ([`Prekeys::to_bytes`]).
    pub prekeys: Vec<u8>,
    /// The saved session with each contact ([`Session::to_bytes`]).
    pub sessions: Vec<(UserId, Vec<u8>)>,
    /// The history the app kept: the plaintexts of the messages it sent
    /// and received, as the ledger holds them.
    pub history: Vec<Vec<u8>>,
}

impl fmt::Debug for Seized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Seized(day {}, {} sessions, {} messages of history, [redacted])",
            self.day,
            self.sessions.len(),
            self.history.len()
        )
    }
}

impl Device {
    /// A new phone for `identity`, its prekeys from the world's stream for
    /// this user.
    pub(super) fn new(seed: u64, name: &str, identity: &Identity) -> Device {
        let mut rng = stream(seed, "doormat world prekeys", name.as_bytes());
        let prekeys = Prekeys::generate_with(identity, ONE_TIME_PREKEYS, false, &mut rng)
            .expect("a seeded generator never fails");
        Device {
            prekeys,
            sessions: Vec::new(),
            history: Vec::new(),
        }
    }
}

impl World {
    /// The client the phones of `from` and `to` run for their session: the
    /// escrowed twin's in an escrowed-session world, or where either is
    /// under an escrow mandate ([`World::mode_for`]).
    fn client<'r>(&self, from: UserId, to: UserId, rng: &'r mut SeededRng) -> Client<'r> {
        match self.mode_for(from, &[to]) {
            Mode::EscrowedSession | Mode::Escrowed => {
                escrow::session_client(&self.client_escrow_key()).rng(rng)
            }
            _ => Client::new().rng(rng),
        }
    }

    /// Publishes `user`'s bundles on the service: one per one-time prekey,
    /// and the last resort.
    pub(super) fn publish_prekeys(&mut self, user: UserId) {
        let prekeys = &self.devices[user].prekeys;
        let mut bundles = prekeys.bundles();
        bundles.reverse();
        self.service
            .bundles
            .push((self.users[user].name.clone(), bundles, prekeys.bundle()));
    }

    /// `from` sends `plaintext` to each of `to` through their sessions,
    /// starting any that does not exist from a bundle the service hands
    /// out; each recipient's phone decrypts at once.
    pub(super) fn send_sessions(
        &mut self,
        id: MessageId,
        from: UserId,
        to: &[UserId],
        plaintext: &[u8],
    ) -> Result<Vec<Vec<u8>>> {
        let mut rng = self.message_rng(self.mode, id);
        let mut wires = Vec::with_capacity(to.len());
        for &r in to {
            if r == from || r >= self.users.len() {
                return Err(Error::InvalidArgument("no such recipient"));
            }
            if self.devices[from].session(r).is_none() {
                let name = self.users[r].name.clone();
                let bundle = self
                    .service
                    .take_bundle(&name)
                    .ok_or(Error::InvalidArgument("no prekeys published"))?;
                let session = self
                    .client(from, r, &mut rng)
                    .initiate(&self.users[from].identity, &bundle)?;
                self.devices[from].sessions.push((r, session));
            }
            let mut client = self.client(from, r, &mut rng);
            let session = self.devices[from].session(r).expect("started above");
            let wire = client.encrypt(session, plaintext)?;
            drop(client);
            self.deliver(r, from, &wire, &mut rng)?;
            self.devices[r].history.push(id);
            wires.push(wire);
        }
        self.devices[from].history.push(id);
        Ok(wires)
    }

    /// `to`'s phone receives `wire` from `from`: decrypts it in their
    /// session, or answers it as a set-up message.
    fn deliver(
        &mut self,
        to: UserId,
        from: UserId,
        wire: &[u8],
        rng: &mut SeededRng,
    ) -> Result<()> {
        let mut client = self.client(from, to, rng);
        let device = &mut self.devices[to];
        match device.session(from) {
            Some(session) => {
                client.decrypt(session, wire)?;
            }
            None => {
                let identity = &self.users[to].identity;
                let (session, _) = client.respond(identity, &mut device.prekeys, wire)?;
                device.sessions.push((from, session));
            }
        }
        Ok(())
    }

    /// Copies everything on `user`'s phone today.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the world has no phones (not a session
    /// mode) or no such user.
    pub fn seize_phone(&self, user: UserId) -> Result<Seized> {
        let device = self
            .devices
            .get(user)
            .ok_or(Error::InvalidArgument("no such phone in this world"))?;
        Ok(Seized {
            day: self.day,
            identity: self.users[user].identity.to_secret_string().to_string(),
            prekeys: device.prekeys.to_bytes().to_vec(),
            sessions: device
                .sessions
                .iter()
                .map(|(peer, s)| (*peer, s.to_bytes().to_vec()))
                .collect(),
            history: device
                .history
                .iter()
                .map(|&id| self.ledger[id].plaintext.clone())
                .collect(),
        })
    }
}

impl super::Service {
    /// The next bundle of `name`'s the service hands out: one with a
    /// one-time prekey while any is left, then the last resort.
    pub(super) fn take_bundle(&mut self, name: &str) -> Option<PrekeyBundle> {
        let (_, one_time, last_resort) = self.bundles.iter_mut().find(|(n, _, _)| n == name)?;
        Some(one_time.pop().unwrap_or_else(|| last_resort.clone()))
    }
}
