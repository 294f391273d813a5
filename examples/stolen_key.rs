//! # A stolen escrow key: the copy is the authority
//!
//! Run it with `cargo run --release --example stolen_key`.
//!
//! A dozen people use an escrowed messenger; the wiretap holds more than a
//! thousand envelopes. The authority's private key is exported — for a
//! backup, a second data centre, a contractor — and one copy ends up with a
//! criminal, who parses it back on a laptop. The copy reads the whole
//! archive, byte for byte as the state does. The same traffic sent end to
//! end is as closed to the criminal as to the state.
//!
//! Historical cases: the Shadow Brokers published tools they said came from
//! NSA's Equation Group (from 13 August 2016); EternalBlue, in their dump of
//! 14 April 2017, drove the WannaCry worm to more than 200,000 computers on
//! 12 May 2017. A newspaper photo of the TSA's luggage master keys was
//! turned into 3D-printable copies in September 2015, and millions of locks
//! cannot be rekeyed. Sources: <https://theweek.com/speedreads/576722/tsas-master-luggage-key-now-3d-printed-from-internet>,
//! <https://ibtimes.co.uk/microsoft-slams-nsa-wannacry-ransomware-equating-it-having-tomahawk-missiles-stolen-1621590>.
//!
//! What to watch for: the stolen key is one short line of text, and the
//! criminal's reads are not merely as many as the state's but identical,
//! envelope by envelope.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::{stolen_key, Mode, Traffic, World};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("A stolen escrow key: the copy is the authority");
    let names: Vec<String> = (1..=12).map(|i| format!("user {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut world = World::with_users(1993, Mode::Escrowed, &refs);
    world.simulate(&Traffic {
        days: 120,
        per_day: 10,
        max_recipients: 3,
    })?;
    say(&format!(
        "{} people, {} days of escrowed messages; the wiretap holds {} envelopes.",
        names.len(),
        world.today(),
        world.wiretap().len()
    ));
    fact("the state's escrow key", world.escrow_key().fingerprint());

    let r = stolen_key::run(&mut world)?;

    heading("The leak");
    fact(
        "what leaks",
        format!("one line of text, {} characters", r.stolen_text_len),
    );
    fact(
        "parsed on a criminal's laptop",
        format!("same key as the state's: {}", r.same_key),
    );

    heading("Reading the archive");
    fact("escrowed archive", format!("{} envelopes", r.archive));
    fact(
        "the state reads",
        format!("{} ({})", r.state_reads, pct(r.state_reads, r.archive)),
    );
    fact(
        "the criminal reads",
        bad(&format!(
            "{} ({})",
            r.criminal_reads,
            pct(r.criminal_reads, r.archive)
        )),
    );
    fact("byte for byte as the state's", r.byte_for_byte);
    let rate = r.criminal_reads as f64 / r.criminal_elapsed.as_secs_f64().max(1e-9);
    fact(
        "criminal's reading rate",
        format!("{rate:.0} envelopes/s on one core of this machine"),
    );
    heading("The same traffic, end to end");
    fact("end-to-end archive", format!("{} envelopes", r.e2e_archive));
    fact("the state reads", quiet(&format!("{}", r.e2e_state_reads)));
    fact(
        "the criminal reads",
        good(&format!(
            "{} ({})",
            r.e2e_criminal_reads,
            pct(r.e2e_criminal_reads, r.e2e_archive)
        )),
    );
    println!();
    say("The mathematics cannot tell the state from a thief: both hold the same bytes.");
    lesson(
        r.criminal_reads == r.archive && r.byte_for_byte && r.e2e_criminal_reads == 0,
        "whoever holds a copy of the escrow key reads everything the state can; end to end, nobody else.",
    );
    finished(started);
    Ok(())
}
