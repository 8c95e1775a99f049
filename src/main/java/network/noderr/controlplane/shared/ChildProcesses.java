package network.noderr.controlplane.shared;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The local processes the control plane starts for its embedded defaults (anvil, PostgreSQL): started so that they
 * do not outlive the JVM, and recognised when an earlier run that was killed left one behind.
 *
 * <p>A process is only ever recognised as ours by its command line (Linux {@code /proc/<pid>/cmdline}), which must
 * name the program and the data directory it works on; where there is no {@code /proc} nothing is recognised.
 */
public final class ChildProcesses {

    /** Linux's util-linux tool that sets the parent-death signal (prctl PR_SET_PDEATHSIG) and then runs a program. */
    private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));

    /**
     * The thread every tied child is started from. The kernel sends the parent-death signal when the thread that
     * started the child ends, not the process: this one lives as long as the JVM (an idle pool thread never times
     * out), so a child started while serving a request, or from a test's thread, is not stopped when that ends.
     */
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(task -> {
        var thread = new Thread(task, "noderr-child-launcher");
        thread.setDaemon(true);
        return thread;
    });

    private ChildProcesses() {}

    /**
     * Starts {@code builder}'s command so that Linux sends it SIGTERM when the JVM ends, however it ends (also on
     * SIGKILL or an out-of-memory kill): through {@code setpriv --pdeathsig TERM}, where setpriv is installed.
     * Elsewhere the command is started as it is.
     */
    public static Process startTiedToJvm(ProcessBuilder builder) throws IOException {
        var setpriv = setpriv();
        if (setpriv.isPresent()) {
            var command = new ArrayList<>(List.of(setpriv.get().toString(), "--pdeathsig", "TERM", "--"));
            command.addAll(builder.command());
            builder = builder.command(command);
        }
        var tied = builder;
        try {
            return LAUNCHER.submit(tied::start).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting " + builder.command(), e);
        } catch (TimeoutException e) {
            throw new IOException("Could not start " + builder.command() + " within 30 s", e);
        }
    }

    /** Found once: whether (and where) a setpriv that takes {@code --pdeathsig} is installed. */
    private static volatile @Nullable Optional<Path> setpriv;

    /**
     * setpriv, on Linux where one is installed that sets the parent-death signal: util-linux's does; busybox's
     * setpriv applet (the only one on a busybox-based image) does not know the option and would fail every start, so
     * the candidate is tried once with {@code true}.
     */
    public static Optional<Path> setpriv() {
        var found = setpriv;
        if (found == null) {
            found = Optional.empty();
            if (System.getProperty("os.name", "").startsWith("Linux")) {
                found = SETPRIV.stream().filter(Files::isExecutable).findFirst().filter(ChildProcesses::setsDeathSignal);
            }
            setpriv = found;
        }
        return found;
    }

    static boolean setsDeathSignal(Path setpriv) {
        try {
            var probe = new ProcessBuilder(setpriv.toString(), "--pdeathsig", "TERM", "--", "true")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!probe.waitFor(10, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The process's command line (program and arguments), when it can be read (Linux, a process of this user). */
    public static Optional<List<String>> commandLine(long pid) {
        try {
            var raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            if (raw.length == 0) {
                return Optional.empty(); // a zombie or a kernel thread
            }
            var text = new String(raw, StandardCharsets.UTF_8);
            if (text.endsWith("\0")) {
                text = text.substring(0, text.length() - 1);
            }
            return Optional.of(Arrays.asList(text.split("\0", -1)));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Whether the command line runs a program with this file name (e.g. {@code anvil}, whatever its directory). */
    public static boolean runs(List<String> commandLine, String program) {
        return !commandLine.isEmpty() && Path.of(commandLine.getFirst()).getFileName().toString().equals(program);
    }

    /** Whether the command line holds {@code option} directly followed by the path {@code value} (the same file). */
    public static boolean hasPathOption(List<String> commandLine, String option, Path value) {
        for (int i = 1; i + 1 < commandLine.size(); i++) {
            if (commandLine.get(i).equals(option) && samePath(Path.of(commandLine.get(i + 1)), value)) {
                return true;
            }
        }
        return false;
    }

    /** The running processes whose command line satisfies {@code test}. */
    public static List<ProcessHandle> find(java.util.function.Predicate<List<String>> test) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> commandLine(p.pid()).filter(test).isPresent())
                .toList();
    }

    /** SIGTERM, then SIGKILL when it has not ended within {@code grace}; true when it has ended. */
    public static boolean stop(ProcessHandle process, Duration grace) {
        process.destroy();
        if (awaitExit(process, grace)) {
            return true;
        }
        process.destroyForcibly();
        return awaitExit(process, Duration.ofSeconds(5));
    }

    /** Waits up to {@code timeout} for the process to end; true when it has. */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }

    private static boolean samePath(Path a, Path b) {
        var x = a.toAbsolutePath().normalize();
        var y = b.toAbsolutePath().normalize();
        if (x.equals(y)) {
            return true;
        }
        try {
            return Files.exists(x) && Files.exists(y) && Files.isSameFile(x, y);
        } catch (IOException e) {
            return false;
        }
    }
}
