//! # Jurisdiction: one country's escrow mandate reaches everyone else
//!
//! Run it with `cargo run --release --example jurisdiction`.
//!
//! Two hundred people in five countries message each other, mostly within
//! their own country, and chat in small groups. One country mandates
//! escrowed clients. Its users' clients escrow what they send and accept
//! only escrowed envelopes — so every foreign client escrows what it sends
//! them, and every group with one of them in it is escrowed for all its
//! members. The state then opens everything on the wire with its key.
//!
//! Historical case: on 7 February 2025 the Washington Post reported a
//! technical capability notice served on Apple by the UK Home Office under
//! the Investigatory Powers Act 2016, reportedly for access to Advanced
//! Data Protection data of users worldwide; on 21 February 2025 Apple
//! withdrew Advanced Data Protection for UK users. A UK user's ordinary
//! iCloud backup holds what their foreign contacts sent them.
//!
//! What to watch for: messages among foreigners only stay closed — but
//! many foreigners are one message or one group away from a mandated user.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::jurisdiction::{self, Params};
use doormat_attacks::{Mode, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Jurisdiction: one country's escrow mandate reaches everyone else");
    let params = Params::default();
    let mut world = World::new(2025, Mode::EndToEnd);
    let r = jurisdiction::run(&mut world, &params)?;
    say(&format!(
        "{} users in {} countries; {} one-to-one messages (a recipient shares the sender's country \
         with probability {}), and {} groups of {} with {} messages each. {} mandates escrowed clients.",
        world.users().len(),
        params.countries.len(),
        params.messages,
        params.home_bias,
        params.groups.0,
        params.groups.1,
        params.per_group,
        params.mandated
    ));

    heading("What the state reads, country by country");
    for c in &r.countries {
        let text = format!(
            "{}/{} users exposed ({}); {}/{} of their messages read ({})",
            c.exposed,
            c.users,
            pct(c.exposed, c.users),
            c.read,
            c.messages,
            pct(c.read, c.messages)
        );
        let label = if c.name == params.mandated {
            format!("{} (mandated)", c.name)
        } else {
            c.name.to_owned()
        };
        fact(&label, if c.read > 0 { bad(&text) } else { good(&text) });
    }

    heading("Outside the mandated country");
    fact(
        "users exposed",
        bad(&format!(
            "{}/{} ({})",
            r.others_exposed,
            r.others,
            pct(r.others_exposed, r.others)
        )),
    );
    fact("read: written to a mandated user", r.read_sent_to_mandated);
    fact("read: written by a mandated user", r.read_from_mandated);
    fact(
        "read: in a group with one",
        format!(
            "{} ({}/{} groups have a mandated member)",
            r.read_in_groups, r.groups_touched.0, r.groups_touched.1
        ),
    );
    fact(
        "messages among foreigners only",
        good(&format!("{} read of {}", r.others_only_read, r.others_only)),
    );
    fact(
        "clean envelope to a mandated user",
        format!(
            "refused by their compliant client (NotEscrowed): {}",
            r.clean_refused
        ),
    );
    println!();
    say("Nobody outside the mandated country agreed to escrow; their messages were escrowed because of whom they wrote to.");
    let mandated = &r.countries[0];
    lesson(
        mandated.read == mandated.messages
            && r.others_only_read == 0
            && r.countries[1..].iter().all(|c| c.exposed > 0)
            && r.clean_refused
            && r.mandated_received_ok,
        "an escrow mandate in one country reaches users of every country that talks to it.",
    );
    finished(started);
    Ok(())
}
