//! Ending quietly when whoever reads our output stops reading (`swalayan-hub --json simulate
//! | head -c 100`). Rust ignores SIGPIPE, so a write to a closed pipe fails with `EPIPE`, and
//! `println!` turns that failure into a panic with a backtrace hint. Restoring SIGPIPE's
//! default would end the process quietly too, but also on a write to a closed *socket* in a
//! serving process; this catches only the printing panic, wherever the print is.

/// The exit status of a program ended by SIGPIPE (128 + 13), as shells report `yes | head`.
pub const CLOSED_PIPE_STATUS: i32 = 141;

/// Installs a panic hook that ends the process with [`CLOSED_PIPE_STATUS`] and no message
/// when the panic is a print to a closed standard output or error; every other panic is
/// reported as before.
pub fn end_quietly_on_closed_pipe() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if is_closed_pipe_print(message) {
            std::process::exit(CLOSED_PIPE_STATUS);
        }
        previous(info);
    }));
}

/// Whether a panic message is std's "failed printing to stdout: Broken pipe (os error 32)".
fn is_closed_pipe_print(message: &str) -> bool {
    (message.starts_with("failed printing to stdout")
        || message.starts_with("failed printing to stderr"))
        && message.contains("Broken pipe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_print_to_a_closed_pipe_is_quiet() {
        assert!(is_closed_pipe_print(
            "failed printing to stdout: Broken pipe (os error 32)"
        ));
        assert!(!is_closed_pipe_print(
            "failed printing to stdout: No space left on device (os error 28)"
        ));
        assert!(!is_closed_pipe_print("index out of bounds"));
    }
}
