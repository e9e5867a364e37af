package io.tern.spi.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
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
     * <p>{@code checkpoint} is checked before anything in {@code directory} is deleted, so a wrong path
     * fails without losing data; a failure while copying leaves {@code directory} incomplete. The copied
     * files and directories are forced to disk before this returns.
     *
     * @throws StorageException when {@code checkpoint} is not a directory, when the two paths overlap, or
     *                          when deleting or copying fails
     */
    default void restore(Path checkpoint, Path directory) {
        Path source = checkpoint.toAbsolutePath().normalize();
        Path target = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(source)) {
            throw new StorageException("cannot restore " + target + ": checkpoint " + source + " is not a directory");
        }
        if (source.startsWith(target) || target.startsWith(source)) {
            throw new StorageException("cannot restore " + target + " from " + source + ": the paths overlap");
        }
        try {
            if (Files.exists(target)) {
                try (Stream<Path> walk = Files.walk(target)) {
                    for (Path p : walk.sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(target);
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path p : walk.toList()) {
                    Path dest = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(p, dest);
                        FileSync.force(dest);
                    }
                }
            }
            try (Stream<Path> walk = Files.walk(target)) {
                for (Path dir : walk.filter(Files::isDirectory).toList()) {
                    FileSync.forceDirectory(dir);
                }
            }
            FileSync.forceDirectory(target.getParent());
        } catch (IOException e) {
            throw new StorageException("restoring " + target + " from " + source + " failed: " + e, e);
        }
    }
}
