package io.tern.server.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The entry point: every check on a recorded {@link History}.
 *
 * <ol>
 *   <li>revisions across keys: unique per acknowledged write, in real-time order, and what reads report at a
 *       mod revision is what that revision wrote;</li>
 *   <li>linearizability of each key's register (put, linearizable get, compare-and-set, delete), with the
 *       revisions in the model; indeterminate writes may have taken effect at any moment or never;</li>
 *   <li>no acknowledged write lost: each survives in the final read or the revision log, or a later
 *       revision replaced it;</li>
 *   <li>watch guarantees for every watcher, against the revision log (the history's own, or one derived from
 *       the acknowledged writes when every write has a known fate).</li>
 * </ol>
 *
 * <pre>{@code
 * CheckResult result = HistoryChecker.check(recorder.history(watchers, Optional.of(log)));
 * assertThat(result.isValid()).as(result.toString()).isTrue();
 * }</pre>
 *
 * <p>Thread-safe and stateless. The linearizability search is bounded per key by a step budget; a key that
 * exhausts it makes the verdict {@link CheckResult.Verdict#UNKNOWN} unless a violation was found elsewhere.
 */
public final class HistoryChecker {

    /**
     * Steps per key before the search gives up: a generous bound for histories of tens of thousands of
     * operations (a valid history needs about one step per operation and pending candidate), reached only
     * by pathological concurrency.
     */
    public static final long DEFAULT_STEP_BUDGET = 10_000_000;

    private HistoryChecker() {
    }

    public static CheckResult check(History history) {
        return check(history, DEFAULT_STEP_BUDGET);
    }

    /** Every check, spending at most {@code stepBudgetPerKey} linearizability search steps on each key. */
    public static CheckResult check(History history, long stepBudgetPerKey) {
        if (stepBudgetPerKey < 1) {
            throw new IllegalArgumentException("the step budget must be positive, not " + stepBudgetPerKey);
        }
        List<Operation> ops = history.operations();
        List<Violation> violations = new ArrayList<>(RevisionChecker.check(ops));
        LinearizabilityChecker.Report linear = LinearizabilityChecker.check(ops, stepBudgetPerKey);
        violations.addAll(linear.violations());
        violations.addAll(AcknowledgedWriteChecker.check(ops, history.revisionLog()));
        Optional<RevisionLog> log = history.revisionLog();
        if (log.isPresent() || !history.watchers().isEmpty()) {
            RevisionLog reference = log.orElseGet(() -> RevisionLog.fromAcknowledgedWrites(ops));
            violations.addAll(WatchChecker.check(reference, history.watchers()));
        }
        return CheckResult.of(violations, linear.undecided(), linear.steps());
    }
}
