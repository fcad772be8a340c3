//! The report's charts as plain data (title, axes, series, the meaningful-change band),
//! built from the report's service values, and drawn as SVG for the HTML report. The
//! PDF draws the same [`Chart`] values with its own vector operators, so both formats
//! show the same picture.

use std::fmt::Write as _;

use chrono::NaiveDate;
use sea_orm::ActiveEnum;

use super::Report;
use crate::{
    clinical::{PAIN_MCID, instruments},
    services::{adherence, local_date, measured_site::region_word},
};

/// Chart titles, also looked for in the PDF by the tests.
pub const PAIN_TITLE: &str = "Pain (0-10) with baseline and meaningful-change band";
pub const FUNCTION_TITLE: &str = "Function: outcome measure scores";
pub const ADHERENCE_TITLE: &str = "Home exercise adherence (% of prescribed done)";
pub const ROM_TITLE: &str = "Range of motion over time (degrees)";
pub const SESSIONS_TITLE: &str = "Pain before and after each session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Points joined in order.
    Line,
    /// Points alone.
    Dots,
    /// A bar from the axis up to each point.
    Bars,
    /// Points taken two at a time, each pair joined by a segment (before → after).
    Pairs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub style: Style,
    /// (day index from the period's first day, value).
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: &'static str,
    pub y_min: f64,
    pub y_max: f64,
    /// Days on the x axis: 0 is the period's first day, `x_max` its last.
    pub x_max: f64,
    pub x_labels: (String, String),
    /// A shaded band between two values (the change too small to matter).
    pub band: Option<(f64, f64)>,
    /// Labelled horizontal reference lines (the baseline).
    pub rules: Vec<(String, f64)>,
    pub series: Vec<Series>,
}

impl Chart {
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.points.is_empty())
    }

    /// Where a data point lands in a `width` × `height` plot area whose origin is the
    /// top-left corner (SVG's orientation; the PDF flips it).
    pub fn place(&self, (x, y): (f64, f64), width: f64, height: f64) -> (f64, f64) {
        let fx = if self.x_max > 0.0 { x / self.x_max } else { 0.5 };
        let span = (self.y_max - self.y_min).max(f64::EPSILON);
        let fy = ((y - self.y_min) / span).clamp(0.0, 1.0);
        (fx * width, height - fy * height)
    }
}

/// RGB colours for series by index, and for the band and the rules.
pub const PALETTE: [(u8, u8, u8); 5] = [(31, 94, 168), (196, 84, 28), (46, 125, 50), (123, 31, 162), (90, 90, 90)];
pub const BAND: (u8, u8, u8) = (220, 230, 242);
pub const RULE: (u8, u8, u8) = (120, 120, 120);

fn day_index(from: NaiveDate, day: NaiveDate) -> f64 {
    (day - from).num_days() as f64
}

/// The five charts of the report, in the order shown.
pub fn build(r: &Report) -> Vec<Chart> {
    let from = r.period.from;
    let x_max = day_index(from, r.period.to);
    let x_labels = (r.period.from.to_string(), r.period.to.to_string());
    let blank = |title, y_min, y_max| Chart {
        title,
        y_min,
        y_max,
        x_max,
        x_labels: x_labels.clone(),
        band: None,
        rules: vec![],
        series: vec![],
    };

    let days = &r.trends.days;
    let mut pain = blank(PAIN_TITLE, 0.0, 10.0);
    pain.series.push(Series {
        label: "daily mean".into(),
        style: Style::Dots,
        points: days.iter().filter_map(|d| Some((day_index(from, d.date), d.pain?.mean))).collect(),
    });
    pain.series.push(Series {
        label: "7-day mean".into(),
        style: Style::Line,
        points: days.iter().filter_map(|d| Some((day_index(from, d.date), d.pain_7d?))).collect(),
    });
    if let Some(b) = r.trends.baseline.pain {
        pain.rules.push((format!("baseline {b:.1}"), b));
        pain.band = PAIN_MCID.band(b, true).map(|(lo, hi)| (lo.max(0.0), hi.min(10.0)));
    }

    let mut function = blank(FUNCTION_TITLE, 0.0, 10.0);
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for m in &r.trends.measures {
        if let Some(inst) = instruments::find(m.instrument) {
            lo = lo.min(inst.score_min);
            hi = hi.max(inst.score_max);
        }
        function.series.push(Series {
            label: instruments::find(m.instrument).map_or(m.instrument, |i| i.name).to_owned(),
            style: Style::Line,
            points: m.points.iter().map(|p| (day_index(from, p.local_date), p.score)).collect(),
        });
    }
    if lo < hi {
        (function.y_min, function.y_max) = (lo, hi);
    }

    let mut adherence_chart = blank(ADHERENCE_TITLE, 0.0, 100.0);
    adherence_chart.series.push(Series {
        label: "done".into(),
        style: Style::Bars,
        points: days
            .iter()
            .filter_map(|d| Some((day_index(from, d.date), adherence::percent(d.adherence.1, d.adherence.0)?)))
            .collect(),
    });

    let mut rom = blank(ROM_TITLE, 0.0, 180.0);
    let mut rom_max = 0.0_f64;
    for s in &r.trends.rom {
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|p| (day_index(from, local_date(p.measured_at, r.timezone)), f64::from(p.degrees)))
            .filter(|(x, _)| (0.0..=x_max).contains(x))
            .collect();
        rom_max = points.iter().fold(rom_max, |m, p| m.max(p.1));
        rom.series.push(Series {
            label: format!("{} {} {}", region_word(s.region), s.side.to_value(), s.movement.as_str()),
            style: Style::Line,
            points,
        });
    }
    if rom_max > 0.0 {
        rom.y_max = (rom_max / 30.0).ceil() * 30.0;
    }

    let mut sessions = blank(SESSIONS_TITLE, 0.0, 10.0);
    let mut pairs = Vec::new();
    for s in &r.trends.sessions {
        if let (Some(b), Some(a)) = (s.pain_before, s.pain_after) {
            let x = day_index(from, local_date(s.starts_at, r.timezone));
            pairs.push((x, f64::from(b)));
            pairs.push((x, f64::from(a)));
        }
    }
    sessions.series.push(Series { label: "before -> after".into(), style: Style::Pairs, points: pairs });

    vec![pain, function, adherence_chart, rom, sessions]
}

