package io.tern.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tern.api.error.ErrorMapper;
import io.tern.api.error.EtcdError;
import io.tern.server.grpc.ConnectionTracker;
import io.tern.server.grpc.StreamReaper;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * etcd's HTTP/JSON gateway on the client port: {@code POST /v3/<service>/<method>} with the request
 * message as JSON answers with the response message as JSON, in protobuf's JSON mapping as etcd's
 * gateway prints it (proto field names, 64-bit integers as strings, bytes in base64, defaults left
 * out). Each route hands the parsed request to the same endpoint the gRPC call reaches, after the same
 * learner and auth checks (the token comes in the {@code Authorization} header); a failure answers with
 * etcd's gateway error body and the HTTP status grpc-gateway gives its code. Streams are in
 * {@link GatewayStreams}.
 */
public final class Gateway implements HttpService {
    static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();
    static final JsonFormat.Parser PARSER = JsonFormat.parser();

    /** One unary route: the request message's type, and the endpoint method that answers it. */
    record Route<Q extends Message, A extends Message>(Q prototype, BiConsumer<Q, StreamObserver<A>> endpoint) {
    }

    /** Learner and auth checks for one request: the refusal, or null to go ahead. */
    @FunctionalInterface
    public interface Checks {
        Function<Object, Status> forToken(String token);
    }

    private final Map<String, Route<?, ?>> routes = new LinkedHashMap<>();
    private final Map<String, Route<?, ?>> streamRoutes = new LinkedHashMap<>();
    private final Checks checks;
    private final int maxRequestBytes;
    private final GatewayStreams streams;
    private final ConnectionTracker connections;

    public Gateway(Checks checks, int maxRequestBytes, GatewayStreams streams, ConnectionTracker connections) {
        this.checks = checks;
        this.maxRequestBytes = maxRequestBytes;
        this.streams = streams;
        this.connections = connections;
    }

    /** Adds {@code POST path}, answered by {@code endpoint}. */
    public <Q extends Message, A extends Message> Gateway route(String path, Q prototype,
                                                                  BiConsumer<Q, StreamObserver<A>> endpoint) {
        routes.put(path, new Route<>(prototype, endpoint));
        return this;
    }

    /** Adds {@code POST path} for a server-streaming call: each answer a result line (see {@link GatewayStreams}). */
    public <Q extends Message, A extends Message> Gateway streamRoute(String path, Q prototype,
                                                                        BiConsumer<Q, StreamObserver<A>> endpoint) {
        streamRoutes.put(path, new Route<>(prototype, endpoint));
        return this;
    }

    @Override
    public void routing(HttpRules rules) {
        routes.forEach((path, route) -> rules.post(path, (req, res) -> unary(route, req, res)));
        streamRoutes.forEach((path, route) -> rules.post(path, (req, res) -> stream(route, req, res)));
        rules.post("/v3/watch", (req, res) -> streams.watch(this, req, res));
        rules.post("/v3/maintenance/snapshot", (req, res) -> streams.snapshot(this, req, res));
        for (String path : new String[] {"/v3/lease/keepalive", "/v3/kv/lease/keepalive"}) {
            rules.post(path, (req, res) -> streams.keepAlive(this, req, res));
        }
    }

    private <Q extends Message, A extends Message> void stream(Route<Q, A> route, ServerRequest req, ServerResponse res) {
        streams.serverStream(this, route.prototype(), route.endpoint(), req, res);
    }

