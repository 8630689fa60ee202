package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The WebSocket part of a listener's pipeline, as MqttChannelInitializer builds it, through a handshake. */
class WebSocketHandshakeDecoderTest {
    private static final String UPGRADE = "GET /mqtt HTTP/1.1\r\n"
            + "Host: localhost\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: mqtt\r\n"
            + "\r\n";

    private static EmbeddedChannel listener() {
        return new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                        .websocketPath("/mqtt").subprotocols("mqtt").maxFramePayloadLength(1000).build()),
                new WebSocketFrames(true, 1000));
    }

    @Test
    void afterTheHandshakeFramesAreDecodedInPlaceAndTheirBytesPassedOn() {
        EmbeddedChannel ch = listener();
        ch.writeInbound(Unpooled.copiedBuffer(UPGRADE, StandardCharsets.US_ASCII));
        ByteBuf response = ch.readOutbound();
        assertThat(response.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
        response.release();
        assertThat(ch.pipeline().get(WebSocketFrameDecoder.class)).isInstanceOf(InPlaceFrameDecoder.class);

        // A binary frame "hello", masked as a client sends it (RFC 6455 section 5.7's example mask).
        ch.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("828537fa213d7f9f4d5158")));
        ByteBuf bytes = ch.readInbound();
        assertThat(bytes.toString(StandardCharsets.US_ASCII)).isEqualTo("Hello");
        bytes.release();
        Object left = ch.readOutbound();
        assertThat(left).isNull();
        assertThat((Object) ch.readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    /** A client frame: FIN and {@code opcode}, masked (short payloads only). */
    private static ByteBuf clientFrame(int opcode, byte[] payload) {
        byte[] mask = {0x37, (byte) 0xfa, 0x21, 0x3d};
        ByteBuf b = Unpooled.buffer().writeByte(0x80 | opcode).writeByte(0x80 | payload.length).writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            b.writeByte(payload[i] ^ mask[i % 4]);
        }
        return b;
    }

    private static EmbeddedChannel upgraded() {
        EmbeddedChannel ch = listener();
        ch.writeInbound(Unpooled.copiedBuffer(UPGRADE, StandardCharsets.US_ASCII));
        ReferenceCountUtil.release(ch.readOutbound());
        return ch;
    }

    @Test
    void afterTheHandshakeControlFramesAreAnsweredWithoutNettysProtocolHandler() {
        EmbeddedChannel ch = upgraded();
        assertThat(ch.pipeline().get(WebSocketServerProtocolHandler.class)).isNull();
        assertThat(ch.pipeline().get(Utf8FrameValidator.class)).isNull();

        ch.writeInbound(clientFrame(0x9, "hi".getBytes(StandardCharsets.US_ASCII))); // ping
        ByteBuf pong = ch.readOutbound();
        assertThat(ByteBufUtil.hexDump(pong)).isEqualTo("8a02" + ByteBufUtil.hexDump("hi".getBytes(StandardCharsets.US_ASCII)));
        pong.release();

        ch.writeInbound(clientFrame(0xA, new byte[0])); // an unsolicited pong: nothing happens
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isTrue();

        ch.writeInbound(clientFrame(0x8, new byte[] {0x03, (byte) 0xe8})); // close, 1000
        ByteBuf close = ch.readOutbound();
        assertThat(ByteBufUtil.hexDump(close)).isEqualTo("880203e8");
        close.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aTextFrameClosesTheConnection() {
        EmbeddedChannel ch = upgraded();
        ch.writeInbound(clientFrame(0x1, "{}".getBytes(StandardCharsets.US_ASCII)));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void anUnmaskedFrameAfterTheHandshakeClosesTheConnection() {
        EmbeddedChannel ch = listener();
        ch.writeInbound(Unpooled.copiedBuffer(UPGRADE, StandardCharsets.US_ASCII));
        ReferenceCountUtil.release(ch.readOutbound());
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("820548656c6c6f"))))
                .isInstanceOf(CorruptedWebSocketFrameException.class);
        assertThat((Object) ch.readInbound()).isNull();
        ByteBuf close = ch.readOutbound();
        // A close frame (0x88) with status 1002.
        assertThat(close.getUnsignedByte(0)).isEqualTo((short) 0x88);
        assertThat(close.getUnsignedShort(2)).isEqualTo(1002);
        close.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
