//! A station following a SLiMS library through the hub: after a round, the copy the desk lent
//! is refused at the station, and the station's due dates are the ones SLiMS's desk gives
//! (the member type's period, a loan rule's, Sundays closed).

use crate::library::{IlsLibrary, slims_due, today};

#[test]
fn the_station_refuses_the_desks_loan_and_gives_slims_due_dates() {
    let library = IlsLibrary::open("slims9.sql", "");

    // S0002 is on loan to 20260001 at SLiMS's desk: the station will not lend it.
    let refused = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0002",
    ]);
    assert_eq!(refused["ok"], false, "{refused}");

    // Budi (Mahasiswa: 7 days) borrows a novel: the member type's period, off Sunday.
    let today = today();
    let lent = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0001",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    assert_eq!(lent["due"], slims_due(today, 7).to_string(), "{lent}");
    // ... and a reference work: SLiMS's loan rule for Mahasiswa + Reference, 3 days.
    let lent = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0005",
    ]);
    assert_eq!(lent["ok"], true, "{lent}");
    assert_eq!(lent["due"], slims_due(today, 3).to_string(), "{lent}");
    // A missing copy is refused.
    let missing = library.kiosk(&[
        "circ", "checkout", "--patron", "20260002", "--item", "S0004",
    ]);
    assert_eq!(missing["reason"], "item_missing", "{missing}");
}
