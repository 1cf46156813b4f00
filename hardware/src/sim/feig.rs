//! A FEIG ISO-host reader simulator with a scriptable field of tags.
//!
//! It answers the real protocol on the master side of a pseudo-terminal, so the real driver
//! runs against it unchanged. Bytes are paced at the configured baud rate (11 bits a byte at
//! 8E1) so timings are realistic. Tags can be added, lifted, corrupted, made weak (answer only
//! sometimes) and the whole reader can go silent.

use crate::rfid::Uid;
use crate::rfid::feig::driver::{
    CMD_ISO_HOST, CMD_ISO_HOST_CUSTOM, CMD_SOFTWARE_VERSION, MODE_MORE, NXP, NXP_RESET_EAS,
    NXP_SET_EAS, STATUS_MORE_DATA, STATUS_NO_TRANSPONDER, STATUS_OK, SUB_INVENTORY,
    SUB_READ_MULTIPLE, SUB_SYSTEM_INFO, SUB_WRITE_AFI, SUB_WRITE_MULTIPLE,
};
use crate::rfid::feig::frame::{BROADCAST, FrameDecoder, RawFrame, encode_response};
use crate::rfid::iso28560::{self, EncodeRequest};
use crate::serial::SerialSettings;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Tags answered in one inventory frame before "more data".
const TAGS_PER_ANSWER: usize = 8;

/// One simulated ISO 15693 tag (an NXP ICODE SLIX-like memory of 28 blocks of 4 bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct SimTag {
    pub uid: Uid,
    pub dsfid: u8,
    pub afi: u8,
    /// A locked AFI cannot be written (a tag prepared wrongly): writes fail.
    pub afi_locked: bool,
    pub eas: bool,
    pub supports_eas: bool,
    pub block_size: u8,
    pub memory: Vec<u8>,
    /// 1.0 answers always; a weak tag answers only this share of requests.
    pub answer_ratio: f64,
}

impl SimTag {
    /// A tag carrying an ISO 28560-3 block for `item_id`.
    pub fn library_item(uid: Uid, item_id: &str, isil: &str, afi: u8) -> SimTag {
        SimTag::with_data(uid, item_id, isil, 1, 1, 1, afi)
    }

    /// A tag with an ISO 28560-3 block; usage 8 is a patron card.
    pub fn with_data(
        uid: Uid,
        item_id: &str,
        isil: &str,
        usage: u8,
        parts: u8,
        part: u8,
        afi: u8,
    ) -> SimTag {
        let block = iso28560::encode_28560_3(&EncodeRequest {
            item_id,
            isil: Some(isil),
            usage,
            parts,
            part,
            size: 32,
        })
        .unwrap_or_else(|_| vec![0; 32]);
        let mut memory = vec![0u8; 28 * 4];
        memory[..32].copy_from_slice(&block);
        SimTag {
            uid,
            dsfid: 0x00,
            afi,
            afi_locked: false,
            eas: afi != 0xC2,
            supports_eas: true,
            block_size: 4,
            memory,
            answer_ratio: 1.0,
        }
    }
}

/// The tags on the pad and the reader's condition, shared with whoever scripts the test.
#[derive(Debug, Default)]
pub struct Field {
    pub tags: Vec<SimTag>,
    /// A silent reader answers nothing (unplugged, crashed, wrong baud rate).
    pub silent: bool,
    /// Tags not yet reported after a "more data" answer.
    pending_more: Vec<SimTag>,
    /// Deterministic randomness for weak tags.
    rng: u64,
    /// Requests answered, for tests and the benchmark.
    pub requests: u64,
    /// Bytes of line noise sent before every answer (a flaky cable).
    pub noise_before_answer: Vec<u8>,
}

impl Field {
    pub fn tag_mut(&mut self, uid: Uid) -> Option<&mut SimTag> {
        self.tags.iter_mut().find(|t| t.uid == uid)
    }

    /// Spoils a tag's stored CRC so the data still reads but no longer checks out
    /// (a bit flipped in memory, a half-finished write).
    pub fn corrupt(&mut self, uid: Uid) {
        if let Some(tag) = self.tag_mut(uid) {
            corrupt_crc(tag);
        }
    }

    pub fn remove(&mut self, uid: Uid) {
        self.tags.retain(|t| t.uid != uid);
    }

    fn answers(&mut self, uid: Uid) -> Option<usize> {
        let index = self.tags.iter().position(|t| t.uid == uid)?;
        let ratio = self.tags[index].answer_ratio;
        if ratio >= 1.0 {
            return Some(index);
        }
        // xorshift64: reproducible "sometimes".
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let roll = (self.rng % 10_000) as f64 / 10_000.0;
        (roll < ratio).then_some(index)
    }
}

/// Flips the stored ISO 28560-3 CRC (bytes 19–20) of a tag.
pub fn corrupt_crc(tag: &mut SimTag) {
    tag.memory[19] ^= 0xFF;
}

