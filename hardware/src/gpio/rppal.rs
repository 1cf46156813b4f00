//! The `rppal` backend (cargo feature `rppal`), for Raspberry Pi images where it is preferred.
//! rppal was retired upstream in 2025-07: the gpiocdev backend is the default.

use super::{Edge, EdgeSource, GpioError, Level, OutputLine};
use rppal::gpio::{Gpio, InputPin, OutputPin, Trigger};
use std::time::Duration;

fn other(e: rppal::gpio::Error) -> GpioError {
    GpioError::Other(e.to_string())
}

pub struct RppalInputs {
    gpio: Gpio,
    pins: Vec<InputPin>,
}

impl RppalInputs {
    pub fn open(lines: &[u32], debounce: Duration) -> Result<RppalInputs, GpioError> {
        let gpio = Gpio::new().map_err(other)?;
        let mut pins = Vec::new();
        for &line in lines {
            let pin =
                u8::try_from(line).map_err(|_| GpioError::Other(format!("no BCM pin {line}")))?;
            let mut input = gpio.get(pin).map_err(other)?.into_input();
            input
                .set_interrupt(Trigger::Both, Some(debounce))
                .map_err(other)?;
            pins.push(input);
        }
        Ok(RppalInputs { gpio, pins })
    }
}

impl EdgeSource for RppalInputs {
    fn next_edge(&mut self, timeout: Duration) -> Result<Option<Edge>, GpioError> {
        let pins: Vec<&InputPin> = self.pins.iter().collect();
        let Some((pin, event)) = self
            .gpio
            .poll_interrupts(&pins, false, Some(timeout))
            .map_err(other)?
        else {
            return Ok(None);
        };
        Ok(Some(Edge {
            line: u32::from(pin.pin()),
            level: if event.trigger == Trigger::RisingEdge {
                Level::High
            } else {
                Level::Low
            },
            at: event.timestamp,
        }))
    }
}

pub struct RppalOutput {
    pin: OutputPin,
}

impl RppalOutput {
    pub fn open(line: u32, initial: Level) -> Result<RppalOutput, GpioError> {
        let gpio = Gpio::new().map_err(other)?;
        let pin = u8::try_from(line).map_err(|_| GpioError::Other(format!("no BCM pin {line}")))?;
        let mut output = RppalOutput {
            pin: gpio.get(pin).map_err(other)?.into_output(),
        };
        output.set(initial)?;
        Ok(output)
    }
}

impl OutputLine for RppalOutput {
    fn set(&mut self, level: Level) -> Result<(), GpioError> {
        match level {
            Level::High => self.pin.set_high(),
            Level::Low => self.pin.set_low(),
        }
        Ok(())
    }
}
