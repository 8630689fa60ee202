package io.perch.jmh;

import io.perch.broker.message.MessageId;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.redis.codec.Base62Id;
import io.perch.redis.codec.Emqx4Id;
import org.openjdk.jmh.annotations.*;

import java.math.BigInteger;
import java.util.concurrent.TimeUnit;

/**
 * A message id as the text the Redis keys carry, made once per stored queue entry and per
 * forwarded message: the seed's base 62 and EMQ X 4's form, against the BigInteger way the
 * EMQ X 4 form was first made (kept here as the baseline).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MessageIdTextBenchmark {
    MessageId id;

    @Setup
    public void setup() {
        id = new MessageIdGenerator("bench@127.0.0.1").next();
    }

    @Benchmark
    public String base62() {
        return Base62Id.encode(id);
    }

    @Benchmark
    public String emqx4() {
        return Emqx4Id.encode(id);
    }

    @Benchmark
    public String decimalByBigInteger() {
        BigInteger hi = new BigInteger(Long.toUnsignedString(id.hi()));
        BigInteger lo = new BigInteger(Long.toUnsignedString(id.lo()));
        return hi.shiftLeft(64).or(lo).toString();
    }
}
