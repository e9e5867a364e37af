package io.tern.server;

import io.tern.server.config.EtcdEnvironment;
import io.tern.server.config.ServerConfig;
import io.tern.server.config.TernCommand;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** What a first start records from the flags, and the flag combinations it refuses. */
class BootstrapTest {

    /** Flags, and the message a first start refuses them with (null: accepted). */
    record Case(String name, List<String> args, String refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("own entry matches the advertised URL", List.of("--name", "a", "--initial-advertise-peer-urls",
                        "http://h1:2380", "--initial-cluster", "a=http://h1:2380,b=http://h2:2380"), null),
                new Case("own entry names another URL", List.of("--name", "a", "--initial-advertise-peer-urls",
                        "http://h1:2380", "--initial-cluster", "a=http://h1:9999"), "they must match"),
                new Case("joining records no members", List.of("--name", "a", "--initial-advertise-peer-urls",
                        "http://h1:2380", "--initial-cluster", "a=http://h1:2380", "--initial-cluster-state", "existing"),
                        null));
    }

    private static ServerConfig config(List<String> args) {
        TernCommand command = new TernCommand();
        new CommandLine(command).setDefaultValueProvider(new EtcdEnvironment(Map.of())).parseArgs(args.toArray(String[]::new));
        return command.toConfig();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aFirstStartChecksItsOwnEntry(Case c) {
        Throwable t = catchThrowable(() -> Bootstrap.fromConfig(config(c.args())));
        if (c.refusal() == null) {
            assertThat(t).isNull();
            Bootstrap b = Bootstrap.fromConfig(config(c.args()));
            assertThat(b.self()).isEqualTo("a");
            assertThat(b.members().isEmpty()).isEqualTo(b.joining());
            assertThat(b.memberId() != 0).isEqualTo(!b.joining());
        } else {
            assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.refusal());
        }
    }
}
