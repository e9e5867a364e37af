package io.tern.server.robust;

import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * One malformed or boundary request and etcd's answer to it.
 *
 * @param name    what is wrong with it, for the failure message
 * @param method  the RPC it is sent to
 * @param bytes   the request message as sent on the wire
 * @param expect  etcd's answer
 */
record BadRequest(String name, MethodDescriptor<?, ?> method, byte[] bytes, Expect expect) {

    @Override
    public String toString() {
        return method.getFullMethodName() + " " + name + " (" + bytes.length + " bytes) -> " + expect;
    }

    /**
     * An answer: a status code and, unless null, its exact message. {@code ternOwn} marks an answer
     * etcd 3.4 does not give (Tern's own choice, or a method etcd 3.4 lacks), skipped when checking against etcd.
     */
    record Expect(Status.Code code, String message, boolean ternOwn) {
        static final Expect OK = new Expect(Status.Code.OK, null, false);

        static Expect error(Status.Code code, String message) {
            return new Expect(code, message, false);
        }

        @Override
        public String toString() {
            return code + (message == null ? "" : " \"" + message + "\"") + (ternOwn ? " (Tern's own)" : "");
        }
    }
}
