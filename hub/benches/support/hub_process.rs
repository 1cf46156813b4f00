//! A real `swalayan-hub serve` on a loopback port for the benchmarks, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct HubProcess {
    child: Child,
    pub url: String,
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `db`; returns once the hub says where it listens.
#[allow(dead_code)]
pub fn serve(db: &str) -> HubProcess {
    serve_with(db, &[])
}

/// Serves `db` with more `serve` options.
pub fn serve_with(db: &str, extra: &[&str]) -> HubProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_swalayan-hub"))
        .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    HubProcess { child, url }
}
