package io.tern.server.config;

import io.tern.api.maintenance.AutoCompactor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * etcd's server flags. Each flag may also come from the environment as {@code ETCD_} plus the flag name
 * in upper case with dashes as underscores ({@code --data-dir} → {@code ETCD_DATA_DIR}); a flag on the
 * command line wins over the environment.
 */
@Command(name = "tern", mixinStandardHelpOptions = true, versionProvider = TernCommand.Version.class,
        defaultValueProvider = EtcdEnvironment.class, sortOptions = false,
        description = "An etcd-v3-compatible key-value store. Flags are etcd's; each is also read from ETCD_<FLAG>.")
public final class TernCommand {

    @Option(names = "--config-file",
            description = "Path to the server configuration file (etcd's YAML). When given, other flags and "
                    + "environment variables are ignored.")
    String configFile;

    @Option(names = "--name", defaultValue = "default", description = "Human-readable name for this member.")
    String name;

    @Option(names = "--data-dir", description = "Path to the data directory (default: ${name}.tern).")
    String dataDir;

    @Option(names = "--listen-client-urls", defaultValue = "http://localhost:2379",
            description = "Comma-separated URLs to serve client traffic (gRPC and HTTP) on.")
    String listenClientUrls;

    @Option(names = "--advertise-client-urls", defaultValue = "http://localhost:2379",
            description = "Comma-separated client URLs advertised to the cluster.")
    String advertiseClientUrls;

    @Option(names = "--listen-peer-urls", defaultValue = "http://localhost:2380",
            description = "Comma-separated URLs to listen on for peer traffic.")
    String listenPeerUrls;

    @Option(names = "--initial-advertise-peer-urls", defaultValue = "http://localhost:2380",
            description = "Comma-separated peer URLs of this member, advertised to the cluster.")
    String initialAdvertisePeerUrls;

    @Option(names = "--initial-cluster",
            description = "Initial cluster configuration: name=peerURL,... (default: ${name}=<initial advertise peer URLs>).")
    String initialCluster;

    @Option(names = "--initial-cluster-token", defaultValue = "etcd-cluster",
            description = "Initial cluster token, part of the member and cluster ids.")
    String initialClusterToken;

    @Option(names = "--initial-cluster-state", defaultValue = "new", description = "new or existing.")
    String initialClusterState;

    @Option(names = "--max-learners", defaultValue = "1",
            description = "Maximum number of learner members in the cluster.")
    int maxLearners;

    @Option(names = "--storage-backend", defaultValue = "mvstore",
            description = "Storage engine by provider name: mvstore (default) or rocksdb.")
    String storageBackend;

    @Option(names = "--max-request-bytes", defaultValue = "1572864",
            description = "Maximum client request size in bytes the server will accept.")
    int maxRequestBytes;

    @Option(names = "--max-txn-ops", defaultValue = "128", description = "Maximum number of operations per txn.")
    int maxTxnOps;

    @Option(names = "--heartbeat-interval", defaultValue = "100", description = "Heartbeat interval in ms.")
    long heartbeatMs;

    @Option(names = "--election-timeout", defaultValue = "1000", description = "Election timeout in ms.")
    long electionTimeoutMs;

    @Option(names = "--snapshot-count", defaultValue = "100000",
            description = "Number of committed entries between snapshots.")
    long snapshotCount;

    @Option(names = "--quota-backend-bytes", defaultValue = "0",
            description = "Raise alarms when the store exceeds this size in bytes (0: 2 GiB, negative: no quota).")
    long quotaBackendBytes;

    @Option(names = "--auto-compaction-mode", defaultValue = "periodic",
            description = "Interpret --auto-compaction-retention as 'periodic' (a duration) or 'revision' (a count).")
    String autoCompactionMode;

    @Option(names = "--auto-compaction-retention", defaultValue = "0",
            description = "History to keep when compacting automatically: hours or a Go duration (periodic), "
                    + "or revisions (revision); 0 disables.")
    String autoCompactionRetention;

