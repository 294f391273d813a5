//! Client-side scanning (`doormat_attacks::client_side_scanning` and
//! `doormat_attacks::scanning`): one test per claim of the lesson, and the
//! three checks the scanner's promises rest on — the match, the voucher
//! threshold and the blinding — each by a test that fails without it.

use doormat::e2e::{self, Header};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};
use doormat_attacks::client_side_scanning::{self as css, function_creep};
use doormat_attacks::scanning::blinded::{BlindedList, SLOTS};
use doormat_attacks::scanning::client::ScanningClient;
use doormat_attacks::scanning::collision::{
    run_neuralhash, run_phash, CollisionConfig, GradientTuning,
};
use doormat_attacks::scanning::evasion;
use doormat_attacks::scanning::evasion::{EditFamily, EvasionConfig};
use doormat_attacks::scanning::false_flags::measure;
use doormat_attacks::scanning::false_flags::FalseFlagConfig;
use doormat_attacks::scanning::images::{protest_poster, scene};
use doormat_attacks::scanning::matcher::{Matcher, PHasher, PerceptualHash};
use doormat_attacks::scanning::neuralhash::NeuralHasher;
use doormat_attacks::scanning::provider::Provider;
use doormat_attacks::scanning::raster::{jpeg_roundtrip, png_bytes};
use doormat_attacks::scanning::voucher::{Account, VOUCHER_EXTENSION, VOUCHER_LEN};
use doormat_attacks::scanning::RgbImage;
use doormat_attacks::{Mode, World};

fn people(seed: u8) -> (Identity, Identity, SeededRng) {
    let mut rng = SeededRng::from_seed([seed; 32]);
    let a = Identity::generate_with(&mut rng).unwrap();
    let b = Identity::generate_with(&mut rng).unwrap();
    (a, b, rng)
}

/// A provider whose list holds one protest poster (`size` pixels square).
fn listed_poster(seed: u64, size: u32) -> (NeuralHasher, RgbImage, Provider, BlindedList) {
    let hasher = NeuralHasher::default();
    let poster = protest_poster(seed, size, size, function_creep::SLOGAN);
    let mut provider = Provider::new(seed);
    provider.list(hasher.hash(&poster).0);
    let list = provider.publish();
    (hasher, poster, provider, list)
}

/// Seals `png` from `a` to `b` through `client`, and hands it to `provider`.
fn send(
    client: &mut ScanningClient<'_>,
    provider: &mut Provider,
    (a, b): (&Identity, &Identity),
    id: usize,
    png: &[u8],
) -> (Vec<u8>, bool) {
    let voucher = client.for_message(png).unwrap();
    let envelope = e2e::Sealer::new(a, &[b.public()])
        .layer(voucher)
        .seal(png)
        .unwrap();
    let matched = provider.receive(&a.public().fingerprint(), id, &envelope);
    (envelope, matched)
}

/// The matcher: a listed picture matches, as sent and through the
/// deployed pHash rule after re-encoding; an unlisted one does not.
#[test]
fn scanning_matches_listed_pictures_and_nothing_else() {
    let (hasher, poster, mut provider, list) = listed_poster(1, 128);
    let (a, b, _) = people(1);
    let mut client = ScanningClient::new(&list, &hasher, Account::new(30, [1; 32]).unwrap());
    let (_, listed) = send(&mut client, &mut provider, (&a, &b), 0, &png_bytes(&poster));
    let (_, unlisted) = send(
        &mut client,
        &mut provider,
        (&a, &b),
        1,
        &png_bytes(&scene(1, 128, 128)),
    );
    assert!(listed, "the listed poster must match");
    assert!(!unlisted, "an unlisted scene must not match");
    assert_eq!(provider.matches(&a.public().fingerprint()), 1);

    // The deployed rules, at their boundaries: pHash within 8 of 64 bits,
    // NeuralHash-shaped exactly (Apple's PSI tests equality).
    let ph = PHasher;
    let m = Matcher::phash_deployed(&ph);
    assert!(
        m.matches(0, 0xff) && !m.matches(0, 0x1ff),
        "8 bits match, 9 do not"
    );
    let nh = Matcher::neuralhash_deployed(&hasher);
    let h = hasher.hash(&poster).0;
    assert!(nh.matches(h, h) && !nh.matches(h, h ^ 1));
    let again = jpeg_roundtrip(&poster, 90);
    assert!(m.matches(ph.hash_bits(&poster), ph.hash_bits(&again)));
    assert!(!m.matches(ph.hash_bits(&poster), ph.hash_bits(&scene(1, 128, 128))));
}

