package io.perch.server;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code perch ping}: "pong" and exit 0 when the node answers its liveness endpoint
 * ({@code GET /api/v4/health/liveness} on the dashboard listener, no credentials), else a
 * line saying it does not and exit 1 (like {@code emqx ping}).
 */
@Command(name = "ping", description = "Print pong when the broker answers (exit 0), else exit 1.")
final class PingCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "${env:PERCH_CTL_URL:-http://127.0.0.1:18083}",
            description = "Dashboard URL (env PERCH_CTL_URL; default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long to wait for the answer (default: ${DEFAULT-VALUE} s).")
    long timeoutSeconds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        String problem;
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v4/health/liveness"))
                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                spec.commandLine().getOut().println("pong");
                return Main.EXIT_OK;
            }
            problem = "HTTP " + r.statusCode();
        } catch (IOException | IllegalArgumentException e) {
            problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        spec.commandLine().getErr().println("Node not responding to pings at " + base + " (" + problem + ")");
        return Main.EXIT_FAILED;
    }
}
