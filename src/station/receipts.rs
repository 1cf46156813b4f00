//! Where receipts go: a printer device, or memory (tests, the demo without a printer).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use swalayan_hardware::printer::receipt::{Receipt, print};
use swalayan_hardware::printer::{PaperWidth, PrinterError};

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
}

impl ReceiptSink for DevicePrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<(), PrinterError> {
        let file = std::fs::OpenOptions::new().write(true).open(&self.path)?;
        print(receipt, self.width, file)
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
