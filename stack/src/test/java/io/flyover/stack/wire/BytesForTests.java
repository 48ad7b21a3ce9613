package io.flyover.stack.wire;

import java.lang.foreign.ValueLayout;

/** Big-endian layouts for tests outside the wire package. */
public final class BytesForTests {
    public static final ValueLayout.OfInt INT = Bytes.INT;

    private BytesForTests() {}
}
