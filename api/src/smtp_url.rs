//! `FASCIA_SMTP_URL` as lettre wants it. A leaf module: the settings check the URL when
//! they are read, and the mail service converts it when it sends.

/// The URL lettre understands for ours: `tls=starttls` (the default for `smtp://`)
/// becomes lettre's `tls=required`, `tls=none` drops the parameter.
pub fn lettre_url(raw: &str) -> Result<String, String> {
    let mut url = url::Url::parse(raw).map_err(|_| "is not a URL".to_owned())?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host".into());
    }
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    url.set_query(None);
    match (url.scheme(), tls.as_deref()) {
        ("smtp", None | Some("starttls")) => url.set_query(Some("tls=required")),
        ("smtp", Some("none")) => {}
        ("smtps", None) => {}
        _ => return Err("must be smtp://…[?tls=starttls|none] or smtps://…".into()),
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starttls_is_the_default_and_none_must_be_asked_for() {
        assert_eq!(lettre_url("smtp://u:p@mail.example:587").unwrap(), "smtp://u:p@mail.example:587?tls=required");
        assert_eq!(lettre_url("smtp://mail.example:587?tls=starttls").unwrap(), "smtp://mail.example:587?tls=required");
        assert_eq!(lettre_url("smtp://127.0.0.1:2525?tls=none").unwrap(), "smtp://127.0.0.1:2525");
        assert_eq!(lettre_url("smtps://mail.example").unwrap(), "smtps://mail.example");
        assert!(lettre_url("http://mail.example").is_err());
        assert!(lettre_url("smtp://mail.example?tls=maybe").is_err());
        assert!(lettre_url("not a url").is_err());
    }
}
