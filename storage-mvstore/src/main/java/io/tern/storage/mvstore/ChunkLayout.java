package io.tern.storage.mvstore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;

/**
 * What an MVStore's layout map says about its chunks at the last commit, for sizing defragment steps: the
 * biggest live share of a chunk that also holds dead pages (a candidate for rewriting), and the biggest chunk
 * behind the first free block (a candidate for moving). Only chunks up to a given version count, so that a
 * defragmentation can size its steps by the chunks it found and not by those its own steps wrote.
 *
 * <p>The layout map's {@code chunk.*} entries hold hexadecimal attributes; {@code block} and {@code len} are in
 * blocks of {@value #BLOCK_BYTES} bytes, {@code max} and {@code liveMax} are MVStore's upper estimates of the
 * chunk's page bytes and of those still live ({@code liveMax} is left out while every page is live). The first
 * two blocks of the file hold its headers.
 *
 * @param largestPartlyDeadLiveBytes the most live page bytes (estimated) in one chunk with dead pages
 * @param largestMovableBytes        the biggest chunk that starts after the first free block
 */
record ChunkLayout(long largestPartlyDeadLiveBytes, long largestMovableBytes) {

    /** MVStore's file block, the unit of a chunk's {@code len} (its {@code FileStore.BLOCK_SIZE}). */
    static final int BLOCK_BYTES = 4096;
    private static final String CHUNK_PREFIX = "chunk.";
    private static final long HEADER_BLOCKS = 2;

    private record Extent(long block, long len) {
    }

    /**
     * Reads the layout, counting only chunks written at {@code upToVersion} or before as rewrite candidates;
     * MVStore's maps are safe to read while it writes.
     */
    static ChunkLayout read(MVStore store, long upToVersion) {
        return of(store.getLayoutMap(), upToVersion);
    }

    /** Reads the {@code chunk.*} entries of a layout map (others are ignored). */
    static ChunkLayout of(Map<String, String> layout, long upToVersion) {
        long partlyDeadLive = 0;
        List<Extent> extents = new ArrayList<>();
        for (Map.Entry<String, String> e : layout.entrySet()) {
            if (!e.getKey().startsWith(CHUNK_PREFIX)) {
                continue;
            }
            Map<String, String> attributes = DataUtils.parseMap(e.getValue());
            long max = DataUtils.readHexLong(attributes, "max", 0);
            long live = DataUtils.readHexLong(attributes, "liveMax", max);
            boolean found = DataUtils.readHexLong(attributes, "version", 0) <= upToVersion;
            if (found && live > 0 && live < max) {
                partlyDeadLive = Math.max(partlyDeadLive, live);
            }
            long len = DataUtils.readHexLong(attributes, "len", 0);
            if (live > 0 && len > 0) {
                extents.add(new Extent(DataUtils.readHexLong(attributes, "block", 0), len));
            }
        }
        extents.sort(Comparator.comparingLong(Extent::block));
        long firstFree = HEADER_BLOCKS;
        for (Extent x : extents) {
            if (x.block() > firstFree) {
                break;
            }
            firstFree = Math.max(firstFree, x.block() + x.len());
        }
        long movable = 0;
        for (Extent x : extents) {
            if (x.block() > firstFree) {
                movable = Math.max(movable, x.len() * BLOCK_BYTES);
            }
        }
        return new ChunkLayout(partlyDeadLive, movable);
    }
}
