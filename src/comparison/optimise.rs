//! Award suggestion for one RFQ line: how much to buy from each offer so that the buyer
//! gets the requested quantity at the least total cost.
//!
//! Each offer may supply nothing or any quantity in `[min_quantity, max_quantity]`
//! (`None` = unlimited), priced all-units by tier: the whole quantity is charged the unit
//! cost of the tier with the largest `from` not above it. Volume discounts make the cost
//! fall at every tier start, so buying a little more from one supplier can cost less and
//! greedy-by-unit-cost is wrong; [`suggest`] solves the line exactly instead. If no
//! allocation reaches the quantity exactly (minimums and maximums leave gaps), it returns
//! the cheapest allocation of the largest quantity that can be reached.
//!
//! Preconditions (validated upstream, checked here with `debug_assert!` only): every offer
//! has at least one tier, the first starting at 0, starts strictly increasing, unit costs
//! positive and non-increasing with quantity; `min_quantity >= 0`. Offers whose minimum
//! exceeds their maximum are simply never used. All arithmetic is `Decimal`; the result is
//! exact as long as products and sums stay inside `Decimal`'s 28 significant digits.
//! Magnitudes are checked once, up front: every sum the search forms is at most
//! `(n + 1) × Q` for quantities and `Q × (largest unit cost)` for costs (a node's fixed
//! minimums are checked against Q before their costs are added), so [`suggest`] answers
//! [`Overflow`] if those two products do not fit and cannot overflow afterwards.
//!
//! # Why the search is exact
//!
//! 1. *Covering.* The quantities an allocation can reach are the sums of one point of
//!    `{0} ∪ [min_i, max_i]` per offer. This set is a finite union of closed intervals,
//!    built offer by offer (`S_{i+1} = S_i ∪ (S_i + [min_i, max_i])`, clipped at Q); its
//!    largest point `Q*` is the quantity we allocate. The intervals kept per offer also
//!    let us rebuild one feasible allocation of `Q*` (used only if the search is stopped
//!    before it finds one). Realistic lines collapse to a few intervals; subset-sum-like
//!    data (`min == max` everywhere) can explode, so the list is capped (dropping
//!    intervals keeps every remaining point reachable) and the answer is then marked
//!    not `optimal`.
//! 2. *Segments.* Tier `k` of offer `i` gives the segment
//!    `[max(from_k, min_i), min(from_{k+1}, max_i, Q*)]` priced linearly at `c_k`. Every
//!    feasible non-zero quantity lies in the segment of its own tier, priced exactly; a
//!    segment's closed right end `from_{k+1}` is really priced `c_{k+1} <= c_k`, so
//!    pricing it at `c_k` never undercuts the truth. Hence "choose 0 or one segment per
//!    offer, then quantities inside the segments, cost `Σ c·q`" has the same optimum as
//!    the original problem, and any solution of it costs at least its true cost.
//! 3. *Leaves.* With the segment (or 0) of every offer fixed, what remains is the LP
//!    `min Σ c_i q_i, Σ q_i = Q*, lo_i <= q_i <= hi_i`, solved exactly by starting every
//!    offer at `lo_i` and filling the rest cheapest first (fractional knapsack).
//! 4. *Branch and bound.* An offer is either fixed (`Fixed(k)`: segment `k`), excluded
//!    (`Zero`), or free with segments `0..=K` still allowed (`Free(K)`: domain `{0}` ∪
//!    segments `0..=K`). Because unit costs fall with the tier, `c_K` is the cheapest
//!    price anywhere in that domain and the domain lies inside `[0, hi_K]`; so relaxing a
//!    free offer to "any `q` in `[0, hi_K]` at `c_K`" (its convex envelope) gives a lower
//!    bound, and the node bound is again a fractional knapsack. In its solution every
//!    offer is empty, full, or the single partially filled one; an empty or full free
//!    offer is feasible at a true price `<= c_K`, so only that partial offer can be
//!    wrong (`0 < q < lo_K`). If nothing is wrong, the relaxed solution is feasible and
//!    costs at most the bound, which lower-bounds the whole subtree: the subtree is
//!    solved. Otherwise we branch on that offer: `Fixed(K)` or `Free(K-1)` (`Zero` when
//!    `K = 0`). The children together cover the parent's domain, each is strictly more
//!    constrained, so the tree is finite; a subtree is discarded only when its bound is
//!    infeasible or `>=` the best true cost found. Every solution of (2), in particular an
//!    optimal one, is therefore either reached or cut off by an incumbent at least as
//!    good: the final incumbent is optimal. Ties keep the first allocation found
//!    (depth-first, better bound first, lower offer index first at equal unit cost).
//! 5. *Limits.* The node and time budgets stop the search; the best allocation found so
//!    far (or the covering one) is returned with `optimal: false`. The clock is read every
//!    few nodes, so a stopped call overruns `Limits::time` by well under a millisecond
//!    on realistic lines (a few ms on pathological subset-sum ones).
//!
//! In practice the tree is tiny: a fractional knapsack has at most one partially filled
//! offer, so each node has at most one offer to branch on. On the benchmark's realistic
//! 20- and 50-offer lines the root relaxation is usually already feasible (median 1
//! node) and the worst of 400 lines needed under 200 nodes (see `benches/optimise.rs`).

