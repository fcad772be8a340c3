//! CSV as RFC 4180 describes it: comma-separated, CRLF line ends, a field quoted when it
//! holds a comma, a quote, a CR or an LF (quotes inside doubled). An empty field is an
//! empty value; a missing one (`None`) is written the same, since CSV has no null.

/// One field, quoted when it needs to be.
fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn line<'a>(out: &mut String, values: impl Iterator<Item = &'a str>) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, v);
    }
    out.push_str("\r\n");
}

/// A whole file: the header line, then one line per row.
pub fn write(columns: &[String], rows: &[Vec<Option<String>>]) -> String {
    let mut out = String::new();
    line(&mut out, columns.iter().map(String::as_str));
    for row in rows {
        line(&mut out, row.iter().map(|v| v.as_deref().unwrap_or("")));
    }
    out
}

/// Reads what [`write`] wrote (used by tests and by anyone checking an export).
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, &'static str> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cur.push('"');
                }
                '"' => quoted = false,
                c => cur.push(c),
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            '"' => return Err("a quote inside an unquoted field"),
            ',' => {
                row.push(std::mem::take(&mut cur));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut cur));
                rows.push(std::mem::take(&mut row));
                at_field_start = true;
            }
            c => {
                cur.push(c);
                at_field_start = false;
            }
        }
    }
    if quoted {
        return Err("an unterminated quoted field");
    }
    if !cur.is_empty() || !row.is_empty() {
        row.push(cur);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_fields_are_written_as_they_are() {
        let csv = write(&["a".into(), "b".into()], &[vec![Some("1".into()), None]]);
        assert_eq!(csv, "a,b\r\n1,\r\n");
    }

    #[test]
    fn a_note_with_commas_quotes_and_newlines_round_trips() {
        let note = "Sore, then \"much\" better.\nSlept well,\r\nno pills";
        let csv = write(&["id".into(), "note".into()], &[vec![Some("x".into()), Some(note.into())]]);
        assert!(csv.contains("\"Sore, then \"\"much\"\" better."));
        let parsed = parse(&csv).unwrap();
        assert_eq!(parsed, vec![vec!["id".to_owned(), "note".to_owned()], vec!["x".to_owned(), note.to_owned()]]);
    }

    #[test]
    fn a_stray_quote_or_an_open_quote_is_refused() {
        assert!(parse("a\"b\r\n").is_err());
        assert!(parse("\"open\r\n").is_err());
    }
}
