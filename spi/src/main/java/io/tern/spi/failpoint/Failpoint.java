package io.tern.spi.failpoint;

/**
 * One named place in the code (see {@link Failpoints.Name}). Code resolves its points once, when it is
 * built, into final fields, and calls {@link #hit} as it passes each one: a point nobody enabled is
 * {@link #OFF}, whose call the JIT inlines to nothing.
 */
@FunctionalInterface
public interface Failpoint {
    /** A point that was not enabled: passing it does nothing. */
    Failpoint OFF = () -> { };

    /**
     * Passes the point: does nothing, or what a test enabled here, on the calling thread. A crash never
     * returns (the process halts as {@code kill -9} would stop it); a sleep returns after its delay.
     */
    void hit();
}
