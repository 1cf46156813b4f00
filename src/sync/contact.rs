//! The kiosk's question to the hub at sign-in: how does this patron hear from the library?
//! For the receipt screen's "Kirim ke WhatsApp" / "Send to e-mail" (issue #30). Contacts are
//! never in the documents a kiosk pulls: the kiosk asks the hub online, with the card and the
//! PIN just typed as proof (`GET /v1/patron/contact`), and keeps only the masked answer for
//! the visit. Offline, or against a library system over SIP2, there is no answer and the
//! screen offers print / no receipt as before.

use crate::config::CentralSettings;
use serde::Deserialize;
use std::time::Duration;

/// How long the kiosk waits for the answer (the patron is waiting for their screen).
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// The patron's channel for a receipt, as the kiosk may show it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceiptChannel {
    /// `whatsapp`, `sms` or `email`.
    pub channel: String,
    /// Masked by the hub: `+62 812-****-7890`, `n***@contoh.id`.
    pub to: String,
}

/// Asks where a patron's receipt can be sent.
pub trait ContactLookup: Send {
    /// The channel the hub can send this patron a receipt on, if any; `None` also when the
    /// hub cannot be asked (the kiosk then offers no sending).
    fn receipt_channel(&self, card: &str, pin: &str) -> Option<ReceiptChannel>;
}

/// The hub's answer as it comes.
#[derive(Deserialize)]
struct ContactAnswer {
    channel: String,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    receipt: bool,
}

/// Our hub over HTTP, with the station's token.
pub struct HubContact {
    url: String,
    token: String,
    client: reqwest::blocking::Client,
}

impl HubContact {
    pub fn new(settings: &CentralSettings) -> Result<HubContact, String> {
        // Another part of the program may have installed it already; either way it is there.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(LOOKUP_TIMEOUT)
            .timeout(LOOKUP_TIMEOUT);
        if let Some(pem) = &settings.ca_pem {
            let certs =
                reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("ca_file: {e}"))?;
            builder = builder.tls_certs_only(certs);
        }
        Ok(HubContact {
            url: settings.url.trim_end_matches('/').to_string(),
            token: settings.token.clone(),
            client: builder.build().map_err(|e| format!("HTTP client: {e}"))?,
        })
    }
}

impl ContactLookup for HubContact {
    fn receipt_channel(&self, card: &str, pin: &str) -> Option<ReceiptChannel> {
        let answer = self
            .client
            .get(format!("{}/v1/patron/contact", self.url))
            .bearer_auth(&self.token)
            .header("X-Patron-Card", card)
            .header("X-Patron-Pin", pin)
            .send();
        let answer = match answer {
            Ok(response) if response.status().is_success() => response.json::<ContactAnswer>(),
            Ok(response) => {
                // An older hub (404) or a refused proof: no sending offered, nothing else.
                tracing::info!(status = %response.status(), "patron's channel not known");
                return None;
            }
            Err(e) => {
                tracing::info!(error = %e, "patron's channel not asked: the hub did not answer");
                return None;
            }
        };
        let answer = answer.ok()?;
        (answer.receipt && answer.channel != "none").then(|| ReceiptChannel {
            channel: answer.channel,
            to: answer.to.unwrap_or_default(),
        })
    }
}
