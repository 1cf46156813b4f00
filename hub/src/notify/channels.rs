//! One message handed to its provider: the WhatsApp Business Cloud API (an approved template,
//! never free text), a Fonnte-style WhatsApp/SMS gateway (a form POST), or SMTP (plain text
//! with a simple HTML part). Each answer is sorted into sent, try again (timeouts, 429, 5xx,
//! with the provider's `Retry-After`), or refused for good (any other 4xx, an invalid number).
//!
//! What a provider says back is kept for staff with long digit runs masked: a provider may
//! quote the number, and logs and pages never hold a full one.

use super::settings::{Channel, ChannelKind, SmtpSecurity};
use super::texts::{Params, Texts};
use std::time::Duration;
use swalayan_core::contact::MessageKind;
use swalayan_core::reason::Lang;

/// How long one call may take (a claimed message older than this and a margin is orphaned).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How a provider answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Sent,
    /// Try again, not before `after` when the provider said so.
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// Refused for good.
    Refused {
        error: String,
    },
}

/// The message as the provider is given it.
pub struct Outgoing<'a> {
    pub kind: MessageKind,
    /// `+62…` or an e-mail address.
    pub to: &'a str,
    pub lang: Lang,
    pub params: &'a Params,
    pub library: &'a str,
    pub texts: &'a Texts,
}

/// The HTTP client of the sender (rustls with ring, the call's timeout).
pub fn http_client() -> Result<reqwest::blocking::Client, String> {
    // Another part of the program may have installed it already; either way it is there.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(CALL_TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// Hands `message` to `channel`'s provider.
pub fn send(
    http: &reqwest::blocking::Client,
    channel: &Channel,
    message: &Outgoing<'_>,
) -> Delivery {
    match &channel.kind {
        ChannelKind::WhatsappCloud {
            phone_number_id,
            token,
            api_base,
            templates,
        } => {
            let Some(template) = templates.get(&message.kind) else {
                // Free text outside a conversation window is not allowed: never sent.
                return Delivery::Refused {
                    error: format!("no approved template for {}", message.kind.code()),
                };
            };
            // The Cloud API refuses a parameter with a new line or a tab: lines become " · ".
            let parameters: Vec<serde_json::Value> = message
                .params
                .iter()
                .map(|(_, value)| {
                    let text = value
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · ")
                        .replace('\t', " ");
                    serde_json::json!({"type": "text", "text": text})
                })
                .collect();
            let body = serde_json::json!({
                "messaging_product": "whatsapp",
                "to": message.to.trim_start_matches('+'),
                "type": "template",
                "template": {
                    "name": template.name,
                    "language": {"code": template.language_for(message.lang.code())},
                    "components": [{"type": "body", "parameters": parameters}],
                },
            });
            let answer = http
                .post(format!("{api_base}/{phone_number_id}/messages"))
                .bearer_auth(token)
                .json(&body)
                .send();
            judge(answer, |_| None)
        }
        ChannelKind::HttpGateway { url, token, .. } => {
            let text =
                message
                    .texts
                    .render(message.kind, message.lang, message.library, message.params);
            let answer = http
                .post(url)
                .header(reqwest::header::AUTHORIZATION, token)
                .form(&[
                    ("target", national(message.to).as_str()),
                    ("message", text.as_str()),
                    ("countryCode", "62"),
                ])
                .send();
            // Fonnte-style gateways answer 200 with `"status": false` when they refuse.
            judge(answer, |body| {
                let json: serde_json::Value = serde_json::from_str(body).ok()?;
                (json.get("status")? == &serde_json::Value::Bool(false)).then(|| {
                    json.get("reason")
                        .or(json.get("detail"))
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("the gateway refused the message")
                        .to_string()
                })
            })
        }
        ChannelKind::Smtp {
            host,
            port,
            security,
            user,
            password,
            from,
            ca_pem,
        } => send_mail(
            &MailServer {
                host,
                port: *port,
                security: *security,
                user,
                password,
                ca_pem: ca_pem.as_deref(),
            },
            from,
            message,
        ),
    }
}

/// `+62812…` as Indonesian gateways take it with `countryCode=62`: `0812…`.
fn national(to: &str) -> String {
    match to.strip_prefix("+62") {
        Some(rest) => format!("0{rest}"),
        None => to.trim_start_matches('+').to_string(),
    }
}

/// Sorts an HTTP answer; `refusal` reads a refusal from a 2xx body.
fn judge(
    answer: reqwest::Result<reqwest::blocking::Response>,
    refusal: impl Fn(&str) -> Option<String>,
) -> Delivery {
    let response = match answer {
        Ok(response) => response,
        Err(e) => {
            return Delivery::Retry {
                after: None,
                error: masked(&format!("no answer: {}", without_url(&e))),
            };
        }
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().unwrap_or_default();
    let said = provider_message(&body);
    if status.is_success() {
        return match refusal(&body) {
            Some(reason) => Delivery::Refused {
                error: masked(&reason),
            },
            None => Delivery::Sent,
        };
    }
    let error = masked(&format!("{status}: {said}"));
    if status.as_u16() == 429 || status.is_server_error() || status.as_u16() == 408 {
        Delivery::Retry {
            after: retry_after,
            error,
        }
    } else {
        Delivery::Refused { error }
    }
}

/// What an error answer says, shortened: the Graph API's `error.message`, else the text.
fn provider_message(body: &str) -> String {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = json
        .as_ref()
        .and_then(|j| {
            j.pointer("/error/message")
                .or(j.get("reason"))
                .or(j.get("message"))
        })
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| body.trim().to_string(), str::to_string);
    message.chars().take(200).collect()
}

/// A reqwest error without its URL (a gateway's URL may carry a key).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    kind.to_string()
}

