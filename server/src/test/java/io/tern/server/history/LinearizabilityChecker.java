package io.tern.server.history;

import io.tern.server.history.LinearSearch.Result;
import io.tern.server.history.LinearSearch.Status;
import io.tern.server.history.Outcome.Failed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linearizability of a key-value history, one key at a time: a history of independent registers is
 * linearizable exactly when each key's sub-history is (P-compositionality), and each key's search is far
 * smaller than the whole.
 *
 * <p>Failed calls never took effect and reads without an answer saw nothing, so neither constrains the
 * search; both are dropped. An indeterminate write stays in, as a call that never completes.
 */
final class LinearizabilityChecker {

    /** What the search found over all keys. */
    record Report(List<Violation> violations, List<CheckResult.Undecided> undecided, long steps) {

        List<String> undecidedKeys() {
            return undecided.stream().map(CheckResult.Undecided::key).toList();
        }
    }

    private LinearizabilityChecker() {
    }

    /** Checks every key of {@code operations}, spending at most {@code budgetPerKey} steps on each. */
    static Report check(List<Operation> operations, long budgetPerKey) {
        List<Violation> violations = new ArrayList<>();
        List<CheckResult.Undecided> undecided = new ArrayList<>();
        long steps = 0;
        for (Map.Entry<String, List<Operation>> key : byKey(operations).entrySet()) {
            Result result = LinearSearch.run(key.getValue(), budgetPerKey);
            steps += result.steps();
            if (result.status() == Status.VIOLATION) {
                violations.add(ViolationSlicer.explain(key.getKey(), key.getValue(), result));
            } else if (result.status() == Status.UNKNOWN) {
                undecided.add(new CheckResult.Undecided(key.getKey(), progress(key.getValue().size(), result)));
            }
        }
        return new Report(violations, undecided, steps);
    }

    private static String progress(int operations, Result result) {
        LinearSearch.DeadEnd d = result.deadEnd();
        String stuck = d == null ? "it never had to backtrack"
                : "at most " + d.linearized() + " operations were linearized, and the deepest dead end was: "
                        + ViolationSlicer.reason(d);
        return "gave up after " + result.steps() + " steps on " + operations + " operations; " + stuck;
    }

    /** The operations that constrain each key, in the order given, keys sorted. */
    static Map<String, List<Operation>> byKey(List<Operation> operations) {
        Map<String, List<Operation>> byKey = new TreeMap<>();
        for (Operation op : operations) {
            boolean constrains = !(op.outcome() instanceof Failed) && (op.ok() != null || op.call().isWrite());
            if (constrains) {
                byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            }
        }
        return byKey;
    }
}
