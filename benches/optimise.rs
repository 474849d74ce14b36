//! Benchmark of the exact award suggestion (`comparison::optimise::suggest`) on random
//! realistic RFQ lines, against a naive greedy allocation timed in the same process.
//!
//! Instances: Q uniform in 1000..=5000; per offer min 0..=500, max 300..=3000 (25 %
//! unlimited), list price 8.00..=12.00, five tiers starting at 0/100/500/1000/2000 with
//! the unit cost falling 1-3 % per tier. A xorshift generator makes them reproducible.
//!
//! Columns: exact-solver time (median, p99, max), share of instances proved optimal,
//! greedy time (median, p99), share where greedy covers less than the optimum, share
//! where it covers as much but costs more, and greedy's mean excess cost.
//!
//! `cargo bench --bench optimise`

use std::hint::black_box;
use std::time::{Duration, Instant};

use coprocure::comparison::optimise::{cost, suggest, Limits, Offer, Tier};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

const INSTANCES: u64 = 200;

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform-ish in `0..m`.
    fn below(&mut self, m: u64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        i64::try_from(self.0 % m).unwrap_or(0)
    }
}

fn instance(seed: u64, n: usize) -> (Vec<Offer>, Decimal) {
    let mut rng = Rng::new(seed);
    let q = Decimal::from(1000 + rng.below(4001));
    let offers = (0..n)
        .map(|_| {
            let min = Decimal::from(rng.below(501));
            let max = (rng.below(4) != 0).then(|| Decimal::from(300 + rng.below(2701)).max(min));
            let mut c = Decimal::new(800 + rng.below(401), 2);
            let tiers = [0, 100, 500, 1000, 2000]
                .iter()
                .map(|&from| {
                    let t = Tier {
                        from: Decimal::from(from),
                        unit_cost: c,
                    };
                    c = (c * Decimal::new(97 + rng.below(3), 2)).round_dp(4);
                    t
                })
                .collect();
            Offer {
                min_quantity: min,
                max_quantity: max,
                tiers,
            }
        })
        .collect();
    (offers, q)
}

/// Naive greedy: cheapest list price first, as much as each offer allows.
fn greedy(offers: &[Offer], q: Decimal) -> (Decimal, Decimal) {
    let mut order: Vec<usize> = (0..offers.len()).collect();
    order.sort_by_key(|&i| offers[i].tiers.first().map(|t| t.unit_cost));
    let (mut rem, mut total) = (q, Decimal::ZERO);
    for i in order {
        let o = &offers[i];
        let take = o.max_quantity.map_or(rem, |m| m.min(rem));
        if take > Decimal::ZERO && take >= o.min_quantity {
            rem -= take;
            total += cost(o, take);
        }
    }
    (q - rem, total)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    ms(sorted[(sorted.len() * p / 100).min(sorted.len() - 1)])
}

fn main() {
    let limits = Limits::default();
    println!(
        "optimise::suggest, {INSTANCES} instances per row, limits {} nodes / {} ms",
        limits.max_nodes,
        limits.time.as_millis()
    );
    println!(
        "{:>7} | {:>9} {:>8} {:>8} | {:>6} | {:>10} {:>10} | {:>6} {:>6} {:>8}",
        "offers",
        "median ms",
        "p99 ms",
        "max ms",
        "exact",
        "greedy med",
        "greedy p99",
        "short",
        "dearer",
        "overpay"
    );
    for n in [20usize, 50] {
        let instances: Vec<_> = (1..=INSTANCES)
            .map(|s| instance(s * 7919 + n as u64, n))
            .collect();
        let mut exact_t = Vec::new();
        let mut greedy_t = Vec::new();
        let (mut exact, mut short, mut dearer) = (0u64, 0u64, 0u64);
        let mut overpay = Vec::new();
        for (offers, q) in &instances {
            let t = Instant::now();
            let s = black_box(suggest(black_box(offers), *q, &limits)).expect("in range");
            exact_t.push(t.elapsed());
            let t = Instant::now();
            let (covered, g) = black_box(greedy(black_box(offers), *q));
            greedy_t.push(t.elapsed());
            exact += u64::from(s.optimal);
            if covered < s.covered {
                short += 1;
            } else if g > s.total_cost {
                dearer += 1;
            }
            if covered == s.covered {
                overpay.push(((g - s.total_cost) / s.total_cost).to_f64().unwrap_or(0.0));
            }
        }
        exact_t.sort();
        greedy_t.sort();
        let mean_overpay = overpay.iter().sum::<f64>() / overpay.len().max(1) as f64;
        println!(
            "{:>7} | {:>9.3} {:>8.3} {:>8.3} | {:>5.1}% | {:>10.4} {:>10.4} | {:>5.1}% {:>5.1}% {:>7.2}%",
            format!("{n} x 5"),
            percentile(&exact_t, 50),
            percentile(&exact_t, 99),
            percentile(&exact_t, 100),
            100.0 * exact as f64 / INSTANCES as f64,
            percentile(&greedy_t, 50),
            percentile(&greedy_t, 99),
            100.0 * short as f64 / INSTANCES as f64,
            100.0 * dearer as f64 / INSTANCES as f64,
            100.0 * mean_overpay,
        );
    }
    println!(
        "exact: optimal: true (proved); short: greedy covers less than the optimum; \
         dearer: same coverage, higher cost; overpay: mean greedy excess where it covers"
    );
}
