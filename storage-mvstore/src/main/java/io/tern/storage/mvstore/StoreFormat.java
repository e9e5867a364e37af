package io.tern.storage.mvstore;

import io.tern.spi.storage.StorageException;
import java.nio.file.Path;
import java.util.Set;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * How Tern lays out an MVStore file: one map named {@value #MAP_NAME} of {@link UnsignedBytesType} keys and
 * values, and the store version (MVStore's "store version" setting) holding {@value #FORMAT}.
 */
final class StoreFormat {
    static final String FILE_NAME = "tern.mv.db";
    static final String MAP_NAME = "tern";
    static final int FORMAT = 1;

    private StoreFormat() {
    }

    /**
     * Opens Tern's map in {@code store}, creating it (and stamping the format) in a store that holds no maps.
     * A store with other maps or another format is refused: it is not Tern's, or not this version's.
     * The caller commits after creating a store.
     */
    static MVMap<byte[], byte[]> openMap(MVStore store, Path file) {
        Set<String> maps = store.getMapNames();
        int format = store.getStoreVersion();
        boolean fresh = maps.isEmpty() && format == 0;
        if (!fresh && (format != FORMAT || !maps.equals(Set.of(MAP_NAME)))) {
            throw new StorageException(file + " is an MVStore file but not a Tern store of format " + FORMAT
                    + " (its format is " + format + ", its maps are " + maps + ")");
        }
        MVMap<byte[], byte[]> map = store.openMap(MAP_NAME, new MVMap.Builder<byte[], byte[]>()
                .keyType(UnsignedBytesType.INSTANCE)
                .valueType(UnsignedBytesType.INSTANCE));
        if (fresh) {
            store.setStoreVersion(FORMAT);
        }
        return map;
    }
}
