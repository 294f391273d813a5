//! **Jurisdiction spill-over.** One country mandates escrowed clients for
//! its users. Its users' clients escrow what they send and accept only
//! escrowed envelopes, so everyone who writes to them, or shares a group
//! with one of them, is escrowed too: the mandate reaches users of every
//! other country, who never lived under it.
//!
//! *Mirrors:* the UK Home Office's technical capability notice to Apple
//! under the Investigatory Powers Act, reported on 7 February 2025, which
//! reportedly sought access to Advanced Data Protection data of users
//! worldwide; Apple withdrew ADP for UK users on 21 February 2025. A UK
//! user's standard iCloud backup holds the messages their foreign contacts
//! sent them.
//!
//! The world's users are placed in countries ([`World::set_country`]) and
//! one country is mandated ([`World::mandate_escrow`]). Traffic has a home
//! bias (most recipients share the sender's country) and group chats whose
//! members mostly do. Then the state opens every envelope on the wire with
//! its escrow key, and the shares are counted for the *other* countries.

use crate::world::{below, MessageId, UserId, World};
use crate::{Error, Result};
use doormat::e2e;
use doormat::escrow;
use doormat::random::Rng;

/// The countries and the traffic.
#[derive(Clone, Debug)]
pub struct Params {
    /// Countries and how many users each has.
    pub countries: Vec<(&'static str, usize)>,
    /// The country whose clients must escrow.
    pub mandated: &'static str,
    /// One-to-one messages to send.
    pub messages: usize,
    /// Probability that a recipient is drawn from the sender's country.
    pub home_bias: f64,
    /// Group chats, and members in each.
    pub groups: (usize, usize),
    /// Messages sent to each group, each from a random member.
    pub per_group: usize,
}

impl Default for Params {
    /// Five countries, 200 users, the UK's 25 mandated; 2,000 one-to-one
    /// messages with a home bias of 0.8, and 40 groups of five with ten
    /// messages each.
    fn default() -> Params {
        Params {
            countries: vec![("UK", 25), ("FR", 40), ("DE", 45), ("US", 60), ("IE", 30)],
            mandated: "UK",
            messages: 2_000,
            home_bias: 0.8,
            groups: (40, 5),
            per_group: 10,
        }
    }
}

/// One country's exposure.
#[derive(Clone, Debug)]
pub struct Country {
    /// Its name.
    pub name: &'static str,
    /// Its users.
    pub users: usize,
    /// Of those, with at least one message (sent or received) the state read.
    pub exposed: usize,
    /// Messages its users sent or received.
    pub messages: usize,
    /// Of those, read by the state.
    pub read: usize,
}

/// What the mandate exposed.
#[derive(Clone, Debug)]
pub struct Report {
    /// Every country, the mandated one first.
    pub countries: Vec<Country>,
    /// Users outside the mandated country.
    pub others: usize,
    /// Of those, with at least one message the state read.
    pub others_exposed: usize,
    /// Messages involving only users outside the mandated country.
    pub others_only: usize,
    /// Of those, read (none: the mandate reaches only what touches it).
    pub others_only_read: usize,
    /// Messages of other countries' users that the state read because they
    /// wrote to a mandated user one to one.
    pub read_sent_to_mandated: usize,
    /// … because a mandated user wrote to them.
    pub read_from_mandated: usize,
    /// … because they share a group with a mandated user.
    pub read_in_groups: usize,
    /// Groups with at least one mandated member, of all groups.
    pub groups_touched: (usize, usize),
    /// A clean envelope from a foreign client to a mandated user is refused
    /// by the mandated user's compliant client (`NotEscrowed`).
    pub clean_refused: bool,
    /// Every envelope a mandated user received opened for them through
    /// their compliant client.
    pub mandated_received_ok: bool,
}

/// Places users, mandates one country, sends the traffic, and counts what
/// the state reads. `world` must have no users yet.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a world with users, fewer than two
/// countries, a mandated country not in the list, or groups larger than the
/// population; sealing errors.
pub fn run(world: &mut World, params: &Params) -> Result<Report> {
    let n: usize = params.countries.iter().map(|c| c.1).sum();
    if !world.users().is_empty()
        || params.countries.len() < 2
        || !params.countries.iter().any(|c| c.0 == params.mandated)
        || params.groups.1 < 2
        || params.groups.1 > n
    {
        return Err(Error::InvalidArgument(
            "jurisdiction needs an empty world and countries",
        ));
    }
    let mut home: Vec<usize> = Vec::with_capacity(n);
    for (c, &(name, count)) in params.countries.iter().enumerate() {
        for i in 0..count {
            let u = world.add_user(&format!("{name} {}", i + 1));
            world.set_country(u, name)?;
            home.push(c);
        }
    }
    world.mandate_escrow(params.mandated);
    let by_country: Vec<Vec<UserId>> = (0..params.countries.len())
        .map(|c| (0..n).filter(|&u| home[u] == c).collect())
        .collect();
    // A recipient for `from`: from home with the bias, else anyone else.
    let pick = |world: &mut World, from: UserId, taken: &[UserId]| loop {
        let bias = world.rng().next_u64() as f64 / u64::MAX as f64;
        let pool = &by_country[home[from]];
        let r = if bias < params.home_bias && pool.len() > 1 {
            pool[below(world.rng(), pool.len())]
        } else {
            below(world.rng(), n)
        };
        if r != from && !taken.contains(&r) {
            return r;
        }
    };
    let mut kinds: Vec<(MessageId, bool)> = Vec::new();
    for _ in 0..params.messages {
        let from = below(world.rng(), n);
        let to = pick(world, from, &[]);
        let id = world.send(from, &[to], format!("note from {from} to {to}").as_bytes())?;
        kinds.push((id, false));
    }
    let mut groups_touched = 0;
    for g in 0..params.groups.0 {
        let first = below(world.rng(), n);
        let mut members = vec![first];
        while members.len() < params.groups.1 {
            let m = pick(world, first, &members);
            members.push(m);
        }
        groups_touched += usize::from(members.iter().any(|&m| world.is_mandated(m)));
        for k in 0..params.per_group {
            let from = members[below(world.rng(), members.len())];
            let to: Vec<UserId> = members.iter().copied().filter(|&m| m != from).collect();
            let id = world.send(from, &to, format!("group {g}, message {k}").as_bytes())?;
            kinds.push((id, true));
        }
    }

    let mut report = Report {
        countries: Vec::new(),
        others: 0,
        others_exposed: 0,
        others_only: 0,
        others_only_read: 0,
        read_sent_to_mandated: 0,
        read_from_mandated: 0,
        read_in_groups: 0,
        groups_touched: (groups_touched, params.groups.0),
        clean_refused: false,
        mandated_received_ok: true,
    };
    let mut exposed = vec![false; n];
    let mut per_user = vec![(0usize, 0usize); n];
    let key = world.escrow_key();
    for &(id, group) in &kinds {
        let intercept = &world.wiretap()[id];
        let sent = &world.ledger()[id];
        let read = world.is_true_read(id, &world.authority().open(&intercept.envelope));
        let people: Vec<UserId> = std::iter::once(sent.from)
            .chain(sent.to.iter().copied())
            .collect();
        for &u in &people {
            per_user[u].0 += 1;
            per_user[u].1 += usize::from(read);
            exposed[u] |= read;
        }
        for &r in sent.to.iter().filter(|&&r| world.is_mandated(r)) {
            let opened = escrow::open(world.user(r).identity(), &key, &intercept.envelope);
            report.mandated_received_ok &= world.is_true_read(id, &opened);
        }
        let foreigners = people.iter().any(|&u| !world.is_mandated(u));
        if people.iter().all(|&u| !world.is_mandated(u)) {
            report.others_only += 1;
            report.others_only_read += usize::from(read);
        } else if read && foreigners {
            let cause = if group {
                &mut report.read_in_groups
            } else if world.is_mandated(sent.from) {
                &mut report.read_from_mandated
            } else {
                &mut report.read_sent_to_mandated
            };
            *cause += 1;
        }
    }
    for (c, &(name, users)) in params.countries.iter().enumerate() {
        let members = &by_country[c];
        report.countries.push(Country {
            name,
            users,
            exposed: members.iter().filter(|&&u| exposed[u]).count(),
            messages: members.iter().map(|&u| per_user[u].0).sum(),
            read: members.iter().map(|&u| per_user[u].1).sum(),
        });
    }
    report.countries.sort_by_key(|c| c.name != params.mandated);
    report.others = (0..n).filter(|&u| !world.is_mandated(u)).count();
    report.others_exposed = (0..n)
        .filter(|&u| !world.is_mandated(u) && exposed[u])
        .count();

    // A foreign client that ignores the mandate: refused on arrival.
    let foreigner = (0..n).find(|&u| !world.is_mandated(u));
    let local = (0..n).find(|&u| world.is_mandated(u));
    if let (Some(f), Some(l)) = (foreigner, local) {
        let clean = e2e::seal(
            world.user(f).identity(),
            &[world.user(l).public()],
            b"hello",
        )?;
        report.clean_refused = matches!(
            escrow::open(world.user(l).identity(), &key, &clean),
            Err(escrow::Error::NotEscrowed)
        );
    }
    Ok(report)
}
