package io.flyover.verbs.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flyover.verbs.VerbsException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The real libibverbs.so.1: loaded, and its device list read (empty on a machine without RDMA). */
class LibibverbsTest {

    @Test
    void realLibraryLoadsAndEnumeratesDevices() throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libibverbs.so.1"))
                        || Files.exists(Path.of("/usr/lib64/libibverbs.so.1")) || Files.exists(Path.of("/usr/lib/libibverbs.so.1")),
                "skipped: libibverbs.so.1 is not installed (Debian: libibverbs1)");
        Libibverbs.load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = verbs_h.errnoState(arena);
            MemorySegment num = arena.allocate(ValueLayout.JAVA_INT);
            num.set(ValueLayout.JAVA_INT, 0, -1);
            MemorySegment list = verbs_h.ibv_get_device_list(errno, num);
            int count = num.get(ValueLayout.JAVA_INT, 0);
            if (list.equals(MemorySegment.NULL)) {
                System.out.println("libibverbs.so.1 loaded; ibv_get_device_list found 0 RDMA devices: it returned NULL with errno "
                        + verbs_h.errno(errno) + (verbs_h.errno(errno) == 38 ? " (ENOSYS: this kernel has no ib_uverbs)" : ""));
                assertNotEquals(0, verbs_h.errno(errno), "a NULL list comes with an errno");
                return;
            }
            MemorySegment devices = list.reinterpret(ValueLayout.ADDRESS.byteSize() * (count + 1L));
            StringBuilder names = new StringBuilder();
            for (int i = 0; i < count; i++) {
                MemorySegment dev = devices.getAtIndex(ValueLayout.ADDRESS, i);
                names.append(' ').append(verbs_h.ibv_get_device_name(dev).reinterpret(64).getString(0));
            }
            assertEquals(MemorySegment.NULL, devices.getAtIndex(ValueLayout.ADDRESS, count), "the list is NULL-terminated");
            verbs_h.ibv_free_device_list(list);
            System.out.println("libibverbs.so.1 loaded; ibv_get_device_list found " + count + " RDMA device(s):" + names);
            assertTrue(count >= 0);
            boolean sysfsHasDevices = Files.isDirectory(Path.of("/sys/class/infiniband"));
            if (!sysfsHasDevices) {
                assertEquals(0, count, "no /sys/class/infiniband, so no devices");
            }
        }
    }

    @Test
    void statusStringsComeFromTheLibrary() throws Exception {
        assumeTrue(Libibverbs.isAvailable(), "skipped: libibverbs.so.1 is not installed");
        assertEquals("success", verbs_h.ibv_wc_status_str(verbs_h.IBV_WC_SUCCESS()).reinterpret(64).getString(0));
        assertEquals("Work Request Flushed Error",
                verbs_h.ibv_wc_status_str(verbs_h.IBV_WC_WR_FLUSH_ERR()).reinterpret(64).getString(0));
    }

    @Test
    void aMissingLibraryIsOneClearException() {
        VerbsException e = assertThrows(VerbsException.class, () -> Libibverbs.open("libibverbs-flyover-missing.so.9"));
        assertTrue(e.getMessage().contains("cannot load libibverbs-flyover-missing.so.9"), e.getMessage());
        assertTrue(e.getMessage().contains("libibverbs1"), "says what to install: " + e.getMessage());
    }
}
