package io.perch.server.testplugin;

/** Registered in META-INF/services so tests see real ServiceLoader discovery; owns {@code testplugin.*}. */
public class ServiceLoadedPlugin extends RecordingPlugin {
    public ServiceLoadedPlugin() {
        super("testplugin", "testplugin.");
    }
}
