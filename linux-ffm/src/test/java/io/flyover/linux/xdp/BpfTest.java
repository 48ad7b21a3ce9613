package io.flyover.linux.xdp;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.linux.sys.ErrnoException;
import io.flyover.linux.sys.Libc;
import io.flyover.linux.testing.Prerequisites;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bpf(2) calls on their own: the carried program verifies; a broken one fails with the verifier's words. */
class BpfTest {

    @BeforeEach
    void root() {
        Prerequisites.requireNetworkAdmin();
    }

    @Test
    void theRedirectProgramPassesTheVerifier() throws Exception {
        int map = Bpf.createXskMap("fl_test_xsks", 4);
        try {
            int prog = Bpf.loadXdpProgram("fl_test", XdpRedirectProgram.instructions(map), XdpRedirectProgram.LICENSE);
            assertTrue(prog >= 0);
            Libc.close(prog);
        } finally {
            Libc.close(map);
        }
    }

    @Test
    void aBrokenProgramIsRefusedWithTheVerifierLog() {
        // "exit" alone: r0 is returned without ever being written
        byte[] exitOnly = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> Bpf.loadXdpProgram("fl_broken", exitOnly, XdpRedirectProgram.LICENSE));
        assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_LOAD, XDP)"), e.getMessage());
        assertTrue(e.getSuppressed().length == 1 && e.getSuppressed()[0].getMessage().contains("R0 !read_ok"),
                () -> "verifier log attached: " + java.util.Arrays.toString(e.getSuppressed()));
    }

    @Test
    void aMapUpdateWithANonSocketValueNamesTheCall() throws Exception {
        int map = Bpf.createXskMap("fl_test_xsks", 4);
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Bpf.updateElement(map, 0, map));
            assertTrue(e.getMessage().startsWith("bpf(BPF_MAP_UPDATE_ELEM, key 0)"), e.getMessage());
        } finally {
            Libc.close(map);
        }
    }
}