use rust_decimal::Decimal;

pub use crate::bounds::Overflow;
use std::time::{Duration, Instant};

/// One price tier: the unit cost applies to the whole quantity once it reaches `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub from: Decimal,
    pub unit_cost: Decimal,
}

/// One supplier's offer for the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub min_quantity: Decimal,
    /// `None` = unlimited.
    pub max_quantity: Option<Decimal>,
    /// Sorted by strictly increasing `from`, the first at 0, unit costs non-increasing.
    pub tiers: Vec<Tier>,
}

/// Search budget; when either runs out the best allocation so far is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Branch-and-bound nodes, i.e. fractional-knapsack relaxations solved.
    pub max_nodes: u64,
    /// Wall-clock budget for the whole call.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_nodes: 2_000_000,
            time: Duration::from_millis(200),
        }
    }
}

/// The suggested award for the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// One per offer, in the caller's order; 0 if the offer is not used.
    pub quantities: Vec<Decimal>,
    /// `Σ cost(offer_i, quantities_i)`.
    pub total_cost: Decimal,
    /// `Σ quantities`: the requested quantity, or the largest coverable one below it.
    pub covered: Decimal,
    /// `covered == quantity`.
    pub covers_full_quantity: bool,
    /// The search finished: `covered` is the largest coverable quantity and no
    /// allocation of it is cheaper. `false` when a limit stopped the search.
    pub optimal: bool,
}

/// Exact all-units tier cost of buying `q` from `offer` (0 for `q <= 0`). Does not check
/// the offer's minimum or maximum.
pub fn cost(offer: &Offer, q: Decimal) -> Decimal {
    debug_check(offer);
    if q <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let Some(first) = offer.tiers.first() else {
        return Decimal::ZERO;
    };
    let mut unit = first.unit_cost;
    for tier in &offer.tiers[1..] {
        if tier.from > q {
            break;
        }
        unit = tier.unit_cost;
    }
    // Inside `suggest` this never saturates (see the module documentation).
    q.checked_mul(unit).unwrap_or(Decimal::MAX)
}

/// Cheapest allocation of `quantity` (or of the largest coverable quantity below it)
/// across `offers`. See the module documentation for the method and its preconditions.
/// [`Overflow`] if the magnitudes cannot be searched without leaving `Decimal`'s range.
pub fn suggest(
    offers: &[Offer],
    quantity: Decimal,
    limits: &Limits,
) -> Result<Suggestion, Overflow> {
    let deadline = Instant::now().checked_add(limits.time);
    let n = offers.len();
    let largest_cost = offers
        .iter()
        .flat_map(|o| o.tiers.iter().map(|t| t.unit_cost.abs()))
        .max()
        .unwrap_or(Decimal::ZERO);
    let count = Decimal::from(u64::try_from(n).unwrap_or(u64::MAX)) + Decimal::ONE;
    if quantity.abs().checked_mul(count).is_none()
        || quantity.abs().checked_mul(largest_cost).is_none()
    {
        return Err(Overflow);
    }
    let nothing = |optimal: bool| Suggestion {
        quantities: vec![Decimal::ZERO; n],
        total_cost: Decimal::ZERO,
        covered: Decimal::ZERO,
        covers_full_quantity: false,
        optimal,
    };
    if n == 0 || quantity <= Decimal::ZERO {
        return Ok(nothing(true));
    }
    offers.iter().for_each(debug_check);

    let cover = Cover::build(offers, quantity, deadline);
    let target = cover.largest();
    if target <= Decimal::ZERO {
        return Ok(nothing(!cover.truncated));
    }

    let search = Search::new(offers, target);
    let outcome = search.run(limits, deadline);
    let mut best = outcome.best;
    let optimal = outcome.complete && !cover.truncated && best.is_some();
    if !optimal {
        // The search was stopped (or, defensively, found nothing): the allocation
        // rebuilt from the covering intervals is feasible, keep the cheaper one.
        if let Some(q) = cover.allocation(offers, target) {
            let c = total(offers, &q);
            if best.as_ref().is_none_or(|(bc, _)| c < *bc) {
                best = Some((c, q));
            }
        }
    }
    let Some((total_cost, quantities)) = best else {
        return Ok(nothing(false));
    };
    Ok(Suggestion {
        quantities: quantities.into_iter().map(|q| q.normalize()).collect(),
        total_cost: total_cost.normalize(),
        covered: target.normalize(),
        covers_full_quantity: target == quantity,
        optimal,
    })
}

fn total(offers: &[Offer], quantities: &[Decimal]) -> Decimal {
    offers
        .iter()
        .zip(quantities)
        .map(|(o, &q)| cost(o, q))
        .sum()
}

fn debug_check(offer: &Offer) {
    debug_assert!(
        offer.min_quantity >= Decimal::ZERO,
        "min_quantity must be >= 0"
    );
    debug_assert!(
        offer.tiers.first().is_some_and(|t| t.from.is_zero()),
        "the first tier must start at 0"
    );
    debug_assert!(
        offer.tiers.iter().all(|t| t.unit_cost > Decimal::ZERO),
        "unit costs must be positive"
    );
    debug_assert!(
        offer
            .tiers
            .windows(2)
            .all(|w| w[0].from < w[1].from && w[1].unit_cost <= w[0].unit_cost),
        "tiers must start strictly increasing with non-increasing unit costs"
    );
}

