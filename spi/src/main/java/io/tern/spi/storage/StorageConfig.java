package io.tern.spi.storage;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Settings for one engine instance.
 *
 * @param directory the engine's own directory; created when missing, owned by the engine alone
 * @param options   engine-specific settings by name (from the server's configuration), never null
 */
public record StorageConfig(Path directory, Map<String, String> options) {
    public StorageConfig {
        Objects.requireNonNull(directory, "directory");
        options = Map.copyOf(options);
    }

    public static StorageConfig of(Path directory) {
        return new StorageConfig(directory, Map.of());
    }

    /** The option {@code name} as a long, or {@code fallback} when it is not set. */
    public long longOption(String name, long fallback) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("storage option " + name + " must be a number, got '" + v + "'", e);
        }
    }
}
