//! Split custody: the teacher splits the authority's key among students;
//! they pass shares to each other, and whoever holds enough rebuilds the
//! key — with [`EscrowAuthority::split_with`] and
//! [`EscrowAuthority::recover`], as the command-line tool does.

use doormat::escrow::EscrowAuthority;
use doormat::random::SystemRng;

use crate::room::{Custody, Origin, Room};
use crate::Refusal;

impl Room {
    /// Splits the authority's key into one share per holder, any
    /// `threshold` of which rebuild it. Shares of an earlier split are
    /// taken back.
    pub(crate) fn split(&mut self, threshold: u8, holders: &[usize]) -> Result<(), Refusal> {
        for (i, &h) in holders.iter().enumerate() {
            self.student(h)?;
            if holders[..i].contains(&h) {
                return Err(Refusal::NotNow("give each student one share".into()));
            }
        }
        let n = u8::try_from(holders.len())
            .map_err(|_| Refusal::NotNow("at most 255 shares".into()))?;
        if n == 0 || threshold == 0 || threshold > n {
            return Err(Refusal::NotNow(format!(
                "cannot split into {n} shares with a threshold of {threshold}: need 1 <= threshold <= shares"
            )));
        }
        let shares = self
            .authority
            .split_with(threshold, n, &mut SystemRng)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        for s in &mut self.students {
            s.shares.clear();
        }
        for (&h, share) in holders.iter().zip(shares) {
            self.students[h].shares.push(share);
        }
        self.custody = Some(Custody {
            threshold,
            shares: n,
        });
        self.changed();
        Ok(())
    }

    /// A student hands a copy of every share they hold to another.
    pub(crate) fn give_shares(&mut self, from: usize, to: usize) -> Result<(), Refusal> {
        self.student(to)?;
        if from == to {
            return Err(Refusal::ToSelf);
        }
        if self.students[from].shares.is_empty() {
            return Err(Refusal::NotNow("you hold no share to give".into()));
        }
        self.charge(from)?;
        let given = self.students[from].shares.clone();
        let held = &mut self.students[to].shares;
        for share in given {
            if !held.iter().any(|h| h.index() == share.index()) {
                held.push(share);
            }
        }
        self.changed();
        Ok(())
    }

    /// A student tries to rebuild the key from the shares they hold. Too
    /// few shares is the library's refusal, passed on as it is.
    pub(crate) fn rebuild(&mut self, who: usize) -> Result<(), Refusal> {
        if self.student(who)?.shares.is_empty() {
            return Err(Refusal::NotNow("you hold no share".into()));
        }
        self.charge(who)?;
        let key = EscrowAuthority::recover(&self.students[who].shares)
            .map_err(|e| Refusal::NotNow(format!("the shares do not rebuild the key: {e}")))?;
        let student = &mut self.students[who];
        if student.key_copy.is_none() {
            student.key_copy = Some((Origin::Rebuilt, key));
        }
        self.changed();
        Ok(())
    }
}