/// Usable range of an offer: `min` clamped at 0; `None` if it can supply nothing `> 0`.
fn range(offer: &Offer, cap: Decimal) -> Option<(Decimal, Decimal)> {
    let min = offer.min_quantity.max(Decimal::ZERO);
    let max = offer.max_quantity.map_or(cap, |m| m.min(cap));
    (!offer.tiers.is_empty() && min <= max && max > Decimal::ZERO).then_some((min, max))
}

// ---------------------------------------------------------------------------------------
// Covering: the union of intervals reachable by Σ q_i, q_i ∈ {0} ∪ [min_i, max_i].

/// Most intervals kept over all offers (32 bytes each), shared out per offer within
/// [`STAGE_MIN`, `STAGE_MAX`]. Realistic lines merge into a handful of intervals; only
/// subset-sum-like data (e.g. `min == max` everywhere) can exceed the share, and then
/// some intervals are dropped (every kept one is still reachable) and the result is not
/// `optimal`.
const COVER_TOTAL: usize = 1 << 20;
const STAGE_MIN: usize = 1 << 10;
const STAGE_MAX: usize = 1 << 16;

struct Cover {
    /// `stages[i]`: sorted, disjoint intervals reachable with offers `0..i`, clipped at Q.
    stages: Vec<Vec<(Decimal, Decimal)>>,
    truncated: bool,
}

impl Cover {
    fn build(offers: &[Offer], quantity: Decimal, deadline: Option<Instant>) -> Self {
        let mut stages = Vec::with_capacity(offers.len() + 1);
        let mut current = vec![(Decimal::ZERO, Decimal::ZERO)];
        let mut truncated = false;
        let cap = (COVER_TOTAL / (offers.len() + 1)).clamp(STAGE_MIN, STAGE_MAX);
        for offer in offers {
            // Only subset-sum-like data make this step slow; cheap lines always finish it.
            if current.len() > 64 && deadline.is_some_and(|d| Instant::now() >= d) {
                // Out of time: the remaining offers are left out of the covering.
                truncated = true;
                break;
            }
            let next = match range(offer, quantity) {
                None => current.clone(),
                Some((min, max)) => {
                    let shifted = current.iter().filter_map(|&(l, h)| {
                        let lo = l + min;
                        (lo <= quantity).then(|| (lo, (h + max).min(quantity)))
                    });
                    let mut merged = union(&current, shifted);
                    if merged.len() > cap {
                        merged = sample(&merged, cap);
                        truncated = true;
                    }
                    merged
                }
            };
            stages.push(std::mem::replace(&mut current, next));
        }
        stages.push(current);
        Self { stages, truncated }
    }

    fn largest(&self) -> Decimal {
        self.stages
            .last()
            .and_then(|s| s.last())
            .map_or(Decimal::ZERO, |&(_, h)| h)
    }

    /// A feasible allocation of `target` (a reachable point), walking the stages back.
    fn allocation(&self, offers: &[Offer], target: Decimal) -> Option<Vec<Decimal>> {
        let mut q = vec![Decimal::ZERO; offers.len()];
        let mut t = target;
        let used = self.stages.len().saturating_sub(1);
        for i in (0..used).rev() {
            let before = &self.stages[i];
            // Intervals are sorted and disjoint, so their upper ends are sorted too.
            let last_at_or_below = |x: Decimal| {
                let k = before.partition_point(|&(l, _)| l <= x);
                k.checked_sub(1).map(|k| before[k])
            };
            if last_at_or_below(t).is_some_and(|(_, h)| t <= h) {
                continue;
            }
            let (min, max) = range(&offers[i], target)?;
            // Need s ∈ before with t - max <= s <= t - min; the largest such s lies in the
            // last interval starting at or below t - min, if anywhere.
            let (_, h) = last_at_or_below(t - min)?;
            let s = h.min(t - min);
            if s < t - max {
                return None;
            }
            q[i] = t - s;
            t = s;
        }
        t.is_zero().then_some(q)
    }
}

/// Union of two interval lists, each sorted and disjoint; touching intervals merge.
fn union(
    a: &[(Decimal, Decimal)],
    b: impl Iterator<Item = (Decimal, Decimal)>,
) -> Vec<(Decimal, Decimal)> {
    let mut out: Vec<(Decimal, Decimal)> = Vec::with_capacity(a.len() * 2);
    let mut push = |(l, h): (Decimal, Decimal)| match out.last_mut() {
        Some(last) if l <= last.1 => last.1 = last.1.max(h),
        _ => out.push((l, h)),
    };
    let mut a = a.iter().copied().peekable();
    let mut b = b.peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                if x.0 <= y.0 {
                    a.next()
                } else {
                    b.next()
                }
            }
            (Some(_), None) => a.next(),
            (None, Some(_)) => b.next(),
            (None, None) => break,
        };
        if let Some(iv) = next {
            push(iv);
        }
    }
    out
}

