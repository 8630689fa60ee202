package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A client's WebSocket frames (RFC 6455 section 5), unmasked where they arrived. Netty's
 * {@code WebSocket08FrameDecoder} copies each frame's payload into a new buffer to unmask it;
 * async-profiler put that copy and its allocation in 1,694 of the event loop's 24,926 samples
 * of a WebSocket QoS 1 stream. Here the payload is unmasked in the received buffer, which this
 * decoder owns, and passed on as a slice of it.
 *
 * <p>It checks what Netty's decoder checks with the settings Perch gave it: frames masked, no
 * RSV bits (no extension is negotiated), known opcodes, control frames whole and at most 125
 * bytes, continuation frames only inside a fragmented message, minimal length encoding, a
 * close frame's status code and UTF-8 reason, and the payload limit. A violation is answered
 * with a close frame (1002, or 1009 for a frame over the limit), the connection closed and a
 * {@link CorruptedWebSocketFrameException} passed on; what follows it, or a close frame, is
 * discarded.
 *
 * <p>Threads: the channel's event loop only, which owns the fragmentation and closing state.
 */
final class InPlaceFrameDecoder extends ByteToMessageDecoder implements WebSocketFrameDecoder {
    private static final int OPCODE_CONT = 0x0;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;
    private static final int OPCODE_CLOSE = 0x8;
    private static final int OPCODE_PING = 0x9;
    private static final int OPCODE_PONG = 0xA;
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private final long maxFramePayloadLength;
    /** Inside a fragmented text or binary message: its first frame had FIN 0. */
    private boolean fragmented;
    /** A close frame came, or a violation closed the connection: nothing more is read. */
    private boolean done;

