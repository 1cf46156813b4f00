//! The raw exchange as staff may read it: every frame in and out, with passwords, PINs and
//! patron ids masked (a log must not hand a patron's card number or PIN to whoever reads it).

/// Fields whose values never appear in a log: login password, terminal password, patron
/// password (PIN), patron id, hold patron, personal name, address, email, phone.
const SECRET: [&str; 9] = ["CO", "AC", "AD", "AA", "CY", "AE", "BD", "BE", "BF"];

/// `text` (a frame's text) with secret fields' values replaced: a patron id keeps its last two
/// characters so staff can tell two patrons apart in one exchange, everything else is `***`.
pub fn masked(text: &str) -> String {
    text.split('|')
        .enumerate()
        .map(|(index, piece)| {
            let value_at = piece.char_indices().nth(2).map_or(piece.len(), |(i, _)| i);
            let (id, value) = piece.split_at(value_at);
            // The first piece is the command and fixed fields (then the first variable field,
            // which in every message is a non-secret one such as AO, CN or AP).
            if index == 0 || value.is_empty() || !SECRET.contains(&id) {
                piece.to_string()
            } else if id == "AA" || id == "CY" {
                let tail: Vec<char> = value.chars().rev().take(2).collect();
                format!("{id}***{}", tail.into_iter().rev().collect::<String>())
            } else {
                format!("{id}***")
            }
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_rest_kept() {
        let text =
            "11YN20261201    10150020261201    101500AOMAIN|AA21000000001|AB31000000001|AC|AD1234|";
        assert_eq!(
            masked(text),
            "11YN20261201    10150020261201    101500AOMAIN|AA***01|AB31000000001|AC|AD***|"
        );
        assert_eq!(
            masked("9300CNkiosk|COsecret|CPK1|"),
            "9300CNkiosk|CO***|CPK1|"
        );
    }
}
