package network.noderr.controlplane.platform;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.RestClient;

@IntegrationTest
class HealthCheckTest {

    @LocalServerPort
    int port;

    @Test
    void healthCheckIsPublicAndSaysOk() {
        var response = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/api/v1/health-check")
                .retrieve()
                .toEntity(java.util.Map.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(response.getBody()).containsEntry("status", "ok").containsKey("timestamp");
    }

    @Test
    void theLinuxInstallerIsServedPubliclyForTheOneLineInstall() {
        var body = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/install.sh")
                .retrieve()
                .body(String.class);
        assertThat(body).startsWith("#!/usr/bin/env bash").contains("--token");
    }

    @Test
    void theWindowsInstallerIsServedAsText() {
        var response = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/install.ps1")
                .retrieve()
                .toEntity(String.class);
        assertThat(response.getHeaders().getContentType()).hasToString("text/plain;charset=utf-8");
        assertThat(response.getBody()).contains("param(");
    }

    @ParameterizedTest
    @CsvSource({"/favicon.svg, image/svg+xml", "/favicon.ico, image/x-icon"})
    void theIconIsServedWithoutLoggingIn(String path, String contentType) {
        var response = RestClient.create("http://localhost:" + port)
                .get()
                .uri(path)
                .retrieve()
                .toEntity(byte[].class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(response.getHeaders().getContentType()).hasToString(contentType);
        assertThat(response.getBody()).isNotEmpty();
    }

    @Test
    void unknownApiPathsAreDeniedNotServed() {
        var status = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/api/v1/does-not-exist")
                .exchange((req, res) -> res.getStatusCode());
        assertThat(status.value()).isEqualTo(401);
    }
}
