//! # Blast radius: k stolen user keys against one escrow key
//!
//! Run it with `cargo run --release --example blast_radius`. It also writes
//! the chart `docs/blast-radius.svg` (or to the path given as its argument).
//!
//! A population of 10,000 users sends 1,000,000 messages, each to one to
//! three people, with popularity following a Zipf law (a few hubs, many
//! quiet users). How much of all traffic is exposed when `k` user keys are
//! stolen — at random, or the best-connected users first — against the one
//! escrow key? The shares are computed over the message graph; then 100
//! random messages are sealed for real, end to end and escrowed, and opened
//! with exactly the keys the model says are compromised, cell by cell.
//!
//! Historical case: the 1997 report on key recovery warned of "New Targets
//! for Attack" in escrow databases. In 2015, a week after FREAK, one 512-bit
//! export RSA modulus was found shared by 28,394 servers: a single factoring
//! broke all of them. Sources: <https://www.derechos.org/nizkor/espana/doc/encryption2.html>,
//! <https://arstechnica.com/information-technology/2015/03/https-crippling-freak-attacks-become-cheaper-and-easier-to-carry-out/>.
//!
//! What to watch for: even the 1,000 best-connected users' keys leave part
//! of the traffic closed; the escrow key is one key and exposes 100 %.

mod common;

use std::time::Instant;

use common::*;
use doormat_attacks::blast_radius::{self, Params, Report};
use doormat_attacks::{Mode, World};
use plotters::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Blast radius: k stolen user keys against one escrow key");
    let mut world = World::new(1997, Mode::Escrowed);
    let params = Params::default();
    let r = blast_radius::run(&mut world, &params)?;
    say(&format!(
        "{} users, {} messages (1 to {} recipients each, Zipf popularity, exponent {}).",
        r.users, r.messages, params.max_recipients, params.zipf_exponent
    ));

    heading("Share of all messages exposed");
    println!(
        "{:>8}{:>20}{:>22}{:>16}",
        "k keys", "taken at random", "best-connected first", "one escrow key"
    );
    for p in &r.points {
        if [1, 10, 100, 1000].contains(&p.k) {
            println!(
                "{:>8}{:>20}{:>22}{:>16}",
                p.k,
                share(p.random),
                share(p.best_connected),
                bad(&format!("{:>9}", share(r.escrow)))
            );
        }
    }
    println!();
    fact(
        "sample sealed and opened",
        format!("{} messages", r.sampled),
    );
    fact(
        "cells confirmed for real",
        format!("{} (disagreements: {})", r.confirmed, r.disagreements),
    );
    fact(
        "model / sample time",
        format!("{:.2?} / {:.2?}", r.model_elapsed, r.sample_elapsed),
    );
    let chart = chart_path("blast-radius.svg");
    draw(&r, &chart).map_err(|e| format!("cannot draw {}: {e}", chart.display()))?;
    fact("chart written", chart.display());

    let worst = r.points.last().expect("at least one k");
    println!();
    say(
        "Stealing user keys one device at a time exposes those users' mail. The \
         escrow key is a single target that exposes every message of every user.",
    );
    lesson(
        r.disagreements == 0 && r.escrow == 1.0 && worst.best_connected < 1.0,
        &format!(
            "{} stolen user keys expose at most {}; one escrow key exposes {}.",
            worst.k,
            share(worst.best_connected),
            share(r.escrow)
        ),
    );
    finished(started);
    Ok(())
}

/// Exposure against compromised keys (log scale), three curves.
fn draw(r: &Report, chart: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(chart, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let max_k = r.points.last().map_or(1, |p| p.k) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Messages exposed ({} users, {} messages)",
                r.users, r.messages
            ),
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((1f64..max_k).log_scale(), 0f64..100f64)?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .x_desc("compromised user keys (k, log scale)")
        .y_desc("% of all messages")
        .draw()?;
    let curve = |f: fn(&blast_radius::Point) -> f64| {
        r.points
            .iter()
            .map(move |p| (p.k as f64, 100.0 * f(p)))
            .collect::<Vec<_>>()
    };
    chart
        .draw_series(LineSeries::new(
            vec![(1.0, 100.0 * r.escrow), (max_k, 100.0 * r.escrow)],
            RED.stroke_width(3),
        ))?
        .label("one escrow key")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(3)));
    chart
        .draw_series(LineSeries::new(
            curve(|p| p.best_connected),
            BLUE.stroke_width(2),
        ))?
        .label("k user keys, best-connected first")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(curve(|p| p.random), GREEN.stroke_width(2)))?
        .label("k user keys, at random")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::Coordinate(90, 60))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
