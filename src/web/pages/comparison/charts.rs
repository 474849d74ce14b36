//! Geometry of the comparison's charts, drawn by the templates as SVG: a stacked bar of
//! each offer's landed cost and a step chart of each offer's price tiers. Pure (figures in,
//! coordinates out); coordinates are only for drawing, the figures shown stay `Decimal`.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// Width of both charts (viewBox units).
pub const WIDTH: f64 = 720.0;
const LABEL: f64 = 190.0;
const VALUE: f64 = 130.0;
const ROW: f64 = 22.0;
const BAR: f64 = 14.0;
const TOP: f64 = 30.0;

fn f(v: Decimal) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

/// One segment of a bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// CSS class (`seg-goods`, `seg-charges`, `seg-duty`, `seg-adder`).
    pub class: &'static str,
    pub x: String,
    pub width: String,
}

/// One offer's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub y: String,
    /// Baseline of the bar's texts.
    pub text_y: String,
    pub segments: Vec<Segment>,
    pub total: Decimal,
}

/// The stacked landed-cost bars of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub height: String,
    pub label_x: String,
    pub value_x: String,
    pub bars: Vec<Bar>,
}

/// Shortens a label to `n` characters (with an ellipsis).
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// Bars for offers given as (label, [goods, charges, duty, adder], total), scaled to the
/// largest total.
pub fn bars(offers: &[(String, [Decimal; 4], Decimal)]) -> Bars {
    const CLASSES: [&str; 4] = ["seg-goods", "seg-charges", "seg-duty", "seg-adder"];
    let largest = offers.iter().map(|(_, _, t)| f(*t)).fold(0.0_f64, f64::max);
    let span = WIDTH - LABEL - VALUE;
    let scale = if largest > 0.0 { span / largest } else { 0.0 };
    let bars = offers
        .iter()
        .enumerate()
        .map(|(i, (label, parts, total))| {
            let y = TOP + ROW * i as f64;
            let mut x = LABEL;
            let segments = parts
                .iter()
                .zip(CLASSES)
                .filter(|(v, _)| **v > Decimal::ZERO)
                .map(|(v, class)| {
                    let w = (f(*v) * scale).max(0.0);
                    let s = Segment {
                        class,
                        x: format!("{x:.1}"),
                        width: format!("{w:.1}"),
                    };
                    x += w;
                    s
                })
                .collect();
            Bar {
                label: short(label, 22),
                y: format!("{y:.1}"),
                text_y: format!("{:.1}", y + BAR - 3.0),
                segments,
                total: *total,
            }
        })
        .collect();
    Bars {
        height: format!("{:.0}", TOP + ROW * offers.len() as f64 + 8.0),
        label_x: format!("{:.1}", LABEL - 6.0),
        value_x: format!("{:.1}", WIDTH - VALUE + 6.0),
        bars,
    }
}

/// One offer's steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `series-0` … `series-7`.
    pub class: String,
    /// SVG path data.
    pub path: String,
}

/// The tier step chart of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Steps {
    pub height: String,
    pub series: Vec<Series>,
    /// The line quantity's x.
    pub marker_x: String,
    pub plot_left: String,
    pub plot_right: String,
    pub plot_top: String,
    pub plot_bottom: String,
    pub x_max: Decimal,
    pub y_min: Decimal,
    pub y_max: Decimal,
    /// Where the axis texts go.
    pub y_label_x: String,
    pub x_label_y: String,
    pub y_top_text: String,
    pub y_bottom_text: String,
}

