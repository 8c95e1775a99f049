package network.noderr.agent.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Starts a command in a session of its own and stops it with everything it started. {@link Process#descendants()}
 * alone finds a child only while its parent lives: once the command exits, what it left running (a background
 * process that keeps its output open) belongs to init, and only the session it was started in still names it.
 * Linux: {@code setsid(1)} (util-linux) starts the session, {@code /proc/<pid>/stat} tells a process's session.
 * Without {@code setsid} the command runs as it is and only its live descendants are found.
 */
final class ProcessTree {

    private static final @Nullable Path SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid").map(Path::of)
            .filter(Files::isExecutable).findFirst().orElse(null);

    private ProcessTree() {}

    /**
     * {@code command} under {@code setsid --wait}, which (not a process group leader, as a child of the JVM is not)
     * calls setsid() and becomes the command: the process's pid is its session id.
     */
    static ProcessBuilder inOwnSession(List<String> command) {
        if (SETSID == null) {
            return new ProcessBuilder(command);
        }
        return new ProcessBuilder(Stream.concat(Stream.of(SETSID.toString(), "--wait"), command.stream()).toList());
    }

    /** Kills {@code process} and every process it started, whether {@code process} still runs or not. */
    static void stop(Process process) {
        var started = startedBy(process).toList(); // while the process lives its children are still its own
        process.destroyForcibly();
        started.forEach(ProcessHandle::destroyForcibly);
        startedBy(process).forEach(ProcessHandle::destroyForcibly); // started in between
    }

    /** The live processes {@code process} started: its descendants, and what is left in its session. */
    static Stream<ProcessHandle> startedBy(Process process) {
        long session = process.pid();
        var inSession = SETSID == null ? Stream.<ProcessHandle>empty()
                : ProcessHandle.allProcesses().filter(p -> p.pid() != session && sessionOf(p.pid()) == session);
        return Stream.concat(process.descendants(), inSession).distinct();
    }

    /** The session id in {@code /proc/<pid>/stat} (after the name: state, ppid, pgrp, session); -1 if gone. */
    static long sessionOf(long pid) {
        try {
            var stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
