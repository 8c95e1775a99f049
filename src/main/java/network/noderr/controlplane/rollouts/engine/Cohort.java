package network.noderr.controlplane.rollouts.engine;

import java.util.Locale;

/** The five stages of a rollout, in activation order. */
public enum Cohort {
    /** Activated at publish. */
    CANARY,
    COHORT1,
    COHORT2,
    COHORT3,
    COHORT4;

    /** 0 for the canary, k for cohort k. */
    public int index() {
        return ordinal();
    }

    /** The name used in the API and database: {@code canary}, {@code cohort1} ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Cohort ofIndex(int index) {
        return values()[index];
    }

    public static Cohort fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
