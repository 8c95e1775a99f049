package network.noderr.controlplane.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;
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
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The superuser's password, in the data directory. */
    public static final String PASSWORD_FILE = "noderr-superuser.password";
    static final String SUPERUSER = "postgres";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String SCRAM = "scram-sha-256";
    /** A pg_hba.conf record (not a comment) whose method is trust: {@code local|host… … trust [# comment]}. */
    private static final Pattern TRUST_RECORD =
            Pattern.compile("(?m)^(\\s*(?:local|host\\w*)\\s.*?\\s)trust(\\s*(?:#.*)?)$");

    private final EmbeddedPostgres postgres;
    private final String password;

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
            var builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
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
            try {
                if (fresh) {
                    writePasswordFile(passwordFile, password);
                } else if (trustEra) {
                    server.changeOverFromTrust(passwordFile, hba);
                }
            } catch (IOException | SQLException | RuntimeException e) {
                postgres.close();
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
        postgres.close();
    }
}
