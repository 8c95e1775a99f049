package network.noderr.controlplane.approvals;

import network.noderr.controlplane.shared.Tier;

/**
 * A tier's two-person rule was turned on or off by an ADMIN (published once the change is stored; setting it to what
 * it was already publishes nothing).
 *
 * @param enabled whether the rule is on now
 * @param actor who set it
 */
public record TwoPersonRuleChanged(Tier tier, boolean enabled, String actor) {}
