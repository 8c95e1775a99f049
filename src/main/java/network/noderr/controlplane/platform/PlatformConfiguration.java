package network.noderr.controlplane.platform;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class PlatformConfiguration {

    /** The one clock every time-dependent rule reads, so tests can fix time. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
