package io.tern.server.config;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** etcd's YAML config file: read as the flags it names, and, when given, the only source. */
class ConfigFileTest {

    /** A file, the other sources present, what the configuration then holds. */
    record Case(String name, String yaml, List<String> args, Map<String, String> env,
                Function<ServerConfig, Object> read, Object expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("flag names as keys", "name: m1\ndata-dir: /var/lib/m1\nsnapshot-count: 5000\n", List.of(), Map.of(),
                        c -> List.of(c.name(), c.dataDir().toString(), c.snapshotCount()), List.of("m1", "/var/lib/m1", 5000L)),
                new Case("URLs as a comma-separated string", "listen-client-urls: http://127.0.0.1:1,http://127.0.0.1:2\n",
                        List.of(), Map.of(), ServerConfig::listenClientUrls,
                        List.of(URI.create("http://127.0.0.1:1"), URI.create("http://127.0.0.1:2"))),
                new Case("URLs as a YAML list", "listen-client-urls:\n  - http://127.0.0.1:1\n  - http://127.0.0.1:2\n",
                        List.of(), Map.of(), c -> c.listenClientUrls().size(), 2),
                new Case("client TLS section", "listen-client-urls: https://127.0.0.1:2379\nclient-transport-security:\n"
                        + "  cert-file: s.pem\n  key-file: k.pem\n  client-cert-auth: true\n  trusted-ca-file: ca.pem\n",
                        List.of(), Map.of(), c -> c.tls().client(), new TlsConfig.Side(Optional.of(Path.of("s.pem")),
                        Optional.of(Path.of("k.pem")), Optional.of(Path.of("ca.pem")), true, Optional.empty(), false, "", "")),
                new Case("peer TLS section", "listen-peer-urls: https://127.0.0.1:2380\n"
                        + "initial-advertise-peer-urls: https://127.0.0.1:2380\npeer-transport-security:\n  auto-tls: true\n"
                        + "  allowed-cn: member\n", List.of(), Map.of(),
                        c -> List.of(c.tls().peer().autoTls(), c.tls().peer().allowedCn()), List.of(true, "member")),
                new Case("empty values keep the defaults", "name: m2\ninitial-cluster:\nclient-transport-security:\n  cert-file:\n",
                        List.of(), Map.of(), c -> c.initialCluster().keySet(), java.util.Set.of("m2")),
                new Case("flags and environment are ignored", "name: from-file\n", List.of("--name", "from-flag"),
                        Map.of("ETCD_NAME", "from-env"), ServerConfig::name, "from-file"),
                new Case("the file named by ETCD_CONFIG_FILE", "name: via-env\n", List.of(), Map.of("ETCD_CONFIG_FILE", "FILE"),
                        ServerConfig::name, "via-env"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void theFileIsTheConfiguration(Case c, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tern.yaml"), c.yaml());
        List<String> args = new ArrayList<>(c.args());
        Map<String, String> env = new java.util.HashMap<>(c.env());
        if ("FILE".equals(env.get("ETCD_CONFIG_FILE"))) {
            env.put("ETCD_CONFIG_FILE", file.toString());
        } else {
            args.addAll(List.of("--config-file", file.toString()));
        }
        CommandLine.ParseResult parsed = TernCommand.parse(args.toArray(String[]::new), env, key -> { });
        ServerConfig config = ((TernCommand) parsed.commandSpec().userObject()).toConfig();
        assertThat(c.read().apply(config)).isEqualTo(c.expected());
    }

    /** etcd's own sample has keys Tern has no setting for: they are reported, not failed on. */
    @ParameterizedTest
    @MethodSource("samples")
    void keysWithoutASettingAreReported(String yaml, List<String> reported, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("etcd.yaml"), yaml);
        List<String> ignored = new ArrayList<>();
        TernCommand.parse(new String[] {"--config-file", file.toString()}, Map.of(), ignored::add);
        assertThat(ignored).containsExactlyInAnyOrderElementsOf(reported);
    }

    static List<org.junit.jupiter.params.provider.Arguments> samples() {
        return List.of(
                org.junit.jupiter.params.provider.Arguments.of("name: a\nenable-v2: true\ndiscovery-srv:\nenable-pprof: false\n",
                        List.of("enable-v2", "discovery-srv", "enable-pprof")),
                org.junit.jupiter.params.provider.Arguments.of("client-transport-security:\n  cert-file:\n  bogus: 1\n",
                        List.of("client-transport-security.bogus")));
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void unreadableFilesFailWithTheirName(String yaml, String message, @TempDir Path dir) throws Exception {
        Path file = yaml == null ? dir.resolve("missing.yaml") : Files.writeString(dir.resolve("bad.yaml"), yaml);
        Throwable t = catchThrowable(() -> TernCommand.parse(new String[] {"--config-file", file.toString()}, Map.of(), k -> { }));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    static List<org.junit.jupiter.params.provider.Arguments> badFiles() {
        return List.of(
                org.junit.jupiter.params.provider.Arguments.of(null, "cannot read"),
                org.junit.jupiter.params.provider.Arguments.of("name: [unclosed\n", "bad.yaml"),
                org.junit.jupiter.params.provider.Arguments.of("name:\n  nested: map\n", "must be a value"));
    }

    /** The sample the distribution ships in conf/ reads cleanly and describes the defaults. */
    @org.junit.jupiter.api.Test
    void theShippedSampleIsTheDefaults() {
        Path sample = Path.of("..", "distributions", "src", "main", "dist", "conf", "tern.yaml");
        List<String> ignored = new ArrayList<>();
        CommandLine.ParseResult parsed = TernCommand.parse(new String[] {"--config-file", sample.toString()}, Map.of(),
                ignored::add);
        ServerConfig fromSample = ((TernCommand) parsed.commandSpec().userObject()).toConfig();
        ServerConfig defaults = ((TernCommand) TernCommand.parse(new String[0], Map.of(), k -> { }).commandSpec()
                .userObject()).toConfig();
        assertThat(ignored).isEmpty();
        assertThat(fromSample).isEqualTo(defaults);
    }
}
