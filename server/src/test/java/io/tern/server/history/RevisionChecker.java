package io.tern.server.history;

import io.tern.server.history.Call.Get;
import io.tern.server.history.Outcome.Ok;
import io.tern.server.history.Violation.Check;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The guarantees of etcd's revisions across keys, which the per-key search cannot see:
 * <ol>
 *   <li>every acknowledged write that changed a key was answered with its own revision;</li>
 *   <li>revisions follow real time: if X completed before Y was invoked, Y's revision is at least X's, and
 *       strictly above it if Y created a revision (a header revision is the store's revision when the request
 *       was served, and a write's is the one it created);</li>
 *   <li>a read that returns a value with mod revision r returns exactly what revision r wrote to that key;
 *       if no acknowledged write has revision r, an indeterminate write of that value must exist; and r is
 *       positive and at most the read's header revision.</li>
 * </ol>
 * Only answered operations carry revisions; failed and indeterminate ones are ignored here.
 */
final class RevisionChecker {

    private record Written(String key, String value) {
    }

    private RevisionChecker() {
    }

    static List<Violation> check(List<Operation> operations) {
        List<Operation> answered = operations.stream().filter(op -> op.ok() != null).toList();
        List<Violation> violations = new ArrayList<>();
        Map<Long, Operation> writers = uniqueRevisions(answered, violations);
        realTimeOrder(answered, violations);
        readProvenance(operations, answered, writers, violations);
        return violations;
    }

    /** The acknowledged write of each revision; a second write of a revision is a violation. */
    private static Map<Long, Operation> uniqueRevisions(List<Operation> answered, List<Violation> violations) {
        Map<Long, Operation> writers = new HashMap<>();
        for (Operation op : answered) {
            if (!op.createdRevision()) {
                continue;
            }
            Operation other = writers.putIfAbsent(op.ok().revision(), op);
            if (other != null) {
                violations.add(Violation.ofOperations(Check.DUPLICATE_REVISION, other.key(), List.of(other, op),
                        "#" + other.id() + " and #" + op.id() + " were both answered with revision "
                                + op.ok().revision()));
            }
        }
        return writers;
    }

    /**
     * Sweeps the operations in invocation order, keeping the highest revision among those completed before
     * the current one was invoked. Reports each offending predecessor once, so that one wild revision does
     * not flood the report.
     */
    private static void realTimeOrder(List<Operation> answered, List<Violation> violations) {
        List<Operation> byInvocation = answered.stream()
                .sorted(Comparator.comparingLong(Operation::invokedNanos)).toList();
        List<Operation> byCompletion = answered.stream()
                .sorted(Comparator.comparingLong(Operation::completedNanos)).toList();
        Set<Operation> reported = new HashSet<>();
        Operation highest = null;
        int completed = 0;
        for (Operation y : byInvocation) {
            while (completed < byCompletion.size()
                    && byCompletion.get(completed).completedNanos() < y.invokedNanos()) {
                Operation x = byCompletion.get(completed++);
                if (highest == null || x.ok().revision() > highest.ok().revision()) {
                    highest = x;
                }
            }
            if (highest == null) {
                continue;
            }
            long before = highest.ok().revision();
            long revision = y.ok().revision();
            boolean behind = y.createdRevision() ? revision <= before : revision < before;
            if (behind && reported.add(highest)) {
                violations.add(Violation.ofOperations(Check.REVISION_ORDER, y.key(), List.of(highest, y),
                        "#" + highest.id() + " completed at revision " + before + " before #" + y.id()
                                + " was invoked, but #" + y.id() + (y.createdRevision()
                                ? " created revision " + revision : " was served at revision " + revision)));
            }
        }
    }

    private static void readProvenance(List<Operation> all, List<Operation> answered, Map<Long, Operation> writers,
                                       List<Violation> violations) {
        Map<Written, List<Operation>> writesOf = new HashMap<>();
        for (Operation w : all) {
            if (w.writtenValue() != null) {
                writesOf.computeIfAbsent(new Written(w.key(), w.writtenValue()), k -> new ArrayList<>()).add(w);
            }
        }
        for (Operation read : answered) {
            if (!(read.call() instanceof Get)) {
                continue;
            }
            Ok ok = read.ok();
            if (ok.value() == null) {
                continue;
            }
            long m = ok.modRevision();
            if (m <= 0 || m > ok.revision()) {
                violations.add(Violation.ofOperations(Check.READ_REVISION, read.key(), List.of(read),
                        "#" + read.id() + " read mod revision " + m + ", which is not in (0, " + ok.revision()
                                + "], the header revision it was served at"));
                continue;
            }
            Operation writer = writers.get(m);
            if (writer != null) {
                if (!writer.key().equals(read.key()) || !Objects.equals(writer.writtenValue(), ok.value())) {
                    violations.add(Violation.ofOperations(Check.READ_REVISION, read.key(), List.of(writer, read),
                            "#" + read.id() + " read '" + ok.value() + "' at mod revision " + m + ", but revision "
                                    + m + " was #" + writer.id() + " " + writer.call()));
                } else if (writer.invokedNanos() > read.completedNanos()) {
                    violations.add(Violation.ofOperations(Check.READ_REVISION, read.key(), List.of(read, writer),
                            "#" + read.id() + " read revision " + m + " of #" + writer.id()
                                    + ", which was invoked only after the read completed"));
                }
                continue;
            }
            List<Operation> sameValue = writesOf.getOrDefault(new Written(read.key(), ok.value()), List.of());
            boolean possible = sameValue.stream().anyMatch(w -> w.isIndeterminate()
                    && w.invokedNanos() <= read.completedNanos());
            if (!possible) {
                List<Operation> evidence = new ArrayList<>(sameValue);
                evidence.add(read);
                violations.add(Violation.ofOperations(Check.READ_REVISION, read.key(), evidence,
                        "#" + read.id() + " read '" + ok.value() + "' at mod revision " + m
                                + (sameValue.isEmpty() ? ", a value no operation wrote"
                                : ", but no acknowledged write has revision " + m
                                        + " and no write that may have taken effect then wrote that value")));
            }
        }
    }
}
