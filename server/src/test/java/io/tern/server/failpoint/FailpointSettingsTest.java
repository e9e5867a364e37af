package io.tern.server.failpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.failpoint.Failpoints.Name;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code tern.failpoints} property: what it enables, and what it refuses. */
class FailpointSettingsTest {

    record Accepted(String spec, Map<Name, FailpointAction> actions, String canonical) {
    }

    static Stream<Accepted> accepted() {
        return Stream.of(
                new Accepted(null, Map.of(), ""),
                new Accepted("  ", Map.of(), ""),
                new Accepted("compactAfterCommitBatch=crash",
                        Map.of(Name.COMPACT_AFTER_COMMIT_BATCH, new FailpointAction.Crash()),
                        "compactAfterCommitBatch=crash"),
                new Accepted(" applySnapshotMidway = sleep( 250 ) , compactAfterCommitBatch=crash",
                        Map.of(Name.APPLY_SNAPSHOT_MIDWAY, new FailpointAction.Sleep(Duration.ofMillis(250)),
                                Name.COMPACT_AFTER_COMMIT_BATCH, new FailpointAction.Crash()),
                        "compactAfterCommitBatch=crash,applySnapshotMidway=sleep(250)"));
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void aSpecificationEnablesExactlyItsPoints(Accepted a) {
        FailpointSettings settings = FailpointSettings.parse(a.spec());
        assertThat(settings.actions()).isEqualTo(a.actions());
        assertThat(settings.toString()).isEqualTo(a.canonical());
        for (Name name : Name.values()) {
            assertThat(settings.point(name) == Failpoint.OFF).as("%s is off", name)
                    .isEqualTo(!a.actions().containsKey(name));
        }
    }

    record Refused(String spec, String message) {
    }

    static Stream<Refused> refused() {
        return Stream.of(
                new Refused("compactAfterCommitBatch", "'compactAfterCommitBatch' is not point=action"),
                new Refused("noSuchPoint=crash", "no failpoint named 'noSuchPoint'; there are compactAfterCommitBatch"),
                new Refused("compactAfterCommitBatch=explode", "unknown action 'explode'"),
                new Refused("compactAfterCommitBatch=sleep(-1)", "unknown action 'sleep(-1)'"),
                new Refused("compactAfterCommitBatch=crash,compactAfterCommitBatch=crash", "named twice"),
                new Refused("compactAfterCommitBatch=crash,", "'' is not point=action"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void aWrongSpecificationIsRefusedNamingThePart(Refused r) {
        assertThatThrownBy(() -> FailpointSettings.parse(r.spec()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("-Dtern.failpoints=" + r.spec() + ": ")
                .hasMessageContaining(r.message());
    }

    @Test
    void aSleepStallsThePassingThreadAndReturns() {
        Failpoint point = FailpointSettings.parse("compactAfterCommitBatch=sleep(200)")
                .point(Name.COMPACT_AFTER_COMMIT_BATCH);
        long started = System.nanoTime();
        point.hit();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
}
