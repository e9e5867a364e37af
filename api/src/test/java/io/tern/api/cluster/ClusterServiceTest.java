package io.tern.api.cluster;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The peer URLs MemberAdd and MemberUpdate accept, and etcd's error for the others. */
class ClusterServiceTest {

    /** Peer URLs and whether etcd takes them. */
    record Urls(List<String> urls, boolean valid) {
    }

    static Stream<Urls> urls() {
        return Stream.of(
                new Urls(List.of("http://127.0.0.1:2380"), true),
                new Urls(List.of("https://node-1.example:2380", "http://10.0.0.1:2380"), true),
                new Urls(List.of(), false),
                new Urls(List.of("127.0.0.1:2380"), false),
                new Urls(List.of("http://127.0.0.1"), false),
                new Urls(List.of("unix://socket:1"), false),
                new Urls(List.of("http://127.0.0.1:2380/path"), false),
                new Urls(List.of("http://[bad"), false));
    }

    @ParameterizedTest
    @MethodSource("urls")
    void peerUrlsAreSchemeHostAndPort(Urls c) {
        Throwable t = catchThrowable(() -> ClusterService.checkUrls(c.urls()));
        if (c.valid()) {
            assertThat(t).isNull();
        } else {
            assertThat(t).isInstanceOf(EtcdException.class);
            assertThat(((EtcdException) t).error()).isEqualTo(EtcdError.MEMBER_BAD_URLS);
        }
    }
}
