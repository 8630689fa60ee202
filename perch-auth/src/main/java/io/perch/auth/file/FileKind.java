package io.perch.auth.file;

import io.perch.auth.acl.AclFileSource;
import io.perch.auth.acl.AclRules;
import io.perch.auth.acl.EmqxAclFile;
import io.perch.auth.acl.MosquittoAclFile;
import io.perch.auth.spi.AclSource;
import io.perch.auth.spi.AuthSource;
import io.perch.auth.spi.ScramVerifiers;
import io.perch.auth.spi.SourceKind;
import io.perch.auth.spi.Sources;
import io.perch.broker.plugin.ConfigDurations;
import io.perch.broker.plugin.ConfigEntry;
import io.perch.broker.plugin.ConfigException;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code file} source: users from a Mosquitto password file
 * ({@code auth.file.password_file}, superusers named by {@code auth.file.superusers}), ACL
 * rules from {@code acl_file} in EMQ X's format or Mosquitto's ({@code acl_file.format}); both
 * reloaded when they change ({@code auth.file.reload_interval}, default 2 s; 0 turns it off).
 */
public final class FileKind implements SourceKind {
    static final String PASSWORD_FILE = "auth.file.password_file";
    static final String SUPERUSERS = "auth.file.superusers";
    static final String RELOAD = "auth.file.reload_interval";
    static final String ACL_FILE = "acl_file";
    static final String ACL_FORMAT = "acl_file.format";

    @Override
    public String name() {
        return "file";
    }

    @Override
    public List<String> prefixes() {
        return List.of("auth.file.", ACL_FILE);
    }

    @Override
    public Sources configure(List<ConfigEntry> entries) {
        ConfigEntry passwords = null;
        ConfigEntry acl = null;
        boolean mosquittoAcl = false;
        Set<String> superusers = new LinkedHashSet<>();
        Duration reload = Duration.ofSeconds(2);
        for (ConfigEntry e : entries) {
            String v = e.value() == null ? "" : e.value().strip();
            switch (e.key()) {
                case PASSWORD_FILE -> passwords = v.isEmpty() ? null : e;
                case SUPERUSERS -> Arrays.stream(v.split("[,\\s]+")).filter(s -> !s.isEmpty()).forEach(superusers::add);
                case RELOAD -> reload = ConfigDurations.parse(e);
                case ACL_FILE -> acl = v.isEmpty() ? null : e;
                case ACL_FORMAT -> mosquittoAcl = switch (v) {
                    case "emqx" -> false;
                    case "mosquitto" -> true;
                    default -> throw new ConfigException(e, "expected emqx (acl.conf rules) or mosquitto (acl_file lines)");
                };
                default -> throw new ConfigException(e, "unknown key; the file source's keys are " + PASSWORD_FILE
                        + ", " + SUPERUSERS + ", " + RELOAD + ", " + ACL_FILE + " and " + ACL_FORMAT);
            }
        }
        if (passwords == null && acl == null) {
            return null;
        }
        return new FileSources(passwords, acl, mosquittoAcl, superusers, reload);
    }

    /** What the file source started: the watched files and the sources they feed. */
    private static final class FileSources implements Sources {
        private final ConfigEntry passwordEntry;
        private final ConfigEntry aclEntry;
        private final boolean mosquittoAcl;
        private final Duration reload;
        private final PasswordFileSource auth;
        private final AclFileSource acl;
        private final Set<String> superusers;
        private WatchedFile<PasswordFile> passwordFile;
        private WatchedFile<AclRules> aclFile;
        private PasswordFileUsers users;

        FileSources(ConfigEntry passwordEntry, ConfigEntry aclEntry, boolean mosquittoAcl, Set<String> superusers,
                    Duration reload) {
            this.passwordEntry = passwordEntry;
            this.aclEntry = aclEntry;
            this.mosquittoAcl = mosquittoAcl;
            this.reload = reload;
            this.superusers = superusers;
            this.auth = passwordEntry == null ? null : new PasswordFileSource(superusers);
            this.acl = aclEntry == null ? null : new AclFileSource();
        }

