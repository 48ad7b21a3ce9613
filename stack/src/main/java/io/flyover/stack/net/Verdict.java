package io.flyover.stack.net;

import io.flyover.stack.DropReason;

/**
 * What input handlers answer for a packet, as an int so nothing is allocated: {@link #CONSUMED}
 * (handled; the caller releases the frame), {@link #KEPT} (handled; the handler owns the frame now),
 * or a {@link DropReason} ordinal (dropped; the caller counts it and releases the frame).
 */
public final class Verdict {
    public static final int CONSUMED = -1;
    public static final int KEPT = -2;

    private Verdict() {}

    public static int drop(DropReason reason) { return reason.ordinal(); }
    public static boolean isDrop(int verdict) { return verdict >= 0; }
}
