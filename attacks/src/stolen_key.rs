//! **A stolen escrow key.** The authority's key is just bytes: serialised
//! for a backup, copied by an insider or an intruder, parsed back on a
//! criminal's laptop. The copy reads the whole escrowed archive exactly as
//! the state does, byte for byte — and, like the state, nothing of the same
//! traffic sent end to end.

use std::time::{Duration, Instant};

use super::world::{Mode, World};
use crate::{Error, Result};
use doormat::escrow::EscrowAuthority;

/// What the state and the criminal read.
#[derive(Clone, Debug)]
pub struct Report {
    /// Length of the key's text form: all there is to steal.
    pub stolen_text_len: usize,
    /// Whether the parsed copy is the same key as the original.
    pub same_key: bool,
    /// Envelopes in the escrowed archive.
    pub archive: usize,
    /// Of those, read by the state (true plaintext and sender).
    pub state_reads: usize,
    /// Of those, read by the criminal's copy.
    pub criminal_reads: usize,
    /// Whether every open by the copy returned exactly what the state's did.
    pub byte_for_byte: bool,
    /// The same traffic sent end to end: envelopes.
    pub e2e_archive: usize,
    /// Of those, read by the state.
    pub e2e_state_reads: usize,
    /// Of those, read by the criminal.
    pub e2e_criminal_reads: usize,
    /// The criminal's time to read the escrowed archive.
    pub criminal_elapsed: Duration,
}

/// Steals the world's escrow key and reads the archive with it, beside the
/// state; then does the same against the world's end-to-end twin.
///
/// # Errors
///
/// [`Error::InvalidArgument`] if the world is not escrowed; errors from
/// parsing the copy or building the twin.
pub fn run(world: &mut World) -> Result<Report> {
    if world.mode() != Mode::Escrowed {
        return Err(Error::InvalidArgument("stolen_key needs an escrowed world"));
    }
    let stolen = world.authority().to_secret_string();
    let criminal: EscrowAuthority = stolen.parse()?;
    let state = world.authority();

    let mut state_reads = 0;
    let mut byte_for_byte = true;
    let mut state_opens = Vec::new();
    for intercept in world.wiretap() {
        let opened = state.open(&intercept.envelope);
        state_reads += usize::from(world.is_true_read(intercept.id, &opened));
        state_opens.push(opened.map(|o| (o.sender().clone(), o.into_plaintext())));
    }
    let started = Instant::now();
    let mut criminal_reads = 0;
    for (intercept, by_state) in world.wiretap().iter().zip(&state_opens) {
        let opened = criminal.open(&intercept.envelope);
        criminal_reads += usize::from(world.is_true_read(intercept.id, &opened));
        let same = match (&opened, by_state) {
            (Ok(o), Ok((sender, pt))) => o.sender() == sender && o.plaintext() == &pt[..],
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        };
        byte_for_byte &= same;
    }
    let criminal_elapsed = started.elapsed();

    let e2e = world.twin(Mode::EndToEnd)?;
    Ok(Report {
        stolen_text_len: stolen.len(),
        same_key: criminal == *state,
        archive: world.wiretap().len(),
        state_reads,
        criminal_reads,
        byte_for_byte,
        e2e_archive: e2e.wiretap().len(),
        e2e_state_reads: e2e.read_by(e2e.authority()),
        e2e_criminal_reads: e2e.read_by(&criminal),
        criminal_elapsed,
    })
}
