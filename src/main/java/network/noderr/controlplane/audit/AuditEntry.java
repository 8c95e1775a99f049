package network.noderr.controlplane.audit;

import java.time.Instant;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/**
 * One audit record.
 *
 * @param actorKind {@code user} (a person, through the dashboard or an API token) or {@code automation}
 * @param action e.g. {@code POST /api/v1/admin/applications/{id}/approve} or {@code ReleasesService.publish}
 * @param label the action as the dashboard shows it: "Releases: publish" for {@code ReleasesService.publish}, other
 *     actions as recorded
 * @param outcome {@code success}, {@code refused} (the request was invalid or not allowed in this state) or
 *     {@code failed} (an error on our side)
 */
public record AuditEntry(
        long id,
        @NonNull Instant at,
        @NonNull String actor,
        @NonNull String actorKind,
        @NonNull String action,
        @NonNull String label,
        @Nullable String target,
        @NonNull String outcome,
        @Nullable Integer status,
        @Nullable String sourceAddress,
        @Nullable String detail) {}
