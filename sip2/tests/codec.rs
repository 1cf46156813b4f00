//! The SIP2 codec against whole frames: every message round-trips, real servers' habits
//! (extension fields, CRLF, blanks) decode, and no received bytes make it panic.

use proptest::prelude::*;
use swalayan_sip2::messages::*;
use swalayan_sip2::{Checksum, DecodeError, Encoding, Framer, SipDate, read_frame, write_frame};

const D: &str = "20261201    101500";

/// One frame of every message, with every field this crate names and one it does not (ZZ).
fn samples() -> Vec<String> {
    vec![
        "9300CNkiosk|COsecret|CPKIOSK1|".into(),
        "941".into(),
        "990 402.00".into(),
        format!(
            "98YYYYNN100003{D}2.00AOMAIN|AMTest Library|BXYYYYYYYYYYYYYYYY|ANKIOSK1|AFwelcome|AGline|ZZkept|"
        ),
        format!("23001{D}AOMAIN|AA21000000001|AC|AD1234|"),
        format!(
            "24              001{D}AOMAIN|AA21000000001|AEAlice Reader|BLY|CQY|BHUSD|BV0.00|AFhello|AGprint|"
        ),
        format!("63001{D}Y         AOMAIN|AA21000000001|AC|AD1234|BP1|BQ5|"),
        format!(
            "64              001{D}000100020003000400050006AOMAIN|AA21000000001|AEAlice Reader|BZ10|CA5|CB20|BLY|CQN|BHUSD|BV1.50|CC10.00|AShold1|ATover1|AUbook1|AUbook2|AVfine1|BUrecall1|CDunavail1|BDJl. Merdeka 1|BEa@b.c|BF0812|AFmsg|AGprint|"
        ),
        format!("17{D}AOMAIN|AB31000000001|AC|"),
        format!(
            "18030001{D}CF2|AH20261215|CJ20261210|CM20261220|AB31000000001|AJThe Hobbit|BGMAIN|BHUSD|BV0.00|CK001|AQADULT FIC|APMAIN|CHprops|AFmsg|AGprint|"
        ),
        format!("11YN{D}{D}AOMAIN|AA21000000001|AB31000000001|AC|CHprops|AD1234|BON|BIN|"),
        format!(
            "121YNY{D}AOMAIN|AA21000000001|AB31000000001|AJThe Hobbit|AH20261215    235900|BT01|CIN|BHUSD|BV0.00|CK001|CHprops|BKtx1|AFEnjoy|AGDue 15 Dec|"
        ),
        format!("09N{D}{D}APKIOSK1|AOMAIN|AB31000000001|AC|CHprops|BIN|"),
        format!(
            "101YUY{D}AOMAIN|AB31000000003|AQADULT NF|AJReserved Title|CL3|AA21000000009|CK001|CHprops|CTCABANG2|CV02|CY21000000009|AFHold for another patron|AGHOLD|ZZkept|"
        ),
        format!("29NN{D}{D}AOMAIN|AA21000000001|AD1234|AB31000000001|AJThe Hobbit|AC|CHprops|BON|"),
        format!(
            "300NUN{D}AOMAIN|AA21000000001|AB31000000001|AJThe Hobbit|AH20261229|BT01|CIN|BHUSD|BV0.00|CK001|CHprops|BKtx2|AFNo renewals left|AGprint|"
        ),
        format!("65{D}AOMAIN|AA21000000001|AD1234|AC|BON|"),
        format!("66100020001{D}AOMAIN|BMa|BMb|BNc|AFmsg|AGprint|"),
        format!(
            "15+{D}BW20261231    000000|BSMAIN|BY2|AOMAIN|AA21000000001|AD1234|AB31000000002|AJDune|AC|BON|"
        ),
        format!(
            "161N{D}BW20261231    000000|BR3|BSMAIN|AOMAIN|AA21000000001|AB31000000002|AJDune|AFqueued|AGprint|"
        ),
        format!("37{D}0100IDRBV5000|AOMAIN|AA21000000001|AC|AD1234|CGfee1|BKtx3|"),
        format!("38Y{D}AOMAIN|AA21000000001|BKtx3|AFpaid|AGprint|"),
        format!("19{D}AOMAIN|AB31000000001|AC|CHprops|"),
        format!("201{D}AB31000000001|AJThe Hobbit|CHprops|AFok|AGprint|"),
        format!("25{D}AOMAIN|AA21000000001|AC|AD1234|"),
        format!("26              001{D}AOMAIN|AA21000000001|AEAlice Reader|BLY|CQY|AFok|AGprint|"),
        format!("35{D}AOMAIN|AA21000000001|AC|AD1234|"),
        format!("36Y{D}AOMAIN|AA21000000001|AFbye|AGprint|"),
        format!("01N{D}AOMAIN|ALcard retained|AA21000000001|AC|"),
        "97".into(),
        "96".into(),
    ]
}

#[test]
fn every_message_round_trips() {
    let samples = samples();
    let mut seen: Vec<&str> = Vec::new();
    for text in &samples {
        let message = Message::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let again = message.encode().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(&again, text, "{}", message.code());
        seen.push(message.code());
        // And as a frame with error detection, in each encoding.
        for encoding in [Encoding::Utf8, Encoding::Cp850, Encoding::Latin1] {
            let frame = write_frame(&message, Some(7), encoding).unwrap();
            let back = read_frame(&frame[..frame.len() - 1], encoding, true).unwrap();
            assert_eq!(back.message, message);
            assert_eq!((back.sequence, back.checksum), (Some(7), Checksum::Valid));
        }
    }
    seen.sort();
    let mut codes = Message::CODES.to_vec();
    codes.sort();
    assert_eq!(seen, codes, "a sample for every message");
}

