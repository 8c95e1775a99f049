package network.noderr.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A TCP relay on a fixed loopback port in front of a real server, to cut the network between the agent and that
 * server (a control plane, a chain's RPC) and restore it: {@link #cut()} closes the listener and every open
 * connection, so the agent sees "connection refused" exactly as if the server were gone; {@link #restore()} listens
 * on the same port again. {@link #blackhole()} keeps the open connections open but lets nothing through them any more
 * (a NAT or firewall that forgot them, a peer gone without a word): neither side hears of it. The servers themselves
 * are the real ones.
 */
public final class TcpRelay implements AutoCloseable {

    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> blackholed = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    public TcpRelay(String host, int targetPort) throws IOException {
        this.target = new InetSocketAddress(host, targetPort);
        var first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = first.getLocalPort();
        listen(first);
    }

    public int port() {
        return port;
    }

    public synchronized void cut() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (var socket : open) {
            socket.close();
        }
        open.clear();
    }

    /**
     * From now on, what either side sends on the connections open now is read and dropped; they stay open. New
     * connections are relayed as before.
     */
    public synchronized void blackhole() {
        blackholed.addAll(open);
    }

    /**
     * Listens on the port again. Right after {@link #cut()} the closed listener may still hold the port for a moment
     * (its close completes once the thread blocked in {@code accept} has left it), so the bind is tried for up to
     * 5 s.
     */
    public synchronized void restore() throws IOException {
        if (server == null) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (true) {
                var socket = new ServerSocket();
                socket.setReuseAddress(true);
                try {
                    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    listen(socket);
                    return;
                } catch (java.net.BindException e) {
                    socket.close();
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }
    }

    private void listen(ServerSocket socket) {
        server = socket;
        Thread.ofVirtual().start(() -> {
            while (!socket.isClosed()) {
                Socket client = null;
                Socket upstream = null;
                try {
                    client = socket.accept();
                    // Known to cut() before the upstream connect, and dropped if cut() came meanwhile: a connection
                    // accepted just before a cut must not outlive it.
                    open.add(client);
                    upstream = new Socket();
                    open.add(upstream);
                    upstream.connect(target, 5_000);
                    if (server != socket) {
                        throw new IOException("cut while connecting");
                    }
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException e) {
                    // closed by cut(), or the target refused: the client's connection ends
                    drop(client);
                    drop(upstream);
                }
            }
        });
    }

    private void drop(@Nullable Socket socket) {
        if (socket != null) {
            open.remove(socket);
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                var buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (!blackholed.contains(from)) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
                open.remove(from);
                open.remove(to);
                blackholed.remove(from);
                blackholed.remove(to);
            }
        });
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
