//! The report as one printable HTML page: no script, no external resources, one inline
//! stylesheet allowed by its hash in the page's Content-Security-Policy, and the charts
//! as inline SVG. Print CSS keeps the content inside the printable width of both A4
//! (210 mm) and US Letter (216 mm) paper.

use std::fmt::Write as _;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use sea_orm::ActiveEnum;
use sha2::{Digest, Sha256};

use super::{Report, charts, direction_word as direction, discharge_reason_word, outcome_direction_word, verdict};
use crate::{
    clinical::instruments,
    services::{adherence, local_date, measured_site::region_word},
};
use charts::escape;

/// The page's only stylesheet. A4 is 210 mm wide and Letter 216 mm: with 15 mm margins
/// a 180 mm column fits either, so one stylesheet prints on both.
pub const STYLE: &str = "\
body{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:180mm;margin:0 auto;padding:8px;font-size:11pt;line-height:1.35}\
h1{font-size:18pt;margin:0 0 4px}h2{font-size:13pt;border-bottom:1px solid #bbb;margin:18px 0 6px}\
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{border:1px solid #ccc;padding:3px 5px;text-align:left;vertical-align:top}\
th{background:#f2f2f2}.muted{color:#666}.chart{width:100%;height:auto}.sig{margin-top:28px}\
.sig .line{border-top:1px solid #222;width:70mm;margin-top:30px}form{margin:16px 0}input{font-size:14pt;width:8em}\
@page{margin:15mm}\
@media print{body{padding:0;max-width:none}h2{break-after:avoid}.chart,table{break-inside:avoid}.noprint{display:none}}";

/// The Content-Security-Policy of every report page: nothing may load, nothing may
/// run, the one stylesheet is allowed by its hash, forms post only back here.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// A whole page around `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex, nofollow\"><title>{}</title><style>{STYLE}</style></head>\
         <body>{body}</body></html>",
        escape(title)
    )
}

fn opt(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| escape(&v.to_string()))
}

fn instant(r: &Report, at: DateTime<Utc>) -> String {
    at.with_timezone(&r.timezone).format("%Y-%m-%d %H:%M").to_string()
}

/// Where a page that serves the report puts its PDF link. A stored report keeps the slot
/// empty because the link holds the share token, which is never stored.
const PDF_LINK_SLOT: &str = "<!--pdf-link-->";

/// The page with a "Download as PDF" link to `href` in its slot.
pub fn with_pdf_link(page: &str, href: &str) -> String {
    let link = format!("<p class=\"noprint\"><a href=\"{}\">Download as PDF</a></p>", escape(href));
    page.replacen(PDF_LINK_SLOT, &link, 1)
}

