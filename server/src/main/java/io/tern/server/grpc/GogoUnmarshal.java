package io.tern.server.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

/**
 * The error etcd's generated decoders (gogo-protobuf's {@code Unmarshal} methods, which grpc-go calls
 * for etcd's messages) return for a request's bytes, so that a request etcd refuses is refused here
 * with the same words, and one etcd takes is not refused. The reasons, checked in gogo's order:
 *
 * <ul>
 * <li>{@code unexpected EOF}: a varint, length or field runs past the end of its message;</li>
 * <li>{@code proto: integer overflow}: a varint longer than ten bytes;</li>
 * <li>{@code proto: negative length found during unmarshaling}: a length whose top bit is set;</li>
 * <li>{@code proto: M: wiretype end group for non-group}, {@code proto: M: illegal tag N (wire type W)}
 *     (W is the whole tag, as gogo prints it), {@code proto: wrong wireType = W for field F} (F is the
 *     Go name of a known field), {@code proto: illegal wireType W} (7 or 6, in an unknown field).</li>
 * </ul>
 *
 * <p>Unknown fields are skipped as gogo skips them, groups included. gogo nests without limit;
 * protobuf-java stops at {@value #MAX_DEPTH} levels of messages, and so does this check, with
 * protobuf-go's {@code proto: exceeded maximum recursion depth} (Tern's answer; etcd would decode it).
 * The walk reads lengths and tags only, never copying bytes, so it costs little next to the decode.
 */
public final class GogoUnmarshal {
    static final String EOF = "unexpected EOF";
    static final String OVERFLOW = "proto: integer overflow";
    static final String NEGATIVE_LENGTH = "proto: negative length found during unmarshaling";
    static final String TOO_DEEP = "proto: exceeded maximum recursion depth";
    /** protobuf-java's default recursion limit, which Tern's decoder keeps. */
    static final int MAX_DEPTH = 100;

    private GogoUnmarshal() {
    }

    /** gogo's error for {@code data} as a message of {@code type}, or null when gogo decodes it. */
    public static String error(byte[] data, Descriptor type) {
        try {
            new Walk(data).message(0, data.length, type, 0);
            return null;
        } catch (Refused r) {
            return r.getMessage();
        }
    }

    /** One walk over a request's bytes; {@link #pos} is where the next read starts. */
    private static final class Walk {
        private final byte[] data;
        private long pos;

        Walk(byte[] data) {
            this.data = data;
        }

        /** Walks one message in {@code data[from, end)} as gogo's {@code Unmarshal} of {@code type} does. */
        void message(int from, int end, Descriptor type, int depth) throws Refused {
            if (depth >= MAX_DEPTH) {
                throw new Refused(TOO_DEEP);
            }
            pos = from;
            while (pos < end) {
                long pre = pos;
                long tag = varint(end);
                int field = (int) (tag >>> 3);
                int wireType = (int) (tag & 7);
                if (wireType == 4) {
                    throw new Refused("proto: " + goName(type) + ": wiretype end group for non-group");
                }
                if (field <= 0) {
                    throw new Refused("proto: " + goName(type) + ": illegal tag " + field + " (wire type "
                            + Long.toUnsignedString(tag) + ")");
                }
                FieldDescriptor f = type.findFieldByNumber(field);
                if (f == null) {
                    pos = pre;
                    long skipped = skip(end);
                    if (skipped < 0) {
                        throw new Refused(NEGATIVE_LENGTH);
                    }
                    if (pre + skipped > end) {
                        throw new Refused(EOF);
                    }
                    pos = pre + skipped;
                    continue;
                }
                int expected = wireType(f);
                if (wireType == 2 && expected != 2 && f.isRepeated()) {
                    // A packed run: gogo reads its values against the message's end, not the run's.
                    long post = length(end);
                    while (pos < post) {
                        value(expected, end);
                    }
                    continue;
                }
                if (wireType != expected) {
                    throw new Refused("proto: wrong wireType = " + wireType + " for field " + goName(f));
                }
                if (expected != 2) {
                    value(expected, end);
                    continue;
                }
                long post = length(end);
                if (f.getType() == FieldDescriptor.Type.MESSAGE) {
                    message((int) pos, (int) post, f.getMessageType(), depth + 1);
                }
                pos = post;
            }
            if (pos > end) {
                throw new Refused(EOF);
            }
        }

