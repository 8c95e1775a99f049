package network.noderr.controlplane.shared;

/** Checks on text from outside. */
public final class Texts {

    private Texts() {}

    /**
     * Whether {@code value} holds a control character (NUL, line breaks, escapes): PostgreSQL refuses NUL outright, and
     * the rest have no place in a label that is logged and shown.
     */
    public static boolean hasControlCharacters(String value) {
        return value.chars().anyMatch(Character::isISOControl);
    }
}
