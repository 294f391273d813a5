//! **Who can read what.** One message from one user to another, sealed end
//! to end, escrowed, and sent in a forward-secret session, and every party
//! that might try to read it — each cell a real decryption attempt. The rows for the state with a warrant,
//! the state without one and the criminal with a leaked key are the same
//! call with the same key: the mathematics cannot tell them apart.

use super::world::{UserId, World};
use crate::{Error, Result};
use doormat::e2e::{self, Opened};
use doormat::escrow::{self, EscrowAuthority};
use doormat::keys::Identity;
use doormat::random::{Rng, SeedableRng, SeededRng};
use doormat::session::{Prekeys, Session};

/// What one attempt gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The true plaintext and sender.
    Reads,
    /// Refused, with the error's name (for example `NotARecipient`).
    Cannot(String),
    /// Opened, but to something else (never expected).
    Wrong,
}

impl Outcome {
    /// Whether the party read the message.
    pub fn reads(&self) -> bool {
        *self == Outcome::Reads
    }
}

/// One row: a party and what it got from each envelope.
#[derive(Clone, Debug)]
pub struct Row {
    /// Who tried.
    pub party: &'static str,
    /// From the clean end-to-end envelope.
    pub e2e: Outcome,
    /// From the escrowed envelope.
    pub escrowed: Outcome,
    /// From the message of a forward-secret session.
    pub session: Outcome,
}

/// The whole matrix.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// The message.
    pub message: Vec<u8>,
    /// One row per party, in the order of [`PARTIES`].
    pub rows: Vec<Row>,
}

/// The parties, in row order.
pub const PARTIES: [&str; 9] = [
    "the recipient",
    "another user",
    "the service operator",
    "a network eavesdropper",
    "the state, warrant for the sender",
    "the state, no warrant",
    "a criminal with the leaked escrow key",
    "a thief with the recipient's unlocked phone",
    "recorded the traffic, later seized the phone's keys",
];

