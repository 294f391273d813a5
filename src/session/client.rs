//! The [`Client`]: the layers a messaging client runs on every message, and
//! the generator it draws from; and [`read`], for a reader who is not a
//! party.

use core::fmt;

use super::bundle::{PrekeyBundle, Prekeys};
use super::error::{Error, Result};
use super::kdf;
use super::layer::{Layer, Receiving, Sending};
use super::ratchet::Ratchet;
use super::setup;
use super::wire::{append_extensions, write_header, Message, MessageKind};
use super::{Received, Role, Session};
use crate::hash::sha256;
use crate::keys::Identity;
use crate::random::{Erased, Generator, SystemRng, TryCryptoRng};

/// What a messaging client runs on every session message: its
/// [`Layer`]s, and the generator its ratchet steps draw from (the
/// operating system's by default).
///
/// [`Session`]'s own methods are this with no layer. A layer's extensions
/// go on every message the client encrypts, and its check runs on every
/// message the client decrypts, before anything is released.
///
/// ```
/// use doormat::keys::Identity;
/// use doormat::random::{SeedableRng, SeededRng};
/// use doormat::session::{Client, Prekeys};
///
/// let mut rng = SeededRng::from_seed([3; 32]);
/// let alice = Identity::generate_with(&mut rng)?;
/// let bob = Identity::generate_with(&mut rng)?;
/// let mut prekeys = Prekeys::generate_with(&bob, 1, true, &mut rng)?;
/// let bundle = &prekeys.bundles()[0];
/// assert!(bundle.is_post_quantum());
/// let mut client = Client::new().rng(&mut rng);
/// let mut to_bob = client.initiate(&alice, bundle)?;
/// let wire = client.encrypt(&mut to_bob, b"post-quantum from the first message")?;
/// let (mut to_alice, received) = client.respond(&bob, &mut prekeys, &wire)?;
/// assert_eq!(received.plaintext(), b"post-quantum from the first message");
/// let reply = client.encrypt(&mut to_alice, b"and forward-secret")?;
/// assert_eq!(client.decrypt(&mut to_bob, &reply)?.plaintext(), b"and forward-secret");
/// # Ok::<(), doormat::Error>(())
/// ```
#[derive(Default)]
pub struct Client<'a> {
    layers: Vec<Box<dyn Layer + 'a>>,
    rng: Option<&'a mut dyn Generator>,
    system: SystemRng,
}

