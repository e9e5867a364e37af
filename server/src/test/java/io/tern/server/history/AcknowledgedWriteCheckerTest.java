package io.tern.server.history;

import static io.tern.server.history.HistoryBuilder.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.server.history.Violation.Check;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AcknowledgedWriteCheckerTest {

    /** @param expected the checks that must fire, exactly; empty when nothing is lost */
    record Case(String name, HistoryBuilder history, Optional<RevisionLog> log, List<Check> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Optional<RevisionLog> log(WatchEvent... events) {
        return Optional.of(RevisionLog.fromWatch(List.of(events), true));
    }

    static Stream<Case> histories() {
        return Stream.of(
                new Case("overwritten, then the final value read", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .get(1, 40, 50, "x", "b", 3, 3), Optional.empty(), List.of()),
                new Case("a put lost: the final read finds nothing", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getAbsent(1, 20, 30, "x", 2), Optional.empty(), List.of(Check.LOST_WRITE)),
                new Case("a put lost: the final read finds the older value", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3)
                        .get(1, 40, 50, "x", "a", 2, 3), Optional.empty(), List.of(Check.LOST_WRITE)),
                new Case("a delete lost: the final read finds the deleted value", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .delete(0, 20, 30, "x", 3)
                        .get(1, 40, 50, "x", "a", 2, 3), Optional.empty(), List.of(Check.LOST_WRITE)),
                new Case("an indeterminate delete may explain the absence", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .deleteIndeterminate(1, 15, "x")
                        .getAbsent(1, 2_000, 2_010, "x", 3), Optional.empty(), List.of()),
                new Case("an indeterminate put may have overwritten", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .putIndeterminate(1, 15, "x", "b")
                        .get(1, 2_000, 2_010, "x", "b", 3, 3), Optional.empty(), List.of()),
                new Case("a read during the writes is not a final read", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getAbsent(1, 5, 8, "x", 1), Optional.empty(), List.of()),
                new Case("the revision log holds every acknowledged write", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .delete(0, 20, 30, "x", 3), log(
                        WatchEvent.put(2, "x", "a", null, 1),
                        WatchEvent.delete(3, "x", "a")), List.of()),
                new Case("the revision log lacks an acknowledged write", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "x", "b", 3), log(
                        WatchEvent.put(2, "x", "a", null, 1)), List.of(Check.LOST_WRITE)),
                new Case("the revision log has another value at a write's revision", history()
                        .put(0, 0, 10, "x", "a", 2), log(
                        WatchEvent.put(2, "x", "z", null, 1)), List.of(Check.LOST_WRITE, Check.REVISION_LOG)),
                new Case("an event of the revision log no write explains", history()
                        .put(0, 0, 10, "x", "a", 2), log(
                        WatchEvent.put(2, "x", "a", null, 1),
                        WatchEvent.put(3, "x", "b", "a", 2)), List.of(Check.REVISION_LOG)),
                new Case("an indeterminate write explains an event", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .putIndeterminate(1, 20, "x", "b"), log(
                        WatchEvent.put(2, "x", "a", null, 1),
                        WatchEvent.put(3, "x", "b", "a", 2)), List.of()),
                new Case("events of keys the operations never touch are not judged", history()
                        .put(0, 0, 10, "x", "a", 2), log(
                        WatchEvent.put(2, "x", "a", null, 1),
                        WatchEvent.put(3, "other", "b", null, 1)), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("histories")
    void classifies(Case c) {
        List<Violation> violations = AcknowledgedWriteChecker.check(c.history().operations(), c.log());
        assertThat(violations).extracting(Violation::check).as("%s", violations)
                .containsExactlyInAnyOrderElementsOf(c.expected());
    }
}
