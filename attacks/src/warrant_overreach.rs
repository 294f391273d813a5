//! **Warrant overreach.** A judge signs a warrant for one suspect and one
//! month. The state opens what the warrant covers — and, with the very same
//! call, everything else the wiretap holds: every other user, every other
//! month. The warrant is a piece of paper; [`EscrowAuthority::open`]
//! takes the envelope and nothing else, so nothing in the mathematics can
//! enforce its scope.
//!
//! [`EscrowAuthority::open`]: doormat::escrow::EscrowAuthority::open

use std::time::{Duration, Instant};

use super::world::{MessageId, UserId, World};
use doormat::Result;

/// Simulated days in a month.
pub const MONTH: u64 = 30;

/// A warrant: one suspect, one month.
#[derive(Clone, Copy, Debug)]
pub struct Warrant {
    /// The suspect the warrant names.
    pub suspect: UserId,
    /// The month it covers (month 0 is days 0..30).
    pub month: u64,
}

impl Warrant {
    /// Whether the warrant covers message `id` of `world`: to or from the
    /// suspect, sent in the month.
    pub fn covers(&self, world: &World, id: MessageId) -> bool {
        let sent = &world.ledger()[id];
        let involved = sent.from == self.suspect || sent.to.contains(&self.suspect);
        involved && sent.day / MONTH == self.month
    }
}

/// What the state read.
#[derive(Clone, Debug)]
pub struct Report {
    /// Envelopes the wiretap held.
    pub intercepted: usize,
    /// Messages inside the warrant's scope.
    pub in_scope: Vec<MessageId>,
    /// Of those, read (true plaintext and sender).
    pub in_scope_read: usize,
    /// Messages outside the scope that the same key read.
    pub out_of_scope_read: Vec<MessageId>,
    /// Of those, messages neither from nor to the suspect.
    pub other_users_read: usize,
    /// Of those, messages outside the warrant's month.
    pub other_months_read: usize,
    /// Distinct users whose messages were read beyond the warrant.
    pub users_exposed: usize,
    /// Opens that failed (none, in an escrowed world).
    pub failed: usize,
    /// Time to open everything.
    pub elapsed: Duration,
}

/// The state opens every intercepted envelope with its escrow key and sorts
/// the results by the warrant's scope.
///
/// # Errors
///
/// None today; the signature leaves room for scenarios that seal.
pub fn run(world: &mut World, warrant: Warrant) -> Result<Report> {
    let started = Instant::now();
    let authority = world.authority();
    let mut report = Report {
        intercepted: world.wiretap().len(),
        in_scope: Vec::new(),
        in_scope_read: 0,
        out_of_scope_read: Vec::new(),
        other_users_read: 0,
        other_months_read: 0,
        users_exposed: 0,
        failed: 0,
        elapsed: Duration::ZERO,
    };
    let mut exposed = vec![false; world.users().len()];
    for intercept in world.wiretap() {
        let opened = authority.open(&intercept.envelope);
        let read = world.is_true_read(intercept.id, &opened);
        report.failed += usize::from(!read);
        if warrant.covers(world, intercept.id) {
            report.in_scope.push(intercept.id);
            report.in_scope_read += usize::from(read);
        } else if read {
            let sent = &world.ledger()[intercept.id];
            report.out_of_scope_read.push(intercept.id);
            let involved = sent.from == warrant.suspect || sent.to.contains(&warrant.suspect);
            report.other_users_read += usize::from(!involved);
            report.other_months_read += usize::from(sent.day / MONTH != warrant.month);
            for &u in std::iter::once(&sent.from).chain(&sent.to) {
                if u != warrant.suspect {
                    exposed[u] = true;
                }
            }
        }
    }
    report.users_exposed = exposed.iter().filter(|&&e| e).count();
    report.elapsed = started.elapsed();
    Ok(report)
}
