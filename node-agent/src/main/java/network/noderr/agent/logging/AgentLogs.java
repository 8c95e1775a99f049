package network.noderr.agent.logging;

import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.simple.SimpleLogger;
import org.slf4j.simple.SimpleLoggerFactory;
import org.slf4j.simple.SimpleServiceProvider;

/**
 * How the agent's log lines look, set once at start-up ({@link #configure}) before the first logger exists: SLF4J's
 * simple logger (stderr), with
 * <ul>
 *   <li>under systemd's journal ({@code JOURNAL_STREAM} set): each line prefixed with its syslog priority
 *       ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug), which journald takes as the
 *       line's priority, so that {@code journalctl -p warning} shows warnings and errors; no time stamp (the journal
 *       stamps each line) and no thread name (the prefix must start the line);</li>
 *   <li>otherwise (a sandbox install, a terminal): an ISO-8601 time stamp with the zone offset on every line.</li>
 * </ul>
 * The Apache HTTP client under docker-java logs only warnings: its retries name its own placeholder address
 * ({@code unix://localhost:2375}), not the configured {@code docker-host}; the agent's own messages name that.
 */
public final class AgentLogs {

    private AgentLogs() {}

    /** The system properties for {@code env}, all of which an explicit {@code -D} overrides. */
    public static Map<String, String> properties(Map<String, String> env) {
        var p = new LinkedHashMap<String, String>();
        p.put("slf4j.provider", Provider.class.getName());
        p.put("slf4j.internal.verbosity", "WARN"); // not SLF4J's own note that it loads the provider named here
        p.put(SimpleLogger.DEFAULT_LOG_LEVEL_KEY, "info");
        p.put(SimpleLogger.LOG_KEY_PREFIX + "org.apache.hc", "warn");
        p.put(SimpleLogger.LOG_KEY_PREFIX + "com.github.dockerjava", "warn");
        if (underJournal(env)) {
            p.put(SimpleLogger.SHOW_DATE_TIME_KEY, "false");
            p.put(SimpleLogger.SHOW_THREAD_NAME_KEY, "false");
        } else {
            p.put(SimpleLogger.SHOW_DATE_TIME_KEY, "true");
            p.put(SimpleLogger.DATE_TIME_FORMAT_KEY, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        }
        return p;
    }

    /** Sets {@link #properties} (those not set already); call before anything logs. */
    public static void configure(Map<String, String> env) {
        properties(env).forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }

    /** systemd sets {@code JOURNAL_STREAM} for a service whose standard error goes to the journal. */
    static boolean underJournal(Map<String, String> env) {
        var stream = env.get("JOURNAL_STREAM");
        return stream != null && !stream.isBlank();
    }

    /** The syslog priority prefix journald reads at the start of a line, for an SLF4J level. */
    static String priority(org.slf4j.event.Level level) {
        return switch (level) {
            case ERROR -> "<3>";
            case WARN -> "<4>";
            case INFO -> "<6>";
            case DEBUG, TRACE -> "<7>";
        };
    }

    /** The simple logger whose level text starts with the syslog priority under the journal. */
    static final class JournalLogger extends SimpleLogger {
        private static final long serialVersionUID = 1L;
        private final boolean journal;

        JournalLogger(String name, boolean journal) {
            super(name);
            this.journal = journal;
        }

        @Override
        protected String renderLevel(int level) {
            var text = super.renderLevel(level);
            return journal ? priority(org.slf4j.event.Level.intToLevel(level)) + text : text;
        }
    }

    /** SLF4J's simple provider with {@link JournalLogger}s; chosen by the {@code slf4j.provider} property. */
    public static final class Provider extends SimpleServiceProvider {
        private ILoggerFactory factory;

        @Override
        public void initialize() {
            super.initialize();
            boolean journal = underJournal(System.getenv());
            factory = new SimpleLoggerFactory() {
                @Override
                protected Logger createLogger(String name) {
                    return new JournalLogger(name, journal);
                }
            };
        }

        @Override
        public ILoggerFactory getLoggerFactory() {
            return factory;
        }
    }
}
