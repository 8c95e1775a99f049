package network.noderr.controlplane.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.vaadin.hilla.exception.EndpointException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.rollouts.NodeVersionChanged;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccount;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * A live stream lasts only while its sign-in stands: the push WebSocket keeps the user it connected as, so a user
 * disabled while a screen is open, or whose password changed, must stop receiving changes on the stream itself; a
 * disabled user cannot subscribe again.
 */
@IntegrationTest
class LiveAccountTest {

    static final Duration DEADLINE = Duration.ofSeconds(15);

    @Autowired
    LiveService live;

    @Autowired
    UserAccounts users;

    @Autowired
    ApplicationEventPublisher publisher;

    @Autowired
    LiveEvents events;

    final List<Disposable> subscriptions = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        subscriptions.forEach(Disposable::dispose);
        SecurityContextHolder.clearContext();
    }

    @Test
    void disablingAUserEndsTheirOpenStreamsAndRefusesNewOnesWhileOtherUsersKeepTheirs() throws Exception {
        var disabled = viewer("live-disabled");
        var other = viewer("live-other");
        var disabledChanges = new Stream(as(disabled, live::changes));
        var disabledNode = new Stream(as(disabled, () -> live.node("live-node-1")));
        var otherChanges = new Stream(as(other, live::changes));
        for (var stream : List.of(disabledChanges, disabledNode, otherChanges)) {
            assertThat(stream.next().kind()).isEqualTo(LiveEvent.Kind.HELLO);
        }

        users.setEnabled("admin", disabled.id(), false);
        var published = events.sequence();
        publisher.publishEvent(new NodeVersionChanged("live-node-1", Tier.ALL,
                NodeVersionChanged.Source.VERSION_QUERY));

        otherChanges.awaitChange("live-node-1", published);
        for (var stream : List.of(disabledChanges, disabledNode)) {
            stream.assertEndedWithoutChanges("live-node-1");
        }
        assertThatThrownBy(() -> as(disabled, live::changes)).isInstanceOf(EndpointException.class)
                .hasMessage(LiveService.ACCOUNT_ENDED);

        // Enabled again, the user may listen again.
        users.setEnabled("admin", disabled.id(), true);
        assertThat(new Stream(as(disabled, live::changes)).next().kind()).isEqualTo(LiveEvent.Kind.HELLO);
    }

    @Test
    void aPasswordResetEndsTheStreamsThatBeganBeforeIt() throws Exception {
        var reset = viewer("live-reset");
        var other = viewer("live-reset-other");
        var changes = new Stream(as(reset, live::changes));
        var node = new Stream(as(reset, () -> live.node("live-node-2")));
        var otherChanges = new Stream(as(other, live::changes));
        for (var stream : List.of(changes, node, otherChanges)) {
            assertThat(stream.next().kind()).isEqualTo(LiveEvent.Kind.HELLO);
        }

        users.resetPassword("admin", reset.id(), null);
        var published = events.sequence();
        publisher.publishEvent(new NodeVersionChanged("live-node-2", Tier.ALL,
                NodeVersionChanged.Source.VERSION_QUERY));

        otherChanges.awaitChange("live-node-2", published);
        changes.assertEndedWithoutChanges("live-node-2");
        node.assertEndedWithoutChanges("live-node-2");
        // A stream that begins after the change listens: whether its session still stands is the session check's
        // call (the page asks it with an ordinary request after the error).
        var after = new Stream(as(reset, live::changes));
        assertThat(after.next().kind()).isEqualTo(LiveEvent.Kind.HELLO);
        var publishedAgain = events.sequence();
        publisher.publishEvent(new NodeVersionChanged("live-node-2", Tier.ALL,
                NodeVersionChanged.Source.VERSION_QUERY));
        after.awaitChange("live-node-2", publishedAgain);
    }

    @Test
    void changingYourOwnPasswordEndsYourEarlierStreams() throws Exception {
        var user = viewer("live-own");
        var changes = new Stream(as(user, live::changes));
        assertThat(changes.next().kind()).isEqualTo(LiveEvent.Kind.HELLO);

        users.changePassword(user.username(), "a-long-enough-password", "another-long-password");
        publisher.publishEvent(new NodeVersionChanged("live-node-3", Tier.ALL,
                NodeVersionChanged.Source.VERSION_QUERY));

        changes.assertEndedWithoutChanges("live-node-3");
    }

    @Test
    void aNameWithoutAnAccountMayNotListen() {
        var ghost = UsernamePasswordAuthenticationToken.authenticated("no-such-user", null,
                Role.VIEWER.authorities());
        SecurityContextHolder.getContext().setAuthentication(ghost);
        assertThatThrownBy(live::changes).isInstanceOf(EndpointException.class);
        assertThatThrownBy(() -> live.node("n")).isInstanceOf(EndpointException.class);
    }

    /**
     * One user holds a bounded number of open streams (each is a subscription, and an account lookup per event): the
     * next one ends at once with an error, and one closed makes room again. Other users are not affected.
     */
    @Test
    void aUserHoldsABoundedNumberOfStreams() throws Exception {
        var user = viewer("live-many");
        var streams = new ArrayList<Stream>();
        for (int i = 0; i < LiveService.MAX_STREAMS_PER_USER; i++) {
            var nodeId = "node-many-" + i;
            var stream = new Stream(as(user, () -> live.node(nodeId)));
            streams.add(stream);
            assertThat(stream.next().kind()).isEqualTo(LiveEvent.Kind.HELLO);
        }
        var refused = new Stream(as(user, () -> live.changes()));
        assertThat(refused.error.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(EndpointException.class).hasMessage(LiveService.TOO_MANY_STREAMS);
        assertThat(refused.received).isEmpty();

        var other = new Stream(as(viewer("live-many-other"), () -> live.changes()));
        assertThat(other.next().kind()).as("another user").isEqualTo(LiveEvent.Kind.HELLO);

        subscriptions.get(0).dispose();
        var again = new Stream(as(user, () -> live.changes()));
        assertThat(again.next().kind()).as("room again after one closed").isEqualTo(LiveEvent.Kind.HELLO);
    }

    private UserAccount viewer(String prefix) {
        return users.create(prefix + "-" + System.nanoTime(), "a-long-enough-password", Role.VIEWER);
    }

    /** Calls the endpoint as the user, as Hilla does for a push subscription. */
    private static Flux<LiveEvent> as(UserAccount user, java.util.function.Supplier<Flux<LiveEvent>> call) {
        SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                user.username(), null, user.role().authorities()));
        try {
            return call.get();
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private final class Stream {
        final BlockingQueue<LiveEvent> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> error = new CompletableFuture<>();

        Stream(Flux<LiveEvent> flux) {
            subscriptions.add(flux.subscribe(received::add, error::complete));
        }

        LiveEvent next() throws InterruptedException {
            var event = received.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(event).as("an event within %s", DEADLINE).isNotNull();
            return event;
        }

        /** Ended with the sign-in error, without the change of {@code nodeId} published after the account changed. */
        void assertEndedWithoutChanges(String nodeId) throws Exception {
            assertThat(error.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(EndpointException.class)
                    .hasMessage(LiveService.SIGN_IN_CHANGED);
            assertThat(received).noneMatch(e -> e.kind() == LiveEvent.Kind.CHANGE && e.nodeIds().contains(nodeId));
        }

        /**
         * Waits for the change event that covers {@code nodeId}: one naming it, or one emitted after {@code sequence}
         * (what {@link LiveEvents#sequence()} was before the change) that says more nodes changed than it lists (a
         * screen showing the node re-fetches it then). Changes of other nodes are passed over: the application the
         * suite shares has nodes of other tests that may change meanwhile, and when more than
         * {@link LiveProperties#maxNodeIds()} of them change in the same window (the silent-node check marking a batch
         * of other tests' nodes, say) the event lists those that came first and only says "more" of this one.
         */
        LiveEvent awaitChange(String nodeId, long sequence) throws InterruptedException {
            var deadline = Instant.now().plus(DEADLINE);
            while (Instant.now().isBefore(deadline)) {
                var event = received.poll(200, TimeUnit.MILLISECONDS);
                if (event != null && event.kind() == LiveEvent.Kind.CHANGE
                        && (event.nodeIds().contains(nodeId) || event.moreNodes() && event.sequence() > sequence)) {
                    return event;
                }
            }
            throw new AssertionError("No change event for " + nodeId + " within " + DEADLINE);
        }
    }
}
