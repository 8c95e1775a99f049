package network.noderr.controlplane.nodes;

import jakarta.validation.Valid;
import network.noderr.controlplane.nodes.NodeAuthRequests.AccessToken;
import network.noderr.controlplane.nodes.NodeAuthRequests.Challenge;
import network.noderr.controlplane.nodes.NodeAuthRequests.ChallengeRequest;
import network.noderr.controlplane.nodes.NodeAuthRequests.Identity;
import network.noderr.controlplane.nodes.NodeAuthRequests.Registered;
import network.noderr.controlplane.nodes.NodeAuthRequests.Registration;
import network.noderr.controlplane.nodes.NodeAuthRequests.RotateRequest;
import network.noderr.controlplane.nodes.NodeAuthRequests.Rotated;
import network.noderr.controlplane.nodes.NodeAuthRequests.VerifyRequest;
import network.noderr.controlplane.security.NodeCaller;
import network.noderr.controlplane.security.RateLimited;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The node authentication API (DESIGN §3): register, challenge, verify, rotate; and a node's own record. */
@RestController
class NodeAuthController {

    private final NodeIdentity identity;

    NodeAuthController(NodeIdentity identity) {
        this.identity = identity;
    }

    @PostMapping("/api/v1/auth/register")
    @RateLimited(value = "node-auth", scope = RateLimited.Scope.REPLICA)
    @ResponseStatus(HttpStatus.CREATED)
    Registered register(@Valid @RequestBody Registration registration) {
        return identity.register(registration);
    }

    @PostMapping("/api/v1/auth/challenge")
    @RateLimited(value = "node-auth", scope = RateLimited.Scope.REPLICA)
    Challenge challenge(@Valid @RequestBody ChallengeRequest body) {
        return identity.challenge(body.nodeId());
    }

    @PostMapping("/api/v1/auth/verify")
    @RateLimited(value = "node-auth", scope = RateLimited.Scope.REPLICA)
    AccessToken verify(@Valid @RequestBody VerifyRequest body, jakarta.servlet.http.HttpServletRequest request) {
        return identity.verify(body.nodeId(), body.nonce(), body.signature(), request.getRemoteAddr(),
                body.metricsPort());
    }

    /** Bearer: the node's current token. The new key signs a fresh nonce of this node. */
    @PostMapping("/api/v1/auth/rotate")
    Rotated rotate(@AuthenticationPrincipal Jwt token, @Valid @RequestBody RotateRequest body) {
        return identity.rotate(token.getSubject(), body);
    }

    @GetMapping("/api/v1/nodes/{nodeId}")
    Identity self(@AuthenticationPrincipal Jwt token, @PathVariable String nodeId) {
        NodeCaller.requireSelf(token, nodeId);
        return identity.identity(nodeId);
    }
}
