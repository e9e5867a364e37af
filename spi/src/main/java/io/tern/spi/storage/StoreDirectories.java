package io.tern.spi.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Replacing an engine's directory with a store built beside it, so that a crash at any instant leaves the
 * directory either the old store, the new one, or absent, never a mix (an absent one opens as an empty store,
 * which a raft member refills from the snapshot it was installing).
 *
 * <pre>
 *  kv.restoring   built and forced by the caller
 *  kv          -> kv.replaced     (rename; the parent forced)
 *  kv.restoring-> kv              (rename; the parent forced)
 *  kv.replaced    deleted
 * </pre>
 *
 * Leftovers of an interrupted replacement ({@code .restoring}, {@code .replaced}) are deleted by the next one.
 */
public final class StoreDirectories {
    private StoreDirectories() {
    }

    /** Where the store that will replace {@code target} is built: a sibling, so the final rename is atomic. */
    public static Path building(Path target) {
        return sibling(target, ".restoring");
    }

    /**
     * Makes {@code building(target)}, complete and forced, the new {@code target}, then deletes the old one.
     *
     * @throws IOException when a rename or delete fails; {@code target} is then the old or the new store, or absent
     */
    public static void replace(Path target) throws IOException {
        Path building = building(target);
        Path replaced = sibling(target, ".replaced");
        deleteTree(replaced);
        FileSync.forceDirectory(building);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
            FileSync.forceDirectory(target.getParent());
        }
        Files.move(building, target, StandardCopyOption.ATOMIC_MOVE);
        FileSync.forceDirectory(target.getParent());
        deleteTree(replaced);
    }

    /** Deletes {@code root} and everything under it; nothing when it does not exist. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }
}
