package network.noderr.controlplane;

import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;

/** Users for API tests: created on first use (password {@code <name>-password}), each call a fresh API token. */
public final class TestUsers {

    private TestUsers() {}

    public static String token(UserAccounts users, ApiTokens tokens, String name, Role role) {
        var user = users.findByUsername(name).orElseGet(() -> users.create(name, name + "-password", role));
        return tokens.issue(user.id(), "test").token();
    }
}