/// How a party tries to read an envelope.
enum Party<'a> {
    /// With a device's keys, as a client that complies with the state; a
    /// session message with the device's own prekeys (the recipient's, if
    /// it is the recipient's device).
    Device(&'a Identity),
    /// With an escrow key: `EscrowAuthority::open`, envelope only.
    EscrowKey(&'a EscrowAuthority),
    /// With a copy of the recipient's device taken after the message
    /// arrived: its identity, and its session state by then.
    Later(&'a Identity),
}

/// `from` sends `message` to `to` once end to end, once escrowed and once
/// in a new forward-secret session (from a bundle of `to`'s); every party
/// of [`PARTIES`] tries all three.
///
/// # Errors
///
/// [`Error::InvalidArgument`] with fewer than three users or `from == to`;
/// sealing errors.
pub fn who_can_read(world: &mut World, from: UserId, to: UserId, message: &[u8]) -> Result<Matrix> {
    let n = world.users().len();
    if n < 3 || from == to || from >= n || to >= n {
        return Err(Error::InvalidArgument("needs three users and two of them"));
    }
    let other = (0..n).find(|&u| u != from && u != to).expect("three users");
    let mut seed = [0u8; 32];
    world.rng().fill_bytes(&mut seed);
    let mut rng = SeededRng::from_seed(seed);
    let recipient = [world.user(to).public()];
    let sender = world.user(from).identity();
    let clean = e2e::Sealer::new(sender, &recipient)
        .rng(&mut rng)
        .seal(message)?;
    let escrowed = escrow::sealer(sender, &recipient, &world.escrow_key())
        .rng(&mut rng)
        .seal(message)?;

    let prekeys = Prekeys::generate_with(world.user(to).identity(), 1, false, &mut rng)?;
    let saved_prekeys = prekeys.to_bytes();
    let mut session = Session::initiate_with(sender, &prekeys.bundles()[0], &mut rng)?;
    let in_session = session.encrypt(message)?;
    // The recipient's phone after the message arrived.
    let mut later_prekeys = Prekeys::from_bytes(&saved_prekeys)?;
    let (received, _) =
        Session::respond(world.user(to).identity(), &mut later_prekeys, &in_session)?;
    let state_later = received.to_bytes();

    let operator = Identity::generate_with(&mut rng)?;
    let eavesdropper = Identity::generate_with(&mut rng)?;
    let leaked: EscrowAuthority = world.authority().to_secret_string().parse()?;
    let phone: Identity = world.user(to).identity().to_secret_string().parse()?;
    let parties = [
        Party::Device(world.user(to).identity()),
        Party::Device(world.user(other).identity()),
        Party::Device(&operator),
        Party::Device(&eavesdropper),
        Party::EscrowKey(world.authority()),
        Party::EscrowKey(world.authority()),
        Party::EscrowKey(&leaked),
        Party::Device(&phone),
        Party::Later(&phone),
    ];
    let recipient_public = world.user(to).public();
    let sender_public = world.user(from).public();
    // A device reads a session message as a phone does: its prekeys answer
    // the set-up (the recipient's own, or, for anyone else, their own).
    let by_device = |id: &Identity| -> Result<Vec<u8>> {
        let mut own = match id.public() == recipient_public {
            true => Prekeys::from_bytes(&saved_prekeys)?,
            false => Prekeys::generate_with(id, 1, false, &mut SeededRng::from_seed(seed))?,
        };
        let (session, read) = Session::respond(id, &mut own, &in_session)?;
        match session.peer() == &sender_public {
            true => Ok(read.into_plaintext()),
            false => Ok(Vec::new()),
        }
    };
    let in_session_by = |how: &Party<'_>| -> Result<Vec<u8>> {
        Ok(match how {
            Party::Device(id) => by_device(id)?,
            Party::EscrowKey(key) => key.read_session_message(&in_session)?.into_plaintext(),
            Party::Later(_) => Session::from_bytes(&state_later)?
                .decrypt(&in_session)?
                .into_plaintext(),
        })
    };
    let escrow_key = world.escrow_key();
    let outcome = |opened: core::result::Result<Opened, doormat::Error>| match opened {
        Ok(o) if o.plaintext() == message && o.sender() == &sender_public => Outcome::Reads,
        Ok(_) => Outcome::Wrong,
        Err(e) => Outcome::Cannot(error_name(&e)),
    };
    let rows = PARTIES
        .iter()
        .zip(&parties)
        .map(|(party, how)| {
            let (e2e, escrowed) = match how {
                Party::Device(id) | Party::Later(id) => (
                    outcome(e2e::open(id, &clean).map_err(Into::into)),
                    outcome(escrow::open(id, &escrow_key, &escrowed).map_err(Into::into)),
                ),
                Party::EscrowKey(key) => (
                    outcome(key.open(&clean).map_err(Into::into)),
                    outcome(key.open(&escrowed).map_err(Into::into)),
                ),
            };
            let session = match in_session_by(how) {
                Ok(pt) if pt == message => Outcome::Reads,
                Ok(_) => Outcome::Wrong,
                Err(Error::Doormat(e)) => Outcome::Cannot(error_name(&e)),
                Err(e) => Outcome::Cannot(e.to_string()),
            };
            Row {
                party,
                e2e,
                escrowed,
                session,
            }
        })
        .collect();
    Ok(Matrix {
        message: message.to_vec(),
        rows,
    })
}

/// The variant name of an error, without its fields.
/// The name of the innermost error: `NotARecipient`, `NotEscrowed`, …
fn error_name(e: &doormat::Error) -> String {
    let debug = match e {
        doormat::Error::Open(e) => format!("{e:?}"),
        doormat::Error::Escrow(e) => format!("{e:?}"),
        doormat::Error::Session(e) => format!("{e:?}"),
        e => format!("{e:?}"),
    };
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}
