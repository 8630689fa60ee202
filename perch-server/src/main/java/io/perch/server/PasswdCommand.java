package io.perch.server;

import io.perch.auth.file.MosquittoHash;
import io.perch.auth.file.PasswordFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.Console;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code perch passwd}: adds, changes, deletes and lists users in a Mosquitto password file
 * ({@code auth.file.password_file}), with the options {@code mosquitto_passwd} has, so either
 * tool may keep the file. The broker reloads the file when it changes: no restart.
 */
@Command(name = "passwd", description = {
        "Add or change a user's password in a Mosquitto password file (prompting for it twice),",
        "delete a user (-D) or list the users (-l). A running broker picks the change up."},
        footer = {"", "Examples:", "  bin/perch passwd etc/passwd alice", "  bin/perch passwd -D etc/passwd alice",
                "  bin/perch passwd -l etc/passwd"})
final class PasswdCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "-c", description = "Create the file, replacing any that exists.")
    boolean create;

    @Option(names = "-D", description = "Delete the user.")
    boolean delete;

    @Option(names = "-l", description = "List the users.")
    boolean list;

    @Option(names = "-b", description = "Take the password from the command line (it shows in the shell's history "
            + "and the process list: for scripts only).")
    boolean batch;

    @Option(names = "-I", paramLabel = "ITERATIONS", description = "PBKDF2 iterations (default: 1000; 4096 with --scram).")
    Integer iterations;

    @Option(names = "--scram", description = "Write a SCRAM-SHA-256 verifier: the user may then also authenticate with "
            + "MQTT 5 enhanced authentication (a plain password still works; Mosquitto cannot read such a line).")
    boolean scram;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "USER")
    String user;

    @Parameters(index = "2", arity = "0..1", paramLabel = "PASSWORD", description = "With -b only.")
    String password;

    @Override
    public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        if (list) {
            PasswordFile.read(file).users().forEach(out::println);
            return Main.EXIT_OK;
        }
        if (user == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing USER");
        }
        if (password != null && !batch) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "a password on the command line needs -b (or leave it out to be asked for it)");
        }
        int rounds = iterations != null ? iterations
                : scram ? io.perch.auth.scram.ScramVerifier.DEFAULT_ITERATIONS : MosquittoHash.DEFAULT_ITERATIONS;
        if (rounds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-I must be at least 1");
        }
        PasswordFile current = create || !Files.exists(file) ? PasswordFile.empty() : PasswordFile.read(file);
        if (!create && !Files.exists(file) && !delete) {
            spec.commandLine().getErr().println("perch passwd: " + file + " does not exist; creating it");
        }
        if (delete) {
            if (!current.users().contains(user)) {
                spec.commandLine().getErr().println("perch passwd: no user " + user + " in " + file);
                return Main.EXIT_FAILED;
            }
            current.without(user).write(file);
            out.println("deleted " + user);
            return Main.EXIT_OK;
        }
        byte[] pw = batch ? require(password).getBytes(StandardCharsets.UTF_8) : prompt();
        try {
            current.with(user, scram ? io.perch.auth.scram.ScramVerifier.of(pw, rounds).format()
                    : MosquittoHash.hash7(pw, rounds)).write(file);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
        out.println((current.users().contains(user) ? "changed " : "added ") + user);
        return Main.EXIT_OK;
    }

    private String require(String pw) {
        if (pw == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-b needs the PASSWORD after USER");
        }
        return pw;
    }

    private byte[] prompt() {
        Console console = System.console();
        if (console == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no terminal to ask for the password on; use -b USER PASSWORD in scripts");
        }
        char[] a = console.readPassword("Password: ");
        char[] b = console.readPassword("Reenter password: ");
        try {
            if (a == null || b == null || !Arrays.equals(a, b)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "the passwords do not match");
            }
            return new String(a).getBytes(StandardCharsets.UTF_8);
        } finally {
            if (a != null) {
                Arrays.fill(a, '\0');
            }
            if (b != null) {
                Arrays.fill(b, '\0');
            }
        }
    }
}
