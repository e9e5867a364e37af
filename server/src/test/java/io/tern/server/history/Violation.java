package io.tern.server.history;

import java.util.List;
import java.util.Objects;

/**
 * One broken guarantee, with the evidence: the operations (or watch events) that together cannot have
 * happened, and why in words.
 *
 * @param key        the key involved; for a check across keys, the key of the first operation named
 * @param operations for {@link Check#LINEARIZABILITY}, a slice of the key's history that is not linearizable
 *                   by itself and from which no single operation can be dropped; otherwise the operations
 *                   that contradict each other
 * @param events     for the watch and revision-log checks, the events involved
 */
public record Violation(Check check, String key, List<Operation> operations, List<WatchEvent> events, String reason) {

    /** Which guarantee was broken. */
    public enum Check {
        /** A read's mod revision is above its header, is another key's or value's revision, or was never written. */
        READ_REVISION,
        /** Two acknowledged writes were answered with the same revision. */
        DUPLICATE_REVISION,
        /** Revisions disagree with real time: an operation that began after another ended saw an older revision. */
        REVISION_ORDER,
        /** No order of a key's operations explains what the clients saw. */
        LINEARIZABILITY,
        /** An acknowledged write is neither the final value of its key nor overwritten by a later revision. */
        LOST_WRITE,
        /** The revision log contradicts itself or the operations (an event no write explains). */
        REVISION_LOG,
        /** A watcher received events out of revision order. */
        WATCH_ORDER,
        /** A watcher received the same event twice. */
        WATCH_DUPLICATE,
        /** A watcher missed an event of its range between its start and the last revision it received. */
        WATCH_GAP,
        /** The events of one revision reached a watcher in more than one response. */
        WATCH_SPLIT_REVISION,
        /** An event's {@code prev_kv} is not the key's previous value. */
        WATCH_PREV_KV,
        /** An event's version breaks the chain: 1 on create, one more per put, 0 on delete. */
        WATCH_VERSION,
        /** An event that is not in the revision log, differs from it, or lies outside the watch. */
        WATCH_EVENT
    }

    public Violation {
        Objects.requireNonNull(check, "check");
        operations = List.copyOf(operations);
        events = List.copyOf(events);
        Objects.requireNonNull(reason, "reason");
    }

    static Violation ofOperations(Check check, String key, List<Operation> operations, String reason) {
        return new Violation(check, key, operations, List.of(), reason);
    }

    static Violation ofEvents(Check check, String key, List<WatchEvent> events, String reason) {
        return new Violation(check, key, List.of(), events, reason);
    }

    /** The reason, then one line per operation and event. */
    public String describe() {
        StringBuilder sb = new StringBuilder(check.name()).append(" on ").append(key).append(": ").append(reason);
        for (Operation op : operations) {
            sb.append("\n    ").append(op);
        }
        for (WatchEvent e : events) {
            sb.append("\n    ").append(e);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
