//! **The ghost user.** The service that runs the key directory silently adds
//! a participant to a conversation: when Alice's client looks Bob up, the
//! directory returns Bob's key and the ghost's. Everything stays end to end
//! encrypted — with an extra end. A client that trusts the directory seals
//! to the ghost, which reads every message. A client that pinned Bob's
//! fingerprint (verified once, in person, with a safety number) refuses;
//! and Bob's client, which sees the signed recipient list, warns of a
//! recipient he never verified.

use core::cell::RefCell;

use super::world::{Mode, UserId, World};
use crate::{Error, Result};
use doormat::e2e::{self, Layer, LayerError, Opening};
use doormat::keys::{safety_number, Fingerprint, Identity, PublicIdentity};
use doormat::random::{Rng, SeedableRng, SeededRng};

/// A recipient's client that knows which fingerprints its user verified,
/// and records any other it finds in a signed recipient list.
#[derive(Debug)]
pub struct RecipientWarden {
    verified: Vec<Fingerprint>,
    warnings: RefCell<Vec<Fingerprint>>,
}

impl RecipientWarden {
    /// A warden for a user who verified these contacts (and themselves).
    pub fn new(verified: Vec<Fingerprint>) -> RecipientWarden {
        RecipientWarden {
            verified,
            warnings: RefCell::new(Vec::new()),
        }
    }

    /// The unverified recipients seen so far.
    pub fn warnings(&self) -> Vec<Fingerprint> {
        self.warnings.borrow().clone()
    }
}

impl Layer for RecipientWarden {
    /// Warns, and lets the message through: the user decides.
    fn check(&self, opening: &Opening<'_>) -> core::result::Result<(), LayerError> {
        for fp in opening.recipients() {
            if !self.verified.contains(fp) {
                self.warnings.borrow_mut().push(*fp);
            }
        }
        Ok(())
    }
}

/// The scenario.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Who writes.
    pub alice: UserId,
    /// To whom the ghost is attached.
    pub bob: UserId,
    /// Messages Alice sends.
    pub messages: usize,
}

/// What the ghost read and what caught it.
#[derive(Clone, Debug)]
pub struct Report {
    /// Keys the directory returned for Bob.
    pub keys_for_bob: usize,
    /// Messages a client that trusts the directory sealed.
    pub sent_trusting: usize,
    /// Of those, read by the ghost.
    pub ghost_read: usize,
    /// Of those, read by Bob, who noticed nothing in the plaintext.
    pub bob_read: usize,
    /// Messages a client that pins Bob's fingerprint refused to seal.
    pub refused_by_pinning_client: usize,
    /// Alice and Bob's safety number, as each computes it, agree — for
    /// Bob's real key.
    pub safety_number_matches_bob: bool,
    /// The ghost key's safety number with Alice differs from the one Bob
    /// reads aloud.
    pub ghost_safety_number_differs: bool,
    /// Messages in which Bob's client warned of an unverified recipient.
    pub bob_warned: usize,
}

/// A client that pins fingerprints: the directory's keys for `name` must
/// be exactly the pinned one.
fn pinned_lookup(world: &World, name: &str, pin: &Fingerprint) -> Result<PublicIdentity> {
    let keys = world
        .service()
        .lookup(name)
        .ok_or(Error::InvalidArgument("not in the directory"))?;
    match keys {
        [only] if only.fingerprint() == *pin => Ok(only.clone()),
        _ => Err(Error::InvalidArgument(
            "the directory's keys do not match the pinned fingerprint",
        )),
    }
}

/// Adds a ghost to Bob's directory entry in an end-to-end `world`, then
/// lets Alice write to Bob with a trusting client and a pinning one.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an escrowed world or unknown users;
/// sealing errors.
pub fn run(world: &mut World, params: Params) -> Result<Report> {
    let n = world.users().len();
    if world.mode() != Mode::EndToEnd
        || params.alice >= n
        || params.bob >= n
        || params.alice == params.bob
    {
        return Err(Error::InvalidArgument(
            "needs an end-to-end world with Alice and Bob",
        ));
    }
    let bob_name = world.user(params.bob).name().to_owned();
    // Alice verified Bob's key in person, before the ghost.
    let pin = world.user(params.bob).public().fingerprint();
    let (alice_pub, bob_pub) = (
        world.user(params.alice).public(),
        world.user(params.bob).public(),
    );

    let mut seed = [0u8; 32];
    world.rng().fill_bytes(&mut seed);
    let ghost = Identity::generate_with(&mut SeededRng::from_seed(seed))?;
    world
        .service_mut()
        .add_silent_key(&bob_name, ghost.public())?;
    let keys_for_bob = world.service().lookup(&bob_name).map_or(0, <[_]>::len);

    let warden = RecipientWarden::new(vec![alice_pub.fingerprint(), pin]);
    let mut r = Report {
        keys_for_bob,
        sent_trusting: 0,
        ghost_read: 0,
        bob_read: 0,
        refused_by_pinning_client: 0,
        safety_number_matches_bob: safety_number(&alice_pub, &bob_pub)
            == safety_number(&bob_pub, &alice_pub),
        ghost_safety_number_differs: safety_number(&alice_pub, &ghost.public())
            != safety_number(&bob_pub, &alice_pub),
        bob_warned: 0,
    };
    for i in 0..params.messages {
        let text = format!("Bob, message {i}: keep this between us.");
        // The trusting client: whatever the directory says.
        let id = world.send(params.alice, &[params.bob], text.as_bytes())?;
        r.sent_trusting += 1;
        let envelope = &world.wiretap()[id].envelope;
        r.ghost_read += usize::from(world.is_true_read(id, &e2e::open(&ghost, envelope)));
        let before = warden.warnings().len();
        let opened = e2e::Opener::new(world.user(params.bob).identity())
            .layer(&warden)
            .open(envelope);
        r.bob_read += usize::from(world.is_true_read(id, &opened));
        r.bob_warned += usize::from(warden.warnings().len() > before);
        // The pinning client refuses before it seals anything.
        r.refused_by_pinning_client += usize::from(pinned_lookup(world, &bob_name, &pin).is_err());
    }
    Ok(r)
}
