use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary station: a folder with a database path.
pub struct Station {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Station {
    pub fn new() -> Station {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("station.db");
        Station { dir, db }
    }

    /// A station with the demo library loaded.
    pub fn demo() -> Station {
        let station = Station::new();
        let out = station.run(&["init", "--demo"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        station
    }

    pub fn run(&self, args: &[&str]) -> Output {
        swalayan(&self.db, args)
    }

    /// Runs with `--json` and returns (exit code, parsed stdout).
    pub fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let code = out.status.code().expect("exited");
        let text = String::from_utf8_lossy(&out.stdout);
        let value = serde_json::from_str(text.trim()).unwrap_or_else(|e| {
            panic!(
                "{args:?}: stdout is not JSON ({e}): {text}\nstderr: {}",
                stderr(&out)
            )
        });
        (code, value)
    }

    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }
}

pub fn swalayan(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run swalayan")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
