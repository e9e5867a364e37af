package io.tern.server.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.server.history.Violation.Check;
import io.tern.server.history.Watcher.WatchResponse;
import io.tern.server.history.Watcher.WatchStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WatchCheckerTest {

    // revision:  2      3      4      5         6      7 (one txn)
    // key a:     a=1           a=2    delete    a=3    a=4
    // key b:            b=1                            b=2
    private static final WatchEvent A2 = WatchEvent.put(2, "a", "1", null, 1);
    private static final WatchEvent B3 = WatchEvent.put(3, "b", "1", null, 1);
    private static final WatchEvent A4 = WatchEvent.put(4, "a", "2", "1", 2);
    private static final WatchEvent A5 = WatchEvent.delete(5, "a", "2");
    private static final WatchEvent A6 = WatchEvent.put(6, "a", "3", null, 1);
    private static final WatchEvent A7 = WatchEvent.put(7, "a", "4", "3", 2);
    private static final WatchEvent B7 = WatchEvent.put(7, "b", "2", "1", 2);

    private static final RevisionLog LOG = RevisionLog.fromWatch(List.of(A2, B3, A4, A5, A6, A7, B7), true);

    /** @param expected the checks that must fire, exactly; empty for a watcher that saw what it should */
    record Case(String name, RevisionLog log, Watcher watcher, List<Check> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A stream from {@code start}; each inner list is one response. */
    private static WatchStream stream(long start, List<?>... responses) {
        List<WatchResponse> rs = new ArrayList<>();
        for (List<?> r : responses) {
            rs.add(new WatchResponse(r.stream().map(WatchEvent.class::cast).toList()));
        }
        return new WatchStream(start, rs);
    }

    private static Watcher all(WatchStream... streams) {
        return new Watcher("w", KeyRange.all(), true, List.of(streams));
    }

    private static Case ok(String name, Watcher w) {
        return new Case(name, LOG, w, List.of());
    }

    private static Case bad(String name, Watcher w, Check check) {
        return new Case(name, LOG, w, List.of(check));
    }

    static Stream<Case> watchers() {
        return Stream.of(
                ok("everything from revision 1", all(stream(1,
                        List.of(A2), List.of(B3, A4), List.of(A5), List.of(A6), List.of(A7, B7)))),
                ok("a re-watch resumes from the next revision", all(
                        stream(1, List.of(A2), List.of(B3)),
                        stream(4, List.of(A4, A5), List.of(A6, A7, B7)))),
                ok("a re-watch after receiving nothing keeps the start", all(
                        stream(4),
                        stream(4, List.of(A4, A5), List.of(A6, A7, B7)))),
                ok("one key from the middle, without prev_kv", new Watcher("a", KeyRange.single("a"), false, List.of(
                        stream(4, List.of(A4.withoutPrevValue()), List.of(A5.withoutPrevValue()),
                                List.of(A6.withoutPrevValue(), A7.withoutPrevValue()))))),
                ok("a prefix", new Watcher("b*", KeyRange.prefix("b"), true, List.of(
                        stream(1, List.of(B3), List.of(B7))))),
                ok("a watcher may stop early", all(stream(1, List.of(A2), List.of(B3)))),
                bad("a duplicate event", all(stream(1,
                        List.of(A2), List.of(B3), List.of(B3), List.of(A4))), Check.WATCH_DUPLICATE),
                bad("a duplicate across a re-watch", all(
                        stream(1, List.of(A2), List.of(B3)),
                        stream(4, List.of(B3), List.of(A4))), Check.WATCH_DUPLICATE),
                bad("a missing event", all(stream(1,
                        List.of(A2), List.of(A4), List.of(A5))), Check.WATCH_GAP),
                bad("a gap after a re-watch", all(
                        stream(1, List.of(A2), List.of(B3)),
                        stream(4, List.of(A5))), Check.WATCH_GAP),
                bad("one revision split across responses", all(stream(6,
                        List.of(A6), List.of(A7), List.of(B7))), Check.WATCH_SPLIT_REVISION),
                bad("revisions out of order", all(stream(1,
                        List.of(A2), List.of(A4), List.of(B3))), Check.WATCH_ORDER),
                bad("a wrong prev_kv", all(stream(4,
                        List.of(WatchEvent.put(4, "a", "2", "9", 2)))), Check.WATCH_PREV_KV),
                bad("prev_kv on a create", all(stream(6,
                        List.of(WatchEvent.put(6, "a", "3", "2", 1)))), Check.WATCH_PREV_KV),
                bad("a version that skips", all(stream(4,
                        List.of(WatchEvent.put(4, "a", "2", "1", 3)))), Check.WATCH_VERSION),
                bad("a version that does not restart after a delete", all(stream(6,
                        List.of(WatchEvent.put(6, "a", "3", null, 3)))), Check.WATCH_VERSION),
                bad("a value the log does not have", all(stream(4,
                        List.of(WatchEvent.put(4, "a", "x", "1", 2)))), Check.WATCH_EVENT),
                bad("an event the log does not have", all(stream(4,
                        List.of(A4, WatchEvent.put(4, "c", "1", null, 1)))), Check.WATCH_EVENT),
                bad("an event outside the watched range", new Watcher("a", KeyRange.single("a"), true, List.of(
                        stream(2, List.of(A2), List.of(B3)))), Check.WATCH_EVENT),
                bad("an event before the start revision", all(stream(3,
                        List.of(A2), List.of(B3))), Check.WATCH_EVENT),
                new Case("a log whose version chain breaks", RevisionLog.fromWatch(List.of(
                        A2, WatchEvent.put(3, "a", "2", "1", 5)), true), all(stream(1)), List.of(Check.WATCH_VERSION)),
                new Case("a log whose prev_kv chain breaks", RevisionLog.fromWatch(List.of(
                        A2, WatchEvent.put(3, "a", "2", "7", 2)), true), all(stream(1)), List.of(Check.WATCH_PREV_KV)),
                new Case("a log with a delete of an absent key", RevisionLog.fromWatch(List.of(
                        WatchEvent.delete(2, "a", null)), true), all(stream(1)), List.of(Check.WATCH_EVENT)),
                new Case("a log out of order", RevisionLog.fromWatch(List.of(B3, A2), true),
                        all(stream(1)), List.of(Check.WATCH_ORDER)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("watchers")
    void classifies(Case c) {
        List<Violation> violations = WatchChecker.check(c.log(), List.of(c.watcher()));
        assertThat(violations).extracting(Violation::check).as("%s", violations)
                .containsExactlyInAnyOrderElementsOf(c.expected());
        violations.forEach(v -> assertThat(v.events()).isNotEmpty());
    }

    @Test
    void aGapAfterARewatchSaysSo() {
        Violation v = WatchChecker.check(LOG, List.of(all(
                stream(1, List.of(A2), List.of(B3)),
                stream(4, List.of(A5))))).getFirst();
        assertThat(v.reason()).isEqualTo("w received events from revision 1 to 5 but missed 1 of the log's events "
                + "of all keys in that span, the first at revision 4 (after the re-watch of stream 1 from revision 4)");
        assertThat(v.events()).containsExactly(A4);
    }

    @Test
    void aRewatchFromAnotherRevisionIsARecordingError() {
        Watcher skipped = all(stream(1, List.of(A2)), stream(4, List.of(A4)));
        assertThatThrownBy(() -> WatchChecker.check(LOG, List.of(skipped)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("re-watched from revision 4 in stream 1, but the last revision it received "
                        + "calls for 3");
    }

    @Test
    void theLogOfTheAcknowledgedWritesChainsVersionsAndPreviousValues() {
        List<Operation> ops = HistoryBuilder.history()
                .put(0, 0, 10, "a", "1", 2)
                .put(0, 20, 30, "b", "1", 3)
                .put(0, 40, 50, "a", "2", 4)
                .delete(0, 60, 70, "a", 5)
                .put(0, 80, 90, "a", "3", 6)
                .casFailed(0, 100, 110, "a", "z", "9", 6)
                .deleteNothing(0, 120, 130, "c", 6)
                .operations();
        assertThat(RevisionLog.fromAcknowledgedWrites(ops).events()).containsExactly(A2, B3, A4, A5, A6);
    }

    @Test
    void anIndeterminateWriteLeavesTheLogUndetermined() {
        List<Operation> ops = HistoryBuilder.history().putIndeterminate(0, 0, "a", "1").operations();
        assertThatThrownBy(() -> RevisionLog.fromAcknowledgedWrites(ops))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("read the log with a watch from revision 1");
    }
}
