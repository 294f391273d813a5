//! The simulated world every scenario runs in: named users with identities,
//! a messaging service that relays envelopes and runs the key directory, a
//! wiretap that records every envelope on the wire with the day it passed,
//! and — held apart, for scoring only — the ledger of what was really sent.
//!
//! The world runs in one regime ([`Mode`]): clients seal envelopes end to
//! end, or escrowed to the state's key; or they talk in forward-secret
//! sessions, clean or escrowed (each phone then holds prekeys, a ratcheted
//! session per contact and its app's history: `sessions.rs`). The state's escrow authority exists in
//! both (so an attack can show it reads nothing of clean traffic), and
//! [`World::twin`] replays the same traffic, between the same people, under
//! the other regime. Everything random comes from one seed through
//! [`SeededRng`], so a run replays exactly.

use core::fmt;
use core::ops::Range;

use doormat::e2e::{self, Opened};
use doormat::escrow::{self, EscrowAuthority, EscrowKey};
use std::sync::Mutex;

use crate::{Error, Result};
use doormat::keys::{Fingerprint, Identity, Kem, PublicIdentity};
use doormat::random::{Rng, SeedableRng, SeededRng};

mod logged;
mod people;
mod regime;
mod sessions;

use logged::Logged;
pub use people::{Intercept, Sent, Service, User};
pub use regime::{Keys, Mode, Traffic};
use sessions::Device;
pub use sessions::Seized;

/// A message drafted but not yet sealed: day, sender, recipients, plaintext.
type Draft = (u64, UserId, Vec<UserId>, Vec<u8>);

/// A user's index in the world.
pub type UserId = usize;
/// A message's index in the ledger (and the wiretap's recording).
pub type MessageId = usize;

/// The simulated world: see the [module documentation](self).
pub struct World {
    seed: u64,
    mode: Mode,
    keys: Keys,
    log: Mutex<Vec<[u8; 32]>>,
    users: Vec<User>,
    /// In the session modes, each user's phone.
    devices: Vec<Device>,
    user_keys: SeededRng,
    authority: EscrowAuthority,
    /// The escrow key compiled into the clients, if not the state's.
    installed: Option<EscrowKey>,
    /// Each user's country (by user id; empty when unset).
    countries: Vec<String>,
    /// Countries whose clients must escrow.
    mandated: Vec<String>,
    service: Service,
    wiretap: Vec<Intercept>,
    ledger: Vec<Sent>,
    day: u64,
    rng: SeededRng,
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("World")
            .field("seed", &self.seed)
            .field("mode", &self.mode)
            .field("users", &self.users.len())
            .field("intercepts", &self.wiretap.len())
            .field("day", &self.day)
            .finish_non_exhaustive()
    }
}

/// A 32-byte seed for one stream of the world: `BLAKE3-derive_key(label,
/// seed || extra)`, so the users' keys, the state's key and each message's
/// randomness are independent streams of one seed.
pub(crate) fn stream(seed: u64, label: &str, extra: &[u8]) -> SeededRng {
    let material = [&seed.to_be_bytes()[..], extra].concat();
    SeededRng::from_seed(blake3::derive_key(label, &material))
}

impl World {
    /// An empty world in `mode`, replayable from `seed`.
    pub fn new(seed: u64, mode: Mode) -> World {
        World::with_keys(seed, mode, Keys::default())
    }

    /// An empty world whose people and state hold `keys`.
    pub fn with_keys(seed: u64, mode: Mode, keys: Keys) -> World {
        let log = Mutex::new(Vec::new());
        let mut state = Logged {
            inner: stream(seed, "doormat world state", b""),
            log: keys.log_randomness.then_some(&log),
        };
        let authority = match keys.authority {
            Kem::X25519 => EscrowAuthority::generate_with(&mut state),
            Kem::XWing => EscrowAuthority::generate_post_quantum_with(&mut state),
        }
        .expect("a seeded generator never fails");
        World {
            seed,
            mode,
            keys,
            log,
            users: Vec::new(),
            devices: Vec::new(),
            user_keys: stream(seed, "doormat world users", b""),
            authority,
            installed: None,
            countries: Vec::new(),
            mandated: Vec::new(),
            service: Service::default(),
            wiretap: Vec::new(),
            ledger: Vec::new(),
            day: 0,
            rng: stream(seed, "doormat world traffic", b""),
        }
    }

    /// A world with these users.
    pub fn with_users(seed: u64, mode: Mode, names: &[&str]) -> World {
        let mut world = World::new(seed, mode);
        for name in names {
            world.add_user(name);
        }
        world
    }

