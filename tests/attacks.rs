//! One test per teaching attack (`doormat_attacks`), asserting its report,
//! and the tour's who-can-read-what matrix, cell by cell.

use doormat_attacks::matrix::{self, Outcome, PARTIES};
use doormat_attacks::{
    blast_radius, harvest_now_decrypt_later as hndl, stolen_key, warrant_overreach, Mode, Traffic,
    World,
};

const CAST: [&str; 8] = [
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
];

fn escrowed_world(seed: u64) -> World {
    World::with_users(seed, Mode::Escrowed, &CAST)
}

/// The world replays from its seed: same people, same envelopes, same bytes.
#[test]
fn the_world_replays_from_its_seed() {
    let traffic = Traffic {
        days: 3,
        per_day: 5,
        max_recipients: 3,
    };
    let run = |seed| {
        let mut w = escrowed_world(seed);
        w.simulate(&traffic).unwrap();
        w.wiretap()
            .iter()
            .map(|i| i.envelope.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    let mut w = escrowed_world(1);
    let ids = w.simulate(&traffic).unwrap();
    assert_eq!(ids, 0..15);
    assert_eq!(w.today(), 3);
    assert_eq!(w.service().relayed(), 15);
    // Every recipient reads what the ledger says was sent.
    for (sent, intercept) in w.ledger().iter().zip(w.wiretap()) {
        for &r in &sent.to {
            let key = w.escrow_key();
            let opened = doormat::escrow::open(w.user(r).identity(), &key, &intercept.envelope);
            assert!(w.is_true_read(sent.id, &opened));
        }
    }
    // The twin has the same traffic and none of the escrow.
    let twin = w.twin(Mode::EndToEnd).unwrap();
    assert_eq!(twin.ledger().len(), 15);
    for (a, b) in w.ledger().iter().zip(twin.ledger()) {
        assert_eq!(
            (a.day, a.from, &a.to, &a.plaintext),
            (b.day, b.from, &b.to, &b.plaintext)
        );
    }
    assert!(twin
        .wiretap()
        .iter()
        .all(|i| twin.authority().open(&i.envelope).is_err()));
}

#[test]
fn warrant_overreach_reads_beyond_the_warrant() {
    let mut world = escrowed_world(7);
    world
        .simulate(&Traffic {
            days: 3 * warrant_overreach::MONTH,
            per_day: 10,
            max_recipients: 2,
        })
        .unwrap();
    let bob = world.find("Bob").unwrap();
    let warrant = warrant_overreach::Warrant {
        suspect: bob,
        month: 1,
    };
    let r = warrant_overreach::run(&mut world, warrant).unwrap();
    assert_eq!(r.intercepted, 900);
    assert!(!r.in_scope.is_empty());
    assert_eq!(
        r.in_scope_read,
        r.in_scope.len(),
        "the warrant's own scope is read"
    );
    assert_eq!(r.failed, 0);
    // Everything else is read too, by the same key.
    assert_eq!(r.out_of_scope_read.len(), r.intercepted - r.in_scope.len());
    assert!(r.other_users_read > r.in_scope.len());
    assert!(r.other_months_read > 0);
    assert_eq!(r.users_exposed, CAST.len() - 1, "every other user");
    for id in &r.out_of_scope_read {
        assert!(!warrant.covers(&world, *id));
    }
}

#[test]
fn a_stolen_key_reads_the_whole_escrowed_archive_and_none_of_e2e() {
    let mut world = escrowed_world(11);
    world
        .simulate(&Traffic {
            days: 100,
            per_day: 12,
            max_recipients: 3,
        })
        .unwrap();
    let r = stolen_key::run(&mut world).unwrap();
    assert!(r.archive >= 1000);
    assert!(r.same_key);
    assert_eq!(r.state_reads, r.archive);
    assert_eq!(r.criminal_reads, r.archive, "100 % of the escrowed archive");
    assert!(r.byte_for_byte, "exactly as the state");
    assert_eq!(r.e2e_archive, r.archive);
    assert_eq!(r.e2e_state_reads, 0);
    assert_eq!(
        r.e2e_criminal_reads, 0,
        "0 % of the same traffic end to end"
    );
    assert!(r.stolen_text_len < 100);
    // Only an escrowed world has a key worth stealing for this scenario.
    let mut clean = World::with_users(11, Mode::EndToEnd, &CAST);
    assert!(stolen_key::run(&mut clean).is_err());
}

#[test]
fn harvest_now_decrypt_later_one_leak_opens_every_year() {
    let mut world = escrowed_world(13);
    let params = hndl::Params {
        years: 3,
        per_day: 2,
        leaked_device: 2,
    };
    let r = hndl::run(&mut world, params).unwrap();
    assert_eq!(r.recorded, 3 * 365 * 2);
    assert_eq!(r.escrowed_exposed, r.recorded, "every message ever sent");
    assert_eq!(r.oldest_escrowed_exposed, Some(0), "from the first day");
    assert_eq!(r.e2e_exposed, r.to_leaked_device, "only that device's mail");
    assert!(r.e2e_exposed > 0 && r.e2e_exposed * 3 < r.recorded);
    // Ratcheted, that device's phone opens none of its past.
    assert_eq!(r.session_exposed, 0);
    assert!(r.session_involving_device >= r.to_leaked_device);
    assert_eq!(r.years.len(), 3);
    for y in &r.years {
        assert_eq!(y.escrowed_exposed, y.recorded);
        assert!(y.e2e_exposed < y.recorded);
        assert_eq!(y.session_exposed, 0);
    }
    // It needs a fresh world.
    assert!(hndl::run(&mut world, params).is_err());
}

/// The full classroom population: 10,000 users, 1,000,000 messages.
#[test]
fn blast_radius_one_escrow_key_against_k_user_keys() {
    let mut world = escrowed_world(17);
    let params = blast_radius::Params::default();
    let r = blast_radius::run(&mut world, &params).unwrap();
    assert_eq!((r.users, r.messages), (10_000, 1_000_000));
    assert_eq!(r.disagreements, 0, "the sample confirms the model");
    assert_eq!(r.confirmed, r.sampled * (1 + 2 * params.ks.len()));
    assert_eq!(r.escrow, 1.0);
    let at = |k: usize| r.points.iter().find(|p| p.k == k).unwrap();
    for pair in r.points.windows(2) {
        assert!(pair[0].random <= pair[1].random);
        assert!(pair[0].best_connected <= pair[1].best_connected);
    }
    for p in &r.points {
        assert!(p.random <= p.best_connected, "k = {}", p.k);
        assert!(p.best_connected < 1.0, "k = {}", p.k);
    }
    assert!(at(1).random < 0.01);
    assert!(at(1000).random < 0.5, "{}", at(1000).random);
    println!(
        "exposure (random / best-connected): k=1 {:.4}/{:.4}, k=10 {:.4}/{:.4}, k=100 {:.4}/{:.4}, k=1000 {:.4}/{:.4}; escrow {}; model {:?}, sample {:?}",
        at(1).random,
        at(1).best_connected,
        at(10).random,
        at(10).best_connected,
        at(100).random,
        at(100).best_connected,
        at(1000).random,
        at(1000).best_connected,
        r.escrow,
        r.model_elapsed,
        r.sample_elapsed
    );
    assert!(blast_radius::run(
        &mut world,
        &blast_radius::Params {
            ks: vec![10, 5],
            ..params
        }
    )
    .is_err());
}

/// The tour's matrix: every cell is a real decryption attempt, and each is
/// what the lesson says.
#[test]
fn who_can_read_what_every_cell() {
    let mut world = escrowed_world(19);
    let (alice, bob) = (world.find("Alice").unwrap(), world.find("Bob").unwrap());
    let m =
        matrix::who_can_read(&mut world, alice, bob, b"Meet me at the bridge at nine.").unwrap();
    assert_eq!(m.rows.len(), PARTIES.len());
    let cannot = |name: &str| Outcome::Cannot(name.to_owned());
    let expected = [
        (Outcome::Reads, Outcome::Reads, Outcome::Reads),
        (
            cannot("NotARecipient"),
            cannot("NotARecipient"),
            cannot("Tampered"),
        ),
        (
            cannot("NotARecipient"),
            cannot("NotARecipient"),
            cannot("Tampered"),
        ),
        (
            cannot("NotARecipient"),
            cannot("NotARecipient"),
            cannot("Tampered"),
        ),
        (cannot("NotEscrowed"), Outcome::Reads, cannot("NotEscrowed")),
        (cannot("NotEscrowed"), Outcome::Reads, cannot("NotEscrowed")),
        (cannot("NotEscrowed"), Outcome::Reads, cannot("NotEscrowed")),
        (Outcome::Reads, Outcome::Reads, Outcome::Reads),
        (Outcome::Reads, Outcome::Reads, cannot("Replay")),
    ];
    for ((row, party), (e2e, escrowed, session)) in m.rows.iter().zip(PARTIES).zip(expected) {
        assert_eq!(row.party, party);
        assert_eq!(row.e2e, e2e, "{party}, clean");
        assert_eq!(row.escrowed, escrowed, "{party}, escrowed");
        assert_eq!(row.session, session, "{party}, session");
    }
    // The warrant changes nothing: three rows, one call, one result.
    assert_eq!(m.rows[4].escrowed, m.rows[5].escrowed);
    assert_eq!(m.rows[5].escrowed, m.rows[6].escrowed);
    assert_eq!(m.rows.iter().filter(|r| r.e2e.reads()).count(), 3);
    assert_eq!(m.rows.iter().filter(|r| r.escrowed.reads()).count(), 6);
    // Forward secrecy: keys seized after the fact open the envelopes, not
    // the session's message.
    assert_eq!(m.rows.iter().filter(|r| r.session.reads()).count(), 2);
}

// ----- the historical attacks -----

use doormat_attacks::{
    export_grade, ghost_user, key_substitution, kleptography, leaf_forgery, superencryption,
};

/// Blaze, 1994: about 2^16 tries forge a field a `Clipper16` client accepts
/// and the authority cannot open; 2^20 tries find nothing under `Recompute`.
#[test]
fn leaf_forgery_defeats_the_16_bit_check_only() {
    let mut world = escrowed_world(23);
    let params = leaf_forgery::Params {
        forger: 0,
        recipient: 1,
        recompute_bound: 1 << 20,
    };
    let r = leaf_forgery::run(&mut world, params).unwrap();
    let c = r.clipper16;
    assert!(c.found, "a field within 2^24 tries");
    assert!(
        c.tries > 0 && c.tries < 1 << 22,
        "{} tries (expected about 65,536)",
        c.tries
    );
    assert!(
        c.recipient_read,
        "the compliant Clipper16 recipient reads it"
    );
    assert!(c.authority_locked_out, "the authority cannot open it");
    assert!(c.recompute_client_refuses);
    let s = r.recompute;
    assert!(!s.found);
    assert_eq!(s.tries, 1 << 20);
    println!(
        "Clipper16: {} tries in {:?}; Recompute: none in {} tries ({:?})",
        c.tries, c.elapsed, s.tries, s.elapsed
    );
}

#[test]
fn superencryption_escapes_even_recompute() {
    let mut world = escrowed_world(29);
    world
        .simulate(&Traffic {
            days: 10,
            per_day: 10,
            max_recipients: 2,
        })
        .unwrap();
    let params = superencryption::Params {
        criminals: vec![(6, 7), (7, 6)],
        per_pair: 5,
    };
    let r = superencryption::run(&mut world, &params).unwrap();
    assert_eq!(r.law_abiding, 100);
    assert_eq!(
        r.law_abiding_read, 100,
        "the law-abiding are fully readable"
    );
    assert_eq!(r.superencrypted, 10);
    assert_eq!(
        r.compliant_accepted, 10,
        "compliant clients accept every one"
    );
    assert_eq!(r.outer_opened, 10, "the authority opens the outer layer");
    assert_eq!(r.inner_read_by_authority, 0, "and reads none of the inner");
    assert_eq!(r.inner_read_by_recipient, 10);
    assert!(r.modified_refused_by_compliant);
    assert!(r.modified_read_by_noncompliant);
    assert!(!r.modified_opened_by_authority);
    // Secret associated data: exposed through a compliant client; dodged
    // only by a modified one.
    assert!(r.secret_aad_read_by_authority);
    assert!(r.aad_dodge_refused_by_compliant);
    assert!(r.aad_dodge_read_by_partner);
    assert!(!r.aad_dodge_opened_by_authority);
    assert!(
        r.aad_dodge_opened_with_the_secret,
        "only the secret was missing"
    );
}

#[test]
fn key_substitution_moves_the_escrow_and_pins_catch_it() {
    let mut world = escrowed_world(31);
    let params = key_substitution::Params {
        days_before: 5,
        days_after: 5,
        per_day: 6,
    };
    let r = key_substitution::run(&mut world, params).unwrap();
    assert_eq!((r.before, r.after), (30, 30));
    assert_eq!(r.state_reads_before, 30);
    assert_eq!(r.attacker_reads_before, 0);
    assert_eq!(
        r.state_reads_after, 0,
        "the legitimate authority reads none of it"
    );
    assert_eq!(
        r.attacker_reads_after, 30,
        "the attacker reads all new traffic"
    );
    assert_eq!(r.recipients_accepted, 60, "users see no difference");
    assert_eq!(r.refused_by_out_of_band_pin, 30);
    assert_eq!(r.refused_by_shipped_pin, 0);
    assert!(r.fingerprints_differ);
    assert!(r.adk_text_refused && r.adk_bytes_refused && r.tampering_changes_fingerprint);
}

#[test]
fn ghost_user_reads_unless_fingerprints_are_pinned() {
    let mut world = World::with_users(37, Mode::EndToEnd, &CAST);
    let params = ghost_user::Params {
        alice: 0,
        bob: 1,
        messages: 6,
    };
    let r = ghost_user::run(&mut world, params).unwrap();
    assert_eq!(
        r.keys_for_bob, 2,
        "the directory returns Bob's key and the ghost's"
    );
    assert_eq!(r.sent_trusting, 6);
    assert_eq!(
        r.ghost_read, 6,
        "the ghost reads what the trusting client sends"
    );
    assert_eq!(r.bob_read, 6);
    assert_eq!(r.refused_by_pinning_client, 6);
    assert!(r.safety_number_matches_bob && r.ghost_safety_number_differs);
    assert_eq!(r.bob_warned, 6, "Bob's client sees an unverified recipient");
}

#[test]
fn kleptography_opens_every_envelope_after_the_first() {
    let mut world = World::with_users(41, Mode::EndToEnd, &CAST);
    let params = kleptography::Params {
        sender: 0,
        recipient: 1,
        messages: 10,
        replaced_after: 6,
    };
    let r = kleptography::run(&mut world, params).unwrap();
    assert_eq!(r.sent, 10);
    assert_eq!(r.recipient_read, 10, "valid envelopes, every check passes");
    assert_eq!(r.same_length_as_honest, 10);
    // Envelopes 2..=7 (the 7th was set up before the swap) to the vendor;
    // 8..=10 to whoever replaced the constant.
    assert_eq!(r.original_holder_read, 6);
    assert_eq!(r.after_replacement, 3);
    assert_eq!(
        r.original_holder_read_after, 0,
        "the original holder lost it"
    );
    assert_eq!(r.replacer_read, 3);
}

#[test]
fn export_grade_keys_fall_to_brute_force() {
    let mut world = World::with_users(43, Mode::EndToEnd, &CAST);
    let params = export_grade::Params {
        sender: 0,
        recipient: 1,
        widths: vec![8, 12, 16],
    };
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let r = export_grade::run(&mut world, &params, &|_, _| {
        calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .unwrap();
    assert!(r.recipient_read_all);
    assert_eq!(r.widths.len(), 3);
    for w in &r.widths {
        assert!(w.opened, "{} bits broken", w.bits);
        assert!(w.tried <= 1 << w.bits);
        assert!(w.keys_per_second > 0.0);
    }
    assert!(calls.into_inner() >= 3, "progress reported");
}

/// Quantum day: the oracle solves every X25519 half it is shown; only the
/// classical access field turns that into reads, and the leak of a
/// post-quantum authority key opens everything.
#[test]
fn quantum_day_opens_classical_fields_and_only_them() {
    use doormat_attacks::quantum_day::{self, Regime};
    let report = quantum_day::run(quantum_day::Params {
        seed: 13,
        users: 6,
        years: 2,
        per_day: 1,
    })
    .unwrap();
    assert_eq!(report.outcomes.len(), 3);
    let recorded = 2 * 365;
    let stanzas = report.outcomes[0].stanzas;
    assert!(stanzas > recorded);
    for o in &report.outcomes {
        // The same traffic in every regime, every stanza X-Wing.
        assert_eq!((o.recorded, o.stanzas), (recorded, stanzas), "{o:?}");
        assert_eq!(o.post_quantum_envelopes, recorded, "{o:?}");
        // The X25519 half of each user key and of each stanza falls (and of
        // a post-quantum escrow key): the oracle is real, and no X-Wing key
        // opens for it.
        let pq_escrow = usize::from(o.regime == Regime::PostQuantumField);
        assert_eq!(o.logs_solved, report.users + stanzas + pq_escrow, "{o:?}");
    }
    let clean = report.outcome(Regime::CleanPostQuantum);
    assert!(!clean.authority_solved);
    assert_eq!(
        (clean.opened_on_quantum_day, clean.opened_after_leak),
        (0, 0)
    );

    let classical = report.outcome(Regime::ClassicalField);
    assert!(classical.authority_solved);
    assert_eq!(classical.opened_on_quantum_day, recorded);
    assert_eq!(classical.opened_after_leak, recorded);

    let pq = report.outcome(Regime::PostQuantumField);
    assert!(!pq.authority_solved);
    assert_eq!(pq.opened_on_quantum_day, 0);
    assert_eq!(pq.opened_after_leak, recorded);
}

/// Without the randomness log there is no oracle: the simulation cannot
/// quietly answer keys it never saw.
#[test]
fn the_quantum_oracle_needs_the_randomness_log() {
    use doormat_attacks::quantum_day::QuantumOracle;
    let world = escrowed_world(3);
    assert!(matches!(
        QuantumOracle::new(&world),
        Err(doormat_attacks::Error::InvalidArgument(_))
    ));
}

use doormat_attacks::{jurisdiction, wiretap_breach};

#[test]
fn a_mandate_in_one_country_exposes_users_of_the_others() {
    let mut world = World::new(2025, Mode::EndToEnd);
    let params = jurisdiction::Params {
        countries: vec![("UK", 10), ("FR", 20), ("US", 20)],
        messages: 400,
        groups: (10, 4),
        per_group: 4,
        ..jurisdiction::Params::default()
    };
    let r = jurisdiction::run(&mut world, &params).unwrap();
    assert_eq!(r.countries[0].name, "UK");
    // Every message a mandated user touched is read, and only those.
    assert_eq!(r.countries[0].read, r.countries[0].messages);
    assert_eq!(r.others_only_read, 0);
    assert!(r.others_only > 0);
    assert_eq!(r.others, 40);
    assert!(
        r.others_exposed > 0 && r.others_exposed < r.others,
        "{}",
        r.others_exposed
    );
    assert!(r.read_sent_to_mandated > 0 && r.read_from_mandated > 0 && r.read_in_groups > 0);
    let foreign_read: usize = r.countries[1..].iter().map(|c| c.read).sum();
    assert!(foreign_read >= r.read_sent_to_mandated + r.read_from_mandated + r.read_in_groups);
    assert!(r.clean_refused && r.mandated_received_ok);
    // A mandate is needed for any of it.
    let mut world = World::new(2025, Mode::EndToEnd);
    let none = jurisdiction::run(
        &mut world,
        &jurisdiction::Params {
            mandated: "FR",
            countries: vec![("FR", 0), ("US", 20), ("IE", 10)],
            ..params
        },
    )
    .unwrap();
    assert_eq!(none.others_exposed, 0);
}

#[test]
fn a_wiretap_breach_reveals_the_warrant_list_under_every_regime() {
    let mut world = escrowed_world(2004);
    world
        .simulate(&Traffic {
            days: 20,
            per_day: 10,
            max_recipients: 2,
        })
        .unwrap();
    let params = wiretap_breach::Params {
        warrants: vec![1, 3],
        intruder_targets: vec![7],
        intrusion_day: 10,
    };
    let r = wiretap_breach::run(&mut world, &params).unwrap();
    let names = ["Bob", "Dave"];
    for o in [&r.escrowed, &r.split_custody, &r.end_to_end] {
        assert_eq!(o.targets_learned, names);
        assert_eq!(o.archive, 200);
    }
    let e = &r.escrowed;
    assert_eq!(e.read, 200);
    assert!(e.read_beyond_warrants > 0 && e.read_of_targets > 0);
    assert_eq!(e.read_of_targets + e.read_beyond_warrants, e.read);
    assert!(e.read_before_intrusion > 0 && e.read_of_intruder_targets > 0);
    assert_eq!((r.split_custody.read, r.end_to_end.read), (0, 0));
    assert!(r.custodians_rebuild);
}
