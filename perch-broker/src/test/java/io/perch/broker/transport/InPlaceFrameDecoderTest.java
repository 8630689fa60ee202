package io.perch.broker.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InPlaceFrameDecoderTest {
    private static final int MAX = 300_000;

    /** A client frame: FIN, RSV bits and opcode in the first byte, masked with {@code mask}. */
    private static byte[] frame(int firstByte, byte[] payload, byte[] mask, int lengthBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        int maskBit = mask == null ? 0 : 0x80;
        if (lengthBytes == 0) {
            out.write(maskBit | payload.length);
        } else if (lengthBytes == 2) {
            out.write(maskBit | 126);
            out.write(payload.length >>> 8);
            out.write(payload.length);
        } else {
            out.write(maskBit | 127);
            for (int s = 56; s >= 0; s -= 8) {
                out.write((int) ((long) payload.length >>> s));
            }
        }
        if (mask != null) {
            out.write(mask, 0, 4);
        }
        for (int i = 0; i < payload.length; i++) {
            out.write(mask == null ? payload[i] : payload[i] ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    private static byte[] frame(int firstByte, byte[] payload) {
        int n = payload.length;
        return frame(firstByte, payload, new byte[] {0x37, (byte) 0xFA, 0x21, (byte) 0x8C},
                n < 126 ? 0 : n < 65536 ? 2 : 8);
    }

    private static EmbeddedChannel channel() {
        return new EmbeddedChannel(new InPlaceFrameDecoder(MAX));
    }

    private static byte[] content(WebSocketFrame f) {
        try {
            return ByteBufUtil.getBytes(f.content());
        } finally {
            f.release();
        }
    }

    /** Every frame both decoders make of the same bytes, given in pieces of the same sizes. */
    private static List<String> decodeAll(EmbeddedChannel ch, byte[] bytes, int[] cuts) {
        int at = 0;
        for (int cut : cuts) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, at, cut - at));
            at = cut;
        }
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, at, bytes.length - at));
        List<String> frames = new ArrayList<>();
        for (WebSocketFrame f; (f = ch.readInbound()) != null; ) {
            String kind = f.getClass().getSimpleName() + (f.isFinalFragment() ? " fin" : "");
            frames.add(kind + " " + ByteBufUtil.hexDump(content(f)));
        }
        return frames;
    }

    @Test
    void frameOfEveryLengthEncodingComesUnmaskedAndWhole() {
        for (int n : new int[] {0, 1, 3, 7, 8, 9, 125, 126, 127, 65535, 65536, 70001}) {
            byte[] payload = new byte[n];
            new Random(n).nextBytes(payload);
            EmbeddedChannel ch = channel();
            ch.writeInbound(Unpooled.wrappedBuffer(frame(0x82, payload)));
            BinaryWebSocketFrame f = ch.readInbound();
            assertThat(f.isFinalFragment()).isTrue();
            assertThat(content(f)).as("length %d", n).isEqualTo(payload);
            assertThat((Object) ch.readInbound()).isNull();
            assertThat(ch.finish()).isFalse();
        }
    }

    @Test
    void frameArrivingByteByByteAndFramesSharingOneReadComeOutAsSent() {
        byte[] a = "first".getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[300];
        new Random(1).nextBytes(b);
        byte[] both = concat(frame(0x82, a), frame(0x82, b));
        EmbeddedChannel ch = channel();
        for (byte x : both) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {x}));
        }
        assertThat(content(ch.readInbound())).isEqualTo(a);
        assertThat(content(ch.readInbound())).isEqualTo(b);

        ch.writeInbound(Unpooled.wrappedBuffer(concat(both, frame(0x82, a))));
        assertThat(content(ch.readInbound())).isEqualTo(a);
        assertThat(content(ch.readInbound())).isEqualTo(b);
        assertThat(content(ch.readInbound())).isEqualTo(a);
        assertThat(ch.finish()).isFalse();
    }

    /**
     * Netty's own decoder is the reference: random sequences of binary, fragmented, ping and
     * text frames, cut at random places, give the same frames with the same bytes from both.
     */
    @Test
    void decodesWhatNettysDecoderDecodes() {
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            int frames = 1 + r.nextInt(6);
            for (int i = 0; i < frames; i++) {
                int kind = r.nextInt(4);
                byte[] payload = new byte[kind == 2 ? r.nextInt(126) : r.nextInt(r.nextBoolean() ? 200 : 70_000)];
                r.nextBytes(payload);
                byte[] mask = new byte[4];
                r.nextBytes(mask);
                int n = payload.length;
                int lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
                switch (kind) {
                    case 0 -> stream.writeBytes(frame(0x82, payload, mask, lengthBytes));
                    case 1 -> { // fragmented: binary FIN 0, continuation FIN 0, a ping between, continuation FIN 1
                        stream.writeBytes(frame(0x02, payload, mask, lengthBytes));
                        stream.writeBytes(frame(0x00, payload, mask, lengthBytes));
                        stream.writeBytes(frame(0x89, new byte[] {1, 2, 3}, mask, 0));
                        stream.writeBytes(frame(0x80, payload, mask, lengthBytes));
                    }
                    case 2 -> stream.writeBytes(frame(0x89, payload, mask, 0));
                    default -> stream.writeBytes(frame(0x81, "text ü".getBytes(StandardCharsets.UTF_8), mask, 0));
                }
            }
            byte[] bytes = stream.toByteArray();
            int[] cuts = r.ints(r.nextInt(5), 0, bytes.length + 1).sorted().toArray();
            EmbeddedChannel netty = new EmbeddedChannel(new WebSocket13FrameDecoder(
                    WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(MAX).build()));
            EmbeddedChannel ours = channel();
            // Each gets its own copy: ours writes the unmasked bytes where they are.
            assertThat(decodeAll(ours, bytes.clone(), cuts)).as("round %d", round)
                    .isEqualTo(decodeAll(netty, bytes.clone(), cuts));
            netty.finishAndReleaseAll();
            ours.finishAndReleaseAll();
        }
    }

    @Test
    void frameTypesAreNettys() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(frame(0x01, new byte[] {'a'}), frame(0x80, new byte[] {'b'}),
                frame(0x89, new byte[] {9}), frame(0x88, new byte[] {0x03, (byte) 0xE8, 'o', 'k'}))));
        WebSocketFrame text = ch.readInbound();
        assertThat(text).isInstanceOf(TextWebSocketFrame.class);
        assertThat(text.isFinalFragment()).isFalse();
        text.release();
        WebSocketFrame cont = ch.readInbound();
        assertThat(cont).isInstanceOf(ContinuationWebSocketFrame.class);
        assertThat(cont.isFinalFragment()).isTrue();
        cont.release();
        WebSocketFrame ping = ch.readInbound();
        assertThat(ping).isInstanceOf(PingWebSocketFrame.class);
        ping.release();
        CloseWebSocketFrame close = ch.readInbound();
        assertThat(close.statusCode()).isEqualTo(1000);
        assertThat(close.reasonText()).isEqualTo("ok");
        close.release();
        // After a close frame, nothing more is decoded.
        ch.writeInbound(Unpooled.wrappedBuffer(frame(0x82, new byte[] {1})));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.finish()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unmasked", "rsv", "reservedData", "reservedControl", "fragmentedControl", "longControl",
            "closeLengthOne", "closeBadCode", "closeBadUtf8", "continuationAlone", "dataInsideFragment",
            "nonMinimal16", "nonMinimal64", "negative64"})
    void protocolViolationIsAnsweredWith1002AndClosed(String violation) {
        byte[] one = {1};
        byte[] bytes = switch (violation) {
            case "unmasked" -> frame(0x82, one, null, 0);
            case "rsv" -> frame(0xC2, one);
            case "reservedData" -> frame(0x83, one);
            case "reservedControl" -> frame(0x8B, one);
            case "fragmentedControl" -> frame(0x09, one);
            case "longControl" -> frame(0x89, new byte[126]);
            case "closeLengthOne" -> frame(0x88, one);
            case "closeBadCode" -> frame(0x88, new byte[] {0x03, (byte) 0xEC}); // 1004: reserved
            case "closeBadUtf8" -> frame(0x88, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3, 0x28});
            case "continuationAlone" -> frame(0x80, one);
            case "dataInsideFragment" -> concat(frame(0x02, one), frame(0x82, one));
            case "nonMinimal16" -> frame(0x82, new byte[100], new byte[4], 2);
            case "nonMinimal64" -> frame(0x82, new byte[1000], new byte[4], 8);
            case "negative64" -> {
                byte[] f = frame(0x82, new byte[70_000], new byte[4], 8);
                f[2] = (byte) 0x80;
                yield f;
            }
            default -> throw new IllegalArgumentException(violation);
        };
        EmbeddedChannel ch = channel();
        // A good frame after the bad one, in the same read: it is not decoded.
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(concat(bytes, frame(0x82, one)))))
                .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class,
                        e -> assertThat(e.closeStatus()).isEqualTo(WebSocketCloseStatus.PROTOCOL_ERROR));
        // The frame before the violation still comes (the fragment's start); then nothing.
        if (violation.equals("dataInsideFragment")) {
            BinaryWebSocketFrame first = ch.readInbound();
            assertThat(first.isFinalFragment()).isFalse();
            first.release();
        }
        assertThat((Object) ch.readInbound()).isNull();
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close.statusCode()).as(violation).isEqualTo(1002);
        close.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void frameOverTheLimitIsAnsweredWith1009BeforeItsPayloadArrives() {
        EmbeddedChannel ch = new EmbeddedChannel(new InPlaceFrameDecoder(1000));
        byte[] f = frame(0x82, new byte[1001]);
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(f, 0, 8))) // the header only
                .isInstanceOfSatisfying(CorruptedWebSocketFrameException.class,
                        e -> assertThat(e.closeStatus()).isEqualTo(WebSocketCloseStatus.MESSAGE_TOO_BIG));
        CloseWebSocketFrame close = ch.readOutbound();
        assertThat(close.statusCode()).isEqualTo(1009);
        close.release();
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void readOnlyBufferIsCopiedNotWritten() {
        byte[] payload = "read only".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = frame(0x82, payload);
        byte[] before = bytes.clone();
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(bytes).asReadOnly());
        assertThat(content(ch.readInbound())).isEqualTo(payload);
        assertThat(bytes).isEqualTo(before);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void unmaskXorsOnlyTheRangeWithTheMaskFromItsFirstByte() {
        byte[] data = new byte[25];
        new Random(7).nextBytes(data);
        int mask = 0xA1B2C3D4;
        ByteBuf buf = Unpooled.wrappedBuffer(data.clone());
        InPlaceFrameDecoder.unmask(buf, 3, 22, mask);
        byte[] m = {(byte) 0xA1, (byte) 0xB2, (byte) 0xC3, (byte) 0xD4};
        for (int i = 0; i < data.length; i++) {
            byte expected = i < 3 || i >= 22 ? data[i] : (byte) (data[i] ^ m[(i - 3) % 4]);
            assertThat(buf.getByte(i)).as("byte %d", i).isEqualTo(expected);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
