package io.tern.server.history;

import java.util.List;

/**
 * The verdict on a history.
 *
 * @param undecided   keys whose linearizability search ran out of its step budget
 * @param searchSteps the steps the linearizability search took over all keys
 */
public record CheckResult(Verdict verdict, List<Violation> violations, List<Undecided> undecided, long searchSteps) {

    /** At most this many violations are spelled out by {@link #toString()}. */
    private static final int SHOWN = 10;

    public enum Verdict {
        /** Every check passed on every key. */
        VALID,
        /** At least one guarantee is broken; see the violations. */
        VIOLATION,
        /** No violation was found, but some keys could not be decided within the step budget. */
        UNKNOWN
    }

    /**
     * A key the linearizability search could not decide within its budget.
     *
     * @param progress how far the search got and where it was stuck deepest: the place to start looking
     */
    public record Undecided(String key, String progress) {
    }

    public CheckResult {
        violations = List.copyOf(violations);
        undecided = List.copyOf(undecided);
        Verdict expected = verdictOf(violations, undecided);
        if (verdict != expected) {
            throw new IllegalArgumentException("verdict " + verdict + " contradicts " + violations.size()
                    + " violation(s) and " + undecided.size() + " undecided key(s)");
        }
    }

    static CheckResult of(List<Violation> violations, List<Undecided> undecided, long searchSteps) {
        return new CheckResult(verdictOf(violations, undecided), violations, undecided, searchSteps);
    }

    private static Verdict verdictOf(List<Violation> violations, List<Undecided> undecided) {
        return !violations.isEmpty() ? Verdict.VIOLATION : !undecided.isEmpty() ? Verdict.UNKNOWN : Verdict.VALID;
    }

    public boolean isValid() {
        return verdict == Verdict.VALID;
    }

    /** The keys of {@link #undecided()}. */
    public List<String> undecidedKeys() {
        return undecided.stream().map(Undecided::key).toList();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(verdict.name());
        sb.append(" (").append(searchSteps).append(" search steps)");
        undecided.forEach(u -> sb.append("\nUNDECIDED ").append(u.key()).append(": ").append(u.progress()));
        violations.stream().limit(SHOWN).forEach(v -> sb.append('\n').append(v.describe()));
        if (violations.size() > SHOWN) {
            sb.append("\n... and ").append(violations.size() - SHOWN).append(" more violation(s)");
        }
        return sb.toString();
    }
}
