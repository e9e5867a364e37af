package io.tern.server.config;

import io.tern.server.config.LogConfig.Level;
import io.tern.server.config.LogConfig.Output;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** etcd 3.5's logging flags, from the command line, ETCD_* variables and the config file. */
class LogConfigTest {

    /** Flags and environment (or, when {@code yaml} is set, a config file) and the configuration they give. */
    record Case(String name, List<String> args, Map<String, String> env, String yaml, LogConfig expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        Output err = new Output.Stderr();
        Output out = new Output.Stdout();
        return List.of(
                new Case("defaults", List.of(), Map.of(), null, LogConfig.DEFAULT),
                new Case("every level", List.of("--log-level", "warn"), Map.of(), null, new LogConfig(Level.WARN, List.of(err))),
                new Case("debug", List.of("--log-level=debug"), Map.of(), null, new LogConfig(Level.DEBUG, List.of(err))),
                new Case("fatal", List.of("--log-level", "fatal"), Map.of(), null, new LogConfig(Level.FATAL, List.of(err))),
                new Case("upper case, as zap takes it", List.of("--log-level", "ERROR"), Map.of(), null,
                        new LogConfig(Level.ERROR, List.of(err))),
                new Case("zap named", List.of("--logger", "zap"), Map.of(), null, LogConfig.DEFAULT),
                new Case("stdout", List.of("--log-outputs", "stdout"), Map.of(), null, new LogConfig(Level.INFO, List.of(out))),
                new Case("default is stderr", List.of("--log-outputs", "default"), Map.of(), null, LogConfig.DEFAULT),
                new Case("several, in order, each once", List.of("--log-outputs", "stdout, /var/log/tern.log,stderr,stdout"),
                        Map.of(), null, new LogConfig(Level.INFO,
                        List.of(out, new Output.AppendTo(Path.of("/var/log/tern.log")), err))),
                new Case("a file path, normalized", List.of("--log-outputs", "./logs/../tern.log"), Map.of(), null,
                        new LogConfig(Level.INFO, List.of(new Output.AppendTo(Path.of("tern.log"))))),
                new Case("empty means default", List.of("--log-outputs", ""), Map.of(), null, LogConfig.DEFAULT),
                new Case("rotation off, its JSON accepted", List.of("--enable-log-rotation=false",
                        "--log-rotation-config-json", "{\"maxsize\": 1}"), Map.of(), null, LogConfig.DEFAULT),
                new Case("ETCD_LOG_LEVEL", List.of(), Map.of("ETCD_LOG_LEVEL", "debug"), null,
                        new LogConfig(Level.DEBUG, List.of(err))),
                new Case("ETCD_LOG_OUTPUTS", List.of(), Map.of("ETCD_LOG_OUTPUTS", "stdout,stderr"), null,
                        new LogConfig(Level.INFO, List.of(out, err))),
                new Case("flag wins over the environment", List.of("--log-level", "error"), Map.of("ETCD_LOG_LEVEL", "debug"),
                        null, new LogConfig(Level.ERROR, List.of(err))),
                new Case("config file keys", List.of(), Map.of(), "logger: zap\nlog-level: warn\nlog-outputs: stdout\n",
                        new LogConfig(Level.WARN, List.of(out))),
                new Case("config file outputs as a YAML list", List.of(), Map.of(),
                        "log-outputs:\n  - stderr\n  - /tmp/tern.log\nenable-log-rotation: false\n",
                        new LogConfig(Level.INFO, List.of(err, new Output.AppendTo(Path.of("/tmp/tern.log"))))),
                new Case("config file in flow style", List.of(), Map.of(), "log-outputs: [stdout]\nlog-level: debug\n",
                        new LogConfig(Level.DEBUG, List.of(out))));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void parsesTheLoggingFlags(Case c, @TempDir Path dir) throws Exception {
        List<String> args = new ArrayList<>(c.args());
        if (c.yaml() != null) {
            args.addAll(List.of("--config-file", Files.writeString(dir.resolve("tern.yaml"), c.yaml()).toString()));
        }
        List<String> ignored = new ArrayList<>();
        CommandLine.ParseResult parsed = TernCommand.parse(args.toArray(String[]::new), c.env(), ignored::add);
        assertThat(((TernCommand) parsed.commandSpec().userObject()).toLogConfig()).isEqualTo(c.expected());
        assertThat(ignored).isEmpty();
    }

    record Bad(String name, List<String> args, Map<String, String> env, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Bad> bad() {
        return List.of(
                new Bad("unknown level", List.of("--log-level", "verbose"), Map.of(),
                        "--log-level: unrecognized level \"verbose\" (expected debug, info, warn, error, panic or fatal)"),
                new Bad("unknown level from the environment", List.of(), Map.of("ETCD_LOG_LEVEL", "trace"),
                        "--log-level: unrecognized level \"trace\""),
                new Bad("etcd 3.4's capnslog", List.of("--logger", "capnslog"), Map.of(), "--logger=capnslog is removed in v3.5"),
                new Bad("another logger", List.of("--logger", "logrus"), Map.of(), "unknown logger option \"logrus\""),
                new Bad("default among several outputs", List.of("--log-outputs", "default,/tmp/x.log"), Map.of(),
                        "--log-outputs: multi logoutput for \"default\" is not supported yet"),
                new Bad("journald", List.of("--log-outputs", "systemd/journal"), Map.of(),
                        "--log-outputs: systemd/journal is not supported by Tern"),
                new Bad("rotation", List.of("--enable-log-rotation", "--log-outputs", "/tmp/x.log"), Map.of(),
                        "--enable-log-rotation: Tern does not rotate its logs"),
                new Bad("rotation from the environment", List.of(), Map.of("ETCD_ENABLE_LOG_ROTATION", "true"),
                        "--enable-log-rotation: Tern does not rotate its logs"));
    }

    /** Checked as TernCommand's other settings are: an IllegalArgumentException that Main prints as "tern: ...". */
    @ParameterizedTest
    @MethodSource("bad")
    void refusesBadValuesWithEtcdsMessage(Bad b) {
        CommandLine.ParseResult parsed = TernCommand.parse(b.args().toArray(String[]::new), b.env(), k -> { });
        TernCommand command = (TernCommand) parsed.commandSpec().userObject();
        Throwable t = catchThrowable(command::toLogConfig);
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(b.message());
    }

    /** The sample in conf/ spells out the logging defaults too. */
    @Test
    void theShippedSampleHasTheDefaultLogging() {
        Path sample = Path.of("..", "distributions", "src", "main", "dist", "conf", "tern.yaml");
        CommandLine.ParseResult parsed = TernCommand.parse(new String[] {"--config-file", sample.toString()}, Map.of(),
                k -> { });
        assertThat(((TernCommand) parsed.commandSpec().userObject()).toLogConfig()).isEqualTo(LogConfig.DEFAULT);
        assertThat(parsed.hasMatchedOption("--log-level")).isTrue();
    }
}