/// Keeps `cap` of the intervals spread evenly, always the first and the last.
fn sample(v: &[(Decimal, Decimal)], cap: usize) -> Vec<(Decimal, Decimal)> {
    let len = v.len();
    if cap < 2 || len <= cap {
        return v.iter().copied().take(cap.max(1)).collect();
    }
    (0..cap).map(|j| v[j * (len - 1) / (cap - 1)]).collect()
}

// ---------------------------------------------------------------------------------------
// Branch and bound over tier segments.

/// Part of one tier inside an offer's usable range: `[lo, hi]` at unit cost `c`.
#[derive(Debug, Clone, Copy)]
struct Seg {
    lo: Decimal,
    hi: Decimal,
    c: Decimal,
}

/// Segment `seg` of offer `offer`, for the cost-sorted scan.
#[derive(Debug, Clone, Copy)]
struct Item {
    offer: usize,
    seg: u32,
    c: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Not used.
    Zero,
    /// 0 or any point of segments `0..=K`; relaxed to `[0, hi_K]` at `c_K`.
    Free(u32),
    /// Inside segment `k`.
    Fixed(u32),
}

struct Search<'a> {
    offers: &'a [Offer],
    target: Decimal,
    segs: Vec<Vec<Seg>>,
    /// All segments, by (unit cost, offer index, segment).
    items: Vec<Item>,
}

struct Node {
    st: Vec<St>,
    bound: Decimal,
    branch: usize,
}

struct Outcome {
    best: Option<(Decimal, Vec<Decimal>)>,
    complete: bool,
}

enum Eval {
    Pruned,
    Leaf,
    Branch(Decimal, usize),
}

impl<'a> Search<'a> {
    fn new(offers: &'a [Offer], target: Decimal) -> Self {
        let segs: Vec<Vec<Seg>> = offers.iter().map(|o| segments(o, target)).collect();
        let mut items: Vec<Item> = segs
            .iter()
            .enumerate()
            .flat_map(|(offer, ss)| {
                ss.iter()
                    .zip(0u32..)
                    .map(move |(s, seg)| Item { offer, seg, c: s.c })
            })
            .collect();
        items.sort_by(|a, b| {
            a.c.cmp(&b.c)
                .then(a.offer.cmp(&b.offer))
                .then(a.seg.cmp(&b.seg))
        });
        Self {
            offers,
            target,
            segs,
            items,
        }
    }

    /// Fractional-knapsack bound of a node. Writes the relaxed quantities into `q`.
    fn eval(&self, st: &[St], cutoff: Option<Decimal>, q: &mut [Decimal]) -> Eval {
        // The fixed minimums first: only once they fit the target are their costs added,
        // so `acc` never exceeds target × (largest unit cost).
        let mut base = Decimal::ZERO;
        for (i, s) in st.iter().enumerate() {
            q[i] = Decimal::ZERO;
            if let St::Fixed(k) = *s {
                let seg = &self.segs[i][k as usize];
                base += seg.lo;
                q[i] = seg.lo;
            }
        }
        if base > self.target {
            return Eval::Pruned;
        }
        let mut acc = Decimal::ZERO;
        for (i, s) in st.iter().enumerate() {
            if let St::Fixed(k) = *s {
                let seg = &self.segs[i][k as usize];
                acc += seg.lo * seg.c;
            }
        }
        if cutoff.is_some_and(|c| acc >= c) {
            return Eval::Pruned;
        }
        let mut rem = self.target - base;
        let mut partial = None;
        for item in &self.items {
            if rem.is_zero() {
                break;
            }
            let seg = &self.segs[item.offer][item.seg as usize];
            let room = match st[item.offer] {
                St::Fixed(k) if k == item.seg => seg.hi - seg.lo,
                St::Free(k) if k == item.seg => seg.hi,
                _ => continue,
            };
            let take = room.min(rem);
            if take < room {
                partial = Some(item.offer);
            }
            rem -= take;
            acc += take * item.c;
            q[item.offer] += take;
            if cutoff.is_some_and(|c| acc >= c) {
                return Eval::Pruned;
            }
        }
        if !rem.is_zero() {
            return Eval::Pruned;
        }
        match partial {
            Some(i) => match st[i] {
                St::Free(k) if q[i] > Decimal::ZERO && q[i] < self.segs[i][k as usize].lo => {
                    Eval::Branch(acc, i)
                }
                _ => Eval::Leaf,
            },
            None => Eval::Leaf,
        }
    }

