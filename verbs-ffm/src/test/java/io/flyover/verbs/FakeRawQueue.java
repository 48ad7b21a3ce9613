package io.flyover.verbs;

import java.lang.foreign.MemorySegment;

/** A {@link RawQueue} whose context, queue pair and completion queues come from the {@link FakeProvider}. */
final class FakeRawQueue implements RawQueue {
    static final int LKEY = 0x5151;
    static final int QP_NUM = 0x77;

    final FakeProvider fake;
    final MemorySegment context;
    final MemorySegment sendCq;
    final MemorySegment recvCq;
    final MemorySegment qp;
    private final int sendDepth;
    private final int recvDepth;
    private final int maxInline;
    private final boolean checksum;
    boolean closed;

    FakeRawQueue(FakeProvider fake, int sendDepth, int recvDepth, int maxInline, boolean checksum) {
        this.fake = fake;
        this.context = fake.open();
        this.sendCq = fake.createCq(context, sendDepth);
        this.recvCq = fake.createCq(context, recvDepth);
        this.qp = fake.createQp(context, sendCq, recvCq, QP_NUM);
        this.sendDepth = sendDepth;
        this.recvDepth = recvDepth;
        this.maxInline = maxInline;
        this.checksum = checksum;
    }

    @Override public MemorySegment qp() { return qp; }
    @Override public MemorySegment sendCq() { return sendCq; }
    @Override public MemorySegment recvCq() { return recvCq; }
    @Override public int lkey() { return LKEY; }
    @Override public int sendDepth() { return sendDepth; }
    @Override public int recvDepth() { return recvDepth; }
    @Override public int maxInlineData() { return maxInline; }
    @Override public int portNumber() { return 1; }
    @Override public boolean checksumOffload() { return checksum; }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            fake.destroyQp(qp);
            fake.destroyCq(sendCq);
            fake.destroyCq(recvCq);
            fake.close(context);
        }
    }
}
