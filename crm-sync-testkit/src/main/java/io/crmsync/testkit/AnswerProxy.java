package io.crmsync.testkit;

import io.crmsync.testkit.internal.NoDelayServerSockets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * A loopback proxy in front of an emulator (or any HTTP server) that forwards every request, except that
 * it answers chosen ones itself with a body of its own: to see what an adapter does with an answer of a
 * shape the API never documents ({@code {}}, {@code [1,2,3]}, an empty body, a truncated page) at one
 * chosen moment of a sync, which an emulator's random faults do not aim at. Links in forwarded answers
 * that point at the upstream (a token answer's instance URL, an absolute next-page link) are rewritten to
 * point at the proxy, so that an adapter stays behind it.
 *
 * <pre>{@code
 * try (AnswerProxy proxy = AnswerProxy.to(hubspot.url())
 *     .replace(r -> r.getMethod().equals("GET") && r.getUrl().encodedPath().endsWith("/contacts"), 3, "{}")
 *     .start()) {
 *   // point the adapter at proxy.url()
 * }
 * }</pre>
 *
 * Thread-safe.
 */
public final class AnswerProxy implements AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json");

  private final HttpUrl upstream;
  private final MockWebServer server = new MockWebServer();
  private final OkHttpClient client = new OkHttpClient.Builder()
      .retryOnConnectionFailure(false)
      .followRedirects(false)
      .readTimeout(30, TimeUnit.SECONDS)
      .build();
  private @Nullable Predicate<RecordedRequest> which;
  private int nth;
  private byte[] body = new byte[0];
  private final AtomicInteger matched = new AtomicInteger();
  private final AtomicInteger replaced = new AtomicInteger();

  private AnswerProxy(URI upstream) {
    this.upstream = Objects.requireNonNull(HttpUrl.get(upstream), "upstream");
  }

  /** A proxy to {@code upstream}, forwarding everything until told otherwise. */
  public static AnswerProxy to(URI upstream) {
    return new AnswerProxy(upstream);
  }

  /**
   * Answers the {@code nth} request (counting from 1) that {@code which} accepts with status 200 and
   * {@code body} as JSON, instead of forwarding it; every other request is forwarded.
   */
  public AnswerProxy replace(Predicate<RecordedRequest> which, int nth, String body) {
    this.which = Objects.requireNonNull(which, "which");
    this.nth = nth;
    this.body = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return this;
  }

  /** Starts listening on loopback. */
  public AnswerProxy start() {
    server.setServerSocketFactory(new NoDelayServerSockets());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Predicate<RecordedRequest> w = which;
        if (w != null && w.test(request) && matched.incrementAndGet() == nth) {
          replaced.incrementAndGet();
          return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
              .body(new Buffer().write(body)).build();
        }
        return forward(request);
      }
    });
    try {
      server.start(InetAddress.getLoopbackAddress(), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  private MockResponse forward(RecordedRequest request) {
    HttpUrl url = upstream.newBuilder().encodedPath(request.getUrl().encodedPath())
        .encodedQuery(request.getUrl().encodedQuery()).build();
    ByteString sent = request.getBody();
    String contentType = request.getHeaders().get("Content-Type");
    RequestBody requestBody = sent == null || (sent.size() == 0 && request.getMethod().equals("GET")) ? null
        : RequestBody.create(sent, contentType == null ? JSON : MediaType.get(contentType));
    Headers.Builder headers = new Headers.Builder();
    for (String name : request.getHeaders().names()) {
      if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")
          && !name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Accept-Encoding")) {
        for (String value : request.getHeaders().values(name)) {
          headers.add(name, value);
        }
      }
    }
    Request out = new Request.Builder().url(url).headers(headers.build()).method(request.getMethod(), requestBody).build();
    try (Response response = client.newCall(out).execute()) {
      MockResponse.Builder b = new MockResponse.Builder().code(response.code());
      for (String name : response.headers().names()) {
        if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")
            && !name.equalsIgnoreCase("Connection")) {
          for (String value : response.headers(name)) {
            b.addHeader(name, value);
          }
        }
      }
      String origin = upstream.newBuilder().encodedPath("/").build().toString();
      origin = origin.substring(0, origin.length() - 1);
      String self = server.url("/").toString();
      self = self.substring(0, self.length() - 1);
      byte[] bytes = response.body().bytes();
      String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
      if (text.contains(origin)) {
        bytes = text.replace(origin, self).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
      return b.body(new Buffer().write(bytes)).build();
    } catch (IOException e) {
      return new MockResponse.Builder().code(502).body("upstream failed: " + e.getClass().getSimpleName()).build();
    }
  }

  /** The proxy's address. */
  public URI url() {
    return server.url("/").uri();
  }

  /** How many answers the proxy gave itself. */
  public int replaced() {
    return replaced.get();
  }

  @Override
  public void close() {
    server.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
