package io.flyover.verbs;

import java.lang.foreign.MemorySegment;

/**
 * The native objects behind one RAW_PACKET queue pair, however they were made: by libibverbs on a real
 * NIC ({@link VerbsRawQueue}) or by a test's fake provider. {@link VerbsNetDevice} drives its data
 * path only through these pointers and the function pointers their context holds, so the same code
 * runs against both.
 */
public interface RawQueue extends AutoCloseable {

    /** The {@code struct ibv_qp}, in state RTS. */
    MemorySegment qp();

    /** The completion queue of the send queue. */
    MemorySegment sendCq();

    /** The completion queue of the receive queue. */
    MemorySegment recvCq();

    /** The local key of the memory registration covering the frame pool's whole region. */
    int lkey();

    /** Send work requests the queue pair holds ({@code cap.max_send_wr} as created). */
    int sendDepth();

    /** Receive work requests the queue pair holds ({@code cap.max_recv_wr} as created). */
    int recvDepth();

    /** The largest frame the provider copies inline into the send descriptor ({@code cap.max_inline_data}). */
    int maxInlineData();

    /** The device port the queue pair is bound to (1-based), for flow rules. */
    int portNumber();

    /** Whether the device computes IPv4 and TCP/UDP checksums on send ({@code IBV_DEVICE_RAW_IP_CSUM}). */
    boolean checksumOffload();

    /** The completion channel the receive CQ reports to, or NULL when there is none. */
    default MemorySegment completionChannel() {
        return MemorySegment.NULL;
    }

    /** Destroys the queue pair, completion queues, registration, protection domain and context. Idempotent. */
    @Override
    void close();
}
