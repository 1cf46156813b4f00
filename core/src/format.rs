//! Dates and money the way patrons read them, in one place for web pages, kiosk screens and
//! receipts: Indonesian "Selasa, 15 Desember 2026" and "Rp4.500", English "Tuesday
//! 15 December 2026" and "IDR 4,500".
//!
//! Written out here rather than through a locale library: two languages, a dozen names each,
//! and the Indonesian money style (`Rp` without a space, `.` between thousands, `,` before
//! hundredths) is what Bank Indonesia and shop receipts print — not what generic locale data
//! gives for `id` everywhere.

use crate::domain::money::Money;
use crate::reason::Lang;
use jiff::civil::{Date, DateTime, Time, Weekday};

const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The weekday's name: "Selasa" / "Tuesday".
pub fn weekday(day: Weekday, lang: Lang) -> &'static str {
    let (id, en) = match day {
        Weekday::Monday => ("Senin", "Monday"),
        Weekday::Tuesday => ("Selasa", "Tuesday"),
        Weekday::Wednesday => ("Rabu", "Wednesday"),
        Weekday::Thursday => ("Kamis", "Thursday"),
        Weekday::Friday => ("Jumat", "Friday"),
        Weekday::Saturday => ("Sabtu", "Saturday"),
        Weekday::Sunday => ("Minggu", "Sunday"),
    };
    lang.pick(id, en)
}

/// The month's name: "Desember" / "December".
pub fn month(date: Date, lang: Lang) -> &'static str {
    let index = usize::try_from(date.month() - 1).unwrap_or(0);
    match lang {
        Lang::Id => MONTHS_ID[index],
        Lang::En => MONTHS_EN[index],
    }
}

/// A day with its weekday: "Selasa, 15 Desember 2026" / "Tuesday 15 December 2026".
pub fn long_date(date: Date, lang: Lang) -> String {
    let day = weekday(date.weekday(), lang);
    match lang {
        Lang::Id => format!("{day}, {}", date_only(date, lang)),
        Lang::En => format!("{day} {}", date_only(date, lang)),
    }
}

/// A day without its weekday, for tables and narrow rows: "15 Desember 2026".
pub fn date_only(date: Date, lang: Lang) -> String {
    format!("{} {} {}", date.day(), month(date, lang), date.year())
}

/// A time of day: "09.00" (Indonesian writes a point) / "09:00".
pub fn clock(time: Time, lang: Lang) -> String {
    let separator = lang.pick(".", ":");
    format!("{:02}{separator}{:02}", time.hour(), time.minute())
}

/// When an event runs: "Selasa, 15 Desember 2026, 09.00–11.30" / "Tuesday 15 December 2026,
/// 09:00–11:30"; both days written out when it ends on another.
pub fn span(starts: DateTime, ends: DateTime, lang: Lang) -> String {
    let first = format!(
        "{}, {}",
        long_date(starts.date(), lang),
        clock(starts.time(), lang)
    );
    if starts.date() == ends.date() {
        format!("{first}–{}", clock(ends.time(), lang))
    } else {
        format!(
            "{first} – {}, {}",
            long_date(ends.date(), lang),
            clock(ends.time(), lang)
        )
    }
}

/// An amount in Rupiah: "Rp4.500" / "IDR 4,500"; hundredths only when there are some
/// ("Rp4.500,50" / "IDR 4,500.50").
pub fn money(amount: Money, lang: Lang) -> String {
    let hundredths = amount.hundredths();
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    let (group, decimal, prefix) = match lang {
        Lang::Id => ('.', ',', "Rp"),
        Lang::En => (',', '.', "IDR "),
    };
    let mut text = format!("{sign}{prefix}{}", grouped(abs / 100, group));
    if !abs.is_multiple_of(100) {
        text.push(decimal);
        text.push_str(&format!("{:02}", abs % 100));
    }
    text
}

/// Digits in threes: 1234567 → "1.234.567".
fn grouped(mut n: u64, separator: char) -> String {
    let mut groups = Vec::new();
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut text = groups.pop().map(|g| g.to_string()).unwrap_or_default();
    while let Some(g) = groups.pop() {
        text.push(separator);
        text.push_str(&format!("{g:03}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_in_both_languages() {
        let d = date(2026, 12, 15);
        assert_eq!(long_date(d, Lang::Id), "Selasa, 15 Desember 2026");
        assert_eq!(long_date(d, Lang::En), "Tuesday 15 December 2026");
        assert_eq!(date_only(d, Lang::Id), "15 Desember 2026");
        assert_eq!(
            long_date(date(2027, 1, 3), Lang::Id),
            "Minggu, 3 Januari 2027"
        );
        assert_eq!(
            long_date(date(2026, 8, 17), Lang::En),
            "Monday 17 August 2026"
        );
    }

    #[test]
    fn times_and_spans_in_both_languages() {
        let starts = jiff::civil::datetime(2026, 12, 15, 9, 0, 0, 0);
        let ends = jiff::civil::datetime(2026, 12, 15, 11, 30, 0, 0);
        assert_eq!(
            span(starts, ends, Lang::Id),
            "Selasa, 15 Desember 2026, 09.00–11.30"
        );
        assert_eq!(
            span(starts, ends, Lang::En),
            "Tuesday 15 December 2026, 09:00–11:30"
        );
        let next_day = jiff::civil::datetime(2026, 12, 16, 12, 5, 0, 0);
        assert_eq!(
            span(starts, next_day, Lang::Id),
            "Selasa, 15 Desember 2026, 09.00 – Rabu, 16 Desember 2026, 12.05"
        );
    }

    #[test]
    fn every_month_and_weekday_has_its_own_name() {
        let mut seen = std::collections::HashSet::new();
        for m in 1..=12 {
            let d = date(2026, m, 1);
            assert!(seen.insert(month(d, Lang::Id)));
            assert!(seen.insert(month(d, Lang::En)) || month(d, Lang::En) == month(d, Lang::Id));
        }
        let days: std::collections::HashSet<_> = (0..7)
            .map(|n| weekday(date(2026, 12, 14 + n).weekday(), Lang::Id))
            .collect();
        assert_eq!(days.len(), 7);
    }

    #[test]
    fn money_in_both_languages() {
        let units = Money::from_units;
        assert_eq!(money(units(4500), Lang::Id), "Rp4.500");
        assert_eq!(money(units(4500), Lang::En), "IDR 4,500");
        assert_eq!(money(units(0), Lang::Id), "Rp0");
        assert_eq!(money(units(999), Lang::Id), "Rp999");
        assert_eq!(money(units(1_000), Lang::Id), "Rp1.000");
        assert_eq!(money(units(1_234_567), Lang::En), "IDR 1,234,567");
        assert_eq!(money(units(1_000_005), Lang::Id), "Rp1.000.005");
        assert_eq!(
            money(Money::from_hundredths(450_050), Lang::Id),
            "Rp4.500,50"
        );
        assert_eq!(
            money(Money::from_hundredths(450_005), Lang::En),
            "IDR 4,500.05"
        );
        assert_eq!(money(units(-2500), Lang::Id), "-Rp2.500");
    }
}
