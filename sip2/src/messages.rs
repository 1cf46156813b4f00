//! Every message a self-check sends or receives, typed: fixed fields by position, variable
//! fields by id (repeated ones as lists), and fields of ids this table does not name kept in
//! `extra`, in order (servers add their own, e.g. Koha's CV, CT, CL on a checkin).
//!
//! The table below is the whole of the format: each line is a field, `name: kind` for fixed
//! fields in spec order, `name: "ID" kind` for variable ones. Fixed kinds: `yn` (Y/N), `digit`
//! (1/0), `ynu` (Y/N/U, U = unknown), `date` (18 characters), `text(N)`, `number(N)`.
//! Variable kinds: `one` (required; sent even when empty), `opt`, `many` (repeated), `flag`
//! (optional Y/N), `count` (optional number).

use crate::codec::{
    Cursor, encode_date, fixed_number, fixed_text, parse_number, push_field, take_all, take_one,
    yes_no,
};
pub use crate::codec::{DecodeError, EncodeError};
use crate::date::SipDate;

macro_rules! fixed_type {
    (yn) => { bool };
    (digit) => { bool };
    (ynu) => { Option<bool> };
    (date) => { SipDate };
    (text $w:literal) => { String };
    (number $w:literal) => { u32 };
}

macro_rules! encode_fixed {
    (yn; $v:expr, $out:ident, $name:expr) => {
        $out.push(yes_no(*$v))
    };
    (digit; $v:expr, $out:ident, $name:expr) => {
        $out.push(if *$v { '1' } else { '0' })
    };
    (ynu; $v:expr, $out:ident, $name:expr) => {
        $out.push(match $v {
            Some(true) => 'Y',
            Some(false) => 'N',
            None => 'U',
        })
    };
    (date; $v:expr, $out:ident, $name:expr) => {
        $out.push_str(&encode_date($v, $name)?)
    };
    (text $w:literal; $v:expr, $out:ident, $name:expr) => {
        $out.push_str(&fixed_text($v, $w))
    };
    (number $w:literal; $v:expr, $out:ident, $name:expr) => {
        $out.push_str(&fixed_number(*$v, $w))
    };
}

macro_rules! decode_fixed {
    (yn; $c:ident, $name:expr) => {
        $c.take(1, $name)? == "Y"
    };
    (digit; $c:ident, $name:expr) => {
        matches!($c.take(1, $name)?, "1" | "Y")
    };
    (ynu; $c:ident, $name:expr) => {
        match $c.take(1, $name)? {
            "Y" => Some(true),
            "N" => Some(false),
            _ => None,
        }
    };
    (date; $c:ident, $name:expr) => {
        SipDate::decode($c.take(SipDate::WIDTH, $name)?)
    };
    (text $w:literal; $c:ident, $name:expr) => {
        $c.take($w, $name)?.to_string()
    };
    (number $w:literal; $c:ident, $name:expr) => {
        parse_number($c.take($w, $name)?)
    };
}

macro_rules! var_type {
    (one) => { String };
    (opt) => { Option<String> };
    (many) => { Vec<String> };
    (flag) => { Option<bool> };
    (count) => { Option<u32> };
}

macro_rules! encode_var {
    (one; $id:literal, $v:expr, $out:ident) => {
        push_field($out, $id, $v)
    };
    (opt; $id:literal, $v:expr, $out:ident) => {
        if let Some(v) = $v {
            push_field($out, $id, v)
        }
    };
    (many; $id:literal, $v:expr, $out:ident) => {
        for v in $v {
            push_field($out, $id, v)
        }
    };
    (flag; $id:literal, $v:expr, $out:ident) => {
        if let Some(v) = $v {
            push_field($out, $id, &yes_no(*v).to_string())
        }
    };
    (count; $id:literal, $v:expr, $out:ident) => {
        if let Some(v) = $v {
            push_field($out, $id, &v.to_string())
        }
    };
}

macro_rules! take_var {
    (one; $id:literal, $f:ident) => {
        take_one(&mut $f, $id).unwrap_or_default()
    };
    (opt; $id:literal, $f:ident) => {
        take_one(&mut $f, $id)
    };
    (many; $id:literal, $f:ident) => {
        take_all(&mut $f, $id)
    };
    (flag; $id:literal, $f:ident) => {
        take_one(&mut $f, $id).map(|v| v.trim() == "Y")
    };
    (count; $id:literal, $f:ident) => {
        take_one(&mut $f, $id).and_then(|v| v.trim().parse().ok())
    };
}

