package io.crmsync.interop;

import io.crmsync.adapter.AdapterConfig;
import io.crmsync.adapter.CRMAdapter;
import io.crmsync.model.Contact;
import io.crmsync.sugarcrm.SugarCrmAdapter;
import io.crmsync.testkit.sugarcrm.SugarCrmEmulator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SugarCRM: Contacts with the two custom fields (Sugar's custom names end in {@code _c}, as {@code __c} does), accounts
 * for the contacts' companies, and a second user who is assigned the seeded contacts.
 *
 * <p>Limits: SugarCRM publishes no request quota for its REST API, so none is kept. Access tokens expire after the
 * conditions' lifetime, and each refresh rotates the refresh token.
 */
final class SugarSide implements Side {
  static final String OWNER = "3c0f2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f";
  private static final Map<String, String> NATIVE = Map.ofEntries(
      Map.entry(Contact.Fields.FIRST_NAME, "first_name"),
      Map.entry(Contact.Fields.LAST_NAME, "last_name"),
      Map.entry(Contact.Fields.PHONE, "phone_work"),
      Map.entry(Contact.Fields.TITLE, "title"),
      Map.entry(Contact.Fields.STREET, "primary_address_street"),
      Map.entry(Contact.Fields.CITY, "primary_address_city"),
      Map.entry(Contact.Fields.STATE, "primary_address_state"),
      Map.entry(Contact.Fields.POSTAL_CODE, "primary_address_postalcode"),
      Map.entry(Contact.Fields.COUNTRY, "primary_address_country"),
      Map.entry(Contact.Fields.OWNER_ID, "assigned_user_id"),
      Map.entry(People.TIER, People.TIER),
      Map.entry(People.VALUE, People.VALUE));

  final SugarCrmEmulator emulator;
  private final SugarCrmAdapter adapter;

  SugarSide(Conditions c) {
    SugarCrmEmulator.Builder b = SugarCrmEmulator.builder()
        .timeSource(c.clock())
        .seed(c.seed())
        .customField("Contacts", People.TIER)
        .customField("Contacts", People.VALUE, "decimal")
        .accessTokenLifetime(c.tokenLifetime());
    if (c.faultRate() > 0) {
      double each = c.faultRate() / 5;
      b.serverErrorRate(each).serviceUnavailableRate(each).htmlErrorPageRate(each).droppedConnectionRate(each)
          .truncatedBodyRate(each);
    }
    this.emulator = b.build().start();
    this.adapter = SugarCrmAdapter.create(AdapterConfig.builder("sugarcrm")
        .settings(new LinkedHashMap<>(emulator.adapterSettings())).timeSource(c.clock()).httpClient(c.httpClient())
        .build());
  }

  @Override
  public String name() {
    return "sugarcrm";
  }

  @Override
  public CRMAdapter adapter() {
    return adapter;
  }

  @Override
  public void seed(List<Map<String, Object>> contacts) {
    Map<String, String> accounts = new HashMap<>();
    for (int j = 0; j < People.COMPANIES; j++) {
      accounts.put(People.company(j), emulator.insert("Accounts", Map.of("name", People.company(j))));
    }
    for (Map<String, Object> c : contacts) {
      Map<String, Object> row = new HashMap<>();
      c.forEach((k, v) -> {
        if (k.equals(Contact.Fields.COMPANY)) {
          row.put("account_id", accounts.get(v.toString()));
        } else if (k.equals(Contact.Fields.EMAIL)) {
          row.put("email", v);
        } else {
          row.put(NATIVE.get(k), v);
        }
      });
      row.put("assigned_user_id", OWNER);
      emulator.insert("Contacts", row);
    }
  }

  @Override
  public Map<String, Map<String, Object>> contacts() {
    Map<String, Map<String, Object>> out = new HashMap<>();
    for (Map<String, Object> r : emulator.records("Contacts")) {
      Map<String, Object> c = new HashMap<>();
      NATIVE.forEach((canonical, nativeName) -> {
        Object v = canonical.equals(People.VALUE) ? Emulated.number(r.get(nativeName)) : Emulated.text(r.get(nativeName));
        if (v != null) {
          c.put(canonical, v);
        }
      });
      put(c, Contact.Fields.EMAIL, r.get("email1"));
      put(c, Contact.Fields.COMPANY, r.get("account_name"));
      Side.once(out, c.get(Contact.Fields.EMAIL), c);
    }
    return out;
  }

  private static void put(Map<String, Object> c, String field, Object value) {
    String v = Emulated.text(value);
    if (v != null) {
      c.put(field, v);
    }
  }

  @Override
  public Set<String> holds() {
    // a contact's company is the name of its related account, which the adapter reads and does not write
    Set<String> s = new HashSet<>(People.STANDARD);
    s.addAll(People.CUSTOM);
    return s;
  }

  @Override
  public Set<String> seededOwners() {
    return Set.of(OWNER);
  }

  @Override
  public List<Injection> faults() {
    List<Injection> out = new ArrayList<>();
    for (SugarCrmEmulator.Fault f : List.of(SugarCrmEmulator.Fault.SERVER_ERROR, SugarCrmEmulator.Fault.SERVICE_UNAVAILABLE, SugarCrmEmulator.Fault.HTML_ERROR_PAGE, SugarCrmEmulator.Fault.DROPPED_CONNECTION, SugarCrmEmulator.Fault.TRUNCATED_BODY, SugarCrmEmulator.Fault.RATE_LIMITED)) {
      out.add(new Injection(f.name(), () -> emulator.injectFaults(f)));
    }
    return out;
  }

  @Override
  public Counts counts() {
    Map<String, Long> refused = new HashMap<>();
    emulator.refusals().forEach(r -> refused.merge(r.replaceAll("/[0-9a-f-]{36}", "/{id}"), 1L, Long::sum));
    long tokens = emulator.requests().stream().filter(r -> r.path().contains("/oauth2/token")).count();
    return new Counts(emulator.requestCount() - tokens, tokens, refused, emulator.countByStatus(429),
        emulator.faultCount());
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
