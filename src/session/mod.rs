//! Forward-secret sessions: asynchronous set-up (X3DH, or PQXDH with a
//! post-quantum prekey) and the Double Ratchet, after Signal's published
//! specifications.
//!
//! A user publishes [`Prekeys`] (a signed prekey, optionally an X-Wing
//! prekey, one-time prekeys) made from their [`Identity`]. Another user
//! starts a [`Session`] from one [`PrekeyBundle`] while they are offline,
//! and every message after that is encrypted with its own key, derived by
//! a ratchet that turns on every message and takes a Diffie-Hellman step on
//! every change of direction:
//!
//! * **forward secrecy**: a message key is deleted as soon as it is used,
//!   and chain keys only move forward, so a copy of a device's session
//!   state opens none of the messages it had already received;
//! * **post-compromise security**: the next round trip mixes in a fresh
//!   Diffie-Hellman that a passive thief of the state cannot compute, so a
//!   copied state goes blind again;
//! * out-of-order delivery within [`MAX_SKIP`] messages per chain; replays
//!   and tampering refused with typed errors, before anything is released
//!   or changes.
//!
//! ```
//! use doormat::keys::Identity;
//! use doormat::session::{Prekeys, Session};
//!
//! let (alice, bob) = (Identity::generate(), Identity::generate());
//! let mut bob_prekeys = Prekeys::generate(&bob, 10, true);
//! // The server hands Alice one of Bob's bundles; Bob may be offline.
//! let bundle = bob_prekeys.bundles().remove(0);
//! assert_eq!(bundle.identity(), &bob.public());
//!
//! let mut alice_to_bob = Session::initiate(&alice, &bundle)?;
//! let first = alice_to_bob.encrypt(b"hello Bob")?;
//! let (mut bob_to_alice, received) = Session::respond(&bob, &mut bob_prekeys, &first)?;
//! assert_eq!(received.plaintext(), b"hello Bob");
//! assert_eq!(bob_to_alice.peer(), &alice.public());
//!
//! let reply = bob_to_alice.encrypt(b"hello Alice")?;
//! assert_eq!(alice_to_bob.decrypt(&reply)?.plaintext(), b"hello Alice");
//! // A replay is refused: its key is gone.
//! assert!(matches!(alice_to_bob.decrypt(&reply), Err(doormat::session::Error::Replay)));
//!
//! // The state is what an app keeps, and what a thief copies.
//! let saved = bob_to_alice.to_bytes();
//! let restored = Session::from_bytes(&saved)?;
//! assert_eq!(restored.peer(), &alice.public());
//! # Ok::<(), doormat::session::Error>(())
//! ```
//!
//! # What a session does not give
//!
//! * An attacker who steals an identity key can impersonate its owner to
//!   new contacts (sign prekeys, start sessions); compare safety numbers.
//! * Forward secrecy covers keys, not what an app stores: plaintext kept in
//!   a message history is read by whoever takes the device.
//! * The first messages of a session set up without a one-time prekey can
//!   be read by whoever later takes the responder's signed prekey, until
//!   [`Prekeys::rotate_with`] replaces it; a replayed set-up message with no
//!   one-time prekey is accepted again as a new session (X3DH section 4.2).
//! * Post-compromise security is against a passive thief: one who also
//!   runs a man in the middle after the theft stays in.
//!
//! Constructions on top of sessions attach a [`Layer`] to a [`Client`]:
//! the extension point, documented in one place. The format is specified in
//! `docs/FORMAT.md`, section 8; where doormat departs from Signal's
//! specifications, and why, is in `docs/DESIGN.md`.

mod bundle;
mod client;
mod error;
mod kdf;
mod layer;
mod ratchet;
mod setup;
mod state;
mod wire;

use core::fmt;

pub use bundle::{PrekeyBundle, Prekeys, BUNDLE_MAGIC, MAX_ONE_TIME_PREKEYS, PREKEYS_MAGIC};
pub use client::{read, Client};
pub use error::{Error, LayerError, Result};
pub use layer::{Layer, MessageKey, Receiving, Sending, Unlocked, MESSAGE_KEY_LEN};
pub use ratchet::{MAX_PAST_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS};
pub use state::STATE_MAGIC;
pub use wire::{
    Message, MessageKind, Setup, HEADER_LEN, MAX_EXTENSIONS_LEN, MESSAGE_MAGIC, SESSION_VERSION,
};

use crate::keys::{Identity, PublicIdentity};
use crate::random::TryCryptoRng;
use ratchet::Ratchet;

