package io.tern.server.history;

import java.util.Objects;

/**
 * How a call ended, as the client saw it. The three cases differ in what the checker may assume:
 * {@link Ok} took effect exactly once between invocation and completion; {@link Failed} certainly never
 * took effect; {@link Indeterminate} may have taken effect at any moment after its invocation, or never.
 */
public sealed interface Outcome {

    /**
     * The server answered. The meaning of the fields depends on the call; build it with the factory for
     * the call so the unused fields hold their neutral values.
     *
     * @param revision    the response header's revision: for a write that changed the key (a put, a delete
     *                    that deleted, a compare-and-set that succeeded) the revision it created; otherwise
     *                    the store's revision when the request was served
     * @param succeeded   for a compare-and-set whether the compare held; for a delete whether it deleted
     *                    the key; always {@code true} for puts and gets
     * @param value       for a get the value read, {@code null} when the key is absent; otherwise null
     * @param modRevision for a get the read key's mod revision, 0 when absent; otherwise 0
     */
    record Ok(long revision, boolean succeeded, String value, long modRevision) implements Outcome {

        /** A put answered with the revision it created. */
        public static Ok put(long revision) {
            return new Ok(revision, true, null, 0);
        }

        /** A delete answered; {@code deleted} is whether the response's {@code deleted} count was positive. */
        public static Ok delete(long revision, boolean deleted) {
            return new Ok(revision, deleted, null, 0);
        }

        /** A compare-and-set transaction answered with its header revision and {@code succeeded} flag. */
        public static Ok compareAndSet(long revision, boolean succeeded) {
            return new Ok(revision, succeeded, null, 0);
        }

        /** A get that found {@code value} at {@code modRevision}, served at header {@code revision}. */
        public static Ok read(long revision, String value, long modRevision) {
            return new Ok(revision, true, Objects.requireNonNull(value, "value"), modRevision);
        }

        /** A get that found no key, served at header {@code revision}. */
        public static Ok readAbsent(long revision) {
            return new Ok(revision, true, null, 0);
        }
    }

    /**
     * The call certainly did not take effect: the server refused it before applying anything (etcd's
     * request-too-large, a permission error). A compare that did not hold is not this: it is
     * {@code Ok(succeeded = false)}.
     */
    record Failed(String reason) implements Outcome {
    }

    /** A timeout or a lost connection: the call may or may not have taken effect. */
    record Indeterminate(String reason) implements Outcome {
    }
}
