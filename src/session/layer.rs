//! The session's one extension point: the [`Layer`] trait, and what a layer
//! sees. The analogue of the envelope's [`e2e::Layer`](crate::e2e::Layer),
//! per message instead of per envelope.

use core::fmt;

use zeroize::Zeroizing;

use super::error::LayerError;
use super::wire::Message;
use crate::keys::PublicIdentity;

/// Length of a message key and of the session's `AD`.
pub const MESSAGE_KEY_LEN: usize = 32;

/// One message's key (the Double Ratchet's `mk`): derived from the chain
/// key, used for exactly one message, and deleted as soon as it is used.
///
/// Whoever holds it reads that one message, and nothing else. Zeroized on
/// drop; `Debug` is redacted; not `Clone`.
pub struct MessageKey(Zeroizing<[u8; MESSAGE_KEY_LEN]>);

impl MessageKey {
    /// A message key from its bytes (for a layer that unwraps one).
    pub fn from_bytes(bytes: &[u8; MESSAGE_KEY_LEN]) -> MessageKey {
        MessageKey(Zeroizing::new(*bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8; MESSAGE_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MessageKey([redacted])")
    }
}

/// What a layer sees while a message is encrypted: its key, its header
/// ([`Message::header`]: everything an extension can be bound to) and the
/// session's `AD`.
#[derive(Debug)]
pub struct Sending<'s> {
    pub(crate) message_key: &'s MessageKey,
    pub(crate) header: &'s [u8],
    pub(crate) ad: &'s [u8; MESSAGE_KEY_LEN],
}

impl Sending<'_> {
    /// The message's key.
    pub fn message_key(&self) -> &MessageKey {
        self.message_key
    }

    /// The message's header: prefix, set-up section and ratchet header.
    pub fn header(&self) -> &[u8] {
        self.header
    }

    /// The session's associated data, `AD`: 32 bytes that bind both
    /// identities (`docs/FORMAT.md`, section 8). It is never sent.
    pub fn ad(&self) -> &[u8; MESSAGE_KEY_LEN] {
        self.ad
    }
}

/// What a layer sees while a message is decrypted, once it has
/// authenticated and before its plaintext is released or the session
/// changes: the parsed message, its key, the session's `AD` and the peer.
#[derive(Debug)]
pub struct Receiving<'s> {
    pub(crate) message: &'s Message<'s>,
    pub(crate) message_key: &'s MessageKey,
    pub(crate) ad: &'s [u8; MESSAGE_KEY_LEN],
    pub(crate) peer: &'s PublicIdentity,
}

impl<'s> Receiving<'s> {
    /// The parsed message: its header and extension records.
    pub fn message(&self) -> &Message<'s> {
        self.message
    }

    /// The message's key.
    pub fn message_key(&self) -> &MessageKey {
        self.message_key
    }

    /// The session's associated data, `AD`.
    pub fn ad(&self) -> &[u8; MESSAGE_KEY_LEN] {
        self.ad
    }

    /// The peer who sent it, as the session was set up with.
    pub fn peer(&self) -> &PublicIdentity {
        self.peer
    }
}

/// What an unlocking layer found in a message: its key and the session's
/// `AD`, for a reader that is not a party.
#[derive(Debug)]
pub struct Unlocked {
    /// The message's key.
    pub message_key: MessageKey,
    /// The session's associated data.
    pub ad: [u8; MESSAGE_KEY_LEN],
}

/// A construction on top of sessions: the session's one extension point.
/// Every method has a default that does nothing, so a layer implements only
/// what it needs.
///
/// A layer given to a [`Client`](super::Client) may
///
/// 1. **add extension records computed from each message's key** while
///    encrypting ([`Layer::extensions`]). They travel in clear, and the
///    message's AEAD authenticates them with the rest of the header, so
///    nobody can change or move them without the message failing;
/// 2. **check a message before anything is released** while decrypting
///    ([`Layer::check`]): it runs once the message has authenticated, and
///    before its plaintext is returned or the session's state changes — a
///    refused message leaves the session as it was;
/// 3. **supply a message's key** from the message itself, for a reader that
///    is not a party ([`Layer::unlock`], used by [`read`](super::read)).
///
/// Layers stack: a client adds every layer's extensions and runs every
/// layer's check in order. A layer cannot do anything else: it never sees a
/// chain or root key, cannot change the ratchet, and cannot make a message
/// open that fails the session's own checks.
///
/// ```
/// use doormat::keys::Identity;
/// use doormat::session::{Client, Layer, LayerError, Prekeys, Receiving, Sending, Session};
///
/// /// Stamps every message with a tag, and refuses any other.
/// #[derive(Debug)]
/// struct Tag(&'static [u8]);
///
/// impl Layer for Tag {
///     fn extensions(&self, _: &Sending<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
///         Ok(vec![(0x5447, self.0.to_vec())])
///     }
///     fn check(&self, receiving: &Receiving<'_>) -> Result<(), LayerError> {
///         match receiving.message().extension(0x5447) {
///             Some(tag) if tag == self.0 => Ok(()),
///             _ => Err("wrong tag".into()),
///         }
///     }
/// }
///
/// let (alice, bob) = (Identity::generate(), Identity::generate());
/// let mut prekeys = Prekeys::generate(&bob, 1, false);
/// let mut session = Session::initiate(&alice, &prekeys.bundles()[0])?;
/// let wire = Client::new().layer(Tag(b"legal")).encrypt(&mut session, b"privileged")?;
/// assert!(Client::new().layer(Tag(b"sales")).respond(&bob, &mut prekeys, &wire).is_err());
/// let (_, received) = Client::new().layer(Tag(b"legal")).respond(&bob, &mut prekeys, &wire)?;
/// assert_eq!(received.plaintext(), b"privileged");
/// # Ok::<(), doormat::session::Error>(())
/// ```
pub trait Layer: fmt::Debug {
    /// While encrypting, once per message: extension records to add,
    /// computed from what [`Sending`] shows. Types must be distinct.
    ///
    /// # Errors
    ///
    /// Any error aborts the encryption, leaves the session as it was, and
    /// is returned in [`Error::Layer`](super::Error::Layer).
    fn extensions(&self, sending: &Sending<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let _ = sending;
        Ok(Vec::new())
    }

    /// While decrypting, before anything is released: refuse the message by
    /// returning an error.
    ///
    /// # Errors
    ///
    /// The layer's own, returned in [`Error::Layer`](super::Error::Layer);
    /// the session is left as it was.
    fn check(&self, receiving: &Receiving<'_>) -> Result<(), LayerError> {
        let _ = receiving;
        Ok(())
    }

    /// For [`read`](super::read): the message's key and the session's `AD`
    /// from the message, instead of from a session. `None` (the default):
    /// this layer gives no key, and `read` fails with
    /// [`Error::Tampered`](super::Error::Tampered).
    ///
    /// # Errors
    ///
    /// The layer's own, returned in [`Error::Layer`](super::Error::Layer).
    fn unlock(&self, message: &Message<'_>) -> Result<Option<Unlocked>, LayerError> {
        let _ = message;
        Ok(None)
    }
}

impl<L: Layer + ?Sized> Layer for &L {
    fn extensions(&self, sending: &Sending<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        (**self).extensions(sending)
    }

    fn check(&self, receiving: &Receiving<'_>) -> Result<(), LayerError> {
        (**self).check(receiving)
    }

    fn unlock(&self, message: &Message<'_>) -> Result<Option<Unlocked>, LayerError> {
        (**self).unlock(message)
    }
}
