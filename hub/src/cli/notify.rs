//! `notify run [--once]`, `notify test`, `notify list`: patrons' notifications through the
//! channels of `[notify]` in the hub's file.

use super::args::{NoticeStatusArg, NotifyCommand};
use super::error::CliError;
use super::output::emit;
use crate::config::Library;
use crate::notify::channels::{self, Delivery, Outgoing};
use crate::notify::deliver::Sender;
use crate::notify::running::{self, CALENDAR_EVERY, TICK};
use crate::notify::{NotifySettings, texts};
use crate::storage::{Notice, NoticeFilter, NoticeStatus, Storage};
use jiff::Timestamp;
use std::path::Path;
use std::time::Instant;
use swalayan_core::contact::{MessageKind, Notify, mask_contact as masked_contact};

pub(super) fn notify(
    storage: &dyn Storage,
    library: &Library,
    config: Option<&Path>,
    command: NotifyCommand,
    json: bool,
) -> Result<(), CliError> {
    match command {
        NotifyCommand::List { status, limit } => {
            let notices = storage.notices(&NoticeFilter {
                status: status.map(status_of),
                since: None,
                limit: Some(limit),
            })?;
            let rows: Vec<serde_json::Value> = notices.iter().map(listed).collect();
            emit(json, &serde_json::Value::Array(rows), || {
                if notices.is_empty() {
                    return "no notifications".to_string();
                }
                notices
                    .iter()
                    .map(|n| {
                        format!(
                            "{}  {:<8} {:<14} {:<8} {} → {}{}",
                            n.created_at,
                            n.status.code(),
                            n.kind.code(),
                            n.channel,
                            n.patron,
                            masked_contact(&n.contact),
                            n.last_error
                                .as_deref()
                                .map(|e| format!("  ({e})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        NotifyCommand::Run { once } => {
            let settings = settings(config)?;
            let mut sender = Sender::new().map_err(CliError::NotifyUsage)?;
            if once {
                let cycle = running::cycle(
                    &mut sender,
                    storage,
                    &settings,
                    library,
                    Timestamp::now(),
                    true,
                    true,
                )?;
                emit(json, &serde_json::to_value(cycle)?, || {
                    let mut line = format!(
                        "queued {}; sent {}, failed {}, to retry {}",
                        cycle.happened + cycle.scheduled.map_or(0, |s| s.queued),
                        cycle.pass.sent,
                        cycle.pass.failed,
                        cycle.pass.retrying
                    );
                    if cycle.pass.quiet {
                        line.push_str(" (quiet hours: nothing sent)");
                    }
                    line
                });
                return Ok(());
            }
            let mut calendar_at: Option<Instant> = None;
            // Until stopped (Ctrl-C, SIGTERM end the process).
            loop {
                let calendar = calendar_at.is_none_or(|at| at.elapsed() >= CALENDAR_EVERY);
                match running::cycle(
                    &mut sender,
                    storage,
                    &settings,
                    library,
                    Timestamp::now(),
                    calendar,
                    false,
                ) {
                    Ok(cycle) => {
                        if calendar {
                            calendar_at = Some(Instant::now());
                        }
                        if cycle.pass.sent + cycle.pass.failed > 0 {
                            eprintln!(
                                "sent {}, failed {}, to retry {}",
                                cycle.pass.sent, cycle.pass.failed, cycle.pass.retrying
                            );
                        }
                    }
                    Err(e) => eprintln!("swalayan-hub: notifications: {e}"),
                }
                std::thread::sleep(TICK);
            }
        }
        NotifyCommand::Test { channel, to, lang } => {
            let settings = settings(config)?;
            let channel = settings.channel(&channel).ok_or_else(|| {
                CliError::NotifyUsage(format!(
                    "no channel '{channel}' in [notify] (there are: {})",
                    settings
                        .channels
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let to = match channel.medium() {
                Notify::Email => swalayan_core::contact::check_email(&to),
                _ => swalayan_core::contact::normalise_phone(&to),
            }
            .map_err(CliError::NotifyUsage)?;
            // The message the Cloud API most likely has a template for: a hold ready.
            let kind = MessageKind::ALL
                .into_iter()
                .find(|k| channel.carries(*k))
                .ok_or_else(|| {
                    CliError::NotifyUsage(format!(
                        "channel '{}' has no template to send ([notify.channel.templates])",
                        channel.name
                    ))
                })?;
            let params = sample(kind, lang, library);
            let http = channels::http_client().map_err(CliError::NotifyUsage)?;
            let delivery = channels::send(
                &http,
                channel,
                &Outgoing {
                    kind,
                    to: &to,
                    lang,
                    params: &params,
                    library: &library.short_name,
                    texts: &settings.texts,
                },
            );
            let (ok, error) = match &delivery {
                Delivery::Sent => (true, None),
                Delivery::Retry { error, .. } | Delivery::Refused { error } => {
                    (false, Some(error.clone()))
                }
            };
            emit(
                json,
                &serde_json::json!({
                    "channel": channel.name, "to": masked_contact(&to), "kind": kind.code(),
                    "sent": ok, "error": error,
                }),
                || match &error {
                    None => format!("sent a test {} to {}", kind.code(), masked_contact(&to)),
                    Some(e) => format!("not sent: {e}"),
                },
            );
            if !ok {
                return Err(CliError::Notify(
                    "the provider did not take the message".into(),
                ));
            }
        }
    }
    Ok(())
}

/// `[notify]` of --config, or why there is none.
fn settings(config: Option<&Path>) -> Result<NotifySettings, CliError> {
    let settings = match config {
        Some(path) => crate::config::notify_settings(path)?,
        None => None,
    };
    settings.filter(|s| !s.channels.is_empty()).ok_or_else(|| {
        CliError::NotifyUsage(
            "no channels: name the hub's file with --config, with [notify] and a \
                 [[notify.channel]] (docs/notifications.md)"
                .into(),
        )
    })
}

fn status_of(arg: NoticeStatusArg) -> NoticeStatus {
    match arg {
        NoticeStatusArg::Pending => NoticeStatus::Pending,
        NoticeStatusArg::Sending => NoticeStatus::Sending,
        NoticeStatusArg::Sent => NoticeStatus::Sent,
        NoticeStatusArg::Failed => NoticeStatus::Failed,
        NoticeStatusArg::Unknown => NoticeStatus::Unknown,
    }
}

/// One row of `notify list --json` (the contract's fields, and the masked contact).
fn listed(n: &Notice) -> serde_json::Value {
    serde_json::json!({
        "id": n.id,
        "patron": n.patron,
        "kind": n.kind.code(),
        "channel": n.channel,
        "status": n.status.code(),
        "attempts": n.attempts,
        "last_error": n.last_error,
        "created_at": n.created_at,
        "sent_at": n.sent_at,
        "to": masked_contact(&n.contact),
    })
}

/// Made-up values for a test message, so staff see the words patrons will.
fn sample(
    kind: MessageKind,
    lang: swalayan_core::reason::Lang,
    library: &Library,
) -> texts::Params {
    let today = Timestamp::now()
        .to_zoned_datetime(library.timezone.clone())
        .date();
    let day = swalayan_core::format::long_date(today, lang);
    texts::value_names(kind)
        .iter()
        .map(|name| {
            let value = match *name {
                "until" | "due" | "start" | "visit" => day.clone(),
                "branch" | "place" => library.short_name.clone(),
                _ => lang
                    .pick("Pesan uji Swalayan", "Swalayan test message")
                    .to_string(),
            };
            (name.to_string(), value)
        })
        .collect()
}