    InPlaceFrameDecoder(long maxFramePayloadLength) {
        this.maxFramePayloadLength = maxFramePayloadLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            in.skipBytes(in.readableBytes());
            return;
        }
        // Only a whole frame is taken: the header is read again when more bytes come, which
        // costs less than a state machine (it is at most 14 bytes).
        int start = in.readerIndex();
        int readable = in.readableBytes();
        if (readable < 2) {
            return;
        }
        int b0 = in.getUnsignedByte(start);
        int b1 = in.getUnsignedByte(start + 1);
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        int len7 = b1 & 0x7F;
        String violation = headerViolation(b0, b1);
        if (violation != null) {
            fail(ctx, in, WebSocketCloseStatus.PROTOCOL_ERROR, violation);
            return;
        }
        int lengthBytes = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        int headerLength = 2 + lengthBytes + 4;
        if (readable < headerLength) {
            return;
        }
        long length;
        if (len7 == 126) {
            length = in.getUnsignedShort(start + 2);
            if (length < 126) {
                fail(ctx, in, WebSocketCloseStatus.PROTOCOL_ERROR, "frame length not in its minimal encoding");
                return;
            }
        } else if (len7 == 127) {
            length = in.getLong(start + 2);
            if (length < 65536) { // a negative length (top bit set) too
                fail(ctx, in, WebSocketCloseStatus.PROTOCOL_ERROR, "frame length not in its minimal encoding");
                return;
            }
        } else {
            length = len7;
        }
        if (length > maxFramePayloadLength) {
            fail(ctx, in, WebSocketCloseStatus.MESSAGE_TOO_BIG,
                    "Max frame length of " + maxFramePayloadLength + " has been exceeded.");
            return;
        }
        if (readable - headerLength < length) {
            return;
        }
        int mask = in.getInt(start + 2 + lengthBytes);
        in.skipBytes(headerLength);
        ByteBuf payload = unmasked(ctx, in, (int) length, mask);
        switch (opcode) {
            case OPCODE_PING -> out.add(new PingWebSocketFrame(true, 0, payload));
            case OPCODE_PONG -> out.add(new PongWebSocketFrame(true, 0, payload));
            case OPCODE_CLOSE -> {
                String bad = closeBodyViolation(payload);
                if (bad != null) {
                    payload.release();
                    fail(ctx, in, WebSocketCloseStatus.PROTOCOL_ERROR, bad);
                    return;
                }
                done = true;
                in.skipBytes(in.readableBytes());
                out.add(new CloseWebSocketFrame(true, 0, payload));
            }
            default -> {
                fragmented = !fin;
                out.add(switch (opcode) {
                    case OPCODE_BINARY -> new BinaryWebSocketFrame(fin, 0, payload);
                    case OPCODE_TEXT -> new TextWebSocketFrame(fin, 0, payload);
                    default -> new ContinuationWebSocketFrame(fin, 0, payload);
                });
            }
        }
    }

    /** Why a frame with this first two bytes is refused, or null. */
    private String headerViolation(int b0, int b1) {
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        int len7 = b1 & 0x7F;
        if ((b0 & 0x70) != 0) {
            return "RSV bits set and no extension negotiated";
        }
        if ((b1 & 0x80) == 0) {
            return "a client's frame must be masked";
        }
        if (opcode >= 0x8) {
            if (opcode != OPCODE_CLOSE && opcode != OPCODE_PING && opcode != OPCODE_PONG) {
                return "reserved control opcode " + opcode;
            }
            if (!fin) {
                return "fragmented control frame";
            }
            if (len7 > MAX_CONTROL_PAYLOAD) {
                return "control frame with payload length > 125 octets";
            }
            if (opcode == OPCODE_CLOSE && len7 == 1) {
                return "close frame with payload length 1";
            }
            return null;
        }
        if (opcode != OPCODE_CONT && opcode != OPCODE_TEXT && opcode != OPCODE_BINARY) {
            return "reserved data opcode " + opcode;
        }
        if (opcode == OPCODE_CONT && !fragmented) {
            return "continuation frame outside a fragmented message";
        }
        if (opcode != OPCODE_CONT && fragmented) {
            return "new data frame inside a fragmented message";
        }
        return null;
    }

    /**
     * The next {@code length} bytes of {@code in}, unmasked and taken as a slice of it: this
     * decoder holds the only reference to the bytes it has not read yet. A read-only buffer
     * (not one of Netty's reads, but possible from a handler before this one) is copied.
     */
    private static ByteBuf unmasked(ChannelHandlerContext ctx, ByteBuf in, int length, int mask) {
        if (in.isReadOnly()) {
            ByteBuf payload = ctx.alloc().buffer(length);
            in.readBytes(payload, length);
            unmask(payload, payload.readerIndex(), payload.writerIndex(), mask);
            return payload;
        }
        // On the buffer itself, not through the slice: a slice's accessors add an index translation.
        unmask(in, in.readerIndex(), in.readerIndex() + length, mask);
        return in.readRetainedSlice(length);
    }

    /** XORs bytes [i, end) with the 4-byte mask, whose first byte is the most significant. */
    static void unmask(ByteBuf payload, int i, int end, int mask) {
        // get/setLong are big-endian whatever the buffer's order, as the mask is read.
        long mask8 = ((long) mask << 32) | (mask & 0xFFFFFFFFL);
        for (; i + 8 <= end; i += 8) {
            payload.setLong(i, payload.getLong(i) ^ mask8);
        }
        for (int k = 0; i < end; i++, k++) {
            payload.setByte(i, payload.getByte(i) ^ (mask >>> (24 - 8 * k)));
        }
    }

    /** Why a close frame's body is refused (RFC 6455 section 5.5.1, 7.4), or null. */
    private static String closeBodyViolation(ByteBuf body) {
        if (!body.isReadable()) {
            return null;
        }
        int code = body.getUnsignedShort(body.readerIndex());
        if (!WebSocketCloseStatus.isValidStatusCode(code)) {
            return "invalid close status code " + code;
        }
        if (body.readableBytes() > 2) {
            ByteBuffer reason = body.nioBuffer(body.readerIndex() + 2, body.readableBytes() - 2);
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(reason);
            } catch (CharacterCodingException e) {
                return "close reason is not UTF-8";
            }
        }
        return null;
    }

    /**
     * Answers with a close frame, closes, and throws what Netty's decoder throws, which the
     * connection counts ({@code websocket.errors}) and logs.
     */
    private void fail(ChannelHandlerContext ctx, ByteBuf in, WebSocketCloseStatus status, String reason) {
        done = true;
        in.skipBytes(in.readableBytes());
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
        throw new CorruptedWebSocketFrameException(status, reason);
    }
}
