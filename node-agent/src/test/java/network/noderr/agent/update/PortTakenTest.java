package network.noderr.agent.update;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A container that cannot publish its port because something else holds it: the failure says what to do. */
class PortTakenTest {

    /** Docker's words when another program listens on the port (its userland proxy cannot bind). */
    private static final String PROGRAM = "Status 500: {\"message\":\"driver failed programming external"
            + " connectivity on endpoint noderr-node: Error starting userland proxy: listen tcp4 127.0.0.1:8080: bind:"
            + " address already in use\"}";

    /** Docker's words when another container publishes the port. */
    private static final String CONTAINER = "Status 500: {\"message\":\"driver failed programming external connectivity"
            + " on endpoint noderr-node: Bind for 127.0.0.1:8080 failed: port is already allocated\"}";

    @Test
    void theFirstContainersPortsAreChosenWithNodePorts() {
        for (var message : new String[] {PROGRAM, CONTAINER}) {
            assertThat(Steps.portTaken(message, true)).contains("node-ports").contains("noderr-agent retry");
        }
    }

    @Test
    void aLaterContainerPublishesTheOldOnesPortsWhichMustBeFreed() {
        for (var message : new String[] {PROGRAM, CONTAINER}) {
            assertThat(Steps.portTaken(message, false)).contains("as the old one did").contains("free it")
                    .doesNotContain("node-ports");
        }
    }

    @Test
    void otherFailuresGetNoHint() {
        assertThat(Steps.portTaken("Status 404: No such image: registry.example/node@sha256:…", true)).isEmpty();
        assertThat(Steps.portTaken(null, false)).isEmpty();
    }
}
