//! The FEIG driver against the reader simulator over a real pseudo-terminal.

use serialport::TTYPort;
use std::time::Duration;
use swalayan_hardware::rfid::feig::FeigReader;
use swalayan_hardware::rfid::security::{AfiPolicy, secure_for_loan, secure_for_return};
use swalayan_hardware::rfid::{RfidError, TagReader, Uid, read_field};
use swalayan_hardware::serial::SerialSettings;
use swalayan_hardware::sim::feig::{FeigSimulator, SimTag};

fn uid(n: u8) -> Uid {
    Uid([0xE0, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, n])
}

/// A simulator on the master side of a pty and the driver on the slave side.
fn rig(pace: bool) -> (FeigSimulator, FeigReader<TTYPort>) {
    let (mut master, slave) = TTYPort::pair().expect("pty pair");
    serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(20)).unwrap();
    let sim = FeigSimulator::spawn(master, SerialSettings::FEIG_DEFAULT, pace);
    let reader = FeigReader::new(slave).with_timeout(Duration::from_millis(300), 2);
    (sim, reader)
}

#[test]
fn inventory_and_data_of_a_stack() {
    let (sim, mut reader) = rig(false);
    {
        let mut field = sim.field();
        field
            .tags
            .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
        field
            .tags
            .push(SimTag::library_item(uid(2), "31000000002", "ID-TTK", 0xC2));
        let mut odd = SimTag::library_item(uid(3), "31000000003", "ID-TTK", 0x00);
        odd.dsfid = 0x06;
        field.tags.push(odd);
    }
    let reports = read_field(&mut reader).unwrap();
    let ids: Vec<String> = reports
        .iter()
        .map(|r| r.data.as_ref().unwrap().item_id.clone())
        .collect();
    assert_eq!(
        ids,
        ["31000000001", "31000000002", "31000000003"],
        "every tag whatever its AFI or DSFID"
    );
    assert_eq!(
        reports.iter().map(|r| r.afi).collect::<Vec<_>>(),
        [Some(0x07), Some(0xC2), Some(0x00)]
    );
    assert!(reports.iter().all(|r| r.data.as_ref().unwrap().crc_ok));
}

#[test]
fn more_data_pages_are_collected() {
    let (sim, mut reader) = rig(false);
    for n in 1..=20 {
        sim.field().tags.push(SimTag::library_item(
            uid(n),
            &format!("3100000{n:04}"),
            "ID-TTK",
            0x07,
        ));
    }
    let tags = reader.inventory().unwrap();
    assert_eq!(tags.len(), 20);
}

#[test]
fn an_empty_pad_is_an_empty_list() {
    let (_sim, mut reader) = rig(false);
    assert!(reader.inventory().unwrap().is_empty());
}

#[test]
fn corrupt_and_unreadable_tags_are_listed_with_the_failure() {
    let (sim, mut reader) = rig(false);
    {
        let mut field = sim.field();
        field
            .tags
            .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
        field
            .tags
            .push(SimTag::library_item(uid(2), "31000000002", "ID-TTK", 0x07));
        field.corrupt(uid(1));
        // A tag with blank memory.
        let mut blank = SimTag::library_item(uid(3), "X", "ID-TTK", 0x07);
        blank.memory.iter_mut().for_each(|b| *b = 0);
        field.tags.push(blank);
    }
    let reports = read_field(&mut reader).unwrap();
    assert_eq!(reports.len(), 3);
    assert!(
        !reports[0].data.as_ref().unwrap().crc_ok,
        "corrupt data decodes with crc_ok false"
    );
    assert!(reports[1].data.as_ref().unwrap().crc_ok);
    assert!(
        reports[2].data.is_err(),
        "blank memory is reported, not dropped"
    );
}

#[test]
fn afi_is_written_and_read_back() {
    let (sim, mut reader) = rig(false);
    sim.field()
        .tags
        .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
    let policy = AfiPolicy::default();
    secure_for_loan(&mut reader, uid(1), policy).unwrap();
    assert_eq!(sim.field().tags[0].afi, 0xC2);
    secure_for_return(&mut reader, uid(1), policy).unwrap();
    assert_eq!(sim.field().tags[0].afi, 0x07);
    // A library with other values.
    let other = AfiPolicy {
        afi_in: 0xDA,
        afi_out: 0x02,
    };
    secure_for_loan(&mut reader, uid(1), other).unwrap();
    assert_eq!(reader.system_info(uid(1)).unwrap().afi, 0x02);
}

