package io.crmsync.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.crmsync.CrmConfigurationException;
import io.crmsync.micrometer.CrmSyncMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * Serves crm-sync's metrics (and the JVM's) in Prometheus's text format on {@code GET /metrics}, from the JDK's
 * HTTP server on one thread: for {@code --metrics prometheus:PORT}.
 */
final class MetricsServer implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final CrmSyncMetrics metrics = CrmSyncMetrics.create(registry);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsServer(InetSocketAddress address) throws IOException {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc.bindTo(registry);
    server = HttpServer.create(address, 0);
    server.createContext("/metrics", this::scrape);
    server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8", "see /metrics\n"));
    executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "crm-sync-metrics");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
  }

  /**
   * Starts serving as {@code spec} says: {@code prometheus:PORT} (every interface) or {@code
   * prometheus:HOST:PORT}; port 0 picks a free one.
   *
   * @throws CrmConfigurationException if {@code spec} is malformed or the port cannot be bound
   */
  static MetricsServer start(String spec) {
    String[] parts = spec.split(":");
    if (parts.length < 2 || parts.length > 3 || !parts[0].equals("prometheus")) {
      throw new CrmConfigurationException("cli", "--metrics must be prometheus:PORT or prometheus:HOST:PORT, was '"
          + spec + "'");
    }
    int port;
    try {
      port = Integer.parseInt(parts[parts.length - 1]);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65_535) {
      throw new CrmConfigurationException("cli", "--metrics needs a port from 0 to 65535, was '" + spec + "'");
    }
    InetSocketAddress address = parts.length == 3 ? new InetSocketAddress(parts[1], port) : new InetSocketAddress(port);
    try {
      return new MetricsServer(address);
    } catch (IOException e) {
      throw new CrmConfigurationException("cli", "--metrics cannot serve on " + spec + ": " + e.getMessage());
    }
  }

  /** Starts a server if {@code spec} is set. */
  static @Nullable MetricsServer startIfSet(@Nullable String spec) {
    return spec == null ? null : start(spec);
  }

  CrmSyncMetrics metrics() {
    return metrics;
  }

  /** Where {@code /metrics} is served, with the port actually bound. */
  String url() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "localhost" : a.getHostString();
    return "http://" + host + ":" + a.getPort() + "/metrics";
  }

  private void scrape(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
      respond(exchange, 405, "text/plain; charset=utf-8", "GET only\n");
      return;
    }
    respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      if (!head) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    gc.close();
    registry.close();
  }
}