    @Option(names = "--experimental-watch-progress-notify-interval", defaultValue = "10m",
            description = "Interval of progress notifications to watchers that ask for them (Go duration).")
    String watchProgressNotifyInterval;

    @Option(names = "--auth-token", defaultValue = "simple",
            description = "Auth token type and options: simple, or jwt,pub-key=PATH,priv-key=PATH,sign-method=RS256[,ttl=5m].")
    String authToken;

    @Option(names = "--auth-token-ttl", defaultValue = "300",
            description = "Seconds a simple auth token lives past its last use.")
    long authTokenTtl;

    @Option(names = "--bcrypt-cost", defaultValue = "10",
            description = "Cost of the bcrypt hashes of user passwords (4 to 31).")
    int bcryptCost;

    @Option(names = "--listen-metrics-urls", defaultValue = "",
            description = "Comma-separated plain HTTP URLs to serve /metrics and the health probes on.")
    String listenMetricsUrls;

    @Option(names = "--cert-file", description = "Path to the client server TLS cert file.")
    String certFile;

    @Option(names = "--key-file", description = "Path to the client server TLS key file.")
    String keyFile;

    @Option(names = "--client-cert-auth", arity = "0..1", defaultValue = "false",
            description = "Enable client cert authentication.")
    boolean clientCertAuth;

    @Option(names = "--client-crl-file", description = "Path to the client certificate revocation list file.")
    String clientCrlFile;

    @Option(names = "--client-cert-allowed-hostname", defaultValue = "",
            description = "Allowed TLS hostname for client cert authentication.")
    String clientCertAllowedHostname;

    @Option(names = "--trusted-ca-file", description = "Path to the client server TLS trusted CA cert file.")
    String trustedCaFile;

    @Option(names = "--auto-tls", arity = "0..1", defaultValue = "false",
            description = "Client TLS using generated certificates.")
    boolean autoTls;

    @Option(names = "--peer-cert-file", description = "Path to the peer server TLS cert file.")
    String peerCertFile;

    @Option(names = "--peer-key-file", description = "Path to the peer server TLS key file.")
    String peerKeyFile;

    @Option(names = "--peer-client-cert-auth", arity = "0..1", defaultValue = "false",
            description = "Enable peer client cert authentication.")
    boolean peerClientCertAuth;

    @Option(names = "--peer-trusted-ca-file", description = "Path to the peer server TLS trusted CA file.")
    String peerTrustedCaFile;

    @Option(names = "--peer-auto-tls", arity = "0..1", defaultValue = "false",
            description = "Peer TLS using generated certificates.")
    boolean peerAutoTls;

    @Option(names = "--peer-crl-file", description = "Path to the peer certificate revocation list file.")
    String peerCrlFile;

    @Option(names = "--peer-cert-allowed-cn", defaultValue = "", description = "Allowed CN for inter peer authentication.")
    String peerCertAllowedCn;

    @Option(names = "--peer-cert-allowed-hostname", defaultValue = "",
            description = "Allowed TLS hostname for inter peer authentication.")
    String peerCertAllowedHostname;

    @Option(names = "--experimental-peer-skip-client-san-verification", arity = "0..1", defaultValue = "false",
            description = "Skip verification of SAN field in client certificate for peer connections.")
    boolean peerSkipClientSanVerification;

    @Option(names = "--cipher-suites", defaultValue = "",
            description = "Comma-separated list of supported TLS cipher suites between client/server and peers "
                    + "(empty for the JDK's choice).")
    String cipherSuites;

    @Option(names = "--tls-min-version", defaultValue = "TLS1.2",
            description = "Minimum TLS version supported by the server: TLS1.2 or TLS1.3.")
    String tlsMinVersion;

    @Option(names = "--tls-max-version", defaultValue = "",
            description = "Maximum TLS version supported by the server (empty for the newest).")
    String tlsMaxVersion;

