//! # Client-side scanning: "the necessary hashtags"
//!
//! Run it with `cargo run --release --example client_side_scanning [DIR]`.
//! It writes the collided pictures as PNG files to `DIR` (default
//! `target/client-side-scanning/`): for each hash the original, the collided
//! scene and the listed poster, and `collisions.png`, the figure the README
//! shows (`docs/client-side-scanning.png` is a copy).
//!
//! Today's demands for exceptional access rarely ask for escrow: they ask
//! for content to be matched on the device before it is encrypted. Apple
//! announced such a scanner for iCloud Photos in August 2021 ("CSAM
//! Detection Technical Summary"; the PSI protocol of Bhowmick et al.), and
//! shelved it in December 2022; within two weeks of the announcement
//! NeuralHash had been extracted from iOS 14.3 (AppleNeuralHash2ONNX) and the
//! first collision published (GitHub issue #1 of that project, 18 August
//! 2021). The EU's proposed CSA Regulation ("chat control", COM(2022) 209)
//! would require detection orders for messengers, and was still in
//! negotiation in 2025; the UK Online Safety Act 2023 (section 122 as
//! introduced, section 121 as passed) lets Ofcom require "accredited
//! technology". The 2017 commentary this crate grew from quotes a minister
//! who wanted "the necessary hashtags" to stop content — which "can also be
//! repurposed".
//!
//! Here the scanner is a layer on the clean envelope: a NeuralHash-shaped
//! hash of every picture, a list blinded with the provider's key, and a
//! safety voucher in every envelope that the provider opens only for listed
//! pictures, and reads only past a threshold of 30. What to watch for: the
//! collisions take milliseconds; small edits evade; false matches are a
//! matter of scale; and the list itself is the backdoor — nobody outside the
//! provider can see what is on it.

mod common;

use std::path::PathBuf;
use std::time::Instant;

use common::*;
use doormat_attacks::client_side_scanning::{self as css, function_creep};
use doormat_attacks::scanning::collision::{stacked_triptychs, CollisionConfig, CollisionReport};
use doormat_attacks::scanning::evasion::{EditFamily, EvasionConfig, FamilyResult};
use doormat_attacks::scanning::false_flags::FalseFlagConfig;
use doormat_attacks::scanning::raster::save_png;
use doormat_attacks::scanning::voucher::{APPLE_THRESHOLD, VOUCHER_LEN};
use doormat_attacks::{Mode, World};

fn out_dir() -> PathBuf {
    std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/client-side-scanning"),
        PathBuf::from,
    )
}

fn collisions(r: &CollisionReport) {
    let ok = r.outcomes.iter().filter(|o| o.success).count();
    let exact = r.outcomes.iter().filter(|o| o.success && o.exact).count();
    let (lo, hi) = r
        .outcomes
        .iter()
        .map(|o| o.seconds)
        .fold((f64::INFINITY, 0.0f64), |(a, b), s| (a.min(s), b.max(s)));
    println!("{}", strong(r.hash_name));
    fact(
        "  collisions found",
        bad(&format!("{ok}/{} seeds ({exact} exact)", r.outcomes.len())),
    );
    fact(
        "  time per collision",
        format!(
            "{:.0} ms mean ({:.0} to {:.0} ms)",
            1e3 * r.mean_seconds,
            1e3 * lo,
            1e3 * hi
        ),
    );
    fact(
        "  change to the picture",
        format!(
            "PSNR {:.1} dB mean, {:.1} dB worst; no sample moved more than {}/255",
            r.mean_psnr_db, r.min_psnr_db, r.max_abs_change
        ),
    );
}

