package network.noderr.controlplane;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;

/**
 * The whole application on a random port against the test JVM's real PostgreSQL. Every class using it shares one
 * cached context, so the server starts once per test run.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
public @interface IntegrationTest {

    /** The bootstrap admin's API token in the test profile. */
    String ADMIN_TOKEN = "ndr_test_bootstrap_token_0123456789abcdefghij";

    /** The bootstrap admin's password in the test profile. */
    String ADMIN_PASSWORD = "test-admin-password";
}
