package io.flyover.stack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Urgent data (RFC 9293 §3.8.5) as Linux sends and receives it: the pointer one past the urgent byte
 * (RFC 6093 §3-4), URG on every segment before SND.UP until it is acknowledged, the urgent byte skipped by
 * the reader unless SO_OOBINLINE, reads stopping at the mark, only the newest urgent byte special.
 */
class TcpUrgentDataTest extends TcpTestBase {

    static String read(TcpConnection c) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        c.read(b);
        b.flip();
        return StandardCharsets.US_ASCII.decode(b).toString();
    }

    static String readAll(TcpConnection c) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            sb.append(read(c));
        }
        return sb.toString();
    }

    @Nested
    class Sending {
        @Test
        void urgentByteJoinsTheStreamWithThePointerPastIt() {
            TcpConnection c = established();
            c.write("ab".getBytes(), 0, 2);
            assertEquals(1, c.writeUrgent((byte) '!'));
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("ab!").urgent(3));
        }

        @Test
        void everySegmentBeforeTheUrgentPointerCarriesUrg() {
            TcpConnection c = established();
            byte[] data = new byte[2000];
            Arrays.fill(data, (byte) 'x');
            c.write(data, 0, data.length);
            c.writeUrgent((byte) '!');
            layer.poll(now);
            byte[] second = Arrays.copyOf(Arrays.copyOfRange(data, 1460, 2001), 541);
            second[540] = '!';
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1).payload(Arrays.copyOf(data, 1460)).urgent(2001),
                    Seg.of(ACK | PSH, c.iss + 1461, REMOTE_ISN + 1).payload(second).urgent(541));
        }

        @Test
        void anUrgentPointerBeyond16BitsIsSentAsTheFarthestItCanBe() {
            settings.sendBufferSize = 100_000;
            TcpConnection c = established();
            byte[] data = new byte[70_000];
            assertEquals(data.length, c.write(data, 0, data.length));
            c.writeUrgent((byte) '!');
            layer.poll(now);
            assertTrue(!out.sent.isEmpty());
            for (Seg s : out.sent) {
                // SND.UP is 70001 - (SEG.SEQ - ISS - 1) ahead: more than 0xFFFF for every segment the window allows
                assertEquals(URG, s.flags & URG, s.toString());
                assertEquals(0xFFFF, s.urgentPointer, s.toString());
            }
            out.sent.clear();
        }

        @Test
        void urgentModeEndsWhenTheUrgentByteIsAcknowledged() {
            TcpConnection c = established();
            c.writeUrgent((byte) '!');
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("!").urgent(1));
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 2));
            c.write("z".getBytes(), 0, 1);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 2, REMOTE_ISN + 1).payload("z"));
        }

        @Test
        void urgentModeOverridesNagle() {
            TcpConnection c = established();
            c.write("a".getBytes(), 0, 1);
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 1, REMOTE_ISN + 1).payload("a"));
            c.writeUrgent((byte) '!'); // "a" is unacknowledged: Nagle alone would hold this byte
            layer.poll(now);
            expect(Seg.of(ACK | PSH, c.iss + 2, REMOTE_ISN + 1).payload("!").urgent(1));
        }

        @Test
        void aZeroWindowStillCarriesTheUrgentNotificationOnAcks() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).window(0));
            c.writeUrgent((byte) '!');
            layer.poll(now);
            expectNothing();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).window(0).payload("q"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 2).window(WINDOW - 1).urgent(1));
        }

        @Test
        void writeUrgentOnAFullBufferAnswersZero() {
            TcpConnection c = established();
            byte[] full = new byte[WINDOW];
            assertEquals(WINDOW, c.write(full, 0, full.length));
            assertEquals(0, c.writeUrgent((byte) 1));
        }

        @Test
        void writeUrgentAfterShutdownFails() {
            TcpConnection c = established();
            c.shutdownOutput();
            assertEquals(TcpConnection.FAILED, c.writeUrgent((byte) 1));
        }
    }

    @Nested
    class Receiving {
        @Test
        void theUrgentByteIsSkippedAndReadsStopAtIt() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("ab!").urgent(3));
            // RCV.NXT and the window count the urgent byte like any other
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 4).window(WINDOW - 3));
            assertEquals(3, c.bytesToRead());
            assertEquals(2, c.bytesAvailable()); // FIONREAD stops at the mark (Linux's tcp_inq)
            assertEquals("ab", read(c));
            assertEquals(0, c.bytesAvailable());
            assertFalse(c.isReadable(), "only the urgent byte is left: not readable, as Linux's tcp_poll");
            assertEquals("", read(c));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 4, c.iss + 1).payload("cd"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 6).window(WINDOW - 5));
            assertTrue(c.isReadable());
            assertEquals("cd", read(c));
        }

        @Test
        void theUrgentByteIsSkippedWhenTheFinFollows() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("ab!").urgent(3));
            send(Seg.of(ACK | PSH | FIN, REMOTE_ISN + 4, c.iss + 1).payload("cd"));
            assertEquals("abcd", readAll(c));
            assertEquals(TcpConnection.EOF, c.read(ByteBuffer.allocate(4)));
        }

        @Test
        void oobInlineKeepsTheUrgentByteInTheStream() {
            settings.oobInline = true;
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("ab!").urgent(3));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 4, c.iss + 1).payload("cd"));
            assertEquals("ab", read(c)); // the read still stops at the mark
            assertEquals("!cd", read(c));
        }

        @Test
        void oobInlineCanBeSwitchedOnAnOpenConnection() {
            TcpConnection c = established();
            TcpSettings inline = settings.clone();
            inline.oobInline = true;
            c.updateOptions(inline, now);
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("a!b").urgent(2));
            assertEquals("a!b", readAll(c));
        }

        @Test
        void theUrgentPointerMayArriveBeforeItsByte() {
            TcpConnection c = established();
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).urgent(5)); // no data: the 5th byte to come is urgent
            expectNothing();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("abcdef"));
            assertEquals("abcd", read(c));
            assertEquals("f", read(c));
        }

        @Test
        void anUrgentByteArrivingOutOfOrderIsSkippedOnceTheHoleFills() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 4, c.iss + 1).payload("de!").urgent(3));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 1));
            assertFalse(c.isReadable());
            send(Seg.of(ACK, REMOTE_ISN + 1, c.iss + 1).payload("abc"));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 7).window(WINDOW - 6));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 7, c.iss + 1).payload("fg"));
            assertEquals("abcdefg", readAll(c));
        }

        @Test
        void onlyTheNewestUrgentByteIsSpecial() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("a!").urgent(2));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 3, c.iss + 1).payload("b?").urgent(2));
            // The first urgent byte was overtaken before the reader reached it: it is data again (Linux).
            assertEquals("a!b", readAll(c));
        }

        @Test
        void anUrgentByteTheReaderStandsAtStaysSkippedWhenANewerOneArrives() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("a!").urgent(2));
            assertEquals("a", read(c));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 3, c.iss + 1).payload("b?c").urgent(2));
            assertEquals("bc", readAll(c));
        }

        @Test
        void aRetransmittedUrgentSegmentDoesNotMarkAgain() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("xy").urgent(1));
            assertEquals("y", readAll(c)); // 'x' is the urgent byte
            // The whole segment again, then its bytes continue: nothing more is taken out.
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("xy").urgent(1));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 3, c.iss + 1).payload("z"));
            assertEquals("z", readAll(c));
        }

        @Test
        void aZeroUrgentPointerNamesTheFirstByteOfTheSegment() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("xyz").urgent(0));
            assertEquals("yz", readAll(c));
        }

        @Test
        void aPointerFarBeyondTheDataIsOnlyWaitedFor() {
            TcpConnection c = established();
            send(Seg.of(ACK | PSH, REMOTE_ISN + 1, c.iss + 1).payload("abc").urgent(0xFFFF));
            expect(Seg.of(ACK, c.iss + 1, REMOTE_ISN + 4).window(WINDOW - 3));
            assertEquals("abc", readAll(c));
            send(Seg.of(ACK | PSH, REMOTE_ISN + 4, c.iss + 1).payload("def"));
            assertEquals("def", readAll(c));
            assertEquals(0, layer.dropCount(io.flyover.stack.DropReason.TCP_OUT_OF_WINDOW));
        }

        @Test
        void urgAfterThePeersFinIsIgnored() {
            TcpConnection c = closeWait();
            send(Seg.of(ACK | URG, REMOTE_ISN + 2, c.iss + 1).urgent(1));
            assertEquals("", read(c));
            assertEquals(TcpConnection.EOF, c.read(ByteBuffer.allocate(4)));
        }
    }
}
