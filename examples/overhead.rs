//! # What escrow costs: bytes, time, and the authority's reading rate
//!
//! Run it with `cargo run --release --example overhead`. It also writes the
//! chart `docs/overhead.svg` (or to the path given as its argument).
//!
//! The same messages, from a 64-byte chat line to a 16 MiB file, for 1, 8
//! and 64 recipients, are sealed end to end and escrowed, alternately, in
//! reused buffers; the table gives the bytes on the wire and the median
//! seal times measured in this run, beside one X25519 key generation and
//! Diffie-Hellman (x25519-dalek, what the access field adds). Then an
//! authority opens a wiretap's worth of escrowed 1 KiB messages, on one
//! core and on all of them.
//!
//! Historical case: the 1993 Clipper chip added a 128-bit Law Enforcement
//! Access Field to every call, computed by the chip where the user never
//! saw it. The 1997 report on key recovery put the costs that matter
//! elsewhere: in the complexity of the system and in the keys that read
//! everything, which must be kept, and guarded, for as long as the traffic
//! matters. Source: <https://www.derechos.org/nizkor/espana/doc/encryption2.html>.
//!
//! What to watch for: escrow costs every envelope the same 152 bytes and
//! about one key agreement, so the overhead all but vanishes for large
//! messages: it cannot be noticed, let alone refused, by its users. The
//! authority, meanwhile, reads on the order of a billion intercepted
//! messages per core-day.

mod common;

use std::time::{Duration, Instant};

use common::*;
use doormat::e2e::Sealer;
use doormat::escrow::{self, EscrowAuthority};
use doormat::hpke::{PrivateKey, X25519};
use doormat::keys::{EncryptionKey, Identity, PublicIdentity};
use plotters::prelude::*;

/// Payload sizes: a chat line, a short mail, a photo, a document, a file.
const SIZES: [usize; 5] = [64, 1 << 10, 64 << 10, 1 << 20, 16 << 20];
const RECIPIENTS: [usize; 3] = [1, 8, 64];
/// Time spent measuring each size and recipient count.
const PER_CELL: Duration = Duration::from_millis(350);
/// Intercepted messages the authority reads.
const ARCHIVE: usize = 3000;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// One cell of the table.
struct Cell {
    size: usize,
    recipients: usize,
    clean_bytes: usize,
    escrow_bytes: usize,
    clean: Duration,
    /// The median of the paired differences, or zero when that median is
    /// negative (see `within_noise`).
    extra: Duration,
    /// The escrowed seal measured no slower than the clean one: the extra
    /// time is lost in the machine's noise, not zero.
    within_noise: bool,
}

impl Cell {
    /// Escrow's extra time, as a percentage of the clean seal.
    fn time_pct(&self) -> f64 {
        100.0 * self.extra.as_secs_f64() / self.clean.as_secs_f64()
    }

