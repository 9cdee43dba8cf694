package io.crmsync.interop;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.model.Contact;
import io.crmsync.salesforce.SalesforceAdapter;
import io.crmsync.testkit.salesforce.FieldType;
import io.crmsync.testkit.salesforce.Fault;
import io.crmsync.testkit.salesforce.OrgEdition;
import io.crmsync.testkit.salesforce.SalesforceEmulator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Salesforce: Contact with the two custom fields, accounts for the contacts' companies, and a user of the org's own
 * who owns the seeded contacts.
 *
 * <p>Limits: the API request allocation of an Enterprise Edition org with 10 licences, 110,000 requests per rolling 24
 * hours (https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html).
 * Salesforce has no per-second or per-minute request limit for REST calls; what it limits per moment is concurrent
 * requests running 20 seconds or more, which calls to an emulator never do. Sessions last the conditions' token
 * lifetime (an org's session timeout), and the adapter learns it by introspecting each token.
 */
final class SalesforceSide implements Side {
  private static final Map<String, String> NATIVE = Map.ofEntries(
      Map.entry(Contact.Fields.EMAIL, "Email"),
      Map.entry(Contact.Fields.FIRST_NAME, "FirstName"),
      Map.entry(Contact.Fields.LAST_NAME, "LastName"),
      Map.entry(Contact.Fields.PHONE, "Phone"),
      Map.entry(Contact.Fields.TITLE, "Title"),
      Map.entry(Contact.Fields.STREET, "MailingStreet"),
      Map.entry(Contact.Fields.CITY, "MailingCity"),
      Map.entry(Contact.Fields.STATE, "MailingState"),
      Map.entry(Contact.Fields.POSTAL_CODE, "MailingPostalCode"),
      Map.entry(Contact.Fields.COUNTRY, "MailingCountry"),
      Map.entry(Contact.Fields.OWNER_ID, "OwnerId"),
      Map.entry(People.TIER, People.TIER),
      Map.entry(People.VALUE, People.VALUE));

  final SalesforceEmulator emulator;
  private final SalesforceAdapter adapter;
  private final String owner;

  SalesforceSide(Conditions c) {
    SalesforceEmulator.Builder b = SalesforceEmulator.builder()
        .timeSource(c.clock())
        .seed(c.seed())
        .clientCredentials("crm-sync", "crm-sync-secret")
        .customField("Contact", People.TIER, FieldType.STRING)
        .customField("Contact", People.VALUE, FieldType.DOUBLE)
        .sessionTimeout(c.tokenLifetime())
        .faultRate(c.faultRate());
    if (c.limits()) {
      b.edition(OrgEdition.ENTERPRISE, 10);
    }
    this.emulator = b.build().start();
    this.owner = emulator.addUser("olive.owner@example.com");
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("loginUrl", emulator.url());
    settings.put("clientId", "crm-sync");
    settings.put("clientSecret", "crm-sync-secret");
    this.adapter = SalesforceAdapter.create(AdapterConfig.builder("salesforce").settings(settings).timeSource(c.clock())
        .httpClient(c.httpClient()).build());
  }

  @Override
  public String name() {
    return "salesforce";
  }

  @Override
  public CRMAdapter adapter() {
    return adapter;
  }

  @Override
  public void seed(List<Map<String, Object>> contacts) {
    List<String> accounts = new ArrayList<>();
    for (int j = 0; j < People.COMPANIES; j++) {
      accounts.add(emulator.insert("Account", Map.of("Name", People.company(j))));
    }
    Map<String, String> accountByName = new HashMap<>();
    for (int j = 0; j < People.COMPANIES; j++) {
      accountByName.put(People.company(j), accounts.get(j));
    }
    for (Map<String, Object> c : contacts) {
      Map<String, Object> f = new HashMap<>();
      c.forEach((k, v) -> {
        if (k.equals(Contact.Fields.COMPANY)) {
          f.put("AccountId", accountByName.get(v.toString()));
        } else {
          f.put(NATIVE.get(k), v);
        }
      });
      f.put("OwnerId", owner);
      emulator.insert("Contact", f);
    }
  }

  @Override
  public Map<String, Map<String, Object>> contacts() {
    Map<String, String> accountNames = new HashMap<>();
    for (Map<String, Object> a : emulator.records("Account")) {
      accountNames.put(a.get("Id").toString(), a.get("Name").toString());
    }
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Map<String, Object> r : emulator.records("Contact")) {
      Map<String, Object> c = new HashMap<>();
      NATIVE.forEach((canonical, nativeName) -> {
        Object v = canonical.equals(People.VALUE) ? Emulated.number(r.get(nativeName)) : Emulated.text(r.get(nativeName));
        if (v != null) {
          c.put(canonical, v);
        }
      });
      Object account = r.get("AccountId");
      if (account != null) {
        c.put(Contact.Fields.COMPANY, accountNames.get(account.toString()));
      }
      Side.once(out, r.get("Email"), c);
    }
    return out;
  }

  @Override
  public Set<String> holds() {
    // a contact's company is its Account's name, another record, which the adapter reads and does not write
    Set<String> s = new HashSet<>(People.STANDARD);
    s.addAll(People.CUSTOM);
    return s;
  }

  @Override
  public Set<String> seededOwners() {
    return Set.of(owner);
  }

  /** The user the adapter acts as, who owns what it creates. */
  String integrationUser() {
    return emulator.integrationUserId();
  }

  @Override
  public List<Injection> faults() {
    List<Injection> out = new ArrayList<>();
    for (Fault f : List.of(Fault.SERVICE_UNAVAILABLE_HTML, Fault.SERVER_ERROR, Fault.GARBLED_JSON, Fault.CONNECTION_DROPPED_AFTER_APPLY, Fault.TRUNCATED_AFTER_APPLY, Fault.GATEWAY_TIMEOUT_AFTER_APPLY, Fault.INVALID_SESSION)) {
      out.add(new Injection(f.name(), () -> emulator.injectFault(f)));
    }
    return out;
  }

  @Override
  public Counts counts() {
    Map<String, Long> refused = new HashMap<>(emulator.refusals());
    emulator.recordErrors().forEach((code, n) -> refused.merge("record " + code, n, Long::sum));
    return new Counts(emulator.apiRequests(), emulator.tokensIssued(), refused, 0,
        emulator.faultsInjected().values().stream().mapToLong(Long::longValue).sum());
  }

  @Override
  public void close() {
    emulator.close();
  }

  @Override
  public String toString() {
    return name();
  }
}
