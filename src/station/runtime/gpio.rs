//! GPIO lines opened from `[gpio]`: input lines for a role (the drop box's chute sensor, the
//! gate's beams) with the configured debounce, and the buzzer. The debounce applies twice
//! where it can: in the kernel (gpiocdev drops contact bounce before it wakes us) and in the
//! runtime's input thread (every backend, the simulator included).

use super::devices::InputLines;
use crate::config::{GpioBackend, GpioSettings};
use swalayan_hardware::gpio::sim::{self, SimInputScript};
use swalayan_hardware::gpio::{EdgeSource, GpioError, Level, OutputLine};

/// Opens `lines` as inputs. With the simulator backend the script that drives them is
/// returned too (the demo and tests play edges on it).
pub fn open_inputs(
    gpio: &GpioSettings,
    lines: &[u32],
) -> Result<(InputLines, Option<SimInputScript>), GpioError> {
    let (source, script): (Box<dyn EdgeSource>, _) = match gpio.backend {
        GpioBackend::Cdev => (
            Box::new(swalayan_hardware::gpio::cdev::CdevInputs::open(
                &gpio.chip,
                lines,
                gpio.debounce,
            )?),
            None,
        ),
        #[cfg(feature = "rppal")]
        GpioBackend::Rppal => (
            Box::new(swalayan_hardware::gpio::rppal::RppalInputs::open(
                lines,
                gpio.debounce,
            )?),
            None,
        ),
        #[cfg(not(feature = "rppal"))]
        GpioBackend::Rppal => return Err(no_rppal()),
        GpioBackend::Sim => {
            let (script, inputs) = sim::inputs();
            (Box::new(inputs), Some(script))
        }
    };
    Ok((
        InputLines {
            source,
            debounce: gpio.debounce,
        },
        script,
    ))
}

/// Opens an output line (the buzzer, a bin diverter), low at first.
pub fn open_output(gpio: &GpioSettings, line: u32) -> Result<Box<dyn OutputLine>, GpioError> {
    Ok(match gpio.backend {
        GpioBackend::Cdev => Box::new(swalayan_hardware::gpio::cdev::CdevOutput::open(
            &gpio.chip,
            line,
            Level::Low,
        )?),
        #[cfg(feature = "rppal")]
        GpioBackend::Rppal => Box::new(swalayan_hardware::gpio::rppal::RppalOutput::open(
            line,
            Level::Low,
        )?),
        #[cfg(not(feature = "rppal"))]
        GpioBackend::Rppal => return Err(no_rppal()),
        GpioBackend::Sim => Box::new(sim::SimOutput::new()),
    })
}

#[cfg(not(feature = "rppal"))]
fn no_rppal() -> GpioError {
    GpioError::Other("this build has no rppal backend (cargo feature rppal)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn settings(backend: GpioBackend, debounce_ms: u64) -> GpioSettings {
        GpioSettings {
            backend,
            chip: "/dev/no-such-gpiochip".into(),
            debounce: Duration::from_millis(debounce_ms),
            buzzer: None,
        }
    }

    #[test]
    fn the_configured_debounce_reaches_the_input_thread() {
        let (inputs, script) = open_inputs(&settings(GpioBackend::Sim, 40), &[17]).unwrap();
        assert_eq!(inputs.debounce, Duration::from_millis(40));
        assert!(script.is_some(), "the simulator comes with its script");
    }

    #[test]
    fn a_missing_chip_says_what_to_check() {
        let Err(e) = open_inputs(&settings(GpioBackend::Cdev, 25), &[17]) else {
            panic!("no chip here");
        };
        assert!(e.to_string().contains("[gpio] chip"), "{e}");
    }
}
