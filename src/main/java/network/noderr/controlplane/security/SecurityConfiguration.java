package network.noderr.controlplane.security;

import static org.springframework.security.config.Customizer.withDefaults;

import com.vaadin.flow.spring.security.VaadinSecurityConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two filter chains, both deny-by-default:
 *
 * <ul>
 *   <li>{@code /api/**} and {@code /actuator/**}: stateless, bearer API tokens (no cookies, so no CSRF), errors as
 *       problem+json. Public: {@code GET /api/v1/health-check} and {@code /actuator/health}. Metrics at
 *       {@code /actuator/prometheus} need a token of any role.
 *   <li>everything else: the Hilla dashboard with its login view, session cookies and CSRF protection.
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableMethodSecurity
class SecurityConfiguration {

    @Bean
    PasswordEncoder passwordEncoder() {
        return new BCryptPasswordEncoder();
    }

    @Bean
    @Order(1)
    SecurityFilterChain apiFilterChain(HttpSecurity http, ApiTokens tokens, JsonMapper json) throws Exception {
        var problems = new ProblemResponses(json);
        http.securityMatcher("/api/**", "/actuator/**")
                .authorizeHttpRequests(auth -> auth.requestMatchers(HttpMethod.GET, "/api/v1/health-check")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/**")
                        .permitAll()
                        .requestMatchers("/actuator/prometheus")
                        .hasRole(Role.Names.VIEWER)
                        .requestMatchers("/api/v1/admin/**")
                        .hasRole(Role.Names.VIEWER)
                        .anyRequest()
                        .denyAll())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .oauth2ResourceServer(rs -> rs.opaqueToken(ot -> ot.introspector(new ApiTokenIntrospector(tokens)))
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain dashboardFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/styles.css", "/favicon.ico", "/images/**")
                        .permitAll())
                .headers(h -> h.contentSecurityPolicy(withDefaults()).frameOptions(f -> f.deny()))
                .with(VaadinSecurityConfigurer.vaadin(), vaadin -> vaadin.loginView("/login"));
        return http.build();
    }
}
