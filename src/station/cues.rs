//! Cues (the buzzer's beeps) played on their own thread: a beep lasts up to 400 ms, and the
//! engine that decides loans must never wait for one.
//!
//! [`CuePlayer::play`] hands a cue over and returns at once. While the buzzer is busy a few
//! cues queue; beyond that, more are dropped — a patron scanning ten books fast needs to hear
//! that they were taken, not ten beeps in a row seconds later.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;
use swalayan_hardware::gpio::{Level, OutputLine};

/// A sound or buzzer cue for success or refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Success,
    Refusal,
}

/// Cues waiting while one plays.
const QUEUE: usize = 4;

/// How long the buzzer sounds for a cue: short for success, long for a refusal.
pub fn beep_length(cue: Cue) -> Duration {
    match cue {
        Cue::Success => Duration::from_millis(80),
        Cue::Refusal => Duration::from_millis(400),
    }
}

/// The thread that sounds cues; dropping it lets the queued cues finish, then stops it.
pub struct CuePlayer {
    cues: Option<SyncSender<Cue>>,
    thread: Option<JoinHandle<()>>,
}

impl CuePlayer {
    /// Starts the player on `buzzer`; without one, cues are only logged.
    pub fn spawn(buzzer: Option<Box<dyn OutputLine>>) -> std::io::Result<CuePlayer> {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("cues".into())
            .spawn(move || sound(rx, buzzer))?;
        Ok(CuePlayer {
            cues: Some(tx),
            thread: Some(thread),
        })
    }

    /// Plays a cue; never blocks (a full queue drops it).
    pub fn play(&self, cue: Cue) {
        tracing::debug!(?cue, "cue");
        if let Some(cues) = &self.cues
            && let Err(TrySendError::Full(_)) = cues.try_send(cue)
        {
            tracing::debug!(?cue, "buzzer busy: cue dropped");
        }
    }
}

impl Drop for CuePlayer {
    fn drop(&mut self) {
        self.cues.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn sound(cues: Receiver<Cue>, mut buzzer: Option<Box<dyn OutputLine>>) {
    for cue in cues {
        let Some(line) = buzzer.as_mut() else {
            continue;
        };
        if let Err(e) = line.set(Level::High) {
            tracing::warn!(error = %e, "buzzer");
            continue;
        }
        // The beep itself: this thread exists so that only it waits.
        std::thread::sleep(beep_length(cue));
        if let Err(e) = line.set(Level::Low) {
            tracing::warn!(error = %e, "buzzer");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{Sender, channel};
    use swalayan_hardware::gpio::GpioError;

    /// A buzzer line that reports each level and then waits for the test's go-ahead: it
    /// stands for a beep that takes as long as the test wants.
    struct HeldLine {
        levels: Sender<Level>,
        go: Receiver<()>,
    }

    impl OutputLine for HeldLine {
        fn set(&mut self, level: Level) -> Result<(), GpioError> {
            let _ = self.levels.send(level);
            let _ = self.go.recv();
            Ok(())
        }
    }

    #[test]
    fn playing_a_cue_never_waits_for_the_buzzer() {
        let (levels_tx, levels) = channel();
        let (go, go_rx) = channel();
        let player = CuePlayer::spawn(Some(Box::new(HeldLine {
            levels: levels_tx,
            go: go_rx,
        })))
        .unwrap();
        let wait = Duration::from_secs(10);
        // The buzzer is held high (the line does not return) while more cues arrive: play
        // returns for each, and those beyond the queue are dropped, not waited for.
        player.play(Cue::Refusal);
        assert_eq!(levels.recv_timeout(wait), Ok(Level::High));
        // From another thread, so a play that waited would fail this test, not hang it.
        let player = std::sync::Arc::new(player);
        let (done_tx, done) = channel();
        let playing = std::sync::Arc::clone(&player);
        let burst = std::thread::spawn(move || {
            for _ in 0..(QUEUE + 3) {
                playing.play(Cue::Success);
            }
            let _ = done_tx.send(());
        });
        assert!(
            done.recv_timeout(wait).is_ok(),
            "play waited for the buzzer"
        );
        burst.join().unwrap();
        // Release: the first beep ends, then the queued ones play, no more.
        let mut played = 0;
        go.send(()).unwrap(); // the first High returns
        loop {
            match levels.recv_timeout(wait) {
                Ok(Level::Low) => {
                    played += 1;
                    go.send(()).unwrap();
                }
                Ok(Level::High) => go.send(()).unwrap(),
                Err(_) => panic!("the player stopped mid-beep"),
            }
            if played == 1 + QUEUE {
                break;
            }
        }
        drop(go);
        drop(player); // the last handle: joins the player thread
        assert!(levels.try_recv().is_err(), "dropped cues were not played");
    }

    #[test]
    fn a_refusal_sounds_longer_than_a_success() {
        assert!(beep_length(Cue::Refusal) > beep_length(Cue::Success));
    }
}
