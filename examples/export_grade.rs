//! # Export-grade keys: weakened for the state, broken by anyone
//!
//! Run it with `cargo run --release --example export_grade [MAX_BITS]`
//! (default 28; CI runs a quick smoke with a smaller width).
//!
//! A "weakened only for the state" client gives each envelope's content key
//! just `w` bits of entropy. Everything else is normal: the recipient reads
//! the envelope and the signature verifies. But the weakness is not
//! reserved for anyone. This example seals one envelope per width from 20
//! bits up, tries every key on all cores until one opens it, measures the
//! rate, and extrapolates to the widths of history.
//!
//! Historical cases: 1990s US export rules capped exportable symmetric keys
//! at 40 bits; on 28 January 1997 Ian Goldberg broke RSA's 40-bit RC5
//! challenge in about 3.5 hours on some 250 workstations. The code for the
//! weakened suites outlived the rules: FREAK (March 2015) pushed clients to
//! 512-bit export RSA, factored in about 7 hours for about $100; Logjam (May
//! 2015) did the same with 512-bit export Diffie-Hellman. Sources:
//! <http://www.sciencemag.org/news/1997/02/student-wins-race-crack-code>,
//! <https://arstechnica.com/information-technology/2015/03/https-crippling-freak-attacks-become-cheaper-and-easier-to-carry-out/>.
//!
//! What to watch for: every extra bit doubles the work, and nothing else
//! stands between the ciphertext and anyone who can pay for the computers.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::export_grade::{self, Params};
use doormat_attacks::{Mode, World};
use indicatif::{ProgressBar, ProgressStyle};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let max_bits: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("MAX_BITS is a number"))
        .unwrap_or(28)
        .clamp(12, 40);
    title("Export-grade keys: weakened for the state, broken by anyone");
    let mut world = World::with_users(1997, Mode::EndToEnd, &["Alice", "Bob"]);
    let first = 20.min(max_bits);
    let widths: Vec<u32> = (first..=max_bits).step_by(2).collect();
    say(&format!(
        "One envelope per width, its content key weakened to w bits; every key \
         tried on {} cores until one opens it.",
        std::thread::available_parallelism().map_or(1, usize::from)
    ));
    let bar = ProgressBar::new(widths.iter().map(|&w| 1u64 << w).sum());
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let done_before = |bits: u32| {
        widths
            .iter()
            .take_while(|&&w| w < bits)
            .map(|&w| 1u64 << w)
            .sum::<u64>()
    };
    let r = export_grade::run(
        &mut world,
        &Params {
            sender: 0,
            recipient: 1,
            widths: widths.clone(),
        },
        &|bits, tried| {
            bar.set_message(format!("{bits} bits"));
            bar.set_position(done_before(bits) + tried);
        },
    )?;
    bar.finish_and_clear();

    heading("Measured");
    println!(
        "{:>6}{:>16}{:>12}{:>18}{:>10}",
        "bits", "keys tried", "time", "keys/s", "opened"
    );
    for w in &r.widths {
        println!(
            "{:>6}{:>16}{:>12}{:>18}{:>10}",
            w.bits,
            w.tried,
            format!("{:.2?}", w.elapsed),
            format!("{:.0}", w.keys_per_second),
            if w.opened { bad("yes") } else { good("no") }
        );
    }
    let rate = r
        .widths
        .iter()
        .map(|w| w.keys_per_second)
        .fold(0.0, f64::max);
    fact("recipient read every envelope", r.recipient_read_all);

    heading("Extrapolated (the whole keyspace; on average half)");
    println!(
        "{:>6}{:>24}{:>24}",
        "bits", "this machine", "1,000 machines"
    );
    for bits in [40u32, 56, 64, 80] {
        let secs = 2f64.powi(bits as i32) / rate;
        println!(
            "{:>6}{:>24}{:>24}",
            bits,
            duration(secs),
            duration(secs / 1000.0)
        );
    }
    println!();
    say(
        "A key weakened for one adversary is weak for all of them; the only \
         question is how many computers they have.",
    );
    lesson(
        r.recipient_read_all && r.widths.iter().all(|w| w.opened),
        &format!(
            "every weakened envelope up to {max_bits} bits fell on one machine, at about {rate:.0} keys per second."
        ),
    );
    finished(started);
    Ok(())
}

/// A duration in the largest unit that fits.
fn duration(secs: f64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("years", 365.25 * 86400.0),
        ("days", 86400.0),
        ("hours", 3600.0),
        ("minutes", 60.0),
        ("seconds", 1.0),
    ];
    UNITS
        .iter()
        .find(|(_, s)| secs >= *s)
        .map_or(format!("{secs:.3} seconds"), |(name, s)| {
            format!("{:.1} {name}", secs / s)
        })
}
