package io.perch.broker.message;

/** An MQTT 5 user property; order and duplicates matter, so messages hold a list of these. */
public record UserProperty(String key, String value) {
}
