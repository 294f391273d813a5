//! **Harvest now, decrypt later.** An adversary records traffic for years
//! and waits. On the last day one key leaks. Under escrow it is *the* key:
//! every message ever recorded opens, from the first day on. End to end, the
//! worst single leak is one device's key, which opens only the messages
//! addressed to that device. Escrow means keeping a recoverable key for all
//! past traffic: the opposite of forward secrecy. With forward-secret
//! sessions instead of envelopes, the same device's keys open none of it.

use super::forward_secrecy::Thief;
use super::world::{Mode, Traffic, UserId, World};
use crate::{Error, Result};
use doormat::e2e;
use doormat::keys::Identity;

/// Simulated days in a year.
pub const YEAR: u64 = 365;

/// The scenario: years of traffic, then one leak.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// Years of recorded traffic.
    pub years: u64,
    /// Messages per day.
    pub per_day: usize,
    /// The device whose key leaks in the end-to-end world.
    pub leaked_device: UserId,
}

/// Messages exposed in one year of the recording.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Year {
    /// Messages recorded that year.
    pub recorded: usize,
    /// Opened with the leaked escrow key.
    pub escrowed_exposed: usize,
    /// Opened with the leaked device key, end to end.
    pub e2e_exposed: usize,
    /// Opened with the leaked device's session states, in forward-secret
    /// sessions.
    pub session_exposed: usize,
}

/// What one leak on the last day exposed.
#[derive(Clone, Debug)]
pub struct Report {
    /// Envelopes recorded (in each regime).
    pub recorded: usize,
    /// Escrowed regime: opened with the leaked escrow key.
    pub escrowed_exposed: usize,
    /// End-to-end regime: opened with the leaked device key.
    pub e2e_exposed: usize,
    /// End-to-end regime: messages addressed to the leaked device.
    pub to_leaked_device: usize,
    /// The same traffic in forward-secret sessions: messages the leaked
    /// device's session states open (none: every key it used is gone).
    pub session_exposed: usize,
    /// Sessions: messages to or from the leaked device.
    pub session_involving_device: usize,
    /// The day of the oldest message the escrow leak opened.
    pub oldest_escrowed_exposed: Option<u64>,
    /// Year by year.
    pub years: Vec<Year>,
}

/// Records `params.years` of traffic in an escrowed `world` (which must
/// have users and no traffic yet), leaks the escrow key on the last day;
/// replays the same traffic end to end and leaks one device key instead;
/// and once more in forward-secret sessions, leaking that device's phone.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the world is not escrowed, already has
/// traffic, or has no such device; sealing errors.
pub fn run(world: &mut World, params: Params) -> Result<Report> {
    if world.mode() != Mode::Escrowed || !world.ledger().is_empty() {
        return Err(Error::InvalidArgument("needs a fresh escrowed world"));
    }
    if params.leaked_device >= world.users().len() {
        return Err(Error::InvalidArgument("no such device"));
    }
    world.simulate(&Traffic {
        days: params.years * YEAR,
        per_day: params.per_day,
        max_recipients: 2,
    })?;
    let twin = world.twin(Mode::EndToEnd)?;
    let sessions = world.twin(Mode::Session)?;

    // The last day: the escrow key leaks as text; so does one phone.
    let leaked_escrow: doormat::escrow::EscrowAuthority =
        world.authority().to_secret_string().parse()?;
    let leaked_device: Identity = twin
        .user(params.leaked_device)
        .identity()
        .to_secret_string()
        .parse()?;

    let mut years = vec![Year::default(); params.years as usize];
    let mut report = Report {
        recorded: world.wiretap().len(),
        escrowed_exposed: 0,
        e2e_exposed: 0,
        to_leaked_device: 0,
        session_exposed: 0,
        session_involving_device: 0,
        oldest_escrowed_exposed: None,
        years: Vec::new(),
    };
    for (escrowed, clean) in world.wiretap().iter().zip(twin.wiretap()) {
        let year = &mut years[(escrowed.day / YEAR) as usize];
        year.recorded += 1;
        if world.is_true_read(escrowed.id, &leaked_escrow.open(&escrowed.envelope)) {
            year.escrowed_exposed += 1;
            report.escrowed_exposed += 1;
            let oldest = report.oldest_escrowed_exposed.get_or_insert(escrowed.day);
            *oldest = (*oldest).min(escrowed.day);
        }
        if twin.is_true_read(clean.id, &e2e::open(&leaked_device, &clean.envelope)) {
            year.e2e_exposed += 1;
            report.e2e_exposed += 1;
        }
        let sent = &twin.ledger()[clean.id];
        report.to_leaked_device += usize::from(sent.to.contains(&params.leaked_device));
    }
    let exposed = session_exposure(&sessions, params.leaked_device)?;
    for (id, read) in exposed {
        let sent = &sessions.ledger()[id];
        report.session_involving_device += 1;
        if read {
            report.session_exposed += 1;
            years[(sent.day / YEAR) as usize].session_exposed += 1;
        }
    }
    report.years = years;
    Ok(report)
}

/// The leaked phone's session states on the last day against every
/// recorded session message to or from it (a fresh copy for each):
/// `(message, opened)` for each message involving the device.
fn session_exposure(world: &World, device: UserId) -> Result<Vec<(usize, bool)>> {
    let phone = world.seize_phone(device)?;
    let mut out: Vec<(usize, bool)> = Vec::new();
    let mut nth = 0;
    for (i, intercept) in world.wiretap().iter().enumerate() {
        let sent = &world.ledger()[intercept.id];
        // A message to several people is one session message each, in order.
        nth = match i > 0 && world.wiretap()[i - 1].id == intercept.id {
            true => nth + 1,
            false => 0,
        };
        let to = sent.to[nth];
        let peer = match (sent.from == device, to == device) {
            (true, _) => to,
            (false, true) => sent.from,
            (false, false) => continue,
        };
        let state = phone
            .sessions
            .iter()
            .find(|(p, _)| *p == peer)
            .map(|(_, s)| s);
        let read = match state {
            Some(state) => Thief::new(state)?
                .read(&intercept.envelope, to == device)
                .is_some_and(|pt| pt == sent.plaintext),
            None => false,
        };
        match out.last_mut() {
            Some((id, any)) if *id == intercept.id => *any |= read,
            _ => out.push((intercept.id, read)),
        }
    }
    Ok(out)
}
