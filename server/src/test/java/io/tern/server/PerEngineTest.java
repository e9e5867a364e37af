package io.tern.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.stream.Stream;

/** A test class whose tests share one running member per storage engine ({@link #servers}). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PerEngineTest {
    EngineServers servers;

    @BeforeAll
    void startServers(@TempDir Path dir) {
        servers = new EngineServers(dir);
    }

    @AfterAll
    void stopServers() {
        servers.close();
    }

    /** The engines, for {@code @MethodSource("engines")}. */
    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }
}
