package io.perch.dashboard.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * A leaf command that calls the API. API failures print "Error: ..." and exit 1 here rather
 * than in an exception handler, so the codes hold when {@link CtlCommand} is nested under another
 * command line (bin/perch ctl ...).
 */
abstract class ApiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    abstract void run(CtlApi api, PrintWriter out);

    /** The exit status after {@link #run} succeeded: 0 unless the command says otherwise. */
    int exitCode() {
        return 0;
    }

    /** Checks arguments before any request; throw picocli's ParameterException for a usage error (exit 2). */
    void validate() {
    }

    @Override
    public final Integer call() {
        validate();
        try {
            run(root().api(), spec.commandLine().getOut());
            return exitCode();
        } catch (CtlException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    CtlCommand root() {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            if (s.userObject() instanceof CtlCommand c) {
                return c;
            }
        }
        throw new IllegalStateException("not under CtlCommand");
    }

    boolean json() {
        return root().json;
    }

    /** {@code --json}: the raw {@code data}, pretty-printed; otherwise the table. */
    void print(PrintWriter out, JsonNode data, Table table) {
        if (json()) {
            printJson(out, data);
        } else {
            table.print(out, data);
        }
    }

    /**
     * In a cluster, a list misses the entries of nodes that did not answer: says which on stderr
     * (stdout keeps only the table or JSON, for scripts).
     */
    void warnUnavailable(JsonNode answer) {
        PrintWriter err = spec.commandLine().getErr();
        for (JsonNode n : answer.path("unavailable_nodes")) {
            err.println("Warning: node " + n.path("node").asText() + " did not answer (" + n.path("reason").asText()
                    + "); its entries are missing");
        }
        err.flush();
    }

    static void printJson(PrintWriter out, JsonNode data) {
        try {
            out.println(CtlApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(data));
        } catch (JsonProcessingException e) {
            throw new CtlException("cannot print JSON: " + e.getOriginalMessage());
        }
        out.flush();
    }

    /** For commands whose answer carries no data: "ok", or {@code {"code":0}} with --json. */
    void done(PrintWriter out) {
        out.println(json() ? "{\"code\":0}" : "ok");
        out.flush();
    }
}
