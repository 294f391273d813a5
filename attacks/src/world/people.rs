//! The people and the wire: users and their devices, the messaging service
//! with its key directory, the wiretap's recordings, and the ledger of what
//! was really sent.

use core::fmt;

use super::{MessageId, UserId};
use crate::{Error, Result};
use doormat::keys::{Identity, PublicIdentity};
use doormat::session::PrekeyBundle;

/// A person in the world and their device's keys.
pub struct User {
    pub(super) name: String,
    pub(super) identity: Identity,
}

impl User {
    /// The user's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The secret keys on the user's device.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The public identity the directory publishes.
    pub fn public(&self) -> PublicIdentity {
        self.identity.public()
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "User({}, {:?})", self.name, self.identity)
    }
}

/// The messaging service: it relays every envelope and runs the key
/// directory that clients look recipients up in. It holds no decryption key.
#[derive(Debug, Default)]
pub struct Service {
    pub(super) directory: Vec<(String, Vec<PublicIdentity>)>,
    /// In the session modes: each user's bundles with a one-time prekey
    /// (handed out once each, last first), and the last-resort bundle.
    pub(super) bundles: Vec<(String, Vec<PrekeyBundle>, PrekeyBundle)>,
    pub(super) relayed: usize,
}

impl Service {
    /// The keys the directory publishes for `name`: normally one; a
    /// directory that adds a silent participant returns more.
    pub fn lookup(&self, name: &str) -> Option<&[PublicIdentity]> {
        self.directory
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, keys)| keys.as_slice())
    }

    /// Adds `extra` to what the directory publishes for `name` (the "ghost
    /// user" of the 2018 GCHQ proposal: a client that trusts the directory
    /// seals to it too).
    pub fn add_silent_key(&mut self, name: &str, extra: PublicIdentity) -> Result<()> {
        let entry = self
            .directory
            .iter_mut()
            .find(|(n, _)| n == name)
            .ok_or(Error::InvalidArgument("no such user in the directory"))?;
        entry.1.push(extra);
        Ok(())
    }

    /// How many envelopes the service relayed.
    pub fn relayed(&self) -> usize {
        self.relayed
    }
}

/// One envelope (or, in a session mode, one session message) as the
/// wiretap recorded it: the day and the bytes. In a session mode a message
/// to several people is one session message each, so several intercepts
/// carry the same message id.
#[derive(Clone, Debug)]
pub struct Intercept {
    /// The message it carries.
    pub id: MessageId,
    /// The simulated day it crossed the wire.
    pub day: u64,
    /// The bytes on the wire.
    pub envelope: Vec<u8>,
}

/// What was really sent: the ground truth an attack is scored against. An
/// attack never reads it to decide anything.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its index.
    pub id: MessageId,
    /// The day it was sent.
    pub day: u64,
    /// The sender.
    pub from: UserId,
    /// The recipients the sender chose.
    pub to: Vec<UserId>,
    /// The plaintext.
    pub plaintext: Vec<u8>,
}
