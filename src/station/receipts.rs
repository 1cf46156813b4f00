//! Where receipts go: a printer device, or memory (tests, the demo without a printer).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use swalayan_hardware::printer::receipt::{Receipt, print};
use swalayan_hardware::printer::{PaperWidth, PrinterError};
use swalayan_hardware::serial::{self, SerialSettings};

pub trait ReceiptSink: Send {
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError>;
    /// Whether printing can work now (paper, device present), for the status light.
    fn ready(&self) -> bool;
}

/// An ESC/POS printer at a device path (`/dev/usb/lp0`, a serial port), opened per receipt so
/// a printer switched off and on again just works on the next receipt.
pub struct DevicePrinter {
    pub path: PathBuf,
    pub width: PaperWidth,
    /// A serial printer's speed (`[printer] baud`): the port is opened at it, 8N1. `None`
    /// for a printer that is a plain device file (USB, `/dev/usb/lp0`).
    pub baud: Option<u32>,
}

impl ReceiptSink for DevicePrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError> {
        match self.baud {
            None => {
                let file = std::fs::OpenOptions::new().write(true).open(&self.path)?;
                print(receipt, self.width, file)
            }
            Some(baud) => {
                let settings = SerialSettings {
                    baud,
                    ..SerialSettings::SCANNER_DEFAULT
                };
                let port = serial::open(&self.path, settings, Duration::from_secs(2))
                    .map_err(|e| PrinterError::Io(std::io::Error::other(e.to_string())))?;
                print(receipt, self.width, port)
            }
        }
    }

    fn ready(&self) -> bool {
        self.path.exists()
    }
}

/// Keeps the ESC/POS bytes of every receipt (the demo's printer, and tests).
#[derive(Clone, Default)]
pub struct MemoryPrinter {
    pub printed: Arc<Mutex<Vec<Vec<u8>>>>,
    pub width: Option<PaperWidth>,
}

impl ReceiptSink for MemoryPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError> {
        let mut bytes = Vec::new();
        print(receipt, self.width.unwrap_or(PaperWidth::Mm80), &mut bytes)?;
        if let Ok(mut printed) = self.printed.lock() {
            printed.push(bytes);
        }
        Ok(())
    }

    fn ready(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serialport::{SerialPort, TTYPort};
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use swalayan_hardware::printer::receipt::ReceiptItem;

    /// A serial printer is opened at its configured speed, and the receipt reaches the wire.
    #[test]
    fn a_serial_printer_is_opened_at_its_baud_rate() {
        let (mut master, slave) = TTYPort::pair().unwrap();
        let path = PathBuf::from(slave.name().unwrap());
        let mut printer = DevicePrinter {
            path,
            width: PaperWidth::Mm58,
            baud: Some(19_200),
        };
        let receipt = Receipt {
            library: "Perpustakaan".into(),
            heading: "Bukti peminjaman".into(),
            when: "01-12-2026 10:00".into(),
            patron: None,
            items: vec![ReceiptItem {
                title: "Bumi".into(),
                barcode: "31000000501".into(),
                note: "Kembali 15-12-2026".into(),
            }],
            footer: vec![],
            qr: None,
        };
        printer.print(&receipt).unwrap();
        // The pty keeps the line settings the printer set; the master reads them back
        // (serialport sets any speed through termios2, so read it the same way).
        let mut termios = std::mem::MaybeUninit::<libc::termios2>::zeroed();
        // SAFETY: TCGETS2 fills a termios2 for a valid terminal descriptor.
        let speed = unsafe {
            assert_eq!(
                libc::ioctl(master.as_raw_fd(), libc::TCGETS2, termios.as_mut_ptr()),
                0
            );
            termios.assume_init().c_ospeed
        };
        assert_eq!(speed, 19_200);
        master.set_timeout(Duration::from_secs(2)).unwrap();
        let mut start = [0u8; 2];
        master.read_exact(&mut start).unwrap();
        assert_eq!(start, [0x1B, 0x40], "ESC @ starts the receipt");
        drop(slave);
    }
}
