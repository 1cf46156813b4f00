//! Each report's tables as workbook sheets, with Indonesian headers: the first sheet is the
//! report's CSV (the same rows and columns in the same order), the others its other tables
//! (the staff page's).

use super::workbook::Table;
use super::{
    AnnualReport, CirculationReport, EventsReport, FeedbackReport, MobileReport, MonthlyReport,
    StopRow,
};
use swalayan_core::report::visitors::VisitorsReport;

/// `report circulation`: per day and station, then the most borrowed titles, overdue copies
/// and channels.
pub fn circulation(report: &CirculationReport) -> Vec<Table> {
    let mut rows = Table::new(
        "Sirkulasi",
        &[
            "Tanggal",
            "Stasiun",
            "Peminjaman",
            "Pengembalian",
            "Perpanjangan",
        ],
    );
    for row in &report.rows {
        rows.row(vec![
            row.date.into(),
            row.station.clone().into(),
            row.loans.into(),
            row.returns.into(),
            row.renewals.into(),
        ]);
    }
    let mut titles = Table::new("Judul terlaris", &["Judul", "Peminjaman"]);
    for title in &report.top_titles {
        titles.row(vec![title.title.clone().into(), title.loans.into()]);
    }
    let mut overdue = Table::new(
        "Terlambat",
        &[
            "Eksemplar",
            "Judul",
            "Kartu anggota",
            "Nama anggota",
            "Jatuh tempo",
            "Hari terlambat",
            "Stasiun",
        ],
    );
    for item in &report.overdue {
        overdue.row(vec![
            item.item.clone().into(),
            item.title.clone().into(),
            item.patron.clone().into(),
            item.patron_name.clone().into(),
            item.due.into(),
            item.days_overdue.into(),
            item.station.clone().into(),
        ]);
    }
    let mut channels = Table::new("Saluran", &["Saluran", "Transaksi"]);
    for channel in &report.channels {
        channels.row(vec![
            channel.channel.clone().into(),
            channel.transactions.into(),
        ]);
    }
    vec![rows, titles, overdue, channels]
}

/// `report visitors`: the periods of `--by`, then the days with their check, the busiest
/// hours.
pub fn visitors(report: &VisitorsReport) -> Vec<Table> {
    let period = match report.by {
        "hour" => "Jam",
        "month" => "Bulan",
        _ => "Tanggal",
    };
    let mut periods = Table::new("Pengunjung", &[period, "Masuk", "Keluar", "Kunjungan"]);
    for row in &report.periods {
        periods.row(vec![
            row.period.clone().into(),
            row.entries.into(),
            row.exits.into(),
            row.visits.into(),
        ]);
    }
    let mut days = Table::new(
        "Per hari",
        &["Tanggal", "Masuk", "Keluar", "Kunjungan", "Perlu dicek"],
    );
    for day in &report.days {
        days.row(vec![
            day.date.into(),
            day.entries.into(),
            day.exits.into(),
            day.visits.into(),
            (if day.suspect { "ya" } else { "" }).into(),
        ]);
    }
    let mut hours = Table::new("Jam tersibuk", &["Jam", "Masuk"]);
    for hour in &report.busiest_hours {
        hours.row(vec![i64::from(hour.hour).into(), hour.entries.into()]);
    }
    vec![periods, days, hours]
}

/// `report feedback`: per day and station, then the comments.
pub fn feedback(report: &FeedbackReport, tz: &jiff::tz::TimeZone) -> Vec<Table> {
    let mut rows = Table::new(
        "Saran",
        &["Tanggal", "Stasiun", "Tanggapan", "Nilai rata-rata"],
    );
    for row in &report.rows {
        rows.row(vec![
            row.date.into(),
            row.station.clone().into(),
            row.responses.into(),
            row.average.into(),
        ]);
    }
    let mut comments = Table::new(
        "Komentar",
        &[
            "Tanggal", "Waktu", "Stasiun", "Nilai", "Komentar", "Ulangan",
        ],
    );
    for comment in &report.comments {
        let local = comment.at.to_zoned_datetime(tz.clone());
        comments.row(vec![
            local.date().into(),
            local.time().strftime("%H:%M").to_string().into(),
            comment.station.clone().into(),
            u64::from(comment.score).into(),
            comment.comment.clone().into(),
            (if comment.repeat { "ya" } else { "" }).into(),
        ]);
    }
    vec![rows, comments]
}

