package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node's part of a cluster-wide list: how many entries match there ({@code count}) and its
 * first entries in the list's order, each with the key it is sorted by. For page P of size L
 * each node sends its first P*L, so the merged first P*L hold the page whatever the spread.
 * Immutable; travels between nodes as JSON ({@code {"count":n,"rows":[{"k":key,"v":{...}}]}}).
 *
 * @param rows in the list's order; a key is a String, a Long or null
 */
public record NodePart(int count, List<Row> rows) {
    public record Row(Object key, Map<String, Object> item) {
    }

    /** Nulls first, then numbers by value, then text; what {@code ClientsApi}'s sort does on one node. */
    public static int compareKeys(Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        if (a instanceof Long x && b instanceof Long y) {
            return Long.compare(x, y);
        }
        return String.valueOf(a).compareTo(String.valueOf(b));
    }

    Map<String, Object> toJson() {
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("k", r.key());
            m.put("v", r.item());
            out.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        m.put("rows", out);
        return m;
    }

    @SuppressWarnings("unchecked")
    static NodePart fromJson(JsonNode n, ObjectMapper mapper) {
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : n.path("rows")) {
            JsonNode k = r.path("k");
            Object key = k.isNull() || k.isMissingNode() ? null : k.isIntegralNumber() ? (Object) k.asLong() : k.asText();
            rows.add(new Row(key, mapper.convertValue(r.path("v"), LinkedHashMap.class)));
        }
        return new NodePart(n.path("count").asInt(), rows);
    }
}