        /** Reads one varint, fixed64 or fixed32 value (wire type 0, 1 or 5). */
        private void value(int wireType, int end) throws Refused {
            if (wireType == 0) {
                varint(end);
                return;
            }
            int size = wireType == 1 ? 8 : 4;
            if (pos + size > end) {
                throw new Refused(EOF);
            }
            pos += size;
        }

        /**
         * gogo's {@code skip}: the length of the unknown field whose tag is at {@link #pos}, groups
         * included (counted here rather than recursed into, so that deep groups cannot exhaust the
         * stack). Like gogo it does not check that a fixed value or a length stays inside the message:
         * its caller does.
         */
        private long skip(int end) throws Refused {
            long from = pos;
            int groups = 0;
            do {
                int wireType = (int) (varint(end) & 7);
                switch (wireType) {
                    case 0 -> varint(end);
                    case 1 -> pos += 8;
                    case 2 -> {
                        long length = varint(end);
                        if (length < 0) {
                            throw new Refused(NEGATIVE_LENGTH);
                        }
                        pos = Math.min(pos + length, end + 1L);
                    }
                    case 3 -> groups++;
                    case 4 -> groups = Math.max(0, groups - 1);
                    case 5 -> pos += 4;
                    default -> throw new Refused("proto: illegal wireType " + wireType);
                }
            } while (groups > 0);
            return pos - from;
        }

        /** Reads a length; returns where the bytes it counts end, {@link #pos} being where they start. */
        private long length(int end) throws Refused {
            long length = varint(end);
            if (length < 0) {
                throw new Refused(NEGATIVE_LENGTH);
            }
            if (length > end - pos) {
                throw new Refused(EOF);
            }
            return pos + length;
        }

        /** Reads a varint of at most ten bytes (a Go int's bits: the top bit makes it negative). */
        private long varint(int end) throws Refused {
            long value = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift >= 64) {
                    throw new Refused(OVERFLOW);
                }
                if (pos >= end) {
                    throw new Refused(EOF);
                }
                int b = data[(int) pos++];
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
        }
    }

    /** Expected wire type of a field's values: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. */
    private static int wireType(FieldDescriptor f) {
        return switch (f.getType()) {
            case FIXED64, SFIXED64, DOUBLE -> 1;
            case FIXED32, SFIXED32, FLOAT -> 5;
            case STRING, BYTES, MESSAGE -> 2;
            case GROUP -> 3;
            default -> 0;
        };
    }

    /** The Go type name of a message: nested messages are named {@code Outer_Inner}. */
    static String goName(Descriptor type) {
        StringBuilder name = new StringBuilder(type.getName());
        for (Descriptor p = type.getContainingType(); p != null; p = p.getContainingType()) {
            name.insert(0, p.getName() + "_");
        }
        return name.toString();
    }

    /**
     * The Go name of a field, by protoc-gen-go's CamelCase: an underscore before a lower-case letter is
     * dropped and the letter raised, other underscores stay, and each word's first letter is raised
     * ({@code remaining_TTL} → {@code Remaining_TTL}, {@code clientURLs} → {@code ClientURLs}).
     */
    static String goName(FieldDescriptor f) {
        String s = f.getName();
        StringBuilder t = new StringBuilder();
        int i = 0;
        if (s.charAt(0) == '_') {
            t.append('X');
            i++;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_' && i + 1 < s.length() && isLower(s.charAt(i + 1))) {
                continue;
            }
            if (Character.isDigit(c)) {
                t.append(c);
                continue;
            }
            t.append(isLower(c) ? (char) (c - 32) : c);
            while (i + 1 < s.length() && isLower(s.charAt(i + 1))) {
                t.append(s.charAt(++i));
            }
        }
        return t.toString();
    }

    private static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    /** A refusal, carrying gogo's error text; made without a stack trace, as it is an answer, not a fault. */
    private static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
