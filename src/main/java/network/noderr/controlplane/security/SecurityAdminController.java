package network.noderr.controlplane.security;

import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Management API for the control plane's own keys. */
@RestController
class SecurityAdminController {

    record Rotated(String keyId) {}

    private final NodeTokens nodeTokens;

    SecurityAdminController(NodeTokens nodeTokens) {
        this.nodeTokens = nodeTokens;
    }

    /**
     * Makes a new key sign node access tokens. Tokens signed by the previous key stay valid until they expire, so
     * nodes notice nothing.
     */
    @PostMapping("/api/v1/admin/node-token-keys/rotate")
    @PreAuthorize("hasRole('ADMIN')")
    Rotated rotate() {
        return new Rotated(nodeTokens.rotateSigningKey());
    }
}
