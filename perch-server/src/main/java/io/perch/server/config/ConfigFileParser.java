package io.perch.server.config;

import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads EMQ X 4-style config text: {@code key = value} lines, {@code #} comments, blank lines.
 * The line splits at its first {@code =}; everything after it (trimmed) is the value, so JSON
 * rule values such as {@code {"topic": "#", "action": {"commands": ["SET a=b"]}}} survive
 * intact. There are no trailing comments: {@code #} is a topic wildcard inside values.
 */
public final class ConfigFileParser {
    private ConfigFileParser() {
    }

    /** Entries of one file in line order. {@code name} is how errors name the file. */
    public static List<ConfigEntry> parse(Path file, String name) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name + ": config file not found");
        } catch (MalformedInputException e) {
            throw new ConfigException(name + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read: " + e.getMessage());
        }
        return parseLines(lines, name);
    }

    public static List<ConfigEntry> parseLines(List<String> lines, String name) {
        List<ConfigEntry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            entries.add(entry(trimmed, name, i + 1));
        }
        return entries;
    }

    /** A {@code --set key=value} override: file "--set", line 0. */
    public static ConfigEntry parseOverride(String arg) {
        int eq = arg.indexOf('=');
        if (eq < 0) {
            throw new ConfigException("--set " + arg + ": expected key=value");
        }
        String key = arg.substring(0, eq).strip();
        checkKey(key, "--set " + arg);
        return new ConfigEntry(key, arg.substring(eq + 1).strip(), "--set", 0);
    }

    private static ConfigEntry entry(String text, String file, int line) {
        String where = file + ":" + line;
        int eq = text.indexOf('=');
        if (eq < 0) {
            throw new ConfigException(where + ": expected 'key = value', got '" + abbreviate(text) + "'");
        }
        String key = text.substring(0, eq).strip();
        checkKey(key, where);
        return new ConfigEntry(key, text.substring(eq + 1).strip(), file, line);
    }

    private static void checkKey(String key, String where) {
        if (key.isEmpty()) {
            throw new ConfigException(where + ": missing key before '='");
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isWhitespace(key.charAt(i))) {
                throw new ConfigException(where + ": key '" + key + "' contains a space");
            }
        }
    }

    // Lines without '=' may be a pasted secret; show only their start.
    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
