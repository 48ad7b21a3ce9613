package io.flyover.provider.config;

import io.flyover.provider.runtime.SecureRandomSource;
import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.LoopbackDevice;

/**
 * The in-process loopback stack that serves 127.0.0.0/8 and ::1 when {@code flyover.loopback.offload}
 * is on: one {@link Stack} over a {@link LoopbackDevice}, client and server of the same process talking
 * through it without the kernel.
 */
final class LoopbackStacks {
    /** Frames of the loopback pool; with {@link #DEFAULT_FRAME_SIZE} 64 MiB (32 KiB TCP segments, as loopback wants big ones). */
    private static final int DEFAULT_FRAMES = 2048;
    private static final int DEFAULT_FRAME_SIZE = 32 * 1024;

    private LoopbackStacks() {}

    static StackRuntime open(Settings settings) {
        int frames = (int) settings.getLong(SettingKeys.LOOPBACK_FRAMES, DEFAULT_FRAMES);
        int frameSize = (int) settings.getLong(SettingKeys.LOOPBACK_FRAME_SIZE, DEFAULT_FRAME_SIZE);
        FramePool pool = FramePool.allocate(frames, frameSize, FramePool.DEFAULT_HEADROOM);
        NetDevice device;
        try {
            device = PcapCapture.wrap(new LoopbackDevice(pool), "lo", settings);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        Stack stack = new Stack(StackConfig.builder().loopback().build(), device, new SecureRandomSource());
        return new StackRuntime("lo", stack, true, System::nanoTime, () -> {
            device.close();
            pool.close();
        });
    }
}
