package io.tern.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.tern.api.proto.etcdserverpb.AuthGrpc;
import io.tern.api.proto.etcdserverpb.AuthenticateRequest;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.server.config.AuthToken;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@code --auth-token jwt,...} on each engine and for each key kind: Authenticate hands out a signed JWT
 * naming the user and the auth revision, the token carries the user's rights, a token from before an
 * auth change is refused with etcd's old-revision error (clients authenticate again), and a token
 * signed with another key is an invalid token.
 */
class JwtTokenTest {

    /** A sign method and how to write its key files into a directory; returns the --auth-token value. */
    record Method(String name, KeyFiles keys) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface KeyFiles {
        String write(Path dir) throws Exception;
    }

    static Stream<Arguments> enginesAndMethods() {
        List<Method> methods = List.of(
                new Method("RS256", dir -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048);
                    return pair(dir, g.generateKeyPair(), "RS256", false);
                }),
                new Method("ES256", dir -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"));
                    return pair(dir, g.generateKeyPair(), "ES256", true);
                }),
                new Method("HS256", dir -> {
                    Path secret = Files.writeString(dir.resolve("secret"), "a shared secret of at least 256 bits, surely");
                    return "jwt,priv-key=" + secret + ",sign-method=HS256";
                }));
        return TernHarness.engines().flatMap(e -> methods.stream().map(m -> Arguments.of(e, m)));
    }

    private static String pair(Path dir, KeyPair pair, String method, boolean ec) throws Exception {
        Path priv = dir.resolve(method + "-priv.pem");
        Path pub = dir.resolve(method + "-pub.pem");
        if (ec) {
            TestCerts.sec1(priv, pair);
        } else {
            TestCerts.pem(priv, pair.getPrivate());
        }
        TestCerts.pem(pub, pair.getPublic());
        return "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=" + method + ",ttl=10m";
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("enginesAndMethods")
    void tokensAreSignedJwtsThatCarryTheAuthRevision(String engine, Method method, @TempDir Path dir) throws Exception {
        String spec = method.keys().write(dir);
        ServerConfig config = ServerConfig.singleNode("default", dir.resolve("data"), 0, TernHarness.freePort(), engine)
                .withAuth(new ServerConfig.Auth(Duration.ofMinutes(5), 4, AuthToken.parse(spec)));
        try (TernServer server = TernServer.start(config)) {
            try (Client admin = TernHarness.client(server)) {
                TernHarness.enableAuthWithAlice(admin.getAuthClient());
            }
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.clientPort(0)).usePlaintext().build();
            try {
                String token = AuthGrpc.newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder()
                        .setName("alice").setPassword("alicepw").build()).getToken();
                String[] parts = token.split("\\.");
                assertThat(parts).hasSize(3);
                String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
                assertThat(claims).contains("\"username\":\"alice\"").contains("\"revision\":").contains("\"exp\":");
                assertThat(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8))
                        .contains("\"alg\":\"" + method.name() + "\"");

                put(channel, token, "a/1");
                assertThat(catchThrowable(() -> put(channel, token, "b/1")))
                        .hasMessageContaining("PERMISSION_DENIED: etcdserver: permission denied");
                assertThat(catchThrowable(() -> put(channel, parts[0] + "." + parts[1] + ".c2lnbmF0dXJl", "a/1")))
                        .hasMessageContaining("UNAUTHENTICATED: etcdserver: invalid auth token");

                try (Client root = Client.builder().endpoints("http://127.0.0.1:" + server.clientPort(0))
                        .user(bs("root")).password(bs("rootpw")).build()) {
                    root.getAuthClient().roleAdd(bs("another")).get(10, TimeUnit.SECONDS);
                }
                assertThat(catchThrowable(() -> put(channel, token, "a/2")))
                        .hasMessageContaining("INVALID_ARGUMENT: etcdserver: revision of auth store is old");
                String fresh = AuthGrpc.newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder()
                        .setName("alice").setPassword("alicepw").build()).getToken();
                put(channel, fresh, "a/2");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static void put(ManagedChannel channel, String token, String key) {
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
        KVGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build());
    }
}
