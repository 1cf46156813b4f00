//! Local fakes of the notification providers, on loopback: an HTTP server standing in for
//! the WhatsApp Cloud API or a Fonnte-style gateway (it records each request whole and
//! answers from a script: 200, 429 with `Retry-After`, 500, 400, or no answer at all), and
//! an SMTP server that takes one message per connection as a mail server would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// A form field of a urlencoded body.
    pub fn form(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.body.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// How the fake answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status {
        code: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Takes the request and never answers (a provider hanging mid-call).
    Hang,
}

impl Reply {
    pub fn ok(body: &str) -> Reply {
        Reply::Status {
            code: 200,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn status(code: u16, body: &str) -> Reply {
        Reply::Status {
            code,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn too_many(retry_after: u64) -> Reply {
        Reply::Status {
            code: 429,
            headers: vec![("Retry-After", retry_after.to_string())],
            body: r#"{"error":{"message":"rate limit hit"}}"#.to_string(),
        }
    }
}

/// An HTTP provider on 127.0.0.1:0.
pub struct FakeProvider {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
    arrived: Mutex<mpsc::Receiver<()>>,
}

/// The Cloud API's answer to a message taken.
pub const CLOUD_OK: &str = r#"{"messaging_product":"whatsapp","contacts":[{"wa_id":"6281234567890"}],"messages":[{"id":"wamid.HBgN"}]}"#;

impl FakeProvider {
    /// Answers from `script` in order, then 200 with `CLOUD_OK` for every further request.
    pub fn start(script: Vec<Reply>) -> FakeProvider {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let replies = Mutex::new(script);
        let (tell, arrived) = mpsc::channel();
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            // Hung connections are kept open here until the fake is dropped with the test.
            let mut hung = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                seen.lock().unwrap().push(request);
                let _ = tell.send(());
                let reply = {
                    let mut script = replies.lock().unwrap();
                    if script.is_empty() {
                        Reply::ok(CLOUD_OK)
                    } else {
                        script.remove(0)
                    }
                };
                match reply {
                    Reply::Hang => hung.push(stream),
                    Reply::Status {
                        code,
                        headers,
                        body,
                    } => {
                        let mut head = format!(
                            "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                            body.len()
                        );
                        for (name, value) in headers {
                            head.push_str(&format!("{name}: {value}\r\n"));
                        }
                        head.push_str("\r\n");
                        let _ = stream.write_all(head.as_bytes());
                        let _ = stream.write_all(body.as_bytes());
                    }
                }
            }
        });
        FakeProvider {
            url,
            requests,
            arrived: Mutex::new(arrived),
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits for the next request to arrive, at most `limit`; false when none came.
    pub fn wait_for_request(&self, limit: Duration) -> bool {
        self.arrived.lock().unwrap().recv_timeout(limit).is_ok()
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    // Bounded: a request has far fewer header lines than this.
    for _ in 0..200 {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// One e-mail as the SMTP server took it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA (headers and body, dot-unstuffed).
    pub data: String,
    /// Whether it came over TLS (after STARTTLS).
    pub over_tls: bool,
}

/// An SMTP server on 127.0.0.1:0 speaking the commands a client sends for one message:
/// plain (the channel's `security = "none"`, this machine only), or offering STARTTLS with
/// `tls` and refusing MAIL until the client took it.
pub struct FakeSmtp {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl FakeSmtp {
    pub fn start() -> FakeSmtp {
        FakeSmtp::serve(None)
    }

    pub fn start_tls(tls: Arc<rustls::ServerConfig>) -> FakeSmtp {
        FakeSmtp::serve(Some(tls))
    }

    fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&mails);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                if let Some(mail) = smtp_session(Conn::Plain(stream), tls.clone()) {
                    kept.lock().unwrap().push(mail);
                }
            }
        });
        FakeSmtp { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

/// The connection, before and after STARTTLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Conn {
    fn say(&mut self, text: &str) -> Option<()> {
        let bytes = format!("{text}\r\n");
        match self {
            Conn::Plain(s) => s.write_all(bytes.as_bytes()).ok(),
            Conn::Tls(s) => s.write_all(bytes.as_bytes()).and_then(|()| s.flush()).ok(),
        }
    }

    /// One line with its CRLF; `None` at the end or on an error. Byte by byte: nothing is
    /// read ahead of a STARTTLS.
    fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while line.len() < 100_000 {
            let n = match self {
                Conn::Plain(s) => s.read(&mut byte).ok()?,
                Conn::Tls(s) => s.read(&mut byte).ok()?,
            };
            if n == 0 {
                return None;
            }
            line.push(byte[0]);
            if line.ends_with(b"\r\n") {
                break;
            }
        }
        Some(String::from_utf8_lossy(&line).into_owned())
    }
}

fn smtp_session(mut conn: Conn, tls: Option<Arc<rustls::ServerConfig>>) -> Option<Mail> {
    if let Conn::Plain(s) = &conn {
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    }
    conn.say("220 fake.smtp.local ESMTP")?;
    let (mut from, mut to, mut data) = (String::new(), Vec::new(), None);
    // Bounded: one message's dialogue is a handful of commands.
    for _ in 0..50 {
        let Some(line) = conn.line() else { break };
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        let over_tls = matches!(conn, Conn::Tls(_));
        if upper.starts_with("EHLO") {
            if tls.is_some() && !over_tls {
                conn.say("250-fake.smtp.local\r\n250-STARTTLS\r\n250 8BITMIME")?;
            } else {
                conn.say("250-fake.smtp.local\r\n250 8BITMIME")?;
            }
        } else if upper == "STARTTLS" && !over_tls {
            let config = tls.clone()?;
            conn.say("220 go ahead")?;
            let Conn::Plain(stream) = conn else {
                return None;
            };
            let server = rustls::ServerConnection::new(config).ok()?;
            conn = Conn::Tls(Box::new(rustls::StreamOwned::new(server, stream)));
        } else if upper.starts_with("MAIL FROM:") {
            if tls.is_some() && !over_tls {
                conn.say("530 5.7.0 Must issue a STARTTLS command first")?;
                continue;
            }
            from = command[10..].trim().to_string();
            conn.say("250 OK")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(command[8..].trim().to_string());
            conn.say("250 OK")?;
        } else if upper == "DATA" {
            conn.say("354 go on")?;
            let mut text = String::new();
            for _ in 0..100_000 {
                let l = conn.line()?;
                if l == ".\r\n" {
                    break;
                }
                text.push_str(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l),
                );
            }
            data = Some(text);
            conn.say("250 queued")?;
        } else if upper == "QUIT" {
            conn.say("221 bye")?;
            break;
        } else {
            conn.say("250 OK")?;
        }
    }
    Some(Mail {
        from,
        to,
        over_tls: matches!(conn, Conn::Tls(_)),
        data: data?,
    })
}
