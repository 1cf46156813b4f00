//! ESC/POS receipt printers: receipts laid out for 58 mm (32 columns) and 80 mm (48 columns)
//! paper, written through the `escpos` crate to any `io::Write` (a serial port, a
//! `/dev/usb/lp*` file, a buffer), and a decoder that turns the bytes back into text for tests.

pub mod decode;
pub mod receipt;
pub mod translit;

use escpos::driver::Driver;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Paper width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperWidth {
    Mm58,
    Mm80,
}

impl PaperWidth {
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    pub fn from_mm(mm: u32) -> Option<PaperWidth> {
        match mm {
            58 => Some(PaperWidth::Mm58),
            80 => Some(PaperWidth::Mm80),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("printer: {0}")]
    Escpos(String),
    #[error("printer I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl From<escpos::errors::PrinterError> for PrinterError {
    fn from(e: escpos::errors::PrinterError) -> PrinterError {
        PrinterError::Escpos(e.to_string())
    }
}

/// The ~10-line adapter between `escpos`'s driver trait and any `io::Write`.
pub struct WriteDriver<W: Write + Send> {
    inner: Arc<Mutex<W>>,
}

impl<W: Write + Send> WriteDriver<W> {
    pub fn new(inner: W) -> WriteDriver<W> {
        WriteDriver {
            inner: Arc::new(Mutex::new(inner)),
        }
    }
}

impl<W: Write + Send> Clone for WriteDriver<W> {
    fn clone(&self) -> Self {
        WriteDriver {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<W: Write + Send> Driver for WriteDriver<W> {
    fn name(&self) -> String {
        "io::Write".into()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| escpos::errors::PrinterError::Io("printer writer poisoned".into()))?;
        inner
            .write_all(data)
            .map_err(|e| escpos::errors::PrinterError::Io(e.to_string()))
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| escpos::errors::PrinterError::Io("printer writer poisoned".into()))?;
        inner
            .flush()
            .map_err(|e| escpos::errors::PrinterError::Io(e.to_string()))
    }
}