/// The voucher threshold: `t - 1` matches open nothing; the `t`-th opens
/// every matched message of the account, and no other account's.
#[test]
fn vouchers_open_only_once_an_account_reaches_the_threshold() {
    let (hasher, poster, mut provider, list) = listed_poster(2, 96);
    let png = png_bytes(&poster);
    let (a, b, _) = people(2);
    let t = 5;
    let mut alice = ScanningClient::new(&list, &hasher, Account::new(t, [2; 32]).unwrap());
    let mut bob = ScanningClient::new(&list, &hasher, Account::new(t, [3; 32]).unwrap());
    for id in 0..usize::from(t) - 1 {
        assert!(send(&mut alice, &mut provider, (&a, &b), id, &png).1);
    }
    for id in 100..100 + usize::from(t) - 1 {
        assert!(send(&mut bob, &mut provider, (&b, &a), id, &png).1);
    }
    assert!(
        provider.reveal().is_empty(),
        "below the threshold nothing opens"
    );
    assert!(provider.flagged().is_empty());
    send(&mut alice, &mut provider, (&a, &b), 99, &png);
    let revealed = provider.reveal();
    assert_eq!(revealed.len(), usize::from(t));
    assert!(revealed
        .iter()
        .all(|r| r.account == a.public().fingerprint()
            && r.opened.plaintext() == png.as_slice()
            && r.opened.sender() == &a.public()));
    assert_eq!(provider.flagged(), [a.public().fingerprint()]);
}

/// The blinding: a client's best public test finds nothing on the list,
/// not even the poster it suspects; an update changes every slot.
#[test]
fn a_client_cannot_tell_what_the_list_holds() {
    let mut world = World::with_users(19, Mode::EndToEnd, &["Ann", "Ben", "Cat", "Dan"]);
    let r = function_creep::run(
        &mut world,
        &function_creep::Params {
            listed: 20,
            photos_per_user: 1,
            poster_senders: vec![(0, 3)],
            threshold: 3,
            size: 64,
        },
    )
    .unwrap();
    assert!(r.list_changed);
    assert_eq!(
        r.list_len.0, r.list_len.1,
        "the length does not tell either"
    );
    assert_eq!((r.slots, r.slots_changed), (SLOTS, SLOTS));
    assert!(!r.poster_slot_singled_out);
    assert_eq!(
        r.audit_found, 0,
        "the client found {} listed pictures",
        r.audit_found
    );
    assert!(r.audited >= 17);
    // And the poster was on it all the same.
    assert_eq!(r.after.flagged, [0]);
}

/// The scanned envelope is the clean one plus one voucher: same core
/// header, the recipient reads it with a plain `e2e::open`, and a match
/// looks like a miss on the wire.
#[test]
fn the_scanned_envelope_is_the_clean_one_plus_a_voucher() {
    let (hasher, poster, mut provider, list) = listed_poster(3, 96);
    let (a, b, _) = people(3);
    let mut client = ScanningClient::new(&list, &hasher, Account::new(30, [4; 32]).unwrap());
    let mut sizes = Vec::new();
    for (i, png) in [
        png_bytes(&poster),
        png_bytes(&scene(3, 96, 96)),
        b"no picture".to_vec(),
    ]
    .iter()
    .enumerate()
    {
        let voucher = client.for_message(png).unwrap();
        let scanned = e2e::Sealer::new(&a, &[b.public()])
            .layer(voucher)
            .rng(&mut SeededRng::from_seed([9; 32]))
            .seal(png)
            .unwrap();
        let clean = e2e::Sealer::new(&a, &[b.public()])
            .rng(&mut SeededRng::from_seed([9; 32]))
            .seal(png)
            .unwrap();
        let (hs, hc) = (
            Header::parse(&scanned).unwrap(),
            Header::parse(&clean).unwrap(),
        );
        assert_eq!(
            hs.core_bytes(),
            hc.core_bytes(),
            "same stanzas, same content key"
        );
        let ext: Vec<(u16, usize)> = hs.extensions().map(|(t, v)| (t, v.len())).collect();
        assert_eq!(ext, [(VOUCHER_EXTENSION, VOUCHER_LEN)]);
        assert_eq!(hc.extensions().count(), 0);
        assert_eq!(
            scanned.len(),
            clean.len() + hs.as_bytes().len() - hc.as_bytes().len()
        );
        assert_eq!(e2e::open(&b, &scanned).unwrap().plaintext(), png.as_slice());
        sizes.push(scanned.len() - png.len());
        assert_eq!(
            provider.receive(&a.public().fingerprint(), i, &scanned),
            i == 0
        );
    }
    assert!(sizes.windows(2).all(|w| w[0] == w[1]), "{sizes:?}");
}

