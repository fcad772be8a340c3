//! Outgoing email: invites and password resets, in the clinic's name.
//!
//! With `FASCIA_SMTP_URL` set, mail goes over SMTP (STARTTLS by default, implicit TLS
//! with `smtps://`, plain only when asked for with `tls=none`); otherwise each message
//! is written as an `.eml` file under `<data dir>/outbox/` and the log says where.
//!
//! Invariants: a message carries an account action (a link with a token) and the clinic's
//! name, never health data; one send waits at most `FASCIA_SMTP_TIMEOUT_SECONDS`; a
//! failed send is logged (without the recipient) and returned as an error for the
//! caller to report. Nothing is queued: a failed invite is resent by staff, a failed
//! reset is asked for again.

use std::path::PathBuf;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use crate::{
    config::{MailSettings, Secret, Settings},
    smtp_url::lettre_url,
};

/// One message: a subject, a plain-text body and the same as HTML.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub to_name: String,
    /// Shown as the sender's name.
    pub clinic_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("SMTP delivery failed: {0}")]
    Smtp(String),
    #[error("SMTP delivery took longer than the configured timeout")]
    Timeout,
    #[error("the outbox file could not be written: {0}")]
    Outbox(std::io::Error),
}

/// Where a message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Smtp,
    File(PathBuf),
}

fn build(settings: &MailSettings, mail: &Mail) -> Result<Message, MailError> {
    let from_address =
        settings.from.parse().map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
    let to_address = mail.to.parse().map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
    Message::builder()
        .from(Mailbox::new(Some(mail.clinic_name.clone()), from_address))
        .to(Mailbox::new(Some(mail.to_name.clone()), to_address))
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| MailError::Build(e.to_string()))
}

/// Sends `mail` over SMTP, or writes it to the outbox when SMTP is not configured.
pub async fn send(settings: &Settings, mail: &Mail) -> Result<Delivered, MailError> {
    let message = build(&settings.mail, mail)?;
    let result = match &settings.mail.smtp_url {
        Some(url) => send_smtp(&settings.mail, url, message).await.map(|()| Delivered::Smtp),
        None => write_outbox(&settings.data_dir, &message).await.map(Delivered::File),
    };
    match &result {
        Ok(Delivered::File(path)) => {
            tracing::info!(path = %path.display(), "no SMTP configured: mail written to the outbox")
        }
        Ok(Delivered::Smtp) => tracing::info!(subject = %mail.subject, "mail sent"),
        Err(e) => tracing::warn!(error = %e, subject = %mail.subject, "mail not sent"),
    }
    result
}

async fn send_smtp(settings: &MailSettings, url: &Secret, message: Message) -> Result<(), MailError> {
    let url = lettre_url(url.expose()).map_err(MailError::Smtp)?;
    let transport: AsyncSmtpTransport<Tokio1Executor> = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        .map_err(|e| MailError::Smtp(e.to_string()))?
        .timeout(Some(settings.timeout))
        .build();
    // lettre's timeout covers each socket operation; this one bounds the whole exchange.
    match tokio::time::timeout(settings.timeout, transport.send(message)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(MailError::Smtp(e.to_string())),
        Err(_) => Err(MailError::Timeout),
    }
}

async fn write_outbox(data_dir: &std::path::Path, message: &Message) -> Result<PathBuf, MailError> {
    let dir = data_dir.join("outbox");
    tokio::fs::create_dir_all(&dir).await.map_err(MailError::Outbox)?;
    let path = dir.join(format!("{}.eml", uuid::Uuid::now_v7()));
    tokio::fs::write(&path, message.formatted()).await.map_err(MailError::Outbox)?;
    Ok(path)
}

/// Escapes text for an HTML body.
pub fn html_escape(text: &str) -> String {
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

/// A short account email: a greeting, a paragraph, one link, a closing line.
pub fn compose(clinic_name: &str, to: &str, to_name: &str, subject: &str, paragraph: &str, link: &str) -> Mail {
    let text = format!(
        "Hello {to_name},\n\n{paragraph}\n\n{link}\n\nIf you did not expect this message, you can ignore it.\n\n— {clinic_name}\n"
    );
    let html = format!(
        "<!doctype html><html><body><p>Hello {name},</p><p>{para}</p><p><a href=\"{href}\">{href}</a></p>\
         <p>If you did not expect this message, you can ignore it.</p><p>— {clinic}</p></body></html>",
        name = html_escape(to_name),
        para = html_escape(paragraph),
        href = html_escape(link),
        clinic = html_escape(clinic_name),
    );
    Mail {
        to: to.to_owned(),
        to_name: to_name.to_owned(),
        clinic_name: clinic_name.to_owned(),
        subject: subject.to_owned(),
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_escape_names() {
        let mail = compose("A & B <Clinic>", "x@example.org", "<script>", "Hi", "Para", "https://app.example/x#t=1");
        assert!(mail.html.contains("A &amp; B &lt;Clinic&gt;"));
        assert!(!mail.html.contains("<script>"));
        assert!(mail.text.contains("https://app.example/x#t=1"));
    }
}
