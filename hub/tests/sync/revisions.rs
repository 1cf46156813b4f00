//! The catalogue's revisions dated (for OAI-PMH's datestamps, issue #31): every write that
//! changes something records when its revisions were taken; a listing by revision resumes
//! after the last one seen, whatever changed meanwhile.

use crate::support::{Backend, on_both_backends};
use jiff::{SignedDuration, Timestamp};
use swalayan_core::contract::documents::TitleDoc;
use swalayan_hub::storage::{DocKind, Put};

on_both_backends!(revisions_are_dated_and_listings_resume_after_a_revision);

fn title(name: &str) -> TitleDoc {
    TitleDoc {
        title: name.into(),
        author: None,
        isbn: None,
        call_number: None,
        subjects: Vec::new(),
        added: None,
        links: Vec::new(),
        digital_changes: 0,
    }
}

fn revisions_are_dated_and_listings_resume_after_a_revision(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let storage = swalayan_hub::storage::open(&backend.database(dir.path())).unwrap();
    let before = Timestamp::now() - SignedDuration::from_secs(1);
    let put = |keys: &[&str]| {
        let puts: Vec<Put> = keys
            .iter()
            .map(|k| Put::doc(k, &title(k)).unwrap())
            .collect();
        storage
            .write(&mut |tx| {
                tx.put(&puts)?;
                Ok(())
            })
            .unwrap();
    };
    put(&["t1", "t2", "t3"]);
    let all = (0, i64::MAX);
    let first = storage.kind_by_revision(DocKind::Title, all, 0, 2).unwrap();
    assert_eq!(
        first.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        ["t1", "t2"]
    );
    // t1 changes before the listing resumes: it moves behind, nothing is skipped.
    put(&[]);
    storage
        .write(&mut |tx| {
            tx.put(&[Put::doc("t1", &title("t1, second edition")).unwrap()])?;
            Ok(())
        })
        .unwrap();
    let rest = storage
        .kind_by_revision(DocKind::Title, all, first[1].rev, 10)
        .unwrap();
    assert_eq!(
        rest.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
        ["t3", "t1"]
    );
    assert_eq!(storage.count_by_revision(DocKind::Title, all).unwrap(), 3);

    // Every revision taken has its time; a future one has none.
    let revs: Vec<i64> = rest.iter().map(|c| c.rev).chain([i64::MAX - 1]).collect();
    let times = storage.revision_times(&revs).unwrap();
    let after = Timestamp::now() + SignedDuration::from_secs(1);
    for time in &times[..2] {
        let at: Timestamp = time.as_deref().unwrap().parse().unwrap();
        assert!(before <= at && at <= after, "{at}");
    }
    assert_eq!(times[2], None);
    // Spans by time: everything up to now; nothing from a second ahead.
    let (lo, hi) = storage.revision_span(Some(before), Some(after)).unwrap();
    assert!(lo <= first[0].rev && hi >= rest[1].rev, "{lo}..{hi}");
    let (lo, hi) = storage.revision_span(Some(after), None).unwrap();
    assert!(
        storage
            .kind_by_revision(DocKind::Title, (lo, hi), 0, 10)
            .unwrap()
            .is_empty(),
        "{lo}..{hi}"
    );
}