    /// Adds a user with a fresh identity, published in the directory.
    pub fn add_user(&mut self, name: &str) -> UserId {
        let mut rng = Logged {
            inner: &mut self.user_keys,
            log: self.keys.log_randomness.then_some(&self.log),
        };
        let identity = match self.keys.users {
            Kem::X25519 => Identity::generate_with(&mut rng),
            Kem::XWing => Identity::generate_post_quantum_with(&mut rng),
        }
        .expect("a seeded generator never fails");
        self.service
            .directory
            .push((name.to_owned(), vec![identity.public()]));
        if self.mode.is_session() {
            self.devices.push(Device::new(self.seed, name, &identity));
        }
        self.users.push(User {
            name: name.to_owned(),
            identity,
        });
        let id = self.users.len() - 1;
        if self.mode.is_session() {
            self.publish_prekeys(id);
        }
        id
    }

    /// Every 32 bytes the world's generators handed out, in order, if the
    /// world was made with [`Keys::log_randomness`] (empty otherwise).
    pub fn randomness_log(&self) -> Vec<[u8; 32]> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The keys the world's people and state hold.
    pub fn keys(&self) -> Keys {
        self.keys
    }

    /// The seed the world replays from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The regime the clients run under.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Every user.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// One user.
    ///
    /// # Panics
    ///
    /// If `id` is not a user of this world (a bug in the scenario).
    pub fn user(&self, id: UserId) -> &User {
        &self.users[id]
    }

    /// The user called `name`.
    pub fn find(&self, name: &str) -> Option<UserId> {
        self.users.iter().position(|u| u.name == name)
    }

    /// The name of the user with this public identity.
    pub fn name_of(&self, who: &PublicIdentity) -> Option<&str> {
        self.users
            .iter()
            .find(|u| u.public() == *who)
            .map(|u| u.name.as_str())
    }

    /// The names of the users with these fingerprints, in order (`?` for a
    /// fingerprint no user has).
    pub fn names_of(&self, fingerprints: &[Fingerprint]) -> Vec<&str> {
        fingerprints
            .iter()
            .map(|fp| {
                self.users
                    .iter()
                    .find(|u| u.public().fingerprint() == *fp)
                    .map_or("?", |u| u.name.as_str())
            })
            .collect()
    }

    /// The state's escrow authority: its private key.
    pub fn authority(&self) -> &EscrowAuthority {
        &self.authority
    }

    /// The state's escrow key.
    pub fn escrow_key(&self) -> EscrowKey {
        self.authority.public_key()
    }

    /// The escrow key compiled into the clients: the state's, unless a
    /// supply-chain attacker installed another.
    pub fn client_escrow_key(&self) -> EscrowKey {
        self.installed.clone().unwrap_or_else(|| self.escrow_key())
    }

    /// Replaces the escrow key compiled into every client, as an update
    /// would — or an attacker who can change the update (Juniper, 2012).
    /// Clients escrow to it from now on, and nothing they show changes.
    pub fn install_escrow_key(&mut self, key: EscrowKey) {
        self.installed = Some(key);
    }

    /// Places `user` in `country` (users have none until placed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown user.
    pub fn set_country(&mut self, user: UserId, country: &str) -> Result<()> {
        if user >= self.users.len() {
            return Err(Error::InvalidArgument("no such user"));
        }
        if self.countries.len() < self.users.len() {
            self.countries.resize(self.users.len(), String::new());
        }
        self.countries[user] = country.to_owned();
        Ok(())
    }

    /// The country of `user`, if placed.
    pub fn country(&self, user: UserId) -> Option<&str> {
        self.countries
            .get(user)
            .map(String::as_str)
            .filter(|c| !c.is_empty())
    }

    /// From now on, clients in `country` are compliant escrowed clients, as
    /// a national mandate would have them: they escrow every envelope they
    /// seal and accept only escrowed ones — so every other client escrows
    /// what it sends to them, groups included, or it is refused.
    pub fn mandate_escrow(&mut self, country: &str) {
        if !self.mandated.iter().any(|c| c == country) {
            self.mandated.push(country.to_owned());
        }
    }

    /// Whether `user`'s client is under an escrow mandate.
    pub fn is_mandated(&self, user: UserId) -> bool {
        self.country(user)
            .is_some_and(|c| self.mandated.iter().any(|m| m == c))
    }

    /// The regime a message from `from` to `to` is sealed under: the
    /// world's, or escrowed if the sender or any recipient is mandated.
    pub fn mode_for(&self, from: UserId, to: &[UserId]) -> Mode {
        match self.is_mandated(from) || to.iter().any(|&r| self.is_mandated(r)) {
            true if self.mode.is_session() => Mode::EscrowedSession,
            true => Mode::Escrowed,
            false => self.mode,
        }
    }

