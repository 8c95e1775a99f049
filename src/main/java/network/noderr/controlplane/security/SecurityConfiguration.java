package network.noderr.controlplane.security;

import com.vaadin.flow.spring.security.RequestUtil;
import com.vaadin.flow.spring.security.VaadinSecurityConfigurer;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.HeadersConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationConverter;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.OpaqueTokenAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three filter chains, all deny-by-default:
 *
 * <ul>
 *   <li>node API ({@link #NODE_API}): stateless, node access tokens (ES256 JWTs from {@link NodeTokens}); register,
 *       challenge and verify are open (they are how a node gets a token); suspended nodes get 403.
 *   <li>{@code /api/**} and {@code /actuator/**}: stateless, bearer API tokens (no cookies, so no CSRF), errors as
 *       problem+json. Public: {@code GET /api/v1/health-check}, {@code POST /api/v1/applications},
 *       {@code GET /api/v1/applications/{id}} and {@code /actuator/health}. Metrics at
 *       {@code /actuator/prometheus} need a token of any role. A source that presents too many unknown API tokens
 *       gets 429 before any lookup ({@link ApiTokenFailures}), on this chain and the node API's.
 *   <li>everything else: the Hilla dashboard with its login view, session cookies and CSRF protection (the login
 *       form's post included); the push WebSocket only from the site's own pages ({@link SameOriginPushFilter}); each
 *       request of a session re-reads the user ({@link SessionAccountFilter}), so disabling a user ends their
 *       sessions and a role change applies at once. Failed password logins are limited per address and per
 *       username ({@link LoginThrottle}).
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

    /**
     * Requests the firewall refuses before any chain: under {@code /api/} and {@code /actuator/} a 400 problem (not
     * the dashboard's login page); Spring Security's {@code WebSecurity} takes this bean for its filter chain proxy.
     */
    @Bean
    org.springframework.security.web.firewall.RequestRejectedHandler rejectedApiRequests(JsonMapper json) {
        return new RejectedApiRequests(new ProblemResponses(json));
    }

    /** Node API paths: authenticated by node JWTs, except the three steps that obtain one. */
    static final String[] NODE_API = {
        "/api/v1/auth/**", "/api/v1/nodes/**", "/api/v1/version/**", "/api/v1/health", "/api/v1/updates",
        "/api/v1/rollout/status", "/api/v1/beacon"
    };

    @Bean
    @Order(1)
    SecurityFilterChain nodeApiFilterChain(
            HttpSecurity http, NodeTokens tokens, ApiTokens apiTokens, NodeStatusLookup nodes, JsonMapper json,
            ApiTokenFailures failures) throws Exception {
        var problems = new ProblemResponses(json);
        var authorities = new JwtAuthenticationConverter();
        authorities.setJwtGrantedAuthoritiesConverter(jwt -> List.of(new SimpleGrantedAuthority("ROLE_NODE")));
        var jwtProvider = new JwtAuthenticationProvider(tokens.decoder());
        jwtProvider.setJwtAuthenticationConverter(authorities);
        AuthenticationManager nodeTokens = new ProviderManager(jwtProvider);
        AuthenticationManager adminTokens =
                new ProviderManager(new OpaqueTokenAuthenticationProvider(new ApiTokenIntrospector(apiTokens, failures)));
        // Node tokens are JWTs (three dot-separated parts); management-API tokens are opaque.
        AuthenticationManagerResolver<HttpServletRequest> byTokenShape =
                request -> jwtShaped(request) ? nodeTokens : adminTokens;
        Predicate<HttpServletRequest> apiToken = request -> bearer(request) && !jwtShaped(request);
        http.securityMatcher(NODE_API)
                .authorizeHttpRequests(auth -> auth.requestMatchers(
                                HttpMethod.POST, "/api/v1/auth/register", "/api/v1/auth/challenge",
                                "/api/v1/auth/verify")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/v1/rollout/status")
                        .hasAnyRole("NODE", Role.Names.VIEWER)
                        .requestMatchers("/api/v1/auth/rotate", "/api/v1/nodes/**", "/api/v1/version/**",
                                "/api/v1/health", "/api/v1/updates", "/api/v1/beacon")
                        .hasRole("NODE")
                        .anyRequest()
                        .denyAll())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .oauth2ResourceServer(rs -> rs.authenticationManagerResolver(byTokenShape)
                        .authenticationEntryPoint(countingFailures(problems, failures, apiToken))
                        .accessDeniedHandler(problems))
                .addFilterBefore(new ApiTokenFailureFilter(failures, problems, apiToken),
                        BearerTokenAuthenticationFilter.class)
                .addFilterAfter(new NodeStatusFilter(nodes, problems), BearerTokenAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .headers(SecurityConfiguration::privacyHeaders)
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable());
        return http.build();
    }

    /**
     * Alertmanager's webhook: no user or node token; the shared secret is checked (constant-time) before the body is
     * read ({@link AlertWebhookSecretFilter}).
     */
    @Bean
    @Order(0)
    SecurityFilterChain alertWebhookFilterChain(HttpSecurity http, JsonMapper json, ApiTokenFailures failures,
            @org.springframework.beans.factory.annotation.Value("${noderr.alerts.webhook-secret:}") String secret)
            throws Exception {
        var problems = new ProblemResponses(json);
        http.securityMatcher("/api/v1/alerts")
                .addFilterBefore(new AlertWebhookSecretFilter(secret, failures, problems),
                        org.springframework.security.web.access.intercept.AuthorizationFilter.class)
                .authorizeHttpRequests(auth -> auth.requestMatchers(HttpMethod.POST, "/api/v1/alerts").permitAll()
                        .anyRequest().denyAll())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .headers(SecurityConfiguration::privacyHeaders)
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable());
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain apiFilterChain(HttpSecurity http, ApiTokens tokens, JsonMapper json,
            org.springframework.context.ApplicationEventPublisher events, ApiTokenFailures failures) throws Exception {
        var problems = new ProblemResponses(json, events); // refused admin changes reach the audit log
        http.securityMatcher("/api/**", "/actuator/**")
                .authorizeHttpRequests(auth -> auth.requestMatchers(HttpMethod.GET, "/api/v1/health-check")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/actuator/health", "/actuator/health/**")
                        .permitAll()
                        .requestMatchers(HttpMethod.POST, "/api/v1/applications")
                        .permitAll()
                        .requestMatchers(HttpMethod.GET, "/api/v1/applications/*")
                        .permitAll()
                        .requestMatchers("/actuator/prometheus")
                        .hasRole(Role.Names.VIEWER)
                        // The role of each change, as the controllers' @PreAuthorize demands it (docs/api.md's role
                        // table), checked here as well so that a role too low gets 403 before the body is read and
                        // validated (not a 400 listing the fields). RoleBeforeBodyTest holds the two in step.
                        .requestMatchers("/api/v1/admin/users", "/api/v1/admin/users/**")
                        .hasRole(Role.Names.ADMIN)
                        .requestMatchers(HttpMethod.POST, "/api/v1/admin/node-token-keys/rotate",
                                "/api/v1/admin/nodes/*/suspend", "/api/v1/admin/nodes/*/reinstate",
                                "/api/v1/admin/applications/*/approve", "/api/v1/admin/applications/*/reject",
                                "/api/v1/admin/applications/*/reissue-token",
                                "/api/v1/admin/applications/*/install-tokens")
                        .hasRole(Role.Names.ADMIN)
                        .requestMatchers(HttpMethod.PUT, "/api/v1/admin/two-person-rules/*",
                                "/api/v1/admin/tiers/*/rollout-config")
                        .hasRole(Role.Names.ADMIN)
                        .requestMatchers(HttpMethod.POST, "/api/v1/admin/releases",
                                "/api/v1/admin/tiers/*/emergency-rollback", "/api/v1/admin/rollouts/*/pause",
                                "/api/v1/admin/rollouts/*/resume", "/api/v1/admin/rollouts/*/promote",
                                "/api/v1/admin/rollouts/*/abort", "/api/v1/admin/approvals/*/approve",
                                "/api/v1/admin/approvals/*/reject", "/api/v1/admin/approvals/*/cancel",
                                "/api/v1/admin/alerts/*/acknowledge")
                        .hasRole(Role.Names.RELEASE_MANAGER)
                        .requestMatchers(HttpMethod.PUT, "/api/v1/admin/rollouts/*/thresholds")
                        .hasRole(Role.Names.RELEASE_MANAGER)
                        .requestMatchers("/api/v1/admin/**", "/api/v1/sd/**")
                        .hasRole(Role.Names.VIEWER)
                        .anyRequest()
                        .denyAll())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .oauth2ResourceServer(rs -> rs.opaqueToken(ot -> ot.introspector(new ApiTokenIntrospector(tokens, failures)))
                        .authenticationEntryPoint(countingFailures(problems, failures, SecurityConfiguration::bearer))
                        .accessDeniedHandler(problems))
                .addFilterBefore(new ApiTokenFailureFilter(failures, problems, SecurityConfiguration::bearer),
                        BearerTokenAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .headers(SecurityConfiguration::privacyHeaders)
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable());
        return http.build();
    }

    /** Whether the request carries a bearer token (in the header: the only place one is read from). */
    static boolean bearer(HttpServletRequest request) {
        var header = request.getHeader("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    /** Node tokens are JWTs (three dot-separated parts); management-API tokens are opaque. */
    static boolean jwtShaped(HttpServletRequest request) {
        var header = request.getHeader("Authorization");
        return header != null && header.chars().filter(ch -> ch == '.').count() == 2;
    }

    /**
     * Answers a refused bearer token as {@code problems} does, and counts a refused API token (each one cost a database
     * lookup) against its source ({@link ApiTokenFailures}).
     */
    private static AuthenticationEntryPoint countingFailures(ProblemResponses problems, ApiTokenFailures failures,
            Predicate<HttpServletRequest> apiToken) {
        return (request, response, e) -> {
            if (e instanceof InvalidBearerTokenException && apiToken.test(request)) {
                failures.failed(request.getRemoteAddr());
            }
            problems.commence(request, response, e);
        };
    }

    /**
     * The dashboard's content security policy: everything from this origin only, never framed. Vaadin's bootstrap page
     * starts its client with inline scripts and styles, which is what {@code 'unsafe-inline'} and {@code 'unsafe-eval'}
     * are for (Vaadin's documented minimum).
     */
    static final String DASHBOARD_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
            + "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            + "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
            + "frame-ancestors 'none'";

    /**
     * Features no page of this site uses, switched off for it and anything it embeds. The clipboard stays allowed:
     * the dashboard copies a new token or password.
     */
    static final String PERMISSIONS_POLICY = "accelerometer=(), camera=(), display-capture=(), geolocation=(), "
            + "gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()";

    /**
     * On every response, dashboard and API: the address of a page (a node id, an audit filter) is not sent to other
     * sites as a referrer (nothing needs it there; {@code same-origin} rather than {@code no-referrer} so that the
     * site's own requests keep a true {@code Origin} header), and the browser features of {@link #PERMISSIONS_POLICY}
     * are off.
     */
    static HeadersConfigurer<HttpSecurity> privacyHeaders(HeadersConfigurer<HttpSecurity> headers) {
        return headers.referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN))
                .permissionsPolicyHeader(p -> p.policy(PERMISSIONS_POLICY));
    }

    @Bean
    @Order(3)
    SecurityFilterChain dashboardFilterChain(HttpSecurity http, UserAccounts users, LoginThrottle loginThrottle,
            org.springframework.context.ApplicationEventPublisher events, RequestUtil vaadinRequests)
            throws Exception {
        http.addFilterAfter(new SessionAccountFilter(users), SecurityContextHolderFilter.class)
                .addFilterBefore(new SameOriginPushFilter(), CsrfFilter.class)
                .addFilterBefore(new LoginThrottleFilter(loginThrottle, events),
                        UsernamePasswordAuthenticationFilter.class)
                .authorizeHttpRequests(auth -> auth.requestMatchers(
                                "/styles.css", "/favicon.ico", "/favicon.svg", "/images/**", "/install.sh", "/install.ps1",
                                "/downloads/noderr-agent.jar", "/downloads/noderr-agent.jar.sha256",
                                "/downloads/control-plane-ca.pem")
                        .permitAll())
                // Written at once, not when the response commits: the pages come from Vaadin's servlet behind a
                // forward, whose response the container commits past this filter, so they would go without them.
                .headers(h -> privacyHeaders(h).contentSecurityPolicy(csp -> csp.policyDirectives(DASHBOARD_CSP))
                        .frameOptions(f -> f.deny())
                        .withObjectPostProcessor(new org.springframework.security.config.ObjectPostProcessor<
                                org.springframework.security.web.header.HeaderWriterFilter>() {
                            @Override
                            public <O extends org.springframework.security.web.header.HeaderWriterFilter> O
                                    postProcess(O filter) {
                                filter.setShouldWriteHeadersEagerly(true);
                                return filter;
                            }
                        }))
                // Vaadin's CSRF set-up exempts its framework requests (they carry Vaadin's own token) and the login
                // page, so a page of another site could post /login and log its visitor in as the attacker (login
                // CSRF). Only the former is kept: POST /login needs the session's CSRF token, which Hilla's login()
                // sends from the page's meta tags.
                .csrf(csrf -> csrf.ignoringRequestMatchers(vaadinRequests::isFrameworkInternalRequest))
                .with(VaadinSecurityConfigurer.vaadin(),
                        vaadin -> vaadin.loginView("/login").enableCsrfConfiguration(false));
        return http.build();
    }
}
