//! `swalayan hw …` against `swalayan sim …` processes on pseudo-terminals.

use crate::support::{Station, stderr};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A simulator process; killed when dropped.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `swalayan sim ...` and waits for its READY line.
fn start_sim(args: &[&str], stdin: Stdio) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args(["sim"])
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("READY "), "{line:?}");
    Sim(child)
}

fn link(s: &Station, name: &str) -> String {
    s.dir.path().join(name).to_str().unwrap().to_string()
}

#[test]
fn rfid_inventory_of_the_simulated_demo_stack() {
    let s = Station::new();
    let port = link(&s, "rfid");
    let _sim = start_sim(&["rfid", "--link", &port], Stdio::null());
    let (code, v) = s.json(&["hw", "rfid", "inventory", "--port", &port]);
    assert_eq!(code, 0, "{v}");
    let tags = v.as_array().unwrap();
    assert_eq!(tags.len(), 6);
    assert!(tags.iter().all(|t| t["uid"].as_str().unwrap().len() == 16
        && t["afi"] == "07"
        && t["crc_ok"] == true));
    assert!(
        tags.iter()
            .any(|t| t["usage"] == 8 && t["item_id"] == "21000000001"),
        "Siti's patron card"
    );
    let parts: Vec<(u64, u64)> = tags
        .iter()
        .filter(|t| t["parts"] == 2)
        .map(|t| (t["part"].as_u64().unwrap(), t["parts"].as_u64().unwrap()))
        .collect();
    assert_eq!(parts, [(1, 2), (2, 2)]);
}

#[test]
fn a_tags_file_scripts_the_field() {
    let s = Station::new();
    let tags = s.file(
        "tags.toml",
        "[[tag]]\nitem = \"B1\"\nafi = 0xC2\n\n[[tag]]\nitem = \"B2\"\ncorrupt = true\n\n[[tag]]\nitem = \"B3\"\nuid = \"E0040100DEADBEEF\"\nisil = \"ID-XYZ\"\n",
    );
    let port = link(&s, "rfid");
    let _sim = start_sim(
        &["rfid", "--link", &port, "--tags", tags.to_str().unwrap()],
        Stdio::null(),
    );
    let (code, v) = s.json(&["hw", "rfid", "inventory", "--port", &port]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v[0]["afi"], "C2");
    assert_eq!(
        (v[1]["item_id"].as_str(), v[1]["crc_ok"].as_bool()),
        (Some("B2"), Some(false))
    );
    assert_eq!(
        (v[2]["uid"].as_str(), v[2]["isil"].as_str()),
        (Some("E0040100DEADBEEF"), Some("ID-XYZ"))
    );
}

#[test]
fn scan_prints_codes_from_the_simulated_scanner() {
    let s = Station::new();
    let port = link(&s, "scanner");
    let mut sim = start_sim(&["scanner", "--link", &port], Stdio::piped());
    let mut scan = Command::new(env!("CARGO_BIN_EXE_swalayan"))
        .args([
            "--json",
            "-v",
            "hw",
            "scan",
            "--port",
            &port,
            "--count",
            "2",
            "--timeout",
            "30",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Bytes sent before the port is open are lost, as on a real line: wait for the log line
    // that says the scanner thread has the port.
    let mut log = BufReader::new(scan.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("scanner connected") {
        line.clear();
        assert!(
            log.read_line(&mut line).unwrap() > 0,
            "hw scan ended before connecting"
        );
    }
    let mut stdin = sim.0.stdin.take().unwrap();
    for code in ["31000000001", "garbage\u{7}", "31000000002", "31000000003"] {
        writeln!(stdin, "{code}").unwrap();
    }
    let mut out = String::new();
    std::io::Read::read_to_string(scan.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert_eq!(scan.wait().unwrap().code(), Some(0));
    let codes: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            serde_json::json!({"code": "31000000001"}),
            serde_json::json!({"code": "31000000002"})
        ],
        "stops after --count 2"
    );
}

#[test]
fn a_missing_device_exits_3_with_a_plain_reason() {
    let s = Station::new();
    let port = link(&s, "nothing");
    let out = s.run(&["hw", "scan", "--port", &port, "--timeout", "2"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("plugged in"), "{}", stderr(&out));
    let out = s.run(&["hw", "rfid", "inventory", "--port", &port]);
    assert_eq!(out.status.code(), Some(3));
}

fn doctor(s: &Station, config: &Path) -> (i32, Value) {
    s.json(&["--config", config.to_str().unwrap(), "hw", "doctor"])
}

#[test]
fn doctor_names_the_problem_and_the_fix() {
    let s = Station::new();
    let port = link(&s, "rfid");
    let _sim = start_sim(&["rfid", "--link", &port], Stdio::null());
    let good = s.file("good.toml", &format!("[rfid]\nport = \"{port}\"\n"));
    let (code, v) = doctor(&s, &good);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v[1]["ok"], true);
    let wrong_baud = s.file(
        "baud.toml",
        &format!("[rfid]\nport = \"{port}\"\nbaud = 9600\n"),
    );
    let (code, v) = doctor(&s, &wrong_baud);
    assert_eq!(code, 3, "{v}");
    assert!(
        v[1]["detail"]
            .as_str()
            .unwrap()
            .contains("answers at 38400 baud, not 9600"),
        "{v}"
    );
    assert_eq!(v[1]["fix"], "set baud = 38400 in [rfid]");
    let missing = s.file(
        "missing.toml",
        &format!("[scanner]\nport = \"{}\"\n", link(&s, "no-scanner")),
    );
    let (code, v) = doctor(&s, &missing);
    assert_eq!(code, 3);
    assert_eq!(v[0]["ok"], false);
    assert!(v[0]["detail"].as_str().unwrap().contains("plugged in"));
}

#[test]
fn doctor_checks_the_printer_and_gpio() {
    let s = Station::new();
    let printer = s.file("lp0", "");
    let ok = s.file(
        "ok.toml",
        &format!(
            "[printer]\npath = \"{}\"\nwidth_mm = 58\n[gpio]\nbackend = \"sim\"\n",
            printer.display()
        ),
    );
    let (code, v) = doctor(&s, &ok);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (v[2]["device"].as_str(), v[2]["ok"].as_bool()),
        (Some("printer"), Some(true))
    );
    assert_eq!(
        (v[3]["device"].as_str(), v[3]["ok"].as_bool()),
        (Some("gpio"), Some(true))
    );
    let bad = s.file(
        "bad.toml",
        &format!(
            "[printer]\npath = \"{}/no/lp9\"\n[gpio]\nchip = \"/dev/gpiochip-none\"\n",
            s.dir.path().display()
        ),
    );
    let (code, v) = doctor(&s, &bad);
    assert_eq!(code, 3, "{v}");
    assert_eq!(v[2]["ok"], false);
    assert!(
        v[3]["fix"].as_str().unwrap().contains("backend = \"sim\""),
        "{v}"
    );
}
