//! The report as PDF, written with `pdf-writer` (typst's low-level PDF writer: no
//! fonts to embed, few dependencies). Text is set in the standard Helvetica fonts with
//! WinAnsi encoding, so any PDF reader shows it and tools can extract it; the charts are
//! the same [`Chart`] values the HTML draws, as vector lines. Pages are A4.

use chrono::{DateTime, Utc};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sea_orm::ActiveEnum;

use super::{
    Report,
    charts::{self, BAND, Chart, PALETTE, RULE, Style},
    direction_word, discharge_reason_word, outcome_direction_word, verdict,
};
use crate::{
    clinical::instruments,
    services::{adherence, local_date, measured_site::region_word},
};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Text as WinAnsi bytes (the standard fonts' encoding); characters it lacks become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '–' => 0x96,
            '—' => 0x97,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '…' => 0x85,
            '−' => b'-',
            _ => b'?',
        })
        .collect()
}

fn colour(content: &mut Content, (r, g, b): (u8, u8, u8), fill: bool) {
    let (r, g, b) = (f32::from(r) / 255.0, f32::from(g) / 255.0, f32::from(b) / 255.0);
    if fill {
        content.set_fill_rgb(r, g, b);
    } else {
        content.set_stroke_rgb(r, g, b);
    }
}

/// Pages being filled top to bottom.
struct Doc {
    pages: Vec<Content>,
    y: f32,
}

impl Doc {
    fn new() -> Self {
        Self { pages: vec![Content::new()], y: PAGE_H - MARGIN }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a document always has a page")
    }

    /// Starts a new page unless `height` still fits on this one.
    fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(Content::new());
            self.y = PAGE_H - MARGIN;
        }
    }

    fn line_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        let bytes = win_ansi(text);
        let c = self.page();
        c.begin_text();
        c.set_font(if bold { BOLD } else { REGULAR }, size);
        c.next_line(x, y);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// Wrapped text; Helvetica averages about half its size per character.
    fn text(&mut self, size: f32, bold: bool, text: &str) {
        let per_line = ((PAGE_W - 2.0 * MARGIN) / (size * 0.5)) as usize;
        for para in text.split('\n') {
            let mut line = String::new();
            let mut lines = Vec::new();
            for word in para.split_whitespace() {
                if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            lines.push(line);
            for l in lines {
                self.room(size * 1.4);
                self.y -= size * 1.4;
                self.line_at(MARGIN, self.y, size, bold, &l);
            }
        }
    }

    fn heading(&mut self, text: &str) {
        self.room(40.0);
        self.y -= 8.0;
        self.text(13.0, true, text);
    }

    fn para(&mut self, text: &str) {
        self.text(10.0, false, text);
    }

    fn chart(&mut self, chart: &Chart) {
        let (w, h) = (PAGE_W - 2.0 * MARGIN - 30.0, 130.0_f32);
        self.room(h + 60.0);
        self.text(11.0, true, chart.title);
        self.y -= 6.0;
        let (left, top) = (MARGIN + 30.0, self.y);
        let bottom = top - h;
        // Chart coordinates have y downwards from the plot's top; PDF's go up from the page's bottom.
        let at = |p: (f64, f64)| {
            let (x, y) = chart.place(p, f64::from(w), f64::from(h));
            (left + x as f32, top - y as f32)
        };
        let c = self.page();
        c.save_state();
        if let Some((lo, hi)) = chart.band {
            let (_, y_hi) = at((0.0, hi));
            let (_, y_lo) = at((0.0, lo));
            colour(c, BAND, true);
            c.rect(left, y_lo, w, y_hi - y_lo);
            c.fill_nonzero();
        }
        colour(c, (150, 150, 150), false);
        c.set_line_width(0.5);
        c.rect(left, bottom, w, h);
        c.stroke();
        for (_, value) in &chart.rules {
            let (_, y) = at((0.0, *value));
            colour(c, RULE, false);
            c.set_dash_pattern([4.0, 3.0], 0.0);
            c.move_to(left, y);
            c.line_to(left + w, y);
            c.stroke();
            c.set_dash_pattern([], 0.0);
        }
        c.set_line_width(1.5);
        for (i, s) in chart.series.iter().enumerate() {
            let rgb = PALETTE[i % PALETTE.len()];
            colour(c, rgb, false);
            colour(c, rgb, true);
            let pts: Vec<(f32, f32)> = s.points.iter().map(|p| at(*p)).collect();
            match s.style {
                Style::Line if pts.len() > 1 => {
                    c.move_to(pts[0].0, pts[0].1);
                    for (x, y) in &pts[1..] {
                        c.line_to(*x, *y);
                    }
                    c.stroke();
                }
                Style::Line | Style::Dots => {
                    for (x, y) in &pts {
                        c.rect(x - 1.5, y - 1.5, 3.0, 3.0);
                        c.fill_nonzero();
                    }
                }
                Style::Bars => {
                    let bar = (w / (chart.x_max as f32 + 1.0) * 0.8).clamp(1.0, 10.0);
                    for (x, y) in &pts {
                        c.rect(x - bar / 2.0, bottom, bar, y - bottom);
                        c.fill_nonzero();
                    }
                }
                Style::Pairs => {
                    for pair in pts.chunks_exact(2) {
                        c.move_to(pair[0].0, pair[0].1);
                        c.line_to(pair[1].0, pair[1].1);
                        c.stroke();
                        c.rect(pair[1].0 - 2.0, pair[1].1 - 2.0, 4.0, 4.0);
                        c.fill_nonzero();
                    }
                }
            }
        }
        c.restore_state();
        self.line_at(MARGIN, bottom, 8.0, false, &chart.y_min.to_string());
        self.line_at(MARGIN, top - 8.0, 8.0, false, &chart.y_max.to_string());
        self.line_at(left, bottom - 10.0, 8.0, false, &chart.x_labels.0);
        self.line_at(left + w - 45.0, bottom - 10.0, 8.0, false, &chart.x_labels.1);
        let mut legend: Vec<String> = chart.rules.iter().map(|(l, _)| l.clone()).collect();
        legend.extend(chart.series.iter().map(|s| s.label.clone()));
        if chart.is_empty() {
            legend.push("no data in this period".into());
        }
        self.line_at(left, bottom - 20.0, 8.0, false, &legend.join("  |  "));
        self.y = bottom - 26.0;
    }
}

