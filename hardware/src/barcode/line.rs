//! Turns the byte stream of a serial barcode scanner into codes.
//!
//! A line ends at CR, LF or CRLF (or at a configured terminator, or after an idle gap for
//! scanners that send none). The buffer is bounded: an overlong line is discarded and counted,
//! never grown. A line with any byte outside printable ASCII is dropped whole, never cleaned
//! up (a half-cleaned barcode would lend the wrong book). The same code read again within the
//! duplicate window counts once.

use std::time::{Duration, Instant};

/// How a scanner ends a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminator {
    /// CR, LF or CRLF (the default).
    AnyNewline,
    Cr,
    Lf,
    CrLf,
    /// No terminator: a pause this long ends the code.
    IdleGap(Duration),
}

#[derive(Debug, Clone)]
pub struct LineConfig {
    pub terminator: Terminator,
    /// Longest code accepted (default 128).
    pub max_len: usize,
    /// Stripped from the start of a code when present (some scanners prefix a symbology id).
    pub prefix: String,
    /// Stripped from the end of a code when present.
    pub suffix: String,
    /// The same code within this window counts once (default 1 s).
    pub duplicate_window: Duration,
}

impl Default for LineConfig {
    fn default() -> LineConfig {
        LineConfig {
            terminator: Terminator::AnyNewline,
            max_len: 128,
            prefix: String::new(),
            suffix: String::new(),
            duplicate_window: Duration::from_secs(1),
        }
    }
}

/// What a finished line became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineEvent {
    Code(String),
    /// The line was longer than `max_len`; its bytes were discarded.
    Overlong,
    /// The line held a byte outside printable ASCII; dropped whole.
    Garbage,
    /// The same code again within the duplicate window.
    Duplicate(String),
}

/// Counters for diagnostics (`hw doctor`, the staff screen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineStats {
    pub codes: u64,
    pub overlong: u64,
    pub garbage: u64,
    pub duplicates: u64,
}

pub struct LineAssembler {
    config: LineConfig,
    buffer: Vec<u8>,
    /// Set once the current line passed `max_len`: the rest of it is skipped.
    overflowed: bool,
    /// A CR was the last byte: an LF right after it belongs to the same terminator.
    after_cr: bool,
    last_byte_at: Option<Instant>,
    last_code: Option<(String, Instant)>,
    pub stats: LineStats,
}

impl LineAssembler {
    pub fn new(config: LineConfig) -> LineAssembler {
        LineAssembler {
            buffer: Vec::with_capacity(config.max_len),
            config,
            overflowed: false,
            after_cr: false,
            last_byte_at: None,
            last_code: None,
            stats: LineStats::default(),
        }
    }

