package io.flyover.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is the registry ({@link SettingKeys#ALL}): every key has its row,
 * with the registry's environment variable, values, default, profile values and meaning, and the table
 * names no key the registry lacks. When a key is added, {@link #main} prints the rows to paste.
 */
class ConfigurationTableTest {
    @Test
    void theReadmeTableListsEveryKeyOfTheRegistry() throws IOException {
        List<String> table = tableRows(readme());
        List<String> missing = new ArrayList<>();
        for (SettingKeys.Key k : SettingKeys.ALL) {
            if (!table.contains(row(k))) {
                missing.add(row(k));
            }
        }
        assertEquals(List.of(), missing, "README.md's ## Configuration table lacks (or differs from) these registry rows");
        for (String r : table) {
            String key = r.substring(3, r.indexOf('`', 3));
            assertTrue(SettingKeys.find(key) != null, "the README lists " + key + ", which the registry does not have");
        }
        assertEquals(SettingKeys.ALL.size(), table.size());
    }

    /** The table's rows: lines of the "## Configuration" section that start with a key. */
    static List<String> tableRows(List<String> readme) {
        List<String> rows = new ArrayList<>();
        boolean inSection = false;
        for (String line : readme) {
            if (line.startsWith("## ")) {
                inSection = line.equals("## Configuration");
            } else if (inSection && line.startsWith("| `flyover.")) {
                rows.add(line.strip());
            }
        }
        return rows;
    }

    static String row(SettingKeys.Key k) {
        return "| `" + k.name() + "` | `" + k.environmentName() + "` | " + values(k) + " | " + cell(k.defaultValue(), "unset")
                + " | " + cell(k.latency(), "") + " | " + cell(k.throughput(), "") + " | " + k.description() + " |";
    }

    private static String values(SettingKeys.Key k) {
        return switch (k.type()) {
            case BOOLEAN -> "true, false";
            case NUMBER -> k.min() + " to " + k.max() + (k.name().equals(SettingKeys.LOOPBACK_FRAME_SIZE) ? ", a power of two" : "");
            case CHOICE -> String.join(", ", k.allowed().stream().map(v -> "`" + v + "`").toList());
            case TEXT -> "text";
        };
    }

    private static String cell(String value, String none) {
        return value == null ? none : "`" + value + "`";
    }

    private static List<String> readme() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "README.md above " + Path.of("").toAbsolutePath());
        return Files.readAllLines(dir.resolve("README.md"));
    }

    /** Prints the table to paste into the README. */
    public static void main(String[] args) {
        System.out.println("| Key | Environment | Values | Default | `latency` | `throughput` | Meaning |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (SettingKeys.Key k : SettingKeys.ALL) {
            System.out.println(row(k));
        }
    }
}
