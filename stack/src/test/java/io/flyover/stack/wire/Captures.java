package io.flyover.stack.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Frames captured from real Linux traffic (see the header of each resource for how). */
public final class Captures {
    private Captures() {}

    /** The frames of a hex resource, one per non-comment line. */
    public static List<byte[]> load(String resource) {
        List<byte[]> frames = new ArrayList<>();
        try (InputStream in = Captures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                line = line.strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    frames.add(HexFormat.of().parseHex(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return frames;
    }

    public static List<byte[]> linuxVeth() {
        return load("/captures/linux-veth.hex");
    }

    public static MemorySegment segment(byte[] bytes) {
        return MemorySegment.ofArray(bytes.clone());
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }
}