/// `report events`: an event per row.
pub fn events(report: &EventsReport) -> Vec<Table> {
    let mut rows = Table::new(
        "Acara",
        &[
            "Tanggal",
            "Acara",
            "Judul",
            "Mulai",
            "Selesai",
            "Kapasitas",
            "Terdaftar",
            "Menunggu",
            "Hadir (terdaftar)",
            "Datang langsung",
            "Peserta",
            "Tidak hadir",
        ],
    );
    for row in &report.rows {
        rows.row(vec![
            row.date.into(),
            row.event.clone().into(),
            row.title.clone().into(),
            row.starts.into(),
            row.ends.into(),
            row.capacity.map(u64::from).into(),
            row.registered.into(),
            row.waiting.into(),
            row.attended.into(),
            row.walk_ins.into(),
            row.participants.into(),
            row.no_shows.into(),
        ]);
    }
    vec![rows]
}

/// `report annual`: every figure with its value and source (the CSV), then the notes.
pub fn annual(report: &AnnualReport) -> Vec<Table> {
    let mut figures = Table::new("Tahunan", &["Angka", "Nilai", "Sumber"]);
    for (name, value) in report.figures() {
        let value = match value.parse::<f64>() {
            Ok(n) => n.into(),
            Err(_) if value.is_empty() => super::workbook::Cell::Blank,
            Err(_) => value.into(),
        };
        let source = report.source_of(&name);
        figures.row(vec![name.into(), value, source.into()]);
    }
    let mut notes = Table::new("Catatan", &["Catatan", "Note"]);
    for (id, en) in report.notes_id.iter().zip(&report.notes) {
        notes.row(vec![id.clone().into(), en.clone().into()]);
    }
    let mut kelurahan = stop_table("Keliling per kelurahan", false);
    for row in &report.mobile.by_kelurahan {
        stop_row(&mut kelurahan, row, false);
    }
    vec![figures, notes, kelurahan]
}

/// `report mobile`: each stop's period, the same per kelurahan, and the cancellations.
pub fn mobile(report: &MobileReport) -> Vec<Table> {
    let mut stops = stop_table("Singgahan", true);
    for row in &report.rows {
        stop_row(&mut stops, row, true);
    }
    let mut kelurahan = stop_table("Per kelurahan", false);
    for row in &report.by_kelurahan() {
        stop_row(&mut kelurahan, row, false);
    }
    let mut cancelled = Table::new("Batal", &["Tanggal", "Kelurahan", "Singgahan", "Alasan"]);
    for c in &report.cancellations {
        cancelled.row(vec![
            c.date.into(),
            c.kelurahan.clone().into(),
            c.stop.clone().into(),
            c.reason.clone().into(),
        ]);
    }
    vec![stops, kelurahan, cancelled]
}

/// The columns of a mobile-library table: by stop (with route and stop) or by kelurahan.
fn stop_table(name: &str, by_stop: bool) -> Table {
    let mut header = vec!["Kelurahan"];
    if by_stop {
        header.extend(["Rute", "Singgahan", "ID singgahan"]);
    }
    header.extend([
        "Singgah",
        "Batal",
        "Pengunjung",
        "Peminjaman",
        "Pengembalian",
        "Anggota baru",
    ]);
    Table::new(name, &header)
}

fn stop_row(table: &mut Table, row: &StopRow, by_stop: bool) {
    let mut cells = vec![row.kelurahan.clone().into()];
    if by_stop {
        cells.extend([
            row.route.clone().into(),
            row.stop.clone().into(),
            row.id.clone().into(),
        ]);
    }
    cells.extend([
        row.made.into(),
        row.cancelled.into(),
        row.visitors.into(),
        row.loans.into(),
        row.returns.into(),
        row.registered.into(),
    ]);
    table.row(cells);
}

