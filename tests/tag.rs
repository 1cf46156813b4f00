use crate::support::Station;

const VECTOR: &str = "11010133313030303030303030310000000000C76349442D54544B0000000000";

#[test]
fn decode_the_public_vector_in_either_case() {
    let s = Station::new();
    for hex in [VECTOR.to_string(), VECTOR.to_lowercase()] {
        let (code, v) = s.json(&["tag", "decode", &hex]);
        assert_eq!(code, 0);
        assert_eq!(v["model"], "iso28560-3");
        assert_eq!(v["item_id"], "31000000001");
        assert_eq!(v["isil"], "ID-TTK");
        assert_eq!(
            (v["usage"].as_u64(), v["parts"].as_u64(), v["part"].as_u64()),
            (Some(1), Some(1), Some(1))
        );
        assert_eq!(v["crc_ok"], true);
    }
}

#[test]
fn a_crc_mismatch_is_a_result_with_exit_0() {
    let s = Station::new();
    let tampered = VECTOR.replacen("C763", "C764", 1);
    let (code, v) = s.json(&["tag", "decode", &tampered]);
    assert_eq!(
        (code, v["crc_ok"].as_bool(), v["item_id"].as_str()),
        (0, Some(false), Some("31000000001"))
    );
}

#[test]
fn iso28560_2_is_recognised_and_the_model_can_be_forced() {
    let s = Station::new();
    // OID 1 numeric 31000000001, OID 3 octets ID-TTK.
    let (code, v) = s.json(&["tag", "decode", "2106310000000 01F 6306 49442D54544B"]);
    assert_eq!(code, 0);
    assert_eq!(
        (
            v["model"].as_str(),
            v["item_id"].as_str(),
            v["isil"].as_str()
        ),
        (Some("iso28560-2"), Some("31000000001"), Some("ID-TTK")),
        "{v}"
    );
    // Read as 28560-2, the 28560-3 vector is not valid data: reported, exit 0.
    let (code, v) = s.json(&["tag", "decode", VECTOR, "--model", "iso28560-2"]);
    assert_eq!(code, 0);
    assert!(
        v["error"].as_str().is_some_and(|e| e.contains("28560-2")),
        "{v}"
    );
}

#[test]
fn encode_gives_the_vector_and_refuses_bad_sizes() {
    let s = Station::new();
    let (code, v) = s.json(&["tag", "encode", "--item", "31000000001", "--isil", "ID-TTK"]);
    assert_eq!((code, v["hex"].as_str()), (0, Some(VECTOR)));
    let out = s.run(&["tag", "encode", "--item", "31000000001", "--size", "33"]);
    assert_eq!(out.status.code(), Some(2));
    let (code, v) = s.json(&[
        "tag", "encode", "--item", "B1", "--usage", "8", "--parts", "2", "--part", "2", "--size",
        "34",
    ]);
    assert_eq!(code, 0);
    let (_, back) = s.json(&["tag", "decode", v["hex"].as_str().unwrap()]);
    assert_eq!(
        (
            back["usage"].as_u64(),
            back["part"].as_u64(),
            back["parts"].as_u64()
        ),
        (Some(8), Some(2), Some(2))
    );
}

#[test]
fn not_hex_is_a_usage_error() {
    let s = Station::new();
    assert_eq!(s.run(&["tag", "decode", "zz"]).status.code(), Some(2));
}