#[test]
fn function_creep_flags_the_posters_senders_and_reads_them() {
    let names: Vec<String> = (0..8).map(|i| format!("user {i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut world = World::with_users(2025, Mode::EndToEnd, &refs);
    let t = 6;
    let r = function_creep::run(
        &mut world,
        &function_creep::Params {
            listed: 30,
            photos_per_user: 3,
            poster_senders: vec![(1, 8), (4, 7), (6, 2)],
            threshold: t,
            size: 64,
        },
    )
    .unwrap();
    let sent = 8 * 3 + 8 + 7 + 2;
    assert_eq!((r.before.envelopes, r.after.envelopes), (sent, sent));
    assert_eq!((r.before.matches, r.before.read.len()), (0, 0));
    assert!(r.before.flagged.is_empty());
    assert_eq!(r.after.matches, 8 + 7 + 2);
    let mut flagged = r.after.flagged.clone();
    flagged.sort_unstable();
    assert_eq!(flagged, [1, 4]);
    assert_eq!((r.after.read_posters, r.after.read_other), (8 + 7, 0));
    assert_eq!(r.after.counted_below_threshold, [(6, 2)]);
    assert_eq!(r.one_voucher_each, 2 * sent);
    assert_eq!(r.recipients_read, 2 * sent);
    assert_eq!(r.authority_read, 0);
}

#[test]
fn collisions_succeed_for_both_hashes_and_fool_the_provider() {
    let p = CollisionConfig {
        trials: 3,
        size: 128,
        ..CollisionConfig::phash_default()
    };
    let n = CollisionConfig {
        trials: 2,
        size: 128,
        ..CollisionConfig::neuralhash_default()
    };
    let r = css::collisions(&p, &n).unwrap();
    assert_eq!(
        (r.phash.success_rate, r.neuralhash.success_rate),
        (1.0, 1.0)
    );
    assert!(r.phash.min_psnr_db > 24.0 && r.neuralhash.min_psnr_db > 30.0);
    assert!(r.phash.max_abs_change <= 24 && r.neuralhash.max_abs_change <= 16);
    assert_eq!((r.vouchers_opened, r.originals_opened), (2, 0));
    let (ph, nh) = (PHasher, NeuralHasher::default());
    for (o, hash) in r
        .phash
        .outcomes
        .iter()
        .map(|o| (o, &ph as &dyn PerceptualHash))
        .chain(
            r.neuralhash
                .outcomes
                .iter()
                .map(|o| (o, &nh as &dyn PerceptualHash)),
        )
    {
        assert!(o.initial_distance > 8, "the target was already a match");
        assert_eq!(hash.hash_bits(&o.collided), hash.hash_bits(&o.target));
    }
    // Reproducible from the seed.
    let again = run_phash(&p);
    assert_eq!(again.outcomes[0].collided, r.phash.outcomes[0].collided);
}

#[test]
fn small_edits_evade_the_deployed_matchers() {
    let r = css::evasion(&EvasionConfig {
        listed: 6,
        size: 96,
        seed: 21,
    });
    let (ph, nh) = (&r.matchers[0], &r.matchers[1]);
    let crop = |m: &doormat_attacks::scanning::evasion::MatcherEvasion| {
        m.families
            .iter()
            .find(|f| f.family == EditFamily::Crop)
            .unwrap()
            .clone()
    };
    // A crop of at most a quarter evades pHash for most pictures, and exact
    // NeuralHash matching for all of them.
    assert!(crop(ph).evade_fraction.last().unwrap() >= &0.5);
    assert_eq!(crop(nh).evade_fraction.last(), Some(&1.0));
    assert!(nh.families.iter().all(|f| f.median_smallest.is_some()));
}

#[test]
fn false_flags_are_measured_and_projected() {
    let r = css::false_flags(&FalseFlagConfig {
        per_kind: 15,
        size: 96,
        seed: 5,
    });
    let (ph, exact) = (&r.measured[0], &r.measured[1]);
    assert!(ph.pairs > 1500 && ph.rate < 0.01);
    assert_eq!(exact.matches, 0);
    assert!(exact.upper95 > 0.0 && exact.upper95 < 0.01);
    // Apple's 3e-8 per image with t = 30: nobody; with t = 1: thousands a year.
    assert!(r.population[0].expected_flagged_accounts < 1e-6);
    assert!(r.population[2].expected_flagged_accounts > 1_000.0);
    assert!(r.population[0].false_matches_per_day > 1.0);
}

// From the scratch crate the engine was built in: reproducibility, the
// matcher's slack, and a collision seen by the matcher.

#[test]
fn experiments_are_reproducible_from_their_seeds() {
    let cfg = CollisionConfig {
        trials: 2,
        size: 96,
        ..CollisionConfig::phash_default()
    };
    let (a, b) = (run_phash(&cfg), run_phash(&cfg));
    for (x, y) in a.outcomes.iter().zip(&b.outcomes) {
        assert_eq!(x.collided, y.collided);
        assert_eq!(x.psnr_db, y.psnr_db);
    }
    let nh = NeuralHasher::default();
    let cfg = CollisionConfig {
        trials: 1,
        size: 96,
        ..CollisionConfig::neuralhash_default()
    };
    let (a, b) = (
        run_neuralhash(&nh, &cfg, &GradientTuning::default()),
        run_neuralhash(&nh, &cfg, &GradientTuning::default()),
    );
    assert_eq!(a.outcomes[0].collided, b.outcomes[0].collided);

    let ph = PHasher;
    let m = [
        Matcher::phash_deployed(&ph),
        Matcher::neuralhash_deployed(&nh),
    ];
    let ecfg = EvasionConfig {
        listed: 3,
        size: 96,
        seed: 9,
    };
    assert_eq!(
        format!("{:?}", evasion::run(&ecfg, &m)),
        format!("{:?}", evasion::run(&ecfg, &m))
    );
    let fcfg = FalseFlagConfig {
        per_kind: 5,
        size: 96,
        seed: 9,
    };
    assert_eq!(
        format!("{:?}", measure(&fcfg, &m)),
        format!("{:?}", measure(&fcfg, &m))
    );
}

#[test]
fn slack_in_the_matcher_trades_evasion_for_robustness() {
    // Apple's exact rule versus the tolerant variant on the same hash: the
    // tolerant one never evades more often, and is strictly harder to evade
    // somewhere — which is why anyone would want slack at all.
    let nh = NeuralHasher::default();
    let r = evasion::run(
        &EvasionConfig {
            listed: 6,
            size: 96,
            seed: 21,
        },
        &[
            Matcher::neuralhash_deployed(&nh),
            Matcher::neuralhash_tolerant(&nh),
        ],
    );
    let (exact, tolerant) = (&r.matchers[0], &r.matchers[1]);
    let mut harder = false;
    for (fe, ft) in exact.families.iter().zip(&tolerant.families) {
        for (e, t) in fe.evade_fraction.iter().zip(&ft.evade_fraction) {
            assert!(t <= e, "{:?}", fe.family);
            harder |= t < e;
        }
    }
    assert!(harder);
}

#[test]
fn a_colliding_image_is_a_false_match_nobody_can_tell_apart_by_hash() {
    // The collided scene is, to the matcher, the listed poster.
    let ph = PHasher;
    let m = Matcher::phash_deployed(&ph);
    let r = run_phash(&CollisionConfig {
        trials: 1,
        size: 128,
        ..CollisionConfig::phash_default()
    });
    let o = &r.outcomes[0];
    assert!(m.matches(ph.hash_bits(&o.collided), ph.hash_bits(&o.target)));
    assert!(!m.matches(ph.hash_bits(&o.original), ph.hash_bits(&o.target)));
}
