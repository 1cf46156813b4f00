//! Spoken guidance's voice (issue #33): espeak-ng, offline, in Bahasa Indonesia and English,
//! on a thread of its own, so that speaking never holds up the screen or the engine.
//!
//! [`Speaker::say`] hands over the words a screen shows; they are spoken with every number,
//! date and sum of money in words ([`swalayan_core::spoken::sentence`]). Out of the speaker
//! (`[speech] output = "alsa"`) the newest utterance wins: one still being spoken is cut
//! short, and ones waiting behind it are dropped — a patron scanning a stack hears the latest
//! result, not a queue of old ones. Into files (`"wav:DIR"`) every utterance is kept, in
//! order, as `NNNNNN-LANG.wav` with its words beside it in `NNNNNN-LANG.txt` (the written
//! words on the first line, the spoken ones on the second): a record of what a journey said.

use crate::config::{SpeechConfig, SpeechOutput};
use crate::reason::Lang;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// The engine, found on PATH (Debian's `espeak-ng` package; the .deb depends on it).
const ENGINE: &str = "espeak-ng";

/// Whether the engine is installed (on PATH): `config check` warns when `[speech]` is on
/// without it.
pub fn engine_installed() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(ENGINE).is_file()))
}

/// How often a running utterance is checked for a newer one.
const POLL: Duration = Duration::from_millis(20);

/// Words to speak, as a screen writes them and as they are said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub lang: Lang,
    pub written: String,
    pub spoken: String,
}

impl Utterance {
    pub fn new(lang: Lang, written: &str) -> Utterance {
        Utterance {
            lang,
            written: written.to_string(),
            spoken: swalayan_core::spoken::sentence(written, lang),
        }
    }
}

/// The speaking thread; dropping it lets what is being said finish, then stops it.
pub struct Speaker {
    utterances: Option<Sender<Utterance>>,
    thread: Option<JoinHandle<()>>,
    last: Arc<Mutex<Option<Utterance>>>,
}

impl Speaker {
    /// Starts the thread for `config` (its rate, volume and output). A missing engine is not
    /// an error here: each utterance then logs why it was not spoken, and the station serves
    /// on without speech.
    pub fn spawn(config: &SpeechConfig) -> std::io::Result<Speaker> {
        if let SpeechOutput::Wav(dir) = &config.output {
            std::fs::create_dir_all(dir)?;
        }
        let (tx, rx) = channel();
        let voice = Voice {
            rate: config.rate,
            volume: config.volume,
            output: config.output.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("speech".into())
            .spawn(move || speak_until_closed(rx, voice))?;
        Ok(Speaker {
            utterances: Some(tx),
            thread: Some(thread),
            last: Arc::new(Mutex::new(None)),
        })
    }

    /// Speaks `written` (a screen's words) in `lang`. Returns at once.
    pub fn say(&self, lang: Lang, written: &str) {
        if written.trim().is_empty() {
            return;
        }
        self.send(Utterance::new(lang, written));
    }

    /// Says the last utterance again (`#` on a USB keypad).
    pub fn repeat(&self) {
        let last = self
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(last) = last {
            self.send(last);
        }
    }

    fn send(&self, utterance: Utterance) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some(utterance.clone());
        if let Some(tx) = &self.utterances {
            let _ = tx.send(utterance);
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.utterances = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How the engine speaks, and where to.
struct Voice {
    rate: u32,
    volume: u32,
    output: SpeechOutput,
}

impl Voice {
    /// Out of the speaker a newer utterance cuts the current one short; files keep each.
    fn newest_wins(&self) -> bool {
        self.output == SpeechOutput::Alsa
    }

    /// Starts the engine on `utterance`; its words go in on stdin (never on a command line,
    /// where any user of the machine could read them).
    fn start(&self, utterance: &Utterance, file: Option<&Path>) -> std::io::Result<Child> {
        let mut command = Command::new(ENGINE);
        command
            .arg("-v")
            .arg(utterance.lang.code())
            .arg("-s")
            .arg(self.rate.to_string())
            .arg("-a")
            .arg(self.volume.to_string())
            .arg("--stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(file) = file {
            command.arg("-w").arg(file);
        }
        let mut child = command.spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(utterance.spoken.as_bytes())?;
        }
        Ok(child)
    }
}

/// The thread: speaks what comes, until the sender is dropped.
fn speak_until_closed(utterances: Receiver<Utterance>, voice: Voice) {
    let mut files = match &voice.output {
        SpeechOutput::Wav(dir) => Some(Recording::open(dir)),
        SpeechOutput::Alsa => None,
    };
    let mut waiting: VecDeque<Utterance> = VecDeque::new();
    let mut closed = false;
    loop {
        let next = match waiting.pop_front() {
            Some(next) => next,
            None if closed => return,
            None => match utterances.recv() {
                Ok(next) => next,
                Err(_) => return,
            },
        };
        let file = files.as_mut().map(|files| files.next(&next));
        let mut child = match voice.start(&next, file.as_deref()) {
            Ok(child) => child,
            Err(e) => {
                tracing::warn!("speech: {ENGINE} could not start: {e}");
                continue;
            }
        };
        // While it speaks: a newer utterance cuts it short out of the speaker, or waits
        // its turn into files.
        let finished = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!("speech: {ENGINE}: {e}");
                    break None;
                }
            }
            match utterances.recv_timeout(POLL) {
                Ok(newer) => {
                    if voice.newest_wins() {
                        let _ = child.kill();
                        let _ = child.wait();
                        waiting.clear();
                        waiting.push_back(newer);
                        break None;
                    }
                    waiting.push_back(newer);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => closed = true,
            }
            if closed {
                // The station is stopping: let this one finish.
                break child.wait().ok();
            }
        };
        if let Some(status) = finished
            && !status.success()
        {
            let mut detail = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut detail);
            }
            tracing::warn!("speech: {ENGINE} failed ({status}): {}", detail.trim());
        }
        if voice.newest_wins() {
            // Out of the speaker only the newest of what waits is said.
            while let Ok(newer) = utterances.try_recv() {
                waiting.clear();
                waiting.push_back(newer);
            }
            if waiting.len() > 1 {
                let newest = waiting.pop_back();
                waiting.clear();
                waiting.extend(newest);
            }
        }
    }
}

/// Numbered files in the output folder, after any already there.
struct Recording {
    dir: PathBuf,
    number: u64,
}

impl Recording {
    fn open(dir: &Path) -> Recording {
        let number = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().to_string();
                        name.split('-').next()?.parse::<u64>().ok()
                    })
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0);
        Recording {
            dir: dir.to_path_buf(),
            number,
        }
    }

    /// The next WAV file's path; its words are written beside it now.
    fn next(&mut self, utterance: &Utterance) -> PathBuf {
        self.number += 1;
        let stem = format!("{:06}-{}", self.number, utterance.lang.code());
        let words = format!("{}\n{}\n", utterance.written, utterance.spoken);
        if let Err(e) = std::fs::write(self.dir.join(format!("{stem}.txt")), words) {
            tracing::warn!("speech: {}: {e}", self.dir.display());
        }
        self.dir.join(format!("{stem}.wav"))
    }
}
