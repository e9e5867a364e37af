package io.tern.server.history;

import io.tern.server.history.RevisionLog.At;
import io.tern.server.history.RevisionLog.Before;
import io.tern.server.history.Violation.Check;
import io.tern.server.history.WatchEvent.Type;
import io.tern.server.history.Watcher.WatchResponse;
import io.tern.server.history.Watcher.WatchStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * etcd's watch guarantees, judged against the revision log. For each watcher, over all its streams taken
 * as one (a re-watch resumes from the last revision received plus one):
 * <ul>
 *   <li>ordered: revisions never go back;</li>
 *   <li>unique: no (revision, key) event twice, also not across a re-watch;</li>
 *   <li>atomic: the events of one revision arrive in one response;</li>
 *   <li>complete: every log event of the watched range from the first start revision to the last revision
 *       received arrives (a missing one is a gap, also at a resume);</li>
 *   <li>accurate: each event is the log's event at its revision (type and value), inside the watched range
 *       and not before its stream's start; its {@code prev_kv}, when asked for, is the key's value before
 *       that revision; its version continues the key's chain: 1 on create, one more per put, 0 on a
 *       delete.</li>
 * </ul>
 * The log itself is held to the same rules, as a watch of all keys from revision 1 in one response, so a
 * broken chain in the log is found too rather than trusted.
 */
final class WatchChecker {

    private static final String LOG_NAME = "the revision log";

    /** A missing-event violation lists at most this many events. */
    private static final int MISSING_SHOWN = 10;

    private final RevisionLog log;
    private final List<Violation> violations = new ArrayList<>();

    private WatchChecker(RevisionLog log) {
        this.log = log;
    }

    /** Checks the log, then each watcher against it. */
    static List<Violation> check(RevisionLog log, List<Watcher> watchers) {
        WatchChecker checker = new WatchChecker(log);
        checker.check(new Watcher(LOG_NAME, KeyRange.all(), log.hasPrevValues(),
                List.of(new WatchStream(1, List.of(new WatchResponse(log.events()))))));
        for (Watcher w : watchers) {
            checker.check(w);
        }
        return checker.violations;
    }

    private void check(Watcher w) {
        Set<At> seen = new HashSet<>();
        long last = 0;
        int lastResponse = -1;
        int response = -1;
        long expectedStart = w.streams().getFirst().startRevision();
        for (int s = 0; s < w.streams().size(); s++) {
            WatchStream stream = w.streams().get(s);
            if (stream.startRevision() != expectedStart) {
                throw new IllegalArgumentException("watcher " + w.name() + " re-watched from revision "
                        + stream.startRevision() + " in stream " + s + ", but the last revision it received calls "
                        + "for " + expectedStart + ": the recording is wrong, not the server");
            }
            for (WatchResponse r : stream.responses()) {
                response++;
                for (WatchEvent e : r.events()) {
                    String where = w.name() + " (stream " + s + " from revision " + stream.startRevision() + ")";
                    if (!seen.add(new At(e.revision(), e.key()))) {
                        add(Check.WATCH_DUPLICATE, e, where + " received " + e + " a second time");
                        continue;
                    }
                    if (e.revision() < last) {
                        add(Check.WATCH_ORDER, e, where + " received revision " + e.revision() + " after revision "
                                + last);
                    } else if (e.revision() == last && response != lastResponse) {
                        add(Check.WATCH_SPLIT_REVISION, e, where + " received events of revision " + last
                                + " in two responses, " + lastResponse + " and " + response);
                    }
                    if (e.revision() >= last) {
                        last = e.revision();
                        lastResponse = response;
                    }
                    accurate(w, stream, e, where);
                }
            }
            expectedStart = Math.max(stream.startRevision(), last + 1);
        }
        complete(w, seen, last);
    }

    private void accurate(Watcher w, WatchStream stream, WatchEvent e, String where) {
        if (!w.range().contains(e.key())) {
            add(Check.WATCH_EVENT, e, where + " watches " + w.range() + " but received " + e);
            return;
        }
        if (e.revision() < stream.startRevision()) {
            add(Check.WATCH_EVENT, e, where + " received " + e + ", before its start revision");
        }
        WatchEvent logged = log.event(e.revision(), e.key());
        if (logged == null) {
            add(Check.WATCH_EVENT, e, where + " received " + e + ", which is not in the revision log");
            return;
        }
        if (logged.type() != e.type() || !Objects.equals(logged.value(), e.value())) {
            violations.add(Violation.ofEvents(Check.WATCH_EVENT, e.key(), List.of(logged, e),
                    where + " received " + e + ", but the revision log has " + logged));
            return;
        }
        Before before = log.before(e.revision(), e.key());
        if (e.type() == Type.DELETE && before.value() == null) {
            add(Check.WATCH_EVENT, e, where + " received a delete of " + e.key() + " at revision " + e.revision()
                    + ", when the key did not exist");
            return;
        }
        long version = e.type() == Type.DELETE ? 0 : before.version() + 1;
        if (e.version() != version) {
            add(Check.WATCH_VERSION, e, where + " received " + e + " with version " + e.version() + "; the chain "
                    + "gives " + version + (e.type() == Type.DELETE ? " for a delete"
                    : before.version() == 0 ? " (the put creates the key)"
                    : " (the key was at version " + before.version() + ")"));
        }
        if (w.prevKv() && !Objects.equals(e.prevValue(), before.value())) {
            add(Check.WATCH_PREV_KV, e, where + " received " + e + " with prev_kv " + quoted(e.prevValue())
                    + ", but before revision " + e.revision() + " the key was " + quoted(before.value()));
        }
    }

    /** Every log event of the range from the first start to the last revision received was received. */
    private void complete(Watcher w, Set<At> seen, long last) {
        long first = w.streams().getFirst().startRevision();
        List<WatchEvent> missing = log.eventsIn(w.range(), first, last).stream()
                .filter(e -> !seen.contains(new At(e.revision(), e.key())))
                .toList();
        if (missing.isEmpty()) {
            return;
        }
        WatchEvent firstMissing = missing.getFirst();
        violations.add(Violation.ofEvents(Check.WATCH_GAP, firstMissing.key(),
                missing.subList(0, Math.min(MISSING_SHOWN, missing.size())),
                w.name() + " received events from revision " + first + " to " + last + " but missed "
                        + missing.size() + " of the log's events of " + w.range() + " in that span, the first at "
                        + "revision " + firstMissing.revision() + streamOf(w, firstMissing.revision())));
    }

    private static String streamOf(Watcher w, long revision) {
        int stream = 0;
        for (int s = 0; s < w.streams().size(); s++) {
            if (w.streams().get(s).startRevision() <= revision) {
                stream = s;
            }
        }
        return stream == 0 ? "" : " (after the re-watch of stream " + stream + " from revision "
                + w.streams().get(stream).startRevision() + ")";
    }

    private static String quoted(String value) {
        return value == null ? "absent" : "'" + value + "'";
    }

    private void add(Check check, WatchEvent e, String reason) {
        violations.add(Violation.ofEvents(check, e.key(), List.of(e), reason));
    }
}