    /// Feeds bytes that arrived at `now`; returns the lines they completed.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<LineEvent> {
        let mut events = Vec::new();
        if let Some(event) = self.idle_check(now) {
            events.push(event);
        }
        for &b in bytes {
            let ends_line = match self.config.terminator {
                Terminator::AnyNewline => {
                    if b == b'\n' && self.after_cr {
                        self.after_cr = false;
                        continue;
                    }
                    self.after_cr = b == b'\r';
                    b == b'\r' || b == b'\n'
                }
                Terminator::Cr => b == b'\r',
                Terminator::Lf => b == b'\n',
                Terminator::CrLf => {
                    if b == b'\n' && self.buffer.last() == Some(&b'\r') {
                        self.buffer.pop();
                        true
                    } else {
                        false
                    }
                }
                Terminator::IdleGap(_) => false,
            };
            if ends_line {
                events.extend(self.finish(now));
            } else {
                self.push(b);
            }
        }
        if !bytes.is_empty() {
            self.last_byte_at = Some(now);
        }
        events
    }

    /// For idle-gap scanners: call periodically; ends the code once the line has been quiet.
    pub fn poll(&mut self, now: Instant) -> Option<LineEvent> {
        self.idle_check(now)
    }

    fn idle_check(&mut self, now: Instant) -> Option<LineEvent> {
        let Terminator::IdleGap(gap) = self.config.terminator else {
            return None;
        };
        let quiet = self
            .last_byte_at
            .is_some_and(|t| now.duration_since(t) >= gap);
        if quiet && (!self.buffer.is_empty() || self.overflowed) {
            self.last_byte_at = None;
            return self.finish(now);
        }
        None
    }

    fn push(&mut self, b: u8) {
        if self.overflowed {
            return;
        }
        if self.buffer.len()
            >= self.config.max_len + self.config.prefix.len() + self.config.suffix.len()
        {
            self.overflowed = true;
            self.buffer.clear();
            return;
        }
        self.buffer.push(b);
    }

    fn finish(&mut self, now: Instant) -> Option<LineEvent> {
        let line = std::mem::take(&mut self.buffer);
        if std::mem::take(&mut self.overflowed) {
            self.stats.overlong += 1;
            return Some(LineEvent::Overlong);
        }
        if line.is_empty() {
            return None; // empty lines (a bare CRLF, a double terminator) are ignored
        }
        if !line.iter().all(|b| (0x20..0x7F).contains(b)) {
            self.stats.garbage += 1;
            return Some(LineEvent::Garbage);
        }
        let mut code = String::from_utf8_lossy(&line).into_owned();
        if !self.config.prefix.is_empty()
            && let Some(rest) = code.strip_prefix(self.config.prefix.as_str())
        {
            code = rest.to_string();
        }
        if !self.config.suffix.is_empty()
            && let Some(rest) = code.strip_suffix(self.config.suffix.as_str())
        {
            code = rest.to_string();
        }
        let code = code.trim().to_string();
        if code.is_empty() {
            return None;
        }
        if code.len() > self.config.max_len {
            self.stats.overlong += 1;
            return Some(LineEvent::Overlong);
        }
        if let Some((last, at)) = &self.last_code
            && *last == code
            && now.duration_since(*at) < self.config.duplicate_window
        {
            self.stats.duplicates += 1;
            return Some(LineEvent::Duplicate(code));
        }
        self.last_code = Some((code.clone(), now));
        self.stats.codes += 1;
        Some(LineEvent::Code(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(events: &[LineEvent]) -> Vec<&str> {
        events
            .iter()
            .filter_map(|e| match e {
                LineEvent::Code(c) => Some(c.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lines_end_at_cr_lf_or_crlf_and_empty_lines_are_ignored() {
        let mut a = LineAssembler::new(LineConfig::default());
        let t = Instant::now();
        let events = a.feed(b"31000000001\r\n31000000002\r31000000003\n\r\n\n", t);
        assert_eq!(
            codes(&events),
            ["31000000001", "31000000002", "31000000003"]
        );
        assert_eq!(events.len(), 3);
    }

    #[test]
    fn a_code_split_across_reads_is_whole() {
        let mut a = LineAssembler::new(LineConfig::default());
        let t = Instant::now();
        assert!(a.feed(b"3100", t).is_empty());
        assert_eq!(codes(&a.feed(b"0000001\r\n", t)), ["31000000001"]);
    }

    #[test]
    fn overlong_lines_are_discarded_without_growing() {
        let mut a = LineAssembler::new(LineConfig::default());
        let t = Instant::now();
        let long = vec![b'7'; 10_000];
        assert!(a.feed(&long, t).is_empty());
        assert!(a.buffer.capacity() < 1024, "the buffer stays bounded");
        assert_eq!(
            a.feed(b"\rOK1\r", t),
            vec![LineEvent::Overlong, LineEvent::Code("OK1".into())]
        );
        assert_eq!(a.stats.overlong, 1);
    }

    #[test]
    fn a_line_with_control_or_high_bytes_is_dropped_whole() {
        let mut a = LineAssembler::new(LineConfig::default());
        let t = Instant::now();
        assert_eq!(a.feed(b"3100\x0000001\r", t), vec![LineEvent::Garbage]);
        assert_eq!(a.feed(b"31\xFF00\r", t), vec![LineEvent::Garbage]);
        assert_eq!(codes(&a.feed(b"31000000001\r", t)), ["31000000001"]);
    }

    #[test]
    fn the_same_code_within_a_second_counts_once() {
        let mut a = LineAssembler::new(LineConfig::default());
        let t = Instant::now();
        assert_eq!(codes(&a.feed(b"A1\r", t)), ["A1"]);
        assert_eq!(
            a.feed(b"A1\r", t + Duration::from_millis(500)),
            vec![LineEvent::Duplicate("A1".into())]
        );
        assert_eq!(
            codes(&a.feed(b"A1\r", t + Duration::from_millis(1600))),
            ["A1"]
        );
        assert_eq!(
            codes(&a.feed(b"B2\rA1\r", t + Duration::from_millis(1700))),
            ["B2", "A1"]
        );
    }

    #[test]
    fn prefix_and_suffix_are_stripped() {
        let mut a = LineAssembler::new(LineConfig {
            prefix: "]C1".into(),
            suffix: "#".into(),
            ..LineConfig::default()
        });
        assert_eq!(
            codes(&a.feed(b"]C131000000001#\r", Instant::now())),
            ["31000000001"]
        );
    }

    #[test]
    fn an_idle_gap_ends_a_code_without_terminator() {
        let mut a = LineAssembler::new(LineConfig {
            terminator: Terminator::IdleGap(Duration::from_millis(50)),
            ..LineConfig::default()
        });
        let t = Instant::now();
        assert!(a.feed(b"310000", t).is_empty());
        assert!(a.feed(b"00001", t + Duration::from_millis(10)).is_empty());
        assert_eq!(a.poll(t + Duration::from_millis(30)), None);
        assert_eq!(
            a.poll(t + Duration::from_millis(70)),
            Some(LineEvent::Code("31000000001".into()))
        );
    }

    #[test]
    fn crlf_only_mode_keeps_a_lone_cr_inside_and_rejects_it() {
        let mut a = LineAssembler::new(LineConfig {
            terminator: Terminator::CrLf,
            ..LineConfig::default()
        });
        assert_eq!(
            a.feed(b"A\rB\r\n", Instant::now()),
            vec![LineEvent::Garbage]
        );
    }
}
