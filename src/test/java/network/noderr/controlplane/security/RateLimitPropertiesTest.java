package network.noderr.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/** The limits as the application's own configuration binds them, with an operator's override on top. */
class RateLimitPropertiesTest {

    @Test
    void theDocumentedDefaultsApply() throws Exception {
        var limits = bind(Map.of());
        assertThat(limits.limit("applications")).isEqualTo(new RateLimitProperties.Limit(5, Duration.ofHours(1)));
        assertThat(limits.limit("node-auth")).isEqualTo(new RateLimitProperties.Limit(30, Duration.ofMinutes(1)));
        assertThat(limits.limit("login-address"))
                .isEqualTo(new RateLimitProperties.Limit(20, Duration.ofMinutes(10)))
                .isEqualTo(RateLimitProperties.LOGIN_ADDRESS_DEFAULT);
        assertThat(limits.limit("login-user"))
                .isEqualTo(new RateLimitProperties.Limit(10, Duration.ofMinutes(15)))
                .isEqualTo(RateLimitProperties.LOGIN_USER_DEFAULT);
    }

    @Test
    void settingOnlyOneFieldKeepsTheOther() throws Exception {
        var limits = bind(Map.of("noderr.rate-limits.limits.applications.capacity", "50",
                "noderr.rate-limits.limits.node-auth.period", "PT10S"));
        assertThat(limits.limit("applications")).isEqualTo(new RateLimitProperties.Limit(50, Duration.ofHours(1)));
        assertThat(limits.limit("node-auth")).isEqualTo(new RateLimitProperties.Limit(30, Duration.ofSeconds(10)));
    }

    private static RateLimitProperties bind(Map<String, Object> overrides) throws Exception {
        var environment = new StandardEnvironment();
        var sources = environment.getPropertySources();
        sources.addFirst(new MapPropertySource("overrides", overrides));
        var yaml = new ArrayList<PropertySource<?>>(
                new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml")));
        yaml.forEach(sources::addLast);
        return Binder.get(environment).bindOrCreate("noderr.rate-limits", RateLimitProperties.class);
    }
}
