//! `[notify]` in hub.toml: quiet hours, when reminders go, and the channels messages leave
//! by. Secrets (tokens, passwords) are read from the files named here, never written in it.
//!
//! ```toml
//! [notify]
//! quiet_hours = "21:00-07:00"        # library time; "none" sends at once
//!
//! [[notify.channel]]
//! name = "wa"
//! kind = "whatsapp_cloud"
//! phone_number_id = "106540352242922"
//! token_file = "/etc/swalayan/wa.token"
//!
//! [notify.channel.templates]          # message kind = approved template name
//! hold_ready = "pesanan_siap"
//! due_soon = "jatuh_tempo"
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use swalayan_core::contact::{MessageKind, Notify};

/// The Cloud API's public address with the version the request shape was written for.
pub const WHATSAPP_CLOUD_API: &str = "https://graph.facebook.com/v21.0";
/// Quiet hours unless the file says otherwise (library time).
pub const DEFAULT_QUIET_HOURS: &str = "21:00-07:00";
/// Days before the due date the reminder goes.
pub const DEFAULT_DUE_SOON_DAYS: u32 = 2;
/// Days after the due date an overdue notice goes.
pub const DEFAULT_OVERDUE_DAYS: [u32; 2] = [1, 7];
/// Days a finished message is kept for staff (`/staff/notifications` shows thirty).
pub const DEFAULT_KEEP_DAYS: u32 = 90;
/// Fonnte-style gateways get numbers blocked when they send fast.
pub const DEFAULT_GATEWAY_DELAY: Duration = Duration::from_secs(10);

/// `[notify]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    pub quiet_hours: Option<String>,
    pub due_soon_days: Option<u32>,
    pub overdue_days: Option<Vec<u32>>,
    /// Days a finished message (with its contact) is kept for staff (default 90).
    pub keep_days: Option<u32>,
    /// A TOML file with the texts of the free-text channels, `[id]` and `[en]` tables keyed by
    /// message kind (any not given keep the built-in one).
    pub texts_file: Option<PathBuf>,
    #[serde(default)]
    pub channel: Vec<ChannelFile>,
}

/// One `[[notify.channel]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelFile {
    pub name: String,
    pub kind: String,
    // whatsapp_cloud
    pub phone_number_id: Option<String>,
    pub api_base: Option<String>,
    #[serde(default)]
    pub templates: BTreeMap<String, TemplateFile>,
    // http_gateway
    pub url: Option<String>,
    /// What the gateway delivers: `whatsapp` (default) or `sms`.
    pub medium: Option<String>,
    // whatsapp_cloud and http_gateway
    pub token_file: Option<PathBuf>,
    // smtp
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `starttls` (default), `tls`, or `none` (only to a server on this machine).
    pub security: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub from: Option<String>,
    /// A PEM certificate to trust for the mail server's TLS (its own CA), beside the public
    /// roots.
    pub ca_file: Option<PathBuf>,
    /// Seconds between two messages on this channel.
    pub min_delay_seconds: Option<f64>,
}

/// A template as written: its name, or its name with the languages it is approved in.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TemplateFile {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        languages: Vec<String>,
    },
}

/// An approved WhatsApp template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    /// The language codes it is approved in (`id`, `en`); the patron's, else the first.
    pub languages: Vec<String>,
}

impl Template {
    /// The language code to send for a patron writing `lang`.
    pub fn language_for(&self, lang: &str) -> &str {
        self.languages
            .iter()
            .find(|code| code.as_str() == lang)
            .or(self.languages.first())
            .map_or("id", String::as_str)
    }
}

/// How TLS is used towards an SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    StartTls,
    Tls,
    /// Plain, allowed only to a server on this machine (a local relay, the tests).
    None,
}

/// What a channel is, with what it needs.
#[derive(Clone)]
pub enum ChannelKind {
    WhatsappCloud {
        phone_number_id: String,
        token: String,
        api_base: String,
        templates: BTreeMap<MessageKind, Template>,
    },
    HttpGateway {
        url: String,
        token: String,
        medium: Notify,
    },
    Smtp {
        host: String,
        port: u16,
        security: SmtpSecurity,
        user: Option<String>,
        password: Option<String>,
        from: String,
        /// `ca_file`'s PEM, read at start.
        ca_pem: Option<Vec<u8>>,
    },
}

/// One channel, checked.
#[derive(Clone)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
    /// The least time between two messages it sends.
    pub min_delay: Duration,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens and passwords are never printed.
        f.debug_struct("Channel")
            .field("name", &self.name)
            .field("kind", &self.kind_code())
            .finish_non_exhaustive()
    }
}

