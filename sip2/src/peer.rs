//! For tests (feature `test-peer`): the library system of `tests/peers/acs.py`, built on PyPI
//! `pysip2`, started on a loopback port and stopped when dropped. scripts/test installs
//! pysip2 and names its Python in `SWALAYAN_TEST_PYSIP2`.

use crate::client::Settings;
use crate::encoding::Encoding;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// The pysip2 library system.
pub struct Acs {
    pub child: Child,
    pub port: u16,
    records: Receiver<String>,
}

impl Acs {
    /// Starts it with `args` (`--checksum-required`, `--login-required`, `--encoding E`).
    pub fn start(args: &[&str]) -> Acs {
        let python =
            std::env::var("SWALAYAN_TEST_PYSIP2").unwrap_or_else(|_| "python3".to_string());
        let mut child = Command::new(&python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/acs.py"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{python}: {e} (scripts/test installs pysip2)"));
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let ready = lines.next().and_then(Result::ok).unwrap_or_default();
        let port = ready
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the pysip2 library system did not start ({python}: is pysip2 installed? scripts/test installs it): {ready:?}"
                )
            });
        let (sender, records) = channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(record) = line.strip_prefix("TXN ") {
                    let _ = sender.send(record.to_string());
                }
            }
        });
        Acs {
            child,
            port,
            records,
        }
    }

    /// How a station signs in to it.
    pub fn settings(&self, encoding: Encoding) -> Settings {
        Settings {
            user: "kiosk".into(),
            password: "rahasia".into(),
            location: Some("KIOSK-1".into()),
            institution: "TTK".into(),
            encoding,
            timeout: Duration::from_secs(10),
            ..Settings::new("127.0.0.1", self.port)
        }
    }

    /// The next change it recorded (a JSON line), waiting at most 10 s.
    pub fn record(&self) -> String {
        self.records
            .recv_timeout(Duration::from_secs(10))
            .expect("the library system recorded nothing")
    }

    /// Stops it now (a library system that goes away mid-session).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Acs {
    fn drop(&mut self) {
        self.kill();
    }
}
