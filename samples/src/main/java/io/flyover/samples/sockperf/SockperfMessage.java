package io.flyover.samples.sockperf;

import java.nio.ByteBuffer;

/**
 * The header every sockperf message starts with, read and written in place in a {@link ByteBuffer}
 * (absolute accessors, big-endian, no copies). Layout, as sockperf's client sends it (seen on the wire
 * and in sockperf's {@code MsgHeader}):
 * <pre>
 *   offset  size  field
 *        0     8  sequence number, counted up by the client from 1
 *        8     2  flags: 1 = sent by a client, 2 = the client wants this message back, 4 = warm-up
 *       10     4  length of the whole message, this header included (14 ... 65507)
 *       14     .  payload (the client's bytes, echoed unchanged)
 * </pre>
 * Over UDP each datagram is one message; over TCP the length field frames messages in the stream.
 */
public final class SockperfMessage {
    public static final int HEADER_BYTES = 14;
    /** sockperf's own limit on {@code --msg-size}: the largest UDP payload over IPv4. */
    public static final int MAX_BYTES = 65_507;

    static final int SEQUENCE = 0;
    static final int FLAGS = 8;
    static final int LENGTH = 10;

    static final int FLAG_CLIENT = 1;
    static final int FLAG_PONG_REQUEST = 2;
    static final int FLAG_WARMUP = 4;

    private SockperfMessage() {}

    /** The declared length of the message at {@code at}; callers check it against {@link #isValidLength}. */
    public static int length(ByteBuffer b, int at) {
        return b.getInt(at + LENGTH);
    }

    public static boolean isValidLength(int length) {
        return length >= HEADER_BYTES && length <= MAX_BYTES;
    }

    public static long sequence(ByteBuffer b, int at) {
        return b.getLong(at + SEQUENCE);
    }

    public static boolean isFromClient(ByteBuffer b, int at) {
        return (flags(b, at) & FLAG_CLIENT) != 0;
    }

    public static boolean isWarmup(ByteBuffer b, int at) {
        return (flags(b, at) & FLAG_WARMUP) != 0;
    }

    public static boolean wantsReply(ByteBuffer b, int at) {
        return (flags(b, at) & FLAG_PONG_REQUEST) != 0;
    }

    /** Turns the client's message into the server's reply: same bytes, the client flag cleared. */
    public static void markAsReply(ByteBuffer b, int at) {
        b.putShort(at + FLAGS, (short) (flags(b, at) & ~FLAG_CLIENT));
    }

    /** Writes a header at {@code at} (what a client sends; tests use it). */
    public static void writeHeader(ByteBuffer b, int at, long sequence, int flags, int length) {
        b.putLong(at + SEQUENCE, sequence);
        b.putShort(at + FLAGS, (short) flags);
        b.putInt(at + LENGTH, length);
    }

    private static int flags(ByteBuffer b, int at) {
        return b.getShort(at + FLAGS) & 0xFFFF;
    }
}
