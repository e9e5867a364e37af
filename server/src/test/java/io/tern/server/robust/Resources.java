package io.tern.server.robust;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.tern.server.LiveThreads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What this JVM holds at one moment, and so what an in-process member holds beside the test's own clients:
 * platform threads, virtual threads (Helidon runs each connection and each HTTP/2 stream on one), open file
 * descriptors. The test's own grpc-java clients' threads (named {@code grpc-*}; their pools idle out after a
 * minute) are left out, Helidon's are not.
 */
record Resources(int platformThreads, int virtualThreads, long fds) {

    /** Counts live threads from the JDK's thread containers (no stack walks) and /proc/self/fd. */
    static Resources now() {
        int platform = 0;
        int virtual = 0;
        for (Thread t : LiveThreads.all()) {
            if (t.isVirtual()) {
                virtual++;
            } else if (!t.getName().startsWith("grpc-")) {
                platform++;
            }
        }
        return new Resources(platform, virtual, openFds());
    }

    /**
     * For a failure message: the threads of a full thread dump counted by the first frame of their stack
     * outside the JDK, which names what a leaked thread waits in. Taken only once a check has failed, as
     * a dump walks every virtual thread's stack (see {@link LiveThreads}).
     */
    static String places(Path scratch) {
        Path dump = scratch.resolve("threads-" + System.nanoTime() + ".txt");
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            String text = Files.readString(dump);
            Files.delete(dump);
            Map<String, Integer> places = new TreeMap<>();
            for (String block : text.split("\n\n")) {
                String[] lines = block.strip().split("\n");
                if (lines.length == 0 || !lines[0].matches("#\\d+ \".*") || lines[0].matches("#\\d+ \"grpc-.*")) {
                    continue; // not a thread, or one of the test's own grpc-java client threads
                }
                boolean isVirtual = lines[0].matches("#\\d+ \".*\" virtual( .*)?");
                places.merge((isVirtual ? "v " : "p ") + place(lines), 1, Integer::sum);
            }
            StringBuilder out = new StringBuilder();
            places.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20)
                    .forEach(e -> out.append("\n  ").append(e.getValue()).append(' ').append(e.getKey()));
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Live heap after a full collection, in bytes. */
    static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return platformThreads + " platform threads, " + virtualThreads + " virtual threads, " + fds + " fds";
    }

    private static String place(String[] lines) {
        for (int i = 1; i < lines.length; i++) {
            String frame = lines[i].strip().replaceFirst("^[\\w.]+(@[^/]*)?/", "");
            if (!frame.startsWith("java.") && !frame.startsWith("jdk.") && !frame.startsWith("sun.")) {
                return frame.replaceAll("\\(.*", "");
            }
        }
        return lines.length > 1 ? lines[1].strip().replaceAll("\\(.*", "") : "(no stack)";
    }
}
