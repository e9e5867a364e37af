package io.tern.server.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Go's duration syntax, as etcd's duration flags take it. */
class GoDurationTest {
    record Ok(String text, Duration expected) {
    }

    static List<Ok> valid() {
        return List.of(
                new Ok("10m", Duration.ofMinutes(10)),
                new Ok("1h30m", Duration.ofMinutes(90)),
                new Ok("1.5s", Duration.ofMillis(1500)),
                new Ok("250ms", Duration.ofMillis(250)),
                new Ok("100us", Duration.ofNanos(100_000)),
                new Ok("0", Duration.ZERO),
                new Ok("2h45m30s", Duration.ofSeconds(2 * 3600 + 45 * 60 + 30)));
    }

    static List<String> invalid() {
        return List.of("", "10", "m", "10x", "1h 30m", "-5s", "10m garbage");
    }

    @ParameterizedTest
    @MethodSource("valid")
    void parses(Ok c) {
        assertThat(GoDuration.parse("--flag", c.text())).isEqualTo(c.expected());
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void refusesWithTheFlagName(String text) {
        assertThatThrownBy(() -> GoDuration.parse("--some-interval", text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--some-interval");
    }
}
