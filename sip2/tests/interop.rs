//! The SIP2 client against a library system nobody on this project wrote: an ACS built on
//! PyPI `pysip2` (tests/peers/acs.py; scripts/test installs pysip2 and names its Python in
//! `SWALAYAN_TEST_PYSIP2`), in its default, checksum-required and login-required modes, in
//! cp850 and UTF-8; and against servers that close, babble or say nothing.

use std::io::Write;
use std::net::TcpListener;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};
use swalayan_sip2::messages::*;
use swalayan_sip2::peer::Acs;
use swalayan_sip2::{Client, ClientError, Encoding, Message, SipDate, client::Settings};

fn now() -> SipDate {
    SipDate::local(jiff::ZonedDateTime::now().datetime())
}

fn patron_status(client: &mut Client, card: &str, pin: Option<&str>) -> PatronStatusResponse {
    let request = PatronStatusRequest {
        language: "000".into(),
        date: now(),
        institution: "TTK".into(),
        patron: card.into(),
        // Required by the spec (and pysip2), empty when the patron gave none.
        patron_password: pin.unwrap_or_default().into(),
        ..PatronStatusRequest::default()
    };
    match client.request(request.into()).unwrap() {
        Message::PatronStatusResponse(answer) => answer,
        other => panic!("{other:?}"),
    }
}

fn checkout(client: &mut Client, card: &str, item: &str) -> CheckoutResponse {
    let request = Checkout {
        date: now(),
        nb_due_date: now(),
        institution: "TTK".into(),
        patron: card.into(),
        item: item.into(),
        ..Checkout::default()
    };
    match client.request(request.into()).unwrap() {
        Message::CheckoutResponse(answer) => answer,
        other => panic!("{other:?}"),
    }
}

fn checkin(client: &mut Client, item: &str) -> CheckinResponse {
    let request = Checkin {
        date: now(),
        return_date: now(),
        current_location: "KIOSK-1".into(),
        institution: "TTK".into(),
        item: item.into(),
        ..Checkin::default()
    };
    match client.request(request.into()).unwrap() {
        Message::CheckinResponse(answer) => answer,
        other => panic!("{other:?}"),
    }
}

fn renew(client: &mut Client, card: &str, item: &str) -> RenewResponse {
    let request = Renew {
        date: now(),
        nb_due_date: now(),
        institution: "TTK".into(),
        patron: card.into(),
        item: Some(item.into()),
        ..Renew::default()
    };
    match client.request(request.into()).unwrap() {
        Message::RenewResponse(answer) => answer,
        other => panic!("{other:?}"),
    }
}

/// A whole visit: identify with the PIN, borrow, a refused borrow in the system's words,
/// renew (then the limit), return with a hold and its sort bin, end the session.
fn a_visit(acs: &Acs, settings: Settings) {
    let mut client = Client::connect(settings, None).unwrap();
    assert!(client.status.online, "{:?}", client.status);
    assert_eq!(client.status.institution, "TTK");
    assert!(acs.record().contains("\"ok\": true"), "login recorded");

    let siti = patron_status(&mut client, "21000000001", Some("1234"));
    assert_eq!(
        (siti.valid_patron, siti.valid_password),
        (Some(true), Some(true))
    );
    assert_eq!(siti.personal_name, "Siti Rahma");
    let wrong = patron_status(&mut client, "21000000001", Some("0000"));
    assert_eq!(wrong.valid_password, Some(false));
    let unknown = patron_status(&mut client, "29999999999", None);
    assert_eq!(unknown.valid_patron, Some(false));
    assert_eq!(unknown.screen_message, ["Kartu tidak dikenal"]);

    let lent = checkout(&mut client, "21000000001", "39000000001");
    assert!(lent.ok, "{lent:?}");
    assert_eq!(lent.title, "Laskar Pelangi");
    assert!(lent.due_date.as_deref().is_some_and(|d| d.len() == 18));
    assert_eq!(lent.print_line, ["Terima kasih"]);
    assert!(acs.record().contains("\"kind\": \"checkout\""));

    let refused = checkout(&mut client, "21000000001", "39000000003");
    assert!(!refused.ok);
    assert_eq!(refused.screen_message, ["Dipesan anggota lain"]);

    assert!(renew(&mut client, "21000000001", "39000000001").ok);
    assert!(acs.record().contains("\"kind\": \"renew\""));
    let again = renew(&mut client, "21000000001", "39000000001");
    assert!(!again.ok);
    assert_eq!(again.screen_message, ["Batas perpanjangan tercapai"]);

    let back = checkin(&mut client, "39000000001");
    assert!(back.ok && !back.alert);
    assert_eq!(back.sort_bin.as_deref(), Some("B1"));
    assert!(acs.record().contains("\"borrower\": \"21000000001\""));
    let held = checkin(&mut client, "39000000003");
    assert!(held.alert, "{held:?}");
    assert_eq!(held.sort_bin.as_deref(), Some("HOLD"));
    assert_eq!(held.patron.as_deref(), Some("21000000003"));
    assert_eq!(held.screen_message, ["Simpan di rak pesanan"]);
    acs.record();

    let end = EndPatronSession {
        date: now(),
        institution: "TTK".into(),
        patron: "21000000001".into(),
        ..EndPatronSession::default()
    };
    match client.request(end.into()).unwrap() {
        Message::EndSessionResponse(answer) => assert!(answer.end_session),
        other => panic!("{other:?}"),
    }
    assert!(acs.record().contains("end_session"));
}

