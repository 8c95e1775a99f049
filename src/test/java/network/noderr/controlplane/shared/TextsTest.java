package network.noderr.controlplane.shared;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextsTest {

    @ParameterizedTest
    @ValueSource(strings = {"1.0.0\u202E", "a\u202Ab", "a\u2066b", "a\u2069", "\u200Ea", "a\u200F", "a\u061Cb",
            "a\u0000b", "a\nb", "a\rb", "a\u001Bb", "a\u0085b"})
    void controlAndTextDirectionCharactersAreFound(String text) {
        assertThat(Texts.hasControlCharacters(text)).isTrue();
        assertThat(text.matches(Texts.NO_CONTROL_CHARACTERS)).as("the pattern agrees").isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Acme Nodes GmbH", "Zürich Ops", "محطة", "東京ノード", "a\u200Db (joiner)", "1.2.0-rc.1"})
    void ordinaryTextInAnyScriptPasses(String text) {
        assertThat(Texts.hasControlCharacters(text)).isFalse();
        assertThat(text.matches(Texts.NO_CONTROL_CHARACTERS)).as("the pattern agrees").isTrue();
    }

    @Test
    void theCheckCoversEveryCharacterThePatternRefuses() {
        for (int c = 0; c <= 0xFFFF; c++) {
            var text = String.valueOf((char) c);
            if (Character.isSurrogate((char) c)) {
                continue;
            }
            assertThat(Texts.hasControlCharacters(text)).as("U+%04X", c)
                    .isEqualTo(!text.matches(Texts.NO_CONTROL_CHARACTERS));
        }
    }

    @Test
    void freeTextKeepsItsLinesAndLosesEveryOtherControlCharacter() {
        assertThat(Texts.replaceControlCharacters("pull failed:\r\nline two\rline three\n\tindented"))
                .isEqualTo("pull failed:\nline two\nline three\n\tindented");
        assertThat(Texts.replaceControlCharacters("\u001b[31mred\u001b[0m \u0000 \u0085 \u202Eevil 東京"))
                .isEqualTo("\uFFFD[31mred\uFFFD[0m \uFFFD \uFFFD \uFFFDevil 東京");
        for (int c = 0; c <= 0xFFFF; c++) {
            if (Character.isSurrogate((char) c) || c == '\n' || c == '\t' || c == '\r') {
                continue;
            }
            var replaced = Texts.replaceControlCharacters(String.valueOf((char) c));
            assertThat(Texts.hasControlCharacters(replaced)).as("U+%04X", c).isFalse();
        }
    }
}
