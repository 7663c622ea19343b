package com.onboardingexport.it.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults below HTTP, on 127.0.0.1 only: a TCP server that, for each connection it accepts, reads
 * the first bytes the client sends (the request line and headers) and then forwards the
 * connection to a target, resets it (RST), keeps it open without ever answering, or forwards it
 * but cuts it after a number of request bytes (an upload dying halfway).
 * What the {@link com.onboardingexport.local.faults.StrapiFaultProxy} cannot do, as it always answers HTTP.
 */
final class TcpFaultServer implements AutoCloseable {
    enum Action {
        /** Pass the connection through to the target. */
        FORWARD,
        /** Reset (RST) the connection once the request has arrived, before any answer. */
        RESET,
        /** Start an answer (status line, headers, a few bytes of the body), then reset the connection. */
        RESET_MID_ANSWER,
        /** Keep the connection open and never answer. */
        HANG,
        /** Forward, but reset both sides once the client has sent {@code cutAfterBytes} bytes. */
        CUT
    }

    /** Decides the fate of the n-th connection (1-based) from its first bytes. */
    interface Policy {
        Action decide(int connection, String head);
    }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Policy policy;
    private final long cutAfterBytes;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private TcpFaultServer(ServerSocket server, InetSocketAddress target, Policy policy, long cutAfterBytes) {
        this.server = server;
        this.target = target;
        this.policy = policy;
        this.cutAfterBytes = cutAfterBytes;
    }

    /** @param target where FORWARD and CUT send the bytes (may be null if the policy never forwards) */
    static TcpFaultServer start(URI target, Policy policy, long cutAfterBytes) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        InetSocketAddress to = target == null ? null : new InetSocketAddress(target.getHost(), target.getPort());
        TcpFaultServer faults = new TcpFaultServer(server, to, policy, cutAfterBytes);
        Thread acceptor = new Thread(faults::acceptLoop, "tcp-fault-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return faults;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    int connections() {
        return connections.get();
    }

    /** The first bytes (request line and headers) of every connection, in order. */
    List<String> heads() {
        return heads;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread worker = new Thread(() -> serve(client), "tcp-fault-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        int number = connections.incrementAndGet();
        try {
            client.setSoTimeout(10_000);
            byte[] buffer = new byte[16 * 1024];
            int n = client.getInputStream().read(buffer);
            if (n <= 0) {
                client.close();
                return;
            }
            String head = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
            heads.add(head);
            switch (policy.decide(number, head)) {
                case RESET -> reset(client);
                case RESET_MID_ANSWER -> {
                    client.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                            + "{\"data\":[{\"id\":1,").getBytes(StandardCharsets.ISO_8859_1));
                    client.getOutputStream().flush();
                    reset(client);
                }
                case HANG -> { } // holds the connection open, answering nothing, until close()
                case FORWARD -> forward(client, buffer, n, Long.MAX_VALUE);
                case CUT -> forward(client, buffer, n, cutAfterBytes);
            }
        } catch (IOException e) {
            quietlyClose(client);
        }
    }

    private void forward(Socket client, byte[] head, int headLength, long limit) throws IOException {
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        open.add(upstream);
        client.setSoTimeout(0);
        Thread back = new Thread(() -> pipe(upstream, client, Long.MAX_VALUE), "tcp-fault-back");
        back.setDaemon(true);
        back.start();
        OutputStream toUpstream = upstream.getOutputStream();
        int first = (int) Math.min(headLength, limit);
        toUpstream.write(head, 0, first);
        toUpstream.flush();
        if (first < headLength) {
            reset(client);
            reset(upstream);
            return;
        }
        pipe(client, upstream, limit - headLength);
    }

    /** Copies from one socket to the other; past {@code limit} bytes, resets both. */
    private void pipe(Socket from, Socket to, long limit) {
        byte[] buffer = new byte[16 * 1024];
        long copied = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) > 0) {
                int allowed = (int) Math.min(n, limit - copied);
                out.write(buffer, 0, allowed);
                out.flush();
                copied += allowed;
                if (copied >= limit) {
                    reset(from);
                    reset(to);
                    return;
                }
            }
            to.shutdownOutput();
        } catch (IOException e) {
            quietlyClose(from);
            quietlyClose(to);
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        quietlyClose(socket);
    }

    private static void quietlyClose(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        open.forEach(TcpFaultServer::quietlyClose);
    }
}
