package io.flyover.linux.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class PrerequisitesTest {

    @Test
    void nothingMissingLetsTheTestRun() {
        assertDoesNotThrow(() -> Prerequisites.verdict(List.of(), true));
        assertDoesNotThrow(() -> Prerequisites.verdict(List.of(), false));
    }

    @Test
    void outsideCiAMissingPieceSkipsWithOneLine() {
        TestAbortedException e = assertThrows(TestAbortedException.class,
                () -> Prerequisites.verdict(List.of("root", "/dev/net/tun"), false));
        assertEquals("Linux interop test needs root, /dev/net/tun; skipped", e.getMessage());
    }

    @Test
    void underCiAMissingPieceFails() {
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> Prerequisites.verdict(List.of("root"), true));
        assertEquals("Linux interop test needs root (CI=true: a skip is a failure)", e.getMessage());
    }
}
