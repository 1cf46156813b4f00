//! Keyboard-style (HID) scanners: they "type" the code and press Enter. The station reads
//! them through evdev with an exclusive grab, so keystrokes never reach the UI, and turns key
//! codes back into characters here (US layout, the scanners' default).
//!
//! The decoder works on raw Linux key codes, so it is tested with recorded event sequences
//! (this VM has no uinput to make a virtual keyboard).

/// Linux input key codes used by scanners (linux/input-event-codes.h).
pub mod code {
    pub const ESC: u16 = 1;
    pub const BACKSPACE: u16 = 14;
    pub const TAB: u16 = 15;
    pub const ENTER: u16 = 28;
    pub const LEFTSHIFT: u16 = 42;
    pub const RIGHTSHIFT: u16 = 54;
    pub const CAPSLOCK: u16 = 58;
    pub const KPENTER: u16 = 96;
}

/// Key value in an evdev key event.
pub const RELEASE: i32 = 0;
pub const PRESS: i32 = 1;
pub const REPEAT: i32 = 2;

/// (unshifted, shifted) characters of a key, US layout.
fn chars(key: u16) -> Option<(char, char)> {
    Some(match key {
        2 => ('1', '!'),
        3 => ('2', '@'),
        4 => ('3', '#'),
        5 => ('4', '$'),
        6 => ('5', '%'),
        7 => ('6', '^'),
        8 => ('7', '&'),
        9 => ('8', '*'),
        10 => ('9', '('),
        11 => ('0', ')'),
        12 => ('-', '_'),
        13 => ('=', '+'),
        16 => ('q', 'Q'),
        17 => ('w', 'W'),
        18 => ('e', 'E'),
        19 => ('r', 'R'),
        20 => ('t', 'T'),
        21 => ('y', 'Y'),
        22 => ('u', 'U'),
        23 => ('i', 'I'),
        24 => ('o', 'O'),
        25 => ('p', 'P'),
        26 => ('[', '{'),
        27 => (']', '}'),
        30 => ('a', 'A'),
        31 => ('s', 'S'),
        32 => ('d', 'D'),
        33 => ('f', 'F'),
        34 => ('g', 'G'),
        35 => ('h', 'H'),
        36 => ('j', 'J'),
        37 => ('k', 'K'),
        38 => ('l', 'L'),
        39 => (';', ':'),
        40 => ('\'', '"'),
        41 => ('`', '~'),
        43 => ('\\', '|'),
        44 => ('z', 'Z'),
        45 => ('x', 'X'),
        46 => ('c', 'C'),
        47 => ('v', 'V'),
        48 => ('b', 'B'),
        49 => ('n', 'N'),
        50 => ('m', 'M'),
        51 => (',', '<'),
        52 => ('.', '>'),
        53 => ('/', '?'),
        55 => ('*', '*'),
        57 => (' ', ' '),
        71 => ('7', '7'),
        72 => ('8', '8'),
        73 => ('9', '9'),
        74 => ('-', '-'),
        75 => ('4', '4'),
        76 => ('5', '5'),
        77 => ('6', '6'),
        78 => ('+', '+'),
        79 => ('1', '1'),
        80 => ('2', '2'),
        81 => ('3', '3'),
        82 => ('0', '0'),
        83 => ('.', '.'),
        98 => ('/', '/'),
        _ => return None,
    })
}

/// What a key event completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyEvent {
    /// Enter after a code.
    Code(String),
    /// More characters than `max_len` before Enter: discarded.
    Overlong,
    /// A key no scanner sends in a code (Esc, function keys): the code so far is discarded.
    Unexpected(u16),
}

/// Turns key presses into codes, bounded like the serial line assembler.
#[derive(Debug)]
pub struct KeyDecoder {
    left_shift: bool,
    right_shift: bool,
    caps_lock: bool,
    buffer: String,
    overflowed: bool,
    max_len: usize,
}

impl KeyDecoder {
    pub fn new(max_len: usize) -> KeyDecoder {
        KeyDecoder {
            left_shift: false,
            right_shift: false,
            caps_lock: false,
            buffer: String::new(),
            overflowed: false,
            max_len,
        }
    }

