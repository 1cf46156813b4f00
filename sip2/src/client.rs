//! A SIP2 connection as a self-check holds one: TCP (optionally TLS), login (93) then status
//! (99) at connect, one request in flight, every wait bounded by the timeout.
//!
//! What the client does about the server's habits: it numbers requests `AY0`..`AY9` (wrapping)
//! and skips replies that do not echo the number (a late answer to a request that timed out);
//! a reply with a bad checksum is answered with 97 ("send it again") a bounded number of
//! times; a 96 from the server resends the last request, also bounded. A server that closes,
//! answers garbage or stops answering ends the connection with an error within the timeout:
//! the caller reconnects (with backoff) or decides offline.

use crate::encoding::Encoding;
use crate::frame::{Framer, read_frame, write_frame};
use crate::log::masked;
use crate::messages::{AcsStatus, Login, Message, RequestAcsResend, ScStatus};
use crate::{DecodeError, EncodeError};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to reach and sign in to the library system (`[central] kind = "sip2"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub host: String,
    pub port: u16,
    /// TLS, trusting `ca_file` when given, else the system's roots.
    pub tls: bool,
    pub ca_file: Option<PathBuf>,
    pub user: String,
    pub password: String,
    /// CP: the self-check's location (FOLIO: a service point id).
    pub location: Option<String>,
    /// AO: the institution id.
    pub institution: String,
    /// AC: the terminal password (often empty).
    pub terminal_password: String,
    pub encoding: Encoding,
    /// Every wait: connecting, each answer (12 s by default; some systems take 2–4 s a call).
    pub timeout: Duration,
    /// Send AY/AZ, and require them on answers.
    pub error_detection: bool,
    /// How many times a bad checksum is answered with 97, or a 96 answered with a resend.
    pub resend_limit: u8,
}

impl Settings {
    /// The defaults of a self-check, for `host` and `port`.
    pub fn new(host: &str, port: u16) -> Settings {
        Settings {
            host: host.to_string(),
            port,
            tls: false,
            ca_file: None,
            user: String::new(),
            password: String::new(),
            location: None,
            institution: String::new(),
            terminal_password: String::new(),
            encoding: Encoding::Cp850,
            timeout: Duration::from_secs(12),
            error_detection: true,
            resend_limit: 2,
        }
    }
}

/// Why a request got no answer. [`ClientError::is_permanent`] tells a setting to fix from a
/// system that is away.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the library system at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("the library system did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the library system closed the connection")]
    Closed,
    #[error("the library system answered something that is not SIP2: {0}")]
    Garbage(String),
    #[error("the library system refused the login: check [central] user and password")]
    LoginRefused,
    #[error("TLS: {0}")]
    Tls(String),
    #[error("the connection failed: {0}")]
    Io(String),
    #[error("{0}")]
    Encode(#[from] EncodeError),
}

impl ClientError {
    /// A setting must change before trying again (not worth retrying as it is).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ClientError::LoginRefused | ClientError::Tls(_) | ClientError::Encode(_)
        )
    }
}

/// Which way a logged frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

/// Receives each frame's text, masked ([`crate::log::masked`]).
pub type ExchangeLog = Box<dyn FnMut(Direction, &str) + Send>;

trait Stream: Read + Write + Send {
    fn set_timeout(&self, timeout: Duration) -> std::io::Result<()>;
}

impl Stream for TcpStream {
    fn set_timeout(&self, timeout: Duration) -> std::io::Result<()> {
        self.set_read_timeout(Some(timeout))
    }
}

impl Stream for rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    fn set_timeout(&self, timeout: Duration) -> std::io::Result<()> {
        self.sock.set_read_timeout(Some(timeout))
    }
}

/// An open, signed-in connection.
pub struct Client {
    stream: Box<dyn Stream>,
    framer: Framer,
    settings: Settings,
    next_sequence: u8,
    last_sent: Vec<u8>,
    last_exchange: Instant,
    log: Option<ExchangeLog>,
    /// What the server said of itself at connect (98).
    pub status: AcsStatus,
}

impl Client {
    /// Connects, signs in (93, skipped without a user) and asks the server's status (99).
    pub fn connect(settings: Settings, log: Option<ExchangeLog>) -> Result<Client, ClientError> {
        let address = format!("{}:{}", settings.host, settings.port);
        let unreachable = |reason: String| ClientError::Unreachable {
            address: address.clone(),
            reason,
        };
        let socket = address
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .next()
            .ok_or_else(|| unreachable("no address".into()))?;
        let tcp = TcpStream::connect_timeout(&socket, settings.timeout)
            .map_err(|e| unreachable(e.to_string()))?;
        tcp.set_nodelay(true).map_err(io)?;
        tcp.set_write_timeout(Some(settings.timeout)).map_err(io)?;
        let stream: Box<dyn Stream> = if settings.tls {
            Box::new(tls_stream(&settings, tcp)?)
        } else {
            Box::new(tcp)
        };
        let mut client = Client {
            stream,
            framer: Framer::new(),
            next_sequence: 0,
            last_sent: Vec::new(),
            last_exchange: Instant::now(),
            log,
            status: AcsStatus::default(),
            settings,
        };
        if !client.settings.user.is_empty() {
            let login = Login {
                uid_algorithm: "0".into(),
                pwd_algorithm: "0".into(),
                user: client.settings.user.clone(),
                password: client.settings.password.clone(),
                location: client.settings.location.clone(),
                ..Login::default()
            };
            match client.request(login.into())? {
                Message::LoginResponse(answer) if answer.ok => {}
                _ => return Err(ClientError::LoginRefused),
            }
        }
        client.status = client.sc_status()?;
        Ok(client)
    }

    /// 99 -> 98: the server's status; also the keepalive.
    pub fn sc_status(&mut self) -> Result<AcsStatus, ClientError> {
        let status = ScStatus {
            status: "0".into(),
            max_print_width: "040".into(),
            protocol_version: "2.00".into(),
            ..ScStatus::default()
        };
        match self.request(status.into())? {
            Message::AcsStatus(status) => Ok(status),
            other => Err(ClientError::Garbage(format!(
                "{} to a status",
                other.code()
            ))),
        }
    }

    /// Time since the last answer: a keepalive (99) is due before the server's idle timeout.
    pub fn idle(&self) -> Duration {
        self.last_exchange.elapsed()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every wait from now on (the resend uses what is left of a message's timeout).
    pub(crate) fn set_timeout(&mut self, timeout: Duration) {
        self.settings.timeout = timeout;
    }

    /// The exchange log, handed to a new connection that replaces this one.
    pub(crate) fn take_log(&mut self) -> Option<ExchangeLog> {
        self.log.take()
    }

    /// Sends `message` and waits for its answer (the matching response command). Resends and
    /// replies of other requests are handled here; the caller sees the answer or an error.
    pub fn request(&mut self, message: Message) -> Result<Message, ClientError> {
        let expected = response_code(message.code());
        let sequence = self.settings.error_detection.then_some(self.next_sequence);
        self.next_sequence = (self.next_sequence + 1) % 10;
        let frame = write_frame(&message, sequence, self.settings.encoding)?;
        self.send(&frame)?;
        self.last_sent = frame;
        let deadline = Instant::now() + self.settings.timeout;
        let mut resends = 0;
        loop {
            let bytes = self.read_frame(deadline)?;
            let received = match read_frame(
                &bytes,
                self.settings.encoding,
                self.settings.error_detection,
            ) {
                Ok(received) => received,
                Err(DecodeError::BadChecksum) if resends < self.settings.resend_limit => {
                    resends += 1;
                    let again = write_frame(
                        &RequestAcsResend::default().into(),
                        None,
                        self.settings.encoding,
                    )?;
                    self.send(&again)?;
                    continue;
                }
                Err(e) => return Err(ClientError::Garbage(e.to_string())),
            };
            match received.message {
                Message::RequestScResend(_) if resends < self.settings.resend_limit => {
                    resends += 1;
                    let again = self.last_sent.clone();
                    self.send(&again)?;
                }
                answer if Some(answer.code()) == expected => {
                    // A reply that does not echo our number belongs to an earlier request.
                    if sequence.is_some()
                        && received.sequence.is_some()
                        && received.sequence != sequence
                    {
                        continue;
                    }
                    self.last_exchange = Instant::now();
                    return Ok(answer);
                }
                other => {
                    return Err(ClientError::Garbage(format!(
                        "{} in answer to {}",
                        other.code(),
                        message.code()
                    )));
                }
            }
        }
    }

    fn send(&mut self, frame: &[u8]) -> Result<(), ClientError> {
        if let Some(log) = &mut self.log {
            let text = self.settings.encoding.decode(&frame[..frame.len() - 1]);
            log(Direction::Sent, &masked(&text));
        }
        self.stream.write_all(frame).map_err(io)?;
        self.stream.flush().map_err(io)
    }

    /// The next whole frame, waiting at most until `deadline`.
    fn read_frame(&mut self, deadline: Instant) -> Result<Vec<u8>, ClientError> {
        let mut buffer = [0u8; 4096];
        loop {
            if let Some(frame) = self.framer.next_frame() {
                let frame = frame.map_err(|e| ClientError::Garbage(e.to_string()))?;
                if let Some(log) = &mut self.log {
                    log(
                        Direction::Received,
                        &masked(&self.settings.encoding.decode(&frame)),
                    );
                }
                return Ok(frame);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout(self.settings.timeout));
            }
            self.stream.set_timeout(left).map_err(io)?;
            match self.stream.read(&mut buffer) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => self.framer.push(&buffer[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(ClientError::Timeout(self.settings.timeout));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
    }
}

/// The response command of a request (`None` for one that gets no answer of its own).
pub fn response_code(request: &str) -> Option<&'static str> {
    Some(match request {
        "93" => "94",
        "99" => "98",
        "23" | "01" => "24",
        "63" => "64",
        "17" => "18",
        "11" => "12",
        "09" => "10",
        "29" => "30",
        "65" => "66",
        "15" => "16",
        "37" => "38",
        "19" => "20",
        "25" => "26",
        "35" => "36",
        _ => return None,
    })
}

fn io(e: std::io::Error) -> ClientError {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::BrokenPipe
        | std::io::ErrorKind::ConnectionAborted => ClientError::Closed,
        _ => ClientError::Io(e.to_string()),
    }
}

fn tls_stream(
    settings: &Settings,
    tcp: TcpStream,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, TcpStream>, ClientError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let tls = |e: String| ClientError::Tls(e);
    let mut roots = rustls::RootCertStore::empty();
    match &settings.ca_file {
        Some(path) => {
            for cert in CertificateDer::pem_file_iter(path)
                .map_err(|e| tls(format!("{}: {e}", path.display())))?
            {
                roots
                    .add(cert.map_err(|e| tls(format!("{}: {e}", path.display())))?)
                    .map_err(|e| tls(e.to_string()))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(settings.host.clone())
        .map_err(|e| tls(format!("{}: {e}", settings.host)))?;
    let connection =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| tls(e.to_string()))?;
    Ok(rustls::StreamOwned::new(connection, tcp))
}