macro_rules! messages {
    ($(
        $(#[$doc:meta])*
        $name:ident = $code:literal {
            $( $f:ident : $fk:ident $( ( $w:literal ) )? ),* ;
            $( $v:ident : $id:literal $vk:ident ),* $(,)?
        }
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Default)]
            pub struct $name {
                $( pub $f: fixed_type!($fk $($w)?), )*
                $( pub $v: var_type!($vk), )*
                /// Fields of ids not named above, in order: kept, and ignored.
                pub extra: Vec<(String, String)>,
            }

            impl $name {
                pub const CODE: &'static str = $code;

                #[allow(unused_variables)]
                fn encode_into(&self, out: &mut String) -> Result<(), EncodeError> {
                    out.push_str($code);
                    $( encode_fixed!($fk $($w)?; &self.$f, out, stringify!($f)); )*
                    $( encode_var!($vk; $id, &self.$v, out); )*
                    for (id, value) in &self.extra {
                        push_field(out, id, value);
                    }
                    Ok(())
                }

                #[allow(unused_mut)]
                fn decode_from(rest: &str) -> Result<$name, DecodeError> {
                    let mut cursor = Cursor::new(rest, $code);
                    $( let $f = decode_fixed!($fk $($w)?; cursor, stringify!($f)); )*
                    let mut fields = cursor.fields();
                    $( let $v = take_var!($vk; $id, fields); )*
                    Ok($name { $($f,)* $($v,)* extra: fields })
                }
            }

            impl From<$name> for Message {
                fn from(message: $name) -> Message {
                    Message::$name(message)
                }
            }
        )*

        /// Any SIP2 message.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Message {
            $( $(#[$doc])* $name($name), )*
        }

        impl Message {
            /// Decodes a message's text (without the error-detection fields).
            pub fn decode(text: &str) -> Result<Message, DecodeError> {
                let at = text.char_indices().nth(2).map(|(i, _)| i).unwrap_or(text.len());
                let (code, rest) = text.split_at(at);
                match code {
                    $( $code => Ok(Message::$name($name::decode_from(rest)?)), )*
                    other => Err(DecodeError::UnknownCommand(other.to_string())),
                }
            }

            /// The message's text (without the error-detection fields).
            pub fn encode(&self) -> Result<String, EncodeError> {
                let mut out = String::new();
                match self {
                    $( Message::$name(m) => m.encode_into(&mut out)?, )*
                }
                Ok(out)
            }

            /// The two-character command.
            pub fn code(&self) -> &'static str {
                match self {
                    $( Message::$name(_) => $code, )*
                }
            }

            /// Every command this table knows.
            pub const CODES: &'static [&'static str] = &[$($code),*];
        }
    };
}

