//! `swalayan sim rfid|scanner`: simulated devices on pseudo-terminals for manual testing.
//!
//! Each prints `READY <path>` once its device path exists, then serves until stopped
//! (Ctrl-C, SIGTERM). On a terminal they also take commands on stdin.

use super::{CliError, Context, Finished, SimCommand};
use crate::import::demo::copy_of;
use serde::Deserialize;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use swalayan_hardware::rfid::Uid;
use swalayan_hardware::rfid::iso28560::parse_hex;
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag, corrupt_crc};
use swalayan_hardware::sim::pty::linked_pty;
use swalayan_hardware::sim::scanner::ScannerSimulator;

pub fn run(_ctx: &Context, command: SimCommand) -> Result<Finished, CliError> {
    match command {
        SimCommand::Rfid { link, tags, baud } => rfid(&link, tags.as_deref(), baud),
        SimCommand::Scanner { link } => scanner(&link),
    }
}

/// One tag of a `--tags` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagSpec {
    item: String,
    uid: Option<String>,
    #[serde(default = "default_isil")]
    isil: String,
    #[serde(default = "default_afi")]
    afi: u8,
    #[serde(default = "one")]
    usage: u8,
    #[serde(default = "one")]
    parts: u8,
    #[serde(default = "one")]
    part: u8,
    /// Share of requests the tag answers (a weak tag).
    weak: Option<f64>,
    #[serde(default)]
    corrupt: bool,
    #[serde(default)]
    afi_locked: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagsFile {
    #[serde(default)]
    tag: Vec<TagSpec>,
}

fn default_isil() -> String {
    "ID-TTK".into()
}
fn default_afi() -> u8 {
    0x07
}
fn one() -> u8 {
    1
}

pub(crate) fn uid_for(n: usize) -> Uid {
    let n = n as u32;
    let b = n.to_be_bytes();
    Uid([0xE0, 0x04, 0x01, 0x50, b[0], b[1], b[2], b[3]])
}

fn sim_tag(index: usize, spec: &TagSpec) -> Result<SimTag, String> {
    let uid = match &spec.uid {
        Some(hex) => Uid(parse_hex(hex)?
            .try_into()
            .map_err(|_| format!("uid {hex} is not 8 bytes"))?),
        None => uid_for(index + 1),
    };
    let mut tag = SimTag::with_data(
        uid, &spec.item, &spec.isil, spec.usage, spec.parts, spec.part, spec.afi,
    );
    tag.answer_ratio = spec.weak.unwrap_or(1.0);
    tag.afi_locked = spec.afi_locked;
    if spec.corrupt {
        corrupt_crc(&mut tag);
    }
    Ok(tag)
}

/// Without a tags file: three demo books, a set with both parts, and Siti's patron card.
pub(crate) fn demo_tags() -> Vec<SimTag> {
    let set = copy_of("Belajar Bahasa Inggris: buku dan CD audio", 1);
    let specs = [
        (copy_of("Negeri 5 Menara", 1), 1, 1, 1),
        (copy_of("Bumi", 1), 1, 1, 1),
        (copy_of("Sang Pemimpi", 2), 1, 1, 1),
        (set.clone(), 1, 2, 1),
        (set, 1, 2, 2),
        ("21000000001".to_string(), 8, 1, 1),
    ];
    specs
        .iter()
        .enumerate()
        .map(|(i, (id, usage, parts, part))| {
            SimTag::with_data(uid_for(i + 1), id, "ID-TTK", *usage, *parts, *part, 0x07)
        })
        .collect()
}

fn rfid(link: &Path, tags: Option<&Path>, baud: u32) -> Result<Finished, CliError> {
    let tags = match tags {
        None => demo_tags(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?;
            let file: TagsFile = toml::from_str(&text).map_err(|e| {
                CliError::Usage(format!(
                    "{}: {}",
                    path.display(),
                    crate::import::policy::toml_error_message(&text, &e)
                ))
            })?;
            file.tag
                .iter()
                .enumerate()
                .map(|(i, spec)| sim_tag(i, spec))
                .collect::<Result<_, _>>()
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?
        }
    };
    let (master, slave) =
        linked_pty(link).map_err(|e| CliError::Io(format!("{}: {e}", link.display())))?;
    let mut settings = SerialSettings::FEIG_DEFAULT;
    settings.baud = baud;
    let sim = FeigSimulator::spawn_on_pty(master, slave, settings, true);
    sim.field().tags = tags;
    println!("READY {}", link.display());
    if std::io::stdin().is_terminal() {
        eprintln!("commands: add ITEM | lift ITEM | corrupt ITEM | silent | talk | list | quit");
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let words: Vec<&str> = line.split_whitespace().collect();
            let mut field = sim.field();
            let position = |field: &swalayan_hardware::sim::feig::Field, item: &str| {
                field.tags.iter().position(|t| {
                    String::from_utf8_lossy(&t.memory[3..19]).trim_end_matches('\0') == item
                })
            };
            match words.as_slice() {
                ["add", item] => {
                    let n = field.tags.len() + 100;
                    field
                        .tags
                        .push(SimTag::library_item(uid_for(n), item, "ID-TTK", 0x07));
                }
                ["lift", item] => {
                    if let Some(i) = position(&field, item) {
                        field.tags.remove(i);
                    }
                }
                ["corrupt", item] => {
                    if let Some(i) = position(&field, item) {
                        let uid = field.tags[i].uid;
                        field.corrupt(uid);
                    }
                }
                ["silent"] => field.silent = true,
                ["talk"] => field.silent = false,
                ["list"] => {
                    for t in &field.tags {
                        eprintln!(
                            "{} AFI {:02X} {}",
                            t.uid,
                            t.afi,
                            String::from_utf8_lossy(&t.memory[3..19]).trim_end_matches('\0')
                        );
                    }
                }
                ["quit"] => break,
                _ => eprintln!("?"),
            }
        }
    } else {
        // Serve until the process is stopped.
        loop {
            std::thread::park();
        }
    }
    let _ = std::fs::remove_file(link);
    drop(sim);
    Ok(Finished::Done)
}

fn scanner(link: &Path) -> Result<Finished, CliError> {
    let mut sim = ScannerSimulator::plug_in(link, SerialSettings::SCANNER_DEFAULT, true)
        .map_err(|e| CliError::Io(format!("{}: {e}", link.display())))?;
    println!("READY {}", link.display());
    eprintln!("type a code and Enter to scan it; :noise, :long, :unplug, :replug; end with Ctrl-D");
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let result = match line.trim() {
            ":noise" => sim.send_raw(b"\x1b\x00\xff#\r\n"),
            ":long" => sim
                .send_raw(&[b'7'; 300])
                .and_then(|_| sim.send_raw(b"\r\n")),
            ":unplug" => {
                sim.unplug();
                Ok(())
            }
            ":replug" => sim.replug(),
            "" => Ok(()),
            code => sim.scan(code),
        };
        if let Err(e) = result {
            eprintln!("{e}");
        }
    }
    Ok(Finished::Done)
}
