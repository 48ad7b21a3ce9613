package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The timer heap files a connection at its deadline or earlier: a deadline that moves later leaves it
 * in place, the early time re-files it without firing anything, and the true deadline still fires.
 */
class TimerFilingTest extends TcpTestBase {
    private static final long RTO = 200_000_000L; // the floor: the handshake measured a zero RTT

    @Test
    void aRestartedRetransmissionTimerStaysFiledEarlyUntilThatTimeAndFiresOnlyAtItsTrueDeadline() {
        TcpConnection c = established();
        c.setNoDelay(true);
        c.write("a".getBytes(), 0, 1);
        layer.poll(now);
        c.write("b".getBytes(), 0, 1);
        layer.poll(now);
        expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("a"),
                Seg.of(ACK | PSH, c.iss + 2, REMOTE_ISN + 1).payload("b"));
        long first = now + RTO;
        assertEquals(first, layer.nextDeadline());

        advance(100_000_000L);
        send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2)); // "a" acknowledged: the timer restarts for "b" (RFC 6298 §5.3)
        expectNothing();
        long second = now + RTO;
        assertEquals(second, c.nextDeadline());
        assertEquals(first, layer.nextDeadline(), "moved later: the heap keeps the earlier filing");

        advance(first - now);
        expectNothing(); // the early time: nothing is due
        assertEquals(second, layer.nextDeadline(), "re-filed at the true deadline");

        advance(second - now - 1);
        expectNothing();
        advance(1);
        expect(Seg.of(ACK | PSH, c.iss + 2, REMOTE_ISN + 1).payload("b")); // the retransmission, on time
    }

    @Test
    void aDeadlineThatMovesEarlierIsFiledAtOnce() {
        TcpConnection c = established();
        c.write("a".getBytes(), 0, 1);
        layer.poll(now);
        expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("a"));
        assertEquals(now + RTO, layer.nextDeadline());

        c.quickAcks = 0; // past the quick acknowledgements that follow the handshake
        send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("x")); // held for the delayed ACK
        expectNothing();
        assertEquals(now + settings.delayedAckNanos, c.nextDeadline());
        assertEquals(c.nextDeadline(), layer.nextDeadline());
    }
}
