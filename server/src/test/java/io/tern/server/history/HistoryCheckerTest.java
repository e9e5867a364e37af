package io.tern.server.history;

import static io.tern.server.history.HistoryBuilder.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.server.history.CheckResult.Verdict;
import io.tern.server.history.SimulatedCluster.Generated;
import io.tern.server.history.SimulatedCluster.Spec;
import io.tern.server.history.Violation.Check;
import io.tern.server.history.Watcher.WatchResponse;
import io.tern.server.history.Watcher.WatchStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The whole checker on the histories the robustness tests must tell apart, and on generated ones. */
class HistoryCheckerTest {

    /** @param expected the checks that must fire, exactly; empty for a valid history */
    record Case(String name, History history, List<Check> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Sequential writes whose acknowledgements determine the revision log:
     * a=1 @2, b=1 @3, a=2 @4, delete a @5, a=3 @6.
     */
    private static History writes(Watcher watcher) {
        return history()
                .put(0, 0, 10, "a", "1", 2)
                .put(0, 20, 30, "b", "1", 3)
                .put(0, 40, 50, "a", "2", 4)
                .delete(0, 60, 70, "a", 5)
                .put(0, 80, 90, "a", "3", 6)
                .build()
                .withWatchers(List.of(watcher));
    }

    private static Watcher watcherOfA(WatchResponse... responses) {
        return new Watcher("watcher of a", KeyRange.single("a"), true,
                List.of(new WatchStream(1, List.of(responses))));
    }

    private static final WatchEvent A2 = WatchEvent.put(2, "a", "1", null, 1);
    private static final WatchEvent A4 = WatchEvent.put(4, "a", "2", "1", 2);
    private static final WatchEvent A5 = WatchEvent.delete(5, "a", "2");
    private static final WatchEvent A6 = WatchEvent.put(6, "a", "3", null, 1);

    static Stream<Case> histories() {
        return Stream.of(
                new Case("a valid concurrent history", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(1, 5, 15, "x", "b", 3)
                        .cas(2, 8, 30, "x", "b", "c", 4)
                        .get(3, 3, 9, "x", "a", 2, 2)
                        .put(3, 12, 14, "y", "d", 5)
                        .get(1, 35, 40, "x", "c", 4, 5)
                        .build(), List.of()),
                new Case("a stale read", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .get(1, 40, 50, "x", "a", 2, 3)
                        .get(1, 60, 70, "x", "b", 3, 3)
                        .build(), List.of(Check.LINEARIZABILITY)),
                new Case("a lost acknowledged write", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getAbsent(1, 20, 30, "x", 2)
                        .build(), List.of(Check.LINEARIZABILITY, Check.LOST_WRITE)),
                new Case("a compare-and-set that succeeded on a stale value", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .cas(1, 40, 50, "x", "a", "c", 4)
                        .build(), List.of(Check.LINEARIZABILITY)),
                new Case("a read of a value never written", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .get(1, 20, 30, "x", "z", 2, 2)
                        .build(), List.of(Check.READ_REVISION, Check.LINEARIZABILITY)),
                new Case("two writes with the same revision", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(1, 0, 10, "y", "b", 2)
                        .build(), List.of(Check.DUPLICATE_REVISION)),
                new Case("revisions against real-time order", history()
                        .put(0, 0, 10, "x", "a", 3)
                        .put(1, 20, 30, "y", "b", 2)
                        .build(), List.of(Check.REVISION_ORDER)),
                new Case("an indeterminate write that must be assumed applied", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .putIndeterminate(1, 15, "x", "b")
                        .get(2, 2_000, 2_010, "x", "b", 3, 3)
                        .build(), List.of()),
                new Case("an indeterminate write that must be assumed not applied", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .putIndeterminate(1, 15, "x", "b")
                        .put(0, 20, 30, "y", "c", 3)
                        .get(2, 2_000, 2_010, "x", "a", 2, 3)
                        .build(), List.of()),
                new Case("a watcher that saw everything", writes(watcherOfA(
                        WatchResponse.of(A2), WatchResponse.of(A4, A5), WatchResponse.of(A6))), List.of()),
                new Case("a duplicate watch event", writes(watcherOfA(
                        WatchResponse.of(A2), WatchResponse.of(A4), WatchResponse.of(A4), WatchResponse.of(A5))),
                        List.of(Check.WATCH_DUPLICATE)),
                new Case("a missing watch event", writes(watcherOfA(
                        WatchResponse.of(A2), WatchResponse.of(A5), WatchResponse.of(A6))), List.of(Check.WATCH_GAP)),
                new Case("a wrong prev_kv", writes(watcherOfA(
                        WatchResponse.of(A2), WatchResponse.of(WatchEvent.put(4, "a", "2", null, 2)))),
                        List.of(Check.WATCH_PREV_KV)),
                new Case("a broken version chain", writes(watcherOfA(
                        WatchResponse.of(A2), WatchResponse.of(A4), WatchResponse.of(A5),
                        WatchResponse.of(WatchEvent.put(6, "a", "3", null, 3)))), List.of(Check.WATCH_VERSION)),
                // one transaction wrote two keys at revision 2; the log comes from a watch
                new Case("events of one revision split across responses", new History(List.of(), List.of(
                        new Watcher("w", KeyRange.prefix("t/"), false, List.of(new WatchStream(1, List.of(
                                WatchResponse.of(WatchEvent.put(2, "t/1", "x", null, 1)),
                                WatchResponse.of(WatchEvent.put(2, "t/2", "y", null, 1))))))),
                        Optional.of(RevisionLog.fromWatch(List.of(
                                WatchEvent.put(2, "t/1", "x", null, 1),
                                WatchEvent.put(2, "t/2", "y", null, 1)), false))),
                        List.of(Check.WATCH_SPLIT_REVISION)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("histories")
    void classifies(Case c) {
        CheckResult result = HistoryChecker.check(c.history());
        assertThat(result.violations()).extracting(Violation::check).as("%s", result)
                .containsExactlyInAnyOrderElementsOf(c.expected());
        assertThat(result.verdict()).isEqualTo(c.expected().isEmpty() ? Verdict.VALID : Verdict.VIOLATION);
    }

    @Test
    void tenThousandOperationsAreCheckedInSeconds() {
        Generated g = SimulatedCluster.generate(new Spec(7, 5, 15, 10_000, 0.03, 0.01, false));
        long indeterminate = g.history().operations().stream().filter(Operation::isIndeterminate).count();
        assertThat(indeterminate).isBetween(200L, 400L);

        long start = System.nanoTime();
        CheckResult result = HistoryChecker.check(g.history());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        System.out.printf("checked %d operations (%d indeterminate) and %d log events in %d ms, %d search steps%n",
                g.history().operations().size(), indeterminate,
                g.history().revisionLog().orElseThrow().events().size(), took.toMillis(), result.searchSteps());
        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void generatedHistoriesAreValid(long seed) {
        Generated g = SimulatedCluster.generate(new Spec(seed, 5, 10, 2_000, 0.05, 0.02, false));
        CheckResult result = HistoryChecker.check(g.history());
        assertThat(result.isValid()).as("%s", result).isTrue();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void anInjectedStaleReadIsCaught(long seed) {
        Generated g = SimulatedCluster.generate(new Spec(seed, 5, 10, 2_000, 0.05, 0.02, true));
        assertThat(g.staleReadId()).isNotNegative();
        Operation stale = g.history().operations().get(g.staleReadId());

        CheckResult result = HistoryChecker.check(g.history());

        assertThat(result.violations()).as("%s", result).singleElement().satisfies(v -> {
            assertThat(v.check()).isEqualTo(Check.LINEARIZABILITY);
            assertThat(v.key()).isEqualTo(stale.key());
            assertThat(v.operations()).contains(stale).hasSizeLessThanOrEqualTo(6);
        });
    }

    @Test
    void theTenThousandOperationHistoryWithAStaleReadIsCaught() {
        Generated g = SimulatedCluster.generate(new Spec(7, 5, 15, 10_000, 0.03, 0.01, true));
        Operation stale = g.history().operations().get(g.staleReadId());

        CheckResult result = HistoryChecker.check(g.history());

        assertThat(result.verdict()).isEqualTo(Verdict.VIOLATION);
        assertThat(result.violations()).singleElement()
                .satisfies(v -> assertThat(v.operations()).as(v.describe()).contains(stale));
    }

    @Test
    void aSearchBeyondItsBudgetIsUnknown() {
        History h = History.of(LinearizabilityCheckerTest.pathological(12));

        CheckResult result = HistoryChecker.check(h, 10_000);

        assertThat(result.verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(result.undecidedKeys()).containsExactly("x");
        assertThat(result.undecided().getFirst().progress())
                .startsWith("gave up after 10000 steps on 26 operations; at most ")
                .contains("#25 get(x) cannot take effect");
        assertThat(result.isValid()).isFalse();
    }
}
