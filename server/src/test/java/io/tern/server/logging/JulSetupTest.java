package io.tern.server.logging;

import io.tern.server.config.LogConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/** --log-level as JUL levels: the root's, and the chatty libraries' (quieter unless debug). */
class JulSetupTest {

    /**
     * A level and the LogManager properties it gives. The libraries are SOFAJRaft, Helidon and SOFABolt's
     * log ({@code com.alipay.sofa.common.log}).
     */
    record Case(LogConfig.Level level, Level root, Map<String, String> properties) {
        @Override
        public String toString() {
            return level.flagValue();
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(LogConfig.Level.DEBUG, Level.FINE, Map.of(".level", "FINE")),
                new Case(LogConfig.Level.INFO, Level.INFO, Map.of(".level", "INFO", "com.alipay.sofa.jraft.level", "WARNING",
                        "io.helidon.level", "WARNING", "com.alipay.sofa.common.log.level", "SEVERE")),
                new Case(LogConfig.Level.WARN, Level.WARNING, Map.of(".level", "WARNING", "com.alipay.sofa.jraft.level",
                        "WARNING", "io.helidon.level", "WARNING", "com.alipay.sofa.common.log.level", "SEVERE")),
                new Case(LogConfig.Level.ERROR, Level.SEVERE, Map.of(".level", "SEVERE", "com.alipay.sofa.jraft.level",
                        "SEVERE", "io.helidon.level", "SEVERE", "com.alipay.sofa.common.log.level", "SEVERE")),
                new Case(LogConfig.Level.PANIC, Level.SEVERE, Map.of(".level", "SEVERE", "com.alipay.sofa.jraft.level",
                        "SEVERE", "io.helidon.level", "SEVERE", "com.alipay.sofa.common.log.level", "SEVERE")),
                new Case(LogConfig.Level.FATAL, Level.SEVERE, Map.of(".level", "SEVERE", "com.alipay.sofa.jraft.level",
                        "SEVERE", "io.helidon.level", "SEVERE", "com.alipay.sofa.common.log.level", "SEVERE")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void levelsFollowTheFlag(Case c) {
        LogConfig config = new LogConfig(c.level(), List.of(new LogConfig.Output.Stderr()));
        assertThat(JulSetup.threshold(c.level())).isEqualTo(c.root());
        assertThat(JulSetup.levels(config)).isEqualTo(c.properties());
    }
}
