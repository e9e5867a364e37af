package io.tern.server.history;

import io.tern.server.history.Call.CompareAndSet;
import io.tern.server.history.Call.Get;
import io.tern.server.history.LinearSearch.DeadEnd;
import io.tern.server.history.LinearSearch.Result;
import io.tern.server.history.LinearSearch.Status;
import io.tern.server.history.Outcome.Ok;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a key's failed linearizability search into a short explanation: the fewest observations that no
 * order of the key's writes explains, and the writes they concern.
 *
 * <p>Only observations are dropped: answered reads, compare-and-sets whose compare failed and deletes that
 * found nothing. They change no state, so removing one only removes a constraint: if the rest still fails,
 * it fails for a reason the full history has too. Dropping writes could manufacture violations (remove the
 * put a read observed and the read looks invented), so every write stays in each search.
 * <ol>
 *   <li>Truncate at the stuck operation's completion: drop operations invoked later and observations that
 *       complete later. No remaining observation can have seen a dropped write.</li>
 *   <li>Drop observations in halving chunks while the rest still fails (delta debugging), ending with one
 *       at a time: what remains is minimal, each observation is needed.</li>
 *   <li>Report those observations and the stuck operation, each with the writes it concerns by revision:
 *       the write of the mod revision it read, the latest acknowledged write before its revision, for a
 *       compare-and-set the write of the value it expected; plus the write that set the state it met.</li>
 * </ol>
 */
final class ViolationSlicer {

    /** The step budget of each search on a reduced history; an exhausted one counts as "not failing". */
    private static final long SEARCH_BUDGET = 1_000_000;

    /** At most this many reduced histories are searched; past it the observations left are reported as is. */
    private static final int MAX_SEARCHES = 200;

    private final List<Operation> keyOps;
    private final List<Operation> acknowledged;
    private int searches;

    private ViolationSlicer(List<Operation> keyOps) {
        this.keyOps = keyOps;
        this.acknowledged = keyOps.stream().filter(Operation::createdRevision)
                .sorted(Comparator.comparingLong(op -> op.ok().revision())).toList();
    }

    /** The violation of {@code key}, whose operations {@code keyOps} failed the search with {@code failed}. */
    static Violation explain(String key, List<Operation> keyOps, Result failed) {
        return new ViolationSlicer(keyOps).explain(key, failed);
    }

    private Violation explain(String key, Result failed) {
        long until = failed.deadEnd().blocked().completedNanos();
        List<Operation> truncated = keyOps.stream()
                .filter(op -> op.invokedNanos() <= until && (!isObservation(op) || op.completedNanos() <= until))
                .toList();
        Result last = failed;
        List<Operation> history = keyOps;
        Result r = search(truncated);
        if (r.status() == Status.VIOLATION) {
            last = r;
            history = truncated;
        }
        List<Operation> writes = history.stream().filter(op -> !isObservation(op)).toList();
        List<Operation> observations = history.stream().filter(ViolationSlicer::isObservation).toList();
        for (int chunk = Math.max(1, observations.size() / 2); ; chunk = Math.max(1, chunk / 2)) {
            for (int i = 0; i < observations.size() && searches < MAX_SEARCHES; ) {
                List<Operation> fewer = new ArrayList<>(observations.subList(0, i));
                fewer.addAll(observations.subList(Math.min(observations.size(), i + chunk), observations.size()));
                List<Operation> candidate = new ArrayList<>(writes);
                candidate.addAll(fewer);
                Result attempt = search(candidate);
                if (attempt.status() == Status.VIOLATION) {
                    observations = fewer;
                    last = attempt;
                } else {
                    i += chunk;
                }
            }
            if (chunk == 1 || searches >= MAX_SEARCHES) {
                break;
            }
        }
        DeadEnd d = last.deadEnd();
        Set<Operation> slice = new LinkedHashSet<>();
        for (Operation op : observations) {
            slice.add(op);
            slice.addAll(concerns(op));
        }
        slice.add(d.blocked());
        slice.addAll(concerns(d.blocked()));
        if (d.lastWriter() != null) {
            slice.add(d.lastWriter());
        }
        List<Operation> sorted = slice.stream()
                .sorted(Comparator.comparingLong(Operation::invokedNanos).thenComparingInt(Operation::id))
                .toList();
        String reason = observations.stream().map(this::byRevisions).filter(Objects::nonNull).findFirst()
                .orElseGet(() -> Objects.requireNonNullElseGet(byRevisions(d.blocked()), () -> reason(d)));
        return Violation.ofOperations(Violation.Check.LINEARIZABILITY, key, sorted, reason);
    }

