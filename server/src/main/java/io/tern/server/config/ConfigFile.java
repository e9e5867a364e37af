package io.tern.server.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.yaml.YamlConfigParser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's {@code --config-file}: a YAML file whose keys are the flag names ({@code name},
 * {@code data-dir}, {@code listen-client-urls}, ...), URL lists as comma-separated strings or YAML lists,
 * and TLS under {@code client-transport-security} and {@code peer-transport-security} ({@code cert-file},
 * {@code key-file}, {@code client-cert-auth}, {@code trusted-ca-file}, {@code auto-tls},
 * {@code crl-file}, {@code allowed-cn}, {@code allowed-hostname}). It becomes the command line the
 * member starts with; as with etcd, flags and {@code ETCD_*} variables then count for nothing. Keys
 * Tern has no flag for (etcd's v2, discovery, profiling) are listed back so they can be logged, not failed on.
 */
public final class ConfigFile {
    /** The file's flags as arguments, and the keys that name no flag. */
    public record Arguments(List<String> args, List<String> ignored) {
    }

    private static final Map<String, String> CLIENT_SECURITY = Map.of(
            "cert-file", "--cert-file", "key-file", "--key-file", "client-cert-auth", "--client-cert-auth",
            "trusted-ca-file", "--trusted-ca-file", "auto-tls", "--auto-tls", "crl-file", "--client-crl-file",
            "allowed-hostname", "--client-cert-allowed-hostname");
    private static final Map<String, String> PEER_SECURITY = Map.of(
            "cert-file", "--peer-cert-file", "key-file", "--peer-key-file", "client-cert-auth", "--peer-client-cert-auth",
            "trusted-ca-file", "--peer-trusted-ca-file", "auto-tls", "--peer-auto-tls", "crl-file", "--peer-crl-file",
            "allowed-cn", "--peer-cert-allowed-cn", "allowed-hostname", "--peer-cert-allowed-hostname");

    private ConfigFile() {
    }

    /**
     * @param flags the long flag names the command knows ({@code --name}, ...)
     */
    public static Arguments read(Path file, Set<String> flags) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("--config-file: cannot read " + file);
        }
        Config root;
        try {
            root = Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .disableParserServices()
                    .addParser(YamlConfigParser.create())
                    .sources(ConfigSources.file(file))
                    .build();
            root.asNodeList().orElse(List.of());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--config-file " + file + ": " + e.getMessage(), e);
        }
        List<String> args = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (Config node : root.asNodeList().orElse(List.of())) {
            String key = node.name();
            if (key.equals("client-transport-security") || key.equals("peer-transport-security")) {
                Map<String, String> names = key.startsWith("client") ? CLIENT_SECURITY : PEER_SECURITY;
                for (Config inner : node.asNodeList().orElse(List.of())) {
                    String flag = names.get(inner.name());
                    if (flag == null) {
                        ignored.add(key + "." + inner.name());
                    } else {
                        add(args, flag, inner);
                    }
                }
            } else if (flags.contains("--" + key)) {
                add(args, "--" + key, node);
            } else {
                ignored.add(key);
            }
        }
        return new Arguments(List.copyOf(args), List.copyOf(ignored));
    }

    private static void add(List<String> args, String flag, Config node) {
        String value = switch (node.type()) {
            case LIST -> String.join(",", node.asList(String.class).orElse(List.of()));
            case OBJECT -> throw new IllegalArgumentException("--config-file: " + node.key() + " must be a value, not a map");
            default -> node.asString().orElse("");
        };
        if (!value.isEmpty()) {
            args.add(flag + "=" + value);
        }
    }
}
