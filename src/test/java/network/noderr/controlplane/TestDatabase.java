package network.noderr.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import network.noderr.controlplane.database.EmbeddedDatabaseProperties;
import network.noderr.controlplane.database.EmbeddedPostgresServer;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * One real PostgreSQL for the whole test JVM, started before the first test and stopped after the last.
 *
 * <p>By default an embedded server on a fresh temporary directory. With {@code NODERR_TEST_DB_URL} (and
 * {@code NODERR_TEST_DB_USER}/{@code NODERR_TEST_DB_PASSWORD}) the tests use that server instead; it should be a
 * dedicated, empty database. Spring contexts find it through the standard {@code spring.datasource.*} properties.
 *
 * <p>The test framework keeps its application contexts open until the JVM's shutdown hooks run, after this session
 * ends. So the contexts started meanwhile ({@link ContextTracker}) are closed here first: stopping PostgreSQL under
 * a live context leaves its scheduled jobs waiting for a connection (Hikari's 30 s), and the JVM with them.
 */
public class TestDatabase implements LauncherSessionListener {

    private static EmbeddedPostgresServer server;
    private static Path dataDir;
    private static final Set<ConfigurableApplicationContext> contexts = ConcurrentHashMap.newKeySet();

    /** Notes every application context the tests start (registered in META-INF/spring.factories). */
    public static class ContextTracker implements ApplicationListener<ApplicationStartedEvent> {
        @Override
        public void onApplicationEvent(ApplicationStartedEvent event) {
            contexts.add(event.getApplicationContext());
        }
    }

    @Override
    public synchronized void launcherSessionOpened(LauncherSession session) {
        if (System.getProperty("spring.datasource.url") != null) {
            return;
        }
        var external = System.getenv("NODERR_TEST_DB_URL");
        if (external != null && !external.isBlank()) {
            System.setProperty("spring.datasource.url", external);
            System.setProperty("spring.datasource.username", envOr("NODERR_TEST_DB_USER", "postgres"));
            System.setProperty("spring.datasource.password", envOr("NODERR_TEST_DB_PASSWORD", ""));
            return;
        }
        try {
            dataDir = Files.createTempDirectory("noderr-test-pg");
            server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.setProperty("spring.datasource.url", server.jdbcUrl());
        System.setProperty("spring.datasource.username", "postgres");
        System.setProperty("spring.datasource.password", server.password());
    }

    @Override
    public synchronized void launcherSessionClosed(LauncherSession session) {
        contexts.forEach(ConfigurableApplicationContext::close);
        contexts.clear();
        if (server != null) {
            try {
                server.close();
                FileSystemUtils.deleteRecursively(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server = null;
        }
    }

    private static String envOr(String name, String fallback) {
        var value = System.getenv(name);
        return value == null ? fallback : value;
    }
}
