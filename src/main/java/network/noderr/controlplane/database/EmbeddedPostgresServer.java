package network.noderr.controlplane.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the bundled binaries, with its data kept in a directory between runs. This is
 * the zero-configuration default; production points {@code NODERR_DB_URL} at its own server instead.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts the server on the given data directory, creating the cluster on first use. */
    public static EmbeddedPostgresServer start(EmbeddedDatabaseProperties properties) {
        var dir = properties.dataDirectory().toAbsolutePath();
        try {
            Files.createDirectories(dir);
            var builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1");
            if (properties.port() > 0) {
                builder.setPort(properties.port());
            }
            var durability = properties.durable() ? "on" : "off";
            builder.setServerConfig("fsync", durability)
                    .setServerConfig("synchronous_commit", durability)
                    .setServerConfig("full_page_writes", durability);
            var postgres = builder.start();
            log.info("Embedded PostgreSQL listening on 127.0.0.1:{} with data in {}", postgres.getPort(), dir);
            return new EmbeddedPostgresServer(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + dir
                    + ". If another control plane is running on this data directory, stop it first, or set "
                    + "noderr.database.embedded.data-directory to another directory.", e);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public int port() {
        return postgres.getPort();
    }

    public DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
