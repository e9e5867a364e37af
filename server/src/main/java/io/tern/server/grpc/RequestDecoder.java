package io.tern.server.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Decodes request messages itself, so that a message the server cannot take gets grpc-go's answer
 * (what etcd's clients see) instead of none. Helidon parses each message as it arrives and, when
 * parsing fails, only logs and cancels the call's listener: the client waits for an answer until its
 * deadline, forever without one. Here Helidon hands over the message's bytes, and this class:
 *
 * <ul>
 * <li>refuses a message over {@code maxBytes} with {@code RESOURCE_EXHAUSTED}
 *     {@code grpc: received message larger than max (N vs. M)}, before decoding it, as grpc-go does for
 *     etcd's {@code --max-request-bytes} plus 512 KiB;</li>
 * <li>refuses bytes that are not a valid message with {@code INTERNAL}
 *     {@code grpc: error unmarshalling request: R} (a unary call) or
 *     {@code grpc: failed to unmarshal the received message R} (a streaming call, whose handler reads
 *     its requests itself), as grpc-go does.
 *     R is the error etcd's decoder gives ({@link GogoUnmarshal}), which also refuses a known field
 *     sent with another wire type (protobuf-java would keep it as an unknown field).</li>
 * </ul>
 *
 * <p>A refused call is closed once its client has finished sending (see {@link RefusingListener}), a
 * stream of requests at once; the handler behind it is told the call was cancelled, so a stream frees
 * what it holds. The interceptors given to {@link #wrap} see decoded messages, as before.
 */
public final class RequestDecoder {
    static final String TOO_LARGE = "grpc: received message larger than max (%d vs. %d)";
    static final String UNMARSHAL_REQUEST = "grpc: error unmarshalling request: ";
    static final String UNMARSHAL_STREAM = "grpc: failed to unmarshal the received message ";

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        /**
         * Helidon's message stream knows its length and answers 0, never -1, once read to its end
         * (so {@code readAllBytes} would spin for ever): it is read for exactly its length.
         */
        @Override
        public byte[] parse(InputStream stream) {
            try {
                if (!(stream instanceof KnownLength)) {
                    return stream.readAllBytes();
                }
                byte[] bytes = new byte[stream.available()];
                for (int read = 0; read < bytes.length; ) {
                    int n = stream.read(bytes, read, bytes.length - read);
                    if (n <= 0) {
                        throw new IllegalStateException("message stream ended at " + read + " of its " + bytes.length + " bytes");
                    }
                    read += n;
                }
                return bytes;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final int maxBytes;

    /** @param maxBytes the largest request message taken: {@code --max-request-bytes} plus gRPC's overhead */
    public RequestDecoder(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * {@code service} as Helidon should serve it: every method takes bytes, which are checked and
     * decoded here, then go through {@code interceptors} (the first sees each call first) to the service.
     */
    public ServerServiceDefinition wrap(BindableService service, List<ServerInterceptor> interceptors) {
        ServerServiceDefinition typed = ServerInterceptors.interceptForward(service, interceptors);
        ServerServiceDefinition.Builder wire = ServerServiceDefinition.builder(typed.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : typed.getMethods()) {
            wire.addMethod(onWire(m));
        }
        return wire.build();
    }

    private <Q, A> ServerMethodDefinition<byte[], A> onWire(ServerMethodDefinition<Q, A> typed) {
        MethodDescriptor<Q, A> method = typed.getMethodDescriptor();
        ServerCallHandler<Q, A> next = typed.getServerCallHandler();
        MethodDescriptor<byte[], A> wire = method.toBuilder(BYTES, method.getResponseMarshaller()).build();
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<Q>) method.getRequestMarshaller())
                .getMessagePrototype();
        return ServerMethodDefinition.create(wire, (call, headers) ->
                new Decoding<>(call, method, prototype, next.startCall(new TypedCall<>(call, method), headers), maxBytes));
    }

    /**
     * The reason for bytes etcd's decoder takes but protobuf-java refuses: a string that is not UTF-8
     * (Tern cannot hold it), or nesting deeper than protobuf-java's limit.
     */
    static String javaReason(InvalidProtocolBufferException failure) {
        String text = String.valueOf(failure.getMessage());
        return text.contains("nesting") ? GogoUnmarshal.TOO_DEEP : "proto: " + text;
    }

    /** The bytes-in call, seen by the interceptors and the service as a call of decoded requests. */
    private static final class TypedCall<Q, A> extends ServerCall<Q, A> {
        private final ServerCall<byte[], A> wire;
        private final MethodDescriptor<Q, A> method;

        TypedCall(ServerCall<byte[], A> wire, MethodDescriptor<Q, A> method) {
            this.wire = wire;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            wire.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            wire.sendHeaders(headers);
        }

        @Override
        public void sendMessage(A message) {
            wire.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return wire.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            wire.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return wire.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            wire.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            wire.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            wire.setOnReadyThreshold(numBytes);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return wire.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return wire.getAttributes();
        }

        @Override
        public String getAuthority() {
            return wire.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, A> getMethodDescriptor() {
            return method;
        }
    }

    /** Checks and decodes each message before the listener of the decoded call sees it. */
    private static final class Decoding<Q, A> extends ServerCall.Listener<byte[]> {
        private final ServerCall<byte[], A> call;
        private final Descriptor type;
        private final Parser<? extends Message> parser;
        private final ServerCall.Listener<Q> next;
        private final int maxBytes;
        private final boolean oneRequest;
        private final String unmarshal;
        private Status refused;
        private boolean ended;

        Decoding(ServerCall<byte[], A> call, MethodDescriptor<Q, A> method, Message prototype,
                 ServerCall.Listener<Q> next, int maxBytes) {
            this.call = call;
            this.type = prototype.getDescriptorForType();
            this.parser = prototype.getParserForType();
            this.next = next;
            this.maxBytes = maxBytes;
            this.oneRequest = method.getType().clientSendsOneMessage();
            this.unmarshal = method.getType() == MethodDescriptor.MethodType.UNARY ? UNMARSHAL_REQUEST : UNMARSHAL_STREAM;
        }

        @Override
        public void onMessage(byte[] bytes) {
            if (refused != null) {
                return;
            }
            if (bytes.length > maxBytes) {
                refuse(Status.RESOURCE_EXHAUSTED.withDescription(TOO_LARGE.formatted(bytes.length, maxBytes)));
                return;
            }
            String reason = GogoUnmarshal.error(bytes, type);
            Q request = null;
            if (reason == null) {
                try {
                    @SuppressWarnings("unchecked") // the parser of the method's own request type
                    Q parsed = (Q) parser.parseFrom(bytes);
                    request = parsed;
                } catch (InvalidProtocolBufferException e) {
                    reason = javaReason(e);
                }
            }
            if (reason != null) {
                refuse(Status.INTERNAL.withDescription(unmarshal + reason));
                return;
            }
            next.onMessage(request);
        }

        private void refuse(Status status) {
            refused = status;
            if (!oneRequest) {
                end();
            }
        }

        private void end() {
            ended = true;
            try {
                call.close(refused, new Metadata());
            } finally {
                next.onCancel();
            }
        }

        @Override
        public void onHalfClose() {
            if (refused == null) {
                next.onHalfClose();
            } else if (oneRequest) {
                end();
            }
        }

        @Override
        public void onCancel() {
            if (!ended) {
                next.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (!ended) {
                next.onComplete();
            }
        }

        @Override
        public void onReady() {
            next.onReady();
        }
    }
}
