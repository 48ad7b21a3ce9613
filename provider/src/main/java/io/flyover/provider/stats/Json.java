package io.flyover.provider.stats;

/** A small JSON writer for {@code flyover-stat --json}: objects, arrays, strings, numbers; no dependency. */
final class Json {
    private final StringBuilder out = new StringBuilder();
    /** Whether the container being written needs a comma before its next member. */
    private boolean needComma;

    Json beginObject() {
        separate();
        out.append('{');
        needComma = false;
        return this;
    }

    Json endObject() {
        out.append('}');
        needComma = true;
        return this;
    }

    Json beginArray() {
        separate();
        out.append('[');
        needComma = false;
        return this;
    }

    Json endArray() {
        out.append(']');
        needComma = true;
        return this;
    }

    /** A member name; the value follows. */
    Json name(String name) {
        separate();
        string(name);
        out.append(':');
        needComma = false;
        return this;
    }

    Json value(String s) {
        separate();
        if (s == null) {
            out.append("null");
        } else {
            string(s);
        }
        needComma = true;
        return this;
    }

    Json value(long v) {
        separate();
        out.append(v);
        needComma = true;
        return this;
    }

    Json value(double v) {
        separate();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            out.append("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
        } else {
            out.append(v);
        }
        needComma = true;
        return this;
    }

    Json value(boolean v) {
        separate();
        out.append(v);
        needComma = true;
        return this;
    }

    Json field(String name, String v) { return name(name).value(v); }
    Json field(String name, long v) { return name(name).value(v); }
    Json field(String name, double v) { return name(name).value(v); }
    Json field(String name, boolean v) { return name(name).value(v); }

    private void separate() {
        if (needComma) {
            out.append(',');
            needComma = false;
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
