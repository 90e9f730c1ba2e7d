//! Text from files and from the daemon on its way to a terminal.
//!
//! A Dockerfile, a `.dockerignore` or a build step can hold escape
//! sequences (`ESC ] 0 ; title BEL` retitles a terminal, others move the
//! cursor or rewrite what was printed). Human output shows every control
//! character as its visible Unicode picture (`␛`, `␇`), one character for
//! one, so columns and underlines stay where they were. JSON and SARIF keep
//! the exact text.

use std::borrow::Cow;

/// `text` with every control character but tab and newline made visible:
/// C0 as U+2400 + code (`␛` for ESC), DEL as `␡`, C1 (U+0080–U+009F, which
/// some terminals also obey) as `�`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                c if !is_unsafe(c) => c,
                '\u{7f}' => '\u{2421}',
                c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(escape_controls("plain\ttext"), "plain\ttext");
        assert_eq!(
            escape_controls("\u{1b}]0;owned\u{7}x"),
            "\u{241b}]0;owned\u{2407}x"
        );
        assert_eq!(
            escape_controls("a\u{9b}31mb\u{7f}\r"),
            "a\u{fffd}31mb\u{2421}\u{240d}"
        );
    }
}
