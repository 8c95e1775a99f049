package network.noderr.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.agent.update.UpdateTarget;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Push messages as the agent reads them: a ROLLBACK that names its target completely is followed without the version
 * query; anything less (an older control plane's message, another tier, a malformed field) leaves the node asking the
 * query; fields the agent does not know are ignored.
 */
class PushMessageTest {

    private static final String DIGEST =
            "sha256:abababababababababababababababababababababababababababababababab";

    @org.junit.jupiter.api.Test
    void aRollbackNamingItsTargetIsFollowedWithoutAQuery() {
        var message = PushMessage.parse("""
                {"type":"ROLLBACK","tier":"ORACLE","versionId":3,"version":"1.4.2",
                 "dockerImageTag":"registry.noderr.network/oracle:1.4.2","imageDigest":"%s",
                 "configHash":"0x00","somethingNew":{"nested":[1,2]}}""".formatted(DIGEST)).orElseThrow();

        assertThat(message.type()).isEqualTo("ROLLBACK");
        assertThat(message.versionId()).isEqualTo(3L);
        assertThat(message.rollbackTarget("ORACLE")).contains(
                new UpdateTarget("1.4.2", "registry.noderr.network/oracle:1.4.2", DIGEST));
        assertThat(message.rollbackTarget("GUARDIAN")).as("a message for another tier").isEmpty();
    }

    /** What older control planes send, and CHECK_NOW, whose answer depends on the node's cohort. */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"ROLLBACK\",\"tier\":\"ORACLE\",\"versionId\":3}",
        "{\"type\":\"ROLLBACK\",\"tier\":\"ORACLE\",\"versionId\":3,\"version\":\"1.4.2\"}",
        "{\"type\":\"CHECK_NOW\",\"tier\":\"ORACLE\",\"versionId\":3,\"version\":\"1.4.2\","
                + "\"dockerImageTag\":\"registry.noderr.network/oracle:1.4.2\",\"imageDigest\":\"" + DIGEST + "\"}"
    })
    void withoutATargetTheNodeAsksTheVersionQuery(String json) {
        var message = PushMessage.parse(json).orElseThrow();
        assertThat(message.rollbackTarget("ORACLE")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "1.4.2 | registry.noderr.network/oracle:1.4.2 | sha256:abc",
        "1.4.2 | registry.noderr.network/oracle:1.4.2 | sha512:" + "ab" + "ab",
        "1.4.2 | registry.noderr.network/oracle:1.4.2 | SHA256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
        "1.4.2\\u0000 | registry.noderr.network/oracle:1.4.2 | " + DIGEST,
        "123456789012345678901234567890123456789012345678901 | registry.noderr.network/oracle:1.4.2 | " + DIGEST,
        "1.4.2 | registry.noderr.network/oracle\\n:1.4.2 | " + DIGEST,
    })
    void aMalformedTargetIsNotFollowed(String version, String image, String digest) {
        var json = "{\"type\":\"ROLLBACK\",\"tier\":\"ORACLE\",\"version\":\"" + version + "\",\"dockerImageTag\":\""
                + image + "\",\"imageDigest\":\"" + digest + "\"}";
        var message = PushMessage.parse(json).orElseThrow();
        assertThat(message.rollbackTarget("ORACLE")).as(json).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "{\"type\":\"HELLO\"}", "{\"tier\":\"ORACLE\"}", "null"})
    void unknownMessagesAreIgnored(String json) {
        assertThat(PushMessage.parse(json)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void fieldsOfTheWrongKindAreLeftOut() {
        var message = PushMessage.parse("{\"type\":\"ROLLBACK\",\"tier\":\"ORACLE\",\"versionId\":\"three\","
                + "\"version\":142,\"dockerImageTag\":\"registry.noderr.network/oracle:1.4.2\",\"imageDigest\":\""
                + DIGEST + "\"}").orElseThrow();
        assertThat(message.versionId()).isNull();
        assertThat(message.version()).isNull();
        assertThat(message.rollbackTarget("ORACLE")).isEmpty();
    }
}
