package io.crmsync.dynamics;

import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A server that answers an adapter's data requests with responses a test queues (recorded exchanges, malformed
 * bodies), and passes its token and table-definition requests on to an emulator, so that the adapter can be pointed
 * at canned answers without canning its metadata too.
 */
final class Replay implements AutoCloseable {
  private final DataverseEmulator dv;
  private final MockWebServer server = new MockWebServer();
  private final OkHttpClient http = new OkHttpClient();
  private final Deque<MockResponse> queue = new ArrayDeque<>();
  private final List<RecordedRequest> recorded = new ArrayList<>();

  Replay(DataverseEmulator dv) {
    this.dv = dv;
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String path = request.getUrl().encodedPath();
        if (path.startsWith("/" + dv.tenant() + "/oauth2/") || path.contains("/EntityDefinitions")) {
          return forward(request);
        }
        synchronized (queue) {
          recorded.add(request);
          MockResponse next = queue.poll();
          return next != null ? next : new MockResponse.Builder().code(599).body("nothing queued").build();
        }
      }
    });
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private MockResponse forward(RecordedRequest r) {
    String body = r.getBody() == null ? "" : r.getBody().utf8();
    String type = r.getHeaders().get("Content-Type");
    boolean noBody = r.getMethod().equals("GET") || r.getMethod().equals("HEAD") || (r.getMethod().equals("DELETE") && body.isEmpty());
    RequestBody rb = noBody ? null : RequestBody.create(body, type == null ? null : MediaType.parse(type));
    Request.Builder b = new Request.Builder().url(dv.url() + r.getTarget()).method(r.getMethod(), rb);
    for (String name : r.getHeaders().names()) {
      if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
        b.header(name, r.getHeaders().get(name));
      }
    }
    try (Response resp = http.newCall(b.build()).execute()) {
      MockResponse.Builder m = new MockResponse.Builder().code(resp.code());
      resp.headers().forEach(h -> {
        if (!h.getFirst().equalsIgnoreCase("Content-Length")) {
          m.addHeader(h.getFirst(), h.getSecond());
        }
      });
      return m.body(resp.body().string()).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The org URL the adapter is given: this server. */
  String url() {
    String u = server.url("/").toString();
    return u.substring(0, u.length() - 1);
  }

  /** Adapter settings pointing at this server, authenticating with the emulator's token endpoint through it. */
  Map<String, String> adapterSettings() {
    Map<String, String> s = new LinkedHashMap<>(dv.adapterSettings());
    s.put("orgUrl", url());
    s.put("tokenUrl", url() + "/" + dv.tenant() + "/oauth2/v2.0/token");
    s.put("scope", dv.url() + "/.default");
    return s;
  }

  /** Queues the answer to the next data request. */
  void enqueue(int status, Map<String, String> headers, String body) {
    MockResponse.Builder m = new MockResponse.Builder().code(status);
    headers.forEach(m::addHeader);
    synchronized (queue) {
      queue.add(m.body(body).build());
    }
  }

  void enqueue(MockResponse response) {
    synchronized (queue) {
      queue.add(response);
    }
  }

  /** The data requests answered so far. */
  List<RecordedRequest> requests() {
    synchronized (queue) {
      return List.copyOf(recorded);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