    /// The messaging service.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The messaging service, to change its directory.
    pub fn service_mut(&mut self) -> &mut Service {
        &mut self.service
    }

    /// Today, in simulated days since the world began.
    pub fn today(&self) -> u64 {
        self.day
    }

    /// Lets `days` pass.
    pub fn advance(&mut self, days: u64) {
        self.day += days;
    }

    /// The world's replayable generator, for scenarios that draw.
    pub fn rng(&mut self) -> &mut SeededRng {
        &mut self.rng
    }

    /// Everything the wiretap recorded, in order.
    pub fn wiretap(&self) -> &[Intercept] {
        &self.wiretap
    }

    /// What was really sent (for scoring only).
    pub fn ledger(&self) -> &[Sent] {
        &self.ledger
    }

    /// The generator that seals message `id` in `mode`.
    fn message_rng(&self, mode: Mode, id: MessageId) -> SeededRng {
        stream(
            self.seed,
            "doormat world message",
            &[mode.label(), &(id as u64).to_be_bytes()].concat(),
        )
    }

    /// The keys `from`'s client seals to, as the directory publishes them.
    fn resolve(&self, to: &[UserId]) -> Result<Vec<PublicIdentity>> {
        let mut keys = Vec::new();
        for &r in to {
            let name = &self
                .users
                .get(r)
                .ok_or(Error::InvalidArgument("no such user"))?
                .name;
            let published = self
                .service
                .lookup(name)
                .ok_or(Error::InvalidArgument("not in the directory"))?;
            for key in published {
                if !keys.contains(key) {
                    keys.push(key.clone());
                }
            }
        }
        Ok(keys)
    }

    /// Seals one message as the sender's client does in this world's mode.
    fn seal(
        &self,
        id: MessageId,
        (from, to): (UserId, &[UserId]),
        keys: &[PublicIdentity],
        pt: &[u8],
    ) -> Result<Vec<u8>> {
        let sender = &self
            .users
            .get(from)
            .ok_or(Error::InvalidArgument("no such user"))?
            .identity;
        let mut rng = Logged {
            inner: self.message_rng(self.mode, id),
            log: self.keys.log_randomness.then_some(&self.log),
        };
        let sealer = match self.mode_for(from, to) {
            Mode::EndToEnd => e2e::Sealer::new(sender, keys),
            Mode::Escrowed => escrow::sealer(sender, keys, &self.client_escrow_key()),
            Mode::Session | Mode::EscrowedSession => {
                return Err(Error::InvalidArgument("a session world sends in sessions"))
            }
        };
        let envelope = sealer.rng(&mut rng).seal(pt)?;
        Ok(envelope)
    }

    /// `from` sends `plaintext` to `to` today: the client looks the
    /// recipients up in the directory, seals, and hands the envelope to the
    /// service, which relays it past the wiretap.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown user; any sealing error.
    pub fn send(&mut self, from: UserId, to: &[UserId], plaintext: &[u8]) -> Result<MessageId> {
        let id = self.ledger.len();
        if self.mode.is_session() {
            let wires = self.send_sessions(id, from, to, plaintext)?;
            self.record_all(from, to.to_vec(), plaintext.to_vec(), wires);
            return Ok(id);
        }
        let keys = self.resolve(to)?;
        let envelope = self.seal(id, (from, to), &keys, plaintext)?;
        self.record(from, to.to_vec(), plaintext.to_vec(), envelope);
        Ok(id)
    }

    /// Relays an envelope a client sealed itself (a modified or backdoored
    /// client, in a scenario), recording it with the plaintext the scenario
    /// says it carries.
    pub fn relay(
        &mut self,
        from: UserId,
        to: &[UserId],
        plaintext: &[u8],
        envelope: Vec<u8>,
    ) -> MessageId {
        self.record(from, to.to_vec(), plaintext.to_vec(), envelope);
        self.ledger.len() - 1
    }

    fn record(&mut self, from: UserId, to: Vec<UserId>, plaintext: Vec<u8>, envelope: Vec<u8>) {
        self.record_all(from, to, plaintext, vec![envelope]);
    }

    /// Records one message and what crossed the wire for it.
    fn record_all(
        &mut self,
        from: UserId,
        to: Vec<UserId>,
        plaintext: Vec<u8>,
        wires: Vec<Vec<u8>>,
    ) {
        let id = self.ledger.len();
        for envelope in wires {
            self.service.relayed += 1;
            self.wiretap.push(Intercept {
                id,
                day: self.day,
                envelope,
            });
        }
        self.ledger.push(Sent {
            id,
            day: self.day,
            from,
            to,
            plaintext,
        });
    }