/// Which side of the set-up a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Started it from a prekey bundle (X3DH's Alice).
    Initiator,
    /// Answered a set-up message (X3DH's Bob).
    Responder,
}

/// One side of a conversation with one peer: the Double Ratchet's state
/// and what the set-up fixed (the peer, `AD`).
///
/// Zeroized on drop; `Debug` shows the role and the peer only; not
/// `Clone`. [`Session::to_bytes`] is the whole state: an app must keep it
/// after every message, and a thief who copies a device copies exactly
/// this.
pub struct Session {
    pub(crate) role: Role,
    pub(crate) peer: PublicIdentity,
    pub(crate) ad: [u8; MESSAGE_KEY_LEN],
    pub(crate) post_quantum: bool,
    pub(crate) ratchet: Ratchet,
    /// The initiator's set-up section, repeated on every message until the
    /// first reply, so the responder can start from any of them.
    pub(crate) pending_setup: Option<Vec<u8>>,
    /// The responder's `SHA-256` of the set-up section it answered, so the
    /// initiator's other set-up messages are recognised as this session's.
    pub(crate) answered: Option<[u8; 32]>,
}

impl Session {
    /// Starts a session with the owner of `bundle`, drawing from the
    /// operating system's generator. Check `bundle.identity()` first: it is
    /// who you will be talking to.
    ///
    /// # Errors
    ///
    /// As [`Client::initiate`].
    pub fn initiate(me: &Identity, bundle: &PrekeyBundle) -> Result<Session> {
        Client::new().initiate(me, bundle)
    }

    /// [`Session::initiate`], drawing from `rng`.
    ///
    /// # Errors
    ///
    /// As [`Client::initiate`].
    pub fn initiate_with<R: TryCryptoRng>(
        me: &Identity,
        bundle: &PrekeyBundle,
        rng: &mut R,
    ) -> Result<Session> {
        Client::new().rng(rng).initiate(me, bundle)
    }

    /// Answers a set-up message: the new session and its first message.
    ///
    /// # Errors
    ///
    /// As [`Client::respond`].
    pub fn respond(
        me: &Identity,
        prekeys: &mut Prekeys,
        message: &[u8],
    ) -> Result<(Session, Received)> {
        Client::new().respond(me, prekeys, message)
    }

    /// Encrypts the next message (`RatchetEncrypt`). Until the first reply,
    /// an initiator's messages are set-up messages.
    ///
    /// # Errors
    ///
    /// As [`Client::encrypt`].
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        Client::new().encrypt(self, plaintext)
    }

    /// Decrypts a message of this session (`RatchetDecrypt`).
    ///
    /// # Errors
    ///
    /// As [`Client::decrypt`].
    pub fn decrypt(&mut self, message: &[u8]) -> Result<Received> {
        Client::new().decrypt(self, message)
    }

    /// The peer, as the set-up authenticated them.
    pub fn peer(&self) -> &PublicIdentity {
        &self.peer
    }

    /// Which side of the set-up this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the set-up used a post-quantum prekey (PQXDH): a recording
    /// of the session is then closed to a future quantum computer, as long
    /// as no state is stolen.
    pub fn is_post_quantum(&self) -> bool {
        self.post_quantum
    }

    /// Whether an initiator is still waiting for the first reply (its
    /// messages are set-up messages).
    pub fn is_awaiting_reply(&self) -> bool {
        self.pending_setup.is_some()
    }

    /// How many skipped message keys the session keeps (at most
    /// [`MAX_SKIPPED_KEYS`]): keys of messages not yet received.
    pub fn skipped_key_count(&self) -> usize {
        self.ratchet.skipped.len()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Session({:?}, peer {}, [redacted])",
            self.role,
            self.peer.fingerprint()
        )
    }
}

/// A decrypted message: the plaintext, and what its header said.
pub struct Received {
    plaintext: Vec<u8>,
    kind: MessageKind,
    counter: u32,
    dh_step: bool,
}

impl Received {
    /// The plaintext.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// The plaintext, by value.
    pub fn into_plaintext(self) -> Vec<u8> {
        self.plaintext
    }

    /// Whether it was a set-up message.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// Its number in its sending chain.
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// Whether receiving it took a DH ratchet step (the first message of a
    /// new sending chain of the peer's): the step that heals a stolen state.
    pub fn took_dh_step(&self) -> bool {
        self.dh_step
    }
}

impl fmt::Debug for Received {
    /// Everything but the plaintext, which is the user's business.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("kind", &self.kind)
            .field("counter", &self.counter)
            .field("dh_step", &self.dh_step)
            .field("plaintext_len", &self.plaintext.len())
            .finish()
    }
}
