package io.tern.server.history;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything a robustness run observed: the operations of all clients, what each watcher received, and
 * optionally the reference revision history read at the end.
 *
 * @param revisionLog the events of a watch from revision 1 read after the run; without it the watchers are
 *                    checked against {@link RevisionLog#fromAcknowledgedWrites} (which needs every write to
 *                    have a known fate) and lost writes are judged by the final reads alone
 */
public record History(List<Operation> operations, List<Watcher> watchers, Optional<RevisionLog> revisionLog) {

    public History {
        operations = List.copyOf(operations);
        watchers = List.copyOf(watchers);
        Objects.requireNonNull(revisionLog, "revisionLog");
        Set<Integer> ids = new HashSet<>();
        for (Operation op : operations) {
            if (!ids.add(op.id())) {
                throw new IllegalArgumentException("operation id " + op.id() + " appears twice: " + op);
            }
        }
    }

    /** Operations only: no watchers, no revision log. */
    public static History of(List<Operation> operations) {
        return new History(operations, List.of(), Optional.empty());
    }

    public History withWatchers(List<Watcher> newWatchers) {
        return new History(operations, newWatchers, revisionLog);
    }

    public History withRevisionLog(RevisionLog log) {
        return new History(operations, watchers, Optional.of(log));
    }
}
