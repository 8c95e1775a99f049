package network.noderr.controlplane.beacon;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BeaconProperties.class)
class BeaconConfiguration {

    /** The configured chain, or the embedded one (started here, stopped with the application). */
    @Bean(destroyMethod = "close")
    BeaconConnection beaconConnection(BeaconProperties properties) {
        return BeaconConnection.open(properties);
    }
}
