package io.perch.dashboard.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Turns aggregated HTTP requests into {@link Request}s, checks auth, runs the matched route and
 * writes the answer. Handlers run on the dashboard's own event loop (never the MQTT loops):
 * every BrokerService call they make is thread-safe and non-blocking. An answer that comes
 * later (a cluster-wide query waits for other nodes) is written when it comes, on the
 * connection's event loop, after the answers to the connection's earlier requests: the
 * channel attribute {@link #LAST}, read and written on that loop only, keeps them in order.
 */
@ChannelHandler.Sharable
public final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);

    /** RFC 7235: every 401 names a scheme the client can answer. */
    public static final String BASIC_CHALLENGE = "Basic realm=\"Perch\"";
    /**
     * For the dashboard's own scripts (they send {@code X-Requested-With: XMLHttpRequest}): a
     * Basic challenge would make the browser pop its own login dialog over the login page.
     */
    public static final String BEARER_CHALLENGE = "Bearer realm=\"Perch\"";

    private static final AttributeKey<CompletableFuture<Void>> LAST = AttributeKey.valueOf("perch.lastAnswer");

    private final Router router;
    private final Auth auth;
    private final LoginThrottle throttle;
    private final Json json;

    public HttpHandler(Router router, Auth auth, LoginThrottle throttle, Json json) {
        this.router = router;
        this.auth = auth;
        this.throttle = throttle;
        this.json = json;
    }

    /** 429 with Retry-After, for an IP that failed to log in too often. */
    public static Response tooManyLogins(Json json, long seconds) {
        return json.error(new ApiException(429, ApiException.BAD_CREDENTIALS,
                "too many failed logins from this address; retry in " + seconds + "s"))
                .withHeader("Retry-After", Long.toString(seconds));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        if (!msg.decoderResult().isSuccess()) {
            write(ctx, msg, json.error(new ApiException(400, ApiException.BAD_PARAM, "malformed HTTP request")));
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(msg.uri());
        String ip = ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : "unknown";
        Request req = new Request(msg.method(), qs.rawPath(), Map.of(), qs.parameters(), ByteBufUtil.getBytes(msg.content()), ip);
        CompletableFuture<Response> answer = dispatch(req, msg.headers().get(HttpHeaderNames.AUTHORIZATION));
        // What write() needs of the request: msg is released when this method returns.
        boolean keepAlive = HttpUtil.isKeepAlive(msg);
        boolean script = "XMLHttpRequest".equalsIgnoreCase(msg.headers().get("X-Requested-With"));
        CompletableFuture<Void> before = ctx.channel().attr(LAST).get();
        if (answer.isDone() && (before == null || before.isDone())) {
            write(ctx, keepAlive, script, answer.join());
            return;
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        ctx.channel().attr(LAST).set(written);
        CompletableFuture<?> previous = before == null ? CompletableFuture.completedFuture(null) : before;
        CompletableFuture.allOf(previous, answer).whenComplete((v, e) -> ctx.executor().execute(() -> {
            write(ctx, keepAlive, script, answer.join());
            written.complete(null);
        }));
    }

    /** The answer: completed at once for synchronous routes; never completes exceptionally. */
    CompletableFuture<Response> dispatch(Request req, String authorization) {
        Optional<Router.Match> match = router.match(req);
        if (match.isEmpty()) {
            return CompletableFuture.completedFuture(router.pathKnown(req.path())
                    ? json.error(new ApiException(405, ApiException.BAD_PARAM, "method not allowed"))
                    : json.error(ApiException.notFound("not found: " + req.path())));
        }
        Router.Match m = match.get();
        if (m.authenticated()) {
            Response refused = authenticate(req, authorization);
            if (refused != null) {
                return CompletableFuture.completedFuture(refused);
            }
        }
        try {
            return m.handler().handle(m.request()).toCompletableFuture()
                    .handle((r, e) -> e == null ? r : failed(req, e));
        } catch (Exception e) {
            return CompletableFuture.completedFuture(failed(req, e));
        }
    }

    private Response failed(Request req, Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof ApiException a) {
            return json.error(a);
        }
        log.warn("dashboard request {} {} failed", req.method(), req.path(), c);
        return json.error(new ApiException(500, ApiException.UNKNOWN, "internal error: " + c.getClass().getSimpleName()));
    }

    /** Null when the request may proceed; else the 401 or 429 to answer. */
    private Response authenticate(Request req, String authorization) {
        boolean basic = Auth.isBasic(authorization);
        if (basic) {
            OptionalLong wait = throttle.blocked(req.remoteIp());
            if (wait.isPresent()) {
                return tooManyLogins(json, wait.getAsLong());
            }
        }
        Auth.Outcome outcome = auth.check(authorization);
        switch (outcome) {
            case OK -> {
                if (basic) {
                    throttle.success(req.remoteIp());
                }
                return null;
            }
            case BAD_BASIC -> {
                throttle.failure(req.remoteIp());
                return json.error(new ApiException(401, ApiException.BAD_CREDENTIALS, "username or password error"));
            }
            case BAD_TOKEN -> {
                return json.error(new ApiException(401, ApiException.BAD_CREDENTIALS, "token expired or revoked; log in again"));
            }
            default -> {
                return json.error(new ApiException(401, ApiException.BAD_CREDENTIALS, "authentication required"));
            }
        }
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest req, Response r) {
        write(ctx, HttpUtil.isKeepAlive(req), "XMLHttpRequest".equalsIgnoreCase(req.headers().get("X-Requested-With")), r);
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, boolean script, Response r) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
                Unpooled.wrappedBuffer(r.body()));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
        resp.headers().set("X-Content-Type-Options", "nosniff");
        r.headers().forEach((k, v) -> resp.headers().set(k, v));
        if (r.status() == 401) {
            resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, script ? BEARER_CHALLENGE : BASIC_CHALLENGE);
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        }
        if (keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(resp);
        } else {
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("dashboard connection error", cause);
        ctx.close();
    }
}
