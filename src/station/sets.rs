//! Multi-part sets among RFID tags: a book with its CD carries one tag per part, all with the
//! same item id. On the kiosk's pad a set is decided once all its parts lie there, or once it
//! has waited long enough for the rest (then it is refused, naming the missing part); in the
//! drop box's chute the parts arrive together, so it is decided at once (no wait).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use swalayan_hardware::rfid::{TagReport, Uid};

/// A set ready to be lent or returned (or refused for a missing part).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadySet {
    pub item_id: String,
    pub uids: Vec<Uid>,
    /// How many parts lie on the pad, for items of more than one part.
    pub parts_seen: Option<u32>,
    /// The first part not on the pad.
    pub missing: Option<u32>,
}

impl ReadySet {
    pub fn complete(&self) -> bool {
        self.missing.is_none()
    }
}

/// Groups readable item tags by item id and says which sets are ready at `now`. Incomplete
/// sets start (or keep) waiting in `waiting`; a decided set leaves it.
pub fn ready_sets(
    items: BTreeMap<String, Vec<&TagReport>>,
    waiting: &mut BTreeMap<String, Duration>,
    now: Duration,
    parts_wait: Duration,
) -> Vec<ReadySet> {
    let mut ready = Vec::new();
    for (item_id, parts) in items {
        let data: Vec<_> = parts.iter().filter_map(|t| t.data.as_ref().ok()).collect();
        let expected = data.iter().map(|d| u32::from(d.parts)).max().unwrap_or(1);
        let seen: BTreeSet<u32> = data.iter().map(|d| u32::from(d.part)).collect();
        let missing = (1..=expected).find(|p| !seen.contains(p));
        if missing.is_some() {
            let since = *waiting.entry(item_id.clone()).or_insert(now);
            if now.saturating_sub(since) < parts_wait {
                continue; // the other parts may still be on their way to the pad
            }
        }
        waiting.remove(&item_id);
        ready.push(ReadySet {
            uids: parts.iter().map(|t| t.uid).collect(),
            parts_seen: (expected > 1).then_some(seen.len() as u32),
            missing,
            item_id,
        });
    }
    ready
}

#[cfg(test)]
mod tests {
    use super::*;
    use swalayan_hardware::rfid::iso28560::{DataModel, TagData};

    fn part(uid: u8, item: &str, part: u8, parts: u8) -> TagReport {
        TagReport {
            uid: Uid([uid, 0, 0, 0, 0, 0x04, 0xE0, 0xE0]),
            afi: Some(0x07),
            data: Ok(TagData {
                model: DataModel::Iso28560_3,
                item_id: item.into(),
                isil: Some("ID-TTK".into()),
                usage: 1,
                usage_sub: None,
                parts,
                part,
                crc_ok: true,
                version: 1,
                shelf_location: None,
                content_parameter: None,
            }),
        }
    }

    fn group(tags: &[TagReport]) -> BTreeMap<String, Vec<&TagReport>> {
        let mut items: BTreeMap<String, Vec<&TagReport>> = BTreeMap::new();
        for tag in tags {
            let id = tag.data.as_ref().unwrap().item_id.clone();
            items.entry(id).or_default().push(tag);
        }
        items
    }

    #[test]
    fn a_set_waits_for_its_parts_then_is_decided_with_the_missing_one_named() {
        let wait = Duration::from_secs(2);
        let mut waiting = BTreeMap::new();
        let tags = [
            part(1, "S1", 1, 3),
            part(2, "S1", 3, 3),
            part(3, "B1", 1, 1),
        ];
        let now = Duration::from_secs(10);
        let ready = ready_sets(group(&tags), &mut waiting, now, wait);
        assert_eq!(ready.len(), 1, "the single book at once, the set waits");
        assert_eq!(
            (ready[0].item_id.as_str(), ready[0].parts_seen),
            ("B1", None)
        );
        assert!(waiting.contains_key("S1"));

        let later = ready_sets(group(&tags), &mut waiting, now + wait, wait);
        let set = later.iter().find(|s| s.item_id == "S1").unwrap();
        assert_eq!((set.parts_seen, set.missing), (Some(2), Some(2)));
        assert!(!set.complete());
        assert!(waiting.is_empty());

        let all = [
            part(1, "S1", 1, 3),
            part(2, "S1", 3, 3),
            part(4, "S1", 2, 3),
        ];
        let ready = ready_sets(group(&all), &mut waiting, now, wait);
        assert!(ready[0].complete() && ready[0].parts_seen == Some(3));
    }
}
