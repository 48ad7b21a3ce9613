package io.flyover.linux.interop;

import io.flyover.linux.testing.StackOnLink;

/** A Flyover stack on a TAP device whose interface is the kernel peer inside the namespace. */
class TapStackInteropTest extends StackInteropContract {

    @Override
    protected StackOnLink open() throws Exception {
        return StackOnLink.open(StackOnLink.Kind.TAP, "it", 61);
    }
}
