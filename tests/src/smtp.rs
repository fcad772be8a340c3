//! A tiny SMTP server on loopback for the email tests: it answers EHLO, MAIL, RCPT,
//! DATA, RSET, NOOP and QUIT (no TLS, no AUTH) and hands every message it receives to
//! the test, decoded from quoted-printable so links can be read.

use std::time::Duration;

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::mpsc,
};

/// One delivered message.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub raw: String,
    /// `raw` with quoted-printable soft breaks and escapes undone.
    pub decoded: String,
}

impl ReceivedMail {
    /// The first `token=` value in the message (invite and reset links carry one).
    pub fn token(&self) -> String {
        let start = self.decoded.find("token=").expect("the mail carries a link with a token") + "token=".len();
        self.decoded[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
    }
}

pub struct FakeSmtp {
    pub port: u16,
    received: mpsc::UnboundedReceiver<ReceivedMail>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSmtp {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let (tx, received) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _ = session(stream, tx).await;
                });
            }
        });
        Self { port, received, task }
    }

    /// `FASCIA_SMTP_URL` for a server that talks to this one.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// The next message for `address`, skipping mail to anyone else (invites sent while
    /// setting a test up, say).
    pub async fn next_mail_to(&mut self, address: &str) -> ReceivedMail {
        self.next_mail_with(address, "").await
    }

    /// The next message for `address` whose decoded text contains `needle`.
    pub async fn next_mail_with(&mut self, address: &str, needle: &str) -> ReceivedMail {
        loop {
            let mail = self.next_mail().await;
            if mail.to.iter().any(|t| t == address) && mail.decoded.contains(needle) {
                return mail;
            }
        }
    }

    /// The next message that arrives (the server sends some mail after answering).
    pub async fn next_mail(&mut self) -> ReceivedMail {
        tokio::time::timeout(Duration::from_secs(20), self.received.recv())
            .await
            .expect("a mail arrives within 20 s")
            .expect("the fake SMTP server is running")
    }
}

async fn session(stream: tokio::net::TcpStream, tx: mpsc::UnboundedSender<ReceivedMail>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 fake.smtp.test ESMTP\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-fake.smtp.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = line[10..].trim().trim_matches(|c| c == '<' || c == '>').to_owned();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(line[8..].trim().trim_matches(|c| c == '<' || c == '>').to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut raw = String::new();
            while let Some(data) = lines.next_line().await? {
                if data == "." {
                    break;
                }
                raw.push_str(data.strip_prefix('.').filter(|_| data.starts_with("..")).unwrap_or(&data));
                raw.push_str("\r\n");
            }
            let decoded = quoted_printable(&raw);
            let _ =
                tx.send(ReceivedMail { from: std::mem::take(&mut from), to: std::mem::take(&mut to), raw, decoded });
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()))
            .flatten();
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
