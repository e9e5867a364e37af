package io.tern.server;

import io.tern.server.config.ServerConfig;
import io.tern.server.config.TernCommand;
import picocli.CommandLine;

/** Parses etcd's flags, starts a member, and stops it on SIGTERM/SIGINT. Only wiring lives here. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && "snapshot".equals(args[0])) {
            System.exit(SnapshotCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
            return;
        }
        ServerConfig config;
        try {
            CommandLine.ParseResult parsed = TernCommand.parse(args, System.getenv(),
                    key -> System.err.println("tern: --config-file: ignoring " + key + " (no such Tern setting)"));
            if (CommandLine.executeHelpRequest(parsed) != null) {
                return;
            }
            config = ((TernCommand) parsed.commandSpec().userObject()).toConfig();
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            System.err.println("tern: " + e.getMessage());
            System.err.println("Try 'tern --help' for the flags.");
            System.exit(2);
            return;
        }
        TernServer server;
        try {
            server = TernServer.start(config);
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
