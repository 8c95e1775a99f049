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

    private static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F
                || c == 0x061C;
    }
}
