package io.perch.dashboard.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Method + path pattern routing, enough for the v4 API without a web framework. Patterns are
 * literal segments and {@code {name}} segments; a trailing {@code {name*}} takes the rest of
 * the path (topics contain '/'). Segments are URL-decoded after splitting, so an encoded
 * topic such as {@code a%2Fb} reaches the handler as {@code a/b}. First match wins.
 */
public final class Router {
    /** A handler answers a request; throwing {@link ApiException} becomes an error response. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request) throws Exception;
    }

    /**
     * A handler whose answer comes later (it waits for other nodes): it must return at once,
     * never block, and may complete on any thread; the answer is written on the connection's
     * event loop.
     */
    @FunctionalInterface
    public interface AsyncHandler {
        CompletionStage<Response> handle(Request request) throws Exception;
    }

    /** A matched route: the handler, the request with its path parameters, and whether auth applies. */
    public record Match(AsyncHandler handler, Request request, boolean authenticated) {
    }

    private record Route(HttpMethod method, String[] segments, AsyncHandler handler, boolean authenticated) {
    }

    private final List<Route> routes = new ArrayList<>();

    public Router add(HttpMethod method, String pattern, Handler handler) {
        return addAsync(method, pattern, sync(handler));
    }

    public Router addAsync(HttpMethod method, String pattern, AsyncHandler handler) {
        routes.add(new Route(method, split(pattern), handler, true));
        return this;
    }

    private static AsyncHandler sync(Handler h) {
        return req -> CompletableFuture.completedFuture(h.handle(req));
    }

    /** A route that needs no credentials (login, the UI's static files, optionally /metrics). */
    public Router addPublic(HttpMethod method, String pattern, Handler handler) {
        routes.add(new Route(method, split(pattern), sync(handler), false));
        return this;
    }

    /** Empty when no route has this path; {@link #pathKnown} tells 404 from 405 apart. */
    public Optional<Match> match(Request request) {
        String[] parts = split(request.path());
        for (Route r : routes) {
            if (!r.method.equals(request.method())) {
                continue;
            }
            Map<String, String> params = bind(r.segments, parts);
            if (params != null) {
                return Optional.of(new Match(r.handler, request.withPathParams(params), r.authenticated));
            }
        }
        return Optional.empty();
    }

    public boolean pathKnown(String path) {
        String[] parts = split(path);
        return routes.stream().anyMatch(r -> bind(r.segments, parts) != null);
    }

    private static Map<String, String> bind(String[] pattern, String[] parts) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("*}")) {
                if (i >= parts.length) {
                    return null;
                }
                StringBuilder rest = new StringBuilder();
                for (int j = i; j < parts.length; j++) {
                    rest.append(j > i ? "/" : "").append(decode(parts[j]));
                }
                params.put(p.substring(1, p.length() - 2), rest.toString());
                return params;
            }
            if (i >= parts.length) {
                return null;
            }
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), decode(parts[i]));
            } else if (!p.equals(parts[i])) {
                return null;
            }
        }
        return pattern.length == parts.length ? params : null;
    }

    private static String decode(String segment) {
        return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"));
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
