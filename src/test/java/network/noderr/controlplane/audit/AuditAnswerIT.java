package network.noderr.controlplane.audit;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.DashboardClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The audit log as a dashboard user meets it. An IT: the login page exists only in the production bundle.
 */
@IntegrationTest
class AuditAnswerIT {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    UserAccounts users;

    /**
     * Whoever has an action's answer finds the action in the audit log: the answer is held back until the entry is
     * written. A dashboard call's answer (sent whole, with its length, as soon as it was written) used to reach the
     * caller before its entry about 3 times in 10, so that a check right after the answer failed now and then.
     */
    @Test
    void aDashboardActionIsInTheAuditLogOnceItsAnswerArrives() throws Exception {
        var user = users.create("audit-answered-" + System.nanoTime(), "a-long-enough-password",
                Role.VIEWER);
        var admin = new DashboardClient(port);
        admin.login("admin", IntegrationTest.ADMIN_PASSWORD);
        for (int i = 1; i <= 20; i++) {
            var answer = admin.call("UserAdminService", "setEnabled", "{\"id\":\"" + user.id() + "\",\"enabled\":"
                    + (i % 2 == 0) + "}");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(jdbc.sql("""
                            SELECT count(*) FROM audit_log
                            WHERE action = 'UserAdminService.setEnabled' AND target = :id AND outcome = 'success'""")
                    .param("id", user.id().toString()).query(Long.class).single())
                    .as("entries once answer %d has arrived", i).isEqualTo(i);
        }
    }
}
