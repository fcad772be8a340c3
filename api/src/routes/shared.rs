//! The physician's side of a share link, outside the API: `GET /shared/{token}` shows
//! the frozen report (or asks for the code), `POST /shared/{token}` takes the code from
//! a form, `GET /shared/{token}/report.pdf` gives the PDF. Plain HTML, no script.
//!
//! Every answer carries `Cache-Control: no-store`, `Referrer-Policy: no-referrer`,
//! `X-Robots-Tag: noindex` and a CSP that lets nothing load or run. A closed link says
//! so and names the clinic to call; an unknown token names nobody.

use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path},
};
use serde::Deserialize;

use crate::{
    services::{
        report::html::{content_security_policy, page, with_pdf_link},
        share_links::{self, ClinicContact, Opened, Visit},
    },
    state::AppState,
};

const COOKIE: &str = "fascia_share";

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: Option<String>,
}

fn respond(status: StatusCode, content_type: &str) -> poem::ResponseBuilder {
    Response::builder()
        .status(status)
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::REFERRER_POLICY, "no-referrer")
        .header("x-robots-tag", "noindex, nofollow")
        .header(header::CONTENT_SECURITY_POLICY, content_security_policy())
}

fn html(status: StatusCode, body: String) -> Response {
    respond(status, "text/html; charset=utf-8").body(body)
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    html(status, page(title, &format!("<h1>{title}</h1><p>{text}</p>")))
}

fn closed(status: StatusCode, what: &str, c: &ClinicContact) -> Response {
    use crate::services::report::charts::escape;
    let phone = c.phone.as_deref().map(|p| format!(" at {}", escape(p))).unwrap_or_default();
    message(
        status,
        what,
        &format!(
            "This report is no longer available here. Please contact {}{phone} for a current copy.",
            escape(&c.name)
        ),
    )
}

fn code_form(status: StatusCode, wrong: bool) -> Response {
    let note =
        if wrong { "<p><strong>That code is not right.</strong> Please check it and try again.</p>" } else { "" };
    html(
        status,
        page(
            "Enter the code",
            &format!(
                "<h1>Enter the code</h1><p>This shared report is protected by a 6-digit code, given to you \
                 separately from the link.</p>{note}<form method=\"post\"><label>Code \
                 <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" \
                 required></label> <button type=\"submit\">Open report</button></form>"
            ),
        ),
    )
}

fn cookie_of(req: &Request) -> Option<String> {
    req.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';')
            .find_map(|pair| pair.trim().strip_prefix(COOKIE).and_then(|r| r.strip_prefix('=')).map(str::to_owned))
    })
}

async fn answer(req: &Request, state: &AppState, token: &str, code: Option<&str>, as_pdf: bool) -> Response {
    let address = crate::client_addr::text_of(req);
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let unlock = cookie_of(req);
    let visit = Visit { token, address: &address, user_agent, code, unlock: unlock.as_deref(), pdf: as_pdf };
    let opened = match share_links::open(&state.db, state.now(), visit).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "opening a share link failed");
            return message(
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again shortly",
                "The report could not be shown just now.",
            );
        }
    };
    match opened {
        Opened::Report { html: report, pdf: bytes, unlock } => {
            let mut response = if as_pdf {
                respond(StatusCode::OK, "application/pdf")
                    .header(header::CONTENT_DISPOSITION, "inline; filename=\"progress-report.pdf\"")
                    .body(bytes)
            } else {
                html(StatusCode::OK, with_pdf_link(&report, &format!("/shared/{token}/report.pdf")))
            };
            if let Some(value) = unlock {
                let secure = if state.settings.public_url.starts_with("https://") { "; Secure" } else { "" };
                let cookie =
                    format!("{COOKIE}={value}; Path=/shared/{token}; Max-Age=3600; HttpOnly; SameSite=Strict{secure}");
                if let Ok(v) = header::HeaderValue::from_str(&cookie) {
                    response.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
            response
        }
        Opened::NeedCode => code_form(StatusCode::OK, false),
        Opened::WrongCode => code_form(StatusCode::FORBIDDEN, true),
        Opened::Throttled(seconds) => {
            let mut r = message(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many attempts were made. Please wait a while before trying again.",
            );
            if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Opened::Expired(c) => closed(StatusCode::GONE, "This link has expired", &c),
        Opened::Revoked(c) => closed(StatusCode::GONE, "This link was withdrawn", &c),
        Opened::Unknown => message(
            StatusCode::NOT_FOUND,
            "Link not found",
            "There is no shared report at this address. Please check the link you were given.",
        ),
    }
}

/// The shared report, or the code form.
#[handler]
pub async fn show(req: &Request, state: Data<&AppState>, Path(token): Path<String>) -> Response {
    answer(req, &state, &token, None, false).await
}

/// The code form's answer: the report when the code is right.
#[handler]
pub async fn submit_code(
    req: &Request,
    state: Data<&AppState>,
    Path(token): Path<String>,
    form: poem::Result<Form<CodeForm>>,
) -> Response {
    let code = form.ok().and_then(|f| f.0.code).unwrap_or_default();
    answer(req, &state, &token, Some(&code), false).await
}

/// The shared report as PDF.
#[handler]
pub async fn report_pdf(req: &Request, state: Data<&AppState>, Path(token): Path<String>) -> Response {
    answer(req, &state, &token, None, true).await
}
