//! Numbers, money and dates as they are spoken, beside [`crate::format`]'s written forms: the
//! kiosk's spoken guidance (issue #33) says "empat ribu lima ratus rupiah", not "Rp4.500", and
//! "Sabtu, dua belas Desember", not "12-12".
//!
//! The speech engine (espeak-ng) reads digits too, but not the way a patron hears them:
//! "Rp4.500" comes out letter by letter and "4.500" as "four point five hundred". So every
//! written number a sentence carries is turned into words here, in one place:
//! [`sentence`] takes a sentence as a screen writes it (the screen's own words, dates and
//! money by [`crate::format`]) and gives it as it is to be spoken.

use crate::domain::money::Money;
use crate::format::{month, weekday};
use crate::reason::Lang;
use jiff::civil::Date;

const ONES_ID: [&str; 10] = [
    "nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
];
const ONES_EN: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS_EN: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

/// A whole number in words: 4500 → "empat ribu lima ratus" / "four thousand five hundred".
pub fn number(n: u64, lang: Lang) -> String {
    match lang {
        Lang::Id => number_id(n),
        Lang::En => number_en(n),
    }
}

/// Indonesian: "se-" for one of a hundred or a thousand ("seratus", "seribu"), "belas" for
/// 11–19 ("sebelas", "dua belas"), "puluh", "ratus", "ribu", "juta", "miliar", "triliun".
fn number_id(n: u64) -> String {
    const SCALES: [(u64, &str); 4] = [
        (1_000_000_000_000, "triliun"),
        (1_000_000_000, "miliar"),
        (1_000_000, "juta"),
        (1_000, "ribu"),
    ];
    if n < 10 {
        return ONES_ID[n as usize].to_string();
    }
    for (scale, name) in SCALES {
        if n >= scale {
            let (high, rest) = (n / scale, n % scale);
            let head = if high == 1 && scale == 1_000 {
                "seribu".to_string()
            } else {
                format!("{} {name}", number_id(high))
            };
            return join(head, rest, number_id);
        }
    }
    if n >= 100 {
        let (high, rest) = (n / 100, n % 100);
        let head = if high == 1 {
            "seratus".to_string()
        } else {
            format!("{} ratus", ONES_ID[high as usize])
        };
        return join(head, rest, number_id);
    }
    match n {
        10 => "sepuluh".to_string(),
        11 => "sebelas".to_string(),
        12..=19 => format!("{} belas", ONES_ID[(n - 10) as usize]),
        _ => join(
            format!("{} puluh", ONES_ID[(n / 10) as usize]),
            n % 10,
            number_id,
        ),
    }
}

/// English: "four thousand five hundred", "twenty-one", "one hundred and five".
fn number_en(n: u64) -> String {
    const SCALES: [(u64, &str); 4] = [
        (1_000_000_000_000, "trillion"),
        (1_000_000_000, "billion"),
        (1_000_000, "million"),
        (1_000, "thousand"),
    ];
    for (scale, name) in SCALES {
        if n >= scale {
            let head = format!("{} {name}", number_en(n / scale));
            return join(head, n % scale, number_en);
        }
    }
    if n >= 100 {
        let head = format!("{} hundred", ONES_EN[(n / 100) as usize]);
        return match n % 100 {
            0 => head,
            rest => format!("{head} and {}", number_en(rest)),
        };
    }
    if n < 20 {
        return ONES_EN[n as usize].to_string();
    }
    match n % 10 {
        0 => TENS_EN[(n / 10) as usize].to_string(),
        ones => format!("{}-{}", TENS_EN[(n / 10) as usize], ONES_EN[ones as usize]),
    }
}

/// `head`, then the rest in words when there is a rest.
fn join(head: String, rest: u64, words: fn(u64) -> String) -> String {
    if rest == 0 {
        head
    } else {
        format!("{head} {}", words(rest))
    }
}

