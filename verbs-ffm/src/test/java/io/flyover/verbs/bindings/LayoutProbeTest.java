package io.flyover.verbs.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.verbs.NativeToolchain;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.UnionLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Compiles a C program against the real {@code <infiniband/verbs.h>} that prints sizeof and offsetof
 * for every struct and every member of every layout in the bindings (found by walking the compiled
 * package, so a new struct is probed without touching this test), and the value of every enum
 * constant of {@link verbs_h}; then compares them field by field with the Java side: the layouts,
 * the generated {@code $OFFSET} constants and {@code SIZEOF}.
 */
class LayoutProbeTest {

    /** One member to check: C spelling of its path, Java offset and size. */
    private record Member(String struct, String cType, String cPath, String flatName, long offset, long size) {
        String key() {
            return struct + "|" + cPath;
        }
    }

    @Test
    void everyStructAndFieldMatchesTheHeader() throws Exception {
        NativeToolchain.assumeAvailable();
        List<Class<?>> structs = structClasses();
        assertTrue(structs.size() >= 30, "expected the generated struct classes, found " + structs);

        List<Member> members = new ArrayList<>();
        StringBuilder c = new StringBuilder("""
                #include <infiniband/verbs.h>
                #include <stddef.h>
                #include <stdio.h>
                #include <stdalign.h>
                #define M(T, K, P) printf("%s %zu %zu\\n", K, offsetof(T, P), sizeof(((T *)0)->P))
                int main(void) {
                """);
        for (Class<?> cls : structs) {
            GroupLayout layout = (GroupLayout) cls.getField("LAYOUT").get(null);
            String cType = (layout instanceof UnionLayout ? "union " : "struct ") + cls.getSimpleName();
            c.append("printf(\"%s %zu %zu\\n\", \"").append(cls.getSimpleName()).append("|\", sizeof(")
                    .append(cType).append("), alignof(").append(cType).append("));\n");
            walk(cls.getSimpleName(), cType, layout, "", "", 0, members);
        }
        for (Member m : members) {
            c.append("M(").append(m.cType).append(", \"").append(m.key()).append("\", ").append(m.cPath).append(");\n");
        }
        List<String> constants = constantNames();
        for (String k : constants) {
            c.append("printf(\"%s %lld 0\\n\", \"#").append(k).append("\", (long long) ").append(k).append(");\n");
        }
        c.append("return 0;\n}\n");

        Map<String, long[]> probed = parse(NativeToolchain.runProgram(NativeToolchain.compile("layout_probe", c.toString(), false)));

        int checked = 0;
        for (Class<?> cls : structs) {
            GroupLayout layout = (GroupLayout) cls.getField("LAYOUT").get(null);
            long[] whole = probed.get(cls.getSimpleName() + "|");
            assertEquals(whole[0], layout.byteSize(), "sizeof " + cls.getSimpleName());
            assertEquals(whole[1], layout.byteAlignment(), "alignof " + cls.getSimpleName());
            assertEquals(whole[0], cls.getField("SIZEOF").getLong(null), cls.getSimpleName() + ".SIZEOF");
            checked++;
        }
        Map<String, Member> byFlatName = new LinkedHashMap<>();
        for (Member m : members) {
            long[] p = probed.get(m.key());
            assertEquals(p[0], m.offset, "offsetof " + m.key());
            assertEquals(p[1], m.size, "sizeof " + m.key());
            byFlatName.put(m.struct + "." + m.flatName, m);
            checked++;
        }
        // The accessor constants the bindings actually use must agree with the header too.
        for (Class<?> cls : structs) {
            for (Field f : cls.getFields()) {
                if (f.getName().endsWith("$OFFSET")) {
                    String flat = f.getName().substring(0, f.getName().length() - "$OFFSET".length());
                    Member m = byFlatName.get(cls.getSimpleName() + "." + flat);
                    assertTrue(m != null, "no layout member for " + cls.getSimpleName() + "." + f.getName());
                    assertEquals(probed.get(m.key())[0], f.getLong(null), cls.getSimpleName() + "." + f.getName());
                    checked++;
                }
            }
        }
        for (String k : constants) {
            assertEquals(probed.get("#" + k)[0], (long) (int) verbs_h.class.getMethod(k).invoke(null), k);
            checked++;
        }
        System.out.println("layout probe: " + structs.size() + " structs, " + members.size() + " members, "
                + constants.size() + " constants; " + checked + " comparisons with <infiniband/verbs.h> passed");
    }

    private static void walk(String struct, String cType, GroupLayout group, String cPrefix, String flatPrefix,
                             long base, List<Member> out) {
        long offset = 0;
        for (MemoryLayout member : group.memberLayouts()) {
            long at = group instanceof UnionLayout ? 0 : offset;
            offset += member.byteSize();
            if (member instanceof PaddingLayout) {
                continue;
            }
            String name = member.name().orElseThrow(() -> new AssertionError("unnamed member in " + struct));
            boolean anonymous = name.startsWith("$anon");
            String cPath = anonymous ? cPrefix : cPrefix + name;
            String flat = anonymous ? flatPrefix : flatPrefix + name;
            if (!anonymous) {
                out.add(new Member(struct, cType, cPath, flat, base + at, member.byteSize()));
            }
            if (member instanceof GroupLayout inner && !(member instanceof SequenceLayout)) {
                walk(struct, cType, inner, anonymous ? cPrefix : cPath + ".", anonymous ? flatPrefix : flat + "_",
                        base + at, out);
            }
        }
    }

    private static Map<String, long[]> parse(String output) {
        Map<String, long[]> map = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 3) {
                map.put(parts[0], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
            }
        }
        return map;
    }

    private static List<String> constantNames() {
        List<String> names = new ArrayList<>();
        for (Method m : verbs_h.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && m.getName().startsWith("IBV_") && m.getParameterCount() == 0) {
                names.add(m.getName());
            }
        }
        names.sort(null);
        return names;
    }

    private static List<Class<?>> structClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(verbs_h.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/flyover/verbs/bindings");
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                String file = p.getFileName().toString();
                if (!file.endsWith(".class") || file.contains("$")) {
                    continue;
                }
                Class<?> cls = Class.forName("io.flyover.verbs.bindings." + file.substring(0, file.length() - 6));
                try {
                    if (cls.getField("LAYOUT").get(null) instanceof GroupLayout) {
                        classes.add(cls);
                    }
                } catch (NoSuchFieldException | IllegalAccessException e) {
                    // not a struct class (verbs_h, InlineVerbs, Libibverbs)
                }
            }
        }
        return classes;
    }
}
