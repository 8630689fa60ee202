package io.perch.dashboard.ctl;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Prints rows as a left-aligned table with a header, columns sized to their widest cell. */
final class Table {
    private final List<String> titles = new ArrayList<>();
    private final List<Function<JsonNode, String>> cells = new ArrayList<>();

    Table col(String title, Function<JsonNode, String> cell) {
        titles.add(title);
        cells.add(cell);
        return this;
    }

    /** A column showing one field; JSON null and missing fields show as "-". */
    Table field(String title, String name) {
        return col(title, n -> text(n.get(name)));
    }

    static String text(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode() ? "-" : v.asText();
    }

    void print(PrintWriter out, JsonNode rows) {
        List<String[]> lines = new ArrayList<>();
        lines.add(titles.toArray(new String[0]));
        for (JsonNode row : rows) {
            String[] line = new String[cells.size()];
            for (int i = 0; i < line.length; i++) {
                line[i] = cells.get(i).apply(row).replace('\n', ' ');
            }
            lines.add(line);
        }
        int[] width = new int[titles.size()];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        for (String[] line : lines) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                sb.append(i == line.length - 1 ? line[i] : String.format("%-" + width[i] + "s  ", line[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
        out.flush();
    }
}