/// `report monthly`: a month per row.
pub fn monthly(report: &MonthlyReport) -> Vec<Table> {
    let mut rows = Table::new(
        "Bulanan",
        &[
            "Bulan",
            "Kunjungan",
            "Anggota baru",
            "Anggota aktif",
            "Peminjaman",
            "Pengembalian",
            "Perpanjangan",
            "Kegiatan",
            "Peserta",
            "Tanggapan",
            "Nilai rata-rata",
        ],
    );
    for row in &report.rows {
        rows.row(vec![
            row.month.clone().into(),
            row.visits.into(),
            row.new_members.into(),
            row.active_members.into(),
            row.loans.into(),
            row.returns.into(),
            row.renewals.into(),
            row.programmes.into(),
            row.participants.into(),
            row.feedback_responses.into(),
            row.feedback_average.into(),
        ]);
    }
    vec![rows]
}

#[cfg(test)]
mod tests {
    use super::super::workbook::Cell;
    use super::*;
    use jiff::civil::date;

    /// A sheet's cells against its CSV's: the same rows, the same values (dates as the CSV
    /// writes them, numbers compared as numbers, a blank as an empty field).
    fn same_as_csv(table: &Table, csv: &str) {
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), table.rows.len(), "{csv}");
        for (record, cells) in records.iter().zip(&table.rows) {
            assert_eq!(record.len(), cells.len(), "{record:?}");
            for (field, cell) in record.iter().zip(cells) {
                let same = match cell {
                    Cell::Text(t) => t == field,
                    Cell::Number(n) => field.parse::<f64>().is_ok_and(|f| (f - n).abs() < 0.005),
                    Cell::Day(d) => d.to_string() == field,
                    Cell::Moment(at) => at.to_string() == field,
                    Cell::Blank => field.is_empty(),
                };
                assert!(same, "{cell:?} is not {field:?} in {record:?}");
            }
        }
    }

    #[test]
    fn each_reports_first_sheet_is_its_csv() {
        let monthly = MonthlyReport {
            from: date(2026, 1, 1),
            to: date(2026, 2, 28),
            rows: vec![super::super::MonthRow {
                month: "2026-01".into(),
                visits: 1200,
                new_members: None,
                active_members: 80,
                loans: 300,
                returns: 290,
                renewals: 12,
                programmes: 3,
                participants: 45,
                feedback_responses: 20,
                feedback_average: Some(4.25),
            }],
        };
        same_as_csv(&monthly_sheets(&monthly), &monthly.csv());
        let events = EventsReport {
            from: date(2026, 1, 1),
            to: date(2026, 1, 31),
            rows: vec![super::super::EventRow {
                date: date(2026, 1, 10),
                event: "e1".into(),
                title: "Dongeng Pagi, untuk anak".into(),
                starts: date(2026, 1, 10).at(9, 0, 0, 0),
                ends: date(2026, 1, 10).at(10, 0, 0, 0),
                capacity: Some(20),
                registered: 18,
                waiting: 0,
                attended: 15,
                walk_ins: 4,
                participants: 19,
                no_shows: Some(3),
            }],
        };
        same_as_csv(&events_sheets(&events), &events.csv());
    }

    fn monthly_sheets(report: &MonthlyReport) -> Table {
        monthly(report).remove(0)
    }

    fn events_sheets(report: &EventsReport) -> Table {
        events(report).remove(0)
    }

    #[test]
    fn a_changed_cell_is_caught() {
        let mut table = Table::new("x", &["a"]);
        table.row(vec![Cell::Number(2.0)]);
        let caught = std::panic::catch_unwind(|| same_as_csv(&table, "a\n3\n"));
        assert!(caught.is_err(), "the comparison can fail");
    }
}
