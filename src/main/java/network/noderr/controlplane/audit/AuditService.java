package network.noderr.controlplane.audit;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.RolesAllowed;
import java.time.Instant;
import java.util.List;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.shared.Endpoints;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** The Audit screen: the log filtered, and the same as CSV for a download. */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class AuditService {

    private final AuditLog log;

    AuditService(AuditLog log) {
        this.log = log;
    }

    /** Entries shown per page on the Audit screen; "Load older" asks for the next page. */
    static final int PAGE = 500;

    /**
     * One page of matching entries, newest first: {@code beforeId} (the oldest id shown so far) asks for older ones;
     * {@code more} says whether older matching entries exist beyond this page.
     */
    public @NonNull AuditPage find(@Nullable String actor, @Nullable String action, @Nullable String target,
            @Nullable String outcome, @Nullable Instant from, @Nullable Instant to, @Nullable Long beforeId) {
        return Endpoints.call(() -> {
            var found = log.find(new AuditLog.Query(blank(actor), blank(action), blank(target), blank(outcome), from,
                    to, beforeId, PAGE + 1));
            return found.size() > PAGE ? new AuditPage(found.subList(0, PAGE), true) : new AuditPage(found, false);
        });
    }

    public @NonNull String csv(@Nullable String actor, @Nullable String action, @Nullable String target,
            @Nullable String outcome, @Nullable Instant from, @Nullable Instant to) {
        return Endpoints.call(() -> AuditLog.csv(log.find(new AuditLog.Query(blank(actor), blank(action),
                blank(target), blank(outcome), from, to, null, 10_000))));
    }

    /** The latest 100 entries about exactly this target, such as a node id (the node details screen). */
    public @NonNull List<@NonNull AuditEntry> forTarget(@NonNull String target) {
        return Endpoints.call(() -> log.forTarget(target.strip(), 100));
    }

    private static @Nullable String blank(@Nullable String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
