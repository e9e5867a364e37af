package io.tern.server.history;

import io.tern.server.history.Call.CompareAndSet;
import io.tern.server.history.Call.Delete;
import io.tern.server.history.Call.Get;
import io.tern.server.history.Call.Put;
import io.tern.server.history.Outcome.Indeterminate;
import io.tern.server.history.Outcome.Ok;
import java.util.Objects;

/**
 * One call a client made, with the interval in which it was outstanding. Times are nanoseconds from one
 * monotonic clock shared by every client of the history ({@link System#nanoTime()} in one JVM).
 *
 * <p>The constructor refuses shapes no recorder can produce (a completion before the invocation, a
 * {@code value} on the result of a write, a put that did not succeed); what a server may get wrong, such as
 * a read's mod revision above its header revision, is accepted here and reported by the checkers.
 *
 * @param id            unique within a history; the checkers name operations by it ({@code #12})
 * @param client        the client that issued the call; a client issues one call at a time
 * @param invokedNanos  when the request was sent
 * @param completedNanos when the answer arrived, or for an {@link Indeterminate} outcome when the client
 *                      gave up; the checker treats an indeterminate call as never completing
 */
public record Operation(int id, int client, long invokedNanos, long completedNanos, Call call, Outcome outcome) {

    public Operation {
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(outcome, "outcome");
        if (completedNanos < invokedNanos) {
            throw new IllegalArgumentException("#" + id + " completes at " + completedNanos
                    + " before its invocation at " + invokedNanos);
        }
        if (outcome instanceof Ok ok) {
            boolean isGet = call instanceof Get;
            if (!isGet && (ok.value() != null || ok.modRevision() != 0)) {
                throw new IllegalArgumentException("#" + id + ": only a get's result carries a value: " + ok);
            }
            if ((call instanceof Put || isGet) && !ok.succeeded()) {
                throw new IllegalArgumentException("#" + id + ": a " + call + " answered Ok always succeeds");
            }
        }
    }

    /** The key of the call. */
    public String key() {
        return call.key();
    }

    /** The result, if the server answered; {@code null} otherwise. */
    public Ok ok() {
        return outcome instanceof Ok ok ? ok : null;
    }

    /** Whether the outcome is {@link Indeterminate}. */
    public boolean isIndeterminate() {
        return outcome instanceof Indeterminate;
    }

    /**
     * Whether the server answered that this call created a revision: an acknowledged put, a delete that
     * deleted, a compare-and-set that succeeded.
     */
    public boolean createdRevision() {
        return outcome instanceof Ok ok && call.isWrite() && ok.succeeded();
    }

    /** The value this call writes if it takes effect: a put's or a compare-and-set's new value; else null. */
    public String writtenValue() {
        return switch (call) {
            case Put p -> p.value();
            case CompareAndSet c -> c.newValue();
            case Get g -> null;
            case Delete d -> null;
        };
    }

    /** The end of the interval the checker uses: the completion, or {@link Long#MAX_VALUE} if indeterminate. */
    long effectiveEnd() {
        return isIndeterminate() ? Long.MAX_VALUE : completedNanos;
    }

    /** Whether this call completed before {@code other} was invoked (real-time order; touching is concurrent). */
    boolean precedes(Operation other) {
        return effectiveEnd() < other.invokedNanos;
    }

    @Override
    public String toString() {
        String result = switch (outcome) {
            case Ok ok -> switch (call) {
                case Get g -> ok.value() == null
                        ? "absent @" + ok.revision()
                        : ok.value() + " (mod " + ok.modRevision() + ") @" + ok.revision();
                case Put p -> "ok rev " + ok.revision();
                case Delete d -> (ok.succeeded() ? "deleted rev " : "nothing to delete @") + ok.revision();
                case CompareAndSet c -> (ok.succeeded() ? "swapped rev " : "compare failed @") + ok.revision();
            };
            case Outcome.Failed f -> "failed (" + f.reason() + ")";
            case Indeterminate i -> "indeterminate (" + i.reason() + ")";
        };
        return "#" + id + " c" + client + " " + call + " -> " + result + " [" + invokedNanos + ", "
                + (isIndeterminate() ? "?" : String.valueOf(completedNanos)) + "]";
    }
}
