//! # The wiretap system as the target
//!
//! Run it with `cargo run --release --example wiretap_breach`.
//!
//! A dozen people use an escrowed messenger; the state holds warrants for
//! two of them, and an interception system that delivers their messages to
//! investigators as they arrive — so it holds the escrow key. An intruder
//! takes the system over on day 60. The same run with the key split among
//! three custodians (two rebuild it, outside the system), and in the
//! end-to-end twin of the same world.
//!
//! Historical cases: the Athens affair — from August 2004 to March 2005,
//! rogue software in Vodafone Greece's Ericsson switches used their
//! lawful-intercept function to tap about a hundred phones, the prime
//! minister's among them (Prevelakis and Spinellis, "The Athens Affair",
//! IEEE Spectrum, July 2007). Salt Typhoon — reported from October 2024,
//! intruders in AT&T, Verizon and other carriers reached the systems used
//! for court-authorised wiretaps; on 18 December 2024 CISA's "Mobile
//! Communications Best Practice Guidance" told senior officials to use
//! end-to-end encrypted messaging.
//!
//! What to watch for: the warrant list — who is under surveillance — is
//! lost under every regime; the messages are lost only where escrow exists.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::wiretap_breach::{self, Outcome, Params};
use doormat_attacks::{Mode, Traffic, World};

fn show(label: &str, o: &Outcome) {
    println!("{}", strong(label));
    fact(
        "  warrant list copied",
        bad(&format!(
            "{} targets: {}",
            o.targets_learned.len(),
            o.targets_learned.join(", ")
        )),
    );
    let read = format!("{}/{} ({})", o.read, o.archive, pct(o.read, o.archive));
    fact(
        "  messages read",
        if o.read > 0 { bad(&read) } else { good(&read) },
    );
    if o.read > 0 {
        fact("  of the warrants' targets", o.read_of_targets);
        fact(
            "  of people no warrant names",
            bad(&o.read_beyond_warrants.to_string()),
        );
        fact("  sent before the intrusion", o.read_before_intrusion);
        fact("  of the intruder's own target", o.read_of_intruder_targets);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("The wiretap system as the target");
    let names: Vec<String> = (1..=12).map(|i| format!("user {i}")).collect();
    let mut refs: Vec<&str> = names.iter().map(String::as_str).collect();
    refs[0] = "the prime minister";
    let mut world = World::with_users(2004, Mode::Escrowed, &refs);
    world.simulate(&Traffic {
        days: 120,
        per_day: 10,
        max_recipients: 3,
    })?;
    let params = Params {
        warrants: vec![4, 9],
        intruder_targets: vec![0],
        intrusion_day: 60,
    };
    say(&format!(
        "{} people, {} days, {} envelopes on the wire; warrants name {} and {}; the intruder arrives on day {} and adds {} to the list.",
        names.len(),
        world.today(),
        world.wiretap().len(),
        world.user(4).name(),
        world.user(9).name(),
        params.intrusion_day,
        world.user(0).name()
    ));
    let r = wiretap_breach::run(&mut world, &params)?;
    heading("What the intruder takes");
    show(
        "Escrowed, the key in the system (live delivery)",
        &r.escrowed,
    );
    show(
        "Escrowed, the key split 2 of 3 among custodians",
        &r.split_custody,
    );
    fact("  two custodians rebuild the key", r.custodians_rebuild);
    show("End to end", &r.end_to_end);
    println!();
    say("Key custody decides whether the intruder reads; nothing decides whether it learns whom the state is watching.");
    lesson(
        r.escrowed.read == r.escrowed.archive
            && r.escrowed.read_beyond_warrants > 0
            && r.split_custody.read == 0
            && r.end_to_end.read == 0
            && [&r.escrowed, &r.split_custody, &r.end_to_end]
                .iter()
                .all(|o| o.targets_learned.len() == params.warrants.len()),
        "an interception system is a target: escrow adds every message to what its intruder takes.",
    );
    finished(started);
    Ok(())
}