/// An amount of money: Rp4.500 → "empat ribu lima ratus rupiah" / "four thousand five hundred
/// rupiah"; hundredths as "koma" / "point" digits ("Rp4.500,50" → "… koma lima puluh rupiah").
pub fn money(amount: Money, lang: Lang) -> String {
    let hundredths = amount.hundredths();
    let abs = hundredths.unsigned_abs();
    let mut text = String::new();
    if hundredths < 0 {
        text.push_str(match lang {
            Lang::Id => "minus ",
            Lang::En => "minus ",
        });
    }
    text.push_str(&number(abs / 100, lang));
    if !abs.is_multiple_of(100) {
        let point = match lang {
            Lang::Id => "koma",
            Lang::En => "point",
        };
        text.push_str(&format!(" {point} {}", number(abs % 100, lang)));
    }
    text.push_str(" rupiah");
    text
}

/// A day as it is said: "Sabtu, dua belas Desember" / "Saturday, the twelfth of December"
/// is more than a patron needs: "Saturday, twelve December". The year is said only when it
/// is not `this_year` (a due date is weeks away).
pub fn date(day: Date, this_year: i16, lang: Lang) -> String {
    let mut text = format!(
        "{}, {} {}",
        weekday(day.weekday(), lang),
        number(day.day() as u64, lang),
        month(day, lang)
    );
    if day.year() != this_year {
        text.push(' ');
        text.push_str(&number(day.year().unsigned_abs() as u64, lang));
    }
    text
}

/// A sentence as a screen writes it, as it is to be spoken: money ("Rp4.500", "IDR 4,500")
/// and numbers ("2", "2026", "ke-2") in words; a date's year is kept (the screen wrote it).
/// Letters, punctuation and everything else pass through.
pub fn sentence(written: &str, lang: Lang) -> String {
    let mut spoken = String::with_capacity(written.len() * 2);
    let mut rest = written;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit() || c == 'R' || c == 'I') {
        let (before, from) = rest.split_at(start);
        spoken.push_str(before);
        // "Rp4.500" / "IDR 4,500": money, when a number follows the sign at once.
        let money_sign = ["Rp", "IDR "].into_iter().find(|sign| {
            from.starts_with(sign) && from[sign.len()..].starts_with(|c: char| c.is_ascii_digit())
        });
        if let Some(sign) = money_sign {
            let (amount, used) = written_number(&from[sign.len()..], lang);
            spoken.push_str(&money(Money::from_hundredths(amount), lang));
            rest = &from[sign.len() + used..];
            continue;
        }
        if from.starts_with(|c: char| c.is_ascii_digit()) {
            let (hundredths, used) = written_number(from, lang);
            let whole = hundredths / 100;
            spoken.push_str(&number(whole.unsigned_abs(), lang));
            if hundredths % 100 != 0 {
                let point = match lang {
                    Lang::Id => "koma",
                    Lang::En => "point",
                };
                spoken.push_str(&format!(
                    " {point} {}",
                    number((hundredths % 100).unsigned_abs(), lang)
                ));
            }
            rest = &from[used..];
            continue;
        }
        // An 'R' or 'I' that starts no amount: a letter like any other.
        let letter_len = from.chars().next().map_or(1, char::len_utf8);
        spoken.push_str(&from[..letter_len]);
        rest = &from[letter_len..];
    }
    spoken.push_str(rest);
    spoken
}

