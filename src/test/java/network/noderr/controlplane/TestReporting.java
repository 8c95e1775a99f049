package network.noderr.controlplane;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The control plane's reporting period (health.ReportingWindow) in tests. A test JVM's control plane has just started,
 * so no node would count as silent for its first 15 minutes; tests that are not about that start from a control plane
 * that has been taking reports for a day ({@link Steady}, registered in META-INF/spring.factories). Tests about outages
 * set the period themselves and put it back.
 */
public final class TestReporting {

    private TestReporting() {}

    /** The control plane has taken reports since {@code since}, without a break, up to now. */
    public static void since(JdbcClient jdbc, Instant since) {
        jdbc.sql("""
                        INSERT INTO health_reporting_heartbeat (id, available_since, last_beat, last_report)
                        VALUES (1, :since, :now, :now)
                        ON CONFLICT (id) DO UPDATE SET available_since = :since, last_beat = :now, last_report = :now""")
                .param("since", Timestamp.from(since))
                .param("now", Timestamp.from(Instant.now()))
                .update();
    }

    /** The steady state: taking reports for a day. */
    public static void steady(JdbcClient jdbc) {
        since(jdbc, Instant.now().minus(Duration.ofDays(1)));
    }

    /** Puts every test context's control plane in the steady state when it has started. */
    public static class Steady implements ApplicationListener<ApplicationStartedEvent> {
        @Override
        public void onApplicationEvent(ApplicationStartedEvent event) {
            steady(event.getApplicationContext().getBean(JdbcClient.class));
        }
    }
}
