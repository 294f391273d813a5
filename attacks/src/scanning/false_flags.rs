//! False flags: how often distinct innocent images match, and what that
//! rate means once a scanner runs on every phone.
//!
//! **Measurement.** Every unordered pair of distinct-content images of the
//! generated corpus is compared under each matcher; a pair within the
//! threshold is a false match. Pairs of protest posters with the same
//! slogan are *variants* of one poster, not distinct content: they are
//! counted apart (a list entry for one poster catching its re-colourings is
//! the hash working as designed — and a censor's list working as designed).
//! With zero observed matches the report gives the one-sided 95%
//! Clopper–Pearson upper bound instead of pretending the rate is zero.
//!
//! **Population model.** Each of `users` accounts uploads
//! `images_per_user_per_day` innocent photos a day; each photo falsely
//! matches the list (of `list_size` entries) independently with
//! probability `q` (per image, against the whole list; from a per-entry
//! pair rate `p`, `q = 1 − (1 − p)^list_size`). Then
//!
//! * expected falsely matched photos per day = `users · images_per_user_per_day · q`;
//! * an account's false matches over `days` days are
//!   `X ~ Binomial(n, q)` with `n = images_per_user_per_day · days`, and it is
//!   flagged for review when `X ≥ t` (Apple: `t = 30`), so
//!   `P(flagged) = P(X ≥ t)`, computed in log space ([`super::binomial`]);
//! * expected falsely flagged accounts = `users · P(flagged)`.
//!
//! Independence is the model's weakest assumption: real libraries hold
//! bursts of near-identical shots, and a photo that falsely matches once
//! brings its near-duplicates with it. The `burst` parameter models that
//! crudely: photos come in bursts of `b` near-copies that match or miss
//! together, so `X = b · Binomial(n / b, q)` and the account is flagged
//! when `Binomial(n / b, q) ≥ ⌈t / b⌉`.

use super::binomial::{ln_upper_tail, upper_bound_95};
use super::images::{corpus, CorpusImage, ImageKind};
use super::matcher::{hamming, Matcher};

/// Corpus settings for the measurement.
#[derive(Clone, Debug)]
pub struct FalseFlagConfig {
    /// Images of each kind.
    pub per_kind: usize,
    /// Side of the images.
    pub size: u32,
    /// Corpus seed.
    pub seed: u64,
}

impl Default for FalseFlagConfig {
    fn default() -> Self {
        Self {
            per_kind: 50,
            size: 128,
            seed: 0xF1A6,
        }
    }
}

/// Match counts for one pair of kinds.
#[derive(Clone, Debug)]
pub struct KindPairCount {
    /// First kind.
    pub a: ImageKind,
    /// Second kind.
    pub b: ImageKind,
    /// Distinct-content pairs compared.
    pub pairs: u64,
    /// Of those, pairs within the threshold.
    pub matches: u64,
}

/// The measured false-match figures of one matcher.
#[derive(Clone, Debug)]
pub struct MeasuredRate {
    /// The matcher, described.
    pub matcher: String,
    /// Its threshold.
    pub threshold: u32,
    /// Distinct-content pairs compared.
    pub pairs: u64,
    /// Of those, pairs within the threshold (false matches).
    pub matches: u64,
    /// `matches / pairs`.
    pub rate: f64,
    /// One-sided 95% upper confidence bound on the rate.
    pub upper95: f64,
    /// Smallest Hamming distance between distinct-content images.
    pub min_distance: u32,
    /// Mean Hamming distance between distinct-content images.
    pub mean_distance: f64,
    /// Breakdown by kinds.
    pub by_kind: Vec<KindPairCount>,
    /// Same-slogan protest-poster pairs compared.
    pub variant_pairs: u64,
    /// Of those, pairs within the threshold.
    pub variant_matches: u64,
}

