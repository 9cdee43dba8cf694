package io.crmsync.hubspot;

import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.hubspot.HubSpotEmulator;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.OkHttpClient;

/** Adapters wired to an emulator, for tests. */
final class Emulated {
  private Emulated() {}

  /** The shared client's settings (TCP_NODELAY among them), with short timeouts. */
  static final OkHttpClient CLIENT = AdapterConfig.defaultHttpClient().newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .readTimeout(Duration.ofSeconds(5))
      .build();

  static HubSpotAdapter adapter(HubSpotEmulator emulator, TimeSource time, String... settings) {
    return HubSpotAdapter.create(config(emulator, time, settings).build());
  }

  static AdapterConfig.Builder config(HubSpotEmulator emulator, TimeSource time, String... settings) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    for (int i = 0; i + 1 < settings.length; i += 2) {
      s.put(settings[i], settings[i + 1]);
    }
    return AdapterConfig.builder("hubspot").settings(s).timeSource(time).httpClient(CLIENT);
  }
}