/// A running simulator; dropping it stops the thread.
pub struct FeigSimulator {
    field: Arc<Mutex<Field>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FeigSimulator {
    /// Serves the protocol on the device side of a pty. Like a real reader, it answers only
    /// when the port side is set to its baud rate; at any other rate the answer arrives as
    /// garbage (a pty does not enforce baud rates, so the simulator checks the setting).
    ///
    /// `port_side` is the other end of the pair, kept open (and read for its settings) by the
    /// simulator for as long as it runs.
    pub fn spawn_on_pty(
        device_side: serialport::TTYPort,
        port_side: serialport::TTYPort,
        settings: SerialSettings,
        pace: bool,
    ) -> FeigSimulator {
        use std::os::fd::AsRawFd;
        let probe: BaudProbe = Box::new(move || line_baud(port_side.as_raw_fd()));
        FeigSimulator::spawn_with(device_side, settings, pace, Some(probe))
    }

    /// Serves the protocol on `port` (the master side of a pty) at the pace of `settings`.
    pub fn spawn<P>(port: P, settings: SerialSettings, pace: bool) -> FeigSimulator
    where
        P: Read + Write + Send + 'static,
    {
        FeigSimulator::spawn_with(port, settings, pace, None)
    }

    fn spawn_with<P>(
        port: P,
        settings: SerialSettings,
        pace: bool,
        probe: Option<BaudProbe>,
    ) -> FeigSimulator
    where
        P: Read + Write + Send + 'static,
    {
        let field = Arc::new(Mutex::new(Field {
            rng: 0x9E37_79B9_7F4A_7C15,
            ..Field::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let field = Arc::clone(&field);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("feig-sim".into())
                .spawn(move || serve(port, field, stop, settings, pace, probe))
                .expect("spawn the simulator thread")
        };
        FeigSimulator {
            field,
            stop,
            thread: Some(thread),
        }
    }

    /// The field, to add, lift or change tags while the simulator runs.
    pub fn field(&self) -> std::sync::MutexGuard<'_, Field> {
        self.field
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for FeigSimulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The reader's own bus address: answers always come from it.
const OWN_ADDRESS: u8 = 0x00;

/// Reads the baud rate the port side of the line is set to.
type BaudProbe = Box<dyn Fn() -> Option<u32> + Send>;

/// The output speed set on a terminal, in baud. serialport sets speeds through termios2
/// (any rate, in `c_ospeed`), so that is read first; classic Bxxxx codes are the fallback.
fn line_baud(fd: std::os::fd::RawFd) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: TCGETS2 fills a termios2 struct for a valid tty fd; the fd stays open
        // because the port that owns it lives in the probe, which the simulator thread owns.
        let mut t2: libc::termios2 = unsafe { std::mem::zeroed() };
        if unsafe { libc::ioctl(fd, libc::TCGETS2, &mut t2) } == 0 && t2.c_ospeed > 0 {
            return Some(t2.c_ospeed);
        }
    }
    // SAFETY: as above, with the classic termios struct.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut termios) } != 0 {
        return None;
    }
    let speed = unsafe { libc::cfgetospeed(&termios) };
    Some(match speed {
        libc::B9600 => 9_600,
        libc::B19200 => 19_200,
        libc::B38400 => 38_400,
        libc::B57600 => 57_600,
        libc::B115200 => 115_200,
        _ => return None,
    })
}

fn serve<P: Read + Write>(
    mut port: P,
    field: Arc<Mutex<Field>>,
    stop: Arc<AtomicBool>,
    settings: SerialSettings,
    pace: bool,
    probe: Option<BaudProbe>,
) {
    let mut decoder = FrameDecoder::new();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        match port.read(&mut buf) {
            Ok(0) => std::thread::sleep(Duration::from_millis(5)),
            Ok(n) => decoder.push(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)), // the other side is not open yet
        }
        // At the wrong baud rate a real reader sees noise and the host sees noise back.
        if let Some(probe) = &probe
            && probe().is_some_and(|baud| baud != settings.baud)
        {
            if decoder.next_frame().is_some() {
                let _ = write_paced(&mut port, &[0xF0, 0x0F, 0xFF, 0x80], settings, pace);
            }
            continue;
        }
        while let Some(request) = decoder.next_frame() {
            if request.address != BROADCAST && request.address != OWN_ADDRESS {
                continue;
            }
            let answer = {
                let mut field = field.lock().unwrap_or_else(|p| p.into_inner());
                if field.silent {
                    continue;
                }
                field.requests += 1;
                let mut bytes = field.noise_before_answer.clone();
                bytes.extend(answer(&mut field, &request));
                bytes
            };
            let request_len = request.body.len() + 7;
            if pace {
                // The request took this long to arrive on a real line.
                std::thread::sleep(settings.byte_time() * request_len as u32);
            }
            if write_paced(&mut port, &answer, settings, pace).is_err() {
                break;
            }
        }
    }
}

/// Writes in small chunks, each after the time its bytes take on the wire.
fn write_paced<P: Write>(
    port: &mut P,
    bytes: &[u8],
    settings: SerialSettings,
    pace: bool,
) -> std::io::Result<()> {
    for chunk in bytes.chunks(16) {
        if pace {
            std::thread::sleep(settings.byte_time() * chunk.len() as u32);
        }
        port.write_all(chunk)?;
    }
    port.flush()
}

