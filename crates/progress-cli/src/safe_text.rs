//! Text from the server made safe for a terminal.
//!
//! Step names, states, raw times, API error messages, error codes and request ids come from
//! whoever answers the request: a hostile endpoint, or anyone on the path of an `http://` one.
//! Printed raw, their control characters would drive the terminal (clear the screen, set the
//! window title, move the cursor to overwrite lines, reorder text). [`neutralise`] is the one
//! function that makes such text inert for human output; [`is_unsafe`] is the one definition of
//! what it neutralises, which the JSON output also escapes (see `json.rs`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// A character a terminal may act on rather than show: the C0 controls (ESC, BEL, CR, LF, TAB,
/// ...), DEL, the C1 controls (U+0080-U+009F, among them CSI U+009B, which some terminals obey
/// as ESC `[`), and the bidirectional embedding, override and isolate controls (U+202A-U+202E,
/// U+2066-U+2069), which reorder the characters that follow them.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each [unsafe](is_unsafe) character replaced by a visible escape (`\n`, `\r`,
/// `\t`, `\x1b`, `\x7f`, `\u{9b}`, `\u{202e}`), so an escape sequence is shown as text and
/// never acted on. Printable characters, any script's, are kept as they are; text with
/// nothing to neutralise is returned as it is. Neutralising twice changes nothing more.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`neutralise`] applied to each line of `text`, keeping its line breaks: for whole messages
/// this program composed, whose own lines are meant, around text that may come from a server.
pub fn neutralise_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<'_, str>> = text.split('\n').map(neutralise).collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_text() {
        // Clear the screen, set the window title, move the cursor home and overwrite.
        assert_eq!(neutralise("\x1b[2Jgone"), "\\x1b[2Jgone");
        assert_eq!(neutralise("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
        assert_eq!(neutralise("ok\rFAILED"), "ok\\rFAILED");
        assert_eq!(neutralise("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(neutralise("del\x7f nul\0"), "del\\x7f nul\\x00");
        // C1: CSI, OSC, NEL.
        assert_eq!(neutralise("\u{9b}31m\u{9d}\u{85}"), "\\u{9b}31m\\u{9d}\\u{85}");
        // Bidirectional overrides and isolates.
        assert_eq!(neutralise("abc\u{202e}fed\u{2066}"), "abc\\u{202e}fed\\u{2066}");
    }

    #[test]
    fn printable_text_of_any_script_is_kept_as_it_is() {
        for text in ["disk_expansion", "扩容 ✔ café", "ROLLING_BACK", "", "a\\x1b"] {
            assert!(matches!(neutralise(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn nothing_unsafe_is_left_and_a_second_pass_changes_nothing() {
        let hostile: String = (0u32..0x2070).filter_map(char::from_u32).collect();
        let once = neutralise(&hostile).into_owned();
        assert!(!once.chars().any(is_unsafe));
        assert_eq!(neutralise(&once), once);
    }

    #[test]
    fn messages_keep_their_own_lines_only() {
        assert_eq!(
            neutralise_lines("error: x\n  message: \x1b[2J\r"),
            "error: x\n  message: \\x1b[2J\\r"
        );
        assert!(matches!(neutralise_lines("a\nb"), Cow::Borrowed(_)));
    }
}
