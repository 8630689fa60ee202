package io.perch.dashboard.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code ctl admins passwd [USERNAME]}, like {@code emqx_ctl admins passwd}: changes the dashboard
 * password through {@code PUT /api/v4/change_pwd/{username}}. The old password is the one ctl logs
 * in with ({@code --password} / PERCH_CTL_PASSWORD); the new one is typed twice at a prompt that
 * does not echo, or read as one line from stdin with {@code --stdin}. It is never an argument
 * (argument lists are visible to every user of the machine) and never printed.
 */
@Command(name = "admins", description = "Manage the dashboard user.", subcommands = AdminsCommand.Passwd.class)
final class AdminsCommand {
    private AdminsCommand() {
    }

    @Command(name = "passwd", description = "Change the dashboard password (revokes every dashboard token).")
    static final class Passwd extends ApiCommand {
        @Parameters(index = "0", arity = "0..1", description = "Dashboard user (default: --user).")
        String username;

        @Option(names = "--stdin", description = "Read the new password as one line from standard input instead of prompting.")
        boolean stdin;

        @Override
        void run(CtlApi api, PrintWriter out) {
            String user = username != null ? username : root().user;
            String newPassword = stdin ? fromStdin() : prompt();
            api.put("/change_pwd/" + CtlApi.segment(user), Map.of("old_pwd", root().password, "new_pwd", newPassword));
            if (json()) {
                done(out);
            } else {
                out.println("ok: the password of '" + user + "' was changed; every dashboard token was revoked");
                out.flush();
            }
        }

        private String fromStdin() {
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(root().stdin, StandardCharsets.UTF_8));
                String line = r.readLine();
                if (line == null || line.isEmpty()) {
                    throw new ParameterException(spec.commandLine(), "--stdin: no password on standard input");
                }
                return line;
            } catch (IOException e) {
                throw new CtlException("cannot read standard input: " + e.getMessage());
            }
        }

        private String prompt() {
            Console console = System.console();
            if (console == null) {
                throw new ParameterException(spec.commandLine(), "no terminal to prompt on; pipe the new password with --stdin");
            }
            char[] a = console.readPassword("New dashboard password: ");
            char[] b = console.readPassword("Again: ");
            try {
                if (a == null || b == null || !Arrays.equals(a, b)) {
                    throw new CtlException("the passwords do not match");
                }
                return new String(a);
            } finally {
                if (a != null) {
                    Arrays.fill(a, ' ');
                }
                if (b != null) {
                    Arrays.fill(b, ' ');
                }
            }
        }
    }
}