    @Option(names = "--logger", defaultValue = "zap",
            description = "Logger: zap, JSON lines as etcd 3.5 writes them (etcd 3.4's capnslog is refused).")
    String logger;

    @Option(names = "--log-level", defaultValue = "info",
            description = "Log level: debug, info, warn, error, panic or fatal.")
    String logLevel;

    @Option(names = "--log-outputs", defaultValue = "default",
            description = "Comma-separated log targets: stderr, stdout, default (stderr), or file paths to append to.")
    String logOutputs;

    @Option(names = "--enable-log-rotation", arity = "0..1", defaultValue = "false",
            description = "Accepted for etcd's configurations; true is refused: rotate the file with an external tool.")
    boolean enableLogRotation;

    @Option(names = "--log-rotation-config-json",
            defaultValue = "{\"maxsize\": 100, \"maxage\": 0, \"maxbackups\": 0, \"localtime\": false, \"compress\": false}",
            description = "Accepted for etcd's configurations; unused, as Tern does not rotate logs.")
    String logRotationConfigJson;

    /** Turns the parsed flags into a validated configuration. */
    public ServerConfig toConfig() {
        if (!"new".equals(initialClusterState) && !"existing".equals(initialClusterState)) {
            throw new IllegalArgumentException("--initial-cluster-state must be 'new' or 'existing', got '"
                    + initialClusterState + "'");
        }
        List<URI> peers = urls("--initial-advertise-peer-urls", initialAdvertisePeerUrls);
        Map<String, List<URI>> cluster = initialCluster == null || initialCluster.isBlank()
                ? Map.of(name, peers) : parseCluster(initialCluster);
        Path dir = Path.of(dataDir == null || dataDir.isBlank() ? name + ".tern" : dataDir);
        return new ServerConfig(name, dir, urls("--listen-client-urls", listenClientUrls),
                urls("--advertise-client-urls", advertiseClientUrls), urls("--listen-peer-urls", listenPeerUrls),
                peers, cluster, initialClusterToken, "existing".equals(initialClusterState), maxLearners,
                storageBackend, maxRequestBytes, maxTxnOps, Duration.ofMillis(heartbeatMs),
                Duration.ofMillis(electionTimeoutMs), snapshotCount,
                GoDuration.parse("--experimental-watch-progress-notify-interval", watchProgressNotifyInterval),
                new ServerConfig.Auth(Duration.ofSeconds(authTokenTtl), bcryptCost, AuthToken.parse(authToken)), tls(),
                urls("--listen-metrics-urls", listenMetricsUrls), quotaBackendBytes,
                autoCompaction(autoCompactionMode, autoCompactionRetention));
    }

