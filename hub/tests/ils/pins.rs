//! PINs under `[ils]`: SLiMS's OPAC password (bcrypt) is the PIN at the kiosk, its legacy
//! MD5 never is, and a PIN staff set at the hub (`patron pin`) outlives SLiMS's reads.

use crate::library::IlsLibrary;
use crate::support::hub_json;

/// SLiMS's sample members' OPAC password `1234`: PHP's bcrypt, and the legacy MD5.
const BCRYPT_1234: &str = "$2y$10$0Kz/Q55qEZYM4C7O8NgaPOU7DF.oae8T9xFSFkrjyHpN1k.ZlHdyK";
const MD5_1234: &str = "81dc9bdb52d04dc20036dbd8313ed055";

#[test]
fn slims_passwords_are_pins_and_a_pin_set_at_the_hub_stays() {
    let library = IlsLibrary::open(
        "slims9.sql",
        &format!(
            "UPDATE member SET mpasswd = '{BCRYPT_1234}' WHERE member_id = '20260002';
             UPDATE member SET mpasswd = '{MD5_1234}' WHERE member_id = '20260001';"
        ),
    );
    let lend = |card: &str, item: &str, pin: Option<&str>| {
        let mut args = vec!["circ", "checkout", "--patron", card, "--item", item];
        if let Some(pin) = pin {
            args.extend(["--pin", pin]);
        }
        library.kiosk(&args)
    };
    let refused = lend("20260002", "S0001", None);
    assert_eq!(refused["ok"], false, "a PIN is asked: {refused}");
    let refused = lend("20260002", "S0001", Some("1235"));
    assert_eq!(refused["ok"], false, "{refused}");
    let lent = lend("20260002", "S0001", Some("1234"));
    assert_eq!(lent["ok"], true, "SLiMS's password is the PIN: {lent}");
    // An MD5 password proves nothing: 1234 is not taken as her PIN (she has none).
    let lent = lend("20260001", "S0003", Some("9999"));
    assert_eq!(lent["ok"], true, "no PIN from an MD5 hash: {lent}");

    // Staff set Budi a PIN at the hub: it replaces SLiMS's password at the kiosks, and the
    // next rounds keep it, the full read of every member too.
    let set = hub_json(
        &library.hub_db,
        &library.config,
        &["patron", "pin", "20260002", "--set", "4321"],
    );
    assert_eq!(
        set["pin"],
        serde_json::Value::Null,
        "a chosen PIN is not shown: {set}"
    );
    library.round();
    library.full_round();
    library.kiosk_sync();
    let refused = lend("20260002", "S0005", Some("1234"));
    assert_eq!(refused["ok"], false, "{refused}");
    let lent = lend("20260002", "S0005", Some("4321"));
    assert_eq!(lent["ok"], true, "{lent}");

    // Without --set: six digits drawn and shown once.
    let drawn = hub_json(
        &library.hub_db,
        &library.config,
        &["patron", "pin", "20260001"],
    );
    let pin = drawn["pin"].as_str().unwrap();
    assert!(
        pin.len() == 6 && pin.chars().all(|c| c.is_ascii_digit()),
        "{drawn}"
    );
}
