//! **Forward secrecy, and how escrow reverses it.** Two people talk for a
//! year; an eavesdropper records everything; one phone is seized on day D,
//! copied, and handed back. What do the copied keys open?
//!
//! * **File envelopes** (`e2e`): the phone's identity key opens every
//!   message ever sent to it, recorded before the seizure and after.
//! * **Forward-secret sessions** (`session`): the phone's session state
//!   opens none of the recorded past — each message key was deleted once
//!   used — and of the future only what is sent before the next round
//!   trip; then the ratchet heals and the copy goes blind. Its one-time
//!   prekey is gone too, so the recorded set-up cannot be run again.
//! * **Escrowed sessions**: the same for the phone; and the escrow key,
//!   which never expires, opens every message of the year, before and after
//!   the seizure — its reach never shrinks.
//!
//! "Keys Under Doormats" (2015) put this first: exceptional access forces a
//! U-turn from forward secrecy. The lesson also shows what forward secrecy
//! does not cover: the phone's app kept its history, and that goes with it.

mod thief;

pub use thief::Thief;

use doormat::e2e;
use doormat::escrow::EscrowAuthority;
use doormat::keys::Identity;
use doormat::session::{Message, MessageKind, Prekeys, Session};

use crate::world::{Mode, Traffic, World};
use crate::{Error, Result};

/// Simulated days in a month, for the escrow key's month-by-month reach.
pub const MONTH: u64 = 30;

/// The scenario.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Replays the run.
    pub seed: u64,
    /// Days of traffic (a year: 365).
    pub days: u64,
    /// Messages a day between the two, each way at random.
    pub per_day: usize,
    /// The day Bob's phone is seized, copied and returned.
    pub seized_on: u64,
}

/// One regime's outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Messages recorded before the seizure.
    pub past: usize,
    /// Of those, opened with the seized keys.
    pub past_opened: usize,
    /// Messages recorded from the seizure on.
    pub future: usize,
    /// Of those, opened with the seized keys.
    pub future_opened: usize,
    /// Opened with the escrow key (escrowed regime only), of all.
    pub escrow_opened: Option<usize>,
}

/// When the copied session went blind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Healing {
    /// Messages after the seizure the copy read before it went blind.
    pub read_first: usize,
    /// The first message after the seizure the copy could not read, and
    /// after which it read nothing: its index among the messages from the
    /// seizure on, and its day.
    pub blind_from: usize,
    /// Its day.
    pub day: u64,
}

/// What the seizure exposed, in the three regimes.
#[derive(Clone, Debug)]
pub struct Report {
    /// The scenario.
    pub params: Params,
    /// File envelopes, end to end.
    pub envelope: Outcome,
    /// Forward-secret sessions.
    pub session: Outcome,
    /// Escrowed sessions.
    pub escrowed_session: Outcome,
    /// When the session copy went blind (`None`: it never did).
    pub healed: Option<Healing>,
    /// Whether the seized identity and prekeys re-ran the recorded set-up.
    pub setup_rerun: bool,
    /// The escrow key, month by month: (recorded, opened).
    pub escrow_by_month: Vec<(usize, usize)>,
    /// Messages in the seized phone's history: plaintext, whatever the regime.
    pub history_seized: usize,
}