/// Measures the false-match rate of each matcher on a generated corpus.
pub fn measure(cfg: &FalseFlagConfig, matchers: &[Matcher<'_>]) -> Vec<MeasuredRate> {
    let images = corpus(cfg.per_kind, cfg.size, cfg.seed);
    matchers.iter().map(|m| measure_one(&images, m)).collect()
}

/// Measures one matcher on given corpus images.
pub fn measure_one(images: &[CorpusImage], m: &Matcher<'_>) -> MeasuredRate {
    let hashes: Vec<u128> = images.iter().map(|c| m.hash.hash_bits(&c.image)).collect();
    let mut by_kind: Vec<KindPairCount> = Vec::new();
    let (mut pairs, mut matches, mut vp, mut vm, mut min_d, mut sum_d) =
        (0u64, 0u64, 0u64, 0u64, u32::MAX, 0u64);
    for i in 0..images.len() {
        for j in i + 1..images.len() {
            let d = hamming(hashes[i], hashes[j]);
            let hit = d <= m.threshold;
            if images[i].same_content(&images[j]) {
                vp += 1;
                vm += u64::from(hit);
                continue;
            }
            pairs += 1;
            matches += u64::from(hit);
            min_d = min_d.min(d);
            sum_d += d as u64;
            let (a, b) = (images[i].kind, images[j].kind);
            match by_kind.iter_mut().find(|k| (k.a, k.b) == (a, b)) {
                Some(k) => {
                    k.pairs += 1;
                    k.matches += u64::from(hit);
                }
                None => by_kind.push(KindPairCount {
                    a,
                    b,
                    pairs: 1,
                    matches: u64::from(hit),
                }),
            }
        }
    }
    MeasuredRate {
        matcher: m.describe(),
        threshold: m.threshold,
        pairs,
        matches,
        rate: matches as f64 / pairs.max(1) as f64,
        upper95: upper_bound_95(matches, pairs),
        min_distance: min_d,
        mean_distance: sum_d as f64 / pairs.max(1) as f64,
        by_kind,
        variant_pairs: vp,
        variant_matches: vm,
    }
}

/// Parameters of the population model (see the module documentation).
#[derive(Clone, Debug)]
pub struct PopulationModel {
    /// What this scenario stands for.
    pub label: String,
    /// Scanned accounts.
    pub users: f64,
    /// Innocent photos per account per day.
    pub images_per_user_per_day: f64,
    /// Entries on the list.
    pub list_size: f64,
    /// Probability that one innocent photo matches *some* list entry.
    pub per_image_rate: f64,
    /// Matches needed before an account is flagged (Apple: 30).
    pub voucher_threshold: u64,
    /// Length of the period, in days.
    pub days: u64,
    /// Near-copies per burst that match or miss together (1 = independent photos).
    pub burst: u64,
}

/// `q = 1 − (1 − p)^L`: a per-entry pair rate turned per-image against a list of `L`.
pub fn per_image_rate(pair_rate: f64, list_size: f64) -> f64 {
    -(list_size * (-pair_rate).ln_1p()).exp_m1()
}

/// The model's outputs.
#[derive(Clone, Debug)]
pub struct PopulationReport {
    /// The inputs.
    pub model: PopulationModel,
    /// Expected falsely matched photos per day, over all accounts.
    pub false_matches_per_day: f64,
    /// Photos one account uploads over the period.
    pub photos_per_account: u64,
    /// Expected false matches per account over the period.
    pub expected_matches_per_account: f64,
    /// `log10 P(an innocent account is flagged within the period)`.
    pub log10_p_account_flagged: f64,
    /// `P(an innocent account is flagged within the period)`.
    pub p_account_flagged: f64,
    /// Expected innocent accounts flagged per period.
    pub expected_flagged_accounts: f64,
    /// The per-image rate at which one innocent account per period is expected to be flagged.
    pub break_even_per_image_rate: f64,
}

impl PopulationModel {
    fn ln_p_flagged(&self, q: f64) -> f64 {
        let n = (self.images_per_user_per_day * self.days as f64).round() as u64;
        let b = self.burst.max(1);
        ln_upper_tail(n / b, self.voucher_threshold.div_ceil(b), q)
    }

    /// Evaluates the model.
    pub fn evaluate(&self) -> PopulationReport {
        let q = self.per_image_rate;
        let n = (self.images_per_user_per_day * self.days as f64).round() as u64;
        let ln_p = self.ln_p_flagged(q);
        // Break-even q: users · P(flagged; q) = 1, by bisection on log q.
        let target = -self.users.ln();
        let (mut lo, mut hi) = (-60.0f64, 0.0f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.ln_p_flagged(mid.exp()) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        PopulationReport {
            model: self.clone(),
            false_matches_per_day: self.users * self.images_per_user_per_day * q,
            photos_per_account: n,
            expected_matches_per_account: n as f64 * q,
            log10_p_account_flagged: ln_p / std::f64::consts::LN_10,
            p_account_flagged: ln_p.exp(),
            expected_flagged_accounts: self.users * ln_p.exp(),
            break_even_per_image_rate: hi.exp(),
        }
    }
}

/// Apple's reported image-level NeuralHash false-positive rate: 3 in 100
/// million ("Security Threat Model Review of Apple's Child Safety
/// Features", August 2021).
pub const APPLE_IMAGE_FALSE_POSITIVE_RATE: f64 = 3e-8;

/// The default scenarios: an EU-scale messenger population (400 million
/// accounts, 5 photos a day — WhatsApp reported about 4.5 photos per user
/// per day in 2017 — and a heavy user at 50), a list of one million
/// entries, over a year:
///
/// 1. Apple's own per-image rate and Apple's voucher threshold of 30;
/// 2. the same for a heavy user whose photos come in bursts of 10 near-copies;
/// 3. Apple's rate with no threshold (`t = 1`): every hit is reported, as
///    under a detection order of the EU proposal, which has no match count;
/// 4. the pHash pair rate measured on the corpus, turned per-image against
///    the million entries (see [`per_image_rate`]), with `t = 30`.
pub fn default_scenarios(measured_phash_pair_rate: f64) -> Vec<PopulationModel> {
    let base = PopulationModel {
        label: String::new(),
        users: 4e8,
        images_per_user_per_day: 5.0,
        list_size: 1e6,
        per_image_rate: APPLE_IMAGE_FALSE_POSITIVE_RATE,
        voucher_threshold: 30,
        days: 365,
        burst: 1,
    };
    vec![
        PopulationModel {
            label: "Apple's 3e-8/image, 5 photos/day".into(),
            ..base.clone()
        },
        PopulationModel {
            label: "Apple's 3e-8/image, 50 photos/day, bursts of 10".into(),
            images_per_user_per_day: 50.0,
            burst: 10,
            ..base.clone()
        },
        PopulationModel {
            label: "Apple's 3e-8/image, 5 photos/day, t = 1 (every hit reported)".into(),
            voucher_threshold: 1,
            ..base.clone()
        },
        PopulationModel {
            label: "pHash measured pair rate, 5 photos/day".into(),
            per_image_rate: per_image_rate(measured_phash_pair_rate, base.list_size),
            ..base
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::super::binomial::ln_pmf;
    use super::super::matcher::PHasher;
    use super::super::neuralhash::NeuralHasher;
    use super::*;

    #[test]
    fn account_probability_is_the_binomial_tail() {
        // Small n: compare with a direct sum of pmf terms.
        let m = PopulationModel {
            label: "small".into(),
            users: 1000.0,
            images_per_user_per_day: 2.0,
            list_size: 1.0,
            per_image_rate: 0.05,
            voucher_threshold: 3,
            days: 20,
            burst: 1,
        };
        let r = m.evaluate();
        let direct: f64 = (3..=40).map(|k| ln_pmf(40, k, 0.05).exp()).sum();
        assert!(
            (r.p_account_flagged - direct).abs() < 1e-12,
            "{} vs {direct}",
            r.p_account_flagged
        );
        assert!((r.expected_flagged_accounts - 1000.0 * direct).abs() < 1e-9);
        assert!((r.false_matches_per_day - 1000.0 * 2.0 * 0.05).abs() < 1e-9);
        // Break-even: with q at the break-even rate, one account per period.
        let be = PopulationModel {
            per_image_rate: r.break_even_per_image_rate,
            ..m.clone()
        }
        .evaluate();
        assert!(
            (be.expected_flagged_accounts - 1.0).abs() < 1e-6,
            "{}",
            be.expected_flagged_accounts
        );
        // Bursts make flagging likelier for the same q.
        let burst = PopulationModel { burst: 4, ..m }.evaluate();
        assert!(burst.p_account_flagged > r.p_account_flagged);
    }

    #[test]
    fn per_image_rate_is_stable_for_tiny_p() {
        let q = per_image_rate(1e-15, 1e6);
        assert!((q - 1e-9).abs() < 1e-15);
        assert!((per_image_rate(0.5, 2.0) - 0.75).abs() < 1e-15);
    }

    #[test]
    fn distinct_images_rarely_match_and_zero_threshold_is_strictest() {
        let cfg = FalseFlagConfig {
            per_kind: 12,
            size: 96,
            seed: 5,
        };
        let (ph, nh) = (PHasher, NeuralHasher::default());
        let ms = [
            Matcher::phash_deployed(&ph),
            Matcher::neuralhash_deployed(&nh),
            Matcher::neuralhash_tolerant(&nh),
        ];
        let r = measure(&cfg, &ms);
        for m in &r {
            assert!(m.pairs > 1000, "{}", m.pairs);
            assert!(m.rate < 0.01, "{}: {}", m.matcher, m.rate);
            assert!(m.mean_distance > 20.0, "{}: {}", m.matcher, m.mean_distance);
            assert!(m.upper95 >= m.rate && m.upper95 < 0.02);
        }
        // Exact matching of 96 bits finds no distinct pair; slack can only add matches.
        assert_eq!(r[1].matches, 0);
        assert!(r[2].matches >= r[1].matches);
        // Every same-slogan poster pair is compared as a variant, not as a false match.
        assert!(r[0].variant_pairs > 0);
    }
}
