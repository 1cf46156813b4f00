//! Bar charts as SVG drawn on the server: no script, no library, readable at any width (the
//! SVG scales to its box). The chart is a picture for sighted readers; every page puts the
//! same numbers in a table beneath it, which screen readers read instead (the SVG has a
//! title and `role="img"`).

use maud::{Markup, PreEscaped, html};

/// One series: its name (legend) and its CSS class (colour, in site.css).
pub struct Series<'a> {
    pub name: &'a str,
    pub class: &'a str,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;

/// Grouped bars: for each point (an x label and one value per series) a bar per series.
/// Labels are shown for at most about 12 points, evenly spaced.
pub fn bars(title: &str, series: &[Series<'_>], points: &[(String, Vec<u64>)]) -> Markup {
    let max = points
        .iter()
        .flat_map(|(_, values)| values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let top = nice_ceiling(max);
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = plot_w / points.len().max(1) as f64;
    let bar = (slot * 0.8 / series.len().max(1) as f64).max(1.0);
    let label_every = points.len().div_ceil(12).max(1);
    let y = |v: u64| TOP + plot_h - plot_h * v as f64 / top as f64;
    let mut svg = String::new();
    // Gridlines at whole, evenly spaced values (the scale is 1, 2 or 5 × 10ⁿ).
    let steps = [4u64, 5, 2, 1]
        .into_iter()
        .find(|n| top.is_multiple_of(*n))
        .unwrap_or(1);
    for step in 0..=steps {
        let value = top * step / steps;
        let at = y(value);
        svg.push_str(&format!(
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{at:.1}" y2="{at:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{value}</text>"#,
            WIDTH - 8.0,
            LEFT - 4.0,
            at + 4.0
        ));
    }
    for (i, (label, values)) in points.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + slot * 0.1;
        for (s, value) in values.iter().enumerate() {
            let class = series.get(s).map_or("s0", |s| s.class);
            let top_y = y(*value);
            svg.push_str(&format!(
                r#"<rect class="{class}" x="{:.1}" y="{top_y:.1}" width="{bar:.1}" height="{:.1}"><title>{} {}: {value}</title></rect>"#,
                x0 + bar * s as f64,
                (TOP + plot_h - top_y).max(0.0),
                escape(label),
                escape(series.get(s).map_or("", |s| s.name)),
            ));
        }
        if i % label_every == 0 {
            svg.push_str(&format!(
                r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x0 + slot * 0.4,
                HEIGHT - 8.0,
                escape(label)
            ));
        }
    }
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label=(title) preserveAspectRatio="xMidYMid meet" {
                title { (title) }
                (PreEscaped(svg))
            }
            figcaption {
                @for s in series { span.legend { span class=(format!("swatch {}", s.class)) {} " " (s.name) } " " }
            }
        }
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `max`: round gridline values.
fn nice_ceiling(max: u64) -> u64 {
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            if base.saturating_mul(m) >= max {
                return base.saturating_mul(m);
            }
        }
        base = base.saturating_mul(10);
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_round_up_to_readable_values() {
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(101), 200);
    }

    #[test]
    fn a_bar_per_value_with_its_number_and_escaped_labels() {
        let series = [
            Series {
                name: "Loans",
                class: "s0",
            },
            Series {
                name: "Returns",
                class: "s1",
            },
        ];
        let points = vec![
            ("1 <Des>".to_string(), vec![4, 2]),
            ("2 Des".to_string(), vec![0, 5]),
        ];
        let svg = bars("Circulation", &series, &points).into_string();
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains("2 Des Returns: 5"));
        assert!(svg.contains("1 &lt;Des&gt;"), "{svg}");
        assert!(svg.contains(r#"role="img""#));
    }
}
