package io.tern.server.grpc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Only a Helidon stream thread parked for its next frame may be interrupted. */
class StreamReaperTest {
    record Stack(String name, List<String> frames, boolean reapable) {
        @Override
        public String toString() {
            return name;
        }

        StackTraceElement[] elements() {
            return frames.stream().map(f -> {
                int dot = f.lastIndexOf('.');
                return new StackTraceElement(f.substring(0, dot), f.substring(dot + 1), null, -1);
            }).toArray(StackTraceElement[]::new);
        }
    }

    static List<Stack> stacks() {
        return List.of(
                new Stack("parked on its frame queue", List.of(
                        "java.lang.VirtualThread.park", "java.util.concurrent.locks.LockSupport.park",
                        "java.util.concurrent.ArrayBlockingQueue.take",
                        "io.helidon.webserver.http2.Http2ServerStream.handle",
                        "io.helidon.webserver.http2.Http2ServerStream.run"), true),
                new Stack("writing to the socket", List.of(
                        "sun.nio.ch.SocketChannelImpl.write", "io.helidon.common.socket.NioSocket.write",
                        "io.helidon.webserver.http2.Http2ServerStream.handle"), false),
                new Stack("in a handler, waiting on something else", List.of(
                        "java.util.concurrent.LinkedBlockingQueue.take", "io.tern.api.concurrency.Recipes.waitEvent",
                        "io.helidon.webserver.http2.Http2ServerStream.handle"), false),
                new Stack("running, not parked", List.of(
                        "io.helidon.webserver.http2.Http2ServerStream.handle",
                        "io.helidon.webserver.http2.Http2ServerStream.run"), false),
                new Stack("finished", List.of(), false));
    }

    @ParameterizedTest
    @MethodSource("stacks")
    void interruptsOnlyAThreadParkedForFrames(Stack s) {
        assertThat(StreamReaper.parkedForFrames(s.elements())).isEqualTo(s.reapable());
    }
}