fn rgb((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 40.0;
const TOP: f64 = 10.0;

/// The chart as an inline SVG element: presentation attributes only, no script and no
/// `style` attributes, so the page's CSP can forbid both.
pub fn svg(chart: &Chart) -> String {
    let (w, h) = (WIDTH - LEFT - 10.0, HEIGHT - TOP - 40.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" class="chart">"#,
        escape(chart.title)
    );
    let _ = write!(s, r#"<g transform="translate({LEFT},{TOP})">"#);
    if let Some((lo, hi)) = chart.band {
        let (_, y_hi) = chart.place((0.0, hi), w, h);
        let (_, y_lo) = chart.place((0.0, lo), w, h);
        let _ = write!(
            s,
            r#"<rect x="0" y="{y_hi:.1}" width="{w:.1}" height="{:.1}" fill="{}"/>"#,
            (y_lo - y_hi).max(0.0),
            rgb(BAND)
        );
    }
    let _ = write!(s, r##"<rect x="0" y="0" width="{w:.1}" height="{h:.1}" fill="none" stroke="#999"/>"##);
    for (label, value) in &chart.rules {
        let (_, y) = chart.place((0.0, *value), w, h);
        let _ = write!(
            s,
            r#"<line x1="0" y1="{y:.1}" x2="{w:.1}" y2="{y:.1}" stroke="{}" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"#,
            rgb(RULE),
            w - 2.0,
            y - 3.0,
            escape(label)
        );
    }
    for (i, series) in chart.series.iter().enumerate() {
        let colour = rgb(PALETTE[i % PALETTE.len()]);
        let placed: Vec<(f64, f64)> = series.points.iter().map(|p| chart.place(*p, w, h)).collect();
        match series.style {
            Style::Line if placed.len() > 1 => {
                let d: Vec<String> = placed.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ =
                    write!(s, r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, d.join(" "));
            }
            Style::Line | Style::Dots => {
                for (x, y) in &placed {
                    let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="{colour}"/>"#);
                }
            }
            Style::Bars => {
                let bar = (w / (chart.x_max + 1.0) * 0.8).clamp(1.0, 12.0);
                for (x, y) in &placed {
                    let _ = write!(
                        s,
                        r#"<rect x="{:.1}" y="{y:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}"/>"#,
                        x - bar / 2.0,
                        (h - y).max(0.0)
                    );
                }
            }
            Style::Pairs => {
                for pair in placed.chunks_exact(2) {
                    let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                    let _ = write!(
                        s,
                        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="2"/><circle cx="{x1:.1}" cy="{y1:.1}" r="3" fill="none" stroke="{colour}"/><circle cx="{x2:.1}" cy="{y2:.1}" r="3" fill="{colour}"/>"#
                    );
                }
            }
        }
    }
    let _ = write!(
        s,
        r#"<text x="-4" y="{h:.1}" font-size="10" text-anchor="end">{}</text><text x="-4" y="8" font-size="10" text-anchor="end">{}</text>"#,
        chart.y_min, chart.y_max
    );
    let _ = write!(
        s,
        r#"<text x="0" y="{:.1}" font-size="10">{}</text><text x="{w:.1}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"#,
        h + 14.0,
        escape(&chart.x_labels.0),
        h + 14.0,
        escape(&chart.x_labels.1)
    );
    let mut legend_x = 0.0;
    for (i, series) in chart.series.iter().enumerate() {
        let colour = rgb(PALETTE[i % PALETTE.len()]);
        let _ = write!(
            s,
            r#"<rect x="{legend_x:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="10">{}</text>"#,
            h + 22.0,
            legend_x + 14.0,
            h + 31.0,
            escape(&series.label)
        );
        legend_x += 24.0 + 6.0 * series.label.chars().count() as f64;
    }
    if chart.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">No data in this period</text>"#,
            w / 2.0,
            h / 2.0
        );
    }
    s.push_str("</g></svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: PAIN_TITLE,
            y_min: 0.0,
            y_max: 10.0,
            x_max: 10.0,
            x_labels: ("a".into(), "b".into()),
            band: Some((4.2, 8.0)),
            rules: vec![("baseline 6.0".into(), 6.0)],
            series: vec![Series { label: "<x>".into(), style: Style::Line, points: vec![(0.0, 0.0), (10.0, 10.0)] }],
        }
    }

    #[test]
    fn points_map_to_the_plot_area_with_y_growing_upwards() {
        let c = chart();
        assert_eq!(c.place((0.0, 0.0), 100.0, 50.0), (0.0, 50.0));
        assert_eq!(c.place((10.0, 10.0), 100.0, 50.0), (100.0, 0.0));
        assert_eq!(c.place((5.0, 20.0), 100.0, 50.0), (50.0, 0.0));
    }

    #[test]
    fn the_svg_escapes_labels_and_carries_no_script_or_style() {
        let s = svg(&chart());
        assert!(s.contains("&lt;x&gt;") && !s.contains("<x>"));
        assert!(!s.contains("<script") && !s.contains("style="));
        assert!(s.contains("<polyline"));
    }
}
