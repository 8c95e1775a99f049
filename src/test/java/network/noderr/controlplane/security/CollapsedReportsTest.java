package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CollapsedReportsTest {

    private final AtomicLong nanos = new AtomicLong();
    private final Map<String, Long> summaries = new ConcurrentHashMap<>();
    private final CollapsedReports reports = new CollapsedReports(Duration.ofMinutes(1), 3, nanos::get,
            Scheduler.disabledScheduler(), Runnable::run, summaries::put);

    @Test
    void reportsTheFirstOfAFloodAndCountsTheRestIntoOneSummaryWhenTheMinuteIsOver() {
        assertThat(reports.first("10.0.0.1")).isTrue();
        for (int i = 0; i < 999; i++) {
            assertThat(reports.first("10.0.0.1")).isFalse();
        }
        assertThat(reports.first("10.0.0.2")).as("another key is reported on its own").isTrue();
        reports.cleanUp();
        assertThat(summaries).isEmpty();

        nanos.addAndGet(Duration.ofSeconds(61).toNanos());
        reports.cleanUp();
        assertThat(summaries).containsExactly(Map.entry("10.0.0.1", 999L));
        assertThat(reports.first("10.0.0.1")).as("a new minute reports again").isTrue();
    }

    @Test
    void reportsTheFirstFewOfEachKeyWhenAskedTo() {
        var few = new CollapsedReports(Duration.ofMinutes(1), 3, 5, nanos::get, Scheduler.disabledScheduler(),
                Runnable::run, summaries::put);
        int reported = 0;
        for (int i = 0; i < 12; i++) {
            reported += few.first("viewer") ? 1 : 0;
        }
        assertThat(reported).isEqualTo(5);
        assertThat(few.first("other")).isTrue();
        nanos.addAndGet(Duration.ofSeconds(61).toNanos());
        few.cleanUp();
        assertThat(summaries).as("only keys with more than their five get a summary")
                .containsExactly(Map.entry("viewer", 7L));
    }

    @Test
    void keysBeyondTheLimitShareTheOverflowKey() {
        assertThat(reports.first("a")).isTrue();
        assertThat(reports.first("b")).isTrue();
        assertThat(reports.first("c")).isTrue();
        assertThat(reports.first("d")).as("the first beyond the limit is reported, under the overflow key").isTrue();
        for (var key : new String[] {"e", "f", "g", "d"}) {
            assertThat(reports.first(key)).isFalse();
        }
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        reports.cleanUp();
        assertThat(summaries).containsExactly(Map.entry(CollapsedReports.OVERFLOW, 4L));
    }

    @Test
    void countsIpv6SourcesByTheirSlash64() {
        assertThat(ProblemResponses.source("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))
                .isEqualTo(ProblemResponses.source("2001:db8:1:2::1"))
                .isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(ProblemResponses.source("2001:db8:1:3::1")).isEqualTo("2001:db8:1:3:0:0:0:0/64");
        assertThat(ProblemResponses.source("192.0.2.7")).isEqualTo("192.0.2.7");
    }
}
