package network.noderr.controlplane.security;

import network.noderr.controlplane.shared.ProblemException;
import org.springframework.security.oauth2.jwt.Jwt;

/** The rule every node endpoint applies: a node may only act as itself. */
public final class NodeCaller {

    private NodeCaller() {}

    /**
     * @throws ProblemException 403 when the token belongs to another node than {@code nodeId}
     */
    public static void requireSelf(Jwt token, String nodeId) {
        if (!token.getSubject().equals(nodeId)) {
            throw new ProblemException(403, "node-mismatch", "Not your node",
                    "This token belongs to another node; a node may only act as itself.");
        }
    }
}
