//! Promotions shown on the kiosk's welcome screen (new arrivals, events, workshops): the
//! library's own (the demo) and the central's, with their English text, picture and the
//! stations meant to show them.

use super::Result;
use crate::contract::documents::PromotionDoc;
use jiff::civil::Date;
use rusqlite::{Connection, params};

/// Promotions running on `today`, in the order they were added.
pub fn current(conn: &Connection, today: Date) -> Result<Vec<PromotionDoc>> {
    let day = today.to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT title, body, title_en, body_en, image, stations FROM promotions
         WHERE (starts_on IS NULL OR starts_on <= ?1) AND (ends_on IS NULL OR ends_on >= ?1)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([day], |r| {
        let stations: String = r.get(5)?;
        Ok(PromotionDoc {
            title: r.get(0)?,
            body: r.get(1)?,
            title_en: r.get(2)?,
            body_en: r.get(3)?,
            image: r.get(4)?,
            // Written by `add` from a list; unreadable (never) means every station.
            stations: serde_json::from_str(&stations).unwrap_or_default(),
            starts_on: None,
            ends_on: None,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn add(conn: &Connection, promotion: &PromotionDoc) -> Result<i64> {
    conn.execute(
        "INSERT INTO promotions(title, body, starts_on, ends_on, title_en, body_en, image, stations)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            promotion.title,
            promotion.body,
            promotion.starts_on.map(|d| d.to_string()),
            promotion.ends_on.map(|d| d.to_string()),
            promotion.title_en,
            promotion.body_en,
            promotion.image,
            serde_json::to_string(&promotion.stations).unwrap_or_else(|_| "[]".into()),
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces (or with `None` withdraws) the promotion the central knows by `key`.
pub fn replace_central(
    conn: &Connection,
    key: &str,
    promotion: Option<&PromotionDoc>,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM promotions WHERE central_key = ?1")?
        .execute([key])?;
    if let Some(p) = promotion {
        let id = add(conn, p)?;
        conn.prepare_cached("UPDATE promotions SET central_key = ?2 WHERE id = ?1")?
            .execute(params![id, key])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use jiff::civil::date;

    fn promotion(title: &str, starts_on: Option<Date>, ends_on: Option<Date>) -> PromotionDoc {
        PromotionDoc {
            title: title.into(),
            body: "isi".into(),
            starts_on,
            ends_on,
            ..PromotionDoc::default()
        }
    }

    #[test]
    fn only_running_promotions_show() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        add(store.conn(), &promotion("Always", None, None)).unwrap();
        let november = promotion(
            "November",
            Some(date(2026, 11, 1)),
            Some(date(2026, 11, 30)),
        );
        add(store.conn(), &november).unwrap();
        add(
            store.conn(),
            &promotion("Past", None, Some(date(2026, 1, 1))),
        )
        .unwrap();
        let titles: Vec<String> = current(store.conn(), date(2026, 11, 28))
            .unwrap()
            .into_iter()
            .map(|p| p.title)
            .collect();
        assert_eq!(titles, ["Always", "November"]);
    }

    #[test]
    fn the_english_text_picture_and_stations_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let full = PromotionDoc {
            title_en: Some("New books".into()),
            body_en: Some("On the fiction shelf".into()),
            image: Some("data:image/png;base64,iVBORw0KGgo=".into()),
            stations: vec!["kiosk-2".into()],
            ..promotion("Buku baru", None, None)
        };
        replace_central(store.conn(), "p1", Some(&full)).unwrap();
        let shown = current(store.conn(), date(2026, 11, 28)).unwrap();
        assert_eq!(shown, [full]);
    }
}
