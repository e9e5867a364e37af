package io.tern.server;

import io.tern.api.mvcc.KvSnapshot;
import io.tern.server.config.ServerConfig;
import io.tern.server.config.TernCommand;
import io.tern.spi.Providers;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code tern snapshot restore|status}: etcdutl's snapshot commands for the files {@code etcdctl snapshot save}
 * gets from Tern. A restore builds a new member's data directory that forms a new cluster from the flags,
 * as {@code etcdutl snapshot restore} does; every member of the new cluster restores the same file.
 */
@Command(name = "tern snapshot", mixinStandardHelpOptions = true,
        subcommands = {SnapshotCommand.Restore.class, SnapshotCommand.Status.class},
        description = "Restore a data directory from a snapshot file, or describe the file.")
public final class SnapshotCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** Runs {@code tern snapshot ARGS}; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new SnapshotCommand());
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            err.println("Error: " + Main.describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore a snapshot into a new data directory, for a member of a new cluster.")
    static final class Restore implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file (etcdctl snapshot save).")
        Path file;

        @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member.")
        String name;

        @Option(names = "--data-dir", description = "Path to the data directory to create (default: ${name}.tern).")
        String dataDir;

        @Option(names = "--initial-cluster", description = "The new cluster: name=peerURL,... "
                + "(default: ${name}=<initial advertise peer URLs>).")
        String initialCluster;

        @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster",
                description = "Initial cluster token for the new cluster.")
        String initialClusterToken;

        @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
                description = "This member's peer URLs.")
        String initialAdvertisePeerUrls;

        @Option(names = "--storage-backend", defaultValue = "mvstore",
                description = "Storage engine of the new data directory: mvstore or rocksdb.")
        String storageBackend;

        @Option(names = "--skip-hash-check", description = "Do not check the snapshot's SHA-256 trailer.")
        boolean skipHashCheck;

        @Override
        public Integer call() throws IOException {
            List<String> flags = new ArrayList<>(List.of("--name", name, "--initial-cluster-token", initialClusterToken,
                    "--initial-advertise-peer-urls", initialAdvertisePeerUrls, "--storage-backend", storageBackend));
            if (dataDir != null) {
                flags.addAll(List.of("--data-dir", dataDir));
            }
            if (initialCluster != null) {
                flags.addAll(List.of("--initial-cluster", initialCluster));
            }
            ServerConfig config = ((TernCommand) TernCommand.parse(flags.toArray(String[]::new), Map.of(), key -> { })
                    .commandSpec().userObject()).toConfig();
            KvSnapshot.Summary summary = restore(file, config, !skipHashCheck);
            spec.commandLine().getOut().printf("restored snapshot %s (revision %d, %d entries) into %s for member %s%n",
                    file, summary.revision(), summary.entries(), config.dataDir(), config.name());
            return 0;
        }
    }

    /**
     * Builds {@code config}'s data directory from a snapshot file: the store, restored beside it and moved
     * into place once complete, and the bootstrap record of a new cluster from the {@code --initial-*} flags.
     */
    static KvSnapshot.Summary restore(Path file, ServerConfig config, boolean checkDigest) throws IOException {
        Path target = config.dataDir();
        if (Files.exists(target)) {
            throw new IllegalArgumentException("data-dir \"" + target + "\" exists");
        }
        StorageProvider provider = Providers.select(StorageProvider.class, StorageProvider::name,
                config.storageBackend(), "storage engine", SnapshotCommand.class.getClassLoader());
        Path building = target.resolveSibling(target.getFileName() + ".restoring");
        deleteTree(building);
        DataDir dir = new DataDir(building);
        dir.claim(provider.name());
        KvSnapshot.Summary summary;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             StorageEngine engine = provider.create(StorageConfig.of(dir.kv()), new StorageContext(config.name()))) {
            summary = KvSnapshot.restore(in, engine, checkDigest);
        } catch (IOException | RuntimeException e) {
            deleteTree(building);
            throw e;
        }
        dir.bootstrap(() -> Bootstrap.fromConfig(config));
        Files.move(building, target);
        return summary;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Check a snapshot file and print its checksum, revision, entries and size.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot file.")
        Path file;

        @Option(names = {"-w", "--write-out"}, defaultValue = "simple",
                description = "Output format: simple, table or json.")
        String format;

        @Override
        public Integer call() throws IOException {
            KvSnapshot.Summary s;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                s = KvSnapshot.inspect(in, true);
            }
            spec.commandLine().getOut().print(describe(s, format));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** The summary as etcdutl prints it: HASH, REVISION, TOTAL KEYS, TOTAL SIZE. */
    static String describe(KvSnapshot.Summary s, String format) {
        String hash = String.format("%08x", s.crc());
        String size = humanBytes(s.bytes());
        return switch (format) {
            case "simple" -> hash + ", " + s.revision() + ", " + s.entries() + ", " + size + "\n";
            case "json" -> "{\"hash\":" + Integer.toUnsignedLong(s.crc()) + ",\"revision\":" + s.revision()
                    + ",\"totalKey\":" + s.entries() + ",\"totalSize\":" + s.bytes() + "}\n";
            case "table" -> table(List.of("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"),
                    List.of(hash, Long.toString(s.revision()), Long.toString(s.entries()), size));
            default -> throw new IllegalArgumentException("unknown output format \"" + format
                    + "\" (use simple, table or json)");
        };
    }

    private static String table(List<String> head, List<String> row) {
        StringBuilder line = new StringBuilder("+");
        StringBuilder h = new StringBuilder("|");
        StringBuilder r = new StringBuilder("|");
        for (int i = 0; i < head.size(); i++) {
            int w = Math.max(head.get(i).length(), row.get(i).length()) + 2;
            line.append("-".repeat(w)).append('+');
            h.append(center(head.get(i), w)).append('|');
            r.append(center(row.get(i), w)).append('|');
        }
        return line + "\n" + h + "\n" + line + "\n" + r + "\n" + line + "\n";
    }

    private static String center(String s, int width) {
        int left = (width - s.length()) / 2;
        return " ".repeat(left) + s + " ".repeat(width - s.length() - left);
    }

    /** Decimal units, as Go's humanize.Bytes: "2.1 MB". */
    static String humanBytes(long n) {
        if (n < 10) {
            return n + " B";
        }
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        int e = (int) Math.floor(Math.log(n) / Math.log(1000));
        double v = n / Math.pow(1000, e);
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[e]);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
