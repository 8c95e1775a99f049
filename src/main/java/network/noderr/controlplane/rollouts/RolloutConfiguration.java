package network.noderr.controlplane.rollouts;

import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import network.noderr.controlplane.shared.Tier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

@Configuration(proxyBeanMethods = false)
@EnableSchedulerLock(defaultLockAtMostFor = "PT5M")
class RolloutConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RolloutConfiguration.class);

    /** Scheduled jobs run on one replica at a time, by a row lock in PostgreSQL (database time, not host time). */
    @Bean
    LockProvider lockProvider(DataSource dataSource) {
        return new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
                .withJdbcTemplate(new JdbcTemplate(dataSource))
                .usingDbTime()
                .build());
    }

    @Bean
    @ConditionalOnMissingBean(BeaconPort.class)
    BeaconPort databaseOnlyBeacon() {
        return new BeaconPort() {
            @Override
            public void emergencyRollback(Tier tier, String version, String reason, String actor) {
                log.warn("No VersionBeacon is configured: the rollback of {} to {} is recorded in PostgreSQL only",
                        tier, version);
            }

            @Override
            public void queueEmergencyRollback(Tier tier, String version, String reason) {
                emergencyRollback(tier, version, reason, "reconciler");
            }

            @Override
            public String describe() {
                return "no chain (database only)";
            }
        };
    }
}
