//! A clean stop on SIGTERM (systemd stopping the service) or SIGINT (Ctrl-C): the station
//! finishes what it is doing — a decision and its outbox row commit together or not at all —
//! and exits 0.

use std::io;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The stop signals, listened to from the moment this exists.
pub struct Shutdown {
    term: Signal,
    interrupt: Signal,
}

impl Shutdown {
    /// Installs the handlers; call inside a tokio runtime. From then on a stop is not lost
    /// (and no longer kills the process outright).
    pub fn listen() -> io::Result<Shutdown> {
        Ok(Shutdown {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Completes when a stop arrives.
    pub async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// Runs `then` on a thread of its own once a stop arrives; the handlers are installed
/// before this returns.
pub fn on_stop(then: impl FnOnce() + Send + 'static) -> io::Result<std::thread::JoinHandle<()>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stop = runtime.block_on(async { Shutdown::listen() })?;
    std::thread::Builder::new()
        .name("shutdown".into())
        .spawn(move || {
            runtime.block_on(stop.wait());
            tracing::info!("stopping");
            then();
        })
}
