package io.tern.spi.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Forces files and directory entries to disk: for {@link StorageProvider#restore} and engines' checkpoints. */
public final class FileSync {
    private FileSync() {
    }

    public static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /**
     * Forces a directory's entries (names of new files) to disk. Some platforms (Windows) cannot open a
     * directory as a channel; there this step is skipped and the file system's own ordering is relied on.
     */
    public static void forceDirectory(Path dir) throws IOException {
        if (dir == null) {
            return;
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException e) {
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }
}
