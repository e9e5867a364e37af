package io.tern.server.failpoint;

import java.io.PrintStream;
import java.time.Duration;

/** What an enabled failpoint does when code passes it, on the passing thread. */
public sealed interface FailpointAction {

    /** Runs the action at the point called {@code point}. */
    void perform(String point);

    /**
     * {@code crash}: one line on stderr, then {@link Runtime#halt}: no shutdown hooks, no flushing of the
     * engines, as if the process got {@code kill -9} at that instant.
     */
    record Crash() implements FailpointAction {
        /** The exit status of a crashed member: 128 + SIGKILL, what a shell reports for {@code kill -9}. */
        public static final int EXIT_STATUS = 137;

        @Override
        public void perform(String point) {
            PrintStream err = System.err;
            err.println("tern: failpoint " + point + ": crash (halting with status " + EXIT_STATUS + ")");
            err.flush();
            Runtime.getRuntime().halt(EXIT_STATUS);
        }

        @Override
        public String toString() {
            return "crash";
        }
    }

    /** {@code sleep(ms)}: the passing thread stalls for {@code delay}, then goes on. */
    record Sleep(Duration delay) implements FailpointAction {
        public Sleep {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("a failpoint's sleep must not be negative, got " + delay);
            }
        }

        @Override
        public void perform(String point) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return "sleep(" + delay.toMillis() + ")";
        }
    }
}