messages! {
    /// 93: the self-check signs in to the ACS.
    Login = "93" {
        uid_algorithm: text(1), pwd_algorithm: text(1);
        user: "CN" one, password: "CO" one, location: "CP" opt,
    }
    /// 94
    LoginResponse = "94" {
        ok: digit;
    }
    /// 99: the self-check's status; answered with the ACS's (98).
    ScStatus = "99" {
        status: text(1), max_print_width: text(3), protocol_version: text(4);
    }
    /// 98
    AcsStatus = "98" {
        online: yn, checkin_ok: yn, checkout_ok: yn, renewal_policy: yn, status_update_ok: yn,
        offline_ok: yn, timeout_period: text(3), retries_allowed: text(3), date: date,
        protocol_version: text(4);
        institution: "AO" one, library_name: "AM" opt, supported_messages: "BX" opt,
        terminal_location: "AN" opt, screen_message: "AF" many, print_line: "AG" many,
    }
    /// 23
    PatronStatusRequest = "23" {
        language: text(3), date: date;
        institution: "AO" one, patron: "AA" one, terminal_password: "AC" one,
        patron_password: "AD" one,
    }
    /// 24 (also the answer to 01, block patron)
    PatronStatusResponse = "24" {
        patron_status: text(14), language: text(3), date: date;
        institution: "AO" one, patron: "AA" one, personal_name: "AE" one,
        valid_patron: "BL" flag, valid_password: "CQ" flag, currency: "BH" opt,
        fee_amount: "BV" opt, screen_message: "AF" many, print_line: "AG" many,
    }
    /// 63
    PatronInformation = "63" {
        language: text(3), date: date, summary: text(10);
        institution: "AO" one, patron: "AA" one, terminal_password: "AC" opt,
        patron_password: "AD" opt, start_item: "BP" count, end_item: "BQ" count,
    }
    /// 64
    PatronInformationResponse = "64" {
        patron_status: text(14), language: text(3), date: date, hold_items_count: number(4),
        overdue_items_count: number(4), charged_items_count: number(4),
        fine_items_count: number(4), recall_items_count: number(4),
        unavailable_holds_count: number(4);
        institution: "AO" one, patron: "AA" one, personal_name: "AE" one,
        hold_items_limit: "BZ" count, overdue_items_limit: "CA" count,
        charged_items_limit: "CB" count, valid_patron: "BL" flag, valid_password: "CQ" flag,
        currency: "BH" opt, fee_amount: "BV" opt, fee_limit: "CC" opt, hold_items: "AS" many,
        overdue_items: "AT" many, charged_items: "AU" many, fine_items: "AV" many,
        recall_items: "BU" many, unavailable_hold_items: "CD" many, home_address: "BD" opt,
        email: "BE" opt, phone: "BF" opt, screen_message: "AF" many, print_line: "AG" many,
    }
    /// 17
    ItemInformation = "17" {
        date: date;
        institution: "AO" one, item: "AB" one, terminal_password: "AC" opt,
    }
    /// 18
    ItemInformationResponse = "18" {
        circulation_status: text(2), security_marker: text(2), fee_type: text(2), date: date;
        hold_queue_length: "CF" count, due_date: "AH" opt, recall_date: "CJ" opt,
        hold_pickup_date: "CM" opt, item: "AB" one, title: "AJ" one, owner: "BG" opt,
        currency: "BH" opt, fee_amount: "BV" opt, media_type: "CK" opt,
        permanent_location: "AQ" opt, current_location: "AP" opt, item_properties: "CH" opt,
        screen_message: "AF" many, print_line: "AG" many,
    }
    /// 11
    Checkout = "11" {
        renewal_policy: yn, no_block: yn, date: date, nb_due_date: date;
        institution: "AO" one, patron: "AA" one, item: "AB" one, terminal_password: "AC" one,
        item_properties: "CH" opt, patron_password: "AD" opt, fee_acknowledged: "BO" flag,
        cancel: "BI" flag,
    }
    /// 12
    CheckoutResponse = "12" {
        ok: digit, renewal_ok: yn, magnetic_media: ynu, desensitize: ynu, date: date;
        institution: "AO" one, patron: "AA" one, item: "AB" one, title: "AJ" one,
        due_date: "AH" opt, fee_type: "BT" opt, security_inhibit: "CI" flag,
        currency: "BH" opt, fee_amount: "BV" opt, media_type: "CK" opt,
        item_properties: "CH" opt, transaction_id: "BK" opt, screen_message: "AF" many,
        print_line: "AG" many,
    }
    /// 09
    Checkin = "09" {
        no_block: yn, date: date, return_date: date;
        current_location: "AP" one, institution: "AO" one, item: "AB" one,
        terminal_password: "AC" one, item_properties: "CH" opt, cancel: "BI" flag,
    }
    /// 10 (with the extensions most systems send: CT destination, CV alert type, CY hold patron)
    CheckinResponse = "10" {
        ok: digit, resensitize: yn, magnetic_media: ynu, alert: yn, date: date;
        institution: "AO" one, item: "AB" one, permanent_location: "AQ" one, title: "AJ" opt,
        sort_bin: "CL" opt, patron: "AA" opt, media_type: "CK" opt, item_properties: "CH" opt,
        destination: "CT" opt, alert_type: "CV" opt, hold_patron: "CY" opt,
        screen_message: "AF" many, print_line: "AG" many,
    }
    /// 29
    Renew = "29" {
        third_party_allowed: yn, no_block: yn, date: date, nb_due_date: date;
        institution: "AO" one, patron: "AA" one, patron_password: "AD" opt, item: "AB" opt,
        title: "AJ" opt, terminal_password: "AC" opt, item_properties: "CH" opt,
        fee_acknowledged: "BO" flag,
    }
    /// 30
    RenewResponse = "30" {
        ok: digit, renewal_ok: yn, magnetic_media: ynu, desensitize: ynu, date: date;
        institution: "AO" one, patron: "AA" one, item: "AB" one, title: "AJ" one,
        due_date: "AH" opt, fee_type: "BT" opt, security_inhibit: "CI" flag,
        currency: "BH" opt, fee_amount: "BV" opt, media_type: "CK" opt,
        item_properties: "CH" opt, transaction_id: "BK" opt, screen_message: "AF" many,
        print_line: "AG" many,
    }
    /// 65
    RenewAll = "65" {
        date: date;
        institution: "AO" one, patron: "AA" one, patron_password: "AD" opt,
        terminal_password: "AC" opt, fee_acknowledged: "BO" flag,
    }
    /// 66
    RenewAllResponse = "66" {
        ok: digit, renewed_count: number(4), unrenewed_count: number(4), date: date;
        institution: "AO" one, renewed_items: "BM" many, unrenewed_items: "BN" many,
        screen_message: "AF" many, print_line: "AG" many,
    }
    /// 15: `mode` is `+` (add), `-` (delete) or `*` (change).
    Hold = "15" {
        mode: text(1), date: date;
        expiration_date: "BW" opt, pickup_location: "BS" opt, hold_type: "BY" opt,
        institution: "AO" one, patron: "AA" one, patron_password: "AD" opt, item: "AB" opt,
        title: "AJ" opt, terminal_password: "AC" opt, fee_acknowledged: "BO" flag,
    }
    /// 16
    HoldResponse = "16" {
        ok: digit, available: yn, date: date;
        expiration_date: "BW" opt, queue_position: "BR" count, pickup_location: "BS" opt,
        institution: "AO" one, patron: "AA" one, item: "AB" opt, title: "AJ" opt,
        screen_message: "AF" many, print_line: "AG" many,
    }
    /// 37
    FeePaid = "37" {
        date: date, fee_type: text(2), payment_type: text(2), currency: text(3);
        fee_amount: "BV" one, institution: "AO" one, patron: "AA" one,
        terminal_password: "AC" opt, patron_password: "AD" opt, fee_id: "CG" opt,
        transaction_id: "BK" opt,
    }
    /// 38
    FeePaidResponse = "38" {
        payment_accepted: yn, date: date;
        institution: "AO" one, patron: "AA" one, transaction_id: "BK" opt,
        screen_message: "AF" many, print_line: "AG" many,
    }
    /// 19
    ItemStatusUpdate = "19" {
        date: date;
        institution: "AO" one, item: "AB" one, terminal_password: "AC" opt,
        item_properties: "CH" one,
    }
    /// 20
    ItemStatusUpdateResponse = "20" {
        item_properties_ok: digit, date: date;
        item: "AB" one, title: "AJ" opt, item_properties: "CH" opt, screen_message: "AF" many,
        print_line: "AG" many,
    }
    /// 25
    PatronEnable = "25" {
        date: date;
        institution: "AO" one, patron: "AA" one, terminal_password: "AC" opt,
        patron_password: "AD" opt,
    }
    /// 26
    PatronEnableResponse = "26" {
        patron_status: text(14), language: text(3), date: date;
        institution: "AO" one, patron: "AA" one, personal_name: "AE" one,
        valid_patron: "BL" flag, valid_password: "CQ" flag, screen_message: "AF" many,
        print_line: "AG" many,
    }
    /// 35
    EndPatronSession = "35" {
        date: date;
        institution: "AO" one, patron: "AA" one, terminal_password: "AC" opt,
        patron_password: "AD" opt,
    }
    /// 36
    EndSessionResponse = "36" {
        end_session: yn, date: date;
        institution: "AO" one, patron: "AA" one, screen_message: "AF" many,
        print_line: "AG" many,
    }
    /// 01 (answered with 24)
    BlockPatron = "01" {
        card_retained: yn, date: date;
        institution: "AO" one, blocked_card_message: "AL" one, patron: "AA" one,
        terminal_password: "AC" one,
    }
    /// 97: the self-check asks the ACS to send its last message again.
    RequestAcsResend = "97" {
        ;
    }
    /// 96: the ACS asks the self-check to send its last message again.
    RequestScResend = "96" {
        ;
    }
}
