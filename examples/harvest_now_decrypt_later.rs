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
//! column is full; end to end, one device's share.

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
         is copied (the same world, end to end).",
        names.len(),
        params.per_day,
        params.years
    ));
    let r = hndl::run(&mut world, params)?;

    heading("Exposed by one leak on the last day");
    println!(
        "{:10}{:>12}{:>22}{:>22}",
        "year", "recorded", "escrow key leaks", "Dave's phone leaks"
    );
    for (i, y) in r.years.iter().enumerate() {
        println!(
            "{:10}{:>12}{:>22}{:>22}",
            format!("year {}", i + 1),
            y.recorded,
            bad(&format!(
                "{:>6} ({:>7})",
                y.escrowed_exposed,
                pct(y.escrowed_exposed, y.recorded)
            )),
            format!(
                "{:>6} ({:>7})",
                y.e2e_exposed,
                pct(y.e2e_exposed, y.recorded)
            ),
        );
    }
    println!(
        "{:10}{:>12}{:>22}{:>22}",
        "all",
        r.recorded,
        format!(
            "{:>6} ({:>7})",
            r.escrowed_exposed,
            pct(r.escrowed_exposed, r.recorded)
        ),
        format!(
            "{:>6} ({:>7})",
            r.e2e_exposed,
            pct(r.e2e_exposed, r.recorded)
        ),
    );
    println!();
    fact(
        "oldest message opened (escrow)",
        r.oldest_escrowed_exposed
            .map_or("none".to_owned(), |d| format!("day {d}")),
    );
    fact("messages to Dave (end to end)", r.to_leaked_device);
    println!();
    say(
        "Escrow keeps one key that can recover all past traffic: the opposite of \
         forward secrecy. Its leak is not one person's loss but everyone's history.",
    );
    lesson(
        r.escrowed_exposed == r.recorded
            && r.oldest_escrowed_exposed == Some(0)
            && r.e2e_exposed == r.to_leaked_device
            && r.e2e_exposed < r.recorded,
        "record now, and one leaked escrow key decrypts every year at once; end to end, one leak is one device.",
    );
    finished(started);
    Ok(())
}
