//! Simulated GPIO: scripted input edges and outputs that record what they were set to.

use super::{Edge, EdgeSource, GpioError, Level, OutputLine};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Scripted inputs: a test or the demo sends edges; a station reads them.
pub struct SimInputs {
    rx: Receiver<Edge>,
}

/// The sending side of [`SimInputs`].
#[derive(Clone)]
pub struct SimInputScript {
    tx: Sender<Edge>,
}

pub fn inputs() -> (SimInputScript, SimInputs) {
    let (tx, rx) = channel();
    (SimInputScript { tx }, SimInputs { rx })
}

impl SimInputScript {
    pub fn edge(&self, line: u32, level: Level, at: Duration) {
        let _ = self.tx.send(Edge { line, level, at });
    }

    /// A line going active at `start` for `length`.
    pub fn pulse(&self, line: u32, start: Duration, length: Duration) {
        self.edge(line, Level::High, start);
        self.edge(line, Level::Low, start + length);
    }
}

impl EdgeSource for SimInputs {
    fn next_edge(&mut self, timeout: Duration) -> Result<Option<Edge>, GpioError> {
        match self.rx.recv_timeout(timeout) {
            Ok(edge) => Ok(Some(edge)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            Err(RecvTimeoutError::Disconnected) => {
                Err(GpioError::Other("the simulated inputs were closed".into()))
            }
        }
    }
}

/// An output that records every level it was set to.
#[derive(Clone, Default)]
pub struct SimOutput {
    history: Arc<Mutex<Vec<Level>>>,
}

impl SimOutput {
    pub fn new() -> SimOutput {
        SimOutput::default()
    }

    pub fn history(&self) -> Vec<Level> {
        self.history.lock().map(|h| h.clone()).unwrap_or_default()
    }

    pub fn level(&self) -> Option<Level> {
        self.history().last().copied()
    }
}

impl OutputLine for SimOutput {
    fn set(&mut self, level: Level) -> Result<(), GpioError> {
        self.history
            .lock()
            .map_err(|_| GpioError::Other("simulated output poisoned".into()))?
            .push(level);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_edges_arrive_in_order_and_outputs_record() {
        let (script, mut inputs) = inputs();
        script.pulse(5, Duration::from_millis(10), Duration::from_millis(40));
        assert_eq!(
            inputs.next_edge(Duration::ZERO).unwrap().map(|e| e.level),
            Some(Level::High)
        );
        let low = inputs.next_edge(Duration::ZERO).unwrap().unwrap();
        assert_eq!(
            (low.line, low.level, low.at),
            (5, Level::Low, Duration::from_millis(50))
        );
        assert_eq!(inputs.next_edge(Duration::from_millis(1)).unwrap(), None);

        let mut relay = SimOutput::new();
        let observer = relay.clone();
        relay.set(Level::High).unwrap();
        relay.set(Level::Low).unwrap();
        assert_eq!(observer.history(), [Level::High, Level::Low]);
    }
}
