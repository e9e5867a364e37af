package io.tern.server.history;

import static io.tern.server.history.HistoryBuilder.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.tern.server.history.Violation.Check;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RevisionCheckerTest {

    /** @param expected the checks that must fire, exactly; empty for a valid history */
    record Case(String name, HistoryBuilder history, List<Check> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> histories() {
        return Stream.of(
                new Case("concurrent writes in either revision order", history()
                        .put(0, 0, 10, "x", "a", 3)
                        .put(1, 5, 15, "y", "b", 2)
                        .get(2, 20, 30, "x", "a", 3, 3), List.of()),
                new Case("a read served at the revision of a write that just completed", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .getAbsent(1, 20, 30, "y", 2), List.of()),
                new Case("failed and indeterminate calls carry no revision", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .putFailed(1, 20, 30, "y", "b")
                        .putIndeterminate(1, 40, "y", "c")
                        .put(0, 50, 60, "x", "d", 4), List.of()),
                new Case("two writes with the same revision", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(1, 0, 10, "y", "b", 2), List.of(Check.DUPLICATE_REVISION)),
                // c0 |--put x (3)--|
                // c1                  |--put y (2)--|     on another key, yet revisions go back in real time
                new Case("revisions against real-time order across keys", history()
                        .put(0, 0, 10, "x", "a", 3)
                        .put(1, 20, 30, "y", "b", 2), List.of(Check.REVISION_ORDER)),
                new Case("a read served before a write that completed before it began", history()
                        .put(0, 0, 10, "x", "a", 5)
                        .getAbsent(1, 20, 30, "y", 4), List.of(Check.REVISION_ORDER)),
                new Case("a write after a read at the same revision must be above it", history()
                        .getAbsent(1, 0, 10, "y", 4)
                        .put(0, 20, 30, "x", "a", 4), List.of(Check.REVISION_ORDER)),
                new Case("a read of another key's revision", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .put(0, 20, 30, "y", "b", 3)
                        .get(1, 40, 50, "x", "b", 3, 3), List.of(Check.READ_REVISION)),
                new Case("a read of another value at a write's revision", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .get(1, 20, 30, "x", "z", 2, 2), List.of(Check.READ_REVISION)),
                new Case("a read of a value never written", history()
                        .get(1, 20, 30, "x", "z", 7, 7), List.of(Check.READ_REVISION)),
                new Case("a read of a value written, but not at that revision", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .get(1, 20, 30, "x", "a", 7, 7), List.of(Check.READ_REVISION)),
                new Case("a read of an indeterminate write", history()
                        .putIndeterminate(0, 0, "x", "a")
                        .get(1, 20, 30, "x", "a", 7, 7), List.of()),
                new Case("a mod revision above the header", history()
                        .put(0, 0, 10, "x", "a", 2)
                        .get(1, 20, 30, "x", "a", 2, 1), List.of(Check.READ_REVISION, Check.REVISION_ORDER)),
                new Case("a value with mod revision 0", history()
                        .get(1, 20, 30, "x", "a", 0, 1), List.of(Check.READ_REVISION)),
                new Case("a read of a write invoked after the read completed", history()
                        .get(1, 0, 10, "x", "a", 2, 2)
                        .put(0, 20, 30, "x", "a", 2), List.of(Check.REVISION_ORDER, Check.READ_REVISION)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("histories")
    void classifies(Case c) {
        List<Violation> violations = RevisionChecker.check(c.history().operations());
        assertThat(violations).extracting(Violation::check).as("%s", violations)
                .containsExactlyInAnyOrderElementsOf(c.expected());
        violations.forEach(v -> assertThat(v.operations()).isNotEmpty());
    }
}
