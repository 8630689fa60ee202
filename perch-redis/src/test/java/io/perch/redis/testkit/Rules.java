package io.perch.redis.testkit;

/** Rule lines shared by tests in several packages. */
public final class Rules {
    private Rules() {
    }

    public static final String PUBLISH = "backend.redis.hook.message.publish.1 = {\"topic\": \"#\", \"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool1\", \"expired_time\": 3600}";
}