    private <Q extends Message, A extends Message> void unary(Route<Q, A> route, ServerRequest req, ServerResponse res) {
        Optional<Q> admitted = admit(route.prototype(), req, res);
        if (admitted.isEmpty()) {
            return;
        }
        Q request = admitted.get();
        AtomicReference<Object> outcome = new AtomicReference<>();
        // Endpoints answer unary calls on the calling thread before they return (see Calls).
        route.endpoint().accept(request, new StreamObserver<>() {
            @Override
            public void onNext(A value) {
                outcome.set(value);
            }

            @Override
            public void onError(Throwable t) {
                outcome.set(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        Object out = outcome.get();
        if (out instanceof Message m) {
            json(res, print(m));
        } else {
            error(res, out == null ? Status.INTERNAL.withDescription("no answer") : ErrorMapper.toStatus((Throwable) out));
        }
    }

    /**
     * The request, parsed and past the learner and auth checks; empty when it was refused, the refusal
     * already answered.
     */
    <Q extends Message> Optional<Q> admit(Q prototype, ServerRequest req, ServerResponse res) {
        Q request;
        try {
            request = parse(prototype, req);
        } catch (GatewayException e) {
            error(res, e.status);
            return Optional.empty();
        }
        Status refused = checks.forToken(token(req)).apply(request);
        if (refused != null) {
            error(res, refused);
            return Optional.empty();
        }
        return Optional.of(request);
    }

    /** The token a client sends as grpc-gateway expects it: the {@code Authorization} header's value. */
    static String token(ServerRequest req) {
        return req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
    }

    Function<Object, Status> checks(ServerRequest req) {
        return checks.forToken(token(req));
    }

    /** The request body as {@code prototype}'s type; an empty body is the empty message. */
    @SuppressWarnings("unchecked")
    <Q extends Message> Q parse(Q prototype, ServerRequest req) throws GatewayException {
        byte[] body = new byte[0];
        if (req.content().hasEntity()) {
            // Read no more than the limit allows, whatever the client declares: a huge body must not
            // reach memory before it is refused. Over HTTP/2, Helidon 4.4 leaves a thread that waits for
            // the rest of a body parked for good when the connection drops: the reaper releases it.
            Thread reader = Thread.currentThread();
            Runnable forget = connections.onClose(req.serverSocketId(), req.socketId(), () -> StreamReaper.release(reader));
            try (java.io.InputStream in = req.content().inputStream()) {
                body = in.readNBytes(maxRequestBytes + 1);
            } catch (java.io.IOException e) {
                throw new GatewayException(Status.INVALID_ARGUMENT.withDescription("cannot read the request: " + e.getMessage()));
            } finally {
                forget.run();
            }
        }
        if (body.length > maxRequestBytes) {
            throw new GatewayException(ErrorMapper.status(EtcdError.REQUEST_TOO_LARGE));
        }
        Message.Builder b = prototype.newBuilderForType();
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.isBlank()) {
            try {
                PARSER.merge(text, b);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                throw new GatewayException(Status.INVALID_ARGUMENT.withDescription(parseError(e.getMessage())));
            }
        }
        return (Q) b.build();
    }

    /** Go's wording for an unknown field, which clients of etcd's gateway may match; others as parsed. */
    private static String parseError(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Cannot find field: (\\S+) in message (\\S+)")
                .matcher(String.valueOf(message));
        return m.find() ? "unknown field \"" + m.group(1) + "\" in " + m.group(2) : String.valueOf(message);
    }

    static String print(Message m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName() + " as JSON", e);
        }
    }

    static void json(ServerResponse res, String body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }

    /** grpc-gateway's error answer: its body, and the HTTP status it gives the gRPC code. */
    static void error(ServerResponse res, Status status) {
        res.status(io.helidon.http.Status.create(httpStatus(status.getCode())));
        json(res, errorBody(status));
    }

    static String errorBody(Status status) {
        String message = status.getDescription() == null ? "" : status.getDescription();
        String quoted = print(com.google.protobuf.Value.newBuilder().setStringValue(message).build());
        return "{\"error\":" + quoted + ",\"code\":" + status.getCode().value() + ",\"message\":" + quoted + "}";
    }

    /** grpc-gateway's HTTPStatusFromCode. */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case CANCELLED -> 408;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case DEADLINE_EXCEEDED -> 504;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case PERMISSION_DENIED -> 403;
            case UNAUTHENTICATED -> 401;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
        };
    }

    /** A request the gateway refuses before any endpoint sees it. */
    static final class GatewayException extends Exception {
        final transient Status status;

        GatewayException(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }
}
