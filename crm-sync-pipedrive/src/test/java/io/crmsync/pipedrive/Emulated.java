package io.crmsync.pipedrive;

import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.pipedrive.PipedriveEmulator;
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

  static PipedriveAdapter adapter(PipedriveEmulator emulator, TimeSource time, String... settings) {
    return PipedriveAdapter.create(config(emulator, time, settings).build());
  }

  static AdapterConfig.Builder config(PipedriveEmulator emulator, TimeSource time, String... settings) {
    Map<String, String> s = new LinkedHashMap<>(emulator.adapterSettings());
    for (int i = 0; i + 1 < settings.length; i += 2) {
      s.put(settings[i], settings[i + 1]);
    }
    return AdapterConfig.builder("pipedrive").settings(s).timeSource(time).httpClient(CLIENT);
  }
}
