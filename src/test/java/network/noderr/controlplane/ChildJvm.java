package network.noderr.controlplane;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.beacon.EmbeddedChain;
import network.noderr.controlplane.database.EmbeddedDatabaseProperties;
import network.noderr.controlplane.database.EmbeddedPostgresServer;

/**
 * A second JVM that starts the embedded chain or the embedded PostgreSQL the way the control plane does and then
 * waits, so that a test can kill it with SIGKILL (as the kernel's out-of-memory killer or {@code kill -9} would) and
 * look at what it leaves behind.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final String ready;

    private ChildJvm(Process process, String ready) {
        this.process = process;
        this.ready = ready;
    }

    /** Starts {@code chain <data dir> <anvil> <port>} or {@code postgres <data dir>}; returns once it is up. */
    public static ChildJvm start(String... args) throws Exception {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ChildJvm.class.getName()));
        command.addAll(List.of(args));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var output = new StringBuilder();
        var readyLine = new CompletableFuture<String>();
        var reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.startsWith("READY ")) {
                        readyLine.complete(line.substring("READY ".length()));
                    }
                }
            } catch (IOException e) {
                // the JVM was killed
            }
            synchronized (output) {
                readyLine.completeExceptionally(new IllegalStateException("The child JVM ended before it was ready:\n"
                        + output));
            }
        }, "child-jvm-output");
        reader.setDaemon(true);
        reader.start();
        try {
            return new ChildJvm(process, readyLine.get(90, TimeUnit.SECONDS));
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** What the child printed when it was up (the chain's RPC URL, or PostgreSQL's port). */
    public String ready() {
        return ready;
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** kill -9. */
    public void killHard() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** kill (SIGTERM, as Ctrl+C or a service manager stops the control plane): the JVM runs its shutdown hooks. */
    public boolean terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        killHard();
    }

    public static void main(String[] args) throws Exception {
        var dir = Path.of(args[1]);
        switch (args[0]) {
            case "chain" -> {
                var chain = EmbeddedChain.start(Path.of(args[2]), dir, Integer.parseInt(args[3]));
                System.out.println("READY " + chain.settings().rpcUrl());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
                java.lang.ref.Reference.reachabilityFence(chain);
            }
            case "postgres" -> {
                var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dir, 0, false));
                System.out.println("READY " + server.port());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
                java.lang.ref.Reference.reachabilityFence(server);
            }
            case "postgres-shutdown" -> {
                // As the control plane's Spring context: its own shutdown hook still writes while it stops (a
                // background job finishing, a scheduler lock released), and closes the server last.
                var server = EmbeddedPostgresServer.start(new EmbeddedDatabaseProperties(dir, 0, false));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        Thread.sleep(1000);
                        try (var c = server.dataSource().getConnection()) {
                            c.createStatement().execute("INSERT INTO kept VALUES ('written while shutting down')");
                        }
                        server.close();
                    } catch (Exception e) {
                        System.out.println("shutdown hook failed: " + e);
                    }
                }));
                System.out.println("READY " + server.port());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
