package network.noderr.controlplane.audit;

import java.util.List;
import org.jspecify.annotations.NonNull;

/** A page of the Audit screen: entries newest first, and whether older matching entries exist. */
public record AuditPage(@NonNull List<@NonNull AuditEntry> entries, boolean more) {}
