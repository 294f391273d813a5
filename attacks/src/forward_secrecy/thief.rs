//! A thief with a copy of one party's session state, reading recorded
//! traffic passively — with the public API only, as the phone's own
//! software would run on the copy.

use core::cell::RefCell;
use core::fmt;

use doormat::session::{
    self, Client, LayerError, Message, Received, Sending, Session, MAX_SKIP, MESSAGE_KEY_LEN,
};

use crate::{KnownMessageKey, Result};

/// A copy of one party's session state, taken at one moment, and what it
/// reads of the traffic recorded after that moment.
///
/// It holds two copies of the state. The *reader* decrypts messages to the
/// victim as the victim's phone would, taking DH ratchet steps with keys
/// of its own (it cannot know the victim's fresh ones). The *writer* never
/// decrypts: it derives the keys of the victim's own sending chain, by
/// encrypting on the copy with a layer that sees each message key
/// ([`Sending::message_key`], the extension point every layer has), and
/// reads with them the messages the victim sent on that chain. Once the
/// victim steps to a chain of its own making, neither copy follows.
pub struct Thief {
    reader: Session,
    writer: Vec<u8>,
}

impl Thief {
    /// A thief holding `stolen`, the bytes of [`Session::to_bytes`].
    ///
    /// # Errors
    ///
    /// Any error of [`Session::from_bytes`].
    pub fn new(stolen: &[u8]) -> Result<Thief> {
        Ok(Thief {
            reader: Session::from_bytes(stolen)?,
            writer: stolen.to_vec(),
        })
    }

    /// Tries to read one recorded message, in the order they crossed the
    /// wire; `to_victim` is its direction (the wire shows who sent it).
    /// The true plaintext, or `None`.
    pub fn read(&mut self, message: &[u8], to_victim: bool) -> Option<Vec<u8>> {
        if to_victim {
            return self
                .reader
                .decrypt(message)
                .ok()
                .map(Received::into_plaintext);
        }
        self.read_sent(message)
    }

    /// A message the victim sent: the writer's next key, if the message is
    /// on the writer's chain and not behind it.
    fn read_sent(&mut self, message: &[u8]) -> Option<Vec<u8>> {
        let parsed = Message::parse(message).ok()?;
        let (dh, n) = (parsed.ratchet_key().clone(), parsed.counter());
        // Where the writer's chain is, probed on a throwaway copy.
        let (probe_dh, next) = probe(&self.writer)?;
        if probe_dh != dh.as_bytes() || n < next || n - next > MAX_SKIP {
            return None;
        }
        let mut writer = Session::from_bytes(&self.writer).ok()?;
        let captured = RefCell::new(None);
        for _ in next..=n {
            Client::new()
                .layer(Captured(&captured))
                .encrypt(&mut writer, b"")
                .ok()?;
        }
        self.writer = writer.to_bytes().to_vec();
        let (mk, ad) = captured.into_inner()?;
        session::read(&KnownMessageKey { mk, ad }, message)
            .ok()
            .map(Received::into_plaintext)
    }
}

/// The writer's current ratchet key and next counter.
fn probe(writer: &[u8]) -> Option<(Vec<u8>, u32)> {
    let mut copy = Session::from_bytes(writer).ok()?;
    let wire = copy.encrypt(b"").ok()?;
    let parsed = Message::parse(&wire).ok()?;
    Some((parsed.ratchet_key().as_bytes().to_vec(), parsed.counter()))
}

impl fmt::Debug for Thief {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Thief([redacted])")
    }
}

/// A layer that keeps the last message key and `AD` it saw.
struct Captured<'c>(&'c RefCell<Option<([u8; MESSAGE_KEY_LEN], [u8; MESSAGE_KEY_LEN])>>);

impl session::Layer for Captured<'_> {
    fn extensions(
        &self,
        sending: &Sending<'_>,
    ) -> core::result::Result<Vec<(u16, Vec<u8>)>, LayerError> {
        *self.0.borrow_mut() = Some((*sending.message_key().as_bytes(), *sending.ad()));
        Ok(Vec::new())
    }
}

impl fmt::Debug for Captured<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Captured([redacted])")
    }
}