/// Runs of six digits or more masked but their last four: `+62 ****7890`.
pub fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 6 {
            out.push_str("****");
            out.push_str(&run[run.len() - 4..]);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Where an SMTP channel's mail goes, and how.
struct MailServer<'a> {
    host: &'a str,
    port: u16,
    security: SmtpSecurity,
    user: &'a Option<String>,
    password: &'a Option<String>,
    ca_pem: Option<&'a [u8]>,
}

impl MailServer<'_> {
    /// The transport: TLS from the start or after STARTTLS (required, never dropped to
    /// plain), the public roots plus `ca_file`'s certificate.
    fn transport(&self) -> Result<lettre::SmtpTransport, String> {
        use lettre::transport::smtp::authentication::Credentials;
        use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
        let tls = |wrap: fn(TlsParameters) -> Tls| -> Result<Tls, String> {
            let mut parameters = TlsParameters::builder(self.host.to_string());
            if let Some(pem) = self.ca_pem {
                let certificate = Certificate::from_pem(pem).map_err(|e| e.to_string())?;
                parameters = parameters.add_root_certificate(certificate);
            }
            Ok(wrap(parameters.build_rustls().map_err(|e| e.to_string())?))
        };
        let tls = match self.security {
            SmtpSecurity::Tls => tls(Tls::Wrapper)?,
            SmtpSecurity::StartTls => tls(Tls::Required)?,
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = lettre::SmtpTransport::builder_dangerous(self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(CALL_TIMEOUT));
        if let (Some(user), Some(password)) = (self.user, self.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(builder.build())
    }
}

fn send_mail(server: &MailServer<'_>, from: &str, message: &Outgoing<'_>) -> Delivery {
    use lettre::Transport;
    use lettre::message::{Mailbox, MultiPart};

    let refused = |error: String| Delivery::Refused { error };
    let (Ok(from), Ok(to)) = (from.parse::<Mailbox>(), message.to.parse::<Mailbox>()) else {
        return refused("not an e-mail address".into());
    };
    let text = message
        .texts
        .render(message.kind, message.lang, message.library, message.params);
    // The same words as a simple page (maud escapes them), a line break per line.
    let html = maud::html! {
        (maud::DOCTYPE)
        html lang=(message.lang.code()) { body { p {
            @for (n, line) in text.lines().enumerate() {
                @if n > 0 { br; }
                (line)
            }
        } } }
    }
    .into_string();
    let email = match lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(
            message
                .texts
                .subject(message.kind, message.lang, message.library),
        )
        .multipart(MultiPart::alternative_plain_html(text, html))
    {
        Ok(email) => email,
        Err(e) => return refused(format!("the message could not be built: {e}")),
    };
    let transport = match server.transport() {
        Ok(transport) => transport,
        Err(e) => return refused(format!("SMTP settings: {e}")),
    };
    match transport.send(&email) {
        Ok(_) => Delivery::Sent,
        Err(e) if e.is_permanent() => refused(masked(&format!("the mail server refused: {e}"))),
        Err(e) => Delivery::Retry {
            after: None,
            error: masked(&format!("the mail server: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_masked_but_the_last_four() {
        assert_eq!(
            masked("(#131030) 6281234567890 is not a WhatsApp number"),
            "(#****1030) ****7890 is not a WhatsApp number"
        );
        assert_eq!(masked("HTTP 429: slow down"), "HTTP 429: slow down");
    }

    #[test]
    fn gateways_get_the_national_form() {
        assert_eq!(national("+6281234567890"), "081234567890");
    }
}
