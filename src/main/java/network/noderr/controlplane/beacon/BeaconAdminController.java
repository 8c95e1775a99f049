package network.noderr.controlplane.beacon;

import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Management API for the VersionBeacon (DESIGN §3): releases, rollout config, chain status. */
@RestController
class BeaconAdminController {

    private final Beacon beacon;

    BeaconAdminController(Beacon beacon) {
        this.beacon = beacon;
    }

    /**
     * Publishes on-chain: 202 with the pending transaction; the rollout starts once it is confirmed. When the tier's
     * two-person rule is on: 202 with the pending approval (and its Location) instead; nothing is sent until a
     * second person approves it. A version below the tier's current one, or below what its active nodes run, is
     * refused (409 {@code downgrade}) unless {@code allowDowngrade=true}: the API's counterpart of the dashboard's
     * confirmation, since a downgrade may be deliberate.
     */
    @PostMapping("/api/v1/admin/releases")
    @PreAuthorize("hasRole('RELEASE_MANAGER')")
    ResponseEntity<Object> publish(@Valid @RequestBody ReleaseRequest request,
            @RequestParam(defaultValue = "false") boolean allowDowngrade) {
        if (!allowDowngrade) {
            beacon.downgrade(request.tier(), request.versionString()).ifPresent(d -> {
                throw downgradeRefused(d);
            });
        }
        var outcome = beacon.requestPublish(request, Actors.currentUsername());
        var approval = outcome.approval();
        if (approval != null) {
            return ResponseEntity.accepted().location(URI.create("/api/v1/admin/approvals/" + approval.id()))
                    .body(approval);
        }
        return ResponseEntity.accepted().body(outcome.transaction());
    }

    private static ProblemException downgradeRefused(Downgrade d) {
        return new ProblemException(409, "downgrade", "The publish would move the tier down", "Publishing "
                + d.tier() + " " + d.version() + " would move the tier down: " + d.describe()
                + ". Nothing was sent. If the downgrade is deliberate, send the request again with "
                + "?allowDowngrade=true (an emergency rollback is the way back from a bad release).");
    }

    @GetMapping("/api/v1/admin/releases")
    @PreAuthorize("hasRole('VIEWER')")
    List<ReleaseView> releases(@RequestParam(required = false) @Nullable Tier tier) {
        return beacon.releases(tier);
    }

    @PutMapping("/api/v1/admin/tiers/{tier}/rollout-config")
    @PreAuthorize("hasRole('ADMIN')")
    @ResponseStatus(HttpStatus.ACCEPTED)
    SubmittedTransaction rolloutConfig(@PathVariable Tier tier, @Valid @RequestBody RolloutConfigRequest request) {
        return beacon.setRolloutConfig(tier, request, Actors.currentUsername());
    }

    @GetMapping("/api/v1/admin/beacon/transactions")
    @PreAuthorize("hasRole('VIEWER')")
    List<TransactionView> transactions(@RequestParam(defaultValue = "50") int limit) {
        return beacon.transactions(limit);
    }

    @GetMapping("/api/v1/admin/beacon")
    @PreAuthorize("hasRole('VIEWER')")
    BeaconStatusView status() {
        return beacon.status();
    }
}
