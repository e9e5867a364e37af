package io.tern.spi.storage;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.failpoint.Failpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Creates engines of one kind. Found with {@link java.util.ServiceLoader} through a
 * {@code META-INF/services/io.tern.spi.storage.StorageProvider} file and chosen by {@link #name()}.
 */
public interface StorageProvider {

    /** The name operators select the engine by ({@code --storage-backend}). */
    String name();

    /**
     * Opens (or creates) the engine whose files live in {@code config.directory()}. A directory holding
     * files that are not this engine's is refused with a {@link StorageException}, never adopted.
     */
    StorageEngine create(StorageConfig config, StorageContext context);

    /**
     * Replaces the contents of {@code directory} with a copy made by {@link StorageEngine#checkpoint}.
     * No engine may have {@code directory} open. The default copies the checkpoint's files.
     *
     * <p>{@code checkpoint} is checked before anything in {@code directory} is touched, so a wrong path
     * fails without losing data. The copy is built and forced beside {@code directory} and then put in its
     * place ({@link StoreDirectories#replace}): a failure or a crash while copying leaves {@code directory} as
     * it was, and a crash at any instant never leaves it half old and half new. The
     * {@link Failpoints.Name#APPLY_SNAPSHOT_MIDWAY} point of {@code context} is passed once the first file is
     * copied.
     *
     * @throws StorageException when {@code checkpoint} is not a directory, when the two paths overlap, or
     *                          when deleting or copying fails
     */
    default void restore(Path checkpoint, Path directory, StorageContext context) {
        Failpoint midway = context.failpoints().point(Failpoints.Name.APPLY_SNAPSHOT_MIDWAY);
        Path source = checkpoint.toAbsolutePath().normalize();
        Path target = directory.toAbsolutePath().normalize();
        Path building = StoreDirectories.building(target);
        if (!Files.isDirectory(source)) {
            throw new StorageException("cannot restore " + target + ": checkpoint " + source + " is not a directory");
        }
        if (source.startsWith(target) || target.startsWith(source) || source.startsWith(building)) {
            throw new StorageException("cannot restore " + target + " from " + source + ": the paths overlap");
        }
        try {
            StoreDirectories.deleteTree(building); // left by an interrupted restore
            Files.createDirectories(building);
            boolean first = true;
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path p : walk.toList()) {
                    Path dest = building.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(p, dest);
                        FileSync.force(dest);
                        if (first) {
                            first = false;
                            midway.hit();
                        }
                    }
                }
            }
            try (Stream<Path> walk = Files.walk(building)) {
                for (Path dir : walk.filter(Files::isDirectory).toList()) {
                    FileSync.forceDirectory(dir);
                }
            }
            StoreDirectories.replace(target);
        } catch (IOException e) {
            throw new StorageException("restoring " + target + " from " + source + " failed: " + e, e);
        }
    }
}
