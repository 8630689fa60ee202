package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * MQTT over WebSocket (MQTT 5 section 6): the MQTT byte stream travels in binary frames, and
 * one frame may hold part of a packet or several packets (MQTT-6.0.0-2 ff.), so frames become
 * plain bytes for the MQTT decoder, and the packets written between two flushes become one
 * binary frame ({@code mqtt_piggyback = multiple}, as EMQ X calls it): a frame's header, its
 * encoder pass and its buffer cost as much as a small PUBLISH, and a flush carries many. With
 * {@code single}, each packet is a frame of its own, for clients that read one packet per
 * frame. Text frames are not allowed (MQTT-6.0.0-1): they close the connection. An HTTP
 * request that reaches this handler was not an upgrade on the configured path: it is answered
 * 404 and the connection closed, rather than left waiting for the idle timeout.
 *
 * <p>Threads: the channel's event loop only (Netty calls a handler there), which owns
 * {@link #pending}.
 */
final class WebSocketFrames extends ChannelDuplexHandler {
    /**
     * A frame goes without waiting for the flush once it holds this much: what waits here is
     * not counted in the channel's outbound buffer, so its writability would not show it.
     */
    static final int MAX_FRAME_BYTES = 64 * 1024;

    private final boolean piggyback;
    /** The payload limit of the frame decoder put in place of Netty's at the handshake. */
    private final long maxFramePayloadLength;
    /** The packets written since the last flush; null when none. */
    private CompositeByteBuf pending;
    /** Netty's protocol handler has gone (at the handshake): ping, pong and close are answered here. */
    private boolean controlFrames;

    /**
     * @param piggyback several packets per frame (one frame per flush) rather than one frame per packet
     * @param maxFramePayloadLength the largest frame payload accepted, as given to Netty's handshaker
     */
    WebSocketFrames(boolean piggyback, long maxFramePayloadLength) {
        this.piggyback = piggyback;
        this.maxFramePayloadLength = maxFramePayloadLength;
    }

    /**
     * At the handshake, Netty's frame decoder gives way to {@link InPlaceFrameDecoder}, which
     * unmasks without a copy. This runs in the 101 response's write listener, before the next
     * read; the pipeline forwards whatever the replaced decoder still held to the new one.
     * Only the RFC 6455 framing (Netty's 07, 08 and 13 decoders) is replaced; then Netty's
     * protocol handler and its UTF-8 validator leave too, and this answers control frames
     * itself: both passed every frame on (a decoder pass, a retain and a release each), about
     * 4.6 % of the event loop in a WebSocket QoS 1 stream, and text frames close the
     * connection here anyway.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            ChannelHandlerContext decoder = ctx.pipeline().context(WebSocketFrameDecoder.class);
            if (decoder != null && decoder.handler() instanceof WebSocket08FrameDecoder) {
                ctx.pipeline().replace(decoder.name(), decoder.name(), new InPlaceFrameDecoder(maxFramePayloadLength));
                remove(ctx, Utf8FrameValidator.class);
                remove(ctx, WebSocketServerProtocolHandler.class);
                controlFrames = true;
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    private static void remove(ChannelHandlerContext ctx, Class<? extends ChannelHandler> type) {
        if (ctx.pipeline().get(type) != null) {
            ctx.pipeline().remove(type);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            ReferenceCountUtil.release(msg);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
            HttpUtil.setContentLength(r, 0);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        } else if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
            ctx.fireChannelRead(((WebSocketFrame) msg).content());
        } else if (controlFrames && msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
        } else if (controlFrames && msg instanceof PongWebSocketFrame) {
            ReferenceCountUtil.release(msg);
        } else if (controlFrames && msg instanceof CloseWebSocketFrame close) {
            // The closing handshake (RFC 6455 section 5.5.1), as Netty's handler answers it: the
            // frame echoed, then the connection closed. What waits for the flush is not sent.
            release();
            ctx.writeAndFlush(close).addListener(ChannelFutureListener.CLOSE);
        } else if (msg instanceof WebSocketFrame) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf b)) {
            ctx.write(msg, promise);
            return;
        }
        if (!piggyback || !promise.isVoid()) {
            // One that waits for its own write (a last packet before a close) goes as its own frame, in order.
            writePending(ctx);
            ctx.write(new BinaryWebSocketFrame(b), promise);
            return;
        }
        if (pending == null) {
            pending = ctx.alloc().compositeDirectBuffer(Integer.MAX_VALUE);
        }
        pending.addComponent(true, b);
        if (pending.readableBytes() >= MAX_FRAME_BYTES) {
            writePending(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        writePending(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        // As for any write not flushed before a close: it is not sent.
        release();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void writePending(ChannelHandlerContext ctx) {
        CompositeByteBuf p = pending;
        if (p != null) {
            pending = null;
            ctx.write(new BinaryWebSocketFrame(p), ctx.voidPromise());
        }
    }

    private void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
