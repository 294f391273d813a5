//! # Quantum day: a classical access field reopens harvest now, decrypt later
//!
//! Run it with `cargo run --release --example quantum_day`.
//!
//! Everyone has a post-quantum (X-Wing) key, so every stanza of every
//! envelope is post-quantum. An adversary records the traffic for years,
//! three times over: end to end, escrowed with a classical (X25519) access
//! field, and escrowed with a post-quantum one. Then comes quantum day: the
//! adversary can solve X25519 discrete logarithms, and nothing else.
//!
//! The quantum computer is simulated honestly. The world logs every 32 bytes
//! of randomness it hands out, and the oracle answers the discrete logarithm
//! of any X25519 public key made from them — classical keys, ephemeral keys,
//! the X25519 half of X-Wing keys — and has no method for ML-KEM.
//!
//! Historical case: none yet — quantum day is still ahead, and this lesson
//! is about traffic recorded before it. age 1.3 seals to post-quantum
//! recipients with X-Wing (MLKEM768-X25519) and refuses to mix them with
//! classical recipients in one file, because one classical stanza would
//! let a future quantum computer open what is recorded today; an escrowed
//! envelope adds a stanza its sender did not choose. The escrow half is
//! the 1997 report's warning again ("The Risks of Key Recovery, Key Escrow,
//! and Trusted Third-Party Encryption", Abelson et al., named new targets
//! for attack and the loss of forward secrecy among its risks): the one
//! long-lived escrow key stays that target with a post-quantum KEM.
//! Sources: <https://github.com/FiloSottile/age>,
//! <https://www.derechos.org/nizkor/espana/doc/encryption2.html>.
//!
//! What to watch for: the X25519 halves fall in every regime and open
//! nothing, since an X-Wing stanza needs both halves. The classical access
//! field is the one stanza nobody chose, and through it everything opens.
//! A post-quantum field holds on quantum day, and falls the day its one key
//! leaks.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::quantum_day::{self, Params, Regime};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Quantum day: a classical access field reopens harvest now, decrypt later");
    let params = Params {
        seed: 2035,
        users: 12,
        years: 3,
        per_day: 2,
    };
    say(&format!(
        "{} people, every one with a post-quantum X-Wing key; {} messages a day for {} \
         years, recorded under three regimes with the same people and the same traffic.",
        params.users, params.per_day, params.years
    ));
    let report = quantum_day::run(params)?;

    heading("Quantum day: X25519 falls, ML-KEM holds");
    println!(
        "{:38}{:>10}{:>14}{:>16}{:>18}",
        "regime", "recorded", "X25519 solved", "quantum day", "escrow key leaks"
    );
    for o in &report.outcomes {
        let cell = |opened: usize| {
            let text = format!("{opened:>5} ({:>7})", pct(opened, o.recorded));
            if opened == 0 {
                good(&text)
            } else {
                bad(&text)
            }
        };
        println!(
            "{:38}{:>10}{:>14}{:>16}{:>18}",
            o.regime.name(),
            o.recorded,
            o.logs_solved,
            cell(o.opened_on_quantum_day),
            cell(o.opened_after_leak),
        );
    }
    println!();
    let clean = report.outcome(Regime::CleanPostQuantum);
    let classical = report.outcome(Regime::ClassicalField);
    let pq = report.outcome(Regime::PostQuantumField);
    fact(
        "only X-Wing stanzas",
        format!("{} of {}", clean.post_quantum_envelopes, clean.recorded),
    );
    fact(
        "classical escrow key solved",
        if classical.authority_solved {
            bad("yes")
        } else {
            good("no")
        },
    );
    fact(
        "post-quantum escrow key solved",
        if pq.authority_solved {
            bad("yes")
        } else {
            good("no (only its X25519 half)")
        },
    );
    println!();
    say(
        "Every stanza was post-quantum, yet the classical field made every envelope \
         classical for whoever records it: the weakest wrapping of the content key \
         decides. A post-quantum field closes that door and leaves the one that \
         cannot be closed: one long-lived key that opens everything ever recorded.",
    );
    lesson(
        clean.opened_on_quantum_day == 0
            && clean.opened_after_leak == 0
            && classical.authority_solved
            && classical.opened_on_quantum_day == classical.recorded
            && !pq.authority_solved
            && pq.opened_on_quantum_day == 0
            && pq.opened_after_leak == pq.recorded
            && clean.post_quantum_envelopes == clean.recorded,
        "post-quantum end to end survives quantum day; a classical access field \
         opens every recorded envelope, and a post-quantum one waits for its key to leak.",
    );
    finished(started);
    Ok(())
}
