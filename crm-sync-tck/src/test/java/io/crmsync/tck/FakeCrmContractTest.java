package io.crmsync.tck;

import io.crmsync.testkit.FakeCrm;
import io.crmsync.adapter.CRMAdapter;
import java.util.Optional;

class FakeCrmContractTest extends CRMAdapterContract {
  @Override
  protected CRMAdapter newAdapter() {
    return FakeCrm.builder().maxBatchSize(100).build();
  }

  @Override
  protected Optional<String> customField() {
    return Optional.of("favouriteColour");
  }
}
