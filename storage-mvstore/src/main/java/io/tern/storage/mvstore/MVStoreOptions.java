package io.tern.storage.mvstore;

import io.tern.spi.storage.StorageConfig;
import java.time.Duration;
import java.util.List;

/**
 * The {@code mvstore.*} settings of a {@link StorageConfig}, parsed and checked once.
 *
 * @param commitInterval     least time between two commits made by {@code write} (key
 *                           {@code mvstore.commit-interval-ms}, default 1000 ms; 0 commits after every batch).
 *                           Batches newer than the last commit are lost by a crash, as the SPI allows (the
 *                           raft log replays them). Every commit writes a chunk, rewrites the inner pages above
 *                           each changed leaf once and walks the list of chunks: on three members under etcd's
 *                           put benchmark, 1000 cut the apply thread's CPU per put by a fifth against 100.
 * @param idleCommitInterval how often the background thread commits what writes left uncommitted, and
 *                           looks for chunks worth compacting ({@code mvstore.idle-commit-interval-ms},
 *                           default 1000 ms)
 * @param cacheMiB           MVStore's page cache ({@code mvstore.cache-mib}, default 16 MiB)
 * @param retention          how long MVStore keeps chunks that no longer hold live pages before reusing
 *                           their space ({@code mvstore.retention-ms}, default 45 s, H2's default). Shorter
 *                           is only safe where the disk writes in the order it was told to.
 * @param autoCompactFillRate when idle, chunks are rewritten while the live share of the chunks is below
 *                           this percentage ({@code mvstore.auto-compact-fill-rate}, default 50; 0 disables)
 * @param pageSplitBytes     a page is split once its estimated size passes this many bytes
 *                           ({@code mvstore.page-split-bytes}, default 1024; H2's default is 4096). A commit
 *                           rewrites every page a write touched, and a put of a key touches the leaf holding
 *                           that key's versions, so smaller leaves write fewer bytes per put: under etcd's
 *                           put benchmark (256-byte values), 1024 cut the apply thread's CPU per put by about
 *                           a third against 4096. Affects pages written from then on.
 */
record MVStoreOptions(Duration commitInterval, Duration idleCommitInterval, int cacheMiB, Duration retention,
                      int autoCompactFillRate, int pageSplitBytes) {

    static final String ENGINE = "mvstore";
    static final String PREFIX = ENGINE + ".";
    static final String COMMIT_INTERVAL_MS = PREFIX + "commit-interval-ms";
    static final String IDLE_COMMIT_INTERVAL_MS = PREFIX + "idle-commit-interval-ms";
    static final String CACHE_MIB = PREFIX + "cache-mib";
    static final String RETENTION_MS = PREFIX + "retention-ms";
    static final String AUTO_COMPACT_FILL_RATE = PREFIX + "auto-compact-fill-rate";
    static final String PAGE_SPLIT_BYTES = PREFIX + "page-split-bytes";
    private static final List<String> KEYS = List.of(COMMIT_INTERVAL_MS, IDLE_COMMIT_INTERVAL_MS, CACHE_MIB,
            RETENTION_MS, AUTO_COMPACT_FILL_RATE, PAGE_SPLIT_BYTES);

    static final MVStoreOptions DEFAULTS =
            new MVStoreOptions(Duration.ofMillis(1000), Duration.ofSeconds(1), 16, Duration.ofSeconds(45), 50, 1024);

    MVStoreOptions {
        require(!commitInterval.isNegative(), COMMIT_INTERVAL_MS, commitInterval.toMillis(), ">= 0");
        require(idleCommitInterval.toMillis() > 0, IDLE_COMMIT_INTERVAL_MS, idleCommitInterval.toMillis(), "> 0");
        require(cacheMiB >= 0, CACHE_MIB, cacheMiB, ">= 0");
        require(!retention.isNegative() && retention.toMillis() <= Integer.MAX_VALUE, RETENTION_MS,
                retention.toMillis(), "between 0 and " + Integer.MAX_VALUE);
        require(autoCompactFillRate >= 0 && autoCompactFillRate <= 100, AUTO_COMPACT_FILL_RATE,
                autoCompactFillRate, "between 0 and 100");
        require(pageSplitBytes >= 256, PAGE_SPLIT_BYTES, pageSplitBytes, ">= 256");
    }

    /**
     * Reads the {@code mvstore.*} options; other engines' options are ignored, but an unknown key with this
     * engine's prefix fails, so a typo is not silently ignored.
     */
    static MVStoreOptions from(StorageConfig config) {
        config.requireKnownOptions(ENGINE, KEYS);
        return new MVStoreOptions(
                Duration.ofMillis(config.longOption(COMMIT_INTERVAL_MS, DEFAULTS.commitInterval.toMillis())),
                Duration.ofMillis(config.longOption(IDLE_COMMIT_INTERVAL_MS, DEFAULTS.idleCommitInterval.toMillis())),
                intOption(config, CACHE_MIB, DEFAULTS.cacheMiB),
                Duration.ofMillis(config.longOption(RETENTION_MS, DEFAULTS.retention.toMillis())),
                intOption(config, AUTO_COMPACT_FILL_RATE, DEFAULTS.autoCompactFillRate),
                intOption(config, PAGE_SPLIT_BYTES, DEFAULTS.pageSplitBytes));
    }

    private static int intOption(StorageConfig config, String key, int fallback) {
        long v = config.longOption(key, fallback);
        require(v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE, key, v, "an int");
        return (int) v;
    }

    private static void require(boolean ok, String key, long value, String rule) {
        if (!ok) {
            throw new IllegalArgumentException("storage option " + key + " must be " + rule + ", got " + value);
        }
    }
}