    fn run(&self, limits: &Limits, deadline: Option<Instant>) -> Outcome {
        let n = self.offers.len();
        let mut q = vec![Decimal::ZERO; n];
        let mut best: Option<(Decimal, Vec<Decimal>)> = None;
        let mut nodes: u64 = 0;
        let mut stack: Vec<Node> = Vec::new();

        let mut rounds: u64 = 0;
        let mut out_of_budget = |nodes: u64| {
            rounds += 1;
            nodes >= limits.max_nodes
                || (rounds % 8 == 1 && deadline.is_some_and(|d| Instant::now() >= d))
        };
        // Evaluates a node: records a leaf, returns a node still to branch.
        let mut visit = |st: Vec<St>, best: &mut Option<(Decimal, Vec<Decimal>)>| {
            let cutoff = best.as_ref().map(|(c, _)| *c);
            match self.eval(&st, cutoff, &mut q) {
                Eval::Pruned => None,
                Eval::Leaf => {
                    let c = total(self.offers, &q);
                    if cutoff.is_none_or(|b| c < b) {
                        *best = Some((c, q.clone()));
                    }
                    None
                }
                Eval::Branch(bound, branch) => Some(Node { st, bound, branch }),
            }
        };

        if out_of_budget(nodes) {
            return Outcome {
                best,
                complete: false,
            };
        }
        nodes += 1;
        let root: Vec<St> = self
            .segs
            .iter()
            .map(|s| match s.len() {
                0 => St::Zero,
                len => St::Free(u32::try_from(len - 1).unwrap_or(u32::MAX)),
            })
            .collect();
        stack.extend(visit(root, &mut best));

        while let Some(node) = stack.pop() {
            if best.as_ref().is_some_and(|(c, _)| node.bound >= *c) {
                continue;
            }
            if out_of_budget(nodes) {
                return Outcome {
                    best,
                    complete: false,
                };
            }
            let St::Free(k) = node.st[node.branch] else {
                continue;
            };
            let mut fixed = node.st.clone();
            fixed[node.branch] = St::Fixed(k);
            let mut lower = node.st;
            lower[node.branch] = if k == 0 { St::Zero } else { St::Free(k - 1) };
            nodes += 2;
            let a = visit(fixed, &mut best);
            let b = visit(lower, &mut best);
            // Depth first, the child with the better bound on top (ties: `fixed`).
            match (a, b) {
                (Some(a), Some(b)) => {
                    if a.bound <= b.bound {
                        stack.push(b);
                        stack.push(a);
                    } else {
                        stack.push(a);
                        stack.push(b);
                    }
                }
                (a, b) => stack.extend(a.or(b)),
            }
        }
        Outcome {
            best,
            complete: true,
        }
    }
}

