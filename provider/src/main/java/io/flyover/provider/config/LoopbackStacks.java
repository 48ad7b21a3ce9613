package io.flyover.provider.config;

import io.flyover.provider.runtime.SecureRandomSource;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.soft.LoopbackDevice;

/**
 * The in-process loopback stack that serves 127.0.0.0/8 and ::1 when {@code flyover.loopback.offload}
 * is on: one {@link Stack} over a {@link LoopbackDevice}, client and server of the same process talking
 * through it without the kernel.
 */
final class LoopbackStacks {
    private static final int DEFAULT_FRAMES = 8192;

    private LoopbackStacks() {}

    static StackRuntime open(Settings settings) {
        int frames = (int) settings.getLong(SettingKeys.FRAMES, DEFAULT_FRAMES);
        FramePool pool = FramePool.allocate(frames);
        LoopbackDevice device = new LoopbackDevice(pool);
        Stack stack = new Stack(StackConfig.builder().loopback().build(), device, new SecureRandomSource());
        return new StackRuntime("lo", stack, true, System::nanoTime, () -> {
            device.close();
            pool.close();
        });
    }
}
