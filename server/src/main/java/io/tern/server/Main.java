package io.tern.server;

import io.tern.server.config.LogConfig;
import io.tern.server.config.ServerConfig;
import io.tern.server.config.TernCommand;
import io.tern.server.failpoint.FailpointSettings;
import io.tern.server.logging.JulSetup;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses etcd's flags, sets up logging, starts a member, and stops it on SIGTERM/SIGINT. Only wiring lives
 * here; it is also the one place that reads the {@code tern.failpoints} system property (tests only, see
 * {@link FailpointSettings}). Bad flags and a failed start are reported on stderr as one plain line ({@code tern: ...}) whatever
 * {@code --log-outputs} says, so an operator sees them on the terminal; everything else is logged.
 */
public final class Main {
    private static final System.Logger LOG = System.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && "snapshot".equals(args[0])) {
            System.exit(SnapshotCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        ServerConfig config;
        LogConfig logs;
        FailpointSettings failpoints;
        List<String> ignoredKeys = new ArrayList<>();
        try {
            CommandLine.ParseResult parsed = TernCommand.parse(args, System.getenv(), ignoredKeys::add);
            if (CommandLine.executeHelpRequest(parsed) != null) {
                return;
            }
            TernCommand command = (TernCommand) parsed.commandSpec().userObject();
            logs = command.toLogConfig();
            config = command.toConfig();
            failpoints = FailpointSettings.parse(System.getProperty(FailpointSettings.PROPERTY));
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            ignoredKeys.forEach(key -> System.err.println("tern: " + ignoring(key)));
            System.err.println("tern: " + e.getMessage());
            System.err.println("Try 'tern --help' for the flags.");
            System.exit(2);
            return;
        }
        try {
            JulSetup.install(logs, System.out, System.err);
        } catch (IllegalArgumentException e) {
            System.err.println("tern: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        ignoredKeys.forEach(key -> LOG.log(System.Logger.Level.WARNING, ignoring(key)));
        if (!failpoints.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "failpoints enabled (tests only): " + failpoints);
        }
        TernServer server;
        try {
            server = TernServer.start(config, failpoints);
        } catch (RuntimeException e) {
            System.err.println("tern: cannot start: " + describe(e));
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "tern-shutdown"));
        // Removed from the cluster (exit 0, as etcd), or formed with flags its peers do not share (exit 1).
        server.selfStopped().thenRun(() -> Thread.ofPlatform().name("tern-exit").start(() -> {
            try {
                Thread.sleep(config.electionTimeout().multipliedBy(4).toMillis());
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            System.exit(server.stoppedOnFailure() ? 1 : 0);
        }));
    }

    private static String ignoring(String key) {
        return "--config-file: ignoring " + key + " (no such Tern setting)";
    }

    /** One line for an operator: the failure and, when it differs, its root cause. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == e ? msg : e.getMessage() + ": " + msg;
    }
}