impl Channel {
    pub fn kind_code(&self) -> &'static str {
        match self.kind {
            ChannelKind::WhatsappCloud { .. } => "whatsapp_cloud",
            ChannelKind::HttpGateway { .. } => "http_gateway",
            ChannelKind::Smtp { .. } => "smtp",
        }
    }

    /// What the patron chose that this channel delivers.
    pub fn medium(&self) -> Notify {
        match &self.kind {
            ChannelKind::WhatsappCloud { .. } => Notify::Whatsapp,
            ChannelKind::HttpGateway { medium, .. } => *medium,
            ChannelKind::Smtp { .. } => Notify::Email,
        }
    }

    /// Whether it can carry this kind of message (the Cloud API only an approved template).
    pub fn carries(&self, kind: MessageKind) -> bool {
        match &self.kind {
            ChannelKind::WhatsappCloud { templates, .. } => templates.contains_key(&kind),
            _ => true,
        }
    }
}

/// `[notify]`, checked.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// From, until (library time); `None`: no quiet hours.
    pub quiet_hours: Option<(jiff::civil::Time, jiff::civil::Time)>,
    pub due_soon_days: u32,
    pub overdue_days: Vec<u32>,
    /// Finished messages older than this are forgotten.
    pub keep_days: u32,
    pub channels: Vec<Channel>,
    pub texts: super::texts::Texts,
}

impl Default for NotifySettings {
    fn default() -> NotifySettings {
        NotifySettings {
            quiet_hours: parse_quiet_hours(DEFAULT_QUIET_HOURS).unwrap_or(None),
            due_soon_days: DEFAULT_DUE_SOON_DAYS,
            overdue_days: DEFAULT_OVERDUE_DAYS.to_vec(),
            keep_days: DEFAULT_KEEP_DAYS,
            channels: Vec::new(),
            texts: super::texts::Texts::default(),
        }
    }
}

impl NotifySettings {
    /// Checks `[notify]`; relative files are relative to hub.toml's folder (`base`).
    pub fn from_file(file: NotifyFile, base: &Path) -> Result<NotifySettings, String> {
        let beside = |path: &Path| {
            if path.is_absolute() {
                path.to_path_buf()
            } else {
                base.join(path)
            }
        };
        let quiet_hours =
            parse_quiet_hours(file.quiet_hours.as_deref().unwrap_or(DEFAULT_QUIET_HOURS))?;
        let overdue_days = file
            .overdue_days
            .unwrap_or_else(|| DEFAULT_OVERDUE_DAYS.to_vec());
        if overdue_days.contains(&0) {
            return Err("overdue_days: day 0 is the due date itself; the first is 1".into());
        }
        let texts = match &file.texts_file {
            None => super::texts::Texts::default(),
            Some(path) => super::texts::Texts::load(&beside(path))?,
        };
        let mut channels: Vec<Channel> = Vec::new();
        for written in file.channel {
            let channel = channel(written, &beside)?;
            if channels.iter().any(|c| c.name == channel.name) {
                return Err(format!("channel '{}' is named twice", channel.name));
            }
            channels.push(channel);
        }
        Ok(NotifySettings {
            quiet_hours,
            due_soon_days: file.due_soon_days.unwrap_or(DEFAULT_DUE_SOON_DAYS),
            overdue_days,
            keep_days: match file.keep_days.unwrap_or(DEFAULT_KEEP_DAYS) {
                0 => return Err("keep_days: 0 would forget a message before staff see it".into()),
                days => days,
            },
            channels,
            texts,
        })
    }

    /// The channel by its name.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// The channel a patron who chose `notify` is reached by (the first listed that delivers
    /// it), if any.
    pub fn channel_for(&self, notify: Notify) -> Option<&Channel> {
        self.channels.iter().find(|c| c.medium() == notify)
    }

    /// Whether `at` (library time) falls in the quiet hours.
    pub fn is_quiet(&self, at: jiff::civil::Time) -> bool {
        match self.quiet_hours {
            None => false,
            Some((from, until)) if from <= until => from <= at && at < until,
            // Across midnight: 21:00–07:00.
            Some((from, until)) => at >= from || at < until,
        }
    }
}