    /**
     * etcd's reading of the retention: in periodic mode a bare number counts hours, anything else is a Go
     * duration; in revision mode it is a number of revisions.
     */
    static AutoCompactor.Settings autoCompaction(String mode, String retention) {
        String r = retention.trim();
        switch (mode) {
            case "periodic" -> {
                Duration period;
                try {
                    period = Duration.ofHours(Long.parseLong(r));
                } catch (NumberFormatException notHours) {
                    period = GoDuration.parse("--auto-compaction-retention", r);
                }
                return new AutoCompactor.Settings(AutoCompactor.Mode.PERIODIC, period, 0,
                        AutoCompactor.Settings.OFF.revisionInterval());
            }
            case "revision" -> {
                long n;
                try {
                    n = Long.parseLong(r);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid --auto-compaction-retention '" + r
                            + "' for revision mode: expected a number of revisions");
                }
                return new AutoCompactor.Settings(AutoCompactor.Mode.REVISION, Duration.ZERO, n,
                        AutoCompactor.Settings.OFF.revisionInterval());
            }
            default -> throw new IllegalArgumentException("unknown auto-compaction-mode \"" + mode
                    + "\" (use periodic or revision)");
        }
    }

    /** Turns the logging flags into a validated logging configuration, apart from the member's. */
    public LogConfig toLogConfig() {
        return LogConfig.fromFlags(logger, logLevel, logOutputs, enableLogRotation);
    }

    private TlsConfig tls() {
        TlsConfig.Side client = new TlsConfig.Side(path(certFile), path(keyFile), path(trustedCaFile), clientCertAuth,
                path(clientCrlFile), autoTls, "", clientCertAllowedHostname);
        TlsConfig.Side peer = new TlsConfig.Side(path(peerCertFile), path(peerKeyFile), path(peerTrustedCaFile),
                peerClientCertAuth, path(peerCrlFile), peerAutoTls, peerCertAllowedCn, peerCertAllowedHostname,
                !peerSkipClientSanVerification);
        List<String> suites = java.util.Arrays.stream(cipherSuites.split(",")).map(String::trim)
                .filter(c -> !c.isEmpty()).toList();
        return new TlsConfig(client, peer, suites, tlsMinVersion, tlsMaxVersion);
    }

    private static java.util.Optional<Path> path(String flag) {
        return flag == null || flag.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(Path.of(flag));
    }

    static List<URI> urls(String flag, String csv) {
        List<URI> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            String t = s.trim();
            if (t.isEmpty()) {
                continue;
            }
            URI u;
            try {
                u = new URI(t);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(flag + ": invalid URL '" + t + "'");
            }
            if (u.getScheme() == null || u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException(flag + ": expected scheme://host:port, got '" + t + "'");
            }
            out.add(u);
        }
        return out;
    }

    static Map<String, List<URI>> parseCluster(String csv) {
        Map<String, List<URI>> out = new LinkedHashMap<>();
        for (String part : csv.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("--initial-cluster: expected name=URL, got '" + p + "'");
            }
            out.computeIfAbsent(p.substring(0, eq), k -> new ArrayList<>())
                    .addAll(urls("--initial-cluster", p.substring(eq + 1)));
        }
        return out;
    }

    /**
     * The command {@code args} and {@code env} describe: the flags with {@code ETCD_*} as fallback, or,
     * when {@code --config-file} (or {@code ETCD_CONFIG_FILE}) names a file, that file alone, as etcd
     * reads it. Keys of the file that name no flag are passed to {@code ignored}.
     *
     * @return the parse result of the command that counts (its command object holds the values)
     */
    public static CommandLine.ParseResult parse(String[] args, Map<String, String> env,
                                                java.util.function.Consumer<String> ignored) {
        CommandLine cli = commandLine(new TernCommand()).setDefaultValueProvider(new EtcdEnvironment(env));
        CommandLine.ParseResult parsed = cli.parseArgs(args);
        TernCommand command = cli.getCommand();
        if (command.configFile == null || command.configFile.isBlank() || parsed.isUsageHelpRequested()
                || parsed.isVersionHelpRequested()) {
            return parsed;
        }
        java.util.Set<String> flags = new java.util.HashSet<>();
        cli.getCommandSpec().options().forEach(o -> flags.add(o.longestName()));
        flags.remove("--config-file");
        ConfigFile.Arguments fromFile = ConfigFile.read(Path.of(command.configFile), flags);
        fromFile.ignored().forEach(ignored);
        return commandLine(new TernCommand()).setDefaultValueProvider(new EtcdEnvironment(Map.of()))
                .parseArgs(fromFile.args().toArray(String[]::new));
    }

    /** Parses {@code args} (with the environment as fallback) into a configuration. */
    public static CommandLine commandLine(TernCommand command) {
        return new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /** Reports the etcd API level and Tern's own version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String tern = TernCommand.class.getPackage().getImplementationVersion();
            return new String[] {"tern Version: " + (tern == null ? "dev" : tern),
                    "etcd API Version: " + io.tern.api.maintenance.MaintenanceService.ETCD_VERSION};
        }
    }
}