impl<'a> Client<'a> {
    /// A client with no layer, drawing from the operating system.
    pub fn new() -> Client<'a> {
        Client::default()
    }

    /// Adds a layer: its extensions go on every message, its check runs on
    /// every message received. Layers stack, in the order added.
    pub fn layer(mut self, layer: impl Layer + 'a) -> Client<'a> {
        self.layers.push(Box::new(layer));
        self
    }

    /// Draws every random byte from `rng`: the ephemeral and ratchet keys
    /// of a set-up, X-Wing's encapsulation, and each DH ratchet step's new
    /// key (`docs/FORMAT.md`, section 8, gives the order). With a seeded
    /// generator a whole conversation replays byte for byte — and is as
    /// secret as the seed.
    pub fn rng<R: TryCryptoRng>(mut self, rng: &'a mut R) -> Client<'a> {
        self.rng = Some(rng);
        self
    }

    fn generator(&mut self) -> Erased<'_> {
        match &mut self.rng {
            Some(rng) => Erased(&mut **rng),
            None => Erased(&mut self.system),
        }
    }

    /// Starts a session with the owner of `bundle` (X3DH, or PQXDH if the
    /// bundle has a post-quantum prekey), as [`Session::initiate`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] if a Diffie-Hellman gives all zeros (no valid
    /// bundle does this); [`Error::RandomFailed`].
    pub fn initiate(&mut self, me: &Identity, bundle: &PrekeyBundle) -> Result<Session> {
        let mut rng = self.generator();
        let initiated = setup::initiate(me, bundle, &mut rng)?;
        let ratchet = Ratchet::init_alice(&initiated.agreed.sk, &bundle.signed, &mut rng)?;
        Ok(Session {
            role: Role::Initiator,
            peer: bundle.identity.clone(),
            ad: initiated.agreed.ad,
            post_quantum: bundle.post_quantum.is_some(),
            ratchet,
            pending_setup: Some(initiated.setup),
            answered: None,
        })
    }

    /// Encrypts the next message of `session`, as [`Session::encrypt`],
    /// with every layer's extensions.
    ///
    /// # Errors
    ///
    /// [`Error::ChainExhausted`]; [`Error::InvalidArgument`] if the layers'
    /// extension types clash or their records exceed
    /// [`MAX_EXTENSIONS_LEN`](super::MAX_EXTENSIONS_LEN); [`Error::Layer`];
    /// [`Error::Malformed`] for a restored state that has no sending chain
    /// (a responder's state saved before its first message, which no
    /// session of this crate saves). The session is unchanged on every
    /// error.
    pub fn encrypt(&mut self, session: &mut Session, plaintext: &[u8]) -> Result<Vec<u8>> {
        let plan = session.ratchet.plan_send()?;
        let header = write_header(session.pending_setup.as_deref(), &plan.dh, plan.pn, plan.n);
        let sending = Sending {
            message_key: &plan.mk,
            header: &header,
            ad: &session.ad,
        };
        let mut extensions = Vec::new();
        for layer in &self.layers {
            extensions.extend(layer.extensions(&sending).map_err(Error::Layer)?);
        }
        let mut out = header;
        append_extensions(&mut out, extensions)?;
        let associated_data = [&session.ad[..], &out].concat();
        kdf::encrypt(&plan.mk, &associated_data, plaintext, &mut out);
        session.ratchet.commit_send(plan);
        Ok(out)
    }

    /// Answers a set-up message with `me`'s `prekeys`: the new session and
    /// the first message, as [`Session::respond`], every layer's check run
    /// on it. A one-time prekey it used is deleted from `prekeys`.
    ///
    /// # Errors
    ///
    /// As [`Message::parse`]; [`Error::NotASetupMessage`];
    /// [`Error::WrongIdentity`]; [`Error::UnknownPrekey`] (a replayed
    /// set-up message whose one-time prekey is gone); otherwise as
    /// [`Client::decrypt`]. Nothing changes on an error.
    pub fn respond(
        &mut self,
        me: &Identity,
        prekeys: &mut Prekeys,
        message: &[u8],
    ) -> Result<(Session, Received)> {
        let message = Message::parse(message)?;
        let setup = message.setup().ok_or(Error::NotASetupMessage)?;
        let (agreed, spk) = setup::respond(me, prekeys, setup)?;
        let mut session = Session {
            role: Role::Responder,
            peer: setup.initiator.clone(),
            ad: agreed.ad,
            post_quantum: setup.post_quantum.is_some(),
            ratchet: Ratchet::init_bob(&agreed.sk, spk),
            pending_setup: None,
            answered: Some(sha256(&[message.setup_bytes()])),
        };
        let received = self.decrypt_parsed(&mut session, &message)?;
        if let Some(id) = setup.one_time_prekey {
            prekeys.consume_one_time(id);
        }
        Ok((session, received))
    }

    /// Decrypts a message of `session`, as [`Session::decrypt`], every
    /// layer's check run before anything is released.
    ///
    /// # Errors
    ///
    /// As [`Message::parse`]; [`Error::OtherSession`] for a set-up message
    /// this session did not answer; [`Error::TooFarAhead`];
    /// [`Error::Replay`]; [`Error::Tampered`]; [`Error::InvalidKey`] for a
    /// ratchet key whose Diffie-Hellman is all zeros; [`Error::Layer`];
    /// [`Error::RandomFailed`]. The session is unchanged on every error.
    pub fn decrypt(&mut self, session: &mut Session, message: &[u8]) -> Result<Received> {
        let message = Message::parse(message)?;
        if message.kind() == MessageKind::Setup
            && session.answered != Some(sha256(&[message.setup_bytes()]))
        {
            return Err(Error::OtherSession);
        }
        self.decrypt_parsed(session, &message)
    }

    fn decrypt_parsed(&mut self, session: &mut Session, message: &Message<'_>) -> Result<Received> {
        let plan = session.ratchet.plan(
            message.ratchet_key(),
            message.previous_chain_len(),
            message.counter(),
            &mut self.generator(),
        )?;
        let associated_data = [&session.ad[..], message.head()].concat();
        let plaintext = kdf::decrypt(&plan.mk, &associated_data, message.ciphertext())?;
        let receiving = Receiving {
            message,
            message_key: &plan.mk,
            ad: &session.ad,
            peer: &session.peer,
        };
        for layer in &self.layers {
            layer.check(&receiving).map_err(Error::Layer)?;
        }
        let dh_step = plan.took_step();
        session.ratchet.commit(plan);
        if session.role == Role::Initiator {
            session.pending_setup = None;
        }
        Ok(Received {
            plaintext,
            kind: message.kind(),
            counter: message.counter(),
            dh_step,
        })
    }
}

impl fmt::Debug for Client<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("layers", &self.layers)
            .field("rng", &self.rng.as_ref().map(|_| "[caller's generator]"))
            .finish()
    }
}

/// Reads one message without a session, for a reader who is not a party:
/// the message's key and the session's `AD` come from `layer`'s
/// [`Layer::unlock`] (as an escrow authority's do from the access field),
/// and the message must authenticate under them.
///
/// # Errors
///
/// As [`Message::parse`]; [`Error::Layer`] with the layer's own error;
/// [`Error::Tampered`] if the layer gives no key or the message does not
/// authenticate under it.
pub fn read<L: Layer + ?Sized>(layer: &L, message: &[u8]) -> Result<Received> {
    let message = Message::parse(message)?;
    let unlocked = layer
        .unlock(&message)
        .map_err(Error::Layer)?
        .ok_or(Error::Tampered)?;
    let associated_data = [&unlocked.ad[..], message.head()].concat();
    let plaintext = kdf::decrypt(
        &unlocked.message_key,
        &associated_data,
        message.ciphertext(),
    )?;
    Ok(Received {
        plaintext,
        kind: message.kind(),
        counter: message.counter(),
        dh_step: false,
    })
}
