package io.tern.server.history;

import io.tern.server.history.Call.CompareAndSet;
import io.tern.server.history.Call.Delete;
import io.tern.server.history.Call.Get;
import io.tern.server.history.Call.Put;
import io.tern.server.history.Outcome.Ok;
import java.util.Objects;

/**
 * The sequential specification of one etcd key, with revisions: the state after some prefix of a
 * linearization, and which operation may come next.
 *
 * <p>Besides the value, the state keeps the highest revision the prefix has observed on this key
 * ({@code floor}). etcd applies writes in revision order and serves a read at the revision current at that
 * moment, so along the true order of a key's operations the revisions never decrease: a write must be
 * answered with a revision above the floor, a read or an unsuccessful write with a header at or above it.
 * Demanding this of every candidate order is sound (a correct server's true order satisfies it) and prunes
 * the search hard: the acknowledged writes of a key can only be linearized in revision order.
 *
 * <p>An indeterminate write that takes effect has an unknown revision, above the floor: it raises the floor
 * by one and leaves the mod revision unknown, but at least that new floor, until a read reports it.
 * "Never took effect" needs no transition: an indeterminate call never completes, so the search may
 * linearize it after everything else, where it changes nothing anyone saw.
 *
 * @param value       the key's value, {@code null} when absent
 * @param modRevision the revision that wrote the value; 0 when absent; when an indeterminate call wrote it
 *                    and no read has reported it yet, {@code -b} for an unknown revision of at least {@code b}
 * @param floor       the highest revision observed on this key so far
 */
record RegisterState(String value, long modRevision, long floor) {

    /** Every key is absent before revision 1. */
    static final RegisterState INITIAL = new RegisterState(null, 0, 0);

    /**
     * The state after {@code op} takes effect in this state, or {@code null} if it cannot: its answer
     * contradicts the state, or its revision goes backwards. Deterministic: the one other possibility of an
     * indeterminate call, not taking effect, is covered by linearizing it last.
     */
    RegisterState after(Operation op) {
        Ok ok = op.ok();
        if (ok == null) {
            return afterIndeterminate(op);
        }
        long r = ok.revision();
        return switch (op.call()) {
            case Put p -> r > floor ? new RegisterState(p.value(), r, r) : null;
            case CompareAndSet c -> {
                boolean holds = Objects.equals(value, c.expected());
                if (ok.succeeded()) {
                    yield holds && r > floor ? new RegisterState(c.newValue(), r, r) : null;
                }
                yield !holds && r >= floor ? observedAt(r) : null;
            }
            case Delete d -> {
                if (ok.succeeded()) {
                    yield value != null && r > floor ? new RegisterState(null, 0, r) : null;
                }
                yield value == null && r >= floor ? observedAt(r) : null;
            }
            case Get g -> Objects.equals(value, ok.value()) && r >= floor
                    && (modRevision == ok.modRevision() || (modRevision < 0 && ok.modRevision() >= -modRevision))
                    ? new RegisterState(value, ok.modRevision(), r)
                    : null;
        };
    }

    private RegisterState afterIndeterminate(Operation op) {
        return switch (op.call()) {
            case Put p -> new RegisterState(p.value(), -(floor + 1), floor + 1);
            case CompareAndSet c -> Objects.equals(value, c.expected())
                    ? new RegisterState(c.newValue(), -(floor + 1), floor + 1)
                    : this;
            case Delete d -> value == null ? this : new RegisterState(null, 0, floor + 1);
            case Get g -> throw new IllegalStateException("a read without an answer constrains nothing and must "
                    + "not reach the model: " + op);
        };
    }

    private RegisterState observedAt(long revision) {
        return new RegisterState(value, modRevision, revision);
    }

    /** Why {@link #after} refuses {@code op} in this state, in words; {@code null} if it does not. */
    String refusal(Operation op) {
        if (after(op) != null) {
            return null;
        }
        Ok ok = op.ok();
        long r = ok.revision();
        String behind = "its revision " + r + " is not above revision " + floor + ", which this key had already "
                + "reached";
        String servedBehind = "it was served at revision " + r + ", below revision " + floor
                + ", which this key had already reached";
        return switch (op.call()) {
            case Put p -> behind;
            case CompareAndSet c -> {
                boolean holds = Objects.equals(value, c.expected());
                if (ok.succeeded()) {
                    yield holds ? behind : "its compare cannot have held: the key is " + this;
                }
                yield holds ? "its compare must have held: the key is " + this : servedBehind;
            }
            case Delete d -> {
                if (ok.succeeded()) {
                    yield value != null ? behind : "it deleted a key that is absent";
                }
                yield value == null ? servedBehind : "it found nothing to delete, but the key is " + this;
            }
            case Get g -> {
                if (!Objects.equals(value, ok.value())) {
                    yield "it read " + describe(ok.value(), ok.modRevision()) + ", but the key is " + this;
                }
                if (r < floor) {
                    yield servedBehind;
                }
                yield "it read mod revision " + ok.modRevision() + ", but the key is " + this;
            }
        };
    }

    private static String describe(String value, long modRevision) {
        if (value == null) {
            return "absent";
        }
        return "'" + value + "' (" + (modRevision < 0
                ? "written by an indeterminate call, at a revision of at least " + -modRevision
                : "mod revision " + modRevision) + ")";
    }

    @Override
    public String toString() {
        return describe(value, modRevision);
    }
}