    /// Simulates `traffic`, day by day, from today on; returns the new
    /// messages' ids. Messages are drawn in order from the world's
    /// generator and sealed on all cores (each from its own seeded stream),
    /// so the result does not depend on thread timing.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] with fewer than two users; any sealing error.
    pub fn simulate(&mut self, traffic: &Traffic) -> Result<Range<MessageId>> {
        let n = self.users.len();
        if n < 2 || traffic.max_recipients == 0 {
            return Err(Error::InvalidArgument(
                "traffic needs two users and a recipient",
            ));
        }
        let first = self.ledger.len();
        let start = self.day;
        let mut drafts = Vec::new();
        for d in 0..traffic.days {
            for _ in 0..traffic.per_day {
                let from = below(&mut self.rng, n);
                let count = 1 + below(&mut self.rng, traffic.max_recipients.min(n - 1));
                let mut to: Vec<UserId> = Vec::with_capacity(count);
                while to.len() < count {
                    let r = below(&mut self.rng, n);
                    if r != from && !to.contains(&r) {
                        to.push(r);
                    }
                }
                let id = first + drafts.len();
                let text = format!(
                    "day {}: {} to {}: note #{id}",
                    self.day + d,
                    self.users[from].name,
                    to.iter()
                        .map(|&r| self.users[r].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                drafts.push((self.day + d, from, to, text.into_bytes()));
            }
        }
        self.replay(first, drafts)?;
        self.day = start + traffic.days;
        Ok(first..self.ledger.len())
    }

    /// Sends drafted messages `first..`: envelopes sealed on all cores, or
    /// session messages one by one (each depends on the state the last
    /// left).
    fn replay(&mut self, first: MessageId, drafts: Vec<Draft>) -> Result<()> {
        if self.mode.is_session() {
            for (day, from, to, pt) in drafts {
                self.day = day;
                self.send(from, &to, &pt)?;
            }
            return Ok(());
        }
        let sealed = self.seal_all(first, &drafts)?;
        for ((day, from, to, pt), envelope) in drafts.into_iter().zip(sealed) {
            self.day = day;
            self.record(from, to, pt, envelope);
        }
        Ok(())
    }

    /// Seals drafted messages `first..` on all cores.
    fn seal_all(&self, first: MessageId, drafts: &[Draft]) -> Result<Vec<Vec<u8>>> {
        let one = |(i, (_, from, to, pt)): (usize, &Draft)| {
            let keys = self.resolve(to)?;
            self.seal(first + i, (*from, to), &keys, pt)
        };
        use rayon::prelude::*;
        drafts.par_iter().enumerate().map(one).collect()
    }

    /// The same people and the same traffic — every message, sender,
    /// recipient set and day — under `mode`: what the world would have
    /// recorded under the other regime.
    ///
    /// # Errors
    ///
    /// Any sealing error.
    pub fn twin(&self, mode: Mode) -> Result<World> {
        let mut twin = World::with_keys(self.seed, mode, self.keys);
        for user in &self.users {
            twin.add_user(&user.name);
        }
        twin.countries.clone_from(&self.countries);
        twin.mandated.clone_from(&self.mandated);
        let drafts: Vec<_> = self
            .ledger
            .iter()
            .map(|s| (s.day, s.from, s.to.clone(), s.plaintext.clone()))
            .collect();
        twin.replay(0, drafts)?;
        twin.day = self.day;
        Ok(twin)
    }

    /// How many recorded envelopes `key` truly opens (plaintext and sender,
    /// byte for byte; in a session mode, the plaintext of each session
    /// message): what an escrow key, or a copy of it, reads of the wiretap.
    pub fn read_by(&self, key: &EscrowAuthority) -> usize {
        self.wiretap
            .iter()
            .filter(|i| match self.mode.is_session() {
                true => key
                    .read_session_message(&i.envelope)
                    .is_ok_and(|r| r.plaintext() == self.ledger[i.id].plaintext),
                false => self.is_true_read(i.id, &key.open(&i.envelope)),
            })
            .count()
    }

    /// Whether `opened` is a true read of message `id`: its plaintext and
    /// its sender, byte for byte.
    pub fn is_true_read<E>(&self, id: MessageId, opened: &core::result::Result<Opened, E>) -> bool {
        let (Some(sent), Ok(opened)) = (self.ledger.get(id), opened) else {
            return false;
        };
        opened.plaintext() == sent.plaintext && opened.sender() == &self.users[sent.from].public()
    }
}

/// A uniform draw below `n` (`n > 0`), without modulo bias worth noticing
/// for the sizes of a simulation (64-bit draws).
pub(crate) fn below(rng: &mut SeededRng, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}
