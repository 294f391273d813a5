//! The world's regime, keys and traffic: what a scenario chooses before it
//! runs.

use doormat::keys::Kem;

/// The regime the world's clients run under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Clean end-to-end envelopes: only the recipients can read.
    EndToEnd,
    /// Every envelope escrowed to the state's key.
    Escrowed,
    /// Forward-secret sessions between pairs of users: X3DH and the Double
    /// Ratchet ([`doormat::session`]).
    Session,
    /// The same sessions, every message escrowed to the state's key
    /// ([`doormat::escrow::session_client`]).
    EscrowedSession,
}

impl Mode {
    pub(super) fn label(self) -> &'static [u8] {
        match self {
            Mode::EndToEnd => b"e2e",
            Mode::Escrowed => b"escrowed",
            Mode::Session => b"session",
            Mode::EscrowedSession => b"escrowed session",
        }
    }

    /// Whether users talk in sessions rather than seal envelopes.
    pub fn is_session(self) -> bool {
        matches!(self, Mode::Session | Mode::EscrowedSession)
    }

    /// Whether every message is escrowed to the state's key.
    pub fn is_escrowed(self) -> bool {
        matches!(self, Mode::Escrowed | Mode::EscrowedSession)
    }
}

/// What keys the world's people and state hold, and whether its
/// randomness is logged.
#[derive(Clone, Copy, Debug)]
pub struct Keys {
    /// The KEM of every user's identity.
    pub users: Kem,
    /// The KEM of the state's escrow key.
    pub authority: Kem,
    /// Log every 32 bytes the world's generators hand out (keys, content
    /// keys, ephemeral keys), for a scenario that models an adversary who can
    /// solve discrete logarithms ([`World::randomness_log`](super::World::randomness_log)).
    pub log_randomness: bool,
}

impl Default for Keys {
    /// Classical keys everywhere, nothing logged.
    fn default() -> Keys {
        Keys {
            users: Kem::X25519,
            authority: Kem::X25519,
            log_randomness: false,
        }
    }
}

/// Traffic to simulate: `days` of `per_day` messages, each from a random
/// user to 1..=`max_recipients` others.
#[derive(Clone, Copy, Debug)]
pub struct Traffic {
    /// Simulated days.
    pub days: u64,
    /// Messages per day.
    pub per_day: usize,
    /// The most recipients of one message.
    pub max_recipients: usize,
}
