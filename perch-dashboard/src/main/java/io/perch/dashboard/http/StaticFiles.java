package io.perch.dashboard.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The web app, served from {@code dashboard/} on the classpath (bundled in the jar; no
 * outside URLs). Only names made of safe characters are looked up, so ".." cannot escape.
 */
public final class StaticFiles {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "json", "application/json; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");

    private final String root;

    public StaticFiles(String root) {
        this.root = root;
    }

    public Response serve(Request req) throws IOException {
        String name = req.param("file");
        if (name == null || name.isEmpty()) {
            name = "index.html";
        }
        if (name.contains("..") || !name.matches("[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]*(/[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]*)*")) {
            throw ApiException.notFound("not found");
        }
        try (InputStream in = StaticFiles.class.getClassLoader().getResourceAsStream(root + "/" + name)) {
            if (in == null) {
                throw ApiException.notFound("not found: " + name);
            }
            String ext = name.substring(name.lastIndexOf('.') + 1);
            return new Response(200, TYPES.getOrDefault(ext, "application/octet-stream"), in.readAllBytes());
        }
    }
}