/// The report page, with an empty slot for a PDF link (see [`with_pdf_link`]).
pub fn render(r: &Report) -> String {
    let mut b = String::new();
    let p = &r.patient;
    let _ = write!(
        b,
        "<h1>Progress report: {}</h1><p class=\"muted\">{} · period {} to {} · prepared {}</p>",
        escape(&p.display_name),
        escape(&r.clinic.name),
        r.period.from,
        r.period.to,
        instant(r, r.generated_at)
    );
    b.push_str(PDF_LINK_SLOT);

    let physician = r.referrals.first().map(|f| {
        let ph = &f.row;
        [Some(ph.physician_name.clone()), ph.physician_practice.clone(), ph.physician_phone.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    });
    let physician = physician.or_else(|| {
        p.referring_physician_name.as_ref().map(|n| match &p.referring_physician_contact {
            Some(c) => format!("{n}, {c}"),
            None => n.clone(),
        })
    });
    let _ = write!(
        b,
        "<h2>Who</h2><table><tr><th>Patient</th><td>{}</td></tr><tr><th>Clinic</th><td>{}{}</td></tr>\
         <tr><th>Therapist</th><td>{}</td></tr><tr><th>Referring physician</th><td>{}</td></tr></table>",
        escape(&p.display_name),
        escape(&r.clinic.name),
        r.clinic.clinic_phone.as_deref().map(|t| format!(", {}", escape(t))).unwrap_or_default(),
        escape(&r.therapist),
        opt(physician)
    );

    b.push_str("<h2>Diagnosis and referral</h2>");
    if let Some(d) = &p.diagnosis {
        let _ = write!(b, "<p>{}</p>", escape(d));
    }
    if let Some(f) = r.referrals.first() {
        let codes: Vec<String> =
            f.diagnoses.iter().map(|d| format!("{} {}", escape(&d.code), escape(&d.description))).collect();
        let _ = write!(
            b,
            "<table><tr><th>Referral date</th><td>{}</td></tr><tr><th>Diagnoses</th><td>{}</td></tr>\
             <tr><th>Ordered</th><td>{}</td></tr><tr><th>Visits ordered</th><td>{}</td></tr>\
             <tr><th>Precautions</th><td>{}</td></tr></table>",
            f.row.referral_date,
            codes.join("<br>"),
            escape(&f.row.ordered),
            opt(f.row.visits_ordered),
            opt(f.row.precautions.as_deref().or(p.precautions.as_deref()))
        );
    } else {
        b.push_str("<p class=\"muted\">No referral on record.</p>");
    }

    b.push_str("<h2>Plan of care and attendance</h2>");
    if let Some(plan) = &r.plan {
        let _ = write!(
            b,
            "<p>{} · from {} to {} · {} sessions a week for {} weeks{}</p>",
            escape(&plan.title),
            plan.start_date,
            opt(plan.end_date),
            opt(plan.sessions_per_week),
            opt(plan.duration_weeks),
            plan.certification
                .as_ref()
                .map(|c| format!(
                    " · certified by {} on {} until {}",
                    escape(&c.certified_by),
                    c.certified_on,
                    c.valid_until
                ))
                .unwrap_or_default()
        );
    }
    let a = r.attendance;
    let _ = write!(
        b,
        "<table><tr><th>Planned</th><th>Attended</th><th>Cancelled</th><th>No-show</th><th>Still scheduled</th></tr>\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        opt(a.planned),
        a.attended,
        a.cancelled,
        a.no_show,
        a.scheduled
    );

    if let Some(plan) = r.plan.as_ref().filter(|p| !p.goals.is_empty()) {
        b.push_str("<h2>Functional goals (0–10)</h2><table><tr><th>Goal</th><th>Baseline</th><th>Current</th><th>Target</th><th>Status</th></tr>");
        for g in &plan.goals {
            let current =
                r.discharge.as_ref().and_then(|d| d.summary.goals.iter().find(|x| x.goal_id == g.id)).map(|x| x.rating);
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&g.activity),
                g.baseline,
                opt(current),
                g.target,
                g.status.as_str()
            );
        }
        b.push_str("</table>");
    }

    b.push_str("<h2>Pain and stress</h2>");
    if r.trends.changes.is_empty() {
        b.push_str("<p class=\"muted\">Not enough check-ins in this period to compare with the baseline.</p>");
    } else {
        b.push_str("<table><tr><th>Measure</th><th>Baseline</th><th>Current (7-day mean)</th><th>Change</th><th>Change %</th><th>Verdict</th></tr>");
        for c in &r.trends.changes {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:+.2}</td><td>{}</td><td>{}, {}</td></tr>",
                c.metric.replace('_', " "),
                c.baseline,
                c.current,
                c.change,
                opt(c.percent.map(|v| format!("{v:+.2}"))),
                direction(c.direction),
                verdict(Some(c.meaningful))
            );
        }
        b.push_str("</table>");
    }

    b.push_str("<h2>Outcome measures (first to last)</h2>");
    if r.outcomes.is_empty() {
        b.push_str("<p class=\"muted\">No outcome measures in this period.</p>");
    } else {
        b.push_str("<table><tr><th>Measure</th><th>First</th><th>Last</th><th>Change</th><th>Readings</th><th>Verdict</th></tr>");
        for o in &r.outcomes {
            let name = instruments::find(&o.measure).map_or(o.measure.as_str(), |i| i.name);
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{} ({})</td><td>{} ({})</td><td>{:+}</td><td>{}</td><td>{}, {}</td></tr>",
                escape(name),
                o.first,
                o.first_on,
                o.last,
                o.last_on,
                o.change,
                o.readings,
                outcome_direction_word(o.direction),
                verdict(o.meaningful)
            );
        }
        b.push_str("</table>");
    }

    let (prescribed, done) =
        r.trends.days.iter().fold((0, 0), |(p, d), day| (p + day.adherence.0, d + day.adherence.1));
    let _ = write!(
        b,
        "<h2>Home exercise adherence</h2><p>{done} of {prescribed} prescribed exercise sessions done ({}%).</p>",
        opt(adherence::percent(done, prescribed))
    );

    b.push_str("<h2>Range of motion, scars and girths</h2>");
    if r.trends.rom.is_empty() && r.scars.is_empty() && r.girths.is_empty() {
        b.push_str("<p class=\"muted\">No measurements in this period.</p>");
    }
    if !r.trends.rom.is_empty() {
        b.push_str("<table><tr><th>Movement</th><th>First</th><th>Last</th><th>Typical</th></tr>");
        for s in &r.trends.rom {
            let (first, last) = (s.points.first(), s.points.last());
            let _ = write!(
                b,
                "<tr><td>{} {} {}</td><td>{}°</td><td>{}°</td><td>{}</td></tr>",
                region_word(s.region),
                s.side.to_value(),
                escape(s.movement.as_str()),
                opt(first.map(|p| p.degrees)),
                opt(last.map(|p| p.degrees)),
                opt(s.typical_degrees.map(|d| format!("{d}°")))
            );
        }
        b.push_str("</table>");
    }
    if !r.scars.is_empty() {
        b.push_str("<table><tr><th>Scar</th><th>First total</th><th>Last total</th><th>Change</th></tr>");
        for s in &r.scars {
            let _ = write!(
                b,
                "<tr><td>{} ({})</td><td>{}</td><td>{}</td><td>{:+}</td></tr>",
                escape(&s.label),
                region_word(s.region),
                opt(s.assessments.first().map(|a| a.total)),
                opt(s.assessments.last().map(|a| a.total)),
                s.total_change()
            );
        }
        b.push_str("</table>");
    }
    if !r.girths.is_empty() {
        b.push_str(
            "<table><tr><th>Girth</th><th>First (mm)</th><th>Last (mm)</th><th>Left − right, last (mm)</th></tr>",
        );
        for g in &r.girths {
            let show = |s: Option<&crate::services::girths::GirthSession>| {
                s.map(|s| match s.midline_mm {
                    Some(m) => m.to_string(),
                    None => format!("L {} / R {}", opt(s.left_mm), opt(s.right_mm)),
                })
            };
            let _ = write!(
                b,
                "<tr><td>{} ({}, {} mm from landmark)</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&g.landmark),
                region_word(g.region),
                g.distance_mm,
                opt(show(g.sessions.first())),
                opt(show(g.sessions.last())),
                opt(g.sessions.last().and_then(|s| s.difference_mm()))
            );
        }
        b.push_str("</table>");
    }

    b.push_str("<h2>Red flags</h2>");
    if r.red_flags.is_empty() {
        b.push_str("<p>None reported in this period.</p>");
    } else {
        b.push_str("<table><tr><th>Reported</th><th>What</th><th>Handled</th></tr>");
        for f in &r.red_flags {
            let handled = match (f.acknowledged_at, &f.acknowledged_by) {
                (Some(at), by) => format!("acknowledged {} by {}", instant(r, at), opt(by.as_deref())),
                (None, _) => "not yet acknowledged".to_owned(),
            };
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                instant(r, f.raised_at),
                escape(&f.details),
                handled
            );
        }
        b.push_str("</table>");
    }

    b.push_str("<h2>Charts</h2>");
    for chart in charts::build(r) {
        let _ = write!(b, "<h3>{}</h3>{}", escape(chart.title), charts::svg(&chart));
    }

    b.push_str("<h2>Assessment and plan (signed session notes)</h2>");
    if r.notes.is_empty() {
        b.push_str("<p class=\"muted\">No signed session notes in this period.</p>");
    }
    for n in &r.notes {
        let _ = write!(
            b,
            "<h3>Session {} — {}</h3><p>Pain before {} · after {}</p><p><strong>Assessment:</strong> {}</p>\
             <p><strong>Plan:</strong> {}</p><p class=\"muted\">Signed {}</p>",
            n.session_on,
            escape(&n.author),
            opt(n.pain_before),
            opt(n.pain_after),
            escape(&n.assessment),
            escape(&n.plan),
            instant(r, n.signed_at)
        );
    }

    if let Some(d) = &r.discharge {
        let _ = write!(
            b,
            "<h2>Discharge</h2><p>Discharged on {} ({}).</p><p><strong>Home programme:</strong> {}</p>",
            d.row.discharge_date,
            discharge_reason_word(d.row.reason),
            escape(&d.row.home_programme)
        );
    }

    let _ = write!(
        b,
        "<div class=\"sig\"><p>Prepared by {}, {}, on {}.</p><div class=\"line\"></div><p class=\"muted\">Signature</p></div>",
        escape(&r.therapist),
        escape(&r.clinic.name),
        local_date(r.generated_at, r.timezone)
    );
    page(&format!("Progress report: {}", p.display_name), &b)
}