/// A number as `lang` writes it, from the start of `text`: its value in hundredths, and how
/// many bytes it took. Indonesian groups thousands with '.' and writes ',' before hundredths;
/// English the other way round. A group separator counts only when three digits follow it
/// ("4.500" is four thousand five hundred; "2026." ends a sentence).
fn written_number(text: &str, lang: Lang) -> (i64, usize) {
    let (group, decimal) = match lang {
        Lang::Id => ('.', ','),
        Lang::En => (',', '.'),
    };
    let bytes = text.as_bytes();
    let digits_at =
        |i: usize, n: usize| i + n <= bytes.len() && bytes[i..i + n].iter().all(u8::is_ascii_digit);
    let mut whole: i64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            whole = whole.saturating_mul(10).saturating_add((c - b'0') as i64);
            i += 1;
        } else if c == group as u8 && digits_at(i + 1, 3) && !digits_at(i + 4, 1) {
            i += 1;
        } else {
            break;
        }
    }
    let mut hundredths = whole.saturating_mul(100);
    if i < bytes.len() && bytes[i] == decimal as u8 && digits_at(i + 1, 2) && !digits_at(i + 3, 1) {
        hundredths += ((bytes[i + 1] - b'0') * 10 + (bytes[i + 2] - b'0')) as i64;
        i += 3;
    }
    (hundredths, i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn indonesian_numbers_in_words() {
        let cases = [
            (0, "nol"),
            (1, "satu"),
            (10, "sepuluh"),
            (11, "sebelas"),
            (12, "dua belas"),
            (19, "sembilan belas"),
            (20, "dua puluh"),
            (21, "dua puluh satu"),
            (100, "seratus"),
            (105, "seratus lima"),
            (250, "dua ratus lima puluh"),
            (1_000, "seribu"),
            (1_500, "seribu lima ratus"),
            (4_500, "empat ribu lima ratus"),
            (2_026, "dua ribu dua puluh enam"),
            (11_000, "sebelas ribu"),
            (100_000, "seratus ribu"),
            (1_000_000, "satu juta"),
            (2_500_000, "dua juta lima ratus ribu"),
        ];
        for (n, words) in cases {
            assert_eq!(number(n, Lang::Id), words, "{n}");
        }
    }

    #[test]
    fn english_numbers_in_words() {
        let cases = [
            (0, "zero"),
            (13, "thirteen"),
            (21, "twenty-one"),
            (105, "one hundred and five"),
            (4_500, "four thousand five hundred"),
            (2_026, "two thousand twenty-six"),
            (1_000_000, "one million"),
        ];
        for (n, words) in cases {
            assert_eq!(number(n, Lang::En), words, "{n}");
        }
    }

    #[test]
    fn money_as_the_issue_says_it() {
        let fine = Money::from_units(4_500);
        assert_eq!(money(fine, Lang::Id), "empat ribu lima ratus rupiah");
        assert_eq!(money(fine, Lang::En), "four thousand five hundred rupiah");
        assert_eq!(
            money(Money::from_hundredths(450_050), Lang::Id),
            "empat ribu lima ratus koma lima puluh rupiah"
        );
    }

    #[test]
    fn a_due_date_said_without_its_year_when_it_is_this_year() {
        let due = date(2026, 12, 12);
        assert_eq!(date_words(due, 2026, Lang::Id), "Sabtu, dua belas Desember");
        assert_eq!(date_words(due, 2026, Lang::En), "Saturday, twelve December");
        assert_eq!(
            date_words(date(2027, 1, 2), 2026, Lang::Id),
            "Sabtu, dua Januari dua ribu dua puluh tujuh"
        );
    }

    fn date_words(day: Date, year: i16, lang: Lang) -> String {
        super::date(day, year, lang)
    }

    #[test]
    fn a_written_sentence_is_spoken_with_every_number_in_words() {
        assert_eq!(
            sentence("Denda: Rp4.500", Lang::Id),
            "Denda: empat ribu lima ratus rupiah"
        );
        assert_eq!(
            sentence("Fines: IDR 4,500", Lang::En),
            "Fines: four thousand five hundred rupiah"
        );
        assert_eq!(
            sentence(
                "Dipinjam. Kembalikan paling lambat Sabtu, 12 Desember 2026.",
                Lang::Id
            ),
            "Dipinjam. Kembalikan paling lambat Sabtu, dua belas Desember dua ribu dua puluh enam."
        );
        assert_eq!(sentence("Antrean ke-2", Lang::Id), "Antrean ke-dua");
        assert_eq!(
            sentence("Borrowed: 3. Ready: 1,250.", Lang::En),
            "Borrowed: three. Ready: one thousand two hundred and fifty."
        );
        // Words with capitals R and I are left as they are.
        assert_eq!(sentence("Rambung, IDRIS", Lang::Id), "Rambung, IDRIS");
        // No digit is left for the engine to read its own way.
        let spoken = sentence("Rp1.234.567,89 pada 31-12-2026", Lang::Id);
        assert!(!spoken.contains(|c: char| c.is_ascii_digit()), "{spoken}");
    }
}
