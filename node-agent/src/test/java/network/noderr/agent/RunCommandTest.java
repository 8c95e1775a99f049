package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The daemon's schedule survives a job that throws (a ScheduledExecutorService silently ends such a task). */
class RunCommandTest {

    @Test
    void aJobThatThrowsIsRunAgainAtItsNextTime() throws Exception {
        var runs = new CountDownLatch(3);
        var scheduler = Executors.newSingleThreadScheduledExecutor();
        try {
            scheduler.scheduleWithFixedDelay(RunCommand.continuing("test job", () -> {
                runs.countDown();
                throw new NumberFormatException("For input string: \"\""); // e.g. an unparsable file
            }), 0, 10, TimeUnit.MILLISECONDS);
            assertThat(runs.await(30, TimeUnit.SECONDS)).as("runs again after throwing").isTrue();
        } finally {
            scheduler.shutdownNow();
        }
    }
}
