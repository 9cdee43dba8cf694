package io.crmsync.sugarcrm;

import io.crmsync.adapter.CRMAdapter;
import io.crmsync.adapter.MatchKey;
import io.crmsync.model.Contact;
import io.crmsync.model.CrmRecord;
import io.crmsync.tck.CRMAdapterContract;
import io.crmsync.testkit.FakeTimeSource;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/** The adapter contract upserting by {@code sync_key}: one {@code PATCH /<module>/sync_key/<value>} per record, in one bulk call. */
class SugarCrmSyncKeyContractTest extends CRMAdapterContract {
  final FakeTimeSource clock = new FakeTimeSource();
  final SugarCrmEmulator sugar = SugarCrmEmulator.builder().timeSource(clock)
      .customField("Contacts", "favourite_colour_c").build().start();

  @Override
  protected CRMAdapter newAdapter() {
    return Emulated.adapter(sugar, clock);
  }

  @Override
  protected MatchKey matchKey() {
    return MatchKey.field("sync_key");
  }

  @Override
  protected CrmRecord contact(int i) {
    CrmRecord c = super.contact(i);
    return c.with("sync_key", "ext-" + c.string(Contact.Fields.EMAIL));
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("favourite_colour_c");
  }

  @AfterEach
  void stop() {
    sugar.close();
  }
}
