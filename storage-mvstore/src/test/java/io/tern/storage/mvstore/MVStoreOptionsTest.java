package io.tern.storage.mvstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.StorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MVStoreOptionsTest {

    private static MVStoreOptions parse(Map<String, String> options) {
        return MVStoreOptions.from(new StorageConfig(Path.of("unused"), options));
    }

    @Test
    void noOptionsGiveTheDefaults() {
        assertThat(parse(Map.of())).isEqualTo(new MVStoreOptions(
                Duration.ofMillis(1000), Duration.ofSeconds(1), 16, Duration.ofSeconds(45), 50, 1024));
    }

    @Test
    void everyOptionIsRead() {
        MVStoreOptions o = parse(Map.of(
                "mvstore.commit-interval-ms", "0",
                "mvstore.idle-commit-interval-ms", "250",
                "mvstore.cache-mib", "64",
                "mvstore.retention-ms", "1000",
                "mvstore.auto-compact-fill-rate", "0",
                "mvstore.page-split-bytes", "4096",
                "rocksdb.block-cache-bytes", "1")); // another engine's option is none of this engine's business
        assertThat(o).isEqualTo(new MVStoreOptions(
                Duration.ZERO, Duration.ofMillis(250), 64, Duration.ofSeconds(1), 0, 4096));
    }

    record Bad(String key, String value, String message) {
        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    static Stream<Bad> badOptions() {
        return Stream.of(
                new Bad("mvstore.commit-interval-ms", "-1", "mvstore.commit-interval-ms must be >= 0, got -1"),
                new Bad("mvstore.idle-commit-interval-ms", "0", "mvstore.idle-commit-interval-ms must be > 0, got 0"),
                new Bad("mvstore.cache-mib", "-5", "mvstore.cache-mib must be >= 0, got -5"),
                new Bad("mvstore.cache-mib", "99999999999", "mvstore.cache-mib must be an int"),
                new Bad("mvstore.retention-ms", "-1", "mvstore.retention-ms must be between 0 and"),
                new Bad("mvstore.auto-compact-fill-rate", "101",
                        "mvstore.auto-compact-fill-rate must be between 0 and 100"),
                new Bad("mvstore.page-split-bytes", "100", "mvstore.page-split-bytes must be >= 256, got 100"),
                new Bad("mvstore.cache-mib", "lots", "storage option mvstore.cache-mib must be a number, got 'lots'"),
                new Bad("mvstore.commit-intervall-ms", "5", "unknown storage option(s) mvstore.commit-intervall-ms"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void badValuesAndUnknownKeysAreRefused(Bad bad) {
        assertThatThrownBy(() -> parse(Map.of(bad.key(), bad.value())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad.message());
    }
}
