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

    /**
     * Fails when an option carries {@code engine + "."} as prefix but is not in {@code known}, so a typo in
     * an engine's option is reported rather than ignored. Other engines' options are left alone.
     */
    public void requireKnownOptions(String engine, java.util.Collection<String> known) {
        java.util.TreeSet<String> unknown = new java.util.TreeSet<>();
        for (String key : options.keySet()) {
            if (key.startsWith(engine + ".") && !known.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown storage option(s) " + String.join(", ", unknown)
                    + "; the " + engine + " engine knows " + String.join(", ", known));
        }
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
