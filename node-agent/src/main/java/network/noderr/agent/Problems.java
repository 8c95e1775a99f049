package network.noderr.agent;

import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Locale;
import network.noderr.agent.api.ControlPlane;
import network.noderr.agent.api.Tls;
import org.jspecify.annotations.Nullable;

/**
 * Turns an exception and its causes into one line an operator can act on: "what failed: why", each level once —
 * {@code Could not delete /var/lib/noderr/failed-target.json: permission denied}, not
 * {@code java.lang.RuntimeException: java.net.SocketException: No such file or directory} (a wrapper's message that
 * only repeats its cause is left out, a cause without a message is named by what it means).
 */
public final class Problems {

    private Problems() {}

    public static String describe(Throwable e) {
        return describe(null, e);
    }

    /** {@code what} failed, and why: "cannot read /etc/noderr/agent.properties: permission denied". */
    public static String describe(@Nullable String what, Throwable e) {
        var tls = Tls.explained(e);
        if (tls != null) { // once: the control plane's client may have explained it already
            var text = e.getMessage() != null && e.getMessage().startsWith(Tls.UNTRUSTED_HINT) ? e.getMessage()
                    : tls.getMessage();
            return what == null ? text : what + ": " + text;
        }
        var parts = new ArrayList<String>();
        if (what != null) {
            parts.add(what);
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            var text = text(t, parts);
            if (text != null && !text.isBlank() && parts.stream().noneMatch(p -> p.contains(text))) {
                parts.add(text);
            }
            if (t instanceof ControlPlane.ApiException) {
                break; // the control plane's answer says it all
            }
        }
        if (parts.size() == (what == null ? 0 : 1)) {
            parts.add(e.getClass().getSimpleName());
        }
        return String.join(": ", parts);
    }

    /** What {@code t} adds to the parts before it, or null when it adds nothing (a wrapper of its cause). */
    private static @Nullable String text(Throwable t, java.util.List<String> before) {
        var message = t.getMessage();
        if (t instanceof ControlPlane.ApiException api) {
            return "the control plane answered HTTP " + api.status() + ": " + api.detail();
        }
        if (t instanceof FileSystemException fs) {
            var what = fs instanceof AccessDeniedException ? "permission denied"
                    : fs instanceof NoSuchFileException ? "no such file or directory"
                    : fs.getReason() != null ? lower(fs.getReason()) : null;
            var file = fs.getFile();
            var named = file == null || before.stream().anyMatch(p -> p.contains(file)) ? "" : file + ": ";
            var other = fs.getOtherFile() == null ? "" : " (" + fs.getOtherFile() + ")";
            return what == null ? message : named + what + other;
        }
        if (t instanceof BindException) {
            return message == null ? "address already in use" : lower(message);
        }
        if (t instanceof ConnectException) {
            return message == null || message.isBlank() ? "connection refused or no route" : lower(message);
        }
        if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
            return message == null ? "timed out" : lower(message);
        }
        if (t instanceof UnknownHostException) {
            return "unknown host " + message;
        }
        if (message == null || message.isBlank()) {
            return null;
        }
        var cause = t.getCause();
        if (cause != null && (message.equals(cause.toString()) || message.equals(cause.getMessage()))) {
            return null; // new RuntimeException(cause): says nothing of its own
        }
        return message;
    }

    /** "Connection refused" → "connection refused": the text follows a colon. */
    private static String lower(String text) {
        return text.length() > 1 && Character.isUpperCase(text.charAt(0)) && Character.isLowerCase(text.charAt(1))
                ? text.substring(0, 1).toLowerCase(Locale.ROOT) + text.substring(1) : text;
    }
}