/// Runs the scenario: three worlds from one seed (same people, same
/// traffic), Alice and Bob, Bob's phone seized on `seized_on`.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for no days, no messages, or a seizure
/// outside the year; doormat's errors.
pub fn run(params: Params) -> Result<Report> {
    if params.days == 0 || params.per_day == 0 || params.seized_on >= params.days {
        return Err(Error::InvalidArgument(
            "needs days, messages and a seizure within them",
        ));
    }
    let traffic = |days| Traffic {
        days,
        per_day: params.per_day,
        max_recipients: 1,
    };
    let (alice, bob) = (0, 1);
    let mut worlds = [Mode::EndToEnd, Mode::Session, Mode::EscrowedSession]
        .map(|mode| World::with_users(params.seed, mode, &["Alice", "Bob"]));
    let mut seized = Vec::new();
    for world in &mut worlds {
        if params.seized_on > 0 {
            world.simulate(&traffic(params.seized_on))?;
        }
        seized.push(match world.mode() {
            Mode::EndToEnd => None,
            _ => Some(world.seize_phone(bob)?),
        });
        world.simulate(&traffic(params.days - params.seized_on))?;
    }
    let [envelopes, sessions, escrowed] = &worlds;
    let cut = |w: &World| {
        w.wiretap()
            .iter()
            .take_while(|i| i.day < params.seized_on)
            .count()
    };

    // File envelopes: the identity key opens everything addressed to Bob.
    let identity: Identity = envelopes.user(bob).identity().to_secret_string().parse()?;
    let mut envelope = outcome(envelopes, cut(envelopes));
    for (i, intercept) in envelopes.wiretap().iter().enumerate() {
        let opened =
            envelopes.is_true_read(intercept.id, &e2e::open(&identity, &intercept.envelope));
        tally(&mut envelope, i < cut(envelopes), opened);
    }

    // Sessions: the copied state, past (a fresh copy per message) and
    // future (one thief following the traffic).
    let phone = seized[1].as_ref().expect("a session world's phone");
    let (session, healed) = follow(sessions, phone, cut(sessions), alice)?;
    let rerun = rerun_setup(sessions, phone, alice)?;

    let phone = seized[2].as_ref().expect("a session world's phone");
    let (mut escrowed_session, _) = follow(escrowed, phone, cut(escrowed), alice)?;
    let key: EscrowAuthority = escrowed.authority().to_secret_string().parse()?;
    let months = params.days.div_ceil(MONTH) as usize;
    let mut escrow_by_month = vec![(0, 0); months];
    let mut escrow_opened = 0;
    for intercept in escrowed.wiretap() {
        let read = key
            .read_session_message(&intercept.envelope)
            .is_ok_and(|r| r.plaintext() == escrowed.ledger()[intercept.id].plaintext);
        let month = &mut escrow_by_month[(intercept.day / MONTH) as usize];
        month.0 += 1;
        month.1 += usize::from(read);
        escrow_opened += usize::from(read);
    }
    escrowed_session.escrow_opened = Some(escrow_opened);
    Ok(Report {
        params,
        envelope,
        session,
        escrowed_session,
        healed,
        setup_rerun: rerun,
        escrow_by_month,
        history_seized: seized[1].as_ref().map_or(0, |p| p.history.len()),
    })
}

fn outcome(world: &World, cut: usize) -> Outcome {
    Outcome {
        past: cut,
        future: world.wiretap().len() - cut,
        ..Outcome::default()
    }
}

fn tally(outcome: &mut Outcome, past: bool, opened: bool) {
    match past {
        true => outcome.past_opened += usize::from(opened),
        false => outcome.future_opened += usize::from(opened),
    }
}

/// What Bob's copied session state opens: each recorded message before the
/// seizure with a fresh copy, and the traffic after it with one thief that
/// follows it in order; and when it went blind.
fn follow(
    world: &World,
    phone: &crate::world::Seized,
    cut: usize,
    alice: usize,
) -> Result<(Outcome, Option<Healing>)> {
    let (_, state) = phone
        .sessions
        .iter()
        .find(|(peer, _)| *peer == alice)
        .ok_or(Error::InvalidArgument("Bob had no session with Alice"))?;
    let mut result = outcome(world, cut);
    let mut thief = Thief::new(state)?;
    let mut last_read = None;
    for (i, intercept) in world.wiretap().iter().enumerate() {
        let sent = &world.ledger()[intercept.id];
        let to_bob = sent.from == alice;
        let read = match i < cut {
            true => Thief::new(state)?.read(&intercept.envelope, to_bob),
            false => thief.read(&intercept.envelope, to_bob),
        };
        let opened = read.is_some_and(|pt| pt == sent.plaintext);
        tally(&mut result, i < cut, opened);
        if opened && i >= cut {
            last_read = Some(i - cut);
        }
    }
    let blind_from = last_read.map_or(0, |n| n + 1);
    let healed = (cut + blind_from < world.wiretap().len()).then(|| Healing {
        read_first: result.future_opened,
        blind_from,
        day: world.wiretap()[cut + blind_from].day,
    });
    Ok((result, healed))
}

/// Whether the seized identity and prekeys answer a recorded set-up
/// message to Bob again (they cannot when it used a one-time prekey,
/// deleted once used; if Bob started the session, there is none).
fn rerun_setup(world: &World, phone: &crate::world::Seized, alice: usize) -> Result<bool> {
    let identity: Identity = phone.identity.parse()?;
    let mut rerun = false;
    for intercept in world.wiretap() {
        let setup = Message::parse(&intercept.envelope)?.kind() == MessageKind::Setup;
        if setup && world.ledger()[intercept.id].from == alice {
            let mut prekeys = Prekeys::from_bytes(&phone.prekeys)?;
            rerun |= Session::respond(&identity, &mut prekeys, &intercept.envelope).is_ok();
        }
    }
    Ok(rerun)
}