#[test]
fn fields_are_typed_and_unknown_ones_kept() {
    let text = samples().into_iter().find(|s| s.starts_with("10")).unwrap();
    let Message::CheckinResponse(checkin) = Message::decode(&text).unwrap() else {
        panic!("not a checkin response")
    };
    assert!(checkin.ok && checkin.alert);
    assert_eq!(checkin.magnetic_media, None, "U is unknown");
    assert_eq!(checkin.sort_bin.as_deref(), Some("3"));
    assert_eq!(checkin.destination.as_deref(), Some("CABANG2"));
    assert_eq!(checkin.alert_type.as_deref(), Some("02"));
    assert_eq!(checkin.screen_message, ["Hold for another patron"]);
    assert_eq!(checkin.extra, [("ZZ".to_string(), "kept".to_string())]);
    let Message::PatronInformationResponse(info) =
        Message::decode(&samples().into_iter().find(|s| s.starts_with("64")).unwrap()).unwrap()
    else {
        panic!("not patron information")
    };
    assert_eq!(info.charged_items, ["book1", "book2"]);
    assert_eq!(
        (info.hold_items_count, info.unavailable_holds_count),
        (1, 6)
    );
    assert_eq!(info.valid_password, Some(false));
}

#[test]
fn a_blank_date_is_read_but_never_sent() {
    let blank = format!("11YN{}{}AOMAIN|AA1|AB2|AC|", " ".repeat(18), " ".repeat(18));
    let Message::Checkout(checkout) = Message::decode(&blank).unwrap() else {
        panic!()
    };
    assert_eq!(checkout.date, SipDate::Blank);
    assert_eq!(
        Message::from(checkout).encode(),
        Err(EncodeError::BlankDate("date"))
    );
}

#[test]
fn cp850_titles_reach_the_screen_as_written() {
    let message =
        Message::decode(&format!("121YNY{D}AOMAIN|AA1|AB2|AJCafé Ñusantara|AH2026|")).unwrap();
    let frame = write_frame(&message, Some(1), Encoding::Cp850).unwrap();
    assert!(
        frame.windows(2).any(|w| w == [0x82, b' ']),
        "é is 0x82 in cp850"
    );
    let back = read_frame(&frame[..frame.len() - 1], Encoding::Cp850, true).unwrap();
    let Message::CheckoutResponse(response) = back.message else {
        panic!()
    };
    assert_eq!(response.title, "Café Ñusantara");
}

#[test]
fn values_cannot_break_the_frame() {
    let mut login = Login {
        uid_algorithm: "0".into(),
        pwd_algorithm: "0".into(),
        user: "kiosk|AZ0000\r".into(),
        password: "s".into(),
        ..Login::default()
    };
    login.location = Some("a\nb".into());
    let text = Message::from(login).encode().unwrap();
    assert_eq!(text, "9300CNkiosk AZ0000 |COs|CPa b|");
}

#[test]
fn short_and_unknown_messages_are_errors() {
    assert_eq!(
        Message::decode("12"),
        Err(DecodeError::Short {
            code: "12",
            field: "ok"
        })
    );
    assert!(matches!(
        Message::decode("XX"),
        Err(DecodeError::UnknownCommand(_))
    ));
    assert!(matches!(
        Message::decode(""),
        Err(DecodeError::UnknownCommand(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever arrives, in whatever pieces: frames come out or errors do, never a panic,
    /// and nothing is buffered past the bound.
    #[test]
    fn arbitrary_bytes_never_panic(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8)) {
        let mut framer = Framer::new();
        for chunk in &chunks {
            framer.push(chunk);
            while let Some(frame) = framer.next_frame() {
                if let Ok(frame) = frame {
                    for encoding in [Encoding::Utf8, Encoding::Cp850, Encoding::Latin1] {
                        let _ = read_frame(&frame, encoding, false);
                    }
                }
            }
        }
        prop_assert!(framer.pending() <= swalayan_sip2::frame::MAX_FRAME);
    }

    /// Real-looking frames with arbitrary text after a known command.
    #[test]
    fn known_commands_with_arbitrary_bodies_never_panic(index in 0usize..31, body in ".{0,120}") {
        let code = Message::CODES[index % Message::CODES.len()];
        let _ = Message::decode(&format!("{code}{body}"));
    }

    /// A checkout built from arbitrary values round-trips through a frame.
    #[test]
    fn checkouts_round_trip(patron in "[0-9A-Za-z]{1,20}", item in "[0-9A-Za-z]{1,20}", pin in proptest::option::of("[0-9]{4,6}"), sequence in 0u8..10) {
        let date = SipDate::decode(D);
        let checkout = Message::from(Checkout {
            renewal_policy: false,
            no_block: false,
            date: date.clone(),
            nb_due_date: date,
            institution: "MAIN".into(),
            patron,
            item,
            terminal_password: String::new(),
            patron_password: pin,
            ..Checkout::default()
        });
        let frame = write_frame(&checkout, Some(sequence), Encoding::Cp850).unwrap();
        let back = read_frame(&frame[..frame.len() - 1], Encoding::Cp850, true).unwrap();
        prop_assert_eq!(back.message, checkout);
        prop_assert_eq!(back.sequence, Some(sequence));
    }
}
