package io.crmsync.dynamics;

import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.dynamics.ColumnSpec;
import io.crmsync.testkit.dynamics.DataverseEmulator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Emulators and adapters wired to them, for tests. */
final class Emulated {
  /** A custom text column of contact, as a maker would add it. */
  static final String CUSTOM_COLUMN = "new_favouritecolour";

  private Emulated() {}

  /**
   * An emulator with the alternate key on {@code emailaddress1}, a custom column and the recycle bin on for contacts,
   * service protection off (tests that need it turn it on).
   */
  static DataverseEmulator.Builder emulator(TimeSource time) {
    return DataverseEmulator.builder()
        .timeSource(time)
        .alternateKey("contact", "emailaddress1")
        .column("contact", ColumnSpec.string(CUSTOM_COLUMN, 100))
        .recycleBin("contact", true)
        .noServiceProtection();
  }

  static AdapterConfig.Builder config(DataverseEmulator dv, TimeSource time, String... settings) {
    Map<String, String> s = new LinkedHashMap<>(dv.adapterSettings());
    for (int i = 0; i + 1 < settings.length; i += 2) {
      s.put(settings[i], settings[i + 1]);
    }
    return AdapterConfig.builder(DynamicsAdapter.ID).settings(s).timeSource(time);
  }

  static DynamicsAdapter adapter(DataverseEmulator dv, TimeSource time, String... settings) {
    return DynamicsAdapter.create(config(dv, time, settings).build());
  }
}
