//! What the teacher does to the room: the rule, the lesson's step, the
//! leak, the superencryption tool, the seizure, the reset. Each action
//! changes who holds which key, and the columns it touches are tried again
//! on every message in the room.

use doormat::escrow::EscrowAuthority;
use doormat::random::SystemRng;

use crate::lesson::STEPS;
use crate::limits::Bucket;
use crate::room::{
    copy_of_identity, copy_of_key, identity, scanner, secret, Column, Mode, Origin, Room,
};
use crate::Refusal;

impl Room {
    /// Switches the rule: phones seal and open under it from now on, and
    /// every recipient opens its messages again with the new client.
    pub(crate) fn set_mode(&mut self, mode: Mode) {
        if self.mode != mode {
            self.mode = mode;
            self.recompute(Column::Recipient);
        }
        self.changed();
    }

    /// Moves the class to a step of the lesson.
    pub(crate) fn set_step(&mut self, step: u8) -> Result<(), Refusal> {
        if usize::from(step) >= STEPS.len() {
            return Err(Refusal::UnknownStep(step));
        }
        self.step = step;
        self.changed();
        Ok(())
    }

    /// Gives a student a copy of the escrow key: its text, parsed back, as
    /// a backup left on a shared drive would be.
    pub(crate) fn leak(&mut self, to: usize) -> Result<(), Refusal> {
        self.student(to)?;
        let copy = copy_of_key(&self.authority)?;
        self.students[to].key_copy = Some((Origin::Leaked, copy));
        self.recompute(Column::Criminal);
        self.changed();
        Ok(())
    }

    /// Gives a student's phone the superencryption tool, or takes it back.
    pub(crate) fn allow_superencryption(&mut self, to: usize, allow: bool) -> Result<(), Refusal> {
        self.student(to)?;
        self.students[to].may_superencrypt = allow;
        self.changed();
        Ok(())
    }

    /// Seizes a student's phone: the seizer holds a copy of its keys and
    /// tries every message the room ever carried.
    pub(crate) fn seize(&mut self, who: usize) -> Result<(), Refusal> {
        let copy = copy_of_identity(&self.student(who)?.identity)?;
        self.seized = Some((who, copy));
        self.recompute(Column::Seizer);
        self.changed();
        Ok(())
    }

    /// Function creep: the service adds the protest poster to its list
    /// and every phone installs the new version.
    pub(crate) fn list_poster(&mut self) {
        self.scanner.list_poster(&self.pictures);
        self.changed();
    }

    /// Back to the start: no messages, fresh keys for every phone, a new
    /// authority and scanning provider, end to end, step 0, no leak,
    /// seizure, custody or answers. The students stay in the room with their names and
    /// sessions, unless `keep_students` is false.
    pub(crate) fn reset(&mut self, keep_students: bool) -> Result<(), Refusal> {
        let authority = EscrowAuthority::generate_with(&mut SystemRng)
            .map_err(|e| Refusal::Internal(e.to_string()))?;
        let mut fresh = Vec::with_capacity(self.students.len());
        if keep_students {
            for _ in &self.students {
                fresh.push(identity()?);
            }
        }
        let (service, eavesdropper) = (identity()?, identity()?);
        let mut accounts = Vec::with_capacity(fresh.len());
        for _ in &fresh {
            accounts.push(secret()?);
        }
        let scanner = scanner()?;
        if !keep_students {
            self.students.clear();
        }
        for ((student, id), account) in self.students.iter_mut().zip(fresh).zip(accounts) {
            student.identity = id;
            student.scan_account = account;
            student.vouchers = 0;
            student.may_superencrypt = false;
            student.shares.clear();
            student.key_copy = None;
            student.answers.clear();
            student.bucket = Bucket::full(&self.limits);
        }
        self.messages.clear();
        self.mode = Mode::EndToEnd;
        self.escrow_key = authority.public_key();
        self.authority = authority;
        self.service = service;
        self.eavesdropper = eavesdropper;
        self.scanner = scanner;
        self.seized = None;
        self.custody = None;
        self.step = 0;
        self.changed();
        Ok(())
    }
}
