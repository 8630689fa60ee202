package io.perch.dashboard.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code perch ctl}: manage a running broker like {@code emqx_ctl}, over the dashboard's REST API
 * (so it works from any machine that can reach port 18083). Exit codes: 0 ok, 1 API error, 2 usage.
 * The options are inherited, so {@code ctl clients list --json} and {@code ctl --json clients list}
 * both work.
 */
@Command(name = "ctl", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        description = "Manage a running Perch broker through its REST API (like emqx_ctl).",
        subcommands = {StatusCommand.class, ClientsCommand.class, SubscriptionsCommand.class, TopicsCommand.class,
                RetainedCommand.class, PluginsCommand.class, BackendsCommand.class, AdminsCommand.class, LogCommand.class,
                ClusterCommand.class})
public final class CtlCommand implements Runnable {
    @Option(names = "--url", scope = ScopeType.INHERIT, defaultValue = "${env:PERCH_CTL_URL:-http://127.0.0.1:18083}",
            description = "Dashboard URL (env PERCH_CTL_URL; default ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--user", scope = ScopeType.INHERIT, defaultValue = "${env:PERCH_CTL_USER:-admin}",
            description = "Dashboard user (env PERCH_CTL_USER; default ${DEFAULT-VALUE}).")
    String user;

    // The default is not shown in help or anywhere else: passwords stay out of output.
    @Option(names = "--password", scope = ScopeType.INHERIT, defaultValue = "${env:PERCH_CTL_PASSWORD:-public}",
            description = "Dashboard password (env PERCH_CTL_PASSWORD).")
    String password;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print the raw data as JSON instead of a table.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Where {@code admins passwd --stdin} reads; tests replace it. */
    java.io.InputStream stdin = System.in;

    CtlApi api() {
        return new CtlApi(url, user, password);
    }

    /** {@code ctl} alone prints usage and exits 2, like a missing subcommand should. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand");
    }
}
