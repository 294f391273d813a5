//! The forward-secrecy lesson (`doormat_attacks::forward_secrecy`), one
//! test per claim, and the world's session modes it runs in.

use doormat_attacks::{forward_secrecy, Mode, Traffic, World};

const CAST: [&str; 4] = ["Alice", "Bob", "Carol", "Dave"];

/// The forward-secrecy lesson, run once for its four claims.
fn forward_secrecy_report() -> &'static forward_secrecy::Report {
    static REPORT: std::sync::OnceLock<forward_secrecy::Report> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        forward_secrecy::run(forward_secrecy::Params {
            seed: 18,
            days: 90,
            per_day: 4,
            seized_on: 45,
        })
        .unwrap()
    })
}

/// File envelopes: the seized identity key opens what was sent to the
/// phone, recorded before the seizure and after.
#[test]
fn forward_secrecy_envelope_keys_open_past_and_future() {
    let r = forward_secrecy_report();
    let e = r.envelope;
    assert_eq!(e.past + e.future, 360);
    assert!(e.past_opened > 0 && e.past_opened < e.past, "{e:?}");
    assert!(e.future_opened > 0 && e.future_opened < e.future, "{e:?}");
    assert_eq!(e.escrow_opened, None);
}

/// Sessions: the seized state opens none of the recorded past, a few
/// messages of the future, then the ratchet heals; the set-up cannot be
/// re-run.
#[test]
fn forward_secrecy_session_copy_opens_no_past_and_heals() {
    let r = forward_secrecy_report();
    for s in [r.session, r.escrowed_session] {
        assert_eq!(s.past_opened, 0, "{s:?}");
        assert!(s.future_opened < s.future, "{s:?}");
    }
    assert_eq!(
        (r.session.past, r.session.future),
        (r.envelope.past, r.envelope.future)
    );
    let healed = r.healed.expect("the ratchet healed");
    assert_eq!(healed.read_first, r.session.future_opened);
    assert!(healed.day >= r.params.seized_on && healed.day < r.params.days);
    assert!(!r.setup_rerun);
}

/// The escrowed session: the escrow key opens every message of every
/// month, before and after the seizure.
#[test]
fn forward_secrecy_escrow_key_reach_never_shrinks() {
    let r = forward_secrecy_report();
    let s = r.escrowed_session;
    assert_eq!(s.escrow_opened, Some(s.past + s.future));
    assert_eq!(r.escrow_by_month.len(), 3);
    assert!(r
        .escrow_by_month
        .iter()
        .all(|&(n, read)| n > 0 && n == read));
}

/// What forward secrecy does not cover: the phone's stored history goes
/// with the phone — every message sent or received before the seizure.
#[test]
fn forward_secrecy_does_not_cover_stored_history() {
    let r = forward_secrecy_report();
    assert_eq!(r.history_seized, r.session.past);
}

/// The world's session modes: a message to several people is one session
/// message each, the run replays from its seed, the escrow key reads every
/// message of an escrowed-session world and none of the clean twin, and
/// only a session world has phones to seize.
#[test]
fn the_session_world_replays_and_the_escrow_key_reads_it() {
    let traffic = Traffic {
        days: 4,
        per_day: 6,
        max_recipients: 3,
    };
    let run = |seed| {
        let mut w = World::with_users(seed, Mode::EscrowedSession, &CAST);
        w.simulate(&traffic).unwrap();
        w
    };
    let w = run(3);
    let wire: Vec<_> = w.wiretap().iter().map(|i| i.envelope.clone()).collect();
    assert_eq!(
        wire,
        run(3)
            .wiretap()
            .iter()
            .map(|i| i.envelope.clone())
            .collect::<Vec<_>>()
    );
    let fanned_out: usize = w.ledger().iter().map(|s| s.to.len()).sum();
    assert_eq!(w.ledger().len(), 24);
    assert_eq!(w.wiretap().len(), fanned_out);
    assert!(fanned_out > 24, "some messages went to several people");
    assert_eq!(w.read_by(w.authority()), fanned_out);
    let clean = w.twin(Mode::Session).unwrap();
    assert_eq!(clean.wiretap().len(), fanned_out);
    assert_eq!(clean.read_by(clean.authority()), 0);
    let phone = clean.seize_phone(0).unwrap();
    let involving = clean
        .ledger()
        .iter()
        .filter(|s| s.from == 0 || s.to.contains(&0))
        .count();
    assert_eq!(phone.history.len(), involving);
    assert!(w.twin(Mode::EndToEnd).unwrap().seize_phone(0).is_err());
}
