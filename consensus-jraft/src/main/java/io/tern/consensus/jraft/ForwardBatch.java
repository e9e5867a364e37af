package io.tern.consensus.jraft;

import io.tern.spi.consensus.ConsensusException;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of a batch of forwarded proposals and of the leader's answer, one outcome per
 * proposal in the same order:
 * <pre>
 *  request:  count, then per proposal: length, command bytes
 *  reply:    count, then per outcome:  0, log index, length, encoded result
 *                                   or 1, reason name, message
 * </pre>
 */
final class ForwardBatch {
    private ForwardBatch() {
    }

    /** One proposal's outcome on the leader: applied at {@code index} with {@code result}, or {@code failure}. */
    record Outcome(long index, byte[] result, ConsensusException failure) {
        static Outcome applied(long index, byte[] result) {
            return new Outcome(index, result, null);
        }

        static Outcome failed(ConsensusException failure) {
            return new Outcome(0, null, failure);
        }
    }

    static byte[] request(List<byte[]> commands) {
        return write(out -> {
            out.writeInt(commands.size());
            for (byte[] c : commands) {
                out.writeInt(c.length);
                out.write(c);
            }
        });
    }

    static List<byte[]> commands(byte[] request) {
        return read(request, in -> {
            int n = in.readInt();
            List<byte[]> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] c = new byte[in.readInt()];
                in.readFully(c);
                out.add(c);
            }
            return out;
        });
    }

    static byte[] reply(List<Outcome> outcomes) {
        return write(out -> {
            out.writeInt(outcomes.size());
            for (Outcome o : outcomes) {
                if (o.failure() == null) {
                    out.writeByte(0);
                    out.writeLong(o.index());
                    out.writeInt(o.result().length);
                    out.write(o.result());
                } else {
                    out.writeByte(1);
                    out.writeUTF(o.failure().reason().name());
                    out.writeUTF(String.valueOf(o.failure().getMessage()));
                }
            }
        });
    }

    static List<Outcome> outcomes(byte[] reply) {
        return read(reply, in -> {
            int n = in.readInt();
            List<Outcome> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (in.readByte() == 0) {
                    long index = in.readLong();
                    byte[] r = new byte[in.readInt()];
                    in.readFully(r);
                    out.add(Outcome.applied(index, r));
                } else {
                    ConsensusException.Reason reason = ConsensusException.Reason.valueOf(in.readUTF());
                    out.add(Outcome.failed(new ConsensusException(reason, in.readUTF())));
                }
            }
            return out;
        });
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] data, Reader<T> r) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            return r.read(in);
        } catch (IOException e) {
            throw new IllegalStateException("undecodable forward batch", e);
        }
    }
}