    /// Escrow's extra bytes, as a percentage of the clean envelope.
    fn bytes_pct(&self) -> f64 {
        100.0 * (self.escrow_bytes - self.clean_bytes) as f64 / self.clean_bytes as f64
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("What escrow costs: bytes, time, and the authority's reading rate");
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    let alice = Identity::generate();
    let people: Vec<Identity> = (0..64).map(|_| Identity::generate()).collect();
    let publics: Vec<PublicIdentity> = people.iter().map(Identity::public).collect();
    let EncryptionKey::X25519(pk_peer) = publics[0].encryption_key() else {
        unreachable!("Identity::generate is classical")
    };
    let keygen_dh = median_of(2000, || {
        let sk = PrivateKey::<X25519>::generate();
        let _ = std::hint::black_box(sk.dh(pk_peer));
    });

    heading("Sealing, end to end and escrowed (medians, reused buffers)");
    println!(
        "{:>8} {:>5} {:>12} {:>12} {:>7} {:>11} {:>11} {:>8}",
        "payload", "to", "E2E bytes", "escrowed", "extra", "E2E time", "extra time", "extra %"
    );
    let mut cells = Vec::new();
    for &size in &SIZES {
        let plaintext = vec![0x5a; size];
        for &n in &RECIPIENTS {
            let to = &publics[..n];
            let cell = measure(
                &alice,
                to,
                &escrow::sealer(&alice, to, &escrow_key),
                &plaintext,
            )?;
            println!(
                "{:>8} {:>5} {:>12} {:>12} {:>7} {:>11} {:>11} {:>8}",
                size_label(size),
                n,
                cell.clean_bytes,
                cell.escrow_bytes,
                format!("+{}", cell.escrow_bytes - cell.clean_bytes),
                micros(cell.clean),
                if cell.within_noise {
                    "noise".to_string()
                } else {
                    micros(cell.extra)
                },
                if cell.within_noise {
                    "-".to_string()
                } else {
                    format!("{:.2} %", cell.time_pct())
                }
            );
            cells.push(cell);
        }
    }
    if cells.iter().any(|c| c.within_noise) {
        println!(
            "noise: the escrowed seal measured no slower than the clean one; its extra time is\n\
             smaller than this machine's run-to-run variation at that size."
        );
    }
    println!();
    fact("one X25519 keygen + DH (dalek)", micros(keygen_dh));
    let small: Vec<&Cell> = cells.iter().filter(|c| c.size <= 64 << 10).collect();
    let typical = median(small.iter().map(|c| c.extra).collect());
    fact(
        "escrow's extra time, up to 64 KiB",
        format!(
            "{} median ({:.2} x one keygen + DH)",
            micros(typical),
            typical.as_secs_f64() / keygen_dh.as_secs_f64()
        ),
    );

    heading("The authority reads the wiretap");
    let archive = intercept(&people, &escrow_key)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Best of three each, alternating: a shared machine's bursts of load
    // slow a run, they never speed one up.
    let (mut one_core, mut all_cores) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        one_core = one_core.min(time_once(|| read_all(&authority, &archive)));
        all_cores = all_cores.min(time_once(|| read_all_cores(&authority, &archive, cores)));
    }
    let rate = ARCHIVE as f64 / one_core.as_secs_f64();
    let rate_all = ARCHIVE as f64 / all_cores.as_secs_f64();
    fact("intercepted 1 KiB messages", ARCHIVE);
    fact(
        "one core",
        format!("{:.2} s, {:.0} messages/s", one_core.as_secs_f64(), rate),
    );
    fact(
        format!("all {cores} cores").as_str(),
        format!(
            "{:.2} s, {:.0} messages/s ({:.2} x)",
            all_cores.as_secs_f64(),
            rate_all,
            rate_all / rate
        ),
    );
    say(&format!(
        "Whoever holds the escrow key reads {} intercepted messages per \
         core-day.",
        about(rate * SECONDS_PER_DAY)
    ));

    let chart = chart_path("overhead.svg");
    draw(&cells, &chart).map_err(|e| format!("cannot draw {}: {e}", chart.display()))?;
    fact("chart written", chart.display());

    let field = cells[0].escrow_bytes - cells[0].clean_bytes;
    let constant = cells
        .iter()
        .all(|c| c.escrow_bytes - c.clean_bytes == field);
    let (first, last) = (&cells[0], &cells[cells.len() - 3]);
    let of_large = if last.within_noise {
        "too little to measure on a 16 MiB one".to_string()
    } else {
        format!("{:.2} % of a 16 MiB one", last.time_pct())
    };
    println!();
    lesson(
        constant && field == 152 && first.time_pct() > last.time_pct(),
        &format!(
            "escrow adds {field} bytes and about one key agreement ({}) to every \
             envelope, {:.0} % of a 64-byte seal and {of_large}; \
             the key reads {} messages per core-day.",
            micros(typical),
            first.time_pct(),
            about(rate * SECONDS_PER_DAY)
        ),
    );
    finished(started);
    Ok(())
}

/// Seals `plaintext` clean and escrowed, alternating which goes first, for
/// [`PER_CELL`]; the clean seal's median time and the median of the paired
/// differences.
fn measure(
    alice: &Identity,
    to: &[PublicIdentity],
    escrowed: &Sealer<'_>,
    plaintext: &[u8],
) -> doormat::Result<Cell> {
    let clean = Sealer::new(alice, to);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    clean.seal_into(plaintext, &mut a)?;
    escrowed.seal_into(plaintext, &mut b)?;
    let (clean_bytes, escrow_bytes) = (a.len(), b.len());
    let (mut times, mut diffs) = (Vec::new(), Vec::new());
    let until = Instant::now() + PER_CELL;
    let mut round = 0;
    while round < 5 || Instant::now() < until {
        let timed = |sealer: &Sealer<'_>, out: &mut Vec<u8>| -> doormat::Result<f64> {
            let t = Instant::now();
            sealer.seal_into(plaintext, out)?;
            Ok(t.elapsed().as_secs_f64())
        };
        let (tc, te) = if round % 2 == 0 {
            let tc = timed(&clean, &mut a)?;
            (tc, timed(escrowed, &mut b)?)
        } else {
            let te = timed(escrowed, &mut b)?;
            (timed(&clean, &mut a)?, te)
        };
        times.push(tc);
        diffs.push(te - tc);
        round += 1;
    }
    let extra = median_f64(diffs);
    Ok(Cell {
        size: plaintext.len(),
        recipients: to.len(),
        clean_bytes,
        escrow_bytes,
        clean: Duration::from_secs_f64(median_f64(times)),
        extra: Duration::from_secs_f64(extra.max(0.0)),
        within_noise: extra <= 0.0,
    })
}

