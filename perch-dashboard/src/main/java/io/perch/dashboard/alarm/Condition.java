package io.perch.dashboard.alarm;

import java.util.Map;

/** A condition seen true by one check: the alarm it raises (or keeps raised), by name. */
record Condition(String name, String message, Map<String, Object> details) {
}