#[test]
fn a_locked_afi_is_never_reported_as_secured() {
    let (sim, mut reader) = rig(false);
    let mut tag = SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07);
    tag.afi_locked = true;
    sim.field().tags.push(tag);
    let err = secure_for_loan(&mut reader, uid(1), AfiPolicy::default()).unwrap_err();
    assert!(
        matches!(
            err,
            RfidError::SecurityNotConfirmed {
                wanted: 0xC2,
                read: Some(0x07)
            }
        ),
        "{err}"
    );
}

#[test]
fn a_lifted_tag_is_no_transponder() {
    let (sim, mut reader) = rig(false);
    sim.field()
        .tags
        .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
    assert_eq!(reader.inventory().unwrap().len(), 1);
    sim.field().remove(uid(1));
    assert!(matches!(
        reader.read_blocks(uid(1), 0, 8),
        Err(RfidError::NoTransponder)
    ));
    assert!(matches!(
        secure_for_loan(&mut reader, uid(1), AfiPolicy::default()),
        Err(RfidError::NoTransponder)
    ));
}

#[test]
fn a_weak_tag_is_secured_through_retries() {
    let (sim, mut reader) = rig(false);
    let mut tag = SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07);
    tag.answer_ratio = 0.6;
    sim.field().tags.push(tag);
    // Three attempts of write + read-back: some must get through at 60 %.
    let mut secured = 0;
    for _ in 0..10 {
        if secure_for_loan(&mut reader, uid(1), AfiPolicy::default()).is_ok() {
            secured += 1;
        }
    }
    assert!(secured >= 7, "secured {secured} of 10");
    assert_eq!(sim.field().tags[0].afi, 0xC2);
}

#[test]
fn noise_on_the_line_is_skipped() {
    let (sim, mut reader) = rig(false);
    {
        let mut field = sim.field();
        field
            .tags
            .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
        field.noise_before_answer = vec![0x55, 0x02, 0x00, 0x09, 0xFF, 0x13];
    }
    let reports = read_field(&mut reader).unwrap();
    assert_eq!(reports.len(), 1);
    assert!(reports[0].data.is_ok());
    assert!(reader.discarded_bytes() > 0);
}

#[test]
fn a_silent_reader_is_no_answer_after_retries() {
    let (sim, reader) = rig(false);
    let mut reader = reader.with_timeout(Duration::from_millis(50), 1);
    sim.field().silent = true;
    assert!(matches!(reader.inventory(), Err(RfidError::NoAnswer)));
    sim.field().silent = false;
    assert!(
        reader.inventory().is_ok(),
        "it recovers when the reader talks again"
    );
}

#[test]
fn eas_is_set_and_reset_where_supported() {
    let (sim, mut reader) = rig(false);
    sim.field()
        .tags
        .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
    let mut plain = SimTag::library_item(uid(2), "31000000002", "ID-TTK", 0x07);
    plain.supports_eas = false;
    sim.field().tags.push(plain);
    reader.set_eas(uid(1), false).unwrap();
    assert!(!sim.field().tags[0].eas);
    reader.set_eas(uid(1), true).unwrap();
    assert!(sim.field().tags[0].eas);
    assert!(matches!(
        reader.set_eas(uid(2), true),
        Err(RfidError::Status { status: 0x82, .. })
    ));
}

#[test]
fn blocks_written_read_back_identically() {
    let (sim, mut reader) = rig(false);
    sim.field()
        .tags
        .push(SimTag::library_item(uid(1), "31000000001", "ID-TTK", 0x07));
    let data: Vec<u8> = (0..32).collect();
    reader.write_blocks(uid(1), 8, 4, &data).unwrap();
    assert_eq!(reader.read_blocks(uid(1), 8, 8).unwrap(), data);
    assert_eq!(&sim.field().tags[0].memory[32..64], &data[..]);
}