/// The share of listed pictures that a family's edit at `strength` frees.
fn at(f: &FamilyResult, strength: f64) -> f64 {
    let i = f
        .strengths
        .iter()
        .position(|s| *s == strength)
        .expect("a rung of the ladder");
    f.evade_fraction[i]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    title("Client-side scanning: \"the necessary hashtags\"");
    let dir = out_dir();
    std::fs::create_dir_all(&dir)?;

    heading("1. Collisions: an innocent scene carrying a listed poster's hash");
    let t = Instant::now();
    let c = css::collisions(
        &CollisionConfig::phash_default(),
        &CollisionConfig::neuralhash_default(),
    )?;
    say("Each search starts from a generated landscape and targets the hash of a protest poster that is on the list.");
    collisions(&c.phash);
    collisions(&c.neuralhash);
    let trials = c.neuralhash.outcomes.len();
    fact(
        "sent through the scanning client",
        bad(&format!(
            "{}/{trials} collided scenes opened the provider's voucher; {}/{trials} originals did",
            c.vouchers_opened, c.originals_opened
        )),
    );
    let figure = stacked_triptychs(&[&c.phash.outcomes[0], &c.neuralhash.outcomes[0]]);
    for (name, r) in [("phash", &c.phash), ("neuralhash", &c.neuralhash)] {
        let o = &r.outcomes[0];
        o.save_pair(
            &dir.join(format!("{name}-original.png")),
            &dir.join(format!("{name}-collided.png")),
        )?;
        save_png(&o.target, &dir.join(format!("{name}-listed.png")))?;
    }
    save_png(&figure, &dir.join("collisions.png"))?;
    fact("pictures written to", dir.display());
    fact(
        "(section time)",
        format!("{:.2} s", t.elapsed().as_secs_f64()),
    );
    assert!(c.phash.success_rate == 1.0 && c.neuralhash.success_rate == 1.0);
    assert!(c.phash.min_psnr_db > 24.0 && c.neuralhash.min_psnr_db > 30.0);
    assert_eq!((c.vouchers_opened, c.originals_opened), (trials, 0));

    heading("2. Evasion: the smallest edit that breaks a match");
    let t = Instant::now();
    let e = css::evasion(&EvasionConfig::default());
    say(&format!(
        "{} listed pictures (scenes, posters, protest posters), each edited at rising strength; \
         a picture evades when its hash leaves the matcher's threshold.",
        e.listed
    ));
    let mild = [
        (EditFamily::Crop, 5.0),
        (EditFamily::Rotation, 3.0),
        (EditFamily::Jpeg, 70.0),
        (EditFamily::Noise, 4.0),
    ];
    for m in &e.matchers {
        println!("{}", strong(&m.matcher));
        for (f, (family, strength)) in m.families.iter().zip(mild) {
            assert_eq!(f.family, family);
            let median = f
                .median_smallest
                .map_or("beyond the ladder".to_owned(), |v| {
                    format!("{v} {}", f.family.unit())
                });
            fact(
                &format!("  {}", f.family.name()),
                format!(
                    "median smallest evading edit {median}; at {strength} {}: {} evade",
                    f.family.unit(),
                    share(at(f, strength))
                ),
            );
        }
    }
    say("The NeuralHash-shaped network has random, untrained weights: it is less robust than \
         Apple's trained model, so its evasion figures overstate how easy evasion is against the real one. \
         pHash's are what any DCT hash gives.");
    let crop_ph = at(&e.matchers[0].families[0], 10.0);
    let crop_nh = at(&e.matchers[1].families[0], 5.0);
    fact(
        "(section time)",
        format!("{:.2} s", t.elapsed().as_secs_f64()),
    );
    assert!(crop_ph >= 0.5 && crop_nh >= 0.5, "a small crop evades");

    heading("3. False flags: innocent pictures that match");
    let t = Instant::now();
    let f = css::false_flags(&FalseFlagConfig::default());
    for m in &f.measured {
        println!("  {}", m.matcher);
        fact(
            "    distinct pairs that match",
            format!(
                "{}/{}: {:.1e} (95 % upper bound {:.1e})",
                m.matches, m.pairs, m.rate, m.upper95
            ),
        );
    }
    say("The population model: each account sends n = photos/day × 365 innocent pictures a year; \
         each matches the list independently with probability q, so an account's false matches are \
         X ~ Binomial(n, q), and it is flagged when X ≥ t (Apple: t = 30). Expected flagged accounts \
         = users × P(X ≥ t), computed in log space. 400 million accounts, a list of a million entries.");
    for p in &f.population {
        println!("  {}", p.model.label);
        fact(
            "    false matches a day",
            format!(
                "{:.0} (q = {:.1e} per picture)",
                p.false_matches_per_day, p.model.per_image_rate
            ),
        );
        let flagged = if p.expected_flagged_accounts < 0.01 {
            format!("{:.1e}", p.expected_flagged_accounts)
        } else {
            format!("{:.0}", p.expected_flagged_accounts)
        };
        fact(
            "    flagged accounts a year",
            format!(
                "{flagged} (P per account = 10^{:.1})",
                p.log10_p_account_flagged
            ),
        );
    }
    fact(
        "(section time)",
        format!("{:.2} s", t.elapsed().as_secs_f64()),
    );
    assert!(f.measured[0].rate > 0.0 && f.measured[1].matches == 0);
    assert!(f.population[0].false_matches_per_day > 1.0);
    assert!(
        f.population[0].expected_flagged_accounts < 1.0
            && f.population[2].expected_flagged_accounts > 1_000.0
    );

    heading("4. Function creep: a protest poster on the blinded list");
    let t = Instant::now();
    let names: Vec<String> = (1..=12).map(|i| format!("user {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut world = World::with_users(2021, Mode::EndToEnd, &refs);
    let senders = vec![(2, 35), (5, 40), (7, 10), (9, 3)];
    let r = function_creep::run(
        &mut world,
        &function_creep::Params {
            listed: 50,
            photos_per_user: 5,
            poster_senders: senders.clone(),
            threshold: APPLE_THRESHOLD,
            size: 128,
        },
    )?;
    let name = |u: usize| world.user(u).name().to_owned();
    say(&format!(
        "{} users send photos end to end through the scanning client; four of them share the poster \
         \"{}\" ({} times each). Version 1 of the list holds 50 hashes; version 2 adds the poster.",
        r.users,
        function_creep::SLOGAN,
        senders.iter().map(|(u, k)| format!("{} {k}", name(*u))).collect::<Vec<_>>().join(", ")
    ));
    fact(
        "the client's list, v1 → v2",
        format!(
            "{} → {} bytes, changed: {}",
            r.list_len.0, r.list_len.1, r.list_changed
        ),
    );
    fact(
        "slots that changed",
        format!(
            "{}/{} (the new entry's slot is not singled out: {})",
            r.slots_changed, r.slots, !r.poster_slot_singled_out
        ),
    );
    fact(
        "client's audit of suspects",
        good(&format!(
            "{}/{} found on the list",
            r.audit_found, r.audited
        )),
    );
    fact(
        "v1: vouchers opened",
        format!(
            "{}/{}; accounts flagged {}",
            r.before.matches,
            r.before.envelopes,
            r.before.flagged.len()
        ),
    );
    fact(
        "v2: vouchers opened",
        bad(&format!("{}/{}", r.after.matches, r.after.envelopes)),
    );
    fact(
        "v2: accounts flagged",
        bad(&r
            .after
            .flagged
            .iter()
            .map(|&u| name(u))
            .collect::<Vec<_>>()
            .join(", ")),
    );
    fact(
        "v2: messages the provider read",
        bad(&format!(
            "{} posters, {} other",
            r.after.read_posters, r.after.read_other
        )),
    );
    fact(
        "below the threshold, counted",
        r.after
            .counted_below_threshold
            .iter()
            .map(|(u, k)| format!("{} ({k} matches)", name(*u)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let total = r.before.envelopes + r.after.envelopes;
    fact(
        "on the wire",
        format!(
            "{}/{total} envelopes carry one {VOUCHER_LEN}-byte voucher; recipients read {}/{total}; the escrow authority {}",
            r.one_voucher_each, r.recipients_read, r.authority_read
        ),
    );
    fact(
        "(section time)",
        format!("{:.2} s", t.elapsed().as_secs_f64()),
    );
    let over: Vec<usize> = senders
        .iter()
        .filter(|(_, k)| *k >= usize::from(APPLE_THRESHOLD))
        .map(|(u, _)| *u)
        .collect();
    let mut flagged = r.after.flagged.clone();
    flagged.sort_unstable();
    assert!(r.list_changed && r.slots_changed == r.slots && r.audit_found == 0);
    assert!(r.before.matches == 0 && r.before.flagged.is_empty());
    assert_eq!(flagged, over);
    assert_eq!(
        r.after.read_posters,
        senders
            .iter()
            .filter(|(_, k)| *k >= usize::from(APPLE_THRESHOLD))
            .map(|(_, k)| k)
            .sum::<usize>()
    );
    assert_eq!((r.after.read_other, r.authority_read), (0, 0));
    assert_eq!((r.one_voucher_each, r.recipients_read), (total, total));

    println!();
    say("The envelope stayed end to end; the list decided what the provider reads, and nobody outside the provider can see the list.");
    lesson(
        c.vouchers_opened == trials && crop_ph >= 0.5 && flagged == over && r.audit_found == 0,
        "a scanner's list is a backdoor whose contents nobody can audit; its hashes collide, evade and misfire.",
    );
    finished(started);
    Ok(())
}
