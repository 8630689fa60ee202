package io.perch.auth.acl;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the Erlang terms of an EMQ X {@code acl.conf}: each rule a term ending with a full
 * stop; tuples, lists, double-quoted strings, atoms (bare or single-quoted), integers, and
 * {@code %} comments. Enough for ACL files, not a general Erlang reader. Errors name the line.
 */
final class ErlangTerms {
    /** A term and the line it starts on. */
    sealed interface Term permits Tuple, ListTerm, Str, Atom, Int {
        int line();
    }

    record Tuple(List<Term> items, int line) implements Term {
    }

    record ListTerm(List<Term> items, int line) implements Term {
    }

    record Str(String value, int line) implements Term {
    }

    record Atom(String name, int line) implements Term {
    }

    record Int(long value, int line) implements Term {
    }

    private final String src;
    private final String file;
    private int pos;
    private int line = 1;

    private ErlangTerms(String src, String file) {
        this.src = src;
        this.file = file;
    }

    /** Every top-level term of the text, in order. */
    static List<Term> read(String text, String file) {
        ErlangTerms r = new ErlangTerms(text, file);
        List<Term> out = new ArrayList<>();
        while (true) {
            r.skip();
            if (r.pos >= r.src.length()) {
                return out;
            }
            Term t = r.term();
            r.skip();
            if (r.pos >= r.src.length() || r.src.charAt(r.pos) != '.') {
                throw r.error("expected '.' after the rule that starts on line " + t.line());
            }
            r.pos++;
            out.add(t);
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(file + ":" + line + ": " + what);
    }

    private void skip() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '%') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (Character.isWhitespace(c)) {
                if (c == '\n') {
                    line++;
                }
                pos++;
            } else {
                return;
            }
        }
    }

    private Term term() {
        skip();
        if (pos >= src.length()) {
            throw error("unexpected end of file");
        }
        char c = src.charAt(pos);
        int at = line;
        if (c == '{') {
            pos++;
            return new Tuple(items('}'), at);
        }
        if (c == '[') {
            pos++;
            return new ListTerm(items(']'), at);
        }
        if (c == '"') {
            return new Str(quoted('"'), at);
        }
        if (c == '\'') {
            return new Atom(quoted('\''), at);
        }
        if (Character.isDigit(c) || c == '-') {
            int start = pos++;
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
            try {
                return new Int(Long.parseLong(src.substring(start, pos)), at);
            } catch (NumberFormatException e) {
                throw error("not a number: " + src.substring(start, pos));
            }
        }
        if (Character.isLowerCase(c)) {
            int start = pos;
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_'
                    || src.charAt(pos) == '@')) {
                pos++;
            }
            return new Atom(src.substring(start, pos), at);
        }
        throw error("unexpected '" + c + "'");
    }

    private List<Term> items(char close) {
        List<Term> items = new ArrayList<>();
        skip();
        if (pos < src.length() && src.charAt(pos) == close) {
            pos++;
            return items;
        }
        while (true) {
            items.add(term());
            skip();
            if (pos >= src.length()) {
                throw error("missing '" + close + "'");
            }
            char c = src.charAt(pos++);
            if (c == close) {
                return items;
            }
            if (c != ',') {
                throw error("expected ',' or '" + close + "', found '" + c + "'");
            }
        }
    }

    private String quoted(char q) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (pos < src.length()) {
            char c = src.charAt(pos++);
            if (c == q) {
                return sb.toString();
            }
            if (c == '\\' && pos < src.length()) {
                char e = src.charAt(pos++);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> e;
                });
                continue;
            }
            if (c == '\n') {
                line++;
            }
            sb.append(c);
        }
        throw error("unterminated " + (q == '"' ? "string" : "quoted atom"));
    }
}