        @Override
        public void start(Context context) {
            if (passwordEntry != null) {
                passwordFile = new WatchedFile<>(context.resolve(passwordEntry.value().strip()), PasswordFile::read, auth::use);
                startWatch(passwordFile, passwordEntry, context, "a password file written by mosquitto_passwd "
                        + "or bin/perch passwd");
                users = new PasswordFileUsers(passwordFile, superusers, auth);
            }
            if (aclEntry != null) {
                WatchedFile.Parser<AclRules> parser = mosquittoAcl ? MosquittoAclFile::read : EmqxAclFile::read;
                aclFile = new WatchedFile<>(context.resolve(aclEntry.value().strip()), parser, acl::use);
                startWatch(aclFile, aclEntry, context, mosquittoAcl ? "a Mosquitto acl_file"
                        : "an EMQ X acl.conf (or set acl_file.format = mosquitto)");
            }
        }

        @Override
        public void check(java.nio.file.Path home) {
            Context paths = new Context(home, null, null, null);
            if (passwordEntry != null) {
                parse(paths.resolve(passwordEntry.value().strip()), PasswordFile::read, passwordEntry,
                        "a password file written by mosquitto_passwd or bin/perch passwd");
            }
            if (aclEntry != null) {
                parse(paths.resolve(aclEntry.value().strip()), mosquittoAcl ? MosquittoAclFile::read : EmqxAclFile::read,
                        aclEntry, mosquittoAcl ? "a Mosquitto acl_file" : "an EMQ X acl.conf (or set acl_file.format = mosquitto)");
            }
        }

        private static void parse(java.nio.file.Path file, WatchedFile.Parser<?> parser, ConfigEntry entry, String expected) {
            try {
                parser.parse(file);
            } catch (IOException | IllegalArgumentException e) {
                String why = e instanceof java.nio.file.NoSuchFileException ? file + " cannot be read: no such file"
                        : e.getMessage();
                throw new ConfigException(entry, why + " (expected " + expected + ")");
            }
        }

        private void startWatch(WatchedFile<?> f, ConfigEntry entry, Context context, String expected) {
            try {
                f.start(context.timer(), reload);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException(entry, e.getMessage() + " (expected " + expected + ")");
            }
        }

        @Override
        public AuthSource auth() {
            return auth;
        }

        @Override
        public PasswordFileUsers passwordFile() {
            return users;
        }

        @Override
        public java.util.Map<String, Object> describe() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            if (passwordFile != null) {
                java.util.Map<String, Object> p = new java.util.LinkedHashMap<>();
                p.put("path", passwordFile.file().toString());
                p.put("users", users.loadedUsers());
                p.put("superusers", List.copyOf(superusers));
                p.put("loaded_at", passwordFile.loadedAt());
                p.put("last_error", passwordFile.lastError());
                m.put("password_file", p);
            }
            if (aclFile != null) {
                java.util.Map<String, Object> a = new java.util.LinkedHashMap<>();
                a.put("path", aclFile.file().toString());
                a.put("format", mosquittoAcl ? "mosquitto" : "emqx");
                a.put("rules", acl.rules().size());
                a.put("loaded_at", aclFile.loadedAt());
                a.put("last_error", aclFile.lastError());
                m.put("acl_file", a);
            }
            m.put("reload_interval_ms", reload.toMillis());
            return m;
        }

        @Override
        public AclSource acl() {
            return acl;
        }

        @Override
        public ScramVerifiers scram() {
            return auth == null ? null : (client, user) -> java.util.concurrent.CompletableFuture.completedFuture(auth.scram(user));
        }

        @Override
        public void close() {
            if (passwordFile != null) {
                passwordFile.close();
            }
            if (aclFile != null) {
                aclFile.close();
            }
            Sources.super.close();
        }
    }
}