/// `"21:00-07:00"` or `"none"`.
pub fn parse_quiet_hours(
    text: &str,
) -> Result<Option<(jiff::civil::Time, jiff::civil::Time)>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let bad = || format!("quiet_hours: '{text}' is not HH:MM-HH:MM or \"none\"");
    let (from, until) = text.split_once('-').ok_or_else(bad)?;
    let time = |t: &str| jiff::civil::Time::strptime("%H:%M", t.trim()).map_err(|_| bad());
    let (from, until) = (time(from)?, time(until)?);
    if from == until {
        return Err(format!(
            "quiet_hours: '{text}' starts and ends at once (write \"none\" for no quiet hours)"
        ));
    }
    Ok(Some((from, until)))
}

fn channel(file: ChannelFile, beside: &dyn Fn(&Path) -> PathBuf) -> Result<Channel, String> {
    let name = file.name.trim().to_string();
    if name.is_empty() {
        return Err("a [[notify.channel]] without a name".into());
    }
    let bad = |message: String| format!("channel '{name}': {message}");
    let secret = |path: &Option<PathBuf>, key: &str| -> Result<String, String> {
        let path = path
            .as_deref()
            .ok_or_else(|| bad(format!("{key} is needed")))?;
        let path = beside(path);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| bad(format!("{key}: {}: {e}", path.display())))?;
        let text = text.trim().to_string();
        if text.is_empty() {
            return Err(bad(format!("{key}: {} is empty", path.display())));
        }
        Ok(text)
    };
    let needed = |value: &Option<String>, key: &str| -> Result<String, String> {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| bad(format!("{key} is needed")))
    };
    let (kind, default_delay) = match file.kind.trim() {
        "whatsapp_cloud" => {
            let mut templates = BTreeMap::new();
            for (kind, template) in &file.templates {
                let kind = MessageKind::parse(kind).ok_or_else(|| {
                    bad(format!(
                        "templates: '{kind}' is not a message kind ({})",
                        MessageKind::ALL.map(MessageKind::code).join(", ")
                    ))
                })?;
                let (name, languages) = match template {
                    TemplateFile::Name(name) => (name.clone(), Vec::new()),
                    TemplateFile::Full { name, languages } => (name.clone(), languages.clone()),
                };
                let languages = if languages.is_empty() {
                    vec!["id".to_string(), "en".to_string()]
                } else {
                    languages
                };
                templates.insert(kind, Template { name, languages });
            }
            let api_base = file
                .api_base
                .as_deref()
                .unwrap_or(WHATSAPP_CLOUD_API)
                .trim_end_matches('/')
                .to_string();
            check_url(&api_base).map_err(|e| bad(format!("api_base: {e}")))?;
            (
                ChannelKind::WhatsappCloud {
                    phone_number_id: needed(&file.phone_number_id, "phone_number_id")?,
                    token: secret(&file.token_file, "token_file")?,
                    api_base,
                    templates,
                },
                // The Cloud API takes tens a second; a small gap keeps a burst polite.
                Duration::from_millis(100),
            )
        }
        "http_gateway" => {
            let url = needed(&file.url, "url")?;
            check_url(&url).map_err(|e| bad(format!("url: {e}")))?;
            let medium = match file.medium.as_deref().map(str::trim) {
                None | Some("whatsapp") => Notify::Whatsapp,
                Some("sms") => Notify::Sms,
                Some(other) => {
                    return Err(bad(format!(
                        "medium: '{other}' (write \"whatsapp\" or \"sms\")"
                    )));
                }
            };
            (
                ChannelKind::HttpGateway {
                    url,
                    token: secret(&file.token_file, "token_file")?,
                    medium,
                },
                DEFAULT_GATEWAY_DELAY,
            )
        }
        "smtp" => {
            let host = needed(&file.host, "host")?;
            let security = match file.security.as_deref().map(str::trim) {
                None | Some("starttls") => SmtpSecurity::StartTls,
                Some("tls") => SmtpSecurity::Tls,
                Some("none") if is_this_machine(&host) => SmtpSecurity::None,
                Some("none") => {
                    return Err(bad(format!(
                        "security = \"none\" only to a server on this machine, not '{host}'"
                    )));
                }
                Some(other) => {
                    return Err(bad(format!(
                        "security: '{other}' (write \"starttls\", \"tls\" or \"none\")"
                    )));
                }
            };
            let port = file.port.unwrap_or(match security {
                SmtpSecurity::Tls => 465,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::None => 25,
            });
            let from = needed(&file.from, "from")?;
            from.parse::<lettre::message::Mailbox>()
                .map_err(|e| bad(format!("from: '{from}': {e}")))?;
            let password = match &file.password_file {
                None => None,
                Some(_) => Some(secret(&file.password_file, "password_file")?),
            };
            let ca_pem = match &file.ca_file {
                None => None,
                Some(path) => {
                    let path = beside(path);
                    let pem = std::fs::read(&path)
                        .map_err(|e| bad(format!("ca_file: {}: {e}", path.display())))?;
                    lettre::transport::smtp::client::Certificate::from_pem(&pem).map_err(|e| {
                        bad(format!(
                            "ca_file: {}: not a PEM certificate ({e})",
                            path.display()
                        ))
                    })?;
                    Some(pem)
                }
            };
            (
                ChannelKind::Smtp {
                    host,
                    port,
                    security,
                    user: file.user.clone(),
                    password,
                    from,
                    ca_pem,
                },
                Duration::from_secs(1),
            )
        }
        other => {
            return Err(bad(format!(
                "kind: '{other}' (write \"whatsapp_cloud\", \"http_gateway\" or \"smtp\")"
            )));
        }
    };
    let min_delay = match file.min_delay_seconds {
        None => default_delay,
        Some(seconds) if seconds.is_finite() && (0.0..=3600.0).contains(&seconds) => {
            Duration::from_secs_f64(seconds)
        }
        Some(seconds) => {
            return Err(bad(format!(
                "min_delay_seconds: {seconds} is not between 0 and 3600"
            )));
        }
    };
    Ok(Channel {
        name,
        kind,
        min_delay,
    })
}

