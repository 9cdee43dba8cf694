package io.crmsync.salesforce;

import io.crmsync.TimeSource;
import io.crmsync.adapter.AdapterConfig;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.security.KeyPair;
import java.util.Map;

/** Emulators and adapters wired to them for the tests: JWT bearer with a key pair made once per JVM. */
final class Emulators {
  static final String CLIENT_ID = "3MVG9test-client-id";
  static final String USER = "integration@example.com";
  static final KeyPair KEYS = SalesforceEmulator.newKeyPair();

  private Emulators() {}

  static SalesforceEmulator.Builder emulator(TimeSource time) {
    return SalesforceEmulator.builder()
        .timeSource(time)
        .jwtBearer(CLIENT_ID, KEYS.getPublic())
        .user(USER)
        .customField("Contact", "Favourite_Colour__c", FieldType.STRING)
        .customField("Contact", "Note__c", FieldType.STRING)
        .externalIdField("Contact", "External_Id__c");
  }

  static AdapterConfig.Builder config(SalesforceEmulator sf, TimeSource time) {
    return AdapterConfig.builder("salesforce")
        .timeSource(time)
        .settings(Map.of(
            "loginUrl", sf.url(),
            "clientId", CLIENT_ID,
            "username", USER,
            "privateKey", SalesforceEmulator.toPem(KEYS.getPrivate()),
            "bulkPollInitial", "10ms",
            "bulkPollMax", "50ms"));
  }

  static SalesforceAdapter adapter(SalesforceEmulator sf, TimeSource time, Map<String, String> extra) {
    return SalesforceAdapter.create(config(sf, time).settings(extra).build());
  }
}
