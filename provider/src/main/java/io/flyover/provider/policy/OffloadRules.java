package io.flyover.provider.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The configured offload rules, first match wins, in the spirit of XLIO's {@code libxlio.conf}:
 * <pre>
 *   # action  role          address[/prefix][:ports]
 *   kernel    udp_sender    *:53                 # DNS stays with the kernel
 *   offload   tcp_client    198.18.0.0/15:*
 *   offload   tcp_server    *:8080-8090
 *   kernel    tcp_client    [fd00::]/8:22
 * </pre>
 * Actions are {@code offload} and {@code kernel}; roles are {@link SocketRole}'s names; an address is
 * {@code *}, an IPv4 address, or an IPv6 address in brackets, each with an optional prefix; ports are
 * {@code *}, one port, or {@code first-last}. A {@code #} starts a comment. A line that does not parse
 * is an error naming the line, never silently ignored.
 */
public final class OffloadRules {
    private final List<OffloadRule> rules;

    public OffloadRules(List<OffloadRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static OffloadRules none() {
        return new OffloadRules(List.of());
    }

    public List<OffloadRule> rules() {
        return rules;
    }

    /** The first rule that matches, if any. */
    public Optional<OffloadRule> firstMatch(SocketRole role, InetAddress address, int port) {
        for (OffloadRule r : rules) {
            if (r.matches(role, address, port)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * Parses rules text; {@code origin} (a file name or property name) goes into error messages.
     *
     * @throws IllegalArgumentException naming the origin, the line number and what is wrong
     */
    public static OffloadRules parse(String text, String origin) {
        List<OffloadRule> parsed = new ArrayList<>();
        String[] lines = text.split("\\R|;");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n];
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (content.isEmpty()) {
                continue;
            }
            try {
                parsed.add(parseRule(content, origin + ":" + (n + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(origin + ", rule " + (n + 1) + " '" + content + "': " + e.getMessage(), e);
            }
        }
        return new OffloadRules(parsed);
    }

    private static OffloadRule parseRule(String content, String source) {
        String[] words = content.split("\\s+");
        if (words.length != 3) {
            throw new IllegalArgumentException("expected 'offload|kernel <role> <address>[/prefix][:ports]'");
        }
        OffloadPath path = switch (words[0]) {
            case "offload" -> OffloadPath.OFFLOAD;
            case "kernel" -> OffloadPath.KERNEL;
            default -> throw new IllegalArgumentException("action must be 'offload' or 'kernel', not '" + words[0] + "'");
        };
        SocketRole role = SocketRole.parse(words[1]);
        String target = words[2];

        String addressPart;
        String portPart;
        if (target.startsWith("[")) {
            int close = target.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '[' in IPv6 address");
            }
            String afterBracket = target.substring(close + 1);
            int colon = afterBracket.indexOf(':');
            addressPart = target.substring(1, close) + (colon < 0 ? afterBracket : afterBracket.substring(0, colon));
            portPart = colon < 0 ? "*" : afterBracket.substring(colon + 1);
        } else {
            int colon = target.indexOf(':');
            if (colon >= 0 && target.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("write IPv6 addresses in brackets, as [fd00::]/8:80");
            }
            addressPart = colon < 0 ? target : target.substring(0, colon);
            portPart = colon < 0 ? "*" : target.substring(colon + 1);
        }

        InetAddress network = null;
        int prefix = 0;
        if (!addressPart.equals("*")) {
            int slash = addressPart.indexOf('/');
            String literal = slash < 0 ? addressPart : addressPart.substring(0, slash);
            network = literal(literal);
            int bits = network.getAddress().length * 8;
            prefix = slash < 0 ? bits : number(addressPart.substring(slash + 1), "prefix length", 0, bits);
        }

        int first = 0;
        int last = 65_535;
        if (!portPart.equals("*")) {
            int dash = portPart.indexOf('-');
            first = number(dash < 0 ? portPart : portPart.substring(0, dash), "port", 0, 65_535);
            last = dash < 0 ? first : number(portPart.substring(dash + 1), "port", 0, 65_535);
            if (last < first) {
                throw new IllegalArgumentException("port range " + first + "-" + last + " is empty");
            }
        }
        return new OffloadRule(path, role, network, prefix, first, last, source);
    }

    /** An address literal only (dotted-quad IPv4 or IPv6): a rule never triggers a DNS lookup. */
    private static InetAddress literal(String text) {
        boolean ipv6 = text.indexOf(':') >= 0;
        if (!ipv6 && !text.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 dotted quad or a bracketed IPv6 address");
        }
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address literal", e);
        }
    }

    private static int number(String text, String what, int min, int max) {
        try {
            int v = Integer.parseInt(text);
            if (v < min || v > max) {
                throw new IllegalArgumentException(what + " " + v + " outside " + min + ".." + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a number");
        }
    }
}