/// An http(s) address; plain http only to this machine (the token travels in it).
fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("'{url}': {e}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if parsed.host_str().is_some_and(is_this_machine) => Ok(()),
        "http" => Err(format!(
            "'{url}': plain http would send the token in the clear; use https"
        )),
        other => Err(format!("'{url}': '{other}' is not http(s)")),
    }
}

fn is_this_machine(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    #[test]
    fn quiet_hours_across_midnight() {
        let settings = NotifySettings::default();
        assert!(settings.is_quiet(time(22, 10, 0, 0)));
        assert!(settings.is_quiet(time(6, 59, 0, 0)));
        assert!(!settings.is_quiet(time(7, 0, 0, 0)));
        assert!(!settings.is_quiet(time(20, 59, 0, 0)));
        let none = NotifySettings {
            quiet_hours: parse_quiet_hours("none").unwrap(),
            ..NotifySettings::default()
        };
        assert!(!none.is_quiet(time(23, 0, 0, 0)));
        assert!(parse_quiet_hours("21:00").is_err());
        assert!(parse_quiet_hours("07:00-07:00").is_err());
    }

    #[test]
    fn channels_are_checked_with_their_secrets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("wa.token"), "  secret-token\n").unwrap();
        let file: NotifyFile = toml::from_str(
            r#"
            [[channel]]
            name = "wa"
            kind = "whatsapp_cloud"
            phone_number_id = "106540352242922"
            token_file = "wa.token"
            [channel.templates]
            hold_ready = "pesanan_siap"
            due_soon = { name = "jatuh_tempo", languages = ["id"] }
            "#,
        )
        .unwrap();
        let settings = NotifySettings::from_file(file, dir.path()).unwrap();
        let wa = settings.channel("wa").unwrap();
        assert!(wa.carries(MessageKind::HoldReady));
        assert!(!wa.carries(MessageKind::Overdue));
        let ChannelKind::WhatsappCloud {
            token,
            templates,
            api_base,
            ..
        } = &wa.kind
        else {
            panic!("a Cloud API channel");
        };
        assert_eq!(token, "secret-token");
        assert_eq!(api_base, WHATSAPP_CLOUD_API);
        assert_eq!(templates[&MessageKind::DueSoon].language_for("en"), "id");
        assert_eq!(templates[&MessageKind::HoldReady].language_for("en"), "en");
        assert!(!format!("{wa:?}").contains("secret"));

        let missing: NotifyFile = toml::from_str(
            "[[channel]]\nname = \"gw\"\nkind = \"http_gateway\"\nurl = \"https://api.fonnte.com/send\"\ntoken_file = \"nope\"\n",
        )
        .unwrap();
        let error = NotifySettings::from_file(missing, dir.path()).unwrap_err();
        assert!(error.contains("channel 'gw': token_file"), "{error}");

        let plain: NotifyFile = toml::from_str(
            "[[channel]]\nname = \"gw\"\nkind = \"http_gateway\"\nurl = \"http://gateway.example/send\"\ntoken_file = \"wa.token\"\n",
        )
        .unwrap();
        let error = NotifySettings::from_file(plain, dir.path()).unwrap_err();
        assert!(error.contains("https"), "{error}");
    }
}
