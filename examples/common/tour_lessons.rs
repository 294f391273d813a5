//! The tour's last section: every other example's scenario, run small, in
//! one computed line each. Kept apart so that `tour.rs` stays readable; only
//! the tour includes it.

use doormat_attacks::{Mode, Traffic, World};

type Result<T, E = Box<dyn std::error::Error>> = core::result::Result<T, E>;

/// Every other example's scenario, run small, in one computed line each.
pub fn other_lessons() -> Result<Vec<String>> {
    use doormat_attacks::scanning::collision::CollisionConfig;
    use doormat_attacks::{
        blast_radius, client_side_scanning as css, export_grade, forward_secrecy, ghost_user,
        harvest_now_decrypt_later as hndl, jurisdiction, key_substitution, kleptography,
        leaf_forgery, quantum_day, stolen_key, superencryption, warrant_overreach, wiretap_breach,
    };
    let cast = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank"];
    let escrowed = |seed| World::with_users(seed, Mode::Escrowed, &cast);
    let clean = |seed| World::with_users(seed, Mode::EndToEnd, &cast);
    let traffic = |days| Traffic {
        days,
        per_day: 6,
        max_recipients: 2,
    };
    let mut lines = Vec::new();

    let mut w = escrowed(1);
    w.simulate(&traffic(60))?;
    let r = warrant_overreach::run(
        &mut w,
        warrant_overreach::Warrant {
            suspect: 1,
            month: 1,
        },
    )?;
    assert_eq!(r.in_scope_read + r.out_of_scope_read.len(), r.intercepted);
    lines.push(format!(
        "warrant overreach   a warrant for {} messages; the same key read {} more",
        r.in_scope.len(),
        r.out_of_scope_read.len()
    ));

    let mut w = escrowed(2);
    w.simulate(&traffic(30))?;
    let r = stolen_key::run(&mut w)?;
    assert!(r.byte_for_byte && r.e2e_criminal_reads == 0);
    lines.push(format!(
        "stolen key          a copy read {}/{} escrowed envelopes as the state did; {}/{} end to end",
        r.criminal_reads, r.archive, r.e2e_criminal_reads, r.e2e_archive
    ));

    let mut w = escrowed(3);
    let r = hndl::run(
        &mut w,
        hndl::Params {
            years: 1,
            per_day: 2,
            leaked_device: 2,
        },
    )?;
    assert_eq!(r.escrowed_exposed, r.recorded);
    assert_eq!(r.session_exposed, 0);
    lines.push(format!(
        "harvest, decrypt    one leak on day 365: escrow key {}/{}, one device {}/{}; ratcheted, that device {}/{}",
        r.escrowed_exposed, r.recorded, r.e2e_exposed, r.recorded, r.session_exposed, r.recorded
    ));

    let r = forward_secrecy::run(forward_secrecy::Params {
        seed: 15,
        days: 120,
        per_day: 2,
        seized_on: 60,
    })?;
    let (e, s) = (r.envelope, r.session);
    let healed = r.healed.expect("the ratchet healed");
    assert!(s.past_opened == 0 && e.past_opened > 0);
    assert_eq!(r.escrowed_session.escrow_opened, Some(s.past + s.future));
    lines.push(format!(
        "forward secrecy     a phone seized on day 60 opens {}/{} of the recorded past with envelopes, {}/{} in sessions \
         (blind again from day {}); the escrow key {}/{}",
        e.past_opened, e.past, s.past_opened, s.past, healed.day,
        s.past + s.future, s.past + s.future
    ));

    let mut w = escrowed(4);
    let params = blast_radius::Params {
        users: 2_000,
        messages: 100_000,
        ks: vec![1, 10, 100],
        sample: 10,
        ..blast_radius::Params::default()
    };
    let r = blast_radius::run(&mut w, &params)?;
    let k100 = r.points.last().expect("points");
    assert!(r.disagreements == 0 && r.escrow == 1.0);
    lines.push(format!(
        "blast radius        100 of 2,000 user keys expose {:.1} % of mail (best-connected); one escrow key 100 %",
        100.0 * k100.best_connected
    ));

    let mut w = escrowed(5);
    let r = leaf_forgery::run(
        &mut w,
        leaf_forgery::Params {
            forger: 0,
            recipient: 1,
            recompute_bound: 1 << 16,
        },
    )?;
    assert!(r.clipper16.found && r.clipper16.authority_locked_out && !r.recompute.found);
    lines.push(format!(
        "LEAF forgery        a 16-bit check fell after {} tries ({:.0?}); a full recompute held for {}",
        r.clipper16.tries, r.clipper16.elapsed, r.recompute.tries
    ));

    let mut w = escrowed(6);
    w.simulate(&traffic(5))?;
    let r = superencryption::run(
        &mut w,
        &superencryption::Params {
            criminals: vec![(4, 5)],
            per_pair: 3,
        },
    )?;
    assert!(r.inner_read_by_authority == 0 && r.law_abiding_read == r.law_abiding);
    lines.push(format!(
        "superencryption     the state read {}/{} compliant messages and {}/{} superencrypted ones",
        r.law_abiding_read, r.law_abiding, r.inner_read_by_authority, r.superencrypted
    ));

    let mut w = escrowed(7);
    let r = key_substitution::run(
        &mut w,
        key_substitution::Params {
            days_before: 3,
            days_after: 3,
            per_day: 4,
        },
    )?;
    assert!(r.attacker_reads_after == r.after && r.state_reads_after == 0);
    lines.push(format!(
        "key substitution    after the swap the attacker read {}/{}, the state {}; an out-of-band pin refused {}",
        r.attacker_reads_after, r.after, r.state_reads_after, r.refused_by_out_of_band_pin
    ));

    let mut w = clean(8);
    let r = ghost_user::run(
        &mut w,
        ghost_user::Params {
            alice: 0,
            bob: 1,
            messages: 3,
        },
    )?;
    assert!(r.ghost_read == r.sent_trusting && r.refused_by_pinning_client == r.sent_trusting);
    lines.push(format!(
        "ghost user          the ghost read {}/{}; a client pinning Bob's fingerprint refused all {}",
        r.ghost_read, r.sent_trusting, r.refused_by_pinning_client
    ));

    let mut w = clean(9);
    let r = kleptography::run(
        &mut w,
        kleptography::Params {
            sender: 0,
            recipient: 1,
            messages: 6,
            replaced_after: 4,
        },
    )?;
    assert_eq!(r.recipient_read, r.sent);
    lines.push(format!(
        "kleptography        valid envelopes; the vendor read {} of {} from public bytes, then lost it to whoever swapped Y",
        r.original_holder_read, r.sent
    ));

    let mut w = clean(10);
    let r = export_grade::run(
        &mut w,
        &export_grade::Params {
            sender: 0,
            recipient: 1,
            widths: vec![16],
        },
        &|_, _| {},
    )?;
    let width = r.widths[0];
    assert!(width.opened);
    lines.push(format!(
        "export grade        a 16-bit content key fell after {} tries in {:.0?}",
        width.tried, width.elapsed
    ));

    let r = quantum_day::run(quantum_day::Params {
        seed: 11,
        users: 6,
        years: 1,
        per_day: 1,
    })?;
    let [clean, classical, pq] = quantum_day::Regime::ALL.map(|regime| r.outcome(regime).clone());
    assert!(clean.opened_on_quantum_day == 0 && clean.opened_after_leak == 0);
    assert_eq!(classical.opened_on_quantum_day, classical.recorded);
    assert!(pq.opened_on_quantum_day == 0 && pq.opened_after_leak == pq.recorded);
    lines.push(format!(
        "quantum day         post-quantum stanzas, X25519 solved: e2e {}/{} read, classical field {}/{}, post-quantum field {}/{} until its key leaks",
        clean.opened_on_quantum_day,
        clean.recorded,
        classical.opened_on_quantum_day,
        classical.recorded,
        pq.opened_on_quantum_day,
        pq.recorded
    ));

    let one = |c: CollisionConfig| CollisionConfig {
        trials: 1,
        size: 128,
        ..c
    };
    let c = css::collisions(
        &one(CollisionConfig::phash_default()),
        &one(CollisionConfig::neuralhash_default()),
    )?;
    assert!(c.phash.success_rate == 1.0 && c.neuralhash.success_rate == 1.0);
    assert_eq!((c.vouchers_opened, c.originals_opened), (1, 0));
    let mut w = World::with_users(12, Mode::EndToEnd, &cast);
    let creep = css::function_creep::Params {
        listed: 10,
        photos_per_user: 1,
        poster_senders: vec![(1, 4), (3, 2)],
        threshold: 3,
        size: 64,
    };
    let r = css::function_creep::run(&mut w, &creep)?;
    assert!(r.after.flagged == [1] && r.audit_found == 0 && r.before.matches == 0);
    lines.push(format!(
        "client-side scan    a scene took a listed poster's hash in {:.0} ms (pHash), {:.0} ms (NeuralHash-shaped); \
         a poster slipped into the blinded list flagged {}/{} of its senders (threshold {}); clients saw {}/{} slots change and could tell nothing",
        1e3 * c.phash.mean_seconds,
        1e3 * c.neuralhash.mean_seconds,
        r.after.flagged.len(),
        creep.poster_senders.len(),
        creep.threshold,
        r.slots_changed,
        r.slots
    ));

    let mut w = World::new(13, Mode::EndToEnd);
    let r = jurisdiction::run(
        &mut w,
        &jurisdiction::Params {
            countries: vec![("UK", 10), ("FR", 20), ("US", 20)],
            messages: 300,
            groups: (10, 4),
            per_group: 3,
            ..jurisdiction::Params::default()
        },
    )?;
    assert!(r.others_only_read == 0 && r.others_exposed > 0);
    lines.push(format!(
        "jurisdiction        a UK escrow mandate exposed {}/{} users abroad ({:.0} %); messages among them alone: {}/{} read",
        r.others_exposed,
        r.others,
        100.0 * r.others_exposed as f64 / r.others as f64,
        r.others_only_read,
        r.others_only
    ));

    let mut w = escrowed(14);
    w.simulate(&traffic(10))?;
    let r = wiretap_breach::run(
        &mut w,
        &wiretap_breach::Params {
            warrants: vec![1, 2],
            intruder_targets: vec![0],
            intrusion_day: 5,
        },
    )?;
    assert!(r.escrowed.read == r.escrowed.archive && r.end_to_end.read == 0);
    assert_eq!(r.end_to_end.targets_learned.len(), 2);
    lines.push(format!(
        "wiretap breach      the intruder read {}/{} escrowed, {}/{} end to end, and took the {}-name warrant list under both",
        r.escrowed.read,
        r.escrowed.archive,
        r.end_to_end.read,
        r.end_to_end.archive,
        r.end_to_end.targets_learned.len()
    ));
    Ok(lines)
}
