package network.noderr.controlplane.database;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The embedded PostgreSQL used when no database URL is configured ({@code NODERR_DB_URL} /
 * {@code spring.datasource.url} empty).
 *
 * @param dataDirectory where the cluster lives; kept between runs (default {@code data/postgres} under the working
 *     directory)
 * @param port TCP port on 127.0.0.1; 0 picks a free one at every start
 * @param durable fsync and synchronous commit on (the default, so a crash loses no acknowledged write); tests may
 *     turn it off for speed
 */
@Validated
@ConfigurationProperties("noderr.database.embedded")
public record EmbeddedDatabaseProperties(
        @DefaultValue("data/postgres") Path dataDirectory,
        @DefaultValue("0") int port,
        @DefaultValue("true") boolean durable) {}