#[test]
fn a_visit_with_the_server_in_its_default_mode() {
    let acs = Acs::start(&[]);
    a_visit(&acs, acs.settings(Encoding::Cp850));
}

#[test]
fn a_visit_with_checksums_and_login_required() {
    let acs = Acs::start(&["--checksum-required", "--login-required"]);
    a_visit(&acs, acs.settings(Encoding::Cp850));
}

#[test]
fn sequence_numbers_wrap_and_every_reply_matches() {
    let acs = Acs::start(&["--checksum-required"]);
    let mut client = Client::connect(acs.settings(Encoding::Cp850), None).unwrap();
    // 25 requests: the sequence digit goes round more than twice.
    for _ in 0..25 {
        assert!(client.sc_status().unwrap().online);
    }
}

#[test]
fn a_wrong_password_is_a_setting_to_fix_not_an_outage() {
    let acs = Acs::start(&["--login-required"]);
    let settings = Settings {
        password: "salah".into(),
        ..acs.settings(Encoding::Cp850)
    };
    let error = Client::connect(settings, None).err().expect("refused");
    assert!(matches!(error, ClientError::LoginRefused), "{error}");
    assert!(error.is_permanent());
}

#[test]
fn titles_arrive_as_written_in_cp850_and_utf8() {
    for (server, encoding) in [("cp850", Encoding::Cp850), ("utf-8", Encoding::Utf8)] {
        let acs = Acs::start(&["--encoding", server]);
        let mut client = Client::connect(acs.settings(encoding), None).unwrap();
        let request = ItemInformation {
            date: now(),
            institution: "TTK".into(),
            item: "39000000002".into(),
            ..ItemInformation::default()
        };
        match client.request(request.into()).unwrap() {
            Message::ItemInformationResponse(item) => {
                assert_eq!(item.title, "Café Ñusantara", "{server}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_exchange_log_masks_passwords_pins_and_cards() {
    let acs = Acs::start(&[]);
    let (sender, lines) = channel();
    let mut client = Client::connect(
        acs.settings(Encoding::Cp850),
        Some(Box::new(move |_, text: &str| {
            let _ = sender.send(text.to_string());
        })),
    )
    .unwrap();
    patron_status(&mut client, "21000000001", Some("1234"));
    let log: Vec<String> = lines.try_iter().collect();
    assert!(log.iter().any(|l| l.starts_with("93")), "{log:?}");
    let all = log.join("\n");
    for secret in ["rahasia", "1234", "21000000001"] {
        assert!(!all.contains(secret), "{secret} in the log:\n{all}");
    }
    assert!(all.contains("AA***01"), "{all}");
}

#[test]
fn a_server_killed_mid_session_is_noticed_at_once() {
    let mut acs = Acs::start(&[]);
    let mut client = Client::connect(acs.settings(Encoding::Cp850), None).unwrap();
    acs.kill();
    let started = Instant::now();
    let error = client.sc_status().expect_err("no server");
    assert!(
        matches!(error, ClientError::Closed | ClientError::Io(_)),
        "{error}"
    );
    assert!(!error.is_permanent());
    // Well before the 10 s timeout: a closed socket is not waited for.
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A server on loopback that answers every frame with `reply` (or nothing).
fn fake_server(reply: Option<&'static [u8]>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buffer = [0u8; 1024];
            // Bounded: at most 20 frames, then the connection closes.
            for _ in 0..20 {
                match std::io::Read::read(&mut stream, &mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if let Some(reply) = reply {
                            let _ = stream.write_all(reply);
                        }
                    }
                }
            }
        }
    });
    port
}

#[test]
fn garbage_and_silence_end_within_the_timeout() {
    let quick = |port| Settings {
        timeout: Duration::from_secs(1),
        ..Settings::new("127.0.0.1", port)
    };
    let error = Client::connect(quick(fake_server(Some(b"HELLO THERE\r"))), None)
        .err()
        .expect("garbage");
    assert!(matches!(error, ClientError::Garbage(_)), "{error}");

    let started = Instant::now();
    let error = Client::connect(quick(fake_server(None)), None)
        .err()
        .expect("silence");
    assert!(matches!(error, ClientError::Timeout(_)), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // A reply whose checksum never adds up: asked again twice (97), then given up on.
    let error = Client::connect(quick(fake_server(Some(b"98YYYYNN030003AY0AZ0000\r"))), None)
        .err()
        .expect("bad checksums");
    assert!(matches!(error, ClientError::Garbage(_)), "{error}");
}
