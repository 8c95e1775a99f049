package network.noderr.controlplane.platform;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class PlatformConfiguration {

    /** The one clock every time-dependent rule reads, so tests can fix time. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The API's JSON converter in Spring Boot's place. Not a converter bean: Boot puts those ahead of its own, where
     * it would take bodies that are bytes ({@code byte[]}) as well.
     */
    @Bean
    WebMvcConfigurer allProblemsJson(JsonMapper mapper) {
        return new WebMvcConfigurer() {
            @Override
            public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
                builder.withJsonConverter(new AllProblemsJsonConverter(mapper));
            }
        };
    }
}
