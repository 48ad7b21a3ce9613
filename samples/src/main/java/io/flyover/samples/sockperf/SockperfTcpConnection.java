package io.flyover.samples.sockperf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One sockperf client over TCP: the stream is cut into messages by their length field, replies queue
 * in an output buffer, and a client that does not read its replies is not read further (no unbounded
 * queue). A message with an impossible length ends the connection, as sockperf's own server does.
 */
final class SockperfTcpConnection {
    private final ByteBuffer in = ByteBuffer.allocateDirect(2 * SockperfMessage.MAX_BYTES); // fill mode
    private final ByteBuffer out = ByteBuffer.allocateDirect(2 * SockperfMessage.MAX_BYTES); // fill mode
    private final SequenceCheck sequence = new SequenceCheck();
    private final SockperfCounters counters;
    private boolean inputDone;

    SockperfTcpConnection(SockperfCounters counters) {
        this.counters = counters;
    }

    long messages() {
        return sequence.messages;
    }

    /**
     * Reads, answers and writes what the key is ready for.
     *
     * @return false once the connection is finished (the caller closes it)
     */
    boolean serve(SelectionKey key) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        if (key.isReadable() && channel.read(in) < 0) {
            inputDone = true;
        }
        boolean wellFormed = answerCompleteMessages();
        flush(channel);
        if (!wellFormed) {
            counters.malformed++;
            return false;
        }
        boolean unsent = out.position() > 0;
        if (inputDone && !unsent) {
            return false; // a partial message left at the client's FIN has nobody to answer
        }
        key.interestOps((unsent ? SelectionKey.OP_WRITE : 0) | (!inputDone && in.hasRemaining() ? SelectionKey.OP_READ : 0));
        return true;
    }

    /** Answers every whole message in {@code in} that the output buffer has room for; false on a bad length. */
    private boolean answerCompleteMessages() {
        in.flip();
        try {
            while (in.remaining() >= SockperfMessage.HEADER_BYTES) {
                int at = in.position();
                int length = SockperfMessage.length(in, at);
                if (!SockperfMessage.isValidLength(length)) {
                    return false;
                }
                if (in.remaining() < length) {
                    break;
                }
                if (SockperfMessage.wantsReply(in, at) && out.remaining() < length) {
                    break; // the reply would not fit: wait until the client reads
                }
                if (SockperfServer.answer(in, at, sequence, counters)) {
                    out.put(out.position(), in, at, length);
                    out.position(out.position() + length);
                    counters.replies++;
                }
                in.position(at + length);
            }
            return true;
        } finally {
            in.compact();
        }
    }

    private void flush(SocketChannel channel) throws IOException {
        if (out.position() > 0) {
            out.flip();
            channel.write(out);
            out.compact();
        }
    }
}