/// A wiretap's archive: 1 KiB messages between 64 people, all escrowed.
fn intercept(
    people: &[Identity],
    escrow_key: &escrow::EscrowKey,
) -> Result<Vec<Vec<u8>>, escrow::Error> {
    (0..ARCHIVE)
        .map(|i| {
            let sender = &people[i % people.len()];
            let to = [people[(i * 7 + 1) % people.len()].public()];
            let message = format!("message {i}: ").into_bytes().repeat(128);
            escrow::seal(sender, &to, escrow_key, &message[..1024])
        })
        .collect()
}

/// Opens every envelope with the escrow key alone; how many bytes it read.
fn read_all(authority: &EscrowAuthority, archive: &[Vec<u8>]) -> usize {
    let opener = authority.opener();
    archive
        .iter()
        .map(|env| opener.open(env).map_or(0, |o| o.plaintext().len()))
        .sum()
}

/// [`read_all`] split over `cores` threads.
fn read_all_cores(authority: &EscrowAuthority, archive: &[Vec<u8>], cores: usize) -> usize {
    let per = archive.len().div_ceil(cores);
    std::thread::scope(|s| {
        let handles: Vec<_> = archive
            .chunks(per)
            .map(|part| s.spawn(move || read_all(authority, part)))
            .collect();
        handles.into_iter().map(|h| h.join().expect("reader")).sum()
    })
}

fn time_once(f: impl FnOnce() -> usize) -> Duration {
    let t = Instant::now();
    let read = f();
    assert_eq!(read, ARCHIVE * 1024, "the authority read every message");
    t.elapsed()
}

/// The median time of `runs` calls of `f`.
fn median_of(runs: usize, mut f: impl FnMut()) -> Duration {
    let times = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    median(times)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    v[v.len() / 2]
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn size_label(len: usize) -> String {
    match len {
        l if l >= 1 << 20 => format!("{} MiB", l >> 20),
        l if l >= 1 << 10 => format!("{} KiB", l >> 10),
        l => format!("{l} B"),
    }
}

/// A large count to three significant digits, in words.
fn about(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("about {:.2} billion", x / 1e9),
        x if x >= 1e6 => format!("about {:.2} million", x / 1e6),
        x => format!("about {x:.0}"),
    }
}

/// Escrow's overhead against payload size (log-log): extra time for each
/// recipient count, and extra bytes.
fn draw(cells: &[Cell], chart: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(chart, (720, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (min_x, max_x) = (SIZES[0] as f64, SIZES[SIZES.len() - 1] as f64);
    let mut chart = ChartBuilder::on(&root)
        .caption("What escrow adds to each envelope", ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((min_x..max_x).log_scale(), (0.0005f64..200.0).log_scale())?;
    chart
        .configure_mesh()
        .max_light_lines(0)
        .x_desc("payload (bytes, log scale)")
        .y_desc("% of the clean envelope (log scale)")
        .x_label_formatter(&|x| match *x {
            x if x >= 1e6 => format!("{:.0} MB", x / 1e6),
            x if x >= 1e3 => format!("{:.0} kB", x / 1e3),
            x => format!("{x:.0} B"),
        })
        .y_label_formatter(&|y| format!("{y} %"))
        .draw()?;
    let colours = [RED, BLUE, GREEN];
    for (n, colour) in RECIPIENTS.iter().zip(colours) {
        let points: Vec<(f64, f64)> = cells
            .iter()
            // A cell lost in the noise has no point on a log scale.
            .filter(|c| c.recipients == *n && !c.within_noise)
            .map(|c| (c.size as f64, c.time_pct()))
            .collect();
        chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))?;
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(format!(
                "extra time, {n} recipient{}",
                if *n == 1 { "" } else { "s" }
            ))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    let bytes: Vec<(f64, f64)> = cells
        .iter()
        .filter(|c| c.recipients == 1)
        .map(|c| (c.size as f64, c.bytes_pct()))
        .collect();
    chart
        .draw_series(LineSeries::new(bytes, BLACK.stroke_width(2)))?
        .label("extra bytes (152), 1 recipient")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
