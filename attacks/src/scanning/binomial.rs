//! Binomial tails computed stably in log space, with no statistics crate.
//!
//! The false-flag model needs `P(X ≥ t)` for `X ~ Binomial(n, q)` with `n`
//! in the thousands and `q` down to 1e-8 or below, where the answer can be
//! 1e-150: far below what summing naive `f64` probabilities or `1 − CDF`
//! can resolve. Here every term is a logarithm (`ln C(n,k)` from a Lanczos
//! `ln Γ`, `ln q`, `ln(1−q)` by `ln_1p`), the sum starts at its largest term
//! and runs away from the mode, and is accumulated with log-sum-exp.

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine terms; relative error ≈ 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln C(n, k)`.
pub fn ln_choose(n: u64, k: u64) -> f64 {
    assert!(k <= n, "ln_choose({n}, {k})");
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// `ln P(X = k)` for `X ~ Binomial(n, q)`.
pub fn ln_pmf(n: u64, k: u64, q: f64) -> f64 {
    if q <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if q >= 1.0 {
        return if k == n { 0.0 } else { f64::NEG_INFINITY };
    }
    ln_choose(n, k) + k as f64 * q.ln() + (n - k) as f64 * (-q).ln_1p()
}

/// `ln Σ_{k ∈ ks} P(X = k)`, for `ks` running away from the mode (terms
/// shrinking), stopping once the terms no longer change the sum.
fn ln_sum_from(n: u64, q: f64, ks: impl Iterator<Item = u64>) -> f64 {
    let mut acc = f64::NEG_INFINITY;
    for k in ks {
        let t = ln_pmf(n, k, q);
        if acc > f64::NEG_INFINITY && t < acc - 40.0 {
            break; // e^-40 ≈ 4e-18 of the sum: below f64 resolution.
        }
        let (hi, lo) = if acc > t { (acc, t) } else { (t, acc) };
        acc = hi + (lo - hi).exp().ln_1p();
    }
    acc
}

/// `ln P(X ≥ t)` for `X ~ Binomial(n, q)`: the natural log of the upper tail.
pub fn ln_upper_tail(n: u64, t: u64, q: f64) -> f64 {
    if t == 0 {
        return 0.0;
    }
    if t > n || q <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if q >= 1.0 {
        return 0.0;
    }
    let mode = ((n as f64 + 1.0) * q).floor() as u64;
    if t > mode {
        // Terms fall as k rises from t: sum upwards.
        ln_sum_from(n, q, t..=n)
    } else {
        // The tail holds the mode: 1 − P(X ≤ t−1), with the lower sum running down from t−1.
        let ln_lower = ln_sum_from(n, q, (0..t).rev());
        (-ln_lower.exp()).ln_1p()
    }
}

/// `P(X ≥ t)` for `X ~ Binomial(n, q)` (may underflow to 0; see [`ln_upper_tail`]).
pub fn upper_tail(n: u64, t: u64, q: f64) -> f64 {
    ln_upper_tail(n, t, q).exp()
}

/// `P(X ≤ k)` for `X ~ Binomial(n, q)`.
pub fn cdf(n: u64, k: u64, q: f64) -> f64 {
    if k >= n {
        1.0
    } else {
        -(ln_upper_tail(n, k + 1, q).exp_m1())
    }
}

/// One-sided 95% Clopper–Pearson upper confidence bound on a rate after
/// `k` events in `n` trials (`1 − 0.05^(1/n)` when `k = 0`, about `3/n`).
pub fn upper_bound_95(k: u64, n: u64) -> f64 {
    if n == 0 || k >= n {
        return 1.0;
    }
    if k == 0 {
        return -((0.05f64.ln() / n as f64).exp_m1());
    }
    // The p with P(X ≤ k; n, p) = 0.05, by bisection (the CDF falls as p grows).
    let (mut lo, mut hi) = (k as f64 / n as f64, 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(n, k, mid) > 0.05 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Exact tail by summing products, feasible for small n.
    fn brute_tail(n: u64, t: u64, q: f64) -> f64 {
        let mut total = 0.0;
        let mut c = 1.0f64; // C(n, k), built up exactly in f64 for n ≤ 60
        for k in 0..=n {
            if k >= t {
                total += c * q.powi(k as i32) * (1.0 - q).powi((n - k) as i32);
            }
            c = c * (n - k) as f64 / (k + 1) as f64;
        }
        total
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut f = 1.0f64;
        for n in 1..30u64 {
            f *= n as f64;
            assert!(
                (ln_gamma(n as f64 + 1.0) - f.ln()).abs() < 1e-10 * f.ln().max(1.0),
                "{n}"
            );
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    proptest! {
        #![proptest_config(super::super::test_support::proptest_config(256))]

        #[test]
        fn tail_agrees_with_brute_force(n in 1u64..60, t in 0u64..62, q in 1e-6f64..0.999) {
            let (a, b) = (upper_tail(n, t, q), brute_tail(n, t, q));
            prop_assert!((a - b).abs() <= 1e-9 * b.max(1e-300) + 1e-15, "n={} t={} q={}: {} vs {}", n, t, q, a, b);
        }
    }

    #[test]
    fn tiny_tails_stay_resolvable() {
        // P(X ≥ 30), n = 1825 photos a year, q = 3e-8 (Apple's image-level rate):
        // leading term C(1825,30) q^30 ≈ 10^-151, and no underflow to −∞.
        let l = ln_upper_tail(1825, 30, 3e-8) / std::f64::consts::LN_10;
        let lead = (ln_choose(1825, 30) + 30.0 * 3e-8f64.ln()) / std::f64::consts::LN_10;
        assert!((l - lead).abs() < 0.01, "{l} vs {lead}");
        assert!(l < -140.0 && l > -170.0, "{l}");
    }

    #[test]
    fn clopper_pearson_bounds() {
        assert!((upper_bound_95(0, 1000) - 0.002_991).abs() < 1e-5);
        // k = 1, n = 100: the exact bound is ≈ 0.0466.
        let u = upper_bound_95(1, 100);
        assert!(
            (cdf(100, 1, u) - 0.05).abs() < 1e-9 && (u - 0.0466).abs() < 1e-3,
            "{u}"
        );
    }
}