    /// Feeds one key event (`value`: 0 release, 1 press, 2 autorepeat).
    pub fn feed(&mut self, key: u16, value: i32) -> Option<KeyEvent> {
        match key {
            code::LEFTSHIFT => {
                self.left_shift = value != RELEASE;
                return None;
            }
            code::RIGHTSHIFT => {
                self.right_shift = value != RELEASE;
                return None;
            }
            _ => {}
        }
        if value == RELEASE {
            return None;
        }
        match key {
            code::CAPSLOCK => {
                self.caps_lock = !self.caps_lock;
                None
            }
            code::ENTER | code::KPENTER | code::TAB => {
                let text = std::mem::take(&mut self.buffer);
                if std::mem::take(&mut self.overflowed) {
                    Some(KeyEvent::Overlong)
                } else if text.is_empty() {
                    None
                } else {
                    Some(KeyEvent::Code(text))
                }
            }
            code::BACKSPACE => {
                self.buffer.pop();
                None
            }
            _ => match chars(key) {
                Some((lower, upper)) => {
                    let shift = self.left_shift || self.right_shift;
                    let letter = lower.is_ascii_alphabetic();
                    let c = if shift ^ (self.caps_lock && letter) {
                        upper
                    } else {
                        lower
                    };
                    if self.buffer.len() >= self.max_len {
                        self.overflowed = true;
                        self.buffer.clear();
                    } else if !self.overflowed {
                        self.buffer.push(c);
                    }
                    None
                }
                None => {
                    self.buffer.clear();
                    self.overflowed = false;
                    Some(KeyEvent::Unexpected(key))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recorded scan: each (key, value) as evdev reported it.
    fn play(decoder: &mut KeyDecoder, events: &[(u16, i32)]) -> Vec<KeyEvent> {
        events
            .iter()
            .filter_map(|&(k, v)| decoder.feed(k, v))
            .collect()
    }

    fn tap(key: u16) -> [(u16, i32); 2] {
        [(key, PRESS), (key, RELEASE)]
    }

    #[test]
    fn a_recorded_library_barcode_with_shifted_codabar_letters() {
        // "A31000000001B\n" as a scanner types it: Shift held for the letters.
        let mut events = vec![(code::LEFTSHIFT, PRESS)];
        events.extend(tap(30)); // a -> A
        events.push((code::LEFTSHIFT, RELEASE));
        for key in [4, 2, 11, 11, 11, 11, 11, 11, 11, 11, 2] {
            events.extend(tap(key));
        }
        events.push((code::RIGHTSHIFT, PRESS));
        events.extend(tap(48)); // b -> B
        events.push((code::RIGHTSHIFT, RELEASE));
        events.extend(tap(code::ENTER));
        let mut decoder = KeyDecoder::new(128);
        assert_eq!(
            play(&mut decoder, &events),
            vec![KeyEvent::Code("A31000000001B".into())]
        );
    }

    #[test]
    fn keypad_digits_caps_lock_and_autorepeat() {
        let mut decoder = KeyDecoder::new(128);
        let mut events = Vec::new();
        events.extend(tap(code::CAPSLOCK));
        events.extend(tap(45)); // x -> X with caps lock
        events.extend(tap(2)); // digits are not affected by caps lock
        events.push((79, PRESS));
        events.push((79, REPEAT)); // held: typed twice
        events.push((79, RELEASE));
        events.extend(tap(code::KPENTER));
        assert_eq!(
            play(&mut decoder, &events),
            vec![KeyEvent::Code("X111".into())]
        );
    }

    #[test]
    fn overlong_and_unexpected_keys_discard_the_code() {
        let mut decoder = KeyDecoder::new(4);
        let mut events = Vec::new();
        for _ in 0..6 {
            events.extend(tap(2));
        }
        events.extend(tap(code::ENTER));
        events.extend(tap(3));
        events.extend(tap(code::ESC));
        events.extend(tap(4));
        events.extend(tap(code::ENTER));
        assert_eq!(
            play(&mut decoder, &events),
            vec![
                KeyEvent::Overlong,
                KeyEvent::Unexpected(code::ESC),
                KeyEvent::Code("3".into())
            ]
        );
    }
}
