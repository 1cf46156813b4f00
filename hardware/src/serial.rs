//! Serial ports: opening with clear errors, and the byte transport drivers are generic over.

use serde::Deserialize;
use serialport::{DataBits, Parity, SerialPort, StopBits, TTYPort};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Line settings of a serial device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SerialSettings {
    pub baud: u32,
    #[serde(default = "eight")]
    pub data_bits: u8,
    #[serde(default)]
    pub parity: ParitySetting,
    #[serde(default = "one")]
    pub stop_bits: u8,
}

fn eight() -> u8 {
    8
}
fn one() -> u8 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParitySetting {
    #[default]
    None,
    Even,
    Odd,
}

impl SerialSettings {
    /// FEIG readers' usual setting: 38400 baud, 8E1.
    pub const FEIG_DEFAULT: SerialSettings = SerialSettings {
        baud: 38_400,
        data_bits: 8,
        parity: ParitySetting::Even,
        stop_bits: 1,
    };

    /// Scanners' usual setting: 9600 baud, 8N1.
    pub const SCANNER_DEFAULT: SerialSettings = SerialSettings {
        baud: 9_600,
        data_bits: 8,
        parity: ParitySetting::None,
        stop_bits: 1,
    };

    /// Bits on the wire per byte: start + data + parity + stop.
    pub fn bits_per_byte(&self) -> u32 {
        1 + u32::from(self.data_bits)
            + u32::from(self.parity != ParitySetting::None)
            + u32::from(self.stop_bits)
    }

    /// How long one byte takes on the wire.
    pub fn byte_time(&self) -> Duration {
        Duration::from_secs_f64(f64::from(self.bits_per_byte()) / f64::from(self.baud.max(1)))
    }
}

/// Errors of serial devices; each says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SerialError {
    /// Nothing at that path: unplugged, or the wrong name.
    #[error("{path}: no such device — is it plugged in? (`ls /dev/serial/by-id/` lists what is)")]
    Missing { path: PathBuf },
    /// The service user may not open it.
    #[error("{path}: permission denied — add the service user to the dialout group")]
    PermissionDenied { path: PathBuf },
    /// Another program holds the port.
    #[error("{path}: busy — another program has the port open")]
    Busy { path: PathBuf },
    #[error("{path}: {message}")]
    Other { path: PathBuf, message: String },
}

/// Opens a serial port with the given line settings and a read timeout.
pub fn open(
    path: &Path,
    settings: SerialSettings,
    timeout: Duration,
) -> Result<TTYPort, SerialError> {
    let path_buf = path.to_path_buf();
    if !path.exists() {
        return Err(SerialError::Missing { path: path_buf });
    }
    let data_bits = match settings.data_bits {
        5 => DataBits::Five,
        6 => DataBits::Six,
        7 => DataBits::Seven,
        _ => DataBits::Eight,
    };
    let parity = match settings.parity {
        ParitySetting::None => Parity::None,
        ParitySetting::Even => Parity::Even,
        ParitySetting::Odd => Parity::Odd,
    };
    let stop_bits = if settings.stop_bits == 2 {
        StopBits::Two
    } else {
        StopBits::One
    };
    serialport::new(path.to_string_lossy(), settings.baud)
        .data_bits(data_bits)
        .parity(parity)
        .stop_bits(stop_bits)
        .timeout(timeout)
        .open_native()
        .map_err(|e| match e.kind() {
            serialport::ErrorKind::Io(std::io::ErrorKind::NotFound) => {
                SerialError::Missing { path: path_buf }
            }
            serialport::ErrorKind::Io(std::io::ErrorKind::PermissionDenied) => {
                SerialError::PermissionDenied { path: path_buf }
            }
            serialport::ErrorKind::NoDevice => SerialError::Busy { path: path_buf },
            _ => SerialError::Other {
                path: path_buf,
                message: e.to_string(),
            },
        })
}

/// A byte pipe with a read timeout: a serial port, a pseudo-terminal, or a test double.
pub trait Transport: Read + Write + Send {
    fn set_read_timeout(&mut self, timeout: Duration) -> std::io::Result<()>;
    /// Drops bytes received but not read (stale answers after a timeout).
    fn discard_input(&mut self) -> std::io::Result<()>;
}

impl Transport for TTYPort {
    fn set_read_timeout(&mut self, timeout: Duration) -> std::io::Result<()> {
        SerialPort::set_timeout(self, timeout).map_err(std::io::Error::other)
    }

    fn discard_input(&mut self) -> std::io::Result<()> {
        SerialPort::clear(self, serialport::ClearBuffer::Input).map_err(std::io::Error::other)
    }
}

/// A transport that counts the bytes crossing it: the benchmark's lower bound and
/// diagnostics both need them.
pub struct CountingTransport<T> {
    pub inner: T,
    pub written: u64,
    pub read: u64,
}

impl<T> CountingTransport<T> {
    pub fn new(inner: T) -> CountingTransport<T> {
        CountingTransport {
            inner,
            written: 0,
            read: 0,
        }
    }
}

impl<T: Read> Read for CountingTransport<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<T: Write> Write for CountingTransport<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<T: Transport> Transport for CountingTransport<T> {
    fn set_read_timeout(&mut self, timeout: Duration) -> std::io::Result<()> {
        self.inner.set_read_timeout(timeout)
    }

    fn discard_input(&mut self) -> std::io::Result<()> {
        self.inner.discard_input()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feig_8e1_is_eleven_bits_a_byte() {
        assert_eq!(SerialSettings::FEIG_DEFAULT.bits_per_byte(), 11);
        let t = SerialSettings::FEIG_DEFAULT.byte_time();
        assert!((t.as_secs_f64() - 11.0 / 38_400.0).abs() < 1e-9);
    }

    #[test]
    fn a_missing_device_says_so() {
        let err = open(
            Path::new("/dev/does-not-exist-swalayan"),
            SerialSettings::SCANNER_DEFAULT,
            Duration::from_millis(10),
        )
        .unwrap_err();
        assert!(matches!(err, SerialError::Missing { .. }));
        assert!(err.to_string().contains("plugged in"));
    }
}
