package io.crmsync.cli;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.spi.CRMAdapterProvider;
import io.crmsync.testkit.FakeCrm;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Two in-memory CRMs the command line finds by ServiceLoader on the test class path, as it finds real
 * adapters: {@code appdb} and {@code acme}. A test installs the {@link FakeCrm} each id stands for.
 */
final class FakeAdapters {
  private static volatile @Nullable FakeCrm appDb;
  private static volatile @Nullable FakeCrm acme;

  private FakeAdapters() {}

  static void install(FakeCrm source, FakeCrm target) {
    appDb = source;
    acme = target;
  }

  static void clear() {
    appDb = null;
    acme = null;
  }

  public static final class AppDb implements CRMAdapterProvider {
    @Override
    public String id() {
      return "appdb";
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      return Objects.requireNonNull(appDb, "no FakeCrm installed for appdb");
    }
  }

  public static final class Acme implements CRMAdapterProvider {
    @Override
    public String id() {
      return "acme";
    }

    @Override
    public CRMAdapter create(AdapterConfig config) {
      return Objects.requireNonNull(acme, "no FakeCrm installed for acme");
    }
  }
}
