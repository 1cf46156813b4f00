//! The kernel GPIO character device (`/dev/gpiochipN`) through `gpiocdev`: edges with
//! kernel timestamps and kernel-side debounce.

use super::{Edge, EdgeSource, GpioError, Level, OutputLine};
use gpiocdev::line::{EdgeDetection, EdgeKind, Value};
use gpiocdev::request::Request;
use std::path::Path;
use std::time::Duration;

fn map_error(chip: &Path, line: u32, error: gpiocdev::Error) -> GpioError {
    let path = chip.display().to_string();
    let text = error.to_string();
    if !chip.exists() {
        GpioError::NoChip { path, detail: text }
    } else if text.contains("ermission") {
        GpioError::PermissionDenied { path }
    } else if text.contains("busy") || text.contains("Busy") {
        GpioError::Busy { path, line }
    } else {
        GpioError::Other(format!("{path}: {text}"))
    }
}

/// Input lines watched for both edges.
pub struct CdevInputs {
    request: Request,
}

impl CdevInputs {
    /// Requests `lines` on `chip` as inputs with edge detection and kernel debounce.
    pub fn open(chip: &Path, lines: &[u32], debounce: Duration) -> Result<CdevInputs, GpioError> {
        let request = Request::builder()
            .on_chip(chip)
            .with_consumer("swalayan")
            .with_lines(lines)
            .as_input()
            .with_edge_detection(EdgeDetection::BothEdges)
            .with_debounce_period(debounce)
            .request()
            .map_err(|e| map_error(chip, lines.first().copied().unwrap_or(0), e))?;
        Ok(CdevInputs { request })
    }
}

impl EdgeSource for CdevInputs {
    fn next_edge(&mut self, timeout: Duration) -> Result<Option<Edge>, GpioError> {
        let ready = self
            .request
            .wait_edge_event(timeout)
            .map_err(|e| GpioError::Other(e.to_string()))?;
        if !ready {
            return Ok(None);
        }
        let event = self
            .request
            .read_edge_event()
            .map_err(|e| GpioError::Other(e.to_string()))?;
        Ok(Some(Edge {
            line: event.offset,
            level: match event.kind {
                EdgeKind::Rising => Level::High,
                EdgeKind::Falling => Level::Low,
            },
            at: Duration::from_nanos(event.timestamp_ns),
        }))
    }
}

/// One output line.
pub struct CdevOutput {
    request: Request,
}

impl CdevOutput {
    pub fn open(chip: &Path, line: u32, initial: Level) -> Result<CdevOutput, GpioError> {
        let request = Request::builder()
            .on_chip(chip)
            .with_consumer("swalayan")
            .with_line(line)
            .as_output(value(initial))
            .request()
            .map_err(|e| map_error(chip, line, e))?;
        Ok(CdevOutput { request })
    }
}

fn value(level: Level) -> Value {
    match level {
        Level::High => Value::Active,
        Level::Low => Value::Inactive,
    }
}

impl OutputLine for CdevOutput {
    fn set(&mut self, level: Level) -> Result<(), GpioError> {
        self.request
            .set_lone_value(value(level))
            .map_err(|e| GpioError::Other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_without_the_chip_gets_a_plain_error() {
        let err = CdevInputs::open(
            Path::new("/dev/gpiochip-swalayan-none"),
            &[17],
            Duration::from_millis(25),
        )
        .err()
        .expect("no such chip here");
        assert!(matches!(err, GpioError::NoChip { .. }), "{err}");
        assert!(err.to_string().contains("simulator"));
    }
}
