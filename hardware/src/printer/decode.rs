//! Reads ESC/POS bytes back into what a person would see on the paper: lines of text, which
//! were bold or double height, QR contents, and whether the paper was cut. Tests use it to
//! check receipts; it rejects sequences it does not know, so a malformed command shows up.

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Paper {
    pub lines: Vec<PaperLine>,
    pub qr: Vec<String>,
    pub cut: bool,
    /// The code page selected (ESC t n).
    pub code_page: Option<u8>,
    pub initialised: bool,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PaperLine {
    pub text: String,
    pub bold: bool,
    pub double_height: bool,
    pub centered: bool,
}

pub fn decode(bytes: &[u8]) -> Result<Paper, String> {
    let mut paper = Paper::default();
    let mut line = PaperLine::default();
    let (mut bold, mut tall, mut centered) = (false, false, false);
    let mut qr_store: Option<String> = None;
    let mut i = 0;
    let need = |i: usize, n: usize| -> Result<(), String> {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(format!("truncated command at byte {i}"))
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            0x0A => {
                line.bold |= bold;
                line.double_height |= tall;
                line.centered = centered;
                paper.lines.push(std::mem::take(&mut line));
                i += 1;
            }
            0x1B => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'@' => {
                        paper.initialised = true;
                        i += 2;
                    }
                    b'E' => {
                        need(i, 3)?;
                        bold = bytes[i + 2] & 1 == 1;
                        i += 3;
                    }
                    b't' => {
                        need(i, 3)?;
                        paper.code_page = Some(bytes[i + 2]);
                        i += 3;
                    }
                    b'a' => {
                        need(i, 3)?;
                        centered = bytes[i + 2] == 1;
                        i += 3;
                    }
                    b'd' => {
                        // Print the line so far, then feed n lines (the first ends it).
                        need(i, 3)?;
                        line.bold |= bold;
                        line.double_height |= tall;
                        line.centered = centered;
                        paper.lines.push(std::mem::take(&mut line));
                        for _ in 1..bytes[i + 2] {
                            paper.lines.push(PaperLine::default());
                        }
                        i += 3;
                    }
                    other => return Err(format!("unknown ESC {other:#04x} at byte {i}")),
                }
            }
            0x1D => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'!' => {
                        need(i, 3)?;
                        tall = bytes[i + 2] & 0x0F != 0;
                        i += 3;
                    }
                    b'V' => {
                        need(i, 3)?;
                        paper.cut = true;
                        // GS V m, or GS V m n for the feed-and-cut forms.
                        i += if matches!(bytes[i + 2], 65 | 66 | 97 | 98 | 103 | 104) {
                            4
                        } else {
                            3
                        };
                    }
                    b'(' if bytes.get(i + 2) == Some(&b'k') => {
                        need(i, 7)?;
                        let len = usize::from(bytes[i + 3]) | (usize::from(bytes[i + 4]) << 8);
                        need(i + 5, len)?;
                        let (cn, fun) = (bytes[i + 5], bytes[i + 6]);
                        if cn == 49 && fun == 80 {
                            qr_store = Some(
                                String::from_utf8_lossy(&bytes[i + 8..i + 5 + len]).into_owned(),
                            );
                        } else if cn == 49 && fun == 81 {
                            paper.qr.extend(qr_store.take());
                        }
                        i += 5 + len;
                    }
                    other => return Err(format!("unknown GS {other:#04x} at byte {i}")),
                }
            }
            b if b < 0x20 => return Err(format!("unexpected control byte {b:#04x} at byte {i}")),
            b if b >= 0x80 => {
                return Err(format!(
                    "byte {b:#04x} outside ASCII at byte {i}: untransliterated text"
                ));
            }
            b => {
                line.text.push(char::from(b));
                i += 1;
            }
        }
    }
    if !line.text.is_empty() {
        paper.lines.push(line);
    }
    Ok(paper)
}
