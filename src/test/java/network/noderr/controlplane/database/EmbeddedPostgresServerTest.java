package network.noderr.controlplane.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

class EmbeddedPostgresServerTest {

    @TempDir
    Path dataDir;

    @Test
    void keepsDataBetweenRestartsOnTheSameDataDirectory() throws Exception {
        var properties = new EmbeddedDatabaseProperties(dataDir, 0, true);
        try (var first = EmbeddedPostgresServer.start(properties)) {
            var jdbc = JdbcClient.create(first.dataSource());
            jdbc.sql("CREATE TABLE kept (v text)").update();
            jdbc.sql("INSERT INTO kept VALUES ('survives a restart')").update();
        }
        try (var second = EmbeddedPostgresServer.start(properties)) {
            var jdbc = JdbcClient.create(second.dataSource());
            assertThat(jdbc.sql("SELECT v FROM kept").query(String.class).single()).isEqualTo("survives a restart");
            assertThat(jdbc.sql("SHOW fsync").query(String.class).single()).isEqualTo("on");
            assertThat(jdbc.sql("SHOW synchronous_commit").query(String.class).single()).isEqualTo("on");
            assertThat(jdbc.sql("SHOW listen_addresses").query(String.class).single()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void isUsedOnlyWhenNoDatabaseUrlIsConfigured() {
        var runner = new org.springframework.boot.test.context.runner.ApplicationContextRunner()
                .withUserConfiguration(EmbeddedDatabaseConfiguration.class)
                .withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/elsewhere");
        runner.run(context -> assertThat(context).doesNotHaveBean(EmbeddedPostgresServer.class));
    }
}
