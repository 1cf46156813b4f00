//! An error and its causes as one line for people and logs: each cause said once (many
//! errors already repeat their cause in their own message, and a top level alone often says
//! only "error sending request").

/// `error: cause: cause …`, skipping a cause whose text the line already holds.
pub fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Plain(String);

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Wrapped {
        text: String,
        #[source]
        cause: Plain,
    }

    #[test]
    fn each_cause_is_said_once() {
        let repeated = Wrapped {
            text: "db error: connection refused".into(),
            cause: Plain("connection refused".into()),
        };
        assert_eq!(one_line(&repeated), "db error: connection refused");
        let chained = Wrapped {
            text: "error sending request".into(),
            cause: Plain("connection refused".into()),
        };
        assert_eq!(
            one_line(&chained),
            "error sending request: connection refused"
        );
    }
}
