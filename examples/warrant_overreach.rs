//! # Warrant overreach: a warrant for one, a key for all
//!
//! Run it with `cargo run --release --example warrant_overreach`.
//!
//! Eight people use an escrowed messenger for three months while a wiretap
//! records every envelope. A judge signs a warrant for one suspect, Bob, for
//! one month. The state opens what the warrant covers — and then, with the
//! same key and the same call, everything else on the tape.
//!
//! Historical case: the Clipper chip (announced April 1993, FIPS 185 in
//! February 1994). A wiretapper decrypted a chip's access field to learn its
//! unit ID, took a warrant to both escrow agents (NIST and the Treasury
//! Department's Automated Systems Division), and got back the halves of that
//! chip's key. The scope of a warrant lived in that procedure, not in the
//! key. Sources: <https://courses.cs.washington.edu/courses/csep590/02wi/lectures/class10_files/slide0264.htm>,
//! <http://x5.net/faqs/crypto/q152.html>.
//!
//! What to watch for: the numbers inside and outside the warrant's scope
//! come from the same `EscrowAuthority::open`, which takes an envelope and
//! nothing else. There is no argument a scope could be passed in.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::warrant_overreach::{self, Warrant, MONTH};
use doormat_attacks::{Mode, Traffic, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Warrant overreach: a warrant for one, a key for all");
    let names = [
        "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
    ];
    let mut world = World::with_users(2024, Mode::Escrowed, &names);
    let traffic = Traffic {
        days: 3 * MONTH,
        per_day: 12,
        max_recipients: 2,
    };
    world.simulate(&traffic)?;
    say(&format!(
        "{} people message each other through an escrowed service for {} days. \
         The wiretap at the service records every envelope: {} of them.",
        names.len(),
        traffic.days,
        world.wiretap().len()
    ));

    heading("The warrant");
    let bob = world.find("Bob").expect("Bob is in the world");
    let warrant = Warrant {
        suspect: bob,
        month: 1,
    };
    fact("suspect", "Bob");
    fact("period", format!("month 2 (days {}..{})", MONTH, 2 * MONTH));
    fact("escrow key used", world.escrow_key().fingerprint());

    let report = warrant_overreach::run(&mut world, warrant)?;

    heading("What the same key opened");
    fact("intercepted envelopes", report.intercepted);
    fact(
        "inside the warrant",
        format!(
            "{} of {} read",
            good(&report.in_scope_read.to_string()),
            report.in_scope.len()
        ),
    );
    fact(
        "outside the warrant",
        bad(&format!("{} read", report.out_of_scope_read.len())),
    );
    fact("  not to or from Bob", report.other_users_read);
    fact("  in other months", report.other_months_read);
    fact(
        "other people exposed",
        format!("{} of {}", report.users_exposed, names.len() - 1),
    );
    fact("opens that failed", report.failed);
    fact("time to open everything", format!("{:.2?}", report.elapsed));
    let unrelated = report.out_of_scope_read.iter().find(|&&id| {
        let sent = &world.ledger()[id];
        sent.from != bob && !sent.to.contains(&bob)
    });
    if let Some(&id) = unrelated {
        let sent = &world.ledger()[id];
        fact(
            "e.g., nothing to do with Bob",
            format!("\"{}\"", String::from_utf8_lossy(&sent.plaintext)),
        );
    }

    println!();
    say(
        "The warrant existed only on paper. Nothing in the decryption asked who \
         was named, or when: the key opened every envelope it was given.",
    );
    lesson(
        report.in_scope_read == report.in_scope.len()
            && report.out_of_scope_read.len() == report.intercepted - report.in_scope.len()
            && report.users_exposed == names.len() - 1,
        "a warrant names one suspect; the escrow key reads everyone, every month.",
    );
    finished(started);
    Ok(())
}
