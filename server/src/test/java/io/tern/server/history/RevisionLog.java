package io.tern.server.history;

import io.tern.server.history.WatchEvent.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference revision history: every event the store produced, from revision 1, in revision order. A test
 * reads it at the end with a watch on all keys from revision 1 ({@link #fromWatch}); a history without
 * indeterminate writes also determines it ({@link #fromAcknowledgedWrites}). The log must start at revision 1
 * (nothing compacted): the checks take every key to be absent before its first event.
 *
 * <p>The log is data from the server under test, so it is checked too ({@code WatchChecker}) rather than
 * trusted: its own order, versions and {@code prev_kv} values must form valid chains.
 */
public final class RevisionLog {

    /** A key's value ({@code null}: absent) and version just before an event. */
    record Before(String value, long version) {
        static final Before ABSENT = new Before(null, 0);
    }

    record At(long revision, String key) {
    }

    private final List<WatchEvent> events;
    private final boolean hasPrevValues;
    private final Map<At, WatchEvent> byRevisionAndKey = new HashMap<>();
    private final Map<At, Before> before = new HashMap<>();

    private RevisionLog(List<WatchEvent> events, boolean hasPrevValues) {
        this.events = List.copyOf(events);
        this.hasPrevValues = hasPrevValues;
        Map<String, Before> current = new HashMap<>();
        for (WatchEvent e : this.events) {
            At at = new At(e.revision(), e.key());
            if (byRevisionAndKey.putIfAbsent(at, e) == null) {
                before.put(at, current.getOrDefault(e.key(), Before.ABSENT));
            }
            current.put(e.key(), e.type() == Type.PUT ? new Before(e.value(), e.version()) : Before.ABSENT);
        }
    }

    /**
     * The events a watch on all keys from revision 1 delivered, in delivery order.
     *
     * @param prevKv whether that watch asked for {@code prev_kv} (then the events' previous values are checked)
     */
    public static RevisionLog fromWatch(List<WatchEvent> events, boolean prevKv) {
        return new RevisionLog(events, prevKv);
    }

    /**
     * The log the acknowledged writes of {@code operations} imply: an event per put, delete that deleted and
     * compare-and-set that succeeded, at the revision it was answered with. Only a history whose every write
     * has a known fate determines the log, so an indeterminate write is refused: read the log with a watch.
     */
    public static RevisionLog fromAcknowledgedWrites(List<Operation> operations) {
        List<Operation> writes = new ArrayList<>();
        for (Operation op : operations) {
            if (op.call().isWrite() && op.isIndeterminate()) {
                throw new IllegalArgumentException("the acknowledged writes do not determine the revision log: "
                        + op + " may or may not have taken effect; read the log with a watch from revision 1");
            }
            if (op.createdRevision()) {
                writes.add(op);
            }
        }
        writes.sort(Comparator.comparingLong(op -> op.ok().revision()));
        Map<String, Before> current = new HashMap<>();
        List<WatchEvent> events = new ArrayList<>();
        for (Operation op : writes) {
            Before b = current.getOrDefault(op.key(), Before.ABSENT);
            long revision = op.ok().revision();
            String value = op.writtenValue();
            if (value == null) {
                events.add(WatchEvent.delete(revision, op.key(), b.value()));
                current.put(op.key(), Before.ABSENT);
            } else {
                events.add(WatchEvent.put(revision, op.key(), value, b.value(), b.version() + 1));
                current.put(op.key(), new Before(value, b.version() + 1));
            }
        }
        return new RevisionLog(events, true);
    }

    /** The events in the order they were delivered. */
    public List<WatchEvent> events() {
        return events;
    }

    /** Whether the events carry {@code prev_kv} values. */
    public boolean hasPrevValues() {
        return hasPrevValues;
    }

    /** The event of {@code key} at {@code revision}, or {@code null}. */
    WatchEvent event(long revision, String key) {
        return byRevisionAndKey.get(new At(revision, key));
    }

    /** The key's value and version just before its event at {@code revision}; that event must exist. */
    Before before(long revision, String key) {
        Before b = before.get(new At(revision, key));
        if (b == null) {
            throw new IllegalArgumentException("no event of " + key + " at revision " + revision);
        }
        return b;
    }

    /** The events of keys in {@code range} with revisions in [{@code from}, {@code to}], in log order. */
    List<WatchEvent> eventsIn(KeyRange range, long from, long to) {
        List<WatchEvent> in = new ArrayList<>();
        for (WatchEvent e : events) {
            if (e.revision() >= from && e.revision() <= to && range.contains(e.key())) {
                in.add(e);
            }
        }
        return in;
    }

    @Override
    public String toString() {
        return "RevisionLog" + events;
    }
}
