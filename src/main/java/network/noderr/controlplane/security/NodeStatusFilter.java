package network.noderr.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.filter.OncePerRequestFilter;

/** After the node's token is verified: refuses suspended (or deleted) nodes with 403 on every node endpoint. */
class NodeStatusFilter extends OncePerRequestFilter {

    private final NodeStatusLookup nodes;
    private final ProblemResponses problems;

    NodeStatusFilter(NodeStatusLookup nodes, ProblemResponses problems) {
        this.nodes = nodes;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        var auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof JwtAuthenticationToken jwt && !nodes.isActive(jwt.getName())) {
            problems.write(request, response, 403, "node-suspended", "Node suspended",
                    "This node is suspended or no longer registered. Contact the network's administrators.");
            return;
        }
        chain.doFilter(request, response);
    }
}
