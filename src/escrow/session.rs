//! The escrowed twin of a session: the same three layers as the
//! envelope's, on the session's extension point ([`session::Layer`]).
//!
//! * [`AccessField`] adds to every message an access field for its message
//!   key — the envelope's construction, bound to the message's header and
//!   carrying the session's `AD` — so the authority needs nothing but the
//!   message;
//! * [`Compliance`] refuses, before anything is released or the ratchet
//!   moves, a message whose field is missing, names another authority or
//!   fails its [`LeafCheck`](super::LeafCheck) (by default a full recompute,
//!   which no sender can forge);
//! * [`EscrowAuthority`] unlocks a message's key from its field
//!   ([`EscrowAuthority::read_session_message`]).
//!
//! Forward secrecy is the ratchet's deleting of keys; the access field
//! keeps a copy of every one of them, wrapped to one key that never
//! expires. Whatever the ratchet does, that key reads every message, before
//! and after any compromise.

use super::authority::EscrowAuthority;
use super::client::{AccessField, Compliance};
use super::error::Result;
use super::leaf::{self, FieldInputs, LEAF_EXTENSION, SESSION};
use super::{Error, EscrowKey};
use crate::session::{self, LayerError, Message, MessageKey, Receiving, Sending, Unlocked};

/// A session [`Client`](session::Client) of the escrowed twin: every
/// message it sends carries an access field for `escrow`, and it refuses
/// every message whose field fails [`Compliance::pinned`] to `escrow`.
///
/// ```
/// use doormat::escrow::{self, EscrowAuthority};
/// use doormat::keys::Identity;
/// use doormat::session::Prekeys;
///
/// let authority = EscrowAuthority::generate();
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let mut prekeys = Prekeys::generate(&bob, 1, false);
/// let mut client = escrow::session_client(&authority.public_key());
/// let mut to_bob = client.initiate(&alice, &prekeys.bundles()[0])?;
/// let wire = client.encrypt(&mut to_bob, b"ratcheted, and escrowed")?;
/// let (_, received) = client.respond(&bob, &mut prekeys, &wire)?;
/// assert_eq!(received.plaintext(), b"ratcheted, and escrowed");
/// // The authority needs the message and nothing else.
/// assert_eq!(authority.read_session_message(&wire)?.plaintext(), b"ratcheted, and escrowed");
/// # Ok::<(), doormat::Error>(())
/// ```
pub fn session_client<'a>(escrow: &EscrowKey) -> session::Client<'a> {
    session::Client::new()
        .layer(AccessField::to(escrow))
        .layer(Compliance::pinned(escrow))
}

impl session::Layer for AccessField {
    /// The field for this message's key, bound to its header and `AD`.
    fn extensions(
        &self,
        sending: &Sending<'_>,
    ) -> core::result::Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let inputs = inputs(sending.message_key(), sending.header(), sending.ad());
        let field = leaf::build(self.escrow.public_key(), &self.family, &inputs)
            .map_err(LayerError::from)?;
        Ok(vec![(LEAF_EXTENSION, field)])
    }
}

impl session::Layer for Compliance {
    /// The message's field must pass this client's policy for its authority.
    fn check(&self, receiving: &Receiving<'_>) -> core::result::Result<(), LayerError> {
        let message = receiving.message();
        leaf::check(
            self.policy,
            &self.family,
            self.trusted.as_ref().map(EscrowKey::public_key),
            message.extension(LEAF_EXTENSION),
            &inputs(receiving.message_key(), message.header(), receiving.ad()),
        )
        .map_err(LayerError::from)
    }
}

impl session::Layer for EscrowAuthority {
    /// The message's key and the session's `AD` from its access field.
    fn unlock(&self, message: &Message<'_>) -> core::result::Result<Option<Unlocked>, LayerError> {
        let field = message
            .extension(LEAF_EXTENSION)
            .ok_or_else(|| LayerError::from(Error::NotEscrowed))?;
        let (key, ad) = leaf::unwrap(&SESSION, self.key(), field, message.header())
            .map_err(LayerError::from)?;
        Ok(Some(Unlocked {
            message_key: MessageKey::from_bytes(&key),
            ad,
        }))
    }
}

impl EscrowAuthority {
    /// Reads one escrowed session message from the wire alone: no session,
    /// no state, no party's key — whatever the ratchet did before or after.
    ///
    /// # Errors
    ///
    /// [`Error::NotEscrowed`] for a message without an access field;
    /// [`Error::InvalidAccessField`] for a field that is forged or made for
    /// another authority; [`Error::Session`] with the errors of
    /// [`session::read`] (a malformed or tampered message).
    pub fn read_session_message(&self, message: &[u8]) -> Result<session::Received> {
        Ok(session::read(self, message)?)
    }
}

/// A session field's inputs: the message key, the message's header, `AD`.
fn inputs<'a>(key: &'a MessageKey, header: &[u8], ad: &'a [u8; 32]) -> FieldInputs<'a> {
    FieldInputs::of(&SESSION, key.as_bytes(), header, ad)
}
