package io.tern.storage.mvstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ChunkLayoutTest {
    private static final int BLOCK = ChunkLayout.BLOCK_BYTES;

    /** A chunk entry as MVStore writes it: hexadecimal numbers, {@code liveMax} only when pages died. */
    private static String chunk(int id, long block, long len, long max, Long liveMax, long version) {
        return "chunk:" + Integer.toHexString(id) + ",block:" + Long.toHexString(block) + ",len:"
                + Long.toHexString(len) + ",pages:4,max:" + Long.toHexString(max)
                + (liveMax == null ? "" : ",liveMax:" + Long.toHexString(liveMax))
                + ",map:2,root:401902fa04,time:43,version:" + Long.toHexString(version);
    }

    record Case(String name, Map<String, String> layout, long upToVersion, ChunkLayout expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Map<String, String> layout(String... chunks) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("meta.id", "1");
        m.put("root.1", "401902f200");
        for (int i = 0; i < chunks.length; i++) {
            m.put("chunk." + Integer.toHexString(i + 1), chunks[i]);
        }
        return m;
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("no chunks", layout(), 99, new ChunkLayout(0, 0)),
                new Case("one live chunk right after the headers", layout(chunk(1, 2, 0x1a, 5000, null, 1)), 99,
                        new ChunkLayout(0, 0)),
                new Case("a chunk with dead pages counts with its live bytes",
                        layout(chunk(1, 2, 10, 0x1000, 0x400L, 1)), 99, new ChunkLayout(0x400, 0)),
                new Case("the biggest of several partly dead chunks",
                        layout(chunk(1, 2, 10, 0x1000, 0x400L, 1), chunk(2, 12, 10, 0x1000, 0x800L, 2),
                                chunk(3, 22, 10, 0x1000, 0x100L, 3)), 99, new ChunkLayout(0x800, 0)),
                new Case("a chunk behind a gap is to move, one before it is not",
                        layout(chunk(1, 2, 10, 5000, null, 1), chunk(2, 20, 5, 5000, null, 2),
                                chunk(3, 30, 7, 5000, null, 3)), 99, new ChunkLayout(0, 7L * BLOCK)),
                new Case("a chunk without live pages is free space",
                        layout(chunk(1, 2, 10, 5000, 0L, 1), chunk(2, 12, 3, 5000, null, 2)), 99,
                        new ChunkLayout(0, 3L * BLOCK)),
                new Case("chunks newer than the version are no rewrite candidates but still move",
                        layout(chunk(1, 2, 10, 0x1000, 0x400L, 1), chunk(2, 40, 9, 0x1000, 0x800L, 5)), 4,
                        new ChunkLayout(0x400, 9L * BLOCK)),
                new Case("a newer chunk in a gap closes it",
                        layout(chunk(1, 2, 10, 5000, null, 1), chunk(2, 12, 8, 5000, null, 7),
                                chunk(3, 20, 6, 5000, null, 2)), 4, new ChunkLayout(0, 0)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void theLayoutMapGivesTheBiggestChunksToRewriteAndToMove(Case c) {
        assertThat(ChunkLayout.of(c.layout(), c.upToVersion())).isEqualTo(c.expected());
    }

    /** The same, from a real MVStore file, so the format above is the one MVStore writes. */
    @Test
    void aRealStoreWithHalfAChunkDeleted(@TempDir Path dir) {
        int value = 64 * 1024;
        try (MVStore store = new MVStore.Builder().fileName(dir.resolve("s.mv.db").toString())
                .autoCommitDisabled().open()) {
            MVMap<Integer, byte[]> map = store.openMap("m");
            Random random = new Random(1);
            for (int i = 0; i < 100; i++) {
                byte[] v = new byte[value];
                random.nextBytes(v);
                map.put(i, v);
            }
            long written = store.commit();
            assertThat(ChunkLayout.read(store, Long.MAX_VALUE).largestPartlyDeadLiveBytes()).isZero();
            for (int i = 0; i < 50; i++) {
                map.remove(i);
            }
            store.commit();
            // MVStore's page lengths are upper estimates, rounded up.
            assertThat(ChunkLayout.read(store, Long.MAX_VALUE).largestPartlyDeadLiveBytes())
                    .isBetween(50L * value, 100L * value);
            assertThat(ChunkLayout.read(store, written - 1).largestPartlyDeadLiveBytes()).isZero();
        }
    }
}