fn uid_from(bytes: &[u8]) -> Option<Uid> {
    bytes.get(..8).and_then(|b| b.try_into().ok()).map(Uid)
}

fn answer(field: &mut Field, request: &RawFrame) -> Vec<u8> {
    let reply =
        |status: u8, data: &[u8]| encode_response(OWN_ADDRESS, request.command, status, data);
    let body = request.body.as_slice();
    match request.command {
        CMD_SOFTWARE_VERSION => reply(STATUS_OK, &[0x03, 0x04, 0x00, 0x50, 0x00]),
        0x52 => reply(STATUS_OK, &[]),
        CMD_ISO_HOST => match body {
            [SUB_INVENTORY, mode, rest @ ..] => inventory(field, *mode, rest, reply),
            [sub, 0x01, rest @ ..] => match uid_from(rest) {
                None => reply(0x81, &[]),
                Some(uid) => match field.answers(uid) {
                    None => reply(STATUS_NO_TRANSPONDER, &[]),
                    Some(index) => addressed(&mut field.tags[index], *sub, &rest[8..], reply),
                },
            },
            _ => reply(0x82, &[]),
        },
        CMD_ISO_HOST_CUSTOM => match body {
            [
                NXP,
                command @ (NXP_SET_EAS | NXP_RESET_EAS),
                0x01,
                rest @ ..,
            ] => match uid_from(rest).and_then(|u| field.answers(u)) {
                None => reply(STATUS_NO_TRANSPONDER, &[]),
                Some(index) if !field.tags[index].supports_eas => reply(0x82, &[]),
                Some(index) => {
                    field.tags[index].eas = *command == NXP_SET_EAS;
                    reply(STATUS_OK, &[])
                }
            },
            _ => reply(0x82, &[]),
        },
        _ => reply(0x80, &[]),
    }
}

fn inventory(
    field: &mut Field,
    mode: u8,
    rest: &[u8],
    reply: impl Fn(u8, &[u8]) -> Vec<u8>,
) -> Vec<u8> {
    if mode & MODE_MORE == 0 {
        // Bit 4: only tags with the AFI that follows answer.
        let afi_filter = if mode & 0x10 != 0 {
            rest.first().copied()
        } else {
            None
        };
        let uids: Vec<Uid> = field.tags.iter().map(|t| t.uid).collect();
        let mut answering = Vec::new();
        for uid in uids {
            if let Some(index) = field.answers(uid) {
                let tag = &field.tags[index];
                if afi_filter.is_none_or(|afi| afi == tag.afi) {
                    answering.push(tag.clone());
                }
            }
        }
        field.pending_more = answering;
    }
    if field.pending_more.is_empty() {
        return reply(STATUS_NO_TRANSPONDER, &[]);
    }
    let take = field.pending_more.len().min(TAGS_PER_ANSWER);
    let page: Vec<SimTag> = field.pending_more.drain(..take).collect();
    let mut data = vec![page.len() as u8];
    for tag in &page {
        data.push(0x03); // ISO 15693
        data.push(tag.dsfid);
        data.extend_from_slice(&tag.uid.0);
    }
    let status = if field.pending_more.is_empty() {
        STATUS_OK
    } else {
        STATUS_MORE_DATA
    };
    reply(status, &data)
}

fn addressed(
    tag: &mut SimTag,
    sub: u8,
    args: &[u8],
    reply: impl Fn(u8, &[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let size = usize::from(tag.block_size);
    let blocks = tag.memory.len() / size;
    match (sub, args) {
        (SUB_SYSTEM_INFO, _) => {
            let mut data = vec![tag.dsfid];
            data.extend_from_slice(&tag.uid.0);
            data.extend_from_slice(&[tag.afi, (blocks - 1) as u8, (size - 1) as u8, 0x01]);
            reply(STATUS_OK, &data)
        }
        (SUB_READ_MULTIPLE, [first, count, ..]) => {
            let (first, count) = (usize::from(*first), usize::from(*count));
            if count == 0 || first + count > blocks {
                return reply(0x04, &[]);
            }
            let mut data = vec![count as u8, tag.block_size];
            for block in tag.memory[first * size..(first + count) * size].chunks(size) {
                data.push(0x00);
                data.extend(block.iter().rev());
            }
            reply(STATUS_OK, &data)
        }
        (SUB_WRITE_MULTIPLE, [first, count, block_size, data @ ..]) => {
            let (first, count) = (usize::from(*first), usize::from(*count));
            if usize::from(*block_size) != size
                || data.len() != count * size
                || first + count > blocks
            {
                return reply(0x04, &[]);
            }
            for (i, block) in data.chunks(size).enumerate() {
                let at = (first + i) * size;
                for (j, byte) in block.iter().rev().enumerate() {
                    tag.memory[at + j] = *byte;
                }
            }
            reply(STATUS_OK, &[])
        }
        (SUB_WRITE_AFI, [afi, ..]) => {
            if tag.afi_locked {
                return reply(0x03, &[]);
            }
            tag.afi = *afi;
            reply(STATUS_OK, &[])
        }
        _ => reply(0x82, &[]),
    }
}