/// Tier segments of an offer inside `[min, min(max, target)]`, cost non-increasing.
fn segments(offer: &Offer, target: Decimal) -> Vec<Seg> {
    let Some((min, max)) = range(offer, target) else {
        return Vec::new();
    };
    let mut out: Vec<Seg> = Vec::with_capacity(offer.tiers.len());
    for (k, tier) in offer.tiers.iter().enumerate() {
        let start = if k == 0 { Decimal::ZERO } else { tier.from };
        let end = offer.tiers.get(k + 1).map(|t| t.from);
        let lo = start.max(min);
        let hi = end.map_or(max, |e| e.min(max));
        if lo > hi || hi.is_zero() {
            continue;
        }
        // A single point at the next tier's start is in the next segment, cheaper.
        if lo == hi && end == Some(hi) {
            continue;
        }
        match out.last_mut() {
            // Adjacent tiers at the same price form one segment.
            Some(last) if last.c == tier.unit_cost && last.hi == lo => last.hi = hi,
            _ => out.push(Seg {
                lo,
                hi,
                c: tier.unit_cost,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    fn dec(s: &str) -> Decimal {
        s.parse().expect("test decimal")
    }

    /// Offer from `(from, unit_cost)` pairs.
    fn offer(min: i64, max: Option<i64>, tiers: &[(i64, &str)]) -> Offer {
        Offer {
            min_quantity: d(min),
            max_quantity: max.map(d),
            tiers: tiers
                .iter()
                .map(|&(from, c)| Tier {
                    from: d(from),
                    unit_cost: dec(c),
                })
                .collect(),
        }
    }

    fn run(offers: &[Offer], q: Decimal) -> Suggestion {
        let s = suggest(offers, q, &Limits::default()).unwrap();
        assert_feasible(offers, &s);
        s
    }

    fn assert_feasible(offers: &[Offer], s: &Suggestion) {
        assert_eq!(s.quantities.len(), offers.len());
        for (o, &q) in offers.iter().zip(&s.quantities) {
            assert!(
                q.is_zero()
                    || (q >= o.min_quantity && o.max_quantity.is_none_or(|m| q <= m) && q > d(0)),
                "infeasible {q} for {o:?}"
            );
        }
        assert_eq!(s.quantities.iter().copied().sum::<Decimal>(), s.covered);
        assert_eq!(total(offers, &s.quantities), s.total_cost);
    }

    /// Naive greedy: cheapest list price (first tier) first, as much as allowed.
    fn greedy(offers: &[Offer], q: Decimal) -> Decimal {
        let mut order: Vec<usize> = (0..offers.len()).collect();
        order.sort_by_key(|&i| offers[i].tiers[0].unit_cost);
        let mut rem = q;
        let mut c = d(0);
        for i in order {
            let o = &offers[i];
            let take = o.max_quantity.map_or(rem, |m| m.min(rem));
            if take > d(0) && take >= o.min_quantity {
                rem -= take;
                c += cost(o, take);
            }
        }
        c
    }

    #[test]
    fn cost_uses_the_tier_of_the_whole_quantity() {
        let o = offer(0, None, &[(0, "10"), (100, "9.5"), (1000, "9")]);
        assert_eq!(cost(&o, d(0)), d(0));
        assert_eq!(cost(&o, d(-3)), d(0));
        assert_eq!(cost(&o, dec("99.5")), dec("995"));
        assert_eq!(cost(&o, d(100)), d(950));
        assert_eq!(cost(&o, d(999)), dec("9490.5"));
        assert_eq!(cost(&o, d(1000)), d(9000));
        assert_eq!(cost(&o, d(5000)), d(45000));
    }

    #[test]
    fn one_supplier_at_the_volume_tier_beats_the_cheaper_list_price() {
        // B is cheaper per unit at list price, A is cheaper from 1000 on.
        let offers = [
            offer(0, None, &[(0, "10"), (1000, "9")]),
            offer(0, Some(100), &[(0, "9.5")]),
        ];
        let s = run(&offers, d(1000));
        // Greedy: 100 from B at 9.5 and 900 from A at 10 = 9950.
        assert_eq!(greedy(&offers, d(1000)), d(9950));
        assert_eq!(s.quantities, vec![d(1000), d(0)]);
        assert_eq!(s.total_cost, d(9000));
        assert!(s.covers_full_quantity && s.optimal);
    }

    #[test]
    fn a_minimum_quantity_forces_a_different_split() {
        // Greedy takes all 400 of A, then B's minimum 300 blocks it and C fills 200.
        let offers = [
            offer(0, Some(400), &[(0, "8")]),
            offer(300, None, &[(0, "9")]),
            offer(0, None, &[(0, "10")]),
        ];
        assert_eq!(greedy(&offers, d(600)), d(5200));
        let s = run(&offers, d(600));
        assert_eq!(s.quantities, vec![d(300), d(300), d(0)]);
        assert_eq!(s.total_cost, d(5100));
        assert!(s.optimal && s.covers_full_quantity);
    }

    #[test]
    fn tier_jumps_inside_the_split() {
        // A: 500 at 8 (its tier) + B: 200 at 8.4 (its tier) = 5680; alternatives:
        // A 600 + B 100 = 4800 + 900 = 5700; B alone 700 * 8.4 = 5880.
        let offers = [
            offer(0, Some(600), &[(0, "10"), (500, "8")]),
            offer(0, None, &[(0, "9"), (200, "8.4")]),
        ];
        let s = run(&offers, d(700));
        assert_eq!(s.quantities, vec![d(500), d(200)]);
        assert_eq!(s.total_cost, d(5680));
    }

    #[test]
    fn fractional_split_at_a_tier_start() {
        let offers = [
            offer(0, None, &[(0, "5"), (2, "4")]),
            offer(0, None, &[(0, "4.5")]),
        ];
        let q = dec("2.75");
        let s = run(&offers, q);
        assert_eq!(s.quantities, vec![q, d(0)]);
        assert_eq!(s.total_cost, d(11));
    }

    #[test]
    fn largest_coverable_quantity_when_gaps_block_the_request() {
        // Reachable: {0} ∪ [100, 200] ∪ [500, 800]; the largest point <= 450 is 200.
        let offers = [
            offer(100, Some(200), &[(0, "3")]),
            offer(500, Some(600), &[(0, "2")]),
        ];
        let s = run(&offers, d(450));
        assert_eq!(s.covered, d(200));
        assert_eq!(s.quantities, vec![d(200), d(0)]);
        assert_eq!(s.total_cost, d(600));
        assert!(!s.covers_full_quantity && s.optimal);

        // Maximums too small: everything, covered 300 of 1000.
        let offers = [
            offer(0, Some(100), &[(0, "3")]),
            offer(50, Some(200), &[(0, "2")]),
        ];
        let s = run(&offers, d(1000));
        assert_eq!(s.covered, d(300));
        assert_eq!(s.quantities, vec![d(100), d(200)]);
        assert!(!s.covers_full_quantity && s.optimal);
    }

    #[test]
    fn unlimited_maximum_covers_any_quantity() {
        let offers = [offer(10, None, &[(0, "2"), (1000, "1.5")])];
        let q = dec("12345.678");
        let s = run(&offers, q);
        assert_eq!(s.covered, q);
        assert_eq!(s.total_cost, dec("18518.517"));
        assert!(s.covers_full_quantity && s.optimal);
    }

    #[test]
    fn minimum_above_the_quantity() {
        let offers = [offer(500, None, &[(0, "1")])];
        let s = run(&offers, d(300));
        assert_eq!(
            s,
            Suggestion {
                quantities: vec![d(0)],
                total_cost: d(0),
                covered: d(0),
                covers_full_quantity: false,
                optimal: true,
            }
        );
        // A second offer without a minimum takes the line even at a higher price.
        let offers = [offer(500, None, &[(0, "1")]), offer(0, None, &[(0, "7")])];
        let s = run(&offers, d(300));
        assert_eq!(s.quantities, vec![d(0), d(300)]);
        assert!(s.covers_full_quantity);
    }

    #[test]
    fn empty_offers_and_non_positive_quantity() {
        let s = run(&[], d(10));
        assert_eq!(s.quantities, Vec::<Decimal>::new());
        assert!(!s.covers_full_quantity && s.optimal && s.covered.is_zero());
        let offers = [offer(0, None, &[(0, "1")])];
        let s = run(&offers, d(0));
        assert_eq!(s.quantities, vec![d(0)]);
        assert!(!s.covers_full_quantity && s.optimal);
    }

    #[test]
    fn unusable_offers_are_ignored() {
        let offers = [
            offer(50, Some(40), &[(0, "1")]),
            offer(0, Some(0), &[(0, "1")]),
            offer(0, None, &[(0, "3")]),
        ];
        let s = run(&offers, d(10));
        assert_eq!(s.quantities, vec![d(0), d(0), d(10)]);
    }

    #[test]
    fn magnitudes_beyond_decimal_are_refused_up_front() {
        let big = offer(0, None, &[(0, "79228162514264337593543950335")]);
        assert_eq!(suggest(&[big], d(2), &Limits::default()), Err(Overflow));
        let o = offer(0, None, &[(0, "1")]);
        assert_eq!(
            suggest(&[o.clone(), o], Decimal::MAX, &Limits::default()),
            Err(Overflow)
        );
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let offers = [offer(0, None, &[(0, "2")]), offer(0, None, &[(0, "2")])];
        let s = run(&offers, d(100));
        assert_eq!(s.quantities, vec![d(100), d(0)]);
        let offers = [
            offer(0, Some(60), &[(0, "2")]),
            offer(0, None, &[(0, "3")]),
            offer(0, Some(60), &[(0, "2")]),
        ];
        let s = run(&offers, d(100));
        assert_eq!(s.quantities, vec![d(60), d(0), d(40)]);
    }

    /// Xorshift generator, the same as the benchmark's.
    struct Rng(u64);

    impl Rng {
        fn new(seed: u64) -> Self {
            Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }

        fn below(&mut self, m: u64) -> i64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            i64::try_from(self.0 % m).expect("small")
        }
    }

    /// Realistic line, as in the benchmark: Q 1000..=5000, min 0..=500, max 300..=3000
    /// or unlimited, tiers at 0/100/500/1000/2000 falling 1-3 % each.
    fn realistic(seed: u64, n: usize) -> (Vec<Offer>, Decimal) {
        let mut rng = Rng::new(seed);
        let q = d(1000 + rng.below(4001));
        let offers = (0..n)
            .map(|_| {
                let min = d(rng.below(501));
                let max = (rng.below(4) != 0).then(|| d(300 + rng.below(2701)).max(min));
                let mut c = Decimal::new(800 + rng.below(401), 2);
                let tiers = [0, 100, 500, 1000, 2000]
                    .iter()
                    .map(|&from| {
                        let t = Tier {
                            from: d(from),
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

    #[test]
    fn tiny_limits_return_a_feasible_non_optimal_answer() {
        // Seed 6 needs more than 17 nodes (measured); a zero time budget stops any search.
        let (offers, q) = realistic(6, 50);
        let limits = |max_nodes, time| Limits { max_nodes, time };
        for l in [
            limits(0, Duration::from_secs(10)),
            limits(5, Duration::from_secs(10)),
            limits(u64::MAX, Duration::ZERO),
        ] {
            let s = suggest(&offers, q, &l).unwrap();
            assert!(!s.optimal, "{l:?}");
            assert_feasible(&offers, &s);
            assert!(s.covers_full_quantity, "{l:?}");
        }
        assert!(suggest(&offers, q, &Limits::default()).unwrap().optimal);

        // Subset sum: 40 offers of one fixed odd size each. Neither the covering nor the
        // search can be exhausted; the answer is still feasible and marked non-optimal.
        let mut rng = Rng::new(99);
        let offers: Vec<Offer> = (0..40)
            .map(|_| {
                let m = Decimal::new(100_000 + rng.below(900_000), 3);
                Offer {
                    min_quantity: m,
                    max_quantity: Some(m),
                    tiers: vec![Tier {
                        from: d(0),
                        unit_cost: Decimal::new(1000 + rng.below(100), 2),
                    }],
                }
            })
            .collect();
        let s = suggest(
            &offers,
            dec("4321.5"),
            &limits(1000, Duration::from_secs(10)),
        )
        .unwrap();
        assert!(!s.optimal);
        assert_feasible(&offers, &s);
        assert!(s.covered > d(3000));
    }

    #[test]
    fn realistic_twenty_offers_are_solved_exactly_and_beat_greedy() {
        let limits = Limits {
            max_nodes: u64::MAX,
            time: Duration::from_secs(60),
        };
        for seed in 1..=20 {
            let (offers, q) = realistic(seed, 20);
            let s = suggest(&offers, q, &limits).unwrap();
            assert_feasible(&offers, &s);
            assert!(s.optimal && s.covers_full_quantity, "seed {seed}");
            assert!(s.total_cost <= greedy(&offers, q), "seed {seed}");
        }
    }

    /// Small integer instances: every quantity is an integer, costs are integers.
    fn instance() -> impl Strategy<Value = (Vec<Offer>, Decimal)> {
        let offer = (
            0i64..=15,
            proptest::option::weighted(0.7, 0i64..=30),
            proptest::collection::btree_set(1i64..=40, 0..=3),
            1i64..=20,
            proptest::collection::vec(0i64..=3, 3),
        )
            .prop_map(|(min, extra, starts, c0, drops)| {
                let mut c = c0;
                let tiers = std::iter::once(0)
                    .chain(starts)
                    .zip(std::iter::once(0).chain(drops))
                    .map(|(from, drop)| {
                        c = (c - drop).max(1);
                        Tier {
                            from: d(from),
                            unit_cost: d(c),
                        }
                    })
                    .collect();
                Offer {
                    min_quantity: d(min),
                    max_quantity: extra.map(|e| d(min + e)),
                    tiers,
                }
            });
        (proptest::collection::vec(offer, 1..=4), 1i64..=40).prop_map(|(o, q)| (o, d(q)))
    }

    /// Exact optimum over integer quantities: (largest coverable, its least cost).
    fn brute_force(offers: &[Offer], q: Decimal) -> (Decimal, Decimal) {
        let top = usize::try_from(q.trunc().mantissa()).expect("small q");
        let mut best: Vec<Option<Decimal>> = vec![None; top + 1];
        best[0] = Some(d(0));
        for o in offers {
            let mut next = best.clone();
            for (s, c) in best.iter().enumerate() {
                let Some(c) = *c else { continue };
                for x in 1..=(top - s) {
                    let xd = d(x as i64);
                    if xd < o.min_quantity || o.max_quantity.is_some_and(|m| xd > m) {
                        continue;
                    }
                    let v = c + cost(o, xd);
                    if next[s + x].is_none_or(|b| v < b) {
                        next[s + x] = Some(v);
                    }
                }
            }
            best = next;
        }
        let (s, c) = best
            .iter()
            .enumerate()
            .rev()
            .find_map(|(s, c)| c.map(|c| (s, c)))
            .expect("0 is reachable");
        (d(s as i64), c)
    }

    fn scale(offers: &[Offer], q: Decimal, f: Decimal) -> (Vec<Offer>, Decimal) {
        let offers = offers
            .iter()
            .map(|o| Offer {
                min_quantity: o.min_quantity * f,
                max_quantity: o.max_quantity.map(|m| m * f),
                tiers: o
                    .tiers
                    .iter()
                    .map(|t| Tier {
                        from: t.from * f,
                        unit_cost: t.unit_cost,
                    })
                    .collect(),
            })
            .collect();
        (offers, q * f)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        // With integer data some optimum is integral: the covering intervals have integer
        // ends, and for the optimal choice of segments the leaf LP starts every offer at an
        // integer lower bound and fills integer remainders up to integer upper bounds.
        #[test]
        fn matches_brute_force_on_the_integer_grid((offers, q) in instance()) {
            let s = suggest(&offers, q, &Limits::default()).unwrap();
            assert_feasible(&offers, &s);
            let (covered, cost) = brute_force(&offers, q);
            prop_assert!(s.optimal);
            prop_assert_eq!(s.covered, covered);
            prop_assert_eq!(s.total_cost, cost);
            prop_assert_eq!(s.covers_full_quantity, covered == q);
        }

        // Scaling every quantity by 0.37 scales the optimum's cost and coverage by 0.37
        // (same tiers, same unit costs): non-integer decimals are handled exactly.
        #[test]
        fn scaling_quantities_scales_the_optimum((offers, q) in instance()) {
            let s = suggest(&offers, q, &Limits::default()).unwrap();
            let f = dec("0.37");
            let (scaled, sq) = scale(&offers, q, f);
            let t = suggest(&scaled, sq, &Limits::default()).unwrap();
            assert_feasible(&scaled, &t);
            prop_assert!(t.optimal);
            prop_assert_eq!(t.covered, s.covered * f);
            prop_assert_eq!(t.total_cost, s.total_cost * f);
        }
    }

    /// Larger integer instances (up to 8 offers, Q up to 200) against the same DP.
    fn medium() -> impl Strategy<Value = (Vec<Offer>, Decimal)> {
        let offer = (
            0i64..=60,
            proptest::option::weighted(0.7, 0i64..=120),
            proptest::collection::btree_set(1i64..=200, 0..=4),
            20i64..=40,
            proptest::collection::vec(0i64..=2, 4),
        )
            .prop_map(|(min, extra, starts, c0, drops)| {
                let mut c = c0;
                let tiers = std::iter::once(0)
                    .chain(starts)
                    .zip(std::iter::once(0).chain(drops))
                    .map(|(from, drop)| {
                        c = (c - drop).max(1);
                        Tier {
                            from: d(from),
                            unit_cost: d(c),
                        }
                    })
                    .collect();
                Offer {
                    min_quantity: d(min),
                    max_quantity: extra.map(|e| d(min + e)),
                    tiers,
                }
            });
        (proptest::collection::vec(offer, 1..=8), 1i64..=200).prop_map(|(o, q)| (o, d(q)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn matches_brute_force_on_medium_instances((offers, q) in medium()) {
            let s = suggest(&offers, q, &Limits::default()).unwrap();
            assert_feasible(&offers, &s);
            let (covered, cost) = brute_force(&offers, q);
            prop_assert!(s.optimal);
            prop_assert_eq!(s.covered, covered);
            prop_assert_eq!(s.total_cost, cost);
        }
    }
}