fn opt(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn instant(r: &Report, at: DateTime<Utc>) -> String {
    at.with_timezone(&r.timezone).format("%Y-%m-%d %H:%M").to_string()
}

fn body(r: &Report, d: &mut Doc) {
    let p = &r.patient;
    d.text(18.0, true, &format!("Progress report: {}", p.display_name));
    d.para(&format!(
        "{} - period {} to {} - prepared {}",
        r.clinic.name,
        r.period.from,
        r.period.to,
        instant(r, r.generated_at)
    ));

    d.heading("Who");
    d.para(&format!("Patient: {}", p.display_name));
    d.para(&format!(
        "Clinic: {}{}",
        r.clinic.name,
        r.clinic.clinic_phone.as_deref().map(|t| format!(", {t}")).unwrap_or_default()
    ));
    d.para(&format!("Therapist: {}", r.therapist));
    let physician =
        r.referrals.first().map(|f| f.row.physician_name.clone()).or_else(|| p.referring_physician_name.clone());
    d.para(&format!("Referring physician: {}", opt(physician)));

    d.heading("Diagnosis and referral");
    if let Some(text) = &p.diagnosis {
        d.para(text);
    }
    match r.referrals.first() {
        Some(f) => {
            for dx in &f.diagnoses {
                d.para(&format!("{} {}", dx.code, dx.description));
            }
            d.para(&format!("Referred {}: {}", f.row.referral_date, f.row.ordered));
            d.para(&format!("Visits ordered: {}", opt(f.row.visits_ordered)));
        }
        None => d.para("No referral on record."),
    }

    d.heading("Plan of care and attendance");
    if let Some(plan) = &r.plan {
        d.para(&format!(
            "{} - from {} to {} - {} sessions a week for {} weeks",
            plan.title,
            plan.start_date,
            opt(plan.end_date),
            opt(plan.sessions_per_week),
            opt(plan.duration_weeks)
        ));
    }
    let a = r.attendance;
    d.para(&format!(
        "Planned {} - attended {} - cancelled {} - no-show {} - still scheduled {}",
        opt(a.planned),
        a.attended,
        a.cancelled,
        a.no_show,
        a.scheduled
    ));
    if let Some(plan) = r.plan.as_ref().filter(|p| !p.goals.is_empty()) {
        d.heading("Functional goals (0-10)");
        for g in &plan.goals {
            let current =
                r.discharge.as_ref().and_then(|x| x.summary.goals.iter().find(|x| x.goal_id == g.id)).map(|x| x.rating);
            d.para(&format!(
                "{}: baseline {} -> current {} -> target {} ({})",
                g.activity,
                g.baseline,
                opt(current),
                g.target,
                g.status.as_str()
            ));
        }
    }

    d.heading("Pain and stress");
    if r.trends.changes.is_empty() {
        d.para("Not enough check-ins in this period to compare with the baseline.");
    }
    for c in &r.trends.changes {
        d.para(&format!(
            "{}: baseline {:.2}, current {:.2} (7-day mean), change {:+.2}{} - {}, {}",
            c.metric.replace('_', " "),
            c.baseline,
            c.current,
            c.change,
            c.percent.map(|v| format!(" ({v:+.2} %)")).unwrap_or_default(),
            direction_word(c.direction),
            verdict(Some(c.meaningful))
        ));
    }

    d.heading("Outcome measures (first to last)");
    if r.outcomes.is_empty() {
        d.para("No outcome measures in this period.");
    }
    for o in &r.outcomes {
        let name = instruments::find(&o.measure).map_or(o.measure.as_str(), |i| i.name);
        d.para(&format!(
            "{name}: {} ({}) -> {} ({}), change {:+}, {} readings - {}, {}",
            o.first,
            o.first_on,
            o.last,
            o.last_on,
            o.change,
            o.readings,
            outcome_direction_word(o.direction),
            verdict(o.meaningful)
        ));
    }

    let (prescribed, done) =
        r.trends.days.iter().fold((0, 0), |(p, d), day| (p + day.adherence.0, d + day.adherence.1));
    d.heading("Home exercise adherence");
    d.para(&format!(
        "{done} of {prescribed} prescribed exercise sessions done ({}%).",
        opt(adherence::percent(done, prescribed))
    ));

    d.heading("Range of motion, scars and girths");
    for s in &r.trends.rom {
        d.para(&format!(
            "{} {} {}: {} -> {} degrees",
            region_word(s.region),
            s.side.to_value(),
            s.movement.as_str(),
            opt(s.points.first().map(|p| p.degrees)),
            opt(s.points.last().map(|p| p.degrees))
        ));
    }
    for s in &r.scars {
        d.para(&format!("Scar {} ({}): total change {:+}", s.label, region_word(s.region), s.total_change()));
    }
    for g in &r.girths {
        d.para(&format!(
            "Girth {} ({}): left - right at last measurement {} mm",
            g.landmark,
            region_word(g.region),
            opt(g.sessions.last().and_then(|s| s.difference_mm()))
        ));
    }

    d.heading("Red flags");
    if r.red_flags.is_empty() {
        d.para("None reported in this period.");
    }
    for f in &r.red_flags {
        let handled = match f.acknowledged_at {
            Some(at) => format!("acknowledged {} by {}", instant(r, at), opt(f.acknowledged_by.as_deref())),
            None => "not yet acknowledged".into(),
        };
        d.para(&format!("{}: {} - {handled}", instant(r, f.raised_at), f.details));
    }

    d.heading("Charts");
    for chart in charts::build(r) {
        d.chart(&chart);
    }

    d.heading("Assessment and plan (signed session notes)");
    if r.notes.is_empty() {
        d.para("No signed session notes in this period.");
    }
    for n in &r.notes {
        d.text(10.0, true, &format!("Session {} - {}", n.session_on, n.author));
        d.para(&format!("Assessment: {}", n.assessment));
        d.para(&format!("Plan: {}", n.plan));
    }
    if let Some(x) = &r.discharge {
        d.heading("Discharge");
        d.para(&format!(
            "Discharged on {} ({}). Home programme: {}",
            x.row.discharge_date,
            discharge_reason_word(x.row.reason),
            x.row.home_programme
        ));
    }
    d.room(60.0);
    d.y -= 20.0;
    d.para(&format!("Prepared by {}, {}, on {}.", r.therapist, r.clinic.name, local_date(r.generated_at, r.timezone)));
    d.y -= 24.0;
    d.para("Signature: ______________________________");
}

/// The report as PDF bytes.
pub fn render(r: &Report) -> Vec<u8> {
    let mut doc = Doc::new();
    body(r, &mut doc);

    let mut pdf = Pdf::new();
    let (catalog, tree, regular, bold, info) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4), Ref::new(5));
    let first = 6;
    let count = doc.pages.len() as i32;
    let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(first + 2 * i)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(count);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(TextStr(&format!("Progress report: {}", r.patient.display_name)));
    for (i, content) in doc.pages.into_iter().enumerate() {
        let (page_id, content_id) = (page_ids[i], Ref::new(first + 2 * i as i32 + 1));
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(REGULAR, regular);
        fonts.pair(BOLD, bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outside_win_ansi_becomes_a_question_mark() {
        assert_eq!(win_ansi("Zoë – 5°"), b"Zo\xeb \x96 5\xb0".to_vec());
        assert_eq!(win_ansi("日"), b"?".to_vec());
    }
}
