package io.crmsync.interop;

import java.util.function.Function;

/** The six CRMs with an adapter, each opened as a {@link Side} on its emulator. */
enum Crm {
  HUBSPOT(c -> new HubSpotSide(c, HubSpotSide.App.OAUTH)),
  SALESFORCE(SalesforceSide::new),
  DYNAMICS(DynamicsSide::new),
  PIPEDRIVE(PipedriveSide::new),
  ZOHO(ZohoSide::new),
  SUGARCRM(SugarSide::new);

  private final Function<Conditions, Side> open;

  Crm(Function<Conditions, Side> open) {
    this.open = open;
  }

  /** Starts this CRM's emulator under {@code conditions} and points an adapter at it. */
  Side open(Conditions conditions) {
    return open.apply(conditions);
  }
}
