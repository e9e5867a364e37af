package io.tern.spi.storage;

/**
 * What the host tells an engine about where it runs.
 *
 * @param memberName the member's configured name, for log lines
 */
public record StorageContext(String memberName) {
}
