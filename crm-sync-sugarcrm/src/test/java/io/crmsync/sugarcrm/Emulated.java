package io.crmsync.sugarcrm;

import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.OkHttpClient;

/** Adapters wired to an emulator, for tests. */
final class Emulated {
  private Emulated() {}

  /** One client for the tests, with TCP_NODELAY as the shared one has, and short timeouts. */
  static final OkHttpClient CLIENT = new OkHttpClient.Builder()
      .socketFactory(new NoDelaySocketFactory())
      .connectTimeout(Duration.ofSeconds(5))
      .readTimeout(Duration.ofSeconds(5))
      .build();

  static SugarCrmAdapter adapter(SugarCrmEmulator emulator, TimeSource time, String... settings) {
    return SugarCrmAdapter.create(config(emulator, time, settings).build());
  }

  static AdapterConfig.Builder config(SugarCrmEmulator emulator, TimeSource time, String... settings) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    for (int i = 0; i + 1 < settings.length; i += 2) {
      s.put(settings[i], settings[i + 1]);
    }
    return AdapterConfig.builder("sugarcrm").settings(s).timeSource(time).httpClient(CLIENT);
  }

  /** Plain sockets with Nagle's algorithm off, so small requests are not held back for a delayed ACK. */
  static final class NoDelaySocketFactory extends javax.net.SocketFactory {
    private final javax.net.SocketFactory delegate = javax.net.SocketFactory.getDefault();

    private static java.net.Socket noDelay(java.net.Socket s) throws java.io.IOException {
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public java.net.Socket createSocket() throws java.io.IOException {
      return noDelay(delegate.createSocket());
    }

    @Override
    public java.net.Socket createSocket(String host, int port) throws java.io.IOException {
      return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort)
        throws java.io.IOException {
      return noDelay(delegate.createSocket(host, port, local, localPort));
    }

    @Override
    public java.net.Socket createSocket(java.net.InetAddress host, int port) throws java.io.IOException {
      return noDelay(delegate.createSocket(host, port));
    }

    @Override
    public java.net.Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress local, int localPort)
        throws java.io.IOException {
      return noDelay(delegate.createSocket(address, port, local, localPort));
    }
  }
}
