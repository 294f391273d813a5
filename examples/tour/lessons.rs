//! The tour's last section: every other example's scenario, run small, in
//! one computed line each, each line's claim asserted.

use doormat_attacks::{Mode, Traffic, World};

type Result<T, E = Box<dyn std::error::Error>> = core::result::Result<T, E>;

/// Every other example's scenario, run small, in one computed line each.
pub fn other_lessons() -> Result<Vec<String>> {
    use doormat_attacks::{
        blast_radius, export_grade, forward_secrecy, ghost_user, harvest_now_decrypt_later as hndl,
        key_substitution, kleptography, leaf_forgery, quantum_day, stolen_key, superencryption,
        warrant_overreach,
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
        seed: 12,
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
    Ok(lines)
}