    /**
     * A reason that revisions alone prove, if there is one: a write acknowledged at revision r must come before
     * an operation answered at a revision at or above r, so what that operation saw must follow from it.
     * <ul>
     *   <li>a read of mod revision m served at h, with an acknowledged write of the key in (m, h];</li>
     *   <li>a read (or delete) that found nothing at h, when the last acknowledged write at or below h is a
     *       put and no delete that may have taken effect is left to explain the absence;</li>
     *   <li>a compare-and-set that succeeded at r, when the last acknowledged write below r left another value
     *       and no write that may have taken effect is left to set the expected one.</li>
     * </ul>
     * Otherwise {@code null}.
     */
    private String byRevisions(Operation op) {
        Ok ok = op.ok();
        if (ok == null) {
            return null;
        }
        String what = "#" + op.id() + " " + op.call();
        boolean foundNothing = (op.call() instanceof Get && ok.value() == null)
                || (op.call() instanceof Call.Delete && !ok.succeeded());
        if (op.call() instanceof Get && ok.value() != null) {
            Operation later = latestAcknowledged(ok.revision(), null);
            if (later != null && later.ok().revision() > ok.modRevision()) {
                return what + " read '" + ok.value() + "' at mod revision " + ok.modRevision()
                        + ", served at revision " + ok.revision() + ", but #" + later.id() + " " + later.call()
                        + " had changed the key at revision " + later.ok().revision() + " in between: a stale read";
            }
        } else if (foundNothing) {
            Operation last = latestAcknowledged(ok.revision(), null);
            if (last != null && last.writtenValue() != null && unacknowledgedWritesOf(null, op).isEmpty()) {
                return what + " found nothing at revision " + ok.revision() + ", but #" + last.id() + " " + last.call()
                        + " was acknowledged at revision " + last.ok().revision()
                        + " and no delete can have followed it: the write was lost";
            }
        } else if (op.call() instanceof CompareAndSet c && ok.succeeded()) {
            Operation last = latestAcknowledged(ok.revision() - 1, null);
            String found = last == null ? null : last.writtenValue();
            if (!Objects.equals(found, c.expected()) && unacknowledgedWritesOf(c.expected(), op).isEmpty()) {
                return what + " succeeded at revision " + ok.revision() + ", but the key was "
                        + (last == null ? "absent" : "'" + found + "' since #" + last.id() + " at revision "
                        + last.ok().revision()) + ", and no other write can have set "
                        + (c.expected() == null ? "it absent" : "'" + c.expected() + "'") + " in between";
            }
        }
        return null;
    }

    private Result search(List<Operation> ops) {
        searches++;
        List<Operation> inOrder = ops.stream().sorted(Comparator.comparingInt(Operation::id)).toList();
        return LinearSearch.run(inOrder, SEARCH_BUDGET);
    }

    /** An answered call that changed nothing: a get, a compare-and-set that failed, a delete that found nothing. */
    private static boolean isObservation(Operation op) {
        return op.ok() != null && !op.createdRevision();
    }

    /** The writes {@code op}'s answer refers to, found by revision (or by value, for unacknowledged writes). */
    private List<Operation> concerns(Operation op) {
        List<Operation> writes = new ArrayList<>();
        Ok ok = op.ok();
        long before = ok == null ? Long.MAX_VALUE : op.createdRevision() ? ok.revision() - 1 : ok.revision();
        Operation previous = latestAcknowledged(before, null);
        if (previous != null && previous != op) {
            writes.add(previous);
        }
        if (op.call() instanceof Get && ok != null && ok.value() != null) {
            Operation writer = acknowledged.stream().filter(w -> w.ok().revision() == ok.modRevision())
                    .findFirst().orElse(null);
            writes.addAll(writer != null ? List.of(writer) : unacknowledgedWritesOf(ok.value(), op));
        }
        if (op.call() instanceof CompareAndSet c && c.expected() != null) {
            Operation writer = latestAcknowledged(before, c.expected());
            writes.addAll(writer != null ? List.of(writer) : unacknowledgedWritesOf(c.expected(), op));
        }
        return writes;
    }

    /** The acknowledged write with the highest revision at most {@code revision}, of {@code value} if not null. */
    private Operation latestAcknowledged(long revision, String value) {
        Operation latest = null;
        for (Operation w : acknowledged) {
            if (w.ok().revision() > revision) {
                break;
            }
            if (value == null || value.equals(w.writtenValue())) {
                latest = w;
            }
        }
        return latest;
    }

    /** The indeterminate writes invoked before {@code reader} completed that leave {@code value} (null: absent). */
    private List<Operation> unacknowledgedWritesOf(String value, Operation reader) {
        return keyOps.stream().filter(w -> w.isIndeterminate() && w.call().isWrite()
                && Objects.equals(w.writtenValue(), value) && w.invokedNanos() <= reader.effectiveEnd()).toList();
    }

    /** The dead end in words. */
    static String reason(DeadEnd d) {
        Operation blocked = d.blocked();
        String after = d.lastWriter() == null ? "with the key " + d.state()
                : "after #" + d.lastWriter().id() + " left the key " + d.state();
        String refusal = d.state().refusal(blocked);
        if (refusal != null) {
            return "#" + blocked.id() + " " + blocked.call() + " cannot take effect " + after + ": " + refusal;
        }
        String others = d.pending().stream().filter(op -> op != blocked).map(op -> "#" + op.id())
                .collect(Collectors.joining(", "));
        return "#" + blocked.id() + " " + blocked.call() + " completed, but no order of it"
                + (others.isEmpty() ? "" : " and " + others) + " fits " + after;
    }
}
