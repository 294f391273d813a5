//! # Harvest now, decrypt later: one leak opens every year
//!
//! Run it with `cargo run --release --example harvest_now_decrypt_later`.
//!
//! An adversary records a service's traffic for three years and waits. On
//! the last day one key leaks. In the escrowed world that is the escrow key,
//! and every message ever recorded opens, back to the first day. In the same
//! world end to end, the worst a single leak can be is one device's key,
//! which opens the messages addressed to that device and nothing else.
//!
//! Historical case: "The Risks of Key Recovery, Key Escrow, and Trusted
//! Third-Party Encryption" (Abelson et al., 1997) named the loss of forward
//! secrecy among escrow's risks, and "Keys Under Doormats" (2015) warned
//! that exceptional access would force designers to reverse forward-secrecy
//! designs, in which ephemeral keys are destroyed so that a breach exposes
//! as little as possible. Sources: <https://www.derechos.org/nizkor/espana/doc/encryption2.html>,
//! <http://people.csail.mit.edu/rivest/pubs/AABBx15y.bib.txt>.
//!
//! What to watch for: the year-by-year table. Under escrow each year's
//! column is full; end to end, one device's share; and in forward-secret
//! sessions (the last column, the same traffic), that device's phone opens
//! nothing at all: the ratchet deleted every key it used.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::harvest_now_decrypt_later::{self as hndl, Params};
use doormat_attacks::{Mode, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Harvest now, decrypt later: one leak opens every year");
    let names = [
        "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
    ];
    let mut world = World::with_users(2015, Mode::Escrowed, &names);
    let params = Params {
        years: 3,
        per_day: 4,
        leaked_device: 3,
    };
    say(&format!(
        "{} people, {} messages a day for {} years. Every envelope is recorded. \
         On the last day: the escrow key leaks (escrowed world), or Dave's phone \
         is copied (the same world, end to end; and again with the same traffic in \
         forward-secret sessions).",
        names.len(),
        params.per_day,
        params.years
    ));
    let r = hndl::run(&mut world, params)?;

    heading("Exposed by one leak on the last day");
    println!(
        "{:10}{:>10}{:>20}{:>20}{:>20}",
        "year", "recorded", "escrow key leaks", "Dave's phone leaks", "ratcheted phone"
    );
    let cell = |n: usize, of: usize| format!("{n:>6} ({:>7})", pct(n, of));
    for (i, y) in r.years.iter().enumerate() {
        println!(
            "{:10}{:>10}{:>20}{:>20}{:>20}",
            format!("year {}", i + 1),
            y.recorded,
            bad(&cell(y.escrowed_exposed, y.recorded)),
            cell(y.e2e_exposed, y.recorded),
            cell(y.session_exposed, y.recorded),
        );
    }
    println!(
        "{:10}{:>10}{:>20}{:>20}{:>20}",
        "all",
        r.recorded,
        cell(r.escrowed_exposed, r.recorded),
        cell(r.e2e_exposed, r.recorded),
        cell(r.session_exposed, r.recorded),
    );
    println!();
    fact(
        "oldest message opened (escrow)",
        r.oldest_escrowed_exposed
            .map_or("none".to_owned(), |d| format!("day {d}")),
    );
    fact("messages to Dave (end to end)", r.to_leaked_device);
    fact(
        "to or from Dave (sessions)",
        format!(
            "{}, of which his phone's session states open {}",
            r.session_involving_device, r.session_exposed
        ),
    );
    println!();
    say(
        "Escrow keeps one key that can recover all past traffic: the opposite of \
         forward secrecy. Its leak is not one person's loss but everyone's history. \
         With ratcheted sessions even the one phone's leak opens none of its past.",
    );
    lesson(
        r.escrowed_exposed == r.recorded
            && r.oldest_escrowed_exposed == Some(0)
            && r.e2e_exposed == r.to_leaked_device
            && r.e2e_exposed < r.recorded
            && r.session_exposed == 0
            && r.session_involving_device > 0,
        "record now, and one leaked escrow key decrypts every year at once; end to end, one leak is one device.",
    );
    finished(started);
    Ok(())
}