/// Steps for offers given as their tiers `(from quantity, unit price in the base
/// currency)` (sorted by `from`, the first at 0), with the line `quantity` marked.
pub fn steps(offers: &[Vec<(Decimal, Decimal)>], quantity: Decimal) -> Steps {
    let (left, right, top, bottom) = (96.0, WIDTH - 16.0, 12.0, 200.0);
    let last_from = offers
        .iter()
        .flat_map(|t| t.iter().map(|(from, _)| *from))
        .max()
        .unwrap_or_default();
    let x_max = (quantity * Decimal::new(125, 2)).max(last_from * Decimal::new(115, 2));
    let x_max = if x_max > Decimal::ZERO {
        x_max
    } else {
        Decimal::ONE
    };
    let prices = offers.iter().flat_map(|t| t.iter().map(|(_, p)| *p));
    let y_max = prices.clone().max().unwrap_or(Decimal::ONE);
    let y_min = prices.min().unwrap_or_default();
    // A little room above and below; a flat chart still gets a band.
    let (lo, hi) = (f(y_min), f(y_max));
    let pad = if hi > lo {
        (hi - lo) * 0.1
    } else {
        hi.abs() * 0.1 + 1.0
    };
    let (lo, hi) = ((lo - pad).max(0.0), hi + pad);
    let sx = |q: Decimal| left + (right - left) * (f(q) / f(x_max)).clamp(0.0, 1.0);
    let sy = |p: Decimal| bottom - (bottom - top) * ((f(p) - lo) / (hi - lo)).clamp(0.0, 1.0);
    let series = offers
        .iter()
        .enumerate()
        .map(|(i, tiers)| {
            let mut path = String::new();
            for (k, (from, price)) in tiers.iter().enumerate() {
                let x = sx(*from);
                let y = sy(*price);
                if k == 0 {
                    path.push_str(&format!("M{x:.1} {y:.1}"));
                } else {
                    path.push_str(&format!(" H{x:.1} V{y:.1}"));
                }
            }
            path.push_str(&format!(" H{right:.1}"));
            Series {
                class: format!("series-{}", i % 8),
                path,
            }
        })
        .collect();
    Steps {
        height: format!("{:.0}", bottom + 36.0),
        series,
        marker_x: format!("{:.1}", sx(quantity)),
        plot_left: format!("{left:.1}"),
        plot_right: format!("{right:.1}"),
        plot_top: format!("{top:.1}"),
        plot_bottom: format!("{bottom:.1}"),
        x_max,
        y_min,
        y_max,
        y_label_x: format!("{:.1}", left - 6.0),
        x_label_y: format!("{:.1}", bottom + 18.0),
        y_top_text: format!("{:.1}", sy(y_max) + 4.0),
        y_bottom_text: format!("{:.1}", sy(y_min) + 4.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64) -> Decimal {
        Decimal::from(v)
    }

    #[test]
    fn bars_stack_the_parts_and_scale_to_the_largest_total() {
        let b = bars(&[
            ("A".into(), [d(60), d(20), d(10), d(10)], d(100)),
            ("B".into(), [d(50), d(0), d(0), d(0)], d(50)),
        ]);
        assert_eq!(b.bars.len(), 2);
        let a = &b.bars[0].segments;
        assert_eq!(a.len(), 4);
        let span = WIDTH - LABEL - VALUE;
        let widths: f64 = a.iter().map(|s| s.width.parse::<f64>().unwrap()).sum();
        assert!((widths - span).abs() < 0.5, "{widths}");
        // Zero parts are not drawn; half the total is half the span.
        let bb = &b.bars[1].segments;
        assert_eq!(bb.len(), 1);
        assert!((bb[0].width.parse::<f64>().unwrap() - span / 2.0).abs() < 0.1);
        assert_eq!(a[1].x, format!("{:.1}", LABEL + span * 0.6));
        assert_eq!(b.bars[1].y, format!("{:.1}", TOP + ROW));
    }

    #[test]
    fn steps_fall_at_each_tier_and_mark_the_quantity() {
        let s = steps(&[vec![(d(0), d(100)), (d(60), d(90))]], d(100));
        // x runs to 125 % of the quantity: the 60 t break sits at 48 % of the plot.
        let (l, r) = (96.0, WIDTH - 16.0);
        let x60 = l + (r - l) * 60.0 / 125.0;
        assert!(
            s.series[0].path.contains(&format!("H{x60:.1}")),
            "{}",
            s.series[0].path
        );
        assert_eq!(s.marker_x, format!("{:.1}", l + (r - l) * 0.8));
        assert_eq!((s.y_min, s.y_max), (d(90), d(100)));
        // The higher price is drawn higher (smaller y).
        let ys: Vec<f64> = s.series[0]
            .path
            .split(['M', 'V', ' '])
            .filter_map(|p| p.parse::<f64>().ok())
            .collect();
        assert!(
            ys[1]
                < s.series[0]
                    .path
                    .rsplit('V')
                    .next()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .parse::<f64>()
                    .unwrap()
        );
    }
}
