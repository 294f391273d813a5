//! **The wiretap system as the target.** Lawful interception needs a
//! system: the warrant list (whom to intercept), the recordings and — under
//! escrow — a key that decrypts them as they arrive, so investigators get
//! plaintext. An intruder who takes the system over reads everything
//! escrowed, *and* learns the warrant list: who is under surveillance. No
//! custody of the key protects the list; the system cannot work without it.
//!
//! *Mirrors:* the Athens affair (2004–05): rogue software in Vodafone
//! Greece's switches used the lawful-intercept function to tap about a
//! hundred phones, the prime minister's among them, for ten months. Salt
//! Typhoon (reported from October 2024): intruders in US carriers reached
//! the systems for court-authorised wiretaps, and so the list of targets;
//! in December 2024 CISA's "Mobile Communications Best Practice Guidance"
//! told senior officials to use end-to-end encrypted messaging.
//!
//! The scenario runs in an escrowed world and its end-to-end twin. Under
//! escrow the system holds the key (live delivery); a third variant keeps
//! the key split among custodians (2 of 3), out of the system.

use doormat::escrow::EscrowAuthority;

use crate::world::{Mode, UserId, World};
use crate::{Error, Result};

/// Whom the warrants name, and when the intruder arrives.
#[derive(Clone, Debug)]
pub struct Params {
    /// Users under warrant.
    pub warrants: Vec<UserId>,
    /// Users the intruder adds to the system's list on its own (Athens:
    /// the prime minister's phone).
    pub intruder_targets: Vec<UserId>,
    /// The day the intruder takes the system over.
    pub intrusion_day: u64,
}

/// What the interception system holds: the warrant list by name, and the
/// escrow key's text form when it delivers plaintext live.
#[derive(Clone, Debug)]
struct System {
    warrants: Vec<String>,
    key: Option<String>,
}

/// What one regime exposed to the intruder.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Names on the warrant list the intruder copied.
    pub targets_learned: Vec<String>,
    /// Envelopes on the wire (the archive the system records).
    pub archive: usize,
    /// Of those, read by the intruder.
    pub read: usize,
    /// Of those, to or from a warrant's target.
    pub read_of_targets: usize,
    /// Of those, of users no warrant names.
    pub read_beyond_warrants: usize,
    /// Of those, sent before the intrusion.
    pub read_before_intrusion: usize,
    /// Of those, to or from the intruder's own targets.
    pub read_of_intruder_targets: usize,
}

/// The three regimes.
#[derive(Clone, Debug)]
pub struct Report {
    /// Users in the world.
    pub users: usize,
    /// Whether two of the three custodians rebuild the key (the state can
    /// still read, slowly, by asking them).
    pub custodians_rebuild: bool,
    /// Escrowed, the key in the system.
    pub escrowed: Outcome,
    /// Escrowed, the key split 2 of 3 among custodians, outside the system.
    pub split_custody: Outcome,
    /// End to end: the system holds warrants and ciphertext.
    pub end_to_end: Outcome,
}

fn breach(world: &World, params: &Params, system: &System) -> Result<Outcome> {
    // The intruder's copy: the list, and the key if the system has it.
    let stolen = system.clone();
    let key: Option<EscrowAuthority> = stolen.key.as_deref().map(str::parse).transpose()?;
    let targets: Vec<UserId> = stolen
        .warrants
        .iter()
        .filter_map(|name| world.find(name))
        .collect();
    let mut o = Outcome {
        targets_learned: stolen.warrants,
        archive: world.wiretap().len(),
        ..Outcome::default()
    };
    for intercept in world.wiretap() {
        let Some(key) = &key else { break };
        if !world.is_true_read(intercept.id, &key.open(&intercept.envelope)) {
            continue;
        }
        let sent = &world.ledger()[intercept.id];
        let involves =
            |set: &[UserId]| set.contains(&sent.from) || sent.to.iter().any(|r| set.contains(r));
        o.read += 1;
        o.read_of_targets += usize::from(involves(&targets));
        o.read_beyond_warrants += usize::from(!involves(&targets));
        o.read_before_intrusion += usize::from(intercept.day < params.intrusion_day);
        o.read_of_intruder_targets += usize::from(involves(&params.intruder_targets));
    }
    Ok(o)
}

/// Runs the breach against an escrowed world whose traffic has been
/// simulated, its split-custody variant and its end-to-end twin.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a clean world, no warrants, or unknown
/// users; errors from splitting the key or building the twin.
pub fn run(world: &mut World, params: &Params) -> Result<Report> {
    let n = world.users().len();
    if world.mode() != Mode::Escrowed
        || params.warrants.is_empty()
        || params
            .warrants
            .iter()
            .chain(&params.intruder_targets)
            .any(|&u| u >= n)
    {
        return Err(Error::InvalidArgument(
            "needs an escrowed world and known targets",
        ));
    }
    let names: Vec<String> = params
        .warrants
        .iter()
        .map(|&u| world.user(u).name().to_owned())
        .collect();
    let live = System {
        warrants: names.clone(),
        key: Some(world.authority().to_secret_string().to_string()),
    };
    // Split custody: the key leaves the system in three shares; two rebuild
    // it, in the custodians' hands, never in the system's.
    let shares = world.authority().split(2, 3)?;
    let custodians_rebuild = EscrowAuthority::recover(&shares[1..])? == *world.authority();
    let custody = System {
        warrants: names.clone(),
        key: None,
    };
    let e2e = world.twin(Mode::EndToEnd)?;
    let clean = System {
        warrants: names,
        key: Some(e2e.authority().to_secret_string().to_string()),
    };
    Ok(Report {
        users: n,
        custodians_rebuild,
        escrowed: breach(world, params, &live)?,
        split_custody: breach(world, params, &custody)?,
        end_to_end: breach(&e2e, params, &clean)?,
    })
}
