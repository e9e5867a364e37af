package io.tern.spi.consensus;

/**
 * A committed command. {@code data} is the proposer's bytes, unchanged; it must not be modified.
 *
 * @param index the entry's position in the replicated log, from 1, strictly increasing
 * @param term  the leader term under which the entry was appended
 */
public record LogEntry(long index, long term, byte[] data) {
}
