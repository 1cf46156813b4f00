//! `swalayan sip2 ping|patron|item`: what the library's own system says, asked the way the
//! station asks it (`[central] kind = "sip2"`), for staff setting up or checking a station.
//! `--trace` prints the exchange on stderr with passwords, PINs and cards masked.

use super::output::emit;
use super::{CliError, Context, Finished, Sip2Command};
use crate::config::Sip2Config;
use serde::Serialize;
use std::time::Instant;
use swalayan_sip2::client::{Direction, ExchangeLog};
use swalayan_sip2::messages::{Checkin, Checkout, ItemInformation, PatronStatusRequest};
use swalayan_sip2::{Client, ClientError, Message, SipDate};

/// The messages of the BX "supported messages" field, in its order.
const SUPPORTED: [&str; 16] = [
    "patron_status",
    "checkout",
    "checkin",
    "block_patron",
    "status",
    "resend",
    "login",
    "patron_information",
    "end_patron_session",
    "fee_paid",
    "item_information",
    "item_status_update",
    "patron_enable",
    "hold",
    "renew",
    "renew_all",
];

#[derive(Debug, Serialize)]
struct Ping {
    online: bool,
    supported: Vec<&'static str>,
    screen_message: Vec<String>,
    institution: Option<String>,
    library_name: Option<String>,
    checkin_ok: bool,
    checkout_ok: bool,
    offline_ok: bool,
    protocol_version: Option<String>,
    /// Connect, sign in and status, in milliseconds.
    took_ms: u64,
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Patron {
    card: String,
    name: String,
    valid: Option<bool>,
    /// Whether the system accepted the PIN; null when none was given.
    pin_ok: Option<bool>,
    /// The system denies this patron loans (charge privileges denied).
    blocked: bool,
    screen_message: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Item {
    barcode: String,
    title: String,
    status: &'static str,
    due: Option<String>,
    screen_message: Vec<String>,
}

pub fn run(ctx: &Context, command: Sip2Command) -> Result<Finished, CliError> {
    let settings = ctx.config.sip2.clone().ok_or_else(|| {
        CliError::Usage(
            "no library system here: set [central] kind = \"sip2\" with host, user and password (docs/config.md)"
                .into(),
        )
    })?;
    match command {
        Sip2Command::Ping { trace } => ping(ctx, settings, trace),
        Sip2Command::Patron { card, pin, trace } => {
            let mut client = connect(settings, trace)?;
            patron(ctx, &mut client, &card, pin.as_deref())
        }
        Sip2Command::Item { barcode, trace } => {
            let mut client = connect(settings, trace)?;
            item(ctx, &mut client, &barcode)
        }
    }
}

fn trace_log(trace: bool) -> Option<ExchangeLog> {
    trace.then(|| {
        Box::new(|direction: Direction, text: &str| {
            let arrow = match direction {
                Direction::Sent => "->",
                Direction::Received => "<-",
            };
            eprintln!("{arrow} {text}");
        }) as ExchangeLog
    })
}

fn connect(settings: Sip2Config, trace: bool) -> Result<Client, CliError> {
    Client::connect(settings.connection, trace_log(trace)).map_err(unreachable)
}

fn unreachable(error: ClientError) -> CliError {
    match error {
        ClientError::LoginRefused | ClientError::Tls(_) => CliError::Usage(error.to_string()),
        other => CliError::Io(other.to_string()),
    }
}

fn now() -> SipDate {
    SipDate::local(jiff::ZonedDateTime::now().datetime())
}

fn ping(ctx: &Context, settings: Sip2Config, trace: bool) -> Result<Finished, CliError> {
    let started = Instant::now();
    let answer = Client::connect(settings.connection, trace_log(trace));
    let took_ms = started.elapsed().as_millis() as u64;
    let report = match &answer {
        Ok(client) => {
            let status = &client.status;
            Ping {
                online: status.online,
                supported: status
                    .supported_messages
                    .as_deref()
                    .unwrap_or_default()
                    .chars()
                    .zip(SUPPORTED)
                    .filter(|(flag, _)| *flag == 'Y')
                    .map(|(_, name)| name)
                    .collect(),
                screen_message: status.screen_message.clone(),
                institution: Some(status.institution.clone()),
                library_name: status.library_name.clone(),
                checkin_ok: status.checkin_ok,
                checkout_ok: status.checkout_ok,
                offline_ok: status.offline_ok,
                protocol_version: Some(status.protocol_version.clone()),
                took_ms,
                error: None,
            }
        }
        Err(error) => Ping {
            online: false,
            supported: Vec::new(),
            screen_message: Vec::new(),
            institution: None,
            library_name: None,
            checkin_ok: false,
            checkout_ok: false,
            offline_ok: false,
            protocol_version: None,
            took_ms,
            error: Some(error.to_string()),
        },
    };
    emit(ctx, &report, || match &report.error {
        None => format!(
            "{} ({}, {} ms){}",
            ctx.lang.pick(
                if report.online {
                    "sistem perpustakaan daring"
                } else {
                    "sistem perpustakaan menjawab tetapi luring"
                },
                if report.online {
                    "library system online"
                } else {
                    "library system answered but is offline"
                },
            ),
            report.library_name.as_deref().unwrap_or_default(),
            report.took_ms,
            report
                .screen_message
                .iter()
                .map(|m| format!("\n  {m}"))
                .collect::<String>()
        ),
        Some(error) => format!(
            "{}: {error}",
            ctx.lang.pick(
                "sistem perpustakaan tidak terjangkau",
                "library system unreachable"
            )
        ),
    });
    if let Err(error) = answer
        && error.is_permanent()
    {
        return Err(unreachable(error));
    }
    Ok(if report.online {
        Finished::Done
    } else {
        Finished::Unreachable
    })
}

fn patron(
    ctx: &Context,
    client: &mut Client,
    card: &str,
    pin: Option<&str>,
) -> Result<Finished, CliError> {
    let settings = client.settings().clone();
    let request = PatronStatusRequest {
        language: "000".into(),
        date: now(),
        institution: settings.institution,
        patron: card.to_string(),
        terminal_password: settings.terminal_password,
        patron_password: pin.unwrap_or_default().to_string(),
        ..PatronStatusRequest::default()
    };
    let answer = match client.request(request.into()).map_err(unreachable)? {
        Message::PatronStatusResponse(answer) => answer,
        other => return Err(CliError::Io(format!("{} in answer to 23", other.code()))),
    };
    let report = Patron {
        card: card.to_string(),
        name: answer.personal_name,
        valid: answer.valid_patron,
        // Only a clear yes is a yes: a blank CQ is not (some systems leave it blank).
        pin_ok: pin.map(|_| answer.valid_password == Some(true)),
        blocked: answer.patron_status.starts_with('Y'),
        screen_message: answer.screen_message,
    };
    emit(ctx, &report, || {
        format!(
            "{} {}: {}{}{}",
            report.card,
            report.name,
            match report.valid {
                Some(true) => ctx.lang.pick("anggota sah", "valid patron"),
                Some(false) => ctx.lang.pick("bukan anggota", "not a patron"),
                None => ctx.lang.pick("tidak diketahui", "unknown"),
            },
            match report.pin_ok {
                Some(true) => ctx.lang.pick(", PIN benar", ", PIN right"),
                Some(false) => ctx.lang.pick(", PIN salah", ", PIN wrong"),
                None => "",
            },
            if report.blocked {
                ctx.lang.pick(", diblokir", ", blocked")
            } else {
                ""
            }
        )
    });
    Ok(Finished::Done)
}

/// The word for a circulation status code (SIP2 2.00, field of message 18).
fn circulation_status(code: &str) -> &'static str {
    match code {
        "02" => "on_order",
        "03" => "available",
        "04" | "05" => "charged",
        "06" => "in_process",
        "07" => "recalled",
        "08" => "on_hold_shelf",
        "09" => "reshelving",
        "10" => "in_transit",
        "11" => "claimed_returned",
        "12" => "lost",
        "13" => "missing",
        _ => "other",
    }
}

fn item(ctx: &Context, client: &mut Client, barcode: &str) -> Result<Finished, CliError> {
    let settings = client.settings().clone();
    let request = ItemInformation {
        date: now(),
        institution: settings.institution,
        item: barcode.to_string(),
        terminal_password: Some(settings.terminal_password),
        ..ItemInformation::default()
    };
    let answer = match client.request(request.into()).map_err(unreachable)? {
        Message::ItemInformationResponse(answer) => answer,
        other => return Err(CliError::Io(format!("{} in answer to 17", other.code()))),
    };
    let report = Item {
        barcode: barcode.to_string(),
        title: answer.title,
        status: circulation_status(&answer.circulation_status),
        due: answer.due_date.filter(|d| !d.trim().is_empty()),
        screen_message: answer.screen_message,
    };
    emit(ctx, &report, || {
        format!(
            "{} {}: {}{}",
            report.barcode,
            report.title,
            report.status,
            report
                .due
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        )
    });
    Ok(Finished::Done)
}

#[derive(Debug, Serialize)]
struct Sip2Bench {
    pairs: u64,
    pairs_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `bench sip2`: N checkout+checkin pairs on one connection, each pair timed from the first
/// byte sent to the last byte of the checkin's answer; nothing is written to a store.
pub fn bench(ctx: &Context, pairs: u64, patron: &str, item: &str) -> Result<Finished, CliError> {
    if pairs == 0 {
        return Err(CliError::Usage("--pairs must be at least 1".into()));
    }
    let settings = ctx.config.sip2.clone().ok_or_else(|| {
        CliError::Usage("bench sip2 needs [central] kind = \"sip2\" in --config".into())
    })?;
    let mut client = connect(settings, false)?;
    let connection = client.settings().clone();
    let mut times = Vec::with_capacity(pairs as usize);
    let started = Instant::now();
    for _ in 0..pairs {
        let pair = Instant::now();
        let checkout = Checkout {
            date: now(),
            nb_due_date: now(),
            institution: connection.institution.clone(),
            patron: patron.to_string(),
            item: item.to_string(),
            terminal_password: connection.terminal_password.clone(),
            ..Checkout::default()
        };
        match client.request(checkout.into()).map_err(unreachable)? {
            Message::CheckoutResponse(answer) if answer.ok => {}
            Message::CheckoutResponse(answer) => {
                return Err(CliError::Usage(format!(
                    "the library system refused the checkout: {}",
                    answer.screen_message.join(" ")
                )));
            }
            other => return Err(CliError::Io(format!("{} in answer to 11", other.code()))),
        }
        let checkin = Checkin {
            date: now(),
            return_date: now(),
            current_location: connection.location.clone().unwrap_or_default(),
            institution: connection.institution.clone(),
            item: item.to_string(),
            terminal_password: connection.terminal_password.clone(),
            ..Checkin::default()
        };
        match client.request(checkin.into()).map_err(unreachable)? {
            Message::CheckinResponse(answer) if answer.ok => {}
            Message::CheckinResponse(answer) => {
                return Err(CliError::Usage(format!(
                    "the library system refused the checkin: {}",
                    answer.screen_message.join(" ")
                )));
            }
            other => return Err(CliError::Io(format!("{} in answer to 09", other.code()))),
        }
        times.push(pair.elapsed().as_secs_f64() * 1000.0);
    }
    let seconds = started.elapsed().as_secs_f64();
    let report = Sip2Bench {
        pairs,
        pairs_per_s: (pairs as f64 / seconds * 10.0).round() / 10.0,
        p50_ms: crate::bench::percentile(&mut times, 50.0),
        p99_ms: crate::bench::percentile(&mut times, 99.0),
    };
    emit(ctx, &report, || {
        format!(
            "{} pairs: {} pairs/s, p50 {} ms, p99 {} ms",
            report.pairs, report.pairs_per_s, report.p50_ms, report.p99_ms
        )
    });
    Ok(Finished::Done)
}
