package com.onboardingexport.it.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.onboardingexport.shared.Json;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plays the X-Ray daemon Lambda runs next to a function (no real daemon can run here): a UDP socket on
 * the loopback that keeps every document it is sent. The daemon's protocol: each datagram is the header
 * {@code {"format":"json","version":1}}, a newline, then one segment or subsegment document.
 */
final class XRayDaemonStandIn implements AutoCloseable {
    private final DatagramSocket socket;
    private final List<String> datagrams = new CopyOnWriteArrayList<>();
    private final Thread receiver;
    private volatile boolean closing;

    XRayDaemonStandIn() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(200);
        receiver = new Thread(this::receive, "xray-daemon-stand-in");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** What {@code AWS_XRAY_DAEMON_ADDRESS} holds: host:port. */
    String address() {
        return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
    }

    /** Every datagram, as received. */
    List<String> datagrams() {
        return List.copyOf(datagrams);
    }

    /** The documents (the part after the protocol header) that parse as JSON objects. */
    List<JsonNode> documents() {
        return datagrams.stream().map(d -> {
            int newline = d.indexOf('\n');
            try {
                return newline < 0 ? null : Json.MAPPER.readTree(d.substring(newline + 1));
            } catch (IOException e) {
                return null;
            }
        }).filter(n -> n != null && n.isObject()).toList();
    }

    private void receive() {
        byte[] buffer = new byte[65_536];
        while (!closing) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
                datagrams.add(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
            } catch (SocketTimeoutException e) {
                // look at closing again
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Stops once nothing has arrived for a moment (the last spans are sent just before the functions answer). */
    @Override
    public void close() throws InterruptedException {
        int seen = -1;
        while (seen != datagrams.size()) {
            seen = datagrams.size();
            Thread.sleep(500);
        }
        closing = true;
        receiver.join(2_000);
        socket.close();
    }
}
