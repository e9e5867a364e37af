package io.tern.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.spi.storage.StorageConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RocksDbOptionsTest {

    private static RocksDbOptions parse(Map<String, String> options) {
        return RocksDbOptions.from(new StorageConfig(Path.of("unused"), options));
    }

    @Test
    void noOptionsGiveTheDefaults() {
        assertThat(parse(Map.of())).isEqualTo(new RocksDbOptions(64L << 20, 64L << 20));
    }

    @Test
    void everyOptionIsRead() {
        assertThat(parse(Map.of(
                "rocksdb.block-cache-bytes", "1048576",
                "rocksdb.write-buffer-bytes", "65536",
                "mvstore.cache-mib", "1"))) // another engine's option is none of this engine's business
                .isEqualTo(new RocksDbOptions(1 << 20, 1 << 16));
    }

    record Bad(String key, String value, String message) {
        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    static Stream<Bad> badOptions() {
        return Stream.of(
                new Bad("rocksdb.block-cache-bytes", "-1", "rocksdb.block-cache-bytes must be >= 0, got -1"),
                new Bad("rocksdb.write-buffer-bytes", "65535",
                        "rocksdb.write-buffer-bytes must be >= 65536, got 65535"),
                new Bad("rocksdb.write-buffer-bytes", "64MiB", "must be a number, got '64MiB'"),
                new Bad("rocksdb.block-cache-size", "1", "unknown storage option(s) rocksdb.block-cache-size"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void badValuesAndUnknownKeysAreRefused(Bad bad) {
        assertThatThrownBy(() -> parse(Map.of(bad.key(), bad.value())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad.message());
    }
}
