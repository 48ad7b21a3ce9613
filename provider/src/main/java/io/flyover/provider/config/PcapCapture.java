package io.flyover.provider.config;

import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.soft.PcapTap;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Packet capture ({@code flyover.pcap.dir}): each stack's device is wrapped in a {@link PcapTap} that
 * records every frame the stack receives and sends into {@code <dir>/flyover-<pid>-<interface>.pcap},
 * readable by {@code tcpdump -r} and Wireshark (as Onload's {@code onload_tcpdump} shows what the
 * kernel's tcpdump cannot see). Records are written when the tap's buffer fills and when the provider
 * closes.
 */
final class PcapCapture {
    private PcapCapture() {}

    /** {@code device} itself, or a tap around it when capture is on. */
    static NetDevice wrap(NetDevice device, String interfaceName, Settings settings) {
        Optional<String> dir = settings.get(SettingKeys.PCAP_DIR);
        if (dir.isEmpty()) {
            return device;
        }
        Path file = file(Path.of(dir.get()), interfaceName);
        try {
            Files.createDirectories(file.getParent());
            return PcapTap.toFile(device, file);
        } catch (IOException e) {
            throw new UncheckedIOException(SettingKeys.PCAP_DIR + "=" + dir.get() + ": cannot create " + file, e);
        }
    }

    /** Where the stack serving {@code interfaceName} of this process records. */
    static Path file(Path dir, String interfaceName) {
        return dir.resolve("flyover-" + ProcessHandle.current().pid() + "-" + interfaceName + ".pcap");
    }
}
