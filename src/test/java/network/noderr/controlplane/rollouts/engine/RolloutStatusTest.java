package network.noderr.controlplane.rollouts.engine;

import static network.noderr.controlplane.rollouts.engine.EngineFixtures.T0;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.hours;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.pending;
import static network.noderr.controlplane.rollouts.engine.EngineFixtures.started;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Legal transitions (DESIGN §4): pending → active | aborted; active → paused | completed | rolled_back | aborted;
 * paused → active | completed | rolled_back | aborted; completed, rolled_back, aborted → nothing.
 */
class RolloutStatusTest {

    /** Every (from, to) pair, 36 rows. */
    @ParameterizedTest(name = "{0} → {1}: {2}")
    @CsvSource({
        "PENDING, PENDING, false", "PENDING, ACTIVE, true", "PENDING, PAUSED, false",
        "PENDING, COMPLETED, false", "PENDING, ROLLED_BACK, false", "PENDING, ABORTED, true",

        "ACTIVE, PENDING, false", "ACTIVE, ACTIVE, false", "ACTIVE, PAUSED, true",
        "ACTIVE, COMPLETED, true", "ACTIVE, ROLLED_BACK, true", "ACTIVE, ABORTED, true",

        "PAUSED, PENDING, false", "PAUSED, ACTIVE, true", "PAUSED, PAUSED, false",
        "PAUSED, COMPLETED, true", "PAUSED, ROLLED_BACK, true", "PAUSED, ABORTED, true",

        "COMPLETED, PENDING, false", "COMPLETED, ACTIVE, false", "COMPLETED, PAUSED, false",
        "COMPLETED, COMPLETED, false", "COMPLETED, ROLLED_BACK, false", "COMPLETED, ABORTED, false",

        "ROLLED_BACK, PENDING, false", "ROLLED_BACK, ACTIVE, false", "ROLLED_BACK, PAUSED, false",
        "ROLLED_BACK, COMPLETED, false", "ROLLED_BACK, ROLLED_BACK, false", "ROLLED_BACK, ABORTED, false",

        "ABORTED, PENDING, false", "ABORTED, ACTIVE, false", "ABORTED, PAUSED, false",
        "ABORTED, COMPLETED, false", "ABORTED, ROLLED_BACK, false", "ABORTED, ABORTED, false",
    })
    void transitionTable(RolloutStatus from, RolloutStatus to, boolean legal) {
        assertThat(from.canTransitionTo(to)).isEqualTo(legal);
        if (legal) {
            assertThat(from.transitionTo(to)).isEqualTo(to);
        } else {
            assertThatThrownBy(() -> from.transitionTo(to))
                    .isInstanceOf(IllegalTransitionException.class)
                    .hasMessageContaining(from.wireName() + " rollout cannot become " + to.wireName() + ".");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "PENDING, false", "ACTIVE, false", "PAUSED, false", "COMPLETED, true", "ROLLED_BACK, true", "ABORTED, true",
    })
    void finishedStates(RolloutStatus status, boolean finished) {
        assertThat(status.isFinished()).isEqualTo(finished);
        if (finished) {
            for (var to : RolloutStatus.values()) {
                assertThat(status.canTransitionTo(to)).as("%s → %s", status, to).isFalse();
            }
        }
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({
        "COMPLETED, ACTIVE, 'It is finished; publish a new version to start another.'",
        "ROLLED_BACK, PAUSED, 'It is finished; publish a new version to start another.'",
        "ABORTED, ABORTED, 'It is finished; publish a new version to start another.'",
        "PENDING, PAUSED, 'It has not started yet: start it, or abort it.'",
        "PAUSED, PENDING, 'Resume it first, or abort it.'",
        "PAUSED, PAUSED, 'Resume it first, or abort it.'",
    })
    void illegalTransitionMessagesSayWhatToDo(RolloutStatus from, RolloutStatus to, String advice) {
        assertThatThrownBy(() -> from.transitionTo(to))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageEndingWith(" rollout cannot become " + to.wireName() + ". " + advice)
                .hasMessageContaining(from.wireName());
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({"ACTIVE, PENDING", "ACTIVE, ACTIVE", "ABORTED, ACTIVE"})
    void illegalTransitionMessagesAreGrammaticalAndAlwaysGiveAdvice(RolloutStatus from, RolloutStatus to) {
        var sentence = "An " + from.wireName() + " rollout cannot become " + to.wireName() + ".";
        assertThatThrownBy(() -> from.transitionTo(to))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageStartingWith(sentence)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeGreaterThan(sentence.length() + 5));
    }

    static Rollout completed() {
        var step = RolloutEngine.reconcile(started(), EngineFixtures.everyCohortUpdated(), hours(96));
        assertThat(step.rollout().status()).isEqualTo(RolloutStatus.COMPLETED);
        return step.rollout();
    }

    static Rollout paused() {
        return RolloutEngine.pause(started(), hours(1), "p");
    }

    static Rollout aborted() {
        return RolloutEngine.abort(started(), hours(1), "a");
    }

    static Rollout rolledBack() {
        return RolloutEngine.rollBack(started(), hours(1), "r");
    }

    static Stream<Arguments> illegalEngineCalls() {
        UnaryOperator<Rollout> start = r -> RolloutEngine.start(r, hours(2));
        UnaryOperator<Rollout> pause = r -> RolloutEngine.pause(r, hours(2), "x");
        UnaryOperator<Rollout> resume = r -> RolloutEngine.resume(r, hours(2));
        UnaryOperator<Rollout> abort = r -> RolloutEngine.abort(r, hours(2), "x");
        UnaryOperator<Rollout> rollBack = r -> RolloutEngine.rollBack(r, hours(2), "x");
        UnaryOperator<Rollout> promote = r -> RolloutEngine.promote(r, hours(2));
        return Stream.of(
                Arguments.of("pause a completed rollout", completed(), pause, "A completed rollout cannot become paused."),
                Arguments.of("pause a pending rollout", pending(), pause, "A pending rollout cannot become paused."),
                Arguments.of("pause a paused rollout", paused(), pause, "A paused rollout cannot become paused."),
                Arguments.of("resume an active rollout", started(), resume, "this one is active"),
                Arguments.of("resume a pending rollout", pending(), resume, "this one is pending"),
                Arguments.of("resume an aborted rollout", aborted(), resume, "this one is aborted"),
                Arguments.of("start an active rollout", started(), start, "active rollout cannot become active."),
                Arguments.of("start a completed rollout", completed(), start, "cannot become active"),
                Arguments.of("abort a completed rollout", completed(), abort, "A completed rollout cannot become aborted."),
                Arguments.of("abort an aborted rollout", aborted(), abort, "cannot become aborted"),
                Arguments.of("roll back a pending rollout", pending(), rollBack, "A pending rollout cannot become rolled_back."),
                Arguments.of("roll back a rolled back rollout", rolledBack(), rollBack, "cannot become rolled_back"),
                Arguments.of("promote a completed rollout", completed(), promote, "this one is completed"),
                Arguments.of("promote a rolled back rollout", rolledBack(), promote, "this one is rolled_back"));
    }

    @ParameterizedTest(name = "{0} throws")
    @MethodSource("illegalEngineCalls")
    void engineTransitionsThrowWhenIllegal(String name, Rollout r, UnaryOperator<Rollout> call, String message) {
        assertThatThrownBy(() -> call.apply(r))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining(message);
    }

    @Test
    void startOfAPausedRolloutThrows() {
        var paused = RolloutEngine.pause(RolloutEngine.promote(RolloutEngine.promote(started(), hours(1)), hours(2)),
                hours(3), "hold");
        assertThat(paused.activatedThrough()).isEqualTo(2);
        assertThatThrownBy(() -> RolloutEngine.start(paused, hours(4)))
                .isInstanceOf(IllegalTransitionException.class);
    }

    @Test
    void legalEngineTransitionsSetStatusAndReason() {
        var abortedPending = RolloutEngine.abort(pending(), T0, "wrong build");
        assertThat(abortedPending.status()).isEqualTo(RolloutStatus.ABORTED);
        assertThat(abortedPending.reason()).isEqualTo("wrong build");
        assertThat(abortedPending.activatedThrough()).isEqualTo(-1);

        var abortedPaused = RolloutEngine.abort(paused(), hours(5), "enough");
        assertThat(abortedPaused.status()).isEqualTo(RolloutStatus.ABORTED);
        assertThat(abortedPaused.reason()).isEqualTo("enough");
        assertThat(abortedPaused.resumedAt()).isNull();

        var rolledBack = RolloutEngine.rollBack(RolloutEngine.promote(started(), hours(1)), hours(3), "bad");
        assertThat(rolledBack.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
        assertThat(rolledBack.reason()).isEqualTo("bad");
        assertThat(rolledBack.activatedThrough()).isEqualTo(1);

        var rolledBackPaused = RolloutEngine.rollBack(paused(), hours(3), "bad");
        assertThat(rolledBackPaused.status()).isEqualTo(RolloutStatus.ROLLED_BACK);
    }

    @Test
    void anActiveRolloutNeedsItsResumePoint() {
        assertThatThrownBy(() -> new Rollout(RolloutStatus.ACTIVE, "1.0.0", RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, T0, java.time.Duration.ZERO, null, 0, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Rollout(RolloutStatus.PAUSED, "1.0.0", RolloutConfig.DEFAULT,
                RolloutThresholds.DEFAULT, T0, java.time.Duration.ZERO, null, 5, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
