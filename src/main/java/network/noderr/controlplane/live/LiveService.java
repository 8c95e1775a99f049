package network.noderr.controlplane.live;

import com.vaadin.hilla.BrowserCallable;
import com.vaadin.hilla.exception.EndpointException;
import jakarta.annotation.security.RolesAllowed;
import java.time.Clock;
import network.noderr.controlplane.security.Actors;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import org.jspecify.annotations.NonNull;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The dashboard's live streams over Hilla push. Every role may listen; the events carry no data a VIEWER may not
 * read, only what changed.
 *
 * <p>A stream lasts only while its sign-in stands. The push WebSocket keeps the user it connected as, and no HTTP
 * request passes the session check while it is open, so every event (at least one heartbeat per interval) first
 * looks the user up: when the user was disabled or deleted, or changed their password (or had it reset) after the
 * stream began, the stream ends with an error instead of the event. A disabled or deleted user cannot subscribe
 * again. The page then checks its session with an ordinary call: a session that ended shows the login page; the
 * session that changed its own password is still valid and subscribes again.
 *
 * <p>One user holds at most {@link #MAX_STREAMS_PER_USER} streams at a time on a replica; beyond, a subscription ends at
 * once with an error.
 *
 * <p>What a stream cannot know is when the WebSocket's own session logged in, so a page of an ended session that
 * subscribed again over its still-open WebSocket without any HTTP call (which no page of ours does) would receive
 * change signals again; they carry no data.
 */
@BrowserCallable
@RolesAllowed(Role.Names.VIEWER)
public class LiveService {

    static final String ACCOUNT_ENDED = "Your account is disabled or no longer exists: sign in again";
    static final String SIGN_IN_CHANGED = "Your account or password changed: check your session";

    /**
     * Open streams one user may hold on one replica: a screen holds one or two, so this allows dozens of tabs, and
     * bounds what one account can make the replica hold (each stream is a subscription and an account lookup per event).
     */
    static final int MAX_STREAMS_PER_USER = 50;

    static final String TOO_MANY_STREAMS = "You have " + MAX_STREAMS_PER_USER
            + " live screens open already: close some tabs, then reload this one";

    /** Open streams per user on this replica; a user without any has no entry. */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> open =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final LiveEvents events;
    private final UserAccounts users;
    private final Clock clock;

    LiveService(LiveEvents events, UserAccounts users, Clock clock) {
        this.events = events;
        this.users = users;
        this.clock = clock;
    }

    /** What changed on the dashboard: a hello, then at most one change event per second, and heartbeats. */
    public @NonNull Flux<@NonNull LiveEvent> changes() {
        return whileSignedIn(events.changes());
    }

    /** Ticks when this node reports or changes, for the node details screen. */
    public @NonNull Flux<@NonNull LiveEvent> node(@NonNull String nodeId) {
        if (nodeId.isBlank() || nodeId.length() > 255) {
            throw new EndpointException("nodeId must be 1 to 255 characters");
        }
        return whileSignedIn(events.node(nodeId));
    }

    private Flux<LiveEvent> whileSignedIn(Flux<LiveEvent> stream) {
        var username = Actors.currentUsername();
        var since = clock.instant();
        if (!users.signInStands(username, since)) {
            throw new EndpointException(ACCOUNT_ENDED);
        }
        // One indexed lookup per event and subscriber (at most one change a second, or a heartbeat), off the thread
        // that fans events out to every subscriber.
        var checked = stream.concatMap(event -> Mono.fromCallable(() -> users.signInStands(username, since))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(stands -> stands
                        ? Mono.just(event)
                        : Mono.<LiveEvent>error(ended(SIGN_IN_CHANGED))));
        // Counted while subscribed: a stream that is never subscribed holds nothing.
        return Flux.defer(() -> {
            var admitted = new boolean[1];
            open.compute(username, (user, count) -> {
                int now = count == null ? 0 : count;
                admitted[0] = now < MAX_STREAMS_PER_USER;
                return admitted[0] ? now + 1 : now;
            });
            if (!admitted[0]) {
                return Flux.error(ended(TOO_MANY_STREAMS));
            }
            return checked.doFinally(signal -> open.computeIfPresent(username, (user, count) -> count > 1
                    ? count - 1 : null));
        });
    }

    /** Ends a stream for the page to check its session; Hilla logs it, and a stack trace would say nothing more. */
    private static EndpointException ended(String message) {
        var exception = new EndpointException(message);
        exception.setStackTrace(new StackTraceElement[0]);
        return exception;
    }
}
