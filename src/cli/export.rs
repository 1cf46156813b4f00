//! `swalayan export koc --since DATE [--out FILE]`: the station's own transactions as a Koha
//! offline circulation file, for a library that uploads them by hand (Koha: Circulation →
//! Offline circulation → Upload). Every transaction this station decided itself is there:
//! loans, renewals and hold pickups as `issue` (Koha renews an issue of an item already on
//! loan to the same patron), returns as `return`, oldest first, times in the library's zone.

use super::output::emit;
use super::{CliError, Context, Finished};
use crate::contract::transactions::TxBody;
use crate::export::koc::{KocEvent, KocWriter};
use crate::store::outbox;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Serialize)]
struct KocExport {
    /// Events written.
    written: u64,
    /// Transactions since the date that Koha has no event for, or whose patron the station
    /// no longer keeps (sent and acknowledged loans are anonymised).
    skipped: u64,
    out: Option<String>,
}

pub fn koc(ctx: &Context, since: &str, out: Option<&Path>) -> Result<Finished, CliError> {
    let date: jiff::civil::Date = since
        .parse()
        .map_err(|_| CliError::Usage(format!("--since {since}: write a date, e.g. 2026-12-01")))?;
    let since = date
        .to_zoned_datetime(ctx.config.time_zone.clone())
        .map_err(|e| CliError::Usage(e.to_string()))?
        .timestamp();
    let store = super::commands::open_store(ctx)?;
    let rows = outbox::list(store.conn(), false, None)?;
    let mut file: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            // Card numbers: readable by the station's user only.
            swalayan_core::private_file::write_private(path)
                .map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let io = |e: std::io::Error| CliError::Io(e.to_string());
    let mut writer = KocWriter::new(
        &mut file,
        ctx.config.time_zone.clone(),
        env!("CARGO_PKG_VERSION"),
    )
    .map_err(io)?;
    let (mut written, mut skipped) = (0, 0);
    for row in rows.iter().filter(|r| r.created_at >= since) {
        let body = TxBody::decode(&row.kind, &row.payload).ok();
        match KocEvent::from_transaction(
            &row.kind.code(),
            body.as_ref().and_then(TxBody::patron),
            body.as_ref().and_then(TxBody::item),
        ) {
            Some(event) => {
                writer.event(row.created_at, &event).map_err(io)?;
                written += 1;
            }
            None => skipped += 1,
        }
    }
    writer.finish().map_err(io)?;
    drop(file);
    let report = KocExport {
        written,
        skipped,
        out: out.map(|p| p.display().to_string()),
    };
    // Without --out the file itself is on stdout: the summary goes to stderr.
    if out.is_some() {
        emit(ctx, &report, || {
            format!(
                "{written} {} → {}",
                ctx.lang.pick("kejadian ditulis", "events written"),
                report.out.as_deref().unwrap_or_default()
            )
        });
    } else {
        eprintln!(
            "{written} {}, {skipped} {}",
            ctx.lang.pick("kejadian ditulis", "events written"),
            ctx.lang.pick("dilewati", "skipped")
        );
    }
    Ok(Finished::Done)
}
