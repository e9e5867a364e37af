package io.tern.server.history;

import static io.tern.server.history.HistoryBuilder.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.server.history.Violation.Check;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LinearizabilityCheckerTest {

    /**
     * @param slice for a violation, the ids of the minimal slice expected; {@code null} for a valid history
     */
    record Case(String name, HistoryBuilder history, List<Integer> slice) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> histories() {
        return Stream.of(
                // c0 |--put a (2)--|
                // c1      |--put b (3)--|
                // c2   |-get a-|  |-get b-|    the first read overlaps both puts, the second the second
                new Case("concurrent puts and reads", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(1, 5, 15, "x", "b", 3)
                        .get(2, 3, 9, "x", "a", 2, 2)
                        .get(2, 12, 20, "x", "b", 3, 3), null),
                // c0 |--put a (2)--|  |--put b (3)--|
                // c1                                  |--get a--|
                new Case("stale read", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .get(1, 40, 50, "x", "a", 2, 3), List.of(0, 1, 2)),
                new Case("lost acknowledged write", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getAbsent(1, 20, 30, "x", 2), List.of(0, 1)),
                new Case("compare-and-set that succeeded on a stale value", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .cas(1, 40, 50, "x", "a", "c", 4), List.of(0, 1, 2)),
                new Case("read of a value never written", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .get(1, 20, 30, "x", "z", 2, 2), List.of(0, 1)),
                new Case("indeterminate put that must have taken effect", history()
                        .putIndeterminate(0, 0, "x", "a")
                        .get(1, 20, 30, "x", "a", 5, 5), null),
                // the put of b may take effect after the reads, or never
                new Case("indeterminate put that must not have taken effect (yet)", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .putIndeterminate(1, 5, "x", "b")
                        .get(2, 20, 30, "x", "a", 2, 3)
                        .put(0, 40, 50, "x", "c", 4)
                        .get(2, 60, 70, "x", "c", 4, 4), null),
                new Case("indeterminate put overwritten before anyone looked", history()
                        .putIndeterminate(1, 0, "x", "b")
                        .put(0, 5, 10, "x", "a", 3)
                        .get(2, 20, 30, "x", "a", 3, 3), null),
                new Case("indeterminate compare-and-set that took effect", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .casIndeterminate(1, 15, "x", "a", "b")
                        .get(2, 30, 40, "x", "b", 3, 3), null),
                new Case("indeterminate compare-and-set whose compare cannot hold", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .casIndeterminate(1, 15, "x", "z", "b")
                        .get(2, 30, 40, "x", "b", 3, 3), List.of(0, 1, 2)),
                new Case("indeterminate put seen at a revision from before it", history()
                        .put(0, 0, 10, "x", "a", 5)
                        .putIndeterminate(1, 20, "x", "b")
                        .get(2, 30, 40, "x", "b", 3, 6), List.of(0, 1, 2)),
                new Case("indeterminate delete that took effect", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .deleteIndeterminate(1, 15, "x")
                        .getAbsent(2, 30, 40, "x", 3), null),
                new Case("failed put is never seen", history()
                        .putFailed(0, 0, 10, "x", "b")
                        .getAbsent(1, 20, 30, "x", 1), null),
                new Case("failed put seen", history()
                        .putFailed(0, 0, 10, "x", "b")
                        .get(1, 20, 30, "x", "b", 2, 2), List.of(1)),
                new Case("unanswered read constrains nothing", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getIndeterminate(1, 20, "x"), null),
                new Case("write revisions going back on one key", history()
                        .put(0, 0, 10, "x", "a", 5)
                        .put(0, 20, 30, "x", "b", 3), List.of(0, 1)),
                new Case("delete, then reads and deletes find nothing", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .delete(0, 20, 30, "x", 3)
                        .getAbsent(1, 40, 50, "x", 3)
                        .deleteNothing(1, 60, 70, "x", 3), null),
                new Case("delete finding nothing while the key exists", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .deleteNothing(1, 20, 30, "x", 2), List.of(0, 1)),
                new Case("compare-and-set that failed though its compare held", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .casFailed(1, 20, 30, "x", "a", "b", 2), List.of(0, 1)),
                new Case("keys are independent", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(1, 0, 10, "y", "b", 3)
                        .get(2, 20, 30, "x", "a", 2, 3)
                        .get(2, 40, 50, "y", "b", 3, 3), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("histories")
    void classifies(Case c) {
        LinearizabilityChecker.Report report = LinearizabilityChecker.check(c.history().operations(), 1_000_000);
        assertThat(report.undecidedKeys()).isEmpty();
        if (c.slice() == null) {
            assertThat(report.violations()).isEmpty();
            return;
        }
        assertThat(report.violations()).singleElement().satisfies(v -> {
            assertThat(v.check()).isEqualTo(Check.LINEARIZABILITY);
            assertThat(v.key()).isEqualTo("x");
            assertThat(v.operations()).extracting(Operation::id).as(v.describe()).isEqualTo(c.slice());
            assertThat(v.reason()).isNotBlank();
        });
    }

    record Reason(String name, HistoryBuilder history, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Reason> reasons() {
        return Stream.of(
                new Reason("a lost write", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getAbsent(1, 20, 30, "x", 2),
                        "#1 get(x) found nothing at revision 2, but #0 put(x, a) was acknowledged at revision 2 and "
                                + "no delete can have followed it: the write was lost"),
                new Reason("a compare-and-set on a stale value", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .cas(1, 40, 50, "x", "a", "c", 4),
                        "#2 cas(x, a -> c) succeeded at revision 4, but the key was 'b' since #1 at revision 3, and "
                                + "no other write can have set 'a' in between"),
                new Reason("a value never written", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .get(1, 20, 30, "x", "z", 2, 2),
                        "#1 get(x) cannot take effect after #0 left the key 'a' (mod revision 2): it read 'z' "
                                + "(mod revision 2), but the key is 'a' (mod revision 2)"),
                new Reason("an indeterminate put seen at a revision from before it", history()
                        .put(0, 0, 10, "x", "a", 5)
                        .putIndeterminate(1, 20, "x", "b")
                        .get(2, 30, 40, "x", "b", 3, 6),
                        "#2 get(x) read 'b' at mod revision 3, served at revision 6, but #0 put(x, a) had changed "
                                + "the key at revision 5 in between: a stale read"),
                new Reason("an indeterminate compare-and-set whose compare cannot hold", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .casIndeterminate(1, 15, "x", "z", "b")
                        .get(2, 30, 40, "x", "b", 3, 3),
                        "#2 get(x) cannot take effect after #0 left the key 'a' (mod revision 2): it read 'b' "
                                + "(mod revision 3), but the key is 'a' (mod revision 2)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reasons")
    void explains(Reason r) {
        Violation v = LinearizabilityChecker.check(r.history().operations(), 1_000_000).violations().getFirst();
        assertThat(v.reason()).isEqualTo(r.reason());
    }

    @Test
    void theReasonNamesTheStaleReadAndWhatTheKeyHeld() {
        List<Operation> ops = history()
                .put(0, 0, 10, "x", "a", 2)
                .put(0, 20, 30, "x", "b", 3)
                .get(1, 40, 50, "x", "a", 2, 3)
                .operations();
        Violation v = LinearizabilityChecker.check(ops, 1_000_000).violations().getFirst();
        assertThat(v.reason()).isEqualTo("#2 get(x) read 'a' at mod revision 2, served at revision 3, but #1 "
                + "put(x, b) had changed the key at revision 3 in between: a stale read");
    }

    /**
     * A put at revision 50, then {@code n} puts that may or may not have taken effect, then {@code n}
     * compare-and-sets whose compare failed (they accept any value but their own expectation), then a read of
     * the first indeterminate put at mod revision 5, older than the put it must follow. No placement explains
     * it, and the placements of puts between the compares are many different configurations: the search
     * needs about 14,000 steps for n = 12 to say so.
     */
    static List<Operation> pathological(int n) {
        HistoryBuilder b = history().put(n, 0, 5, "x", "a", 50);
        IntStream.range(0, n).forEach(i -> b.putIndeterminate(i, 10 + i, "x", "p" + i));
        IntStream.range(0, n).forEach(i -> b.casFailed(n, 100 + 10 * i, 105 + 10 * i, "x", "none", "q" + i, 100 + i));
        return b.get(n, 1_000, 1_010, "x", "p0", 5, 200).operations();
    }

    @Test
    void anExhaustedBudgetLeavesTheKeyUndecided() {
        LinearizabilityChecker.Report report = LinearizabilityChecker.check(pathological(12), 10_000);
        assertThat(report.violations()).isEmpty();
        assertThat(report.undecidedKeys()).containsExactly("x");
        assertThat(report.steps()).isEqualTo(10_000);
    }

    @Test
    void aLargerBudgetDecides() {
        LinearizabilityChecker.Report report = LinearizabilityChecker.check(pathological(3), 10_000_000);
        assertThat(report.undecidedKeys()).isEmpty();
        assertThat(report.violations()).singleElement()
                .satisfies(v -> assertThat(v.operations()).extracting(Operation::id).contains(0, 1, 7));
    }
}
