package network.noderr.controlplane.live;

import com.vaadin.hilla.BrowserCallable;
import com.vaadin.hilla.exception.EndpointException;
import jakarta.annotation.security.RolesAllowed;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccount;
import network.noderr.controlplane.security.UserAccounts;
import org.jspecify.annotations.NonNull;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The dashboard's live streams over Hilla push. Every role may listen; the events carry no data a VIEWER may not
 * read, only what changed.
 *
 * <p>A stream lasts only while its user may sign in. The push WebSocket keeps the user it connected as, and no HTTP
 * request passes the session check while it is open, so every event (at least one heartbeat per interval) first
 * looks the user up: a user disabled or deleted meanwhile gets an error instead of the event, and cannot subscribe
 * again. The page then checks its session with an ordinary call, which ends it, and shows the login page.
 */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class LiveService {

    static final String ACCOUNT_ENDED = "Your account is disabled or no longer exists: sign in again";

    private final LiveEvents events;
    private final UserAccounts users;

    LiveService(LiveEvents events, UserAccounts users) {
        this.events = events;
        this.users = users;
    }

    /** What changed on the dashboard: a hello, then at most one change event per second, and heartbeats. */
    public @NonNull Flux<@NonNull LiveEvent> changes() {
        return whileAccountEnabled(events.changes());
    }

    /** Ticks when this node reports or changes, for the node details screen. */
    public @NonNull Flux<@NonNull LiveEvent> node(@NonNull String nodeId) {
        if (nodeId.isBlank() || nodeId.length() > 255) {
            throw new EndpointException("nodeId must be 1 to 255 characters");
        }
        return whileAccountEnabled(events.node(nodeId));
    }

    private Flux<LiveEvent> whileAccountEnabled(Flux<LiveEvent> stream) {
        var username = Actors.currentUsername();
        if (!enabled(username)) {
            throw new EndpointException(ACCOUNT_ENDED);
        }
        // One indexed lookup per event and subscriber (at most one change a second, or a heartbeat), off the thread
        // that fans events out to every subscriber.
        return stream.concatMap(event -> Mono.fromCallable(() -> enabled(username))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(enabled -> enabled
                        ? Mono.just(event)
                        : Mono.<LiveEvent>error(new EndpointException(ACCOUNT_ENDED))));
    }

    private boolean enabled(String username) {
        return users.findByUsername(username).map(UserAccount::enabled).orElse(false);
    }
}
