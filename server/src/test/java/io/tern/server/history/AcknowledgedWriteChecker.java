package io.tern.server.history;

import io.tern.server.history.Call.Delete;
import io.tern.server.history.Call.Get;
import io.tern.server.history.Outcome.Ok;
import io.tern.server.history.Violation.Check;
import io.tern.server.history.WatchEvent.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * No acknowledged write is lost. A write that changed its key (a put, a delete that deleted, a compare-and-set
 * that succeeded) was answered with revision r, and afterwards the key must show it or something later:
 * <ul>
 *   <li>against the key's <em>final read</em> (the last answered get of the key invoked after every write of
 *       the key had completed or been given up): the write is overwritten by an acknowledged write of the
 *       key with a revision in (r, the final read's header], or the final read shows it (a put: mod revision
 *       r; a delete: absent) or something newer (mod revision above r; for a put, absence when an
 *       indeterminate delete may have removed it);</li>
 *   <li>against the revision log, when there is one: the log holds the write's event at revision r; and
 *       every event of a key the operations touch is explained by a write, acknowledged at that revision or
 *       indeterminate with the same key and value.</li>
 * </ul>
 * A key with no final read and no log is not judged here (the linearizability search still sees its writes).
 */
final class AcknowledgedWriteChecker {

    private AcknowledgedWriteChecker() {
    }

    static List<Violation> check(List<Operation> operations, Optional<RevisionLog> log) {
        List<Violation> violations = new ArrayList<>();
        Map<String, List<Operation>> byKey = new HashMap<>();
        for (Operation op : operations) {
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        byKey.keySet().stream().sorted().forEach(key -> againstFinalRead(byKey.get(key), violations));
        log.ifPresent(l -> againstLog(operations, byKey, l, violations));
        return violations;
    }

    private static void againstFinalRead(List<Operation> keyOps, List<Violation> violations) {
        Operation finalRead = finalRead(keyOps);
        if (finalRead == null) {
            return;
        }
        Ok seen = finalRead.ok();
        List<Operation> acknowledged = keyOps.stream().filter(Operation::createdRevision)
                .sorted(Comparator.comparingLong(op -> op.ok().revision())).toList();
        boolean mayBeDeleted = keyOps.stream().anyMatch(op -> op.isIndeterminate() && op.call() instanceof Delete);
        for (int i = 0; i < acknowledged.size(); i++) {
            Operation write = acknowledged.get(i);
            long r = write.ok().revision();
            boolean overwritten = i + 1 < acknowledged.size()
                    && acknowledged.get(i + 1).ok().revision() <= seen.revision();
            if (overwritten || r > seen.revision()) {
                continue; // a final read served before the write's revision is a REVISION_ORDER violation
            }
            boolean shown = seen.modRevision() > r || (write.writtenValue() == null
                    ? seen.value() == null
                    : seen.modRevision() == r || (seen.value() == null && mayBeDeleted));
            if (!shown) {
                violations.add(Violation.ofOperations(Check.LOST_WRITE, write.key(), List.of(write, finalRead),
                        "#" + write.id() + " " + write.call() + " was acknowledged at revision " + r
                                + " and no later acknowledged write replaced it, but the final read #"
                                + finalRead.id() + " at revision " + seen.revision() + " found the key "
                                + (seen.value() == null ? "absent"
                                : "'" + seen.value() + "' at mod revision " + seen.modRevision())));
            }
        }
    }

    /** The last answered get invoked after every write of the key completed (or was given up); or null. */
    private static Operation finalRead(List<Operation> keyOps) {
        long writesDone = keyOps.stream().filter(op -> op.call().isWrite())
                .mapToLong(Operation::completedNanos).max().orElse(Long.MIN_VALUE);
        return keyOps.stream()
                .filter(op -> op.call() instanceof Get && op.ok() != null && op.invokedNanos() > writesDone)
                .max(Comparator.comparingLong(Operation::invokedNanos))
                .orElse(null);
    }

    private static void againstLog(List<Operation> operations, Map<String, List<Operation>> byKey, RevisionLog log,
                                   List<Violation> violations) {
        Map<Long, List<Operation>> acknowledgedAt = new HashMap<>();
        for (Operation write : operations) {
            if (!write.createdRevision()) {
                continue;
            }
            long r = write.ok().revision();
            acknowledgedAt.computeIfAbsent(r, k -> new ArrayList<>()).add(write);
            WatchEvent event = log.event(r, write.key());
            if (event == null || !writes(write, event)) {
                violations.add(new Violation(Check.LOST_WRITE, write.key(), List.of(write),
                        event == null ? List.of() : List.of(event),
                        "#" + write.id() + " " + write.call() + " was acknowledged at revision " + r
                                + ", but the revision log " + (event == null ? "has no event of the key then"
                                : "shows " + event + " instead")));
            }
        }
        Set<Operation> explaining = new HashSet<>();
        for (WatchEvent event : log.events()) {
            if (!byKey.containsKey(event.key())) {
                continue;
            }
            boolean acknowledged = acknowledgedAt.getOrDefault(event.revision(), List.of()).stream()
                    .anyMatch(w -> w.key().equals(event.key()) && writes(w, event));
            if (acknowledged) {
                continue;
            }
            Optional<Operation> indeterminate = byKey.get(event.key()).stream()
                    .filter(w -> w.isIndeterminate() && writes(w, event)
                            && !explaining.contains(w))
                    .findFirst();
            if (indeterminate.isPresent()) {
                explaining.add(indeterminate.get());
            } else {
                violations.add(Violation.ofEvents(Check.REVISION_LOG, event.key(), List.of(event),
                        "the revision log holds " + event + ", which no acknowledged write of revision "
                                + event.revision() + " and no unacknowledged write explains"));
            }
        }
    }

    /** Whether {@code event} is what {@code write} does when it takes effect. */
    private static boolean writes(Operation write, WatchEvent event) {
        return write.writtenValue() == null
                ? event.type() == Type.DELETE
                : event.type() == Type.PUT && Objects.equals(event.value(), write.writtenValue());
    }
}
