package io.tern.server.robust;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a directory, for a member whose disk fills up. Mounting needs root; where it is
 * not permitted the test is skipped, saying so. {@link #close} unmounts it.
 */
final class SmallDisk implements AutoCloseable {
    private static final String FILLER = "filler";
    private final Path dir;

    private SmallDisk(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code megabytes} on {@code dir} (created if needed), or skips the test. */
    static SmallDisk mount(Path dir, int megabytes) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Command mounted = Command.run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
        assumeTrue(mounted.exit() == 0, "a disk-full test needs to mount a tmpfs (root), and mount said: "
                + mounted.output());
        return new SmallDisk(dir);
    }

    /** Writes a file until the file system has no space left; the bytes it took. */
    long fill() throws IOException {
        long written = 0;
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(dir.resolve(FILLER))) {
            while (true) {
                out.write(block);
                written += block.length;
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
        // Whatever the last block left over.
        try (OutputStream out = Files.newOutputStream(dir.resolve(FILLER + ".tail"))) {
            for (int i = 0; i < block.length; i++) {
                out.write(0);
                out.flush();
                written++;
            }
        } catch (IOException full) {
            // full to the byte
        }
        return written;
    }

    /** Deletes what {@link #fill} wrote. */
    void free() throws IOException {
        Files.deleteIfExists(dir.resolve(FILLER));
        Files.deleteIfExists(dir.resolve(FILLER + ".tail"));
    }

    /** Unmounts the tmpfs; processes that had files open on it must be stopped first. */
    @Override
    public void close() throws IOException, InterruptedException {
        Command unmounted = Command.run("umount", dir.toString());
        if (unmounted.exit() != 0) {
            Command.run("umount", "-l", dir.toString());
        }
    }

    private record Command(int exit, String output) {
        static Command run(String... cmd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Command(-1, String.join(" ", cmd) + " hung");
            }
            return new Command(p.exitValue(), out);
        }
    }
}
