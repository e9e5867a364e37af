package io.tern.storage.mvstore;

import io.tern.spi.storage.FileSync;
import io.tern.spi.storage.StorageException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Writes a checkpoint: a new store file holding a snapshot's entries.
 *
 * <p>The copy is made entry by entry from a {@link MVStoreSnapshot}, not by copying the live file: writers
 * are never blocked, the copy is exactly the snapshot's state, and it holds live pages only. The new store is
 * built in {@code <target>.partial}, committed, forced to disk and closed, and only then renamed to
 * {@code target}, so a crash never leaves a {@code target} that looks complete but is not.
 */
final class Checkpoints {
    private Checkpoints() {
    }

    static void write(MVStoreSnapshot snapshot, Path target, String source) {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Path partial = parent.resolve(absolute.getFileName() + ".partial");
        try {
            Files.createDirectories(parent);
            if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new StorageException("checkpoint target " + target + " already exists");
            }
            Files.createDirectory(partial);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("cannot checkpoint to " + target + ": " + partial
                    + " exists, probably left by an interrupted checkpoint; delete it", e);
        } catch (IOException e) {
            throw new StorageException("cannot checkpoint " + source + " to " + target + ": " + e, e);
        }
        try {
            Path file = partial.resolve(StoreFormat.FILE_NAME);
            copy(snapshot, file);
            FileSync.force(file);
            FileSync.forceDirectory(partial);
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE);
            FileSync.forceDirectory(parent);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(partial, e);
            throw e instanceof StorageException se ? se
                    : new StorageException("checkpoint of " + source + " to " + target + " failed: " + e, e);
        }
    }

    /**
     * Copies every entry into a new store at {@code file}. MVStore may commit the new store whenever its unsaved
     * pages grow (that bounds memory, and the file is not in use until renamed); the last commit is forced.
     */
    private static void copy(MVStoreSnapshot snapshot, Path file) {
        MVStore copy = new MVStore.Builder()
                .fileName(file.toString())
                .autoCommitDisabled() // no background thread; size-triggered commits stay on
                .open();
        try {
            MVMap<byte[], byte[]> map = StoreFormat.openMap(copy, file);
            snapshot.scan(new byte[0], null, false, (key, value) -> {
                map.put(key, value);
                return true;
            });
            copy.commit();
            copy.sync();
            copy.close();
        } catch (RuntimeException e) {
            copy.closeImmediately();
            throw e;
        }
    }

    private static void deleteQuietly(Path dir, Exception cause) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
