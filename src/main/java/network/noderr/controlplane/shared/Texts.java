package network.noderr.controlplane.shared;

/** Checks on text from outside. */
public final class Texts {

    private Texts() {}

    /**
     * Whether {@code value} holds a control character (NUL, line breaks, escapes) or a bidirectional formatting one
     * (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C): PostgreSQL refuses NUL outright, the rest have no place
     * in a label that is logged and shown, and the bidirectional ones make a label read differently from what it is
     * ("1.0.0" followed by a right-to-left override).
     */
    public static boolean hasControlCharacters(String value) {
        return value.chars().anyMatch(c -> Character.isISOControl(c) || isBidiControl(c));
    }

    /** The same check as a Bean Validation pattern: matches text without those characters. */
    public static final String NO_CONTROL_CHARACTERS = "[^\\p{Cc}\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C]*";

    /**
     * {@code value} with line breaks kept (CRLF and a lone CR become LF) and tabs kept, and every other character that
     * {@link #hasControlCharacters} finds (NUL, escapes, bidirectional formatting) replaced by U+FFFD: for free text
     * such as an error message, which may span lines and may quote a terminal's colour codes, and which is worth
     * keeping rather than refusing.
     */
    public static String replaceControlCharacters(String value) {
        var lines = value.replace("\r\n", "\n").replace('\r', '\n');
        var out = new StringBuilder(lines.length());
        lines.codePoints().forEach(c -> out.appendCodePoint(
                c == '\n' || c == '\t' || !(Character.isISOControl(c) || isBidiControl(c)) ? c : 0xFFFD));
        return out.toString();
    }

    private static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F
                || c == 0x061C;
    }
}
