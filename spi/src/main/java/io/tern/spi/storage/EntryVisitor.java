package io.tern.spi.storage;

/** Receives entries from {@link ReadView#scan}; returning {@code false} stops the scan. */
@FunctionalInterface
public interface EntryVisitor {
    boolean visit(byte[] key, byte[] value);
}
